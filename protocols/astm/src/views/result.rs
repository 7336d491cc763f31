//! R (LIS2-A2 §9) view.

use super::codes::{AbnormalFlag, ResultStatus};
use super::order::TestId;
use super::view;
use crate::field::Field;
use crate::record::RecordType;
use crate::timestamp::Timestamp;

view! {
    /// Result, R (LIS2-A2 §9). Sequence numbers may restart or repeat (microbiology).
    ResultRecord, RecordType::Result
}

impl<'m> ResultRecord<'m> {
    /// R-3 universal test ID (LIS2-A2 §9.3, §5.6.1).
    pub fn test_id(&self) -> TestId<'m> {
        TestId::new(self.0.field(3))
    }

    /// R-4 data or measurement value as sent (LIS2-A2 §9.4): `7,41`, `>8`, `  5.5` stay as-is.
    pub fn value(&self) -> Field<'m> {
        self.0.field(4)
    }

    /// R-5 units (LIS2-A2 §9.5).
    pub fn units(&self) -> Field<'m> {
        self.0.field(5)
    }

    /// R-6 reference ranges (LIS2-A2 §9.6).
    pub fn reference_range(&self) -> Field<'m> {
        self.0.field(6)
    }

    /// R-7 result abnormal flags, raw (LIS2-A2 §9.7).
    pub fn abnormal_flags_raw(&self) -> Field<'m> {
        self.0.field(7)
    }

    /// R-7 flags, one per repeat, empty repeats skipped (LIS2-A2 §9.7).
    pub fn abnormal_flags(&self) -> impl Iterator<Item = AbnormalFlag> + 'm {
        self.0
            .field(7)
            .repeats()
            .filter_map(|r| AbnormalFlag::from_code(r.raw()))
    }

    /// R-8 nature of abnormality testing: A age, S sex, R race, N generic (LIS2-A2 §9.8).
    pub fn abnormality_nature(&self) -> &'m str {
        self.0.field(8).raw()
    }

    /// R-9 result status (LIS2-A2 §9.9).
    pub fn status(&self) -> Option<ResultStatus> {
        ResultStatus::from_code(self.0.field(9).raw())
    }

    /// R-9 as sent.
    pub fn status_raw(&self) -> &'m str {
        self.0.field(9).raw()
    }

    /// R-11 operator identification `operator^verifier` (LIS2-A2 §9.11).
    pub fn operator(&self) -> Field<'m> {
        self.0.field(11)
    }

    /// R-12 date/time test started (LIS2-A2 §9.12).
    pub fn started_at(&self) -> Option<Timestamp> {
        Timestamp::parse(self.0.field(12).raw())
    }

    /// R-13 date/time test completed (LIS2-A2 §9.13).
    pub fn completed_at(&self) -> Option<Timestamp> {
        Timestamp::parse(self.0.field(13).raw())
    }

    /// R-14 instrument identification (LIS2-A2 §9.14).
    pub fn instrument(&self) -> Field<'m> {
        self.0.field(14)
    }
}
