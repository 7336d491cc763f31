//! The specimen page (template and its view of the specimen; the handler that reads core and
//! the action handlers fill and answer it).
//!
//! One form (`id="review"`) holds a checkbox per actionable result (`result` = `id:version`,
//! so a stale version is caught) and one button per action, each posting to its own
//! [`SpecimenAction`] URL with `formaction`; reasons are textareas (Enter is a new line, never
//! a submit; Ctrl+Enter sends). A critical result's call-back has its own form below.

use askama::Template;
use askama_web::WebTemplate;
use lis_core::lifecycle::ResultState;
use lis_core::validation::QcStatus;

use super::antibiogram::MicroMsg;
use super::flags::{self, FlagBadge};
use super::i18n::{Msg, Text};
use super::layout::Layout;
use super::qc::markers::QcMarker;
use super::result_texts::ResultMsg;
use super::urls::{self, SpecimenAction};

/// `GET /specimens/{id}`.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "specimen.html")]
pub struct SpecimenPage {
    /// The frame.
    pub layout: Layout,
    /// The patient and the order.
    pub specimen: SpecimenFacts,
    /// Every reported result of the specimen.
    pub results: Vec<ResultLine>,
    /// What the user's role and the lab's review steps allow here.
    pub allowed: Allowed,
    /// Dilutions a rerun may ask for (`1:2`, `1:10`), from the catalog.
    pub dilutions: Vec<String>,
    /// Ordered tests of the tube with no result yet: what a manual entry may be for.
    pub tests_without_result: Vec<TestChoice>,
    /// The patient's previous results for the same tests, newest first.
    pub previous: Vec<PreviousResult>,
    /// The specimen's audit history, oldest first.
    pub history: Vec<HistoryEntry>,
    /// Comments on the specimen and its results, oldest first.
    pub comments: Vec<CommentLine>,
    /// Graphs and images the analyzers sent with the specimen's runs.
    pub graphs: super::specimen_graphs::GraphsView,
}

/// The header facts: who the patient is and what was ordered.
#[derive(Debug, Clone, Default)]
pub struct SpecimenFacts {
    /// The specimen's barcode.
    pub specimen_id: String,
    /// The patient's name.
    pub patient_name: String,
    /// The HIS's patient id.
    pub patient_id: String,
    /// Sex, in words.
    pub sex: String,
    /// Age at collection, in words (`45 tuổi`).
    pub age: String,
    /// The placer (HIS) order number.
    pub placer_number: String,
    /// The ordering doctor.
    pub doctor: String,
    /// The ordering department.
    pub department: String,
    /// Whether the order is STAT.
    pub stat: bool,
    /// When collected (`dd/MM/yyyy HH:mm`), or empty.
    pub collected: String,
    /// When received (`dd/MM/yyyy HH:mm`).
    pub received: String,
}

/// One result row.
#[derive(Debug, Clone)]
pub struct ResultLine {
    /// The result's row id.
    pub id: i64,
    /// Its version; actions send it back so a stale page is refused.
    pub version: i64,
    /// The test's name.
    pub test_name: String,
    /// The test's LIS code.
    pub test_code: String,
    /// The value as reported, never re-formatted.
    pub value: String,
    /// The unit.
    pub unit: String,
    /// The reference range as text (`3.5–5.1`), or `None` when none applies.
    pub range: Option<String>,
    /// Every flag.
    pub flags: Vec<FlagBadge>,
    /// The delta check's detail (previous value, its date, the change), when it applies.
    pub delta: Option<String>,
    /// The state.
    pub state: ResultState,
    /// Why autoverification held it, in plain words.
    pub reasons: Vec<String>,
    /// QC state.
    pub qc: QcStatus,
    /// The rejection of its instrument and test's QC now, when rejected.
    pub qc_marker: Option<QcMarker>,
    /// Its re-check flags and the override it was released under, in words.
    pub qc_notes: Vec<String>,
    /// The instrument, or empty for a manual entry.
    pub instrument: String,
    /// Whether it is critical (LL/HH): release needs a "told" call-back.
    pub critical: bool,
    /// The call-backs recorded for it.
    pub callbacks: Vec<CallbackLine>,
    /// Whether the user can act on it (shows its checkbox).
    pub actionable: bool,
    /// Whether its checkbox starts checked.
    pub checked: bool,
    /// The raw message it came in (journal entry), when from an analyzer.
    pub raw_message_url: Option<String>,
    /// Whether the user may give it a new value (not yet released, the reported version).
    pub editable: bool,
    /// Whether the user may correct it (released; supervisors).
    pub correctable: bool,
    /// The analyzer's supplementary values of this version (RLU, cut-off, Ct...), as sent.
    pub supplements: Vec<SupplementLine>,
    /// For a microbiology isolate: its organism and antibiogram.
    pub antibiogram: Option<super::antibiogram::AntibiogramView>,
}

