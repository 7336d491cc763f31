//! OBX observation/result (HL7 v2.5.1 §7.4.2) and NTE notes and comments (§2.15.10).

use crate::datatypes::{Coded, EntityId};
use crate::field::{Field, Repetition};
use crate::segments::{timestamp, view, SegmentView};
use crate::timestamp::Timestamp;

view!(
    /// OBX observation/result.
    Obx,
    "OBX"
);

impl<'m> Obx<'m> {
    /// OBX-1 set id.
    pub fn set_id(&self) -> Field<'m> {
        self.field(1)
    }
    /// OBX-2 value type (`NM`, `ST`, `CE`/`CWE`, `TX`, `ED`, `SN`, `IS`...).
    pub fn value_type(&self) -> Field<'m> {
        self.field(2)
    }
    /// OBX-3 observation identifier (CE).
    pub fn observation_id(&self) -> Coded<'m> {
        Coded::from(self.field(3).repetition(1))
    }
    /// OBX-4 observation sub-id.
    pub fn sub_id(&self) -> Field<'m> {
        self.field(4)
    }
    /// OBX-5 observation value, the whole field (all repetitions).
    pub fn value(&self) -> Field<'m> {
        self.field(5)
    }
    /// OBX-5 repetitions (OBX-5 may repeat, e.g. cobas pro QC ids `62~67`).
    pub fn values(&self) -> impl Iterator<Item = Repetition<'m>> + 'm {
        self.field(5).repetitions()
    }
    /// OBX-6 units (CE; `.identifier()` is the unit, e.g. `10*3/uL`).
    pub fn units(&self) -> Coded<'m> {
        Coded::from(self.field(6).repetition(1))
    }
    /// OBX-7 reference range, as sent.
    pub fn reference_range(&self) -> Field<'m> {
        self.field(7)
    }
    /// OBX-8 abnormal flags, whole field as sent.
    pub fn abnormal_flags_field(&self) -> Field<'m> {
        self.field(8)
    }
    /// OBX-8 abnormal flags: the first component of each non-empty repetition (Erba sends `H~A` and `~N`).
    pub fn abnormal_flags(&self) -> impl Iterator<Item = &'m str> + 'm {
        self.field(8)
            .repetitions()
            .map(|r| r.component(1).as_str())
            .filter(|s| !s.trim().is_empty())
    }
    /// OBX-11 observation result status (`F`, `P`, `C`, `X`, `R`...).
    pub fn status(&self) -> Field<'m> {
        self.field(11)
    }
    /// OBX-14 date/time of the observation.
    pub fn observed_at(&self) -> Option<Timestamp> {
        timestamp(self.field(14))
    }
    /// OBX-16 responsible observer (XCN, repeating), as sent.
    pub fn responsible_observer(&self) -> Field<'m> {
        self.field(16)
    }
    /// OBX-18 equipment instance identifiers (EI, repeating).
    pub fn equipment(&self) -> impl Iterator<Item = EntityId<'m>> + 'm {
        self.field(18).repetitions().map(EntityId::from)
    }
    /// OBX-19 date/time of the analysis (v2.5+).
    pub fn analyzed_at(&self) -> Option<Timestamp> {
        timestamp(self.field(19))
    }
}

view!(
    /// NTE notes and comments.
    Nte,
    "NTE"
);

impl<'m> Nte<'m> {
    /// NTE-1 set id.
    pub fn set_id(&self) -> Field<'m> {
        self.field(1)
    }
    /// NTE-2 source of comment (`L` ancillary, `P` placer, `O` other).
    pub fn source(&self) -> Field<'m> {
        self.field(2)
    }
    /// NTE-3 comment (FT, repeating), as sent.
    pub fn comment(&self) -> Field<'m> {
        self.field(3)
    }
    /// NTE-4 comment type.
    pub fn comment_type(&self) -> Field<'m> {
        self.field(4)
    }
}
