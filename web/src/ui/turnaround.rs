//! The turnaround dashboard (`GET /turnaround?from=&to=`, days in the lab's time zone, today
//! by default): per section and per test the number of specimens, the median and 90th
//! percentile from receipt to release, the late specimens, and the critical results with the
//! time to their call-back. Read from `Store::turnaround` (needs
//! [`Permission::ReadTurnaround`], checked here and in core's read).
//!
//! Durations are written with their units (`1 h 05 min`), never as bare numbers, so a
//! tired reader cannot take minutes for hours.

mod texts;

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use lis_core::config::{LabConfig, Section};
use lis_core::permissions::Permission;
use lis_core::store::{TurnaroundGroup, TurnaroundReport, MAX_TURNAROUND_DAYS};
use lis_core::StoreError;
use serde::Deserialize;

pub use self::texts::TurnaroundMsg;
use super::dates;
use super::error_page::PageError;
use super::i18n::{Lang, Msg, Text};
use super::layout::{Layout, Nav};
use super::session::CurrentUser;
use super::urls::{self, Urls};
use super::worklist_routes::parse_day;
use crate::error::AppError;
use crate::request::blocking;
use crate::state::AppState;

/// The dashboard's route.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route(Urls::Turnaround.as_str(), get(turnaround_get))
}

/// `GET /turnaround`.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "turnaround.html")]
pub struct TurnaroundPage {
    /// The frame.
    pub layout: Layout,
    /// The range in words (`Specimens received on 01/03/2025`).
    pub heading: String,
    /// The form's first day (`dd/mm/yyyy`, as the lab writes dates).
    pub from: String,
    /// The form's last day.
    pub to: String,
    /// Quick links: today, last 7 days, last 30 days.
    pub quick: Vec<(String, &'static str)>,
    /// When it was computed, in words.
    pub measured_at: String,
    /// One row per section.
    pub sections: Vec<GroupRow>,
    /// One row per test.
    pub tests: Vec<GroupRow>,
    /// Late tests.
    pub late: Vec<LateRow>,
    /// Set when the late list is cut.
    pub late_cut: Option<String>,
    /// Critical results.
    pub criticals: Vec<CriticalRow>,
    /// How many tests are late in all.
    pub late_total: usize,
    /// The late count in words, at the top of the page.
    pub late_headline: String,
    /// How many critical results have no "told" call-back yet.
    pub criticals_waiting: usize,
    /// That count in words, at the top of the page.
    pub critical_headline: String,
    /// Set when tests were released before their recorded receipt.
    pub odd: Option<String>,
}

/// A section or test row.
#[derive(Debug, Clone)]
pub struct GroupRow {
    /// The section in words.
    pub section: &'static str,
    /// The test's code and name (empty for a section row).
    pub test: String,
    /// The target (`2 h 00 min`), empty for a section.
    pub target: String,
    /// Specimens received.
    pub specimens: usize,
    /// Of which released.
    pub released: usize,
    /// Median (`45 min`) or `—`.
    pub median: String,
    /// 90th percentile or `—`.
    pub p90: String,
    /// Late count.
    pub late: usize,
}

/// A late test.
#[derive(Debug, Clone)]
pub struct LateRow {
    /// The specimen's barcode.
    pub specimen: String,
    /// Its page.
    pub href: String,
    /// The test's code.
    pub test: String,
    /// When received.
    pub received: String,
    /// When released, or "not released".
    pub released: String,
    /// Whether it still waits.
    pub waiting: bool,
    /// How long it took (or has waited).
    pub took: String,
    /// The target.
    pub target: String,
    /// How far past the target.
    pub over: String,
}

/// A critical result.
#[derive(Debug, Clone)]
pub struct CriticalRow {
    /// The specimen's barcode.
    pub specimen: String,
    /// Its page.
    pub href: String,
    /// The test's code.
    pub test: String,
    /// Value and unit.
    pub value: String,
    /// When it arrived.
    pub arrived: String,
    /// When it was told, or "no call-back yet".
    pub told_at: String,
    /// To whom, or `—`.
    pub told_to: String,
    /// The time to the call-back (or waited so far).
    pub took: String,
    /// Whether no call-back says "told" yet.
    pub waiting: bool,
}

impl TurnaroundPage {
    /// A text of the dashboard's catalog in the page's language.
    pub fn m(&self, msg: TurnaroundMsg) -> &'static str {
        msg.text(self.layout.lang)
    }
}

