//! Coded values of LIS2-A2 fields. Each parser maps the sent code case-sensitively as the standard
//! writes it; codes it does not define become `Other` (keep the raw field for those).

/// Declares a code enum with `from_code`.
macro_rules! codes {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
            /// A code the standard does not define; read the raw field.
            Other,
        }

        impl $name {
            /// The code for `raw` (surrounding spaces ignored), `None` when empty.
            pub fn from_code(raw: &str) -> Option<Self> {
                match raw.trim() {
                    "" => None,
                    $($code => Some(Self::$variant),)*
                    _ => Some(Self::Other),
                }
            }

            /// The code as written by the standard (`None` for `Other`).
            pub fn code(self) -> Option<&'static str> {
                match self {
                    $(Self::$variant => Some($code),)*
                    Self::Other => None,
                }
            }
        }
    };
}

codes! {
    /// O-12 action code (LIS2-A2 §8.4.12).
    ActionCode {
        /// `C` cancel request for the battery or tests named.
        Cancel = "C",
        /// `A` add the tests to an existing specimen.
        Add = "A",
        /// `N` new tests with a new specimen.
        New = "N",
        /// `P` pending specimen.
        Pending = "P",
        /// `L` reserved.
        Reserved = "L",
        /// `X` specimen or test already in process.
        InProcess = "X",
        /// `Q` treat the specimen as a QC test specimen.
        QualityControl = "Q",
    }
}

codes! {
    /// O-6 priority (LIS2-A2 §8.4.6); several codes may repeat.
    Priority {
        /// `S` stat.
        Stat = "S",
        /// `A` as soon as possible.
        Asap = "A",
        /// `R` routine.
        Routine = "R",
        /// `C` callback.
        Callback = "C",
        /// `P` preoperative.
        Preoperative = "P",
    }
}

codes! {
    /// O-26 report type (LIS2-A2 §8.4.26).
    ReportType {
        /// `O` order record; the host asks for tests to be done.
        Order = "O",
        /// `C` correction of previously reported results.
        Correction = "C",
        /// `P` preliminary results.
        Preliminary = "P",
        /// `F` final results.
        Final = "F",
        /// `X` order cannot be done, cancelled.
        Cancelled = "X",
        /// `I` in instrument pending.
        Pending = "I",
        /// `Y` no order on record for this test (query answer).
        NoOrder = "Y",
        /// `Z` no record of this patient (query answer).
        NoPatient = "Z",
        /// `Q` response to a query.
        QueryResponse = "Q",
    }
}

codes! {
    /// R-7 result abnormal flags (LIS2-A2 §9.7). There is no `AA` (that is HL7).
    AbnormalFlag {
        /// `L` below low normal.
        Low = "L",
        /// `H` above high normal.
        High = "H",
        /// `LL` below panic normal.
        PanicLow = "LL",
        /// `HH` above panic high.
        PanicHigh = "HH",
        /// `<` below absolute low (off low scale).
        BelowScale = "<",
        /// `>` above absolute high (off high scale).
        AboveScale = ">",
        /// `N` normal.
        Normal = "N",
        /// `A` abnormal.
        Abnormal = "A",
        /// `U` significant change up.
        ChangeUp = "U",
        /// `D` significant change down.
        ChangeDown = "D",
        /// `B` better.
        Better = "B",
        /// `W` worse.
        Worse = "W",
    }
}

codes! {
    /// R-9 result status (LIS2-A2 §9.9).
    ResultStatus {
        /// `C` correction of a previously transmitted result.
        Correction = "C",
        /// `P` preliminary.
        Preliminary = "P",
        /// `F` final.
        Final = "F",
        /// `X` order cannot be done.
        CannotBeDone = "X",
        /// `I` in instrument, results pending.
        Pending = "I",
        /// `S` partial.
        Partial = "S",
        /// `M` MIC level.
        MicLevel = "M",
        /// `R` previously transmitted.
        PreviouslyTransmitted = "R",
        /// `N` needs information to run a new order.
        InfoNeeded = "N",
        /// `Q` response to a query.
        QueryResponse = "Q",
        /// `V` operator verified.
        Verified = "V",
        /// `W` warning: validity questionable.
        Warning = "W",
    }
}

codes! {
    /// Q-13 request information status (LIS2-A2 §11.13).
    RequestStatus {
        /// `C` correction of previous results.
        Correction = "C",
        /// `P` preliminary results.
        Preliminary = "P",
        /// `F` final results.
        Final = "F",
        /// `X` results cannot be done.
        CannotBeDone = "X",
        /// `I` request results pending.
        Pending = "I",
        /// `S` request partial/unfinalised results.
        Partial = "S",
        /// `M` MIC level.
        MicLevel = "M",
        /// `R` results previously transmitted.
        PreviouslyTransmitted = "R",
        /// `A` abort/cancel the last request.
        Abort = "A",
        /// `N` new or edited results only.
        NewOnly = "N",
        /// `O` orders and demographics only, no results.
        OrdersOnly = "O",
        /// `D` demographics only.
        DemographicsOnly = "D",
    }
}

codes! {
    /// L-3 termination code (LIS2-A2 §12.3). An empty L-3 also means normal.
    TerminationCode {
        /// `N` normal termination.
        Normal = "N",
        /// `T` sender aborted.
        SenderAborted = "T",
        /// `R` receiver requested abort.
        ReceiverAborted = "R",
        /// `E` unknown system error.
        SystemError = "E",
        /// `Q` error in last request for information.
        QueryError = "Q",
        /// `I` no information available from last query.
        NoInformation = "I",
        /// `F` last request for information processed.
        QueryProcessed = "F",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_from_the_standard() {
        assert_eq!(ActionCode::from_code("Q"), Some(ActionCode::QualityControl));
        assert_eq!(ActionCode::from_code(""), None);
        assert_eq!(ReportType::from_code("Z"), Some(ReportType::NoPatient));
        assert_eq!(AbnormalFlag::from_code("HH"), Some(AbnormalFlag::PanicHigh));
        // `AA` is HL7, not LIS2-A2 §9.7.
        assert_eq!(AbnormalFlag::from_code("AA"), Some(AbnormalFlag::Other));
        assert_eq!(ResultStatus::from_code(" F "), Some(ResultStatus::Final));
        assert_eq!(
            TerminationCode::from_code("I"),
            Some(TerminationCode::NoInformation)
        );
        assert_eq!(
            RequestStatus::from_code("O").and_then(RequestStatus::code),
            Some("O")
        );
    }
}
