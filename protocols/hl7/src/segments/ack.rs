//! MSA message acknowledgment (HL7 v2.5.1 §2.15.8) and ERR error (§2.15.5; v2.3 ERR-1 location form).

use crate::datatypes::Coded;
use crate::field::Field;
use crate::segments::{view, SegmentView};

/// MSA-1 acknowledgment code (HL7 table 0008).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AckCode {
    /// `AA` original mode: application accept.
    ApplicationAccept,
    /// `AE` original mode: application error.
    ApplicationError,
    /// `AR` original mode: application reject.
    ApplicationReject,
    /// `CA` enhanced mode: commit accept.
    CommitAccept,
    /// `CE` enhanced mode: commit error.
    CommitError,
    /// `CR` enhanced mode: commit reject.
    CommitReject,
}

impl AckCode {
    const CODES: [(Self, &'static str); 6] = [
        (Self::ApplicationAccept, "AA"),
        (Self::ApplicationError, "AE"),
        (Self::ApplicationReject, "AR"),
        (Self::CommitAccept, "CA"),
        (Self::CommitError, "CE"),
        (Self::CommitReject, "CR"),
    ];

    /// The two-letter code.
    pub fn code(self) -> &'static str {
        Self::CODES
            .iter()
            .find(|(c, _)| *c == self)
            .map_or("", |(_, s)| s)
    }

    /// Reads a code; `None` when unknown.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::CODES
            .iter()
            .find(|(_, s)| *s == code.trim())
            .map(|(c, _)| *c)
    }

    /// True for `AA` and `CA`.
    pub fn is_accept(self) -> bool {
        matches!(self, Self::ApplicationAccept | Self::CommitAccept)
    }

    /// True for the enhanced-mode commit codes `CA`, `CE`, `CR`.
    pub fn is_commit(self) -> bool {
        matches!(
            self,
            Self::CommitAccept | Self::CommitError | Self::CommitReject
        )
    }
}

view!(
    /// MSA message acknowledgment.
    Msa,
    "MSA"
);

impl<'m> Msa<'m> {
    /// MSA-1 acknowledgment code; `None` when not one of [`AckCode`].
    pub fn ack_code(&self) -> Option<AckCode> {
        AckCode::from_code(self.field(1).as_str())
    }
    /// MSA-1 as sent.
    pub fn ack_code_field(&self) -> Field<'m> {
        self.field(1)
    }
    /// MSA-2 message control id of the acknowledged message.
    pub fn control_id(&self) -> Field<'m> {
        self.field(2)
    }
    /// MSA-3 text message (deprecated in v2.5 but sent by Mindray: `Message accepted`).
    pub fn text_message(&self) -> Field<'m> {
        self.field(3)
    }
    /// MSA-6 error condition (v2.3; Mindray sends `0`).
    pub fn error_condition(&self) -> Field<'m> {
        self.field(6)
    }
}

view!(
    /// ERR error segment (named `ErrorSegment` so that it does not shadow `Result::Err`).
    ErrorSegment,
    "ERR"
);

impl<'m> ErrorSegment<'m> {
    /// ERR-1 error code and location (v2.3 ELD form: `segment^sequence^field^code`; Mindray sends `0`).
    pub fn location(&self) -> Field<'m> {
        self.field(1)
    }
    /// ERR-3 HL7 error code (CWE, HL7 table 0357, v2.5).
    pub fn error_code(&self) -> Coded<'m> {
        Coded::from(self.field(3).repetition(1))
    }
    /// ERR-4 severity (`E` error, `W` warning, `I` information).
    pub fn severity(&self) -> Field<'m> {
        self.field(4)
    }
    /// ERR-8 user message.
    pub fn user_message(&self) -> Field<'m> {
        self.field(8)
    }
}
