//! Reception of specimens at the lab's bench and the printed result report: what a scan found,
//! why a tube was refused, and everything one order's report prints.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Order, SpecimenReview};

/// Why a specimen was refused at reception (the coded reasons of the lab's rejection log).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectionReason {
    /// Red cells broke open: potassium, LDH and others read falsely high.
    Haemolysed,
    /// The anticoagulated tube clotted.
    Clotted,
    /// Too little specimen for the tests ordered.
    InsufficientVolume,
    /// The wrong tube for the tests (e.g. serum for a blood count).
    WrongTube,
    /// The tube has no label, or one that cannot be read.
    Unlabelled,
    /// Another reason, written out.
    Other,
}

impl RejectionReason {
    /// Every reason, in the order the reception page lists them.
    pub const ALL: [Self; 6] = [
        Self::Haemolysed,
        Self::Clotted,
        Self::InsufficientVolume,
        Self::WrongTube,
        Self::Unlabelled,
        Self::Other,
    ];

    /// The stable code, as stored (`specimens.rejected_code`) and sent by forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Haemolysed => "haemolysed",
            Self::Clotted => "clotted",
            Self::InsufficientVolume => "insufficient_volume",
            Self::WrongTube => "wrong_tube",
            Self::Unlabelled => "unlabelled",
            Self::Other => "other",
        }
    }

    /// The reason for a stored or sent code; `None` for a code this version does not know.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == code)
    }

    /// The reason in English words, as the specimen rule's detail and the audit entry say it.
    pub fn words(self) -> &'static str {
        match self {
            Self::Haemolysed => "haemolysed",
            Self::Clotted => "clotted",
            Self::InsufficientVolume => "insufficient volume",
            Self::WrongTube => "wrong tube",
            Self::Unlabelled => "unlabelled",
            Self::Other => "other",
        }
    }
}

/// What scanning a specimen id at reception did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReceiveOutcome {
    /// The specimen is now received, at the server's time.
    Received {
        /// When (the server's clock).
        at: Timestamp,
        /// Whether the collection time came from the reception form (the order had none).
        collected_entered: bool,
    },
    /// It was received before; nothing changed.
    AlreadyReceived {
        /// When it was received.
        at: Timestamp,
    },
    /// No specimen has this id; nothing changed.
    Unknown,
}

/// Everything one order's printed report shows, read in one transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderReport {
    /// The order.
    pub order: Order,
    /// Each tube of the order with its patient, results, versions, call-backs and comments.
    pub specimens: Vec<SpecimenReview>,
}

/// Paper sizes the report prints on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Paper {
    /// ISO A4, 210 × 297 mm.
    A4,
    /// ISO A5, 148 × 210 mm.
    A5,
}

impl Paper {
    /// The code in URLs and the audit trail (`a4`, `a5`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::A4 => "a4",
            Self::A5 => "a5",
        }
    }

    /// The paper for a code, ASCII case ignored.
    pub fn parse(code: &str) -> Option<Self> {
        match code.to_ascii_lowercase().as_str() {
            "a4" => Some(Self::A4),
            "a5" => Some(Self::A5),
            _ => None,
        }
    }
}

/// A specimen's rejection as `specimens.rejected_reason` keeps it: a coded reason's code
/// (`haemolysed`), or `other: <text>`. Text that is neither (written by `lis` before reasons
/// were coded, or by the command line) reads as [`RejectionReason::Other`] with that text, so
/// nothing a person wrote is lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRejection {
    /// The coded reason.
    pub reason: RejectionReason,
    /// The words written for [`RejectionReason::Other`]; empty for a coded reason.
    pub text: String,
}

impl StoredRejection {
    /// The prefix of an `other` reason's text as stored.
    const OTHER_PREFIX: &'static str = "other: ";

    /// Reads the stored column.
    pub fn read(stored: &str) -> Self {
        if let Some(reason) =
            RejectionReason::parse(stored).filter(|r| *r != RejectionReason::Other)
        {
            return Self {
                reason,
                text: String::new(),
            };
        }
        let text = stored.strip_prefix(Self::OTHER_PREFIX).unwrap_or(stored);
        Self {
            reason: RejectionReason::Other,
            text: text.trim().to_owned(),
        }
    }

    /// The column's text for this rejection.
    pub fn stored(&self) -> String {
        match self.reason {
            RejectionReason::Other => format!("{}{}", Self::OTHER_PREFIX, self.text.trim()),
            coded => coded.as_str().to_owned(),
        }
    }

    /// In English words, for the audit trail and the specimen rule's detail.
    pub fn words(&self) -> String {
        match self.reason {
            RejectionReason::Other => format!("other: {}", self.text.trim()),
            coded => coded.words().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rejection_reads_back_as_it_was_stored() {
        for reason in RejectionReason::ALL {
            let r = StoredRejection {
                reason,
                text: if reason == RejectionReason::Other {
                    String::from("tube cracked in transport")
                } else {
                    String::new()
                },
            };
            assert_eq!(StoredRejection::read(&r.stored()), r);
        }
        assert_eq!(
            StoredRejection::read("insufficient_volume").reason,
            RejectionReason::InsufficientVolume
        );
    }

    #[test]
    fn free_text_from_the_command_line_is_kept_as_other() {
        let r = StoredRejection::read("hemolysed, see note");
        assert_eq!(r.reason, RejectionReason::Other);
        assert_eq!(r.text, "hemolysed, see note");
    }

    #[test]
    fn paper_codes() {
        assert_eq!(Paper::parse("A5"), Some(Paper::A5));
        assert_eq!(Paper::parse("letter"), None);
        assert_eq!(Paper::A4.as_str(), "a4");
    }
}
