//! SPM specimen (HL7 v2.5.1 §7.4.3) and SAC specimen container detail (§13.4.3).

use crate::datatypes::{Coded, EntityId, EntityIdPair};
use crate::field::Field;
use crate::segments::{timestamp, view, SegmentView};
use crate::timestamp::Timestamp;

view!(
    /// SPM specimen.
    Spm,
    "SPM"
);

impl<'m> Spm<'m> {
    /// SPM-1 set id.
    pub fn set_id(&self) -> Field<'m> {
        self.field(1)
    }
    /// SPM-2 specimen id (EIP: placer and filler ids in subcomponents).
    pub fn specimen_id(&self) -> EntityIdPair<'m> {
        EntityIdPair::from(self.field(2).repetition(1))
    }
    /// SPM-4 specimen type (CWE, e.g. `SERPLAS^^99ROC`).
    pub fn specimen_type(&self) -> Coded<'m> {
        Coded::from(self.field(4).repetition(1))
    }
    /// SPM-11 specimen role (`P` patient, `Q` QC, `C` calibrator, `E` electronic QC; HL7 table 0369).
    pub fn role(&self) -> Coded<'m> {
        Coded::from(self.field(11).repetition(1))
    }
    /// SPM-17 specimen collection date/time (DR: the range start).
    pub fn collected_at(&self) -> Option<Timestamp> {
        timestamp(self.field(17))
    }
}

view!(
    /// SAC specimen container detail.
    Sac,
    "SAC"
);

impl<'m> Sac<'m> {
    /// SAC-3 container identifier (EI; cITm puts the sample bar code here).
    pub fn container_id(&self) -> EntityId<'m> {
        EntityId::from(self.field(3).repetition(1))
    }
    /// SAC-10 carrier identifier (rack).
    pub fn carrier_id(&self) -> Field<'m> {
        self.field(10)
    }
    /// SAC-11 position in carrier.
    pub fn position(&self) -> Field<'m> {
        self.field(11)
    }
}