/// One supplementary value under its result: the analyzer's name for it, value and units as
/// sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplementLine {
    /// `RLU`, `COFF`, `rpoB1 Ct`, `Anti-A`.
    pub name: String,
    /// As sent.
    pub value: String,
    /// As sent (may be empty).
    pub units: String,
}

/// An ordered test a result can be entered for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestChoice {
    /// The LIS code (the form's value).
    pub code: String,
    /// The name in the page's language.
    pub name: String,
}

/// The actions the page offers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Allowed {
    /// Verify (two-step labs).
    pub verify: bool,
    /// Release (supervisors in two-step labs).
    pub release: bool,
    /// Verify and release in one (one-step labs).
    pub verify_release: bool,
    /// Rerun.
    pub rerun: bool,
    /// Reject.
    pub reject: bool,
    /// Comment.
    pub comment: bool,
    /// Record a call-back.
    pub callback: bool,
    /// Enter a result by hand, or edit a value not yet released.
    pub enter: bool,
    /// Correct a released result.
    pub correct: bool,
}

/// How a call-back ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackOutcome {
    /// Told, and they read the result back.
    ToldReadBack,
    /// Told, without a read-back.
    ToldNoReadBack,
    /// Nobody could be reached.
    NotReached,
}

impl CallbackOutcome {
    /// Every outcome, as the form offers them.
    pub const ALL: [Self; 3] = [Self::ToldReadBack, Self::ToldNoReadBack, Self::NotReached];

    /// The form value (`outcome=told_read_back`).
    pub fn value(self) -> &'static str {
        match self {
            Self::ToldReadBack => "told_read_back",
            Self::ToldNoReadBack => "told_no_read_back",
            Self::NotReached => "not_reached",
        }
    }

    /// Reads a form value.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.value() == s)
    }

    /// The words.
    pub fn msg(self) -> Msg {
        match self {
            Self::ToldReadBack => Msg::OutcomeToldReadBack,
            Self::ToldNoReadBack => Msg::OutcomeToldNoReadBack,
            Self::NotReached => Msg::OutcomeNotReached,
        }
    }
}

/// One recorded call-back.
#[derive(Debug, Clone)]
pub struct CallbackLine {
    /// When (server time, `dd/MM/yyyy HH:mm`).
    pub told_at: String,
    /// Who was told.
    pub who: String,
    /// Their role.
    pub role: String,
    /// Ward or phone.
    pub ward_or_phone: String,
    /// How it ended.
    pub outcome: CallbackOutcome,
    /// Who recorded it.
    pub recorded_by: String,
}

/// A previous result of the patient for one of the tests.
#[derive(Debug, Clone)]
pub struct PreviousResult {
    /// The test's name.
    pub test_name: String,
    /// When (`dd/MM/yyyy HH:mm`).
    pub when: String,
    /// The value as reported.
    pub value: String,
    /// The unit.
    pub unit: String,
    /// Its flags.
    pub flags: Vec<FlagBadge>,
}

