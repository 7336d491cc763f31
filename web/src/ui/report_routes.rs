//! The printed report's handlers: `GET /orders/{placer_number}/report[?paper=a4|a5]` (the
//! report laid out on pages of that paper), `POST /orders/{placer_number}/report/print` (the
//! Print button: writes who printed which report on which paper to the audit trail, then 303
//! to the report with `print=1`, which opens the browser's print dialog) and
//! `GET /report/logo` (the `[lab] logo` read at start-up).
//!
//! Printing is audited through the Print button: the server cannot see a print started from the
//! browser's own menu, so the page tells people to use the button. Reading and printing need
//! [`Permission::Review`].

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use lis_core::config::{LabConfig, Section};
use lis_core::lifecycle::ResultState;
use lis_core::model::{OrderReport, Paper, ReviewResult, SpecimenReview};
use lis_core::permissions::Permission;
use serde::Deserialize;

use super::csrf::CsrfForm;
use super::dates;
use super::error_page::PageError;
use super::flags::{self, FlagBadge};
use super::i18n::{Lang, Msg, Text};
use super::layout::Nav;
use super::reception_routes::rejection_words;
use super::report::{
    paginate, LabHeader, ReportFacts, ReportItem, ReportMsg, ReportPage, ReportRow, ReportStatus,
    SignOff, SpecimenLine,
};
use super::session::CurrentUser;
use crate::error::AppError;
use crate::request::blocking;
use crate::state::AppState;

/// Where the logo is served.
pub const LOGO_URL: &str = "/report/logo";

/// The report of an order: `/orders/{placer}/report`, the placer number percent-encoded.
pub fn report_url(placer_number: &str) -> String {
    let mut out = String::from("/orders/");
    for b in placer_number.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out.push_str("/report");
    out
}

/// The report, its print button and the logo.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/orders/{placer}/report", get(report_get))
        .route("/orders/{placer}/report/print", post(report_print_post))
        .route(LOGO_URL, get(report_logo_get))
}

/// The report's query.
#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    /// `a4` (default) or `a5`.
    #[serde(default)]
    paper: Option<String>,
    /// `1` after the Print button: the page opens the print dialog.
    #[serde(default)]
    print: Option<String>,
}

/// `GET /orders/{placer}/report`: the report on pages of the chosen paper. An unknown paper is
/// 400; an unknown order 404.
pub async fn report_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(placer): Path<String>,
    Query(query): Query<ReportQuery>,
) -> Result<ReportPage, PageError> {
    current.require(Permission::Review)?;
    let paper = paper(&current, query.paper.as_deref())?;
    let report = read_report(&current, &state, &placer).await?;
    let tz = state.config.time_zone().clone();
    Ok(build_page(
        &current,
        &state,
        &report,
        paper,
        query.print.as_deref() == Some("1"),
        &tz,
        Timestamp::now(),
    ))
}

/// The Print button's form.
#[derive(Debug, Deserialize)]
pub struct PrintForm {
    /// `a4` or `a5`.
    paper: String,
}

/// `POST /orders/{placer}/report/print`: the audit entry `report.print` (who, which report,
/// paper, status), then 303 to the report with `print=1`.
pub async fn report_print_post(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(placer): Path<String>,
    CsrfForm(form): CsrfForm<PrintForm>,
) -> Result<Response, PageError> {
    current.require(Permission::Review)?;
    let paper = paper(&current, Some(&form.paper))?;
    let report = read_report(&current, &state, &placer).await?;
    let status = status(&report);
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    let wanted = placer.clone();
    blocking(move || {
        Ok::<_, AppError>(store.record_report_print(&wanted, paper, status.as_str(), &actor))
    })
    .await
    .map_err(|e| current.error_message(e.status(), e.to_string()))?
    .map_err(|e| current.store_error(e))?;
    Ok(Redirect::to(&format!(
        "{}?paper={}&print=1",
        report_url(&placer),
        paper.as_str()
    ))
    .into_response())
}

