//! The patient pages: the search (`GET /patients?q=`: the HIS's patient id, a name with or
//! without Vietnamese marks, a specimen id or a placer number) and a patient's cumulative
//! report (`GET /patients/{id}`: each test over time as a table, and a trend chart with the
//! reference band for each numeric test with two results or more).
//!
//! Both need [`Permission::Review`], checked here (to answer early) and by core in its read.
//! Sub-modules: `texts` (the catalog [`PatientMsg`]), [`chart`] (the SVG trend chart).

pub mod chart;
mod texts;

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use lis_core::config::LabConfig;
use lis_core::permissions::Permission;
use lis_core::presentation;
use lis_core::store::{PatientHistory, PatientMatch, PatientSearch, SEARCH_LIMIT};
use lis_core::StoreError;
use serde::Deserialize;

use self::chart::{ChartPoint, TrendChart};
pub use self::texts::PatientMsg;
use super::dates;
use super::error_page::PageError;
use super::flags::{sex_msg, FlagBadge};
use super::i18n::{Lang, Msg, Text};
use super::layout::{Layout, Nav};
use super::session::CurrentUser;
use super::urls::{self, Urls};
use crate::error::AppError;
use crate::request::blocking;
use crate::state::AppState;

/// How many specimens (columns) the cumulative table shows, the latest.
pub const TABLE_COLUMNS: usize = 12;

/// The patient pages' routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(Urls::Patients.as_str(), get(patients_get))
        .route(
            &format!("{}/{{id}}", Urls::Patients.as_str()),
            get(patient_get),
        )
}

/// `GET /patients`: the search form and, with `q`, the patients found.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "patients.html")]
pub struct PatientSearchPage {
    /// The frame.
    pub layout: Layout,
    /// The query as typed.
    pub query: String,
    /// What was found, when a query was given.
    pub found: Option<SearchFound>,
}

/// The answer shown under the form.
#[derive(Debug, Clone)]
pub struct SearchFound {
    /// The summary line (`3 patients match "an"`, or that none does).
    pub summary: String,
    /// One row per patient.
    pub rows: Vec<PatientRow>,
    /// Set when more patients match than are shown.
    pub more: Option<String>,
}

/// A patient found.
#[derive(Debug, Clone)]
pub struct PatientRow {
    /// The cumulative report's URL.
    pub href: String,
    /// The HIS's patient id.
    pub his_id: String,
    /// The name as the HIS sent it.
    pub name: String,
    /// Sex in words.
    pub sex: &'static str,
    /// Date of birth (`dd/MM/yyyy`), or `—`.
    pub birth: String,
    /// How it was found, in words.
    pub found_by: &'static str,
    /// When the latest order was placed, or `—`.
    pub last_order: String,
}

/// `GET /patients/{id}`: the cumulative report.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "patient.html")]
pub struct PatientPage {
    /// The frame.
    pub layout: Layout,
    /// The patient's name.
    pub name: String,
    /// The HIS's patient id.
    pub his_id: String,
    /// Sex in words.
    pub sex: &'static str,
    /// Date of birth, or `—`.
    pub birth: String,
    /// Age today, or `—`.
    pub age: String,
    /// The specimens (columns), newest first.
    pub columns: Vec<HistoryColumn>,
    /// One row per test, in catalog order.
    pub rows: Vec<HistoryRow>,
    /// Notes on what is cut (older columns or results), already in words.
    pub notes: Vec<String>,
    /// One chart per numeric test with two results or more.
    pub charts: Vec<TestTrend>,
}

/// A specimen column of the table.
#[derive(Debug, Clone)]
pub struct HistoryColumn {
    /// The specimen's barcode.
    pub specimen: String,
    /// Its page.
    pub href: String,
    /// When its results were observed (`dd/MM/yyyy HH:mm`).
    pub when: String,
}

/// A test row of the table.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    /// The test's name in the page's language.
    pub test: String,
    /// The unit.
    pub unit: String,
    /// The reference range for the patient today, or empty.
    pub range: String,
    /// One cell per column: the value and its flags, or `None` when not done.
    pub cells: Vec<Option<HistoryCell>>,
}

/// A value in the table.
#[derive(Debug, Clone)]
pub struct HistoryCell {
    /// The value as reported.
    pub value: String,
    /// Its flags as badges.
    pub flags: Vec<FlagBadge>,
}

/// A trend chart with its caption.
#[derive(Debug, Clone)]
pub struct TestTrend {
    /// An id for `aria-labelledby`.
    pub id: String,
    /// `GLU: 5 results from … to …`.
    pub caption: String,
    /// The band's meaning in words.
    pub band_text: String,
    /// The unit.
    pub unit: String,
    /// The drawing.
    pub chart: TrendChart,
}

