//! H (LIS2-A2 §6) and P (LIS2-A2 §7) views.

use super::view;
use crate::field::Field;
use crate::record::RecordType;
use crate::timestamp::Timestamp;

view! {
    /// The message header, H (LIS2-A2 §6).
    Header, RecordType::Header
}

impl<'m> Header<'m> {
    /// H-2 delimiter definition as sent, e.g. `\^&` (LIS2-A2 §6.2).
    pub fn delimiter_definition(&self) -> &'m str {
        self.0.field(2).raw()
    }

    /// H-3 message control ID (LIS2-A2 §6.3); Beckman DxH expects it echoed in the reply.
    pub fn control_id(&self) -> &'m str {
        self.0.field(3).raw()
    }

    /// H-4 access password (LIS2-A2 §6.4).
    pub fn password(&self) -> &'m str {
        self.0.field(4).raw()
    }

    /// H-5 sender name or ID (LIS2-A2 §6.5); vendors use `name^version^serial^...`.
    pub fn sender(&self) -> Field<'m> {
        self.0.field(5)
    }

    /// H-5 component 1, the sender name, trimmed (Sysmex pads it: `    XN-550`).
    pub fn sender_name(&self) -> &'m str {
        self.0.field(5).component(1).trim()
    }

    /// H-10 receiver ID (LIS2-A2 §6.10).
    pub fn receiver(&self) -> Field<'m> {
        self.0.field(10)
    }

    /// H-12 processing ID: P production, T training, D debugging, Q QC (LIS2-A2 §6.12);
    /// Mindray also sends PR, QR, RQ, QA, SA.
    pub fn processing_id(&self) -> &'m str {
        self.0.field(12).raw()
    }

    /// H-13 version number (LIS2-A2 §6.13): `LIS2-A2`, `E1394-97`, `1`, ...
    pub fn version(&self) -> &'m str {
        self.0.field(13).raw()
    }

    /// H-14 date and time of message, raw (LIS2-A2 §6.14).
    pub fn timestamp_raw(&self) -> &'m str {
        self.0.field(14).raw()
    }

    /// H-14 parsed; `None` when empty or malformed.
    pub fn timestamp(&self) -> Option<Timestamp> {
        Timestamp::parse(self.0.field(14).component(1))
    }
}

view! {
    /// Patient information, P (LIS2-A2 §7).
    Patient, RecordType::Patient
}

impl<'m> Patient<'m> {
    /// P-3 practice-assigned patient ID (LIS2-A2 §7.3); EUROIMMUN puts its specimen ID here.
    pub fn practice_patient_id(&self) -> &'m str {
        self.0.field(3).raw()
    }

    /// P-4 laboratory-assigned patient ID (LIS2-A2 §7.4).
    pub fn laboratory_patient_id(&self) -> &'m str {
        self.0.field(4).raw()
    }

    /// P-5 patient ID No. 3 (LIS2-A2 §7.5).
    pub fn patient_id_3(&self) -> &'m str {
        self.0.field(5).raw()
    }

    /// P-6 patient name `last^first^middle^suffix^title` (LIS2-A2 §7.6).
    pub fn name(&self) -> Field<'m> {
        self.0.field(6)
    }

    /// P-6 component 1, last name.
    pub fn last_name(&self) -> &'m str {
        self.0.field(6).component(1)
    }

    /// P-6 component 2, first name.
    pub fn first_name(&self) -> &'m str {
        self.0.field(6).component(2)
    }

    /// P-6 component 3, middle name or initial.
    pub fn middle_name(&self) -> &'m str {
        self.0.field(6).component(3)
    }

    /// P-8 birthdate, component 1 (DxH adds `!age!unit`) (LIS2-A2 §7.8).
    pub fn birth_date(&self) -> Option<Timestamp> {
        Timestamp::parse(self.0.field(8).component(1))
    }

    /// P-8 as sent.
    pub fn birth_date_raw(&self) -> Field<'m> {
        self.0.field(8)
    }

    /// P-9 patient sex: M, F or U (LIS2-A2 §7.9).
    pub fn sex(&self) -> &'m str {
        self.0.field(9).raw()
    }

    /// P-14 attending physician ID (LIS2-A2 §7.14).
    pub fn attending_physician(&self) -> Field<'m> {
        self.0.field(14)
    }

    /// P-26 location (LIS2-A2 §7.26).
    pub fn location(&self) -> Field<'m> {
        self.0.field(26)
    }
}