/// `GET /report/logo`: the logo file read at start-up; 404 when the lab has none.
pub async fn report_logo_get(
    current: CurrentUser,
    State(state): State<AppState>,
) -> Result<Response, PageError> {
    current.require(Permission::Review)?;
    let Some(logo) = state.report_logo else {
        return Err(current
            .error_page(StatusCode::NOT_FOUND, Msg::ErrorNotFound)
            .into());
    };
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(logo.content_type),
        )],
        logo.bytes.clone(),
    )
        .into_response())
}

/// The paper asked for; `None` is A4.
fn paper(current: &CurrentUser, asked: Option<&str>) -> Result<Paper, PageError> {
    match asked.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(Paper::A4),
        Some(p) => Paper::parse(p).ok_or_else(|| {
            let detail = format!("paper {p:?}: use a4 or a5");
            current
                .error_message(
                    StatusCode::BAD_REQUEST,
                    Msg::ErrorBadRequest.fill(current.lang, &[("detail", &detail)]),
                )
                .into()
        }),
    }
}

/// The order's report from core; 404 for an unknown placer number.
async fn read_report(
    current: &CurrentUser,
    state: &AppState,
    placer: &str,
) -> Result<OrderReport, PageError> {
    let store = Arc::clone(&state.store);
    let wanted = placer.to_owned();
    let read = blocking(move || Ok::<_, AppError>(store.order_report(&wanted)))
        .await
        .map_err(|e| current.error_message(e.status(), e.to_string()))?
        .map_err(|e| current.store_error(e))?;
    read.ok_or_else(|| {
        current
            .error_page(StatusCode::NOT_FOUND, Msg::ErrorNotFound)
            .into()
    })
}

/// The results a report prints: each test's reported version once it is released.
fn released(s: &SpecimenReview) -> impl Iterator<Item = &ReviewResult> {
    s.results
        .iter()
        .filter(|r| r.reported && r.state == ResultState::Released)
}

/// Preliminary while a test of the order has no released result; corrected when a released
/// result corrects an earlier one; else final.
pub fn status(report: &OrderReport) -> ReportStatus {
    let waiting = report.specimens.iter().any(|s| {
        !s.tests_without_result.is_empty()
            || s.results
                .iter()
                .any(|r| r.reported && r.state != ResultState::Released)
    });
    if waiting {
        ReportStatus::Preliminary
    } else if report
        .specimens
        .iter()
        .flat_map(released)
        .any(|r| r.corrects.is_some())
    {
        ReportStatus::Corrected
    } else {
        ReportStatus::Final
    }
}

/// The whole page: header, facts, items laid out on sheets.
fn build_page(
    current: &CurrentUser,
    state: &AppState,
    report: &OrderReport,
    paper: Paper,
    autoprint: bool,
    tz: &TimeZone,
    now: Timestamp,
) -> ReportPage {
    let lang = current.lang;
    let config = &state.config;
    let items = items(report, config, lang, tz);
    let sheets = paginate(items, paper, report.specimens.len());
    let url = report_url(&report.order.placer_number);
    ReportPage {
        layout: current.layout(Nav::Worklist),
        paper,
        lab: LabHeader {
            name: config.lab.name.clone(),
            address: config.lab.address.clone(),
            phone: config.lab.phone.clone(),
            logo_url: state.report_logo.as_ref().map(|_| LOGO_URL.to_owned()),
        },
        report_id: report.order.placer_number.clone(),
        status: status(report),
        facts: facts(report, lang, tz),
        sheets,
        autoprint,
        print_url: format!("{url}/print"),
        view_a4_url: format!("{url}?paper=a4"),
        view_a5_url: format!("{url}?paper=a5"),
        printed_at: dates::date_time(now, tz),
    }
}