/// One audit entry of the specimen.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    /// When (`dd/MM/yyyy HH:mm`).
    pub when: String,
    /// Who (a user's name, an instrument, the HIS).
    pub who: String,
    /// What was done, in words.
    pub what: String,
    /// The value or state before, when it changed.
    pub before: String,
    /// The value or state after.
    pub after: String,
    /// The reason given, if any.
    pub reason: String,
}

/// One comment.
#[derive(Debug, Clone)]
pub struct CommentLine {
    /// When (`dd/MM/yyyy HH:mm`).
    pub when: String,
    /// Who wrote it.
    pub who: String,
    /// The test it is about, or empty for the specimen.
    pub test_name: String,
    /// The text.
    pub text: String,
}

impl SpecimenPage {
    /// A text of the catalog in the page's language.
    pub fn t(&self, msg: impl Text) -> &'static str {
        self.layout.t(msg)
    }

    /// Where an action posts.
    pub fn action_url(&self, action: SpecimenAction) -> String {
        urls::specimen_action(&self.specimen.specimen_id, action)
    }

    /// Whether any result can be acted on (the action bar shows).
    pub fn any_actionable(&self) -> bool {
        self.results.iter().any(|r| r.actionable)
    }

    /// The critical results the user may record a call-back for.
    pub fn callback_results(&self) -> Vec<&ResultLine> {
        if !self.allowed.callback {
            return Vec::new();
        }
        self.results.iter().filter(|r| r.critical).collect()
    }

    /// The results the user may give a new value.
    pub fn editable_results(&self) -> Vec<&ResultLine> {
        self.results.iter().filter(|r| r.editable).collect()
    }

    /// The released results the user may correct.
    pub fn correctable_results(&self) -> Vec<&ResultLine> {
        self.results.iter().filter(|r| r.correctable).collect()
    }

    /// Whether the page offers a form to type a value (entry, edit or correction).
    pub fn any_value_form(&self) -> bool {
        (self.allowed.enter && !self.tests_without_result.is_empty())
            || self.results.iter().any(|r| r.editable || r.correctable)
    }

    /// A text of the results catalog in the page's language.
    pub fn r(&self, msg: ResultMsg) -> &'static str {
        msg.text(self.layout.lang)
    }

    /// A result's state in words.
    pub fn state_word(&self, r: &ResultLine) -> &'static str {
        self.t(flags::state_msg(r.state))
    }

    /// A result's QC state in words, with its class and symbol.
    pub fn qc(&self, r: &ResultLine) -> (&'static str, &'static str, String) {
        flags::qc_badge(&r.qc, self.layout.lang)
    }

    /// A call-back's outcome in words.
    pub fn outcome_word(&self, c: &CallbackLine) -> &'static str {
        self.t(c.outcome.msg())
    }

    /// "Version 2".
    pub fn version_text(&self, r: &ResultLine) -> String {
        Msg::VersionNumber.fill(self.layout.lang, &[("n", &r.version.to_string())])
    }

    /// Whether a critical result has a "told" call-back (release is allowed).
    pub fn told(&self, r: &ResultLine) -> bool {
        r.callbacks
            .iter()
            .any(|c| c.outcome != CallbackOutcome::NotReached)
    }
}

impl ResultLine {
    /// The row's CSS classes.
    pub fn class(&self) -> &'static str {
        if self.critical {
            "row-critical"
        } else if !self.reasons.is_empty() {
            "row-held"
        } else {
            "row-clear"
        }
    }

    /// The checkbox value: `id:version`.
    pub fn key(&self) -> String {
        format!("{}:{}", self.id, self.version)
    }

    /// The state's CSS class.
    pub fn state_class(&self) -> &'static str {
        flags::state_class(self.state)
    }
}

#[cfg(test)]
mod tests;
