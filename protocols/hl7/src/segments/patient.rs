//! PID patient identification (HL7 v2.5.1 §3.4.2) and PV1 patient visit (§3.4.3).

use crate::datatypes::{Identifier, Location, PersonName};
use crate::field::Field;
use crate::segments::{timestamp, view, SegmentView};
use crate::timestamp::Timestamp;

view!(
    /// PID patient identification.
    Pid,
    "PID"
);

impl<'m> Pid<'m> {
    /// PID-1 set id.
    pub fn set_id(&self) -> Field<'m> {
        self.field(1)
    }
    /// PID-3 patient identifier list (CX, repeating).
    pub fn patient_ids(&self) -> impl Iterator<Item = Identifier<'m>> + 'm {
        self.field(3).repetitions().map(Identifier::from)
    }
    /// PID-3, first repetition.
    pub fn patient_id(&self) -> Identifier<'m> {
        Identifier::from(self.field(3).repetition(1))
    }
    /// PID-5 patient name (XPN, first repetition).
    pub fn name(&self) -> PersonName<'m> {
        PersonName::from(self.field(5).repetition(1))
    }
    /// PID-7 date/time of birth, as sent.
    pub fn birth(&self) -> Field<'m> {
        self.field(7)
    }
    /// PID-7 parsed.
    pub fn birth_date(&self) -> Option<Timestamp> {
        timestamp(self.field(7))
    }
    /// PID-8 administrative sex (`M`, `F`, `U`...; Mindray sends `Female`).
    pub fn sex(&self) -> Field<'m> {
        self.field(8)
    }
}

view!(
    /// PV1 patient visit.
    Pv1,
    "PV1"
);

impl<'m> Pv1<'m> {
    /// PV1-2 patient class (`I` inpatient, `O` outpatient, `E` emergency...).
    pub fn patient_class(&self) -> Field<'m> {
        self.field(2)
    }
    /// PV1-3 assigned patient location (PL).
    pub fn location(&self) -> Location<'m> {
        Location::from(self.field(3).repetition(1))
    }
    /// PV1-19 visit number (CX).
    pub fn visit_number(&self) -> Identifier<'m> {
        Identifier::from(self.field(19).repetition(1))
    }
}
