//! Query segments: QPD and RCP (HL7 v2.5.1 §5.5.4, §5.5.6; IHE LAW QBP^Q11), QAK (§5.5.2), and the
//! legacy QRD/QRF/DSP of the QRY^Q02 / DSR^Q03 dialect (HL7 v2.3.1 §2.24.17, §2.24.18, §2.24.6) that
//! Mindray and many other devices still use.

use crate::datatypes::Coded;
use crate::field::{Component, Field};
use crate::segments::{timestamp, view, SegmentView};
use crate::timestamp::Timestamp;

view!(
    /// QPD query parameter definition.
    Qpd,
    "QPD"
);

impl<'m> Qpd<'m> {
    /// QPD-1 message query name (e.g. `INISEQ^^99ROC` for the cobas pro).
    pub fn query_name(&self) -> Coded<'m> {
        Coded::from(self.field(1).repetition(1))
    }
    /// QPD-2 query tag (echoed in QAK-1).
    pub fn query_tag(&self) -> Field<'m> {
        self.field(2)
    }
    /// User parameter `n` counted as a QPD field number (3 is the first parameter).
    pub fn parameter(&self, field: usize) -> Field<'m> {
        self.field(field)
    }
    /// QPD-3 first component: the specimen id in IHE LAW / cobas pro queries.
    pub fn specimen_id(&self) -> Component<'m> {
        self.field(3).component(1)
    }
}

view!(
    /// RCP response control parameter.
    Rcp,
    "RCP"
);

impl<'m> Rcp<'m> {
    /// RCP-1 query priority (`I` immediate, `D` deferred).
    pub fn priority(&self) -> Field<'m> {
        self.field(1)
    }
    /// RCP-2 quantity limited request.
    pub fn quantity_limited(&self) -> Field<'m> {
        self.field(2)
    }
    /// RCP-3 response modality (`R` real time, `T` bolus).
    pub fn response_modality(&self) -> Field<'m> {
        self.field(3)
    }
}

view!(
    /// QAK query acknowledgment.
    Qak,
    "QAK"
);

impl<'m> Qak<'m> {
    /// QAK-1 query tag.
    pub fn query_tag(&self) -> Field<'m> {
        self.field(1)
    }
    /// QAK-2 query response status (`OK` data found, `NF` no data found, `AE`, `AR`).
    pub fn response_status(&self) -> Field<'m> {
        self.field(2)
    }
}

view!(
    /// QRD original-style query definition (legacy).
    Qrd,
    "QRD"
);

impl<'m> Qrd<'m> {
    /// QRD-1 query date/time.
    pub fn query_at(&self) -> Option<Timestamp> {
        timestamp(self.field(1))
    }
    /// QRD-2 query format code (`R` record-oriented).
    pub fn format_code(&self) -> Field<'m> {
        self.field(2)
    }
    /// QRD-3 query priority (`D` deferred, `I` immediate).
    pub fn priority(&self) -> Field<'m> {
        self.field(3)
    }
    /// QRD-4 query id.
    pub fn query_id(&self) -> Field<'m> {
        self.field(4)
    }
    /// QRD-7 quantity limited request (`RD` records).
    pub fn quantity_limited(&self) -> Field<'m> {
        self.field(7)
    }
    /// QRD-8 who subject filter; Mindray puts the sample bar code here.
    pub fn who_subject_filter(&self) -> Field<'m> {
        self.field(8)
    }
    /// QRD-8 first component: the specimen id in Mindray's QRY^Q02.
    pub fn specimen_id(&self) -> Component<'m> {
        self.field(8).component(1)
    }
    /// QRD-9 what subject filter (`OTH`).
    pub fn what_subject_filter(&self) -> Field<'m> {
        self.field(9)
    }
    /// QRD-12 query results level (`T` full results).
    pub fn results_level(&self) -> Field<'m> {
        self.field(12)
    }
}

view!(
    /// QRF original-style query filter (legacy).
    Qrf,
    "QRF"
);

impl<'m> Qrf<'m> {
    /// QRF-1 where subject filter.
    pub fn where_subject_filter(&self) -> Field<'m> {
        self.field(1)
    }
    /// QRF-2 when data start date/time.
    pub fn start_at(&self) -> Option<Timestamp> {
        timestamp(self.field(2))
    }
    /// QRF-3 when data end date/time.
    pub fn end_at(&self) -> Option<Timestamp> {
        timestamp(self.field(3))
    }
    /// QRF-6 other query subject filter (`RCT` in Mindray's example).
    pub fn other_subject_filter(&self) -> Field<'m> {
        self.field(6)
    }
}

view!(
    /// DSP display data (legacy DSR^Q03 answer; Mindray numbers 31 of them positionally).
    Dsp,
    "DSP"
);

impl<'m> Dsp<'m> {
    /// DSP-1 set id (the position that gives the line its meaning in Mindray's dialect).
    pub fn set_id(&self) -> Field<'m> {
        self.field(1)
    }
    /// DSP-2 display level.
    pub fn display_level(&self) -> Field<'m> {
        self.field(2)
    }
    /// DSP-3 data line.
    pub fn data_line(&self) -> Field<'m> {
        self.field(3)
    }
    /// DSP-4 logical break point.
    pub fn logical_break_point(&self) -> Field<'m> {
        self.field(4)
    }
    /// DSP-5 result id.
    pub fn result_id(&self) -> Field<'m> {
        self.field(5)
    }
}
