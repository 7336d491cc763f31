//! The printed result report of one order ("Phiếu kết quả xét nghiệm"): the view and its
//! pages. The handlers in [`super::report_routes`] fill it from core's
//! [`lis_core::model::OrderReport`].
//!
//! **Page n of N.** Chromium prints no `counter(pages)` in `@page` margin boxes, so the pages
//! are laid out here, on the server: each printed page is one fixed-size sheet (`.sheet-a4`,
//! `.sheet-a5`, exactly the paper with `@page { margin: 0 }`) with the running header (lab,
//! patient, report number) and footer ("Trang n/N"), and its body holds what fits the paper's
//! budget in millimetres ([`Budget`]): each row costs its lines (a long test name or flag wraps
//! by the column's width in characters), a section heading is never left alone at a page's
//! foot, and the signature block moves whole to the next page when it does not fit. The
//! budgets are below the sheet's real room, so a sheet never overflows onto a second paper
//! page; the browser test prints to PDF and checks the count.

use askama::Template;
use askama_web::WebTemplate;
use lis_core::model::Paper;

pub mod texts;

pub use texts::ReportMsg;

use super::antibiogram::MicroMsg;
use super::i18n::{Msg, Text};
use super::layout::Layout;

/// `GET /orders/{placer_number}/report`.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "report.html")]
pub struct ReportPage {
    /// The frame (hidden in print).
    pub layout: Layout,
    /// The paper laid out for.
    pub paper: Paper,
    /// The lab's header.
    pub lab: LabHeader,
    /// The report's number (the HIS placer number, the report's stable address).
    pub report_id: String,
    /// Preliminary, final or corrected.
    pub status: ReportStatus,
    /// The patient, the order and its tubes.
    pub facts: ReportFacts,
    /// The printed pages.
    pub sheets: Vec<Sheet>,
    /// Whether the page opens the browser's print dialog (after the Print button's audit).
    pub autoprint: bool,
    /// Where the Print button posts.
    pub print_url: String,
    /// The report on A4 and on A5.
    pub view_a4_url: String,
    /// The report on A5.
    pub view_a5_url: String,
    /// When the page was made (`dd/MM/yyyy HH:mm`).
    pub printed_at: String,
}

impl ReportPage {
    /// A text of a catalog in the page's language.
    pub fn t(&self, msg: impl Text) -> &'static str {
        self.layout.t(msg)
    }

    /// "Report P1".
    pub fn title(&self) -> String {
        ReportMsg::PageTitle.fill(self.layout.lang, &[("placer", &self.report_id)])
    }

    /// "Trang n/N".
    pub fn page_of(&self, sheet: &Sheet) -> String {
        ReportMsg::PageOf.fill(
            self.layout.lang,
            &[
                ("n", &sheet.number.to_string()),
                ("total", &self.sheets.len().to_string()),
            ],
        )
    }

    /// The status in words.
    pub fn status_text(&self) -> &'static str {
        self.t(match self.status {
            ReportStatus::Preliminary => ReportMsg::StatusPreliminary,
            ReportStatus::Final => ReportMsg::StatusFinal,
            ReportStatus::Corrected => ReportMsg::StatusCorrected,
        })
    }

    /// The sheet's CSS class for the paper.
    pub fn sheet_class(&self) -> &'static str {
        match self.paper {
            Paper::A4 => "sheet sheet-a4",
            Paper::A5 => "sheet sheet-a5",
        }
    }

    /// "Printed at …".
    pub fn printed_text(&self) -> String {
        ReportMsg::PrintedAt.fill(self.layout.lang, &[("at", &self.printed_at)])
    }
}

/// The lab as the report's header prints it, from `[lab]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabHeader {
    /// `[lab] name`.
    pub name: String,
    /// `[lab] address` (empty: not printed).
    pub address: String,
    /// `[lab] phone` (empty: not printed).
    pub phone: String,
    /// The logo's URL when `[lab] logo` is set.
    pub logo_url: Option<String>,
}

/// How complete the report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportStatus {
    /// Some ordered tests have no released result yet.
    Preliminary,
    /// Every test is released, none corrected.
    Final,
    /// Every test is released and one or more were corrected.
    Corrected,
}

impl ReportStatus {
    /// The code in the audit entry of a print.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Preliminary => "preliminary",
            Self::Final => "final",
            Self::Corrected => "corrected",
        }
    }
}

/// The patient and the order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportFacts {
    /// The patient's name.
    pub patient_name: String,
    /// The HIS's patient id.
    pub patient_id: String,
    /// Sex in words.
    pub sex: String,
    /// Date of birth (`dd/MM/yyyy`) or `—`.
    pub birth_date: String,
    /// Age at collection in words, or `—`.
    pub age: String,
    /// The ordering department.
    pub department: String,
    /// The requesting doctor.
    pub doctor: String,
    /// When ordered.
    pub ordered: String,
    /// Each tube.
    pub specimens: Vec<SpecimenLine>,
}

