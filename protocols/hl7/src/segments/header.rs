//! MSH message header (HL7 v2.5.1 §2.14.9).

use crate::field::{Component, Field};
use crate::segments::{timestamp, view, SegmentView};
use crate::timestamp::Timestamp;

view!(
    /// MSH message header.
    Msh,
    "MSH"
);

/// MSH-9 message type `code^event^structure` (e.g. `ORU^R01^ORU_R01`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageType<'m> {
    /// MSG-1 message code (`ORU`, `QBP`, `ACK`).
    pub code: &'m str,
    /// MSG-2 trigger event (`R01`, `Q11`).
    pub event: &'m str,
    /// MSG-3 message structure (`ORU_R01`), often absent before v2.4.
    pub structure: &'m str,
}

impl<'m> Msh<'m> {
    /// MSH-1 field separator (literal).
    pub fn field_separator(&self) -> Field<'m> {
        self.field(1)
    }
    /// MSH-2 encoding characters (literal).
    pub fn encoding_characters(&self) -> Field<'m> {
        self.field(2)
    }
    /// MSH-3 sending application (HD; `.component(1)` is the namespace id, e.g. `cobas® pro`).
    pub fn sending_application(&self) -> Field<'m> {
        self.field(3)
    }
    /// MSH-4 sending facility.
    pub fn sending_facility(&self) -> Field<'m> {
        self.field(4)
    }
    /// MSH-5 receiving application.
    pub fn receiving_application(&self) -> Field<'m> {
        self.field(5)
    }
    /// MSH-6 receiving facility.
    pub fn receiving_facility(&self) -> Field<'m> {
        self.field(6)
    }
    /// MSH-7 date/time of message, as sent.
    pub fn datetime(&self) -> Field<'m> {
        self.field(7)
    }
    /// MSH-7 parsed.
    pub fn timestamp(&self) -> Option<Timestamp> {
        timestamp(self.field(7))
    }
    /// MSH-9 message type.
    pub fn message_type(&self) -> MessageType<'m> {
        let f = self.field(9);
        MessageType {
            code: f.component(1).as_str(),
            event: f.component(2).as_str(),
            structure: f.component(3).as_str(),
        }
    }
    /// MSH-10 message control id (echoed in MSA-2 of the acknowledgement).
    pub fn control_id(&self) -> Field<'m> {
        self.field(10)
    }
    /// MSH-11 processing id (`P` production, `T` training, `D` debugging; Mindray sends `Q` for QC).
    pub fn processing_id(&self) -> Component<'m> {
        self.field(11).component(1)
    }
    /// MSH-12 version id (`2.3.1`, `2.5.1`).
    pub fn version(&self) -> Component<'m> {
        self.field(12).component(1)
    }
    /// MSH-15 accept acknowledgment type (`AL`, `NE`, `ER`, `SU`; empty means original mode).
    pub fn accept_ack_type(&self) -> Field<'m> {
        self.field(15)
    }
    /// MSH-16 application acknowledgment type (Mindray reuses it as result type 0/1/2).
    pub fn application_ack_type(&self) -> Field<'m> {
        self.field(16)
    }
    /// MSH-18 character set (first repetition).
    pub fn charset(&self) -> Field<'m> {
        self.field(18)
    }
}
