//! The targets of the QC lots (`/qc/targets`, [`Permission::ManageQc`]): the mean and SD in
//! force per instrument, test, lot and level with where they come from (the configuration, a
//! supervisor's edit, the lab's own statistics) and the lot's accepted points so far; a form per
//! row for a new mean and SD (reason required) and, from 20 accepted points, the switch to the
//! lab's own statistics. Core checks and audits both (`Store::set_qc_target`,
//! `Store::use_lab_qc_statistics`).

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lis_core::model::{QcLotTarget, QcTargetEdit, QcTargetSource};
use lis_core::permissions::Permission;
use serde::Deserialize;

use super::overview::test_words;
use super::{chart_url, field, QcMsg, QcUrls};
use crate::state::AppState;
use crate::ui::csrf::CsrfForm;
use crate::ui::dates;
use crate::ui::error_page::PageError;
use crate::ui::i18n::{Lang, Msg, Text};
use crate::ui::layout::{Layout, Nav, Notice, NoticeKind};
use crate::ui::monitor::on_store;
use crate::ui::session::CurrentUser;

/// Accepted points a lot and level needs before it may switch to the lab's own mean and SD.
pub const LAB_STATISTICS_POINTS: usize = 20;

/// One target in force, in the page's words.
#[derive(Debug, Clone)]
pub struct TargetRow {
    /// The instrument.
    pub instrument: String,
    /// The test's code (the form's value).
    pub test_code: String,
    /// The test's code and name.
    pub test: String,
    /// The material.
    pub material: String,
    /// The lot.
    pub lot: String,
    /// Its expiry.
    pub expires: String,
    /// The level.
    pub level: String,
    /// The mean as stored.
    pub mean: String,
    /// The SD as stored.
    pub sd: String,
    /// Where it comes from, in words.
    pub source: String,
    /// Accepted points so far.
    pub accepted_points: usize,
    /// Whether the lab's own statistics may be used now.
    pub may_use_lab: bool,
    /// "needs 20 accepted points (7 so far)".
    pub lab_not_yet: String,
    /// The chart of this lot and level.
    pub chart: String,
}

/// `GET /qc/targets`.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "qc_targets.html")]
pub struct QcTargetsPage {
    /// The frame.
    pub layout: Layout,
    /// The targets in force.
    pub rows: Vec<TargetRow>,
}

impl QcTargetsPage {
    /// A text of the QC catalog.
    pub fn m(&self, msg: QcMsg) -> &'static str {
        msg.text(self.layout.lang)
    }
}

/// The notice after a change.
#[derive(Debug, Default, Deserialize)]
pub struct TargetsParams {
    #[serde(default)]
    done: String,
    #[serde(default)]
    instrument: String,
    #[serde(default)]
    test: String,
    #[serde(default)]
    lot: String,
    #[serde(default)]
    level: String,
}

/// `GET /qc/targets`.
pub async fn qc_targets_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Query(params): Query<TargetsParams>,
) -> Result<QcTargetsPage, PageError> {
    current.require(Permission::ManageQc)?;
    let store = Arc::clone(&state.store);
    let targets = on_store(&current, move || store.qc_targets(None, None)).await?;
    let lang = current.lang;
    let rows = targets
        .iter()
        .map(|t| target_row(t, &state, lang))
        .collect();
    let mut layout = current.layout(Nav::Qc);
    let args = [
        ("instrument", params.instrument.as_str()),
        ("test", params.test.as_str()),
        ("lot", params.lot.as_str()),
        ("level", params.level.as_str()),
    ];
    layout.notice = match params.done.as_str() {
        "target" => Some(QcMsg::TargetSaved.fill(lang, &args)),
        "lab" => Some(QcMsg::LabStatsUsed.fill(lang, &args)),
        _ => None,
    }
    .map(|text| Notice {
        kind: NoticeKind::Done,
        text,
    });
    Ok(QcTargetsPage { layout, rows })
}