impl PatientPage {
    /// A text of the patient catalog in the page's language.
    pub fn p(&self, msg: PatientMsg) -> &'static str {
        msg.text(self.layout.lang)
    }
}

impl PatientSearchPage {
    /// A text of the patient catalog in the page's language.
    pub fn p(&self, msg: PatientMsg) -> &'static str {
        msg.text(self.layout.lang)
    }
}

/// The query of `GET /patients`.
#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
}

/// An error page for a store failure on these pages: 403 for a refused role, 400 for a
/// refused query, else as [`CurrentUser::store_error`].
fn page_error(current: &CurrentUser, e: StoreError) -> PageError {
    match e {
        StoreError::Forbidden { .. } => current
            .error_page(StatusCode::FORBIDDEN, Msg::ErrorForbidden)
            .into(),
        StoreError::Invalid { what } => current.error_message(StatusCode::BAD_REQUEST, what).into(),
        other => current.store_error(other).into(),
    }
}

/// A failed blocking call as an error page.
fn blocking_error(current: &CurrentUser, e: AppError) -> PageError {
    current.error_message(e.status(), e.to_string()).into()
}

/// `GET /patients?q=`: the search form, and the patients the query finds.
pub async fn patients_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<PatientSearchPage, PageError> {
    current.require(Permission::Review)?;
    let lang = current.lang;
    let query = params.q.trim().to_owned();
    let found = if query.is_empty() {
        None
    } else {
        let store = Arc::clone(&state.store);
        let actor = current.actor();
        let q = query.clone();
        let search = blocking(move || Ok::<_, AppError>(store.search_patients(&q, &actor)))
            .await
            .map_err(|e| blocking_error(&current, e))?
            .map_err(|e| page_error(&current, e))?;
        Some(search_found(
            &search,
            &query,
            lang,
            state.config.time_zone(),
        ))
    };
    Ok(PatientSearchPage {
        layout: current.layout(Nav::Patients),
        query,
        found,
    })
}

fn search_found(search: &PatientSearch, query: &str, lang: Lang, tz: &TimeZone) -> SearchFound {
    let summary = if search.hits.is_empty() {
        PatientMsg::SearchNone.fill(lang, &[("query", query)])
    } else {
        PatientMsg::SearchFound.fill(
            lang,
            &[("count", &search.hits.len().to_string()), ("query", query)],
        )
    };
    let rows = search
        .hits
        .iter()
        .map(|h| PatientRow {
            href: urls::patient(h.patient.id),
            his_id: h.patient.his_id.clone(),
            name: h.patient.name.clone(),
            sex: sex_msg(h.patient.sex).text(lang),
            birth: h
                .patient
                .birth_date
                .map_or_else(|| "—".to_owned(), |d| d.strftime("%d/%m/%Y").to_string()),
            found_by: match h.matched {
                PatientMatch::PatientId => PatientMsg::FoundById,
                PatientMatch::SpecimenId => PatientMsg::FoundBySpecimen,
                PatientMatch::PlacerNumber => PatientMsg::FoundByPlacer,
                PatientMatch::Name => PatientMsg::FoundByName,
            }
            .text(lang),
            last_order: h
                .last_order_at
                .map_or_else(|| "—".to_owned(), |t| dates::date_time(t, tz)),
        })
        .collect();
    SearchFound {
        summary,
        rows,
        more: search
            .more
            .then(|| PatientMsg::SearchMore.fill(lang, &[("count", &SEARCH_LIMIT.to_string())])),
    }
}

/// `GET /patients/{id}`: the patient's cumulative report.
pub async fn patient_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<PatientPage, PageError> {
    current.require(Permission::Review)?;
    let Ok(patient_id) = id.parse::<i64>() else {
        return Err(current
            .error_page(StatusCode::NOT_FOUND, Msg::ErrorNotFound)
            .into());
    };
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    let history = blocking(move || Ok::<_, AppError>(store.patient_history(patient_id, &actor)))
        .await
        .map_err(|e| blocking_error(&current, e))?
        .map_err(|e| page_error(&current, e))?;
    Ok(patient_page(
        current.layout(Nav::Patients),
        &history,
        &state.config,
        Timestamp::now(),
    ))
}

