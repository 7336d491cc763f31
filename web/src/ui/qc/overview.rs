//! `GET /qc`: every instrument and test with QC, its state in words (a rejected state first,
//! in red with a cross and the words "results held"), the run that set it, when and why, the
//! lots in use and a chart link per level; for supervisors the override form of a rejected
//! state and the patient results to re-check; the QC results kept but not evaluated.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use lis_core::config::LabConfig;
use lis_core::model::{QcOverviewRow, QcRecheck, QcRunId, QcUnresolvedPoint, QcVerdict};
use lis_core::permissions::Permission;
use lis_core::presentation::qc_reason::FiredRule;
use serde::Deserialize;

use super::texts::{reason_in, rule_meanings};
use super::{chart_url, resolution_msg, verdict_badge, QcMsg, QcUrls};
use crate::state::AppState;
use crate::ui::dates;
use crate::ui::error_page::PageError;
use crate::ui::flags::state_msg;
use crate::ui::i18n::{Lang, Msg, Text};
use crate::ui::layout::{Layout, Nav, Notice, NoticeKind};
use crate::ui::monitor::on_store;
use crate::ui::session::CurrentUser;
use crate::ui::urls;

/// One instrument and test, in the page's words.
#[derive(Debug, Clone)]
pub struct StateRow {
    /// The instrument's id.
    pub instrument: String,
    /// The test's code.
    pub test_code: String,
    /// The test's code and name.
    pub test: String,
    /// The state in words.
    pub state: &'static str,
    /// Its CSS class.
    pub class: &'static str,
    /// Its symbol.
    pub symbol: &'static str,
    /// Whether patient results are held now (rejected, not overridden).
    pub holds: bool,
    /// "Run 12", or empty before any run.
    pub run: String,
    /// The run's id, for the override form.
    pub run_id: i64,
    /// When the state was set.
    pub when: String,
    /// Why, in words.
    pub reason: String,
    /// What each rule named in the reason means, in words (`1-3s: one control value beyond
    /// 3 SD of its target mean`).
    pub meanings: Vec<String>,
    /// The override in force, in words.
    pub overridden: Option<String>,
    /// The lots in use, in words.
    pub lots: Vec<String>,
    /// One chart link per level: (href, "Level 1").
    pub charts: Vec<(String, String)>,
    /// Patient results flagged for re-check.
    pub rechecks: u64,
}

/// A patient result to re-check, in the page's words.
#[derive(Debug, Clone)]
pub struct RecheckRow {
    /// The result's id (the form's value).
    pub result_id: i64,
    /// The rejected run (the form's value).
    pub run_id: i64,
    /// The specimen.
    pub specimen: String,
    /// Its page.
    pub href: String,
    /// Test and instrument.
    pub test: String,
    /// The value.
    pub value: String,
    /// The result's state in words.
    pub state: &'static str,
    /// When it arrived.
    pub arrived: String,
    /// "Run 12: 1-3s ..."
    pub run: String,
    /// The recorded check, when done.
    pub checked: Option<String>,
}

/// A QC result kept but not evaluated.
#[derive(Debug, Clone)]
pub struct UnresolvedRow {
    /// When.
    pub when: String,
    /// The instrument.
    pub instrument: String,
    /// The test (LIS code, else the instrument's).
    pub test: String,
    /// The control id.
    pub control: String,
    /// Lot and level as known.
    pub lot: String,
    /// The level.
    pub level: String,
    /// The value.
    pub value: String,
    /// Why it was not evaluated.
    pub why: &'static str,
}

/// `GET /qc`.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "qc.html")]
pub struct QcPage {
    /// The frame.
    pub layout: Layout,
    /// One row per instrument and test, rejected first.
    pub rows: Vec<StateRow>,
    /// How many hold results.
    pub held: usize,
    /// How many are rejected but overridden.
    pub overridden: usize,
    /// How many have a warning.
    pub warnings: usize,
    /// Whether the user may override, re-check and edit targets.
    pub may_manage: bool,
    /// Whether the user may enter QC by hand.
    pub may_enter: bool,
    /// The patient results to re-check (supervisors).
    pub rechecks: Vec<RecheckRow>,
    /// The QC results kept but not evaluated.
    pub unresolved: Vec<UnresolvedRow>,
}