/// The dashboard's query: the first and last day, `yyyy-mm-dd` or `dd/mm/yyyy`.
#[derive(Debug, Default, Deserialize)]
pub struct TurnaroundParams {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// The words for a section.
pub fn section_msg(section: Section) -> TurnaroundMsg {
    match section {
        Section::Hematology => TurnaroundMsg::SectionHematology,
        Section::Biochemistry => TurnaroundMsg::SectionBiochemistry,
        Section::Immunology => TurnaroundMsg::SectionImmunology,
        Section::Urinalysis => TurnaroundMsg::SectionUrinalysis,
        Section::Coagulation => TurnaroundMsg::SectionCoagulation,
        Section::Other => TurnaroundMsg::SectionOther,
    }
}

/// Minutes as the page writes durations.
fn minutes(m: u32, lang: Lang) -> String {
    dates::duration(SignedDuration::from_mins(i64::from(m)), lang)
}

/// The start of `day` in the lab's time zone, or what is wrong.
fn start_of(day: Date, tz: &TimeZone) -> Result<Timestamp, String> {
    day.to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .map_err(|e| e.to_string())
}

/// `GET /turnaround?from=&to=`: the dashboard for the days `from` to `to` (inclusive).
pub async fn turnaround_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Query(params): Query<TurnaroundParams>,
) -> Result<TurnaroundPage, PageError> {
    current.require(Permission::ReadTurnaround)?;
    let lang = current.lang;
    let tz = state.config.time_zone().clone();
    let now = Timestamp::now();
    let today = now.to_zoned(tz.clone()).date();
    let bad =
        |msg: String| -> PageError { current.error_message(StatusCode::BAD_REQUEST, msg).into() };
    let day = |field: &str, text: &str| -> Result<Date, PageError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(today);
        }
        parse_day(text).map_err(|_| {
            bad(TurnaroundMsg::BadDate.fill(lang, &[("field", field), ("value", text)]))
        })
    };
    let first = day("from", &params.from)?;
    let last = if params.to.trim().is_empty() {
        first.max(today)
    } else {
        day("to", &params.to)?
    };
    let range_bad =
        || bad(TurnaroundMsg::BadRange.fill(lang, &[("days", &MAX_TURNAROUND_DAYS.to_string())]));
    let Ok(after_last) = last.checked_add(1.day()) else {
        return Err(range_bad());
    };
    let (Ok(from), Ok(to)) = (start_of(first, &tz), start_of(after_last, &tz)) else {
        return Err(range_bad());
    };
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    let report = blocking(move || Ok::<_, AppError>(store.turnaround(from, to, now, &actor)))
        .await
        .map_err(|e| current.error_message(e.status(), e.to_string()))?
        .map_err(|e| match e {
            StoreError::Invalid { .. } => range_bad(),
            StoreError::Forbidden { .. } => current
                .error_page(StatusCode::FORBIDDEN, Msg::ErrorForbidden)
                .into(),
            other => current.store_error(other).into(),
        })?;
    Ok(turnaround_page(
        current.layout(Nav::Turnaround),
        &report,
        &state.config,
        (first, last, today),
    ))
}

