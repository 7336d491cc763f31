//! `GET`/`POST /qc/enter`: a QC value typed by a technician for an analyzer without a link.
//! The form offers only the instrument and test pairs, levels and lots the lab configured; core
//! stores and evaluates the value in its run (`Store::enter_qc`, audited) and the redirect
//! (Post/Redirect/Get) carries the outcome as codes, shown once as a notice: the run accepted,
//! accepted with a warning, rejected (a problem notice: the test's patient results are held),
//! or kept without evaluation and why.

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use lis_core::config::LabConfig;
use lis_core::model::{NewQcEntry, QcResolution};
use lis_core::permissions::Permission;
use serde::Deserialize;

use super::chart_page::{levels_of, lots_of};
use super::overview::test_words;
use super::{chart_url, field, resolution_msg, QcMsg, QcUrls};
use crate::state::AppState;
use crate::ui::csrf::CsrfForm;
use crate::ui::error_page::PageError;
use crate::ui::i18n::{Lang, Msg, Text};
use crate::ui::layout::{Layout, Nav, Notice, NoticeKind};
use crate::ui::monitor::on_store;
use crate::ui::session::CurrentUser;
use crate::ui::worklist::Choice;

/// The separator of an instrument and a test in the form's pair value; a space cannot be part of
/// an instrument id or a test code of the lab config.
const PAIR: char = ' ';

/// `GET /qc/enter`.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "qc_enter.html")]
pub struct QcEnterPage {
    /// The frame (with the notice of the last entry).
    pub layout: Layout,
    /// The instrument and test pairs with QC.
    pub pairs: Vec<Choice>,
    /// The levels any of them has.
    pub levels: Vec<Choice>,
    /// The lots (the first is "the lot in use").
    pub lots: Vec<Choice>,
    /// The chart of the last entry, to look at at once.
    pub chart_link: Option<String>,
}

impl QcEnterPage {
    /// A text of the QC catalog.
    pub fn m(&self, msg: QcMsg) -> &'static str {
        msg.text(self.layout.lang)
    }
}

/// The redirect's query: what was stored and how it was judged.
#[derive(Debug, Default, Deserialize)]
pub struct EnteredParams {
    #[serde(default)]
    instrument: String,
    #[serde(default)]
    test: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    value: String,
    /// `accepted`, `warning`, `rejected`, or a resolution code (`no_target`...).
    #[serde(default)]
    outcome: String,
}

/// The pairs `(instrument, test)` with QC, as the form's values.
fn pairs(config: &LabConfig) -> Vec<(String, String)> {
    config
        .qc
        .instrument_tests()
        .into_iter()
        .map(|(i, t)| (i.to_owned(), t.to_owned()))
        .collect()
}

/// `GET /qc/enter`.
pub async fn qc_enter_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Query(params): Query<EnteredParams>,
) -> Result<QcEnterPage, PageError> {
    current.require(Permission::EnterQc)?;
    let lang = current.lang;
    let config = &state.config;
    let last = (params.instrument.clone(), params.test.clone());
    let choices: Vec<Choice> = pairs(config)
        .into_iter()
        .map(|(i, t)| Choice {
            value: format!("{i}{PAIR}{t}"),
            label: format!("{i} · {}", test_words(config, &t, lang)),
            selected: (i.as_str(), t.as_str()) == (last.0.as_str(), last.1.as_str()),
        })
        .collect();
    let mut levels: Vec<u8> = pairs(config)
        .iter()
        .flat_map(|(i, t)| levels_of(config, i, t))
        .collect();
    levels.sort_unstable();
    levels.dedup();
    let mut lots: Vec<String> = pairs(config)
        .iter()
        .flat_map(|(i, t)| {
            levels
                .iter()
                .flat_map(|l| lots_of(config, i, t, &l.to_string()))
                .collect::<Vec<_>>()
        })
        .collect();
    lots.sort();
    lots.dedup();
    let mut lot_choices = vec![Choice {
        value: String::new(),
        label: QcMsg::FieldLot.text(lang).to_owned(),
        selected: true,
    }];
    lot_choices.extend(lots.into_iter().map(|l| Choice {
        value: l.clone(),
        label: l,
        selected: false,
    }));
    let mut layout = current.layout(Nav::Qc);
    layout.notice = entered_notice(&params, lang);
    let chart_link = layout
        .notice
        .as_ref()
        .map(|_| chart_url(&params.instrument, &params.test, &params.level, None));
    Ok(QcEnterPage {
        layout,
        pairs: choices,
        levels: levels
            .iter()
            .map(|l| Choice {
                value: l.to_string(),
                label: QcMsg::LevelLink.fill(lang, &[("level", &l.to_string())]),
                selected: l.to_string() == params.level,
            })
            .collect(),
        lots: lot_choices,
        chart_link,
    })
}