/// Fills the cumulative report from core's history (newest first).
pub fn patient_page(
    layout: Layout,
    history: &PatientHistory,
    config: &LabConfig,
    now: Timestamp,
) -> PatientPage {
    let lang = layout.lang;
    let tz = config.time_zone();
    let patient = &history.patient;
    // Columns: specimens in order of their newest result, newest first.
    let mut specimens: Vec<(String, Timestamp)> = Vec::new();
    for p in &history.points {
        if !specimens.iter().any(|(s, _)| *s == p.specimen_barcode) {
            specimens.push((p.specimen_barcode.clone(), p.at));
        }
    }
    let total = specimens.len();
    specimens.truncate(TABLE_COLUMNS);
    let columns: Vec<HistoryColumn> = specimens
        .iter()
        .map(|(s, at)| HistoryColumn {
            specimen: s.clone(),
            href: urls::specimen(s),
            when: dates::date_time(*at, tz),
        })
        .collect();
    // Tests: catalog order, then codes the catalog does not know.
    let mut codes: Vec<String> = history.points.iter().map(|p| p.test_code.clone()).collect();
    codes.sort_by_key(|c| {
        (
            config
                .tests
                .iter()
                .position(|t| t.code == *c)
                .unwrap_or(usize::MAX),
            c.clone(),
        )
    });
    codes.dedup();
    let mut rows = Vec::new();
    let mut charts = Vec::new();
    for code in &codes {
        let def = config.test(code);
        let name = def.map_or_else(
            || code.clone(),
            |t| match lang {
                Lang::Vi => t.name_vi.clone(),
                Lang::En => t.name_en.clone(),
            },
        );
        let range = def.and_then(|t| presentation::reference_range(t, patient, now, tz));
        let points: Vec<_> = history
            .points
            .iter()
            .filter(|p| p.test_code == *code)
            .collect();
        let unit = points.first().map_or_else(String::new, |p| p.unit.clone());
        // The newest value of the test on each shown specimen.
        let mut by_specimen: BTreeMap<&str, &lis_core::store::HistoryPoint> = BTreeMap::new();
        for p in &points {
            by_specimen.entry(p.specimen_barcode.as_str()).or_insert(p);
        }
        let cells = specimens
            .iter()
            .map(|(s, _)| {
                by_specimen.get(s.as_str()).map(|p| HistoryCell {
                    value: p.value.clone(),
                    flags: p
                        .flags
                        .iter()
                        .map(|f| FlagBadge::from_flag(*f, lang))
                        .collect(),
                })
            })
            .collect();
        rows.push(HistoryRow {
            test: name.clone(),
            unit: unit.clone(),
            range: range.as_ref().map_or_else(String::new, |r| r.text.clone()),
            cells,
        });
        let numeric: Vec<ChartPoint> = points
            .iter()
            .filter_map(|p| {
                Some(ChartPoint {
                    at: p.at,
                    value: p.numeric?,
                    shown: p.value.clone(),
                    date: dates::date(p.at, tz),
                })
            })
            .collect();
        if numeric.len() >= 2 {
            let (low, high) = range.as_ref().map_or((None, None), |r| (r.low, r.high));
            if let Some(chart) = chart::draw(&numeric, low, high) {
                let (first, last) = (&chart.dates[0].text, &chart.dates[1].text);
                charts.push(TestTrend {
                    id: format!("trend-{}", charts.len()),
                    caption: PatientMsg::TrendCaption.fill(
                        lang,
                        &[
                            ("test", &name),
                            ("count", &numeric.len().to_string()),
                            ("from", first),
                            ("to", last),
                        ],
                    ),
                    band_text: match &range {
                        Some(r) => PatientMsg::TrendBand.fill(lang, &[("range", &r.text)]),
                        None => PatientMsg::TrendNoBand.text(lang).to_owned(),
                    },
                    unit,
                    chart,
                });
            }
        }
    }
    let mut notes = Vec::new();
    if total > TABLE_COLUMNS {
        notes.push(PatientMsg::HistoryColumnsCut.fill(
            lang,
            &[
                ("shown", &TABLE_COLUMNS.to_string()),
                ("total", &total.to_string()),
            ],
        ));
    }
    if history.more {
        notes.push(PatientMsg::HistoryOlderCut.fill(
            lang,
            &[("count", &lis_core::store::HISTORY_LIMIT.to_string())],
        ));
    }
    let today = now.to_zoned(tz.clone()).date();
    PatientPage {
        name: patient.name.clone(),
        his_id: patient.his_id.clone(),
        sex: sex_msg(patient.sex).text(lang),
        birth: patient
            .birth_date
            .map_or_else(|| "—".to_owned(), |d| d.strftime("%d/%m/%Y").to_string()),
        age: patient
            .birth_date
            .and_then(|b| dates::age(b, today, lang))
            .unwrap_or_else(|| "—".to_owned()),
        layout,
        columns,
        rows,
        notes,
        charts,
    }
}

#[cfg(test)]
mod tests;