/// Fills the page from core's report; `days` is the first day, the last and today.
pub fn turnaround_page(
    layout: Layout,
    report: &TurnaroundReport,
    config: &LabConfig,
    (first, last, today): (Date, Date, Date),
) -> TurnaroundPage {
    let lang = layout.lang;
    let tz = config.time_zone();
    let dash = || TurnaroundMsg::Dash.text(lang).to_owned();
    let day = |d: Date| d.strftime("%d/%m/%Y").to_string();
    let heading = if first == last {
        TurnaroundMsg::RangeOneDay.fill(lang, &[("from", &day(first))])
    } else {
        TurnaroundMsg::RangeDays.fill(lang, &[("from", &day(first)), ("to", &day(last))])
    };
    let link = |from: Date| format!("{}?from={from}&to={today}", Urls::Turnaround.as_str());
    let back = |days: i64| today.checked_sub(days.days()).unwrap_or(today);
    let quick = vec![
        (link(today), TurnaroundMsg::Today.text(lang)),
        (link(back(6)), TurnaroundMsg::Last7.text(lang)),
        (link(back(29)), TurnaroundMsg::Last30.text(lang)),
    ];
    let group = |g: &TurnaroundGroup| GroupRow {
        section: section_msg(g.section).text(lang),
        test: g.test_code.as_deref().map_or_else(String::new, |code| {
            match (config.test(code), lang) {
                (Some(t), Lang::Vi) => format!("{code} · {}", t.name_vi),
                (Some(t), Lang::En) => format!("{code} · {}", t.name_en),
                (None, _) => code.to_owned(),
            }
        }),
        target: g
            .target_minutes
            .map_or_else(String::new, |m| minutes(m, lang)),
        specimens: g.specimens,
        released: g.released.count,
        median: g.released.median.map_or_else(dash, |m| minutes(m, lang)),
        p90: g.released.p90.map_or_else(dash, |m| minutes(m, lang)),
        late: g.late,
    };
    let late = report
        .late
        .iter()
        .map(|l| LateRow {
            specimen: l.specimen_barcode.clone(),
            href: urls::specimen(&l.specimen_barcode),
            test: l.test_code.clone(),
            received: dates::date_time(l.received_at, tz),
            released: l.released_at.map_or_else(
                || TurnaroundMsg::NotReleased.text(lang).to_owned(),
                |t| dates::date_time(t, tz),
            ),
            waiting: l.released_at.is_none(),
            took: minutes(l.minutes, lang),
            target: minutes(l.target_minutes, lang),
            over: minutes(l.minutes.saturating_sub(l.target_minutes), lang),
        })
        .collect::<Vec<_>>();
    let late_cut = (report.late_total > report.late.len()).then(|| {
        TurnaroundMsg::LateCut.fill(
            lang,
            &[
                ("shown", &report.late.len().to_string()),
                ("total", &report.late_total.to_string()),
            ],
        )
    });
    let criticals = report
        .criticals
        .iter()
        .map(|c| CriticalRow {
            specimen: c.specimen_barcode.clone(),
            href: urls::specimen(&c.specimen_barcode),
            test: c.test_code.clone(),
            value: format!("{} {}", c.value, c.unit).trim().to_owned(),
            arrived: dates::date_time(c.arrived_at, tz),
            told_at: c.told_at.map_or_else(
                || TurnaroundMsg::NoCallbackYet.text(lang).to_owned(),
                |t| dates::date_time(t, tz),
            ),
            told_to: c.told_to.clone().unwrap_or_else(dash),
            took: minutes(c.minutes, lang),
            waiting: c.told_at.is_none(),
        })
        .collect();
    let criticals_waiting = report
        .criticals
        .iter()
        .filter(|c| c.told_at.is_none())
        .count();
    TurnaroundPage {
        heading,
        from: day(first),
        to: day(last),
        late_total: report.late_total,
        late_headline: TurnaroundMsg::HeadlineLate
            .fill(lang, &[("count", &report.late_total.to_string())]),
        criticals_waiting,
        critical_headline: TurnaroundMsg::HeadlineCritical
            .fill(lang, &[("count", &criticals_waiting.to_string())]),
        quick,
        measured_at: TurnaroundMsg::MeasuredAt
            .fill(lang, &[("at", &dates::date_time(report.now, tz))]),
        sections: report.sections.iter().map(group).collect(),
        tests: report.tests.iter().map(group).collect(),
        late,
        late_cut,
        criticals,
        odd: (report.released_before_receipt > 0).then(|| {
            TurnaroundMsg::ReleasedBeforeReceipt.fill(
                lang,
                &[("count", &report.released_before_receipt.to_string())],
            )
        }),
        layout,
    }
}

#[cfg(test)]
mod tests;