impl QcPage {
    /// A text of the QC catalog.
    pub fn m(&self, msg: QcMsg) -> &'static str {
        msg.text(self.layout.lang)
    }

    /// A count headline.
    pub fn headline(&self, msg: QcMsg, count: &usize) -> String {
        msg.fill(self.layout.lang, &[("count", &count.to_string())])
    }
}

/// The page's query: the notice of an action that redirected here.
#[derive(Debug, Default, Deserialize)]
pub struct QcParams {
    #[serde(default)]
    done: String,
    #[serde(default)]
    instrument: String,
    #[serde(default)]
    test: String,
}

/// `GET /qc`.
pub async fn qc_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Query(params): Query<QcParams>,
) -> Result<QcPage, PageError> {
    current.require(Permission::ReadQc)?;
    let may_manage = current.may(Permission::ManageQc);
    let store = Arc::clone(&state.store);
    let (overview, rechecks, unresolved) = on_store(&current, move || {
        let rechecks = if may_manage {
            store.qc_recheck(None, None, false)?
        } else {
            Vec::new()
        };
        let overview = store.qc_overview()?;
        // The parts of each judged state's reason, to write it in the reader's language.
        let mut fired = HashMap::new();
        for s in overview.iter().filter_map(|r| r.standing.as_ref()) {
            if s.verdict != QcVerdict::Accepted {
                fired.insert(s.run_id, store.qc_fired_rules(s.run_id)?);
            }
        }
        Ok(((overview, fired), rechecks, store.qc_unresolved()?))
    })
    .await?;
    let (overview, fired) = overview;
    let lang = current.lang;
    let tz = state.config.time_zone();
    let mut rows: Vec<StateRow> = overview
        .iter()
        .map(|r| state_row(r, &fired, &state.config, lang, tz))
        .collect();
    rows.sort_by_key(|r| (rank(r), r.instrument.clone(), r.test_code.clone()));
    let count = |f: &dyn Fn(&StateRow) -> bool| rows.iter().filter(|r| f(r)).count();
    let held = count(&|r| r.holds);
    let overridden = count(&|r| r.overridden.is_some());
    let warnings = count(&|r| r.class.contains("warn"));
    let mut layout = current.layout(Nav::Qc);
    layout.notice = notice(&params, lang);
    Ok(QcPage {
        layout,
        rows,
        held,
        overridden,
        warnings,
        may_manage,
        may_enter: current.may(Permission::EnterQc),
        rechecks: rechecks.iter().map(|r| recheck_row(r, lang, tz)).collect(),
        unresolved: unresolved
            .iter()
            .map(|u| unresolved_row(u, lang, tz))
            .collect(),
    })
}

/// Rejected and holding first, then overridden, warnings, no QC, accepted.
fn rank(row: &StateRow) -> u8 {
    if row.holds {
        0
    } else if row.overridden.is_some() {
        1
    } else if row.class.contains("warn") {
        2
    } else if row.run.is_empty() {
        3
    } else {
        4
    }
}

/// The notice after an override or a re-check.
fn notice(params: &QcParams, lang: Lang) -> Option<Notice> {
    let args = [
        ("instrument", params.instrument.as_str()),
        ("test", params.test.as_str()),
    ];
    let text = match params.done.as_str() {
        "override" => QcMsg::OverrideDone.fill(lang, &args),
        "recheck" => QcMsg::RecheckRecorded.text(lang).to_owned(),
        _ => return None,
    };
    Some(Notice {
        kind: NoticeKind::Done,
        text,
    })
}

/// A test's code and name in the page's language.
pub fn test_words(config: &LabConfig, code: &str, lang: Lang) -> String {
    match (config.test(code), lang) {
        (Some(t), Lang::Vi) => format!("{code} · {}", t.name_vi),
        (Some(t), Lang::En) => format!("{code} · {}", t.name_en),
        (None, _) => code.to_owned(),
    }
}

