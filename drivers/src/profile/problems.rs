//! How a profile's parts can disagree: every problem with its key, so `lis profile check` and
//! `lis config check` list them all at once.

use super::*;

impl Profile {
    /// Every way the parts disagree, in key order (empty: the profile is usable).
    pub fn problems(&self) -> Vec<ProfileError> {
        let mut out = Vec::new();
        if self.name.is_empty() {
            out.push(self.invalid("name", "must not be empty"));
        }
        match (self.protocol, self.framing) {
            (MessageProtocol::Astm, Framing::E1381 | Framing::Raw)
            | (MessageProtocol::Hl7, Framing::Mllp)
            | (
                MessageProtocol::Vendor,
                Framing::Advia
                | Framing::Vidas
                | Framing::Spotchem
                | Framing::UrineStrip
                | Framing::Dimension
                | Framing::SysmexText,
            ) => {}
            (p, f) => out.push(self.invalid(
                "framing",
                format!("{f:?} framing does not carry {p:?} messages"),
            )),
        }
        if self.frame_format == FrameFormat::Bare && self.framing != Framing::E1381 {
            out.push(self.invalid("frame_format", "bare frames need framing = \"e1381\""));
        }
        if self.protocol == MessageProtocol::Vendor && self.framing.fixed_layout() {
            out.extend(self.vendor_problems());
            return out;
        }
        if self.specimen.0.is_empty() {
            out.push(self.invalid("specimen", "at least one location is needed"));
        }
        if self.test_code.0.is_empty() {
            out.push(self.invalid("test_code", "at least one location is needed"));
        }
        if self
            .digit_grouping
            .is_some_and(|c| c.is_ascii_digit() || c == '.' || c.is_whitespace())
        {
            out.push(self.invalid(
                "digit_grouping",
                "must be a separator such as `,` or `'`, not a digit, `.` or a blank",
            ));
        }
        if !(8..=64_000).contains(&self.max_frame_len) {
            out.push(self.invalid("max_frame_len", "must be from 8 to 64000 (LIS1-A 6.3.1)"));
        }
        let astm = self.protocol == MessageProtocol::Astm;
        let vendor = self.protocol == MessageProtocol::Vendor;
        if vendor && self.value.is_none() {
            out.push(self.invalid("value", "a vendor profile says where the value is"));
        }
        let mut all: Vec<(&str, &Location)> = Vec::new();
        for (name, list) in [
            ("specimen", Some(&self.specimen)),
            ("test_code", Some(&self.test_code)),
            ("value", self.value.as_ref()),
            ("units", self.units.as_ref()),
            ("reference_range", self.reference_range.as_ref()),
            ("flags", self.flags.as_ref()),
            ("status", self.status.as_ref()),
            ("observed_at", self.observed_at.as_ref()),
            ("operator", self.operator.as_ref()),
            ("qc_lot", self.qc_lot.as_ref()),
            ("qc_level", self.qc_level.as_ref()),
            ("query.specimen", Some(&self.query.specimen)),
        ] {
            if let Some(list) = list {
                all.extend(list.0.iter().map(|l| (name, l)));
            }
        }
        for (name, rules) in [("keep", &self.keep), ("skip", &self.skip), ("qc", &self.qc)] {
            all.extend(rules.iter().map(|r| (name, &r.field)));
        }
        if let Some(order) = &self.order_result {
            if !astm {
                out.push(self.invalid("order_result", "only ASTM messages have O records"));
            }
            if order.when.is_empty() {
                out.push(self.invalid(
                    "order_result.when",
                    "at least one rule is needed (else every O record is a result)",
                ));
            }
            if order.test_code.0.is_empty() || order.value.0.is_empty() {
                out.push(self.invalid(
                    "order_result",
                    "`test_code` and `value` need at least one location",
                ));
            }
            for (name, list) in [
                ("order_result.test_code", Some(&order.test_code)),
                ("order_result.value", Some(&order.value)),
                ("order_result.units", order.units.as_ref()),
                ("order_result.observed_at", order.observed_at.as_ref()),
            ] {
                if let Some(list) = list {
                    all.extend(list.0.iter().map(|l| (name, l)));
                }
            }
            all.extend(order.when.iter().map(|r| ("order_result.when", &r.field)));
        }
        for (name, l) in all {
            for reason in self.location_problems(l) {
                out.push(self.invalid(name, reason));
            }
        }
        out.extend(self.supplementary_problems());
        out.extend(self.graph_problems());
        out.extend(self.microbiology_problems());
        if self.query.supported && self.query.specimen.0.is_empty() {
            out.push(self.invalid(
                "query.specimen",
                "a query-capable profile must say where the queried specimen is",
            ));
        }
        let answer_ok = match self.query.answer {
            AnswerForm::Orders => astm,
            AnswerForm::RspK11 | AnswerForm::OmlO33 | AnswerForm::QckDsr => {
                self.protocol == MessageProtocol::Hl7
            }
            AnswerForm::SampleRequest => self.framing == Framing::Dimension,
        };
        if self.query.supported && !answer_ok {
            out.push(self.invalid("query.answer", "the answer form does not fit the protocol"));
        }
        // Of the vendor framings only the Dimension takes orders (its sample request); a download
        // on another vendor link would be written in the Dimension's form.
        if vendor && self.query.download && self.framing != Framing::Dimension {
            out.push(self.invalid(
                "query.download",
                format!(
                    "the {:?} framing takes no orders from the LIS",
                    self.framing
                ),
            ));
        }
        let d = self.simulator.delimiters.as_bytes();
        let usable = |b: u8| b.is_ascii_punctuation() && b != b'|' && b != b'^';
        let delimiters_ok = match d {
            [] => true,
            [repeat, b'^', escape] => usable(*repeat) && usable(*escape) && repeat != escape,
            _ => false,
        };
        if !delimiters_ok {
            out.push(self.invalid(
                "simulator.delimiters",
                "three different punctuation characters, `^` in the middle (repeat, component, \
                 escape), none of them `|`",
            ));
        }
        for (key, tests) in [
            ("simulator.tests", &self.simulator.tests),
            ("simulator.on_request", &self.simulator.on_request),
        ] {
            for t in tests {
                let numeric_ok = t.low.is_finite() && t.high.is_finite() && t.low <= t.high;
                if t.texts.is_empty() && !numeric_ok {
                    out.push(
                        self.invalid(key, format!("test {}: low must be at most high", t.code)),
                    );
                }
            }
        }
        out
    }