/// The patient and order block.
fn facts(report: &OrderReport, lang: Lang, tz: &TimeZone) -> ReportFacts {
    let when =
        |t: Option<Timestamp>| t.map_or_else(|| String::from("—"), |t| dates::date_time(t, tz));
    let Some(first) = report.specimens.first() else {
        return ReportFacts {
            department: report.order.department.clone(),
            doctor: report.order.requesting_doctor.clone(),
            ordered: dates::date_time(report.order.ordered_at, tz),
            ..ReportFacts::default()
        };
    };
    let p = &first.patient;
    ReportFacts {
        patient_name: p.name.clone(),
        patient_id: p.his_id.clone(),
        sex: flags::sex_msg(p.sex).text(lang).to_owned(),
        birth_date: p
            .birth_date
            .map_or_else(|| String::from("—"), |d| d.strftime("%d/%m/%Y").to_string()),
        age: {
            let on = first
                .specimen
                .collected_at
                .or(first.specimen.received_at)
                .unwrap_or(report.order.ordered_at);
            p.birth_date
                .and_then(|b| dates::age(b, on.to_zoned(tz.clone()).date(), lang))
                .unwrap_or_else(|| String::from("—"))
        },
        department: report.order.department.clone(),
        doctor: report.order.requesting_doctor.clone(),
        ordered: dates::date_time(report.order.ordered_at, tz),
        specimens: report
            .specimens
            .iter()
            .map(|s| SpecimenLine {
                id: s.specimen.barcode.clone(),
                specimen_type: super::result_texts::specimen_type_words(
                    &s.specimen.specimen_type,
                    lang,
                ),
                collected: when(s.specimen.collected_at),
                received: when(s.specimen.received_at),
            })
            .collect(),
    }
}

/// Everything printed, in order: sections in catalog order with their released rows, the
/// tests not yet released, rejected tubes, comments, and the sign-off.
fn items(report: &OrderReport, config: &LabConfig, lang: Lang, tz: &TimeZone) -> Vec<ReportItem> {
    let mut out = Vec::new();
    let all: Vec<&ReviewResult> = report.specimens.iter().flat_map(released).collect();
    for section in Section::ALL {
        let rows: Vec<&ReviewResult> = all
            .iter()
            .copied()
            .filter(|r| r.section.unwrap_or(Section::Other) == section)
            .collect();
        if rows.is_empty() {
            continue;
        }
        out.push(ReportItem::Section(
            section_msg(section).text(lang).to_owned(),
        ));
        for r in rows {
            out.push(ReportItem::Row(row(r, config, lang, tz)));
        }
    }
    if all.is_empty() {
        out.push(ReportItem::Note(
            ReportMsg::NothingReleased.text(lang).to_owned(),
        ));
    }
    let name = |code: &str| {
        config.test(code).map_or_else(
            || code.to_owned(),
            |t| match lang {
                Lang::Vi => t.name_vi.clone(),
                Lang::En => t.name_en.clone(),
            },
        )
    };
    let waiting: Vec<String> = report
        .specimens
        .iter()
        .flat_map(|s| {
            s.results
                .iter()
                .filter(|r| r.reported && r.state != ResultState::Released)
                .map(|r| name(&r.test_code))
                .chain(s.tests_without_result.iter().map(|c| name(c)))
        })
        .collect();
    if !waiting.is_empty() {
        out.push(ReportItem::Note(
            ReportMsg::NotReleasedYet.fill(lang, &[("tests", &waiting.join(", "))]),
        ));
    }
    for s in &report.specimens {
        if let Some(reason) = &s.specimen.rejected_reason {
            out.push(ReportItem::Note(ReportMsg::SpecimenRejected.fill(
                lang,
                &[
                    ("id", &s.specimen.barcode),
                    ("reason", &rejection_words(reason, lang)),
                ],
            )));
        }
    }
    for s in &report.specimens {
        for c in &s.comments {
            out.push(ReportItem::Comment(format!(
                "{} — {} ({})",
                c.text,
                c.created_by.display_name,
                dates::date_time(c.created_at, tz)
            )));
        }
        for r in released(s) {
            for c in &r.comments {
                out.push(ReportItem::Comment(format!(
                    "{}: {} — {} ({})",
                    name(&r.test_code),
                    c.text,
                    c.created_by.display_name,
                    dates::date_time(c.created_at, tz)
                )));
            }
        }
    }
    let mut verified = Vec::new();
    let mut released_by = Vec::new();
    let mut seen = (BTreeSet::new(), BTreeSet::new());
    for r in &all {
        if let Some(v) = &r.verified_by {
            if seen.0.insert(v.id) {
                verified.push(v.display_name.clone());
            }
        }
        if let Some(v) = &r.released_by {
            if seen.1.insert(v.id) {
                released_by.push(v.display_name.clone());
            }
        }
    }
    out.push(ReportItem::Signatures(SignOff {
        verified,
        released: released_by,
    }));
    out
}

