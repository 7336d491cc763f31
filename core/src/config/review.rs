//! The `[review]` and `[ui]` sections: how results are reviewed and released by people, and how
//! long a signed-in session lasts.

use serde::{Deserialize, Serialize};

/// The language of the UI and of printed words: the lab's `[lab] language`, a user's choice, and
/// the web UI's language (one type for all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Vietnamese (`vi`), the default.
    #[default]
    Vi,
    /// English (`en`).
    En,
}

impl Language {
    /// Every language, in the order a language switch lists them.
    pub const ALL: [Self; 2] = [Self::Vi, Self::En];

    /// The BCP 47 code (`vi`, `en`), as in `<html lang>` and the config.
    pub fn code(self) -> &'static str {
        match self {
            Self::Vi => "vi",
            Self::En => "en",
        }
    }

    /// The language's name in itself, as a language switch shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Self::Vi => "Tiếng Việt",
            Self::En => "English",
        }
    }

    /// The other language, the one a switch offers.
    pub fn other(self) -> Self {
        match self {
            Self::Vi => Self::En,
            Self::En => Self::Vi,
        }
    }

    /// Reads a language code (`vi`, `en`, any case, surrounding spaces ignored, with or without
    /// a region such as `en-GB`).
    pub fn parse(code: &str) -> Option<Self> {
        let primary = code.trim().split(['-', '_']).next().unwrap_or_default();
        Self::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(primary))
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A language code that is not `vi` or `en`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language {0:?}: expected \"vi\" or \"en\"")]
pub struct UnknownLanguage(pub String);

impl std::str::FromStr for Language {
    type Err = UnknownLanguage;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| UnknownLanguage(s.to_owned()))
    }
}

/// How many people a result passes before it reaches the HIS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum ReviewSteps {
    /// One step: verify-and-release is one action of one person.
    One,
    /// Two steps: a technician verifies, a supervisor releases.
    Two,
}

impl TryFrom<u8> for ReviewSteps {
    type Error = String;

    fn try_from(n: u8) -> Result<Self, String> {
        match n {
            1 => Ok(Self::One),
            2 => Ok(Self::Two),
            n => Err(format!("steps must be 1 or 2, got {n}")),
        }
    }
}

impl From<ReviewSteps> for u8 {
    fn from(s: ReviewSteps) -> Self {
        match s {
            ReviewSteps::One => 1,
            ReviewSteps::Two => 2,
        }
    }
}

/// `[review]`: the lab's review policy, enforced by core in the life-cycle transaction.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewSection {
    /// `1` or `2` (default 2).
    #[serde(default = "default_steps")]
    pub steps: ReviewSteps,
    /// In two-step labs, whether the person who verified a result may not also release it
    /// (default true: separation of duties).
    #[serde(default = "default_true")]
    pub release_by_other_user: bool,
}

impl Default for ReviewSection {
    fn default() -> Self {
        Self {
            steps: default_steps(),
            release_by_other_user: true,
        }
    }
}

fn default_steps() -> ReviewSteps {
    ReviewSteps::Two
}

fn default_true() -> bool {
    true
}

/// `[ui]`: sessions of the technicians' web UI.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UiSection {
    /// A session unused for this many minutes ends (default 30).
    #[serde(default = "default_idle")]
    pub session_idle_minutes: u32,
    /// A session ends this many hours after sign-in whatever its use (default 12).
    #[serde(default = "default_max")]
    pub session_max_hours: u32,
}

impl Default for UiSection {
    fn default() -> Self {
        Self {
            session_idle_minutes: default_idle(),
            session_max_hours: default_max(),
        }
    }
}

fn default_idle() -> u32 {
    30
}

fn default_max() -> u32 {
    12
}
