//! The worklist page and its rows fragment (templates and their view of a row; the handlers
//! that query core fill them).
//!
//! The rows are one template (`worklist_rows.html`) used twice: inside the page, and alone as
//! the fragment the live refresh fetches, so both always render the same.

use askama::Template;
use askama_web::WebTemplate;

use super::flags::FlagBadge;
use super::i18n::{Lang, Msg, Text};
use super::layout::Layout;
use super::urls::{self, Urls};

/// How many specimens one worklist page shows; the next page is a keyset cursor. With every
/// row flagged three times, a full page and its assets stay under 100 KB.
pub const PAGE_SIZE: usize = 50;

/// `GET /`: the filters, the "all clear" actions and the table of specimens waiting.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "worklist.html")]
pub struct WorklistPage {
    /// The frame.
    pub layout: Layout,
    /// The filter form, as the URL has it.
    pub filters: WorklistFilters,
    /// The rows.
    pub table: WorklistTable,
    /// The current filter as a URL query without `?` (`section=chem&priority=stat`), already
    /// encoded; the live refresh and the "all clear" actions keep it.
    pub filter_query: String,
    /// The next page's URL (keyset cursor), when there is one.
    pub next_page: Option<String>,
    /// Whether the user's role may verify (shows "Verify all clear").
    pub can_verify: bool,
    /// Whether the user's role may release (shows "Release all clear").
    pub can_release: bool,
}

/// `GET /worklist/rows`: the table body alone, for the live refresh.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "worklist_rows.html")]
pub struct WorklistRowsFragment {
    /// The rows.
    pub table: WorklistTable,
}

/// The rows of the worklist, in the order the server decided (STAT first, then oldest).
#[derive(Debug, Clone)]
pub struct WorklistTable {
    /// The page's language.
    pub lang: Lang,
    /// One row per specimen.
    pub rows: Vec<WorklistRow>,
    /// Whether a filter is set (the empty message says so).
    pub filtered: bool,
}

/// One specimen with results waiting for the user's next action.
#[derive(Debug, Clone)]
pub struct WorklistRow {
    /// The specimen's barcode.
    pub specimen_id: String,
    /// The patient's name as the HIS sent it.
    pub patient_name: String,
    /// Sex and age, in words (`Nam, 45 tuổi`).
    pub sex_age: String,
    /// The ordering department.
    pub department: String,
    /// Whether the order is STAT.
    pub stat: bool,
    /// How many results wait.
    pub waiting: u32,
    /// Why they wait: each flag or failed check as a badge.
    pub reasons: Vec<FlagBadge>,
    /// Whether autoverification held at least one of them.
    pub held: bool,
    /// The rejected QC holding some of them, in words ("QC rejected: GLU on DEMO-CHEM").
    pub qc_held: Vec<String>,
    /// How long the oldest critical result has waited, when one does (`1 giờ 05 phút`).
    pub critical_waiting: Option<String>,
    /// When the specimen was received (`dd/MM/yyyy HH:mm`).
    pub received: String,
    /// Time since it was received (`2 giờ 05 phút`).
    pub since_received: String,
    /// Whether that is past the test's turnaround target.
    pub overdue: bool,
}

/// The filter form's fields, each with its choices.
#[derive(Debug, Clone, Default)]
pub struct WorklistFilters {
    /// Sections (`chemistry`, ...).
    pub sections: Vec<Choice>,
    /// Instruments.
    pub instruments: Vec<Choice>,
    /// Priorities (STAT, routine).
    pub priorities: Vec<Choice>,
    /// Result states (pending review, verified).
    pub states: Vec<Choice>,
    /// The day received, `yyyy-mm-dd` as an `<input type=date>` sends it, or empty.
    pub date: String,
}

/// One option of a filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The value sent in the URL.
    pub value: String,
    /// What the option shows.
    pub label: String,
    /// Whether the URL has it.
    pub selected: bool,
}

impl WorklistPage {
    /// The URL of the rows fragment for the current filter.
    pub fn refresh_url(&self) -> String {
        with_query(Urls::WorklistRows.as_str(), &self.filter_query)
    }

    /// The URL of the change stream.
    pub fn live_url(&self) -> &'static str {
        Urls::WorklistEvents.as_str()
    }

    /// The "verify all clear" form's target, keeping the filter.
    pub fn verify_clear_url(&self) -> String {
        with_query(Urls::WorklistVerifyClear.as_str(), &self.filter_query)
    }

    /// The "release all clear" form's target, keeping the filter.
    pub fn release_clear_url(&self) -> String {
        with_query(Urls::WorklistReleaseClear.as_str(), &self.filter_query)
    }
}

fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

impl WorklistTable {
    /// A text of the catalog in the page's language.
    pub fn t(&self, msg: impl Text) -> &'static str {
        msg.text(self.lang)
    }

    /// The message shown when there are no rows.
    pub fn empty_text(&self) -> &'static str {
        self.t(if self.filtered {
            Msg::WorklistEmptyFiltered
        } else {
            Msg::WorklistEmpty
        })
    }

    /// "Critical value waiting for {duration}" for a row that has one.
    pub fn critical_text(&self, waited: &str) -> String {
        Msg::CriticalWaiting.fill(self.lang, &[("duration", waited)])
    }
}

impl WorklistRow {
    /// The specimen page's URL.
    pub fn href(&self) -> String {
        urls::specimen(&self.specimen_id)
    }

    /// The row's CSS classes: critical outranks held; STAT adds its own.
    pub fn class(&self) -> &'static str {
        match (self.critical_waiting.is_some(), self.held, self.stat) {
            (true, _, true) => "row-critical row-stat",
            (true, _, false) => "row-critical",
            (false, true, true) => "row-held row-stat",
            (false, true, false) => "row-held",
            (false, false, true) => "row-stat",
            (false, false, false) => "row-clear",
        }
    }
}

#[cfg(test)]
mod tests;