    /// What is wrong with `l` as a location in this profile's messages (empty: nothing).
    pub(super) fn location_problems(&self, l: &Location) -> Vec<String> {
        let astm = self.protocol == MessageProtocol::Astm;
        let vendor = self.protocol == MessageProtocol::Vendor;
        let mut out = Vec::new();
        let row_type = if astm { "R" } else { "OBX" };
        let ok = if vendor {
            (1..=3).contains(&l.segment.len()) && l.subcomponent.is_none()
        } else if astm {
            l.segment.len() == 1 && l.subcomponent.is_none()
        } else {
            l.segment.len() == 3
        };
        if !ok {
            out.push(format!(
                "`{l}` is not a location in an {} message",
                if vendor {
                    "vendor"
                } else if astm {
                    "ASTM"
                } else {
                    "HL7"
                }
            ));
        }
        if l.row.is_some() && l.segment != row_type {
            out.push(format!(
                "`{l}`: only {row_type} rows are named by their test code"
            ));
        }
        out
    }

    /// A vendor text framing's layout is fixed by its decoder: locations and row rules do not
    /// apply.
    fn vendor_problems(&self) -> Vec<ProfileError> {
        let located = [
            ("specimen", !self.specimen.0.is_empty()),
            ("test_code", !self.test_code.0.is_empty()),
            ("value", self.value.is_some()),
            ("units", self.units.is_some()),
            ("reference_range", self.reference_range.is_some()),
            ("status", self.status.is_some()),
            ("observed_at", self.observed_at.is_some()),
            ("operator", self.operator.is_some()),
            ("qc_lot", self.qc_lot.is_some()),
            ("qc_level", self.qc_level.is_some()),
            ("qc", !self.qc.is_empty()),
            ("graph", !self.graph.is_empty()),
            ("microbiology", self.microbiology.is_some()),
            ("query", self.query.supported || self.query.download),
        ];
        let mut out: Vec<ProfileError> = located
            .iter()
            .filter(|(_, set)| *set)
            .map(|(key, _)| {
                self.invalid(
                    key,
                    format!(
                        "the {:?} framing's layout is fixed by lis-vendor; this key does not apply",
                        self.framing
                    ),
                )
            })
            .collect();
        // `keep`, `skip` and `[[supplementary]]` read each measurement as the `M` record.
        let rules = self
            .keep
            .iter()
            .map(|r| ("keep", &r.field))
            .chain(self.skip.iter().map(|r| ("skip", &r.field)));
        for (key, l) in rules {
            if l.segment != FIXED_LAYOUT_RECORD || l.component.is_some() {
                out.push(self.invalid(
                    key,
                    format!("`{l}`: a measurement is read as `M-1` to `M-6`"),
                ));
            }
        }
        out.extend(self.supplementary_problems());
        out
    }
}