/// One tube of the order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpecimenLine {
    /// The specimen id.
    pub id: String,
    /// Its type.
    pub specimen_type: String,
    /// When collected, or `—`.
    pub collected: String,
    /// When received, or `—`.
    pub received: String,
}

/// One released result as printed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportRow {
    /// The test's name.
    pub test_name: String,
    /// The value as released, never re-formatted.
    pub value: String,
    /// The unit.
    pub unit: String,
    /// The reference range (`3.9-6.4`), or the word for none.
    pub range: String,
    /// Each flag as symbol, code and word (`↑ H Cao`), joined.
    pub flags: String,
    /// Whether a flag is abnormal (bold value).
    pub abnormal: bool,
    /// Who performed, verified and released it, and when.
    pub who: String,
    /// For a correction: what it replaced and when.
    pub correction: Option<String>,
    /// Critical call-backs recorded for it.
    pub callbacks: Vec<String>,
    /// A microbiology isolate's antibiogram, printed under its organism.
    pub antibiogram: Option<Box<super::antibiogram::AntibiogramView>>,
}

impl ReportRow {
    /// The CSS class of the row.
    pub fn class(&self) -> &'static str {
        if self.abnormal {
            "r-main abnormal"
        } else {
            "r-main"
        }
    }
}

/// Who signed off the order's released results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignOff {
    /// Everyone who verified, in order of first verification.
    pub verified: Vec<String>,
    /// Everyone who released.
    pub released: Vec<String>,
}

/// Something the report prints, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportItem {
    /// A catalog section's heading.
    Section(String),
    /// A released result.
    Row(ReportRow),
    /// A sentence (tests not yet released, a rejected tube).
    Note(String),
    /// A comment.
    Comment(String),
    /// The sign-off block, last.
    Signatures(SignOff),
}

/// One printed page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sheet {
    /// From 1.
    pub number: usize,
    /// Whether it is the first page (with the full header and the patient block).
    pub first: bool,
    /// The result tables on it, each under its section's heading.
    pub groups: Vec<SheetGroup>,
    /// Sentences after the results.
    pub notes: Vec<String>,
    /// Comments.
    pub comments: Vec<String>,
    /// The sign-off, on the page that has room for all of it.
    pub signatures: Option<SignOff>,
}

/// The rows of one section on one page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SheetGroup {
    /// The section's heading (repeated on the next page when the section goes on).
    pub heading: String,
    /// The rows.
    pub rows: Vec<ReportRow>,
}

/// What one paper holds, in millimetres of the sheet's body and characters per column. The
/// figures are above what the stylesheet's type really takes (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// The body of a page after the first.
    pub body: f64,
    /// The first page's body: less the lab's header, the title and the patient block.
    pub first_body: f64,
    /// The first page's patient block grows by this per tube.
    pub per_specimen: f64,
    /// A section heading with its table's column heads.
    pub heading: f64,
    /// One line of a result row.
    pub row_line: f64,
    /// One line of the small print under a row (who, correction, call-back).
    pub sub_line: f64,
    /// A note or comment line.
    pub note_line: f64,
    /// The sign-off block.
    pub signatures: f64,
    /// Characters per line in the test, value, range and flag columns.
    pub caps: [usize; 4],
    /// Characters per line of the small print and of notes.
    pub sub_cap: usize,
}

impl Budget {
    /// The budget of a paper.
    pub fn of(paper: Paper) -> Self {
        match paper {
            Paper::A4 => Self {
                body: 240.0,
                first_body: 168.0,
                per_specimen: 6.0,
                heading: 14.0,
                row_line: 6.0,
                sub_line: 4.5,
                note_line: 5.5,
                signatures: 40.0,
                caps: [30, 12, 14, 20],
                sub_cap: 100,
            },
            Paper::A5 => Self {
                body: 160.0,
                first_body: 94.0,
                per_specimen: 5.0,
                heading: 12.0,
                row_line: 5.5,
                sub_line: 4.2,
                note_line: 5.0,
                signatures: 36.0,
                caps: [16, 8, 10, 13],
                sub_cap: 62,
            },
        }
    }

    /// How many lines `text` takes at `cap` characters a line.
    fn lines(text: &str, cap: usize) -> usize {
        text.chars().count().div_ceil(cap.max(1)).max(1)
    }

    /// The height of a row with its small print.
    pub fn row(&self, r: &ReportRow) -> f64 {
        let main = [&r.test_name, &r.value, &r.range, &r.flags]
            .iter()
            .zip(self.caps)
            .map(|(t, cap)| Self::lines(t, cap))
            .max()
            .unwrap_or(1);
        let small: usize = std::iter::once(&r.who)
            .chain(r.correction.iter())
            .chain(r.callbacks.iter())
            .map(|t| Self::lines(t, self.sub_cap))
            .sum();
        // An antibiogram: its heading and one printed row per antibiotic.
        let antibiogram = r.antibiogram.as_ref().map_or(0, |a| a.rows.len() + 1);
        (main + antibiogram) as f64 * self.row_line + small as f64 * self.sub_line
    }