/// The notice of the entry that redirected here.
fn entered_notice(p: &EnteredParams, lang: Lang) -> Option<Notice> {
    let args = [
        ("instrument", p.instrument.as_str()),
        ("test", p.test.as_str()),
        ("level", p.level.as_str()),
        ("value", p.value.as_str()),
    ];
    let (kind, text) = match p.outcome.as_str() {
        "" => return None,
        "accepted" => (NoticeKind::Done, QcMsg::EnteredAccepted.fill(lang, &args)),
        "warning" => (NoticeKind::Done, QcMsg::EnteredWarning.fill(lang, &args)),
        "rejected" => (
            NoticeKind::Problem,
            QcMsg::EnteredRejected.fill(lang, &args),
        ),
        "resolved" => (NoticeKind::Done, QcMsg::EnteredStored.fill(lang, &args)),
        code => {
            let resolution = QcResolution::parse(code)?;
            let why = resolution_msg(resolution).text(lang);
            let mut all = args.to_vec();
            all.push(("why", why));
            (
                NoticeKind::Problem,
                QcMsg::EnteredUnresolved.fill(lang, &all),
            )
        }
    };
    Some(Notice { kind, text })
}

/// A moment typed as `dd/mm/yyyy HH:mm` (or `yyyy-mm-ddTHH:mm`) in the lab's time zone.
pub fn parse_moment(text: &str, tz: &TimeZone) -> Option<Timestamp> {
    let text = text.trim();
    let civil = DateTime::strptime("%d/%m/%Y %H:%M", text)
        .or_else(|_| DateTime::strptime("%Y-%m-%dT%H:%M", text))
        .ok()?;
    civil.to_zoned(tz.clone()).ok().map(|z| z.timestamp())
}

/// `POST /qc/enter` (`pair`, `level`, `lot`, `value`, `at`): stores the value; 303 back to the
/// form with the outcome.
pub async fn qc_enter_post(
    current: CurrentUser,
    State(state): State<AppState>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    current.require(Permission::EnterQc)?;
    let lang = current.lang;
    let config = &state.config;
    let bad = |msg: QcMsg, field_name: &str, value: &str| -> PageError {
        current
            .error_message(
                StatusCode::BAD_REQUEST,
                msg.fill(lang, &[("field", field_name), ("value", value)]),
            )
            .into()
    };
    let pair = field(&form, "pair");
    let Some((instrument, test)) = pairs(config)
        .into_iter()
        .find(|(i, t)| format!("{i}{PAIR}{t}") == pair)
    else {
        return Err(bad(QcMsg::BadChoice, "pair", pair));
    };
    let level = field(&form, "level");
    if !levels_of(config, &instrument, &test)
        .iter()
        .any(|l| l.to_string() == level)
    {
        return Err(bad(QcMsg::BadChoice, "level", level));
    }
    let lot = field(&form, "lot");
    if !lot.is_empty()
        && !lots_of(config, &instrument, &test, level)
            .iter()
            .any(|l| l == lot)
    {
        return Err(bad(QcMsg::BadChoice, "lot", lot));
    }
    let value = field(&form, "value");
    if value.is_empty() {
        return Err(bad(QcMsg::Required, "value", value));
    }
    if value
        .replace(',', ".")
        .parse::<f64>()
        .map_or(true, |v| !v.is_finite())
    {
        return Err(bad(QcMsg::BadNumber, "value", value));
    }
    let at_text = field(&form, "at");
    let at = if at_text.is_empty() {
        Timestamp::now()
    } else {
        parse_moment(at_text, config.time_zone())
            .ok_or_else(|| bad(QcMsg::BadTime, "at", at_text))?
    };
    let entry = NewQcEntry {
        instrument: instrument.clone(),
        test_code: test.clone(),
        level: level.to_owned(),
        lot: Some(lot.to_owned()).filter(|l| !l.is_empty()),
        value: value.replace(',', "."),
        at,
    };
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    let stored = on_store(&current, move || store.enter_qc(&entry, &actor)).await?;
    let outcome = match (stored.resolution, stored.verdict) {
        (QcResolution::Resolved, Some(v)) => v.as_str(),
        // Stored and resolved but judged by no run (the store always judges a resolved point;
        // the notice then says only that it was stored).
        (QcResolution::Resolved, None) => QcResolution::Resolved.as_str(),
        (other, _) => other.as_str(),
    };
    let query = serde_urlencoded::to_string([
        ("instrument", instrument.as_str()),
        ("test", test.as_str()),
        ("level", level),
        ("value", value),
        ("outcome", outcome),
    ])
    .unwrap_or_default();
    Ok(Redirect::to(&format!("{}?{query}", QcUrls::Enter)).into_response())
}
