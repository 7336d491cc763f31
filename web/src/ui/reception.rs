//! The reception page and the specimen label page (templates and their views; the handlers in
//! [`super::reception_routes`] fill them).
//!
//! The page is made for a barcode scanner that types like a keyboard: the scan field has the
//! focus when the page opens, the scanner types the id and Enter, which submits the form; the
//! answer comes back as this page with the focus in the field again, so the next tube can be
//! scanned at once. Feedback is a symbol and a word in capitals (received, already received,
//! unknown), never colour alone.

use askama::Template;
use askama_web::WebTemplate;

pub mod texts;

pub use texts::ReceptionMsg;

use super::i18n::{Msg, Text};
use super::layout::Layout;

/// `GET /reception`.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "reception.html")]
pub struct ReceptionPage {
    /// The frame.
    pub layout: Layout,
    /// What the last scan or rejection did, if the page follows one.
    pub feedback: Option<Feedback>,
    /// The specimen last scanned, when it exists.
    pub last: Option<ScannedSpecimen>,
    /// The collection time typed last, kept for the next scan.
    pub collected: String,
    /// The coded rejection reasons: (code, words).
    pub reasons: Vec<(&'static str, &'static str)>,
    /// Whether the user may reject a specimen.
    pub may_reject: bool,
}

impl ReceptionPage {
    /// A text of a catalog in the page's language.
    pub fn t(&self, msg: impl Text) -> &'static str {
        self.layout.t(msg)
    }

    /// "This specimen was rejected: …".
    pub fn rejected_text(&self, reason: &str) -> String {
        ReceptionMsg::RejectedAlready.fill(self.layout.lang, &[("reason", reason)])
    }
}

/// How a scan ended, as the page says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    /// Which kind of answer.
    pub kind: FeedbackKind,
    /// The sentence, in the page's language.
    pub text: String,
    /// A second sentence (the collection time), or empty.
    pub detail: String,
}

/// The kinds of answer a scan gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackKind {
    /// Received now.
    Received,
    /// Received before; nothing changed.
    Already,
    /// No such specimen; nothing changed.
    Unknown,
    /// Rejected now.
    Rejected,
    /// The request could not be done (a bad collection time, a refusal).
    Problem,
}

impl FeedbackKind {
    /// The CSS class.
    pub fn class(self) -> &'static str {
        match self {
            Self::Received => "scan-result scan-ok",
            Self::Already => "scan-result scan-already",
            Self::Unknown | Self::Problem => "scan-result scan-unknown",
            Self::Rejected => "scan-result scan-rejected",
        }
    }

    /// A symbol that reads without colour.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Received => "✓",
            Self::Already => "↺",
            Self::Unknown | Self::Problem => "✗",
            Self::Rejected => "⊘",
        }
    }
}

/// The specimen last scanned, as the reception page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedSpecimen {
    /// The specimen id.
    pub specimen_id: String,
    /// The patient's name.
    pub patient_name: String,
    /// The HIS's patient id.
    pub patient_id: String,
    /// Sex and age in words.
    pub sex_age: String,
    /// The department that ordered.
    pub department: String,
    /// The tests on the tube, by name.
    pub tests: String,
    /// The tube type.
    pub tube: String,
    /// When collected, or `—`.
    pub collected: String,
    /// When received, or `—`.
    pub received: String,
    /// The rejection reason in words, when rejected.
    pub rejected: Option<String>,
    /// The label page.
    pub label_url: String,
    /// The specimen page.
    pub specimen_url: String,
}

/// `GET /specimens/{id}/label`: the label alone, to print on a 50 × 25 mm label.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "label.html")]
pub struct LabelPage {
    /// The frame (hidden when printing).
    pub layout: Layout,
    /// The specimen id.
    pub specimen_id: String,
    /// The label's SVG, made by [`super::label::label_svg`] (its text escaped there).
    pub svg: String,
}

impl LabelPage {
    /// A text of a catalog in the page's language.
    pub fn t(&self, msg: impl Text) -> &'static str {
        self.layout.t(msg)
    }

    /// "Label S1".
    pub fn title(&self) -> String {
        ReceptionMsg::LabelTitle.fill(self.layout.lang, &[("id", &self.specimen_id)])
    }
}

/// The reception page's own path.
pub const RECEPTION: &str = "/reception";
/// Where a scan posts.
pub const RECEPTION_SCAN: &str = "/reception/scan";
/// Where a rejection posts.
pub const RECEPTION_REJECT: &str = "/reception/reject";

/// The label page of a specimen: `/specimens/{id}/label`.
pub fn label_url(specimen_id: &str) -> String {
    format!("{}/label", super::urls::specimen(specimen_id))
}

/// `Msg` is in scope for the frame's template.
const _: Msg = Msg::ProductName;