    /// The height of an item; a heading counts with its column heads.
    fn item(&self, item: &ReportItem) -> f64 {
        match item {
            ReportItem::Section(_) => self.heading,
            ReportItem::Row(r) => self.row(r),
            ReportItem::Note(t) | ReportItem::Comment(t) => {
                Self::lines(t, self.sub_cap) as f64 * self.note_line
            }
            ReportItem::Signatures(_) => self.signatures,
        }
    }
}

/// Lays the items out on pages of `paper`: in order, each on the first page with room, a
/// heading kept with the row after it, a section that goes on to a new page headed again.
/// A single item taller than a whole page (a comment of a thousand words) gets a page of its
/// own. There is always at least one page.
pub fn paginate(items: Vec<ReportItem>, paper: Paper, specimens: usize) -> Vec<Sheet> {
    let budget = Budget::of(paper);
    let first_room = budget.first_body - budget.per_specimen * specimens.saturating_sub(1) as f64;
    let mut sheets = vec![Sheet {
        number: 1,
        first: true,
        ..Sheet::default()
    }];
    let mut room = first_room;
    let mut section = String::new();
    let mut i = 0;
    while i < items.len() {
        let item = &items[i];
        let mut need = budget.item(item);
        if let ReportItem::Section(_) = item {
            // Keep the heading with its first row.
            if let Some(next) = items.get(i + 1) {
                need += budget.item(next);
            }
        }
        let continuing_row = matches!(item, ReportItem::Row(_))
            && sheets
                .last()
                .is_some_and(|s| s.groups.last().is_none_or(|g| g.heading != section));
        if continuing_row {
            need += budget.heading;
        }
        let page_empty = sheets
            .last()
            .is_some_and(|s| s.groups.is_empty() && s.notes.is_empty() && s.comments.is_empty());
        if need > room && !page_empty {
            let number = sheets.len() + 1;
            sheets.push(Sheet {
                number,
                ..Sheet::default()
            });
            room = budget.body;
            continue;
        }
        room -= budget.item(item);
        // Invariant: `sheets` starts with one sheet and only grows.
        let Some(sheet) = sheets.last_mut() else {
            break;
        };
        match item.clone() {
            ReportItem::Section(heading) => {
                section = heading.clone();
                sheet.groups.push(SheetGroup {
                    heading,
                    rows: Vec::new(),
                });
            }
            ReportItem::Row(row) => {
                if sheet.groups.last().is_none_or(|g| g.heading != section) {
                    room -= budget.heading;
                    sheet.groups.push(SheetGroup {
                        heading: section.clone(),
                        rows: Vec::new(),
                    });
                }
                if let Some(group) = sheet.groups.last_mut() {
                    group.rows.push(row);
                }
            }
            ReportItem::Note(text) => sheet.notes.push(text),
            ReportItem::Comment(text) => sheet.comments.push(text),
            ReportItem::Signatures(s) => sheet.signatures = Some(s),
        }
        i += 1;
    }
    sheets
}

/// The `[lab] logo` file, read once when `lis serve` starts and served at `/report/logo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLogo {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Its content type, from the file's extension.
    pub content_type: &'static str,
}

impl ReportLogo {
    /// Reads the logo `[lab] logo` names, relative to the config file's folder (the working
    /// directory for the embedded default). `Ok(None)` when none is set; an error names the
    /// file and why it cannot be used (missing, unreadable, not PNG, JPEG or SVG, over 1 MiB).
    pub fn load(
        logo: Option<&str>,
        config_file: Option<&std::path::Path>,
    ) -> Result<Option<Self>, String> {
        const MAX_BYTES: u64 = 1 << 20;
        let Some(name) = logo.map(str::trim).filter(|n| !n.is_empty()) else {
            return Ok(None);
        };
        let base = config_file
            .and_then(std::path::Path::parent)
            .unwrap_or_else(|| std::path::Path::new("."));
        let path = base.join(name);
        let shown = path.display();
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let content_type = match extension.as_str() {
            "png" => "image/png",
            "jpg" | "jpeg" => "image/jpeg",
            "svg" => "image/svg+xml",
            other => {
                return Err(format!(
                    "[lab] logo {shown}: .{other} is not a PNG, JPEG or SVG file"
                ))
            }
        };
        let size = std::fs::metadata(&path)
            .map_err(|e| format!("[lab] logo {shown}: {e}"))?
            .len();
        if size > MAX_BYTES {
            return Err(format!(
                "[lab] logo {shown}: {size} bytes, more than the 1 MiB a report logo may have"
            ));
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("[lab] logo {shown}: {e}"))?;
        Ok(Some(Self {
            bytes,
            content_type,
        }))
    }
}

/// `Msg` is in scope for the frame's template.
const _: Msg = Msg::ProductName;

#[cfg(test)]
mod tests;