fn state_row(
    r: &QcOverviewRow,
    fired: &HashMap<QcRunId, Vec<FiredRule>>,
    config: &LabConfig,
    lang: Lang,
    tz: &jiff::tz::TimeZone,
) -> StateRow {
    let standing = r.standing.as_ref();
    let overridden = standing.and_then(|s| s.override_record.as_ref());
    let (msg, class, symbol) = verdict_badge(standing.map(|s| s.verdict), overridden.is_some());
    let mut levels: Vec<&str> = r
        .lots
        .iter()
        .flat_map(|l| l.levels.iter().map(String::as_str))
        .collect();
    levels.sort_unstable();
    levels.dedup();
    StateRow {
        instrument: r.instrument.clone(),
        test_code: r.test_code.clone(),
        test: test_words(config, &r.test_code, lang),
        state: msg.text(lang),
        class,
        symbol,
        holds: standing.is_some_and(|s| s.holds()),
        run: standing.map_or_else(String::new, |s| {
            QcMsg::RunNumber.fill(lang, &[("run", &s.run_id.to_string())])
        }),
        run_id: standing.map_or(0, |s| s.run_id),
        when: standing.map_or_else(String::new, |s| dates::date_time(s.since, tz)),
        reason: standing
            .filter(|s| s.verdict != QcVerdict::Accepted)
            .map_or_else(String::new, |s| reason_in(s, fired.get(&s.run_id), lang)),
        meanings: standing
            .filter(|s| s.verdict != QcVerdict::Accepted)
            .map_or_else(Vec::new, |s| rule_meanings(&s.reason, lang)),
        overridden: overridden.map(|o| {
            QcMsg::OverriddenBy.fill(
                lang,
                &[
                    ("who", &o.by.display_name),
                    ("when", &dates::date_time(o.at, tz)),
                    ("reason", &o.reason),
                ],
            )
        }),
        lots: r
            .lots
            .iter()
            .map(|l| {
                QcMsg::LotExpires.fill(
                    lang,
                    &[
                        ("material", &l.material),
                        ("lot", &l.lot),
                        ("expires", &l.expires),
                    ],
                )
            })
            .collect(),
        charts: levels
            .iter()
            .map(|level| {
                (
                    chart_url(&r.instrument, &r.test_code, level, None),
                    QcMsg::LevelLink.fill(lang, &[("level", level)]),
                )
            })
            .collect(),
        rechecks: r.rechecks,
    }
}

fn recheck_row(r: &QcRecheck, lang: Lang, tz: &jiff::tz::TimeZone) -> RecheckRow {
    RecheckRow {
        result_id: r.result_id,
        run_id: r.run_id,
        specimen: r.specimen_id.clone(),
        href: urls::specimen(&r.specimen_id),
        test: format!("{} · {}", r.test_code, r.instrument),
        value: r.value.clone(),
        state: state_msg(r.state).text(lang),
        arrived: dates::date_time(r.received_at, tz),
        run: format!(
            "{}: {}",
            QcMsg::RunNumber.fill(lang, &[("run", &r.run_id.to_string())]),
            r.reason
        ),
        checked: r.checked.as_ref().map(|c| {
            format!(
                "{} · {} · {}",
                c.by.display_name,
                dates::date_time(c.at, tz),
                c.note
            )
        }),
    }
}

fn unresolved_row(u: &QcUnresolvedPoint, lang: Lang, tz: &jiff::tz::TimeZone) -> UnresolvedRow {
    let dash = || QcMsg::Dash.text(lang).to_owned();
    UnresolvedRow {
        when: dates::date_time(u.at, tz),
        instrument: u.instrument.clone(),
        test: u
            .test_code
            .clone()
            .unwrap_or_else(|| u.instrument_test_code.clone()),
        control: u.control_id.clone(),
        lot: u.lot.clone().unwrap_or_else(dash),
        level: u.level.clone().unwrap_or_else(dash),
        value: u.value.clone(),
        why: resolution_msg(u.resolution).text(lang),
    }
}

/// Where the override and re-check forms post.
pub fn override_url() -> &'static str {
    QcUrls::Override.as_str()
}