fn target_row(t: &QcLotTarget, state: &AppState, lang: Lang) -> TargetRow {
    let tz = state.config.time_zone();
    let decimals = state
        .config
        .test(&t.test_code)
        .map_or(2, |d| usize::from(d.decimals));
    let source = match &t.source {
        QcTargetSource::Config => QcMsg::SourceConfig.text(lang).to_owned(),
        QcTargetSource::Edited { by, at, reason } => QcMsg::SourceEdited.fill(
            lang,
            &[
                ("who", &by.display_name),
                ("when", &dates::date_time(*at, tz)),
                ("reason", reason),
            ],
        ),
        QcTargetSource::LabStatistics { by, at, points } => QcMsg::SourceLab.fill(
            lang,
            &[
                ("points", &points.to_string()),
                ("who", &by.display_name),
                ("when", &dates::date_time(*at, tz)),
            ],
        ),
    };
    TargetRow {
        instrument: t.instrument.clone(),
        test_code: t.test_code.clone(),
        test: test_words(&state.config, &t.test_code, lang),
        material: t.material.clone(),
        lot: t.lot.clone(),
        expires: t.expires.clone(),
        level: t.level.clone(),
        mean: format!("{:.*}", decimals + 1, t.mean),
        sd: format!("{:.*}", decimals + 1, t.sd),
        source,
        accepted_points: t.accepted_points,
        may_use_lab: t.accepted_points >= LAB_STATISTICS_POINTS,
        lab_not_yet: QcMsg::LabStatsNotYet
            .fill(lang, &[("points", &t.accepted_points.to_string())]),
        chart: chart_url(&t.instrument, &t.test_code, &t.level, Some(&t.lot)),
    }
}

/// The lot, level, test and instrument a target form names.
struct TargetKey {
    instrument: String,
    test: String,
    material: String,
    lot: String,
    level: String,
}

fn key(form: &[(String, String)]) -> TargetKey {
    TargetKey {
        instrument: field(form, "instrument").to_owned(),
        test: field(form, "test").to_owned(),
        material: field(form, "material").to_owned(),
        lot: field(form, "lot").to_owned(),
        level: field(form, "level").to_owned(),
    }
}

/// 303 to the targets page with the notice `done`.
fn back(done: &str, k: &TargetKey) -> Response {
    let query = serde_urlencoded::to_string([
        ("done", done),
        ("instrument", k.instrument.as_str()),
        ("test", k.test.as_str()),
        ("lot", k.lot.as_str()),
        ("level", k.level.as_str()),
    ])
    .unwrap_or_default();
    Redirect::to(&format!("{}?{query}", QcUrls::Targets)).into_response()
}

/// `POST /qc/targets` (`instrument`, `test`, `material`, `lot`, `level`, `mean`, `sd`,
/// `reason`): a new target.
pub async fn qc_targets_post(
    current: CurrentUser,
    State(state): State<AppState>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    current.require(Permission::ManageQc)?;
    let lang = current.lang;
    let number = |name: &str| -> Result<f64, PageError> {
        let text = field(&form, name);
        text.replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| {
                current
                    .error_message(
                        StatusCode::BAD_REQUEST,
                        QcMsg::BadNumber.fill(lang, &[("field", name), ("value", text)]),
                    )
                    .into()
            })
    };
    let (mean, sd) = (number("mean")?, number("sd")?);
    let reason = field(&form, "reason").to_owned();
    if reason.is_empty() {
        return Err(current
            .error_page(StatusCode::BAD_REQUEST, Msg::ErrorReasonRequired)
            .into());
    }
    let k = key(&form);
    let edit = QcTargetEdit {
        instrument: k.instrument.clone(),
        test_code: k.test.clone(),
        material: k.material.clone(),
        lot: k.lot.clone(),
        level: k.level.clone(),
        mean,
        sd,
        reason,
    };
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    on_store(&current, move || store.set_qc_target(&edit, &actor)).await?;
    Ok(back("target", &k))
}

/// `POST /qc/targets/lab` (`instrument`, `test`, `material`, `lot`, `level`): the lot and level
/// switch to the lab's own mean and SD of their accepted points (core refuses below 20).
pub async fn qc_targets_lab_post(
    current: CurrentUser,
    State(state): State<AppState>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    current.require(Permission::ManageQc)?;
    let k = key(&form);
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    let (i, t, m, l, lv) = (
        k.instrument.clone(),
        k.test.clone(),
        k.material.clone(),
        k.lot.clone(),
        k.level.clone(),
    );
    on_store(&current, move || {
        store.use_lab_statistics(&i, &t, &m, &l, &lv, &actor)
    })
    .await?;
    Ok(back("lab", &k))
}
