//! General acknowledgements (HL7 v2.5.1 §2.9.2 original mode, §2.9.3 enhanced mode): ACK with MSA-1 the
//! code (AA/AE/AR or CA/CE/CR), MSA-2 the acknowledged MSH-10, MSA-3 a text, and an optional ERR.

use crate::build::{CodedValue, FieldValue, MessageBuilder, MessageHeader, SegmentBuilder};
use crate::segments::{AckCode, MessageType};

/// The ERR segment of an acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorDetail {
    /// v2.5 form: ERR-3 HL7 error code (table 0357), ERR-4 severity, ERR-8 user message.
    Standard {
        /// ERR-3 (e.g. `207^Application internal error^HL70357`).
        code: CodedValue,
        /// ERR-4 (`E`, `W`, `I`).
        severity: String,
        /// ERR-8 text for the user.
        user_message: String,
    },
    /// v2.3/2.4 form: ERR-1 error code and location (ELD, `segment^sequence^field^code`; Mindray
    /// sends `0`).
    Location(FieldValue),
}

/// An acknowledgement message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledgement {
    /// MSH content (MSH-10 is the acknowledgement's own control id).
    pub header: MessageHeader,
    /// MSH-9.2: the trigger event of the acknowledged message (`R01`, `Q03`).
    pub event: String,
    /// MSH-9.3 (`ACK` from v2.4 on; empty to omit, as Mindray does).
    pub structure: String,
    /// MSA-1.
    pub code: AckCode,
    /// MSA-2: MSH-10 of the acknowledged message.
    pub acknowledged_control_id: String,
    /// MSA-3 text message (empty to omit).
    pub text: String,
    /// MSA-6 error condition (v2.3; Mindray and Erba send `0`; empty to omit).
    pub error_condition: String,
    /// ERR segment, if any.
    pub error: Option<ErrorDetail>,
}

/// ACK: MSH, MSA, \[ERR\].
pub fn ack(a: &Acknowledgement) -> Vec<u8> {
    let mut b = MessageBuilder::new(
        &a.header,
        MessageType {
            code: "ACK",
            event: &a.event,
            structure: &a.structure,
        },
    );
    let msa = SegmentBuilder::new("MSA")
        .field(1, a.code.code())
        .field(2, &a.acknowledged_control_id);
    let msa = if a.text.is_empty() {
        msa
    } else {
        msa.field(3, &a.text)
    };
    let msa = if a.error_condition.is_empty() {
        msa
    } else {
        msa.field(6, &a.error_condition)
    };
    b.push(msa);
    match &a.error {
        Some(ErrorDetail::Standard {
            code,
            severity,
            user_message,
        }) => {
            b.push(
                SegmentBuilder::new("ERR")
                    .field(3, code.value())
                    .field(4, severity)
                    .field(8, user_message),
            );
        }
        Some(ErrorDetail::Location(location)) => {
            b.push(SegmentBuilder::new("ERR").field(1, location.clone()));
        }
        None => {}
    }
    b.build()
}