/// One released result as printed.
fn row(r: &ReviewResult, config: &LabConfig, lang: Lang, tz: &TimeZone) -> ReportRow {
    let badges: Vec<FlagBadge> = r
        .flags
        .iter()
        .map(|f| FlagBadge::from_flag(*f, lang))
        .collect();
    let flags = badges
        .iter()
        .map(|b| {
            format!("{} {} {}", b.symbol, b.code, b.word)
                .trim()
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join("; ");
    let when = |t: Option<Timestamp>| t.map_or_else(String::new, |t| dates::date_time(t, tz));
    let performed = if r.instrument.is_empty() {
        ReportMsg::ManualEntry.text(lang).to_owned()
    } else {
        let name = config
            .instruments
            .iter()
            .find(|i| i.id == r.instrument)
            .map_or_else(|| r.instrument.clone(), |i| i.name.clone());
        let at = when(r.observed_at.or(Some(r.received_at)));
        if r.operator.is_empty() {
            format!("{name}, {at}")
        } else {
            format!("{name} ({}), {at}", r.operator)
        }
    };
    let verified = r.verified_by.as_ref().map_or_else(
        || String::from("—"),
        |v| format!("{}, {}", v.display_name, when(r.verified_at)),
    );
    let released = match &r.released_by {
        Some(v) => format!("{}, {}", v.display_name, when(r.released_at)),
        None => format!(
            "{}, {}",
            ReportMsg::ReleasedBySystem.text(lang),
            when(r.released_at)
        ),
    };
    let who = format!(
        "{}: {performed} · {}: {verified} · {}: {released}",
        ReportMsg::Performed.text(lang),
        ReportMsg::VerifiedBy.text(lang),
        ReportMsg::ReleasedBy.text(lang)
    );
    let correction = r.corrects.map(|old_id| {
        let old = r.versions.iter().find(|v| v.id == old_id);
        ReportMsg::CorrectedNote.fill(
            lang,
            &[
                ("at", &when(r.released_at)),
                (
                    "old",
                    &old.map_or_else(|| String::from("—"), |v| v.value.clone()),
                ),
                (
                    "old_at",
                    &old.and_then(|v| v.released_at)
                        .map_or_else(|| String::from("—"), |t| dates::date_time(t, tz)),
                ),
            ],
        )
    });
    let callbacks = r
        .callbacks
        .iter()
        .map(|c| {
            let outcome = match c.outcome.as_str() {
                "told_read_back" => ReportMsg::OutcomeReadBack.text(lang),
                "told_no_read_back" => ReportMsg::OutcomeNoReadBack.text(lang),
                _ => ReportMsg::OutcomeNotReached.text(lang),
            };
            ReportMsg::CallbackNote.fill(
                lang,
                &[
                    ("when", &dates::date_time(c.recorded_at, tz)),
                    ("name", &c.told_name),
                    ("role", &c.told_role),
                    ("location", &c.location),
                    ("outcome", outcome),
                    ("by", &c.recorded_by.display_name),
                ],
            )
        })
        .collect();
    let test_name = match lang {
        Lang::Vi => r.name_vi.clone(),
        Lang::En => r.name_en.clone(),
    };
    ReportRow {
        test_name,
        value: r.value.clone(),
        unit: r.unit.clone(),
        range: r.range.as_ref().map_or_else(
            || ReportMsg::NoRange.text(lang).to_owned(),
            |g| g.text.clone(),
        ),
        flags,
        abnormal: !r.flags.is_empty(),
        who,
        correction,
        callbacks,
        antibiogram: r
            .isolate
            .as_ref()
            .map(|i| Box::new(super::antibiogram::antibiogram(i, lang))),
    }
}

/// A section's heading.
fn section_msg(section: Section) -> ReportMsg {
    match section {
        Section::Hematology => ReportMsg::SectionHematology,
        Section::Biochemistry => ReportMsg::SectionBiochemistry,
        Section::Immunology => ReportMsg::SectionImmunology,
        Section::Urinalysis => ReportMsg::SectionUrinalysis,
        Section::Coagulation => ReportMsg::SectionCoagulation,
        Section::Other => ReportMsg::SectionOther,
    }
}

#[cfg(test)]
mod tests;
