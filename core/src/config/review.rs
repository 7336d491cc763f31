//! The `[review]` and `[ui]` sections: how results are reviewed and released by people, and how
//! long a signed-in session lasts.

use serde::{Deserialize, Serialize};

/// The language of the UI and of printed words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Vietnamese (`vi`), the default.
    #[default]
    Vi,
    /// English (`en`).
    En,
}

impl Language {
    /// The BCP 47 code (`vi`, `en`), as in `<html lang>` and the config.
    pub fn code(self) -> &'static str {
        match self {
            Self::Vi => "vi",
            Self::En => "en",
        }
    }

    /// Reads `vi` or `en` (any case, surrounding spaces ignored).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "vi" => Some(Self::Vi),
            "en" => Some(Self::En),
            _ => None,
        }
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
