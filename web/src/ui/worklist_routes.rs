//! The worklist's handlers: the page (`GET /`), its rows for the live refresh
//! (`GET /worklist/rows`), the change stream (`GET /worklist/events`) and the "all clear" actions
//! (`POST /worklist/verify-clear`, `/worklist/release-clear`).
//!
//! The filter is the URL's query (`section`, `instrument`, `priority`, `state`, `date`, `after`,
//! `per_page` up to 500 rows);
//! the rows are core's worklist page as it returns them (STAT first, then oldest received). The
//! change stream sends one unnamed event with `id:` the audit sequence number whenever a commit
//! moves it past what the stream last sent; the page then fetches the rows again.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use futures_util::stream::{self, Stream};
use jiff::civil::Date;
use jiff::Timestamp;
use lis_core::config::Section;
use lis_core::model::{
    Age, Priority, ReasonCode, ReviewScope, WaitingState, WorklistCursor, WorklistFilter,
    WorklistQuery,
};
use lis_core::permissions::Permission;
use lis_core::validation::Flag;
use lis_core::StoreError;
use serde::{Deserialize, Serialize};

use super::csrf::CsrfForm;
use super::dates;
use super::error_page::PageError;
use super::flags::{sex_msg, FlagBadge};
use super::i18n::{Lang, Msg, Text};
use super::layout::{Nav, Notice, NoticeKind};
use super::qc::markers::QcRejections;
use super::result_texts::section_msg;
use super::session::CurrentUser;
use super::urls::Urls;
use super::worklist::{
    Choice, WorklistFilters, WorklistPage, WorklistRow, WorklistRowsFragment, WorklistTable,
    PAGE_SIZE,
};
use crate::error::AppError;
use crate::request::blocking;
use crate::state::AppState;

/// The worklist's bounded routes (the page, its rows and the two "all clear" actions); the
/// change stream is [`live_routes`], merged outside the request timeout.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(Urls::Worklist.as_str(), get(worklist_get))
        .route(Urls::WorklistRows.as_str(), get(worklist_rows_get))
        .route(Urls::WorklistVerifyClear.as_str(), post(verify_clear_post))
        .route(
            Urls::WorklistReleaseClear.as_str(),
            post(release_clear_post),
        )
}

/// The change stream (`GET /worklist/events`), which stays open: [`crate::app::app_with`]
/// merges it beside the routes under the request timeout.
pub fn live_routes() -> Router<AppState> {
    Router::new().route(Urls::WorklistEvents.as_str(), get(worklist_events_get))
}

/// How often an idle stream sends a comment, so proxies and the browser keep it open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The worklist's query string: the filter, the page cursor, and the counts of the last "all
/// clear" action (shown once as a notice).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct WorklistParams {
    #[serde(default)]
    section: String,
    #[serde(default)]
    instrument: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    after: String,
    /// Rows per page (1 to [`WorklistQuery::MAX_LIMIT`]; [`PAGE_SIZE`] when absent).
    #[serde(default)]
    per_page: String,
    #[serde(default)]
    done: String,
    #[serde(default)]
    acted: String,
    #[serde(default)]
    skipped: String,
}

/// The filter part of the query, as the page's links and forms repeat it.
#[derive(Debug, Serialize)]
struct FilterQuery<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    section: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    instrument: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    priority: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    state: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    date: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    per_page: &'a str,
}

impl WorklistParams {
    fn filter_query(&self) -> String {
        serde_urlencoded::to_string(FilterQuery {
            section: self.section.trim(),
            instrument: self.instrument.trim(),
            priority: self.priority.trim(),
            state: self.state.trim(),
            date: self.date.trim(),
            per_page: self.per_page.trim(),
        })
        // Serializing a struct of strings to a query cannot fail.
        .unwrap_or_default()
    }

    fn section(&self) -> Result<Option<Section>, String> {
        let s = self.section.trim();
        if s.is_empty() {
            return Ok(None);
        }
        Section::parse(s)
            .map(Some)
            .ok_or_else(|| format!("section {s:?} is not a section of the catalog"))
    }

    /// Core's query for these parameters, or what is wrong with them (naming the field).
    fn query(&self, state: &AppState) -> Result<WorklistQuery, String> {
        let mut filter = WorklistFilter {
            section: self.section()?,
            ..WorklistFilter::default()
        };
        let instrument = self.instrument.trim();
        if !instrument.is_empty() {
            filter.instrument = Some(instrument.to_owned());
        }
        filter.priority = match self.priority.trim() {
            "" => None,
            "stat" => Some(Priority::Stat),
            "routine" => Some(Priority::Routine),
            other => return Err(format!("priority {other:?} is not stat or routine")),
        };
        filter.state = match self.state.trim() {
            "" => None,
            other => Some(
                WaitingState::parse(other)
                    .ok_or_else(|| format!("state {other:?} is not pending_review or verified"))?,
            ),
        };
        let day = self.date.trim();
        if !day.is_empty() {
            let date = parse_day(day)?;
            filter = filter
                .received_on(date, state.config.time_zone())
                .map_err(|e| format!("date: {e}"))?;
        }
        let after = match self.after.trim() {
            "" => None,
            token => Some(WorklistCursor::from_token(token).map_err(|e| format!("after: {e}"))?),
        };
        let limit = match self.per_page.trim() {
            "" => PAGE_SIZE,
            n => n
                .parse()
                .ok()
                .filter(|n| (1..=WorklistQuery::MAX_LIMIT).contains(n))
                .ok_or_else(|| {
                    format!(
                        "per_page {n:?} is not a number of rows from 1 to {}",
                        WorklistQuery::MAX_LIMIT
                    )
                })?,
        };
        Ok(WorklistQuery {
            filter,
            after,
            limit,
        })
    }

    /// The notice of an "all clear" action that redirected here.
    fn notice(&self, lang: Lang) -> Option<Notice> {
        let msg = match self.done.as_str() {
            "verified" => Msg::NoticeVerified,
            "released" => Msg::NoticeReleased,
            _ => return None,
        };
        let acted: u64 = self.acted.parse().ok()?;
        let skipped: u64 = self.skipped.parse().unwrap_or(0);
        let mut text = msg.fill(lang, &[("count", &acted.to_string())]);
        if skipped > 0 {
            text.push(' ');
            text.push_str(&Msg::NoticeLeftForReview.fill(lang, &[("count", &skipped.to_string())]));
        }
        Some(Notice {
            kind: NoticeKind::Done,
            text,
        })
    }
}

/// A day as `yyyy-mm-dd` (an `<input type=date>`) or `dd/mm/yyyy` (as the lab writes it).
pub(crate) fn parse_day(text: &str) -> Result<Date, String> {
    let bad = || format!("date {text:?} is not yyyy-mm-dd or dd/mm/yyyy");
    if let Ok(date) = text.parse::<Date>() {
        return Ok(date);
    }
    let mut parts = text.split('/');
    let (Some(d), Some(m), Some(y), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let (d, m, y): (i8, i8, i16) = (
        d.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        y.parse().map_err(|_| bad())?,
    );
    Date::new(y, m, d).map_err(|_| bad())
}

/// The rows of one worklist page in the user's language, and the next page's cursor.
async fn load(
    current: &CurrentUser,
    state: &AppState,
    params: &WorklistParams,
) -> Result<(WorklistTable, Option<WorklistCursor>), PageError> {
    let query = params
        .query(state)
        .map_err(|detail| bad_request(current, &detail))?;
    let filtered = query.filter != WorklistFilter::default();
    let store = Arc::clone(&state.store);
    let (page, rejections) = on_store(current, move || {
        Ok((store.worklist(&query)?, store.qc_rejections()?))
    })
    .await?;
    let rejections = QcRejections::new(rejections);
    let now = Timestamp::now();
    let tz = state.config.time_zone();
    let lang = current.lang;
    let rows = page
        .rows
        .iter()
        .map(|row| {
            let sex = sex_msg(row.sex).text(lang);
            let sex_age = match row.age.and_then(|age| age_words(age, lang)) {
                Some(age) => format!("{sex}, {age}"),
                None => sex.to_owned(),
            };
            let held = row
                .reasons
                .iter()
                .any(|r| r.code != ReasonCode::AutoverificationOff);
            let critical_waiting = row
                .critical
                .then(|| dates::waited(row.critical_since.unwrap_or(row.received_at), now, lang));
            WorklistRow {
                specimen_id: row.barcode.clone(),
                patient_name: row.patient_name.clone(),
                sex_age,
                department: row.department.clone(),
                stat: row.priority == Priority::Stat,
                waiting: row.pending_review + row.verified,
                reasons: row
                    .reasons
                    .iter()
                    .map(|r| reason_badge(r.code, lang))
                    .collect(),
                held,
                // A QC check failed and the QC of a test on one of its instruments is rejected
                // now: the tests and instruments in words.
                qc_held: if row.reasons.iter().any(|r| r.code == ReasonCode::Qc) {
                    rejections.held_on(&row.instruments, lang)
                } else {
                    Vec::new()
                },
                critical_waiting,
                received: dates::date_time(row.received_at, tz),
                since_received: dates::waited(row.received_at, now, lang),
                overdue: row.overdue(now),
            }
        })
        .collect();
    Ok((
        WorklistTable {
            lang,
            rows,
            filtered,
        },
        page.next,
    ))
}

/// An age as a lab writes it: days under one month, months under two years, then years.
fn age_words(age: Age, lang: Lang) -> Option<String> {
    if age.total_days < 0 {
        return None;
    }
    let months = age.years * 12 + age.months;
    let (msg, n) = if months < 1 {
        (Msg::AgeDays, age.total_days)
    } else if months < 24 {
        (Msg::AgeMonths, months)
    } else {
        (Msg::AgeYears, age.years)
    };
    Some(msg.fill(lang, &[("n", &n.to_string())]))
}

/// Why results wait, as a badge with a symbol and words (never colour alone). A reason that is
/// a flag of core's reads as that flag ([`FlagBadge::from_flag`]).
fn reason_badge(code: ReasonCode, lang: Lang) -> FlagBadge {
    let flag = match code {
        ReasonCode::ValuePresent => Some(Flag::Missing),
        ReasonCode::SpecimenAcceptable => Some(Flag::SpecimenRejected),
        ReasonCode::Delta => Some(Flag::Delta),
        ReasonCode::InstrumentFlags => Some(Flag::InstrumentFlag),
        ReasonCode::Qc => Some(Flag::QcFailed),
        _ => None,
    };
    if let Some(flag) = flag {
        return FlagBadge::from_flag(flag, lang);
    }
    let (class, symbol, msg) = match code {
        ReasonCode::Unit => ("flag flag-abn", "*", Msg::ReasonUnit),
        ReasonCode::MeasurementRange => ("flag flag-range", "<>", Msg::ReasonMeasurementRange),
        ReasonCode::ReferenceRange => ("flag flag-h", "↑↓", Msg::ReasonReferenceRange),
        ReasonCode::Critical => ("flag flag-hh", "‼", Msg::FlagCritical),
        ReasonCode::AutoverificationOff => ("flag flag-review", "✎", Msg::ReasonAutoverifyOff),
        ReasonCode::ReleasedVersionExists => {
            ("flag flag-abn", "↺", Msg::ReasonReleasedVersionExists)
        }
        _ => ("flag flag-abn", "?", Msg::ReasonOther),
    };
    FlagBadge {
        class,
        symbol,
        code: "",
        word: msg.text(lang),
    }
}

/// Runs a store call on the blocking pool; a failure is the error page in the user's frame
/// (a refusal by core's role check is 403).
async fn on_store<T: Send + 'static>(
    current: &CurrentUser,
    call: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, PageError> {
    match blocking(move || Ok::<_, AppError>(call())).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(StoreError::Forbidden { .. })) => Err(current
            .error_page(StatusCode::FORBIDDEN, Msg::ErrorForbidden)
            .into()),
        Ok(Err(e)) => Err(current.store_error(e).into()),
        // `blocking` logged the failure with its reference.
        Err(_) => Err(current
            .error_page(StatusCode::INTERNAL_SERVER_ERROR, Msg::ErrorInternal)
            .into()),
    }
}

fn bad_request(current: &CurrentUser, detail: &str) -> PageError {
    current
        .error_message(
            StatusCode::BAD_REQUEST,
            Msg::ErrorBadRequest.fill(current.lang, &[("detail", detail)]),
        )
        .into()
}

/// The filter form's choices, with the URL's selected.
fn filters(state: &AppState, params: &WorklistParams, lang: Lang) -> WorklistFilters {
    let choice = |value: &str, label: String, current: &str| Choice {
        value: value.to_owned(),
        label,
        selected: value == current.trim(),
    };
    WorklistFilters {
        sections: Section::ALL
            .iter()
            .map(|s| {
                choice(
                    s.as_str(),
                    section_msg(*s).text(lang).to_owned(),
                    &params.section,
                )
            })
            .collect(),
        instruments: state
            .config
            .instruments
            .iter()
            .map(|i| choice(&i.id, i.name.clone(), &params.instrument))
            .collect(),
        priorities: [
            ("stat", Msg::PriorityStat),
            ("routine", Msg::PriorityRoutine),
        ]
        .into_iter()
        .map(|(v, m)| choice(v, m.text(lang).to_owned(), &params.priority))
        .collect(),
        states: [
            (WaitingState::PendingReview, Msg::StatePendingReview),
            (WaitingState::Verified, Msg::StateVerified),
        ]
        .into_iter()
        .map(|(v, m)| choice(v.as_str(), m.text(lang).to_owned(), &params.state))
        .collect(),
        date: params.date.trim().to_owned(),
    }
}

/// `GET /`: the worklist of the URL's filter.
pub(crate) async fn worklist_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Query(params): Query<WorklistParams>,
) -> Result<Response, PageError> {
    // The home page of a user without a lab role (an administrator) is their own first page.
    if !current.may(Permission::Review) {
        if current.may(Permission::ManageUsers) {
            return Ok(Redirect::to(Urls::AdminUsers.as_str()).into_response());
        }
        if current.may(Permission::ReadAudit) {
            return Ok(Redirect::to("/audit").into_response());
        }
    }
    current.require(Permission::Review)?;
    let (table, next) = load(&current, &state, &params).await?;
    let filter_query = params.filter_query();
    let next_page = next.map(|cursor| {
        let after = serde_urlencoded::to_string([("after", cursor.to_token())]).unwrap_or_default();
        if filter_query.is_empty() {
            format!("{}?{after}", Urls::Worklist.as_str())
        } else {
            format!("{}?{filter_query}&{after}", Urls::Worklist.as_str())
        }
    });
    let mut layout = current.layout(Nav::Worklist);
    layout.notice = params.notice(current.lang);
    layout.alarm = crate::ui::monitor::instruments::alarm_text(&state, current.lang);
    Ok(WorklistPage {
        layout,
        filters: filters(&state, &params, current.lang),
        table,
        filter_query,
        next_page,
        can_verify: current.may(Permission::Verify),
        can_release: current.may(Permission::Release),
    }
    .into_response())
}

/// `GET /worklist/rows`: the same rows alone, for the live refresh.
pub(crate) async fn worklist_rows_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Query(params): Query<WorklistParams>,
) -> Result<WorklistRowsFragment, PageError> {
    current.require(Permission::Review)?;
    let (table, _) = load(&current, &state, &params).await?;
    Ok(WorklistRowsFragment { table })
}

/// `?last_event_id=N`: where a reconnecting stream resumes when the browser cannot send the
/// `Last-Event-ID` header.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct EventsParams {
    #[serde(default)]
    last_event_id: Option<i64>,
}

/// `GET /worklist/events`: server-sent events, one per move of the audit sequence (`id:` and
/// data are the sequence number). A reconnect whose `Last-Event-ID` (header, else
/// `?last_event_id=`) is older than the latest change gets an event at once.
pub(crate) async fn worklist_events_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Query(params): Query<EventsParams>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, PageError> {
    current.require(Permission::Review)?;
    let resume = match headers.get("last-event-id") {
        Some(value) => {
            let text = value.to_str().unwrap_or("").trim();
            Some(text.parse::<i64>().map_err(|_| {
                bad_request(
                    &current,
                    &format!("Last-Event-ID {text:?} is not a change number"),
                )
            })?)
        }
        None => params.last_event_id,
    };
    // Subscribe before reading the latest change, so no commit falls between the two.
    let changes = state.changes.subscribe();
    let store = Arc::clone(&state.store);
    let latest = on_store(&current, move || store.latest_change()).await?;
    let first = resume.filter(|&n| latest > n).map(|_| latest);
    let stream = stream::unfold(
        (changes, latest, first),
        |(mut changes, sent, first)| async move {
            if let Some(seq) = first {
                return Some((Ok(change_event(seq)), (changes, seq, None)));
            }
            loop {
                // The sender lives in the app state; the stream ends when the client goes.
                changes.changed().await.ok()?;
                let seq = *changes.borrow_and_update();
                if seq > sent {
                    return Some((Ok(change_event(seq)), (changes, seq, None)));
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

fn change_event(seq: i64) -> Event {
    Event::default().id(seq.to_string()).data(seq.to_string())
}

/// Which "all clear" action.
#[derive(Debug, Clone, Copy)]
enum ClearAction {
    Verify,
    Release,
}

/// `POST /worklist/verify-clear?section=…`: verifies every result the server finds clear.
pub(crate) async fn verify_clear_post(
    current: CurrentUser,
    State(state): State<AppState>,
    Query(params): Query<WorklistParams>,
    CsrfForm(_form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    all_clear(current, state, params, ClearAction::Verify).await
}

/// `POST /worklist/release-clear?section=…`: releases every result the server finds clear.
pub(crate) async fn release_clear_post(
    current: CurrentUser,
    State(state): State<AppState>,
    Query(params): Query<WorklistParams>,
    CsrfForm(_form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    all_clear(current, state, params, ClearAction::Release).await
}

async fn all_clear(
    current: CurrentUser,
    state: AppState,
    params: WorklistParams,
    action: ClearAction,
) -> Result<Response, PageError> {
    current.require(match action {
        ClearAction::Verify => Permission::Verify,
        ClearAction::Release => Permission::Release,
    })?;
    let section = params
        .section()
        .map_err(|detail| bad_request(&current, &detail))?;
    let scope = ReviewScope::Worklist { section };
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    let outcome = on_store(&current, move || match action {
        ClearAction::Verify => store.verify_all_clear(&scope, &actor),
        ClearAction::Release => store.release_all_clear(&scope, &actor),
    })
    .await?;
    let done = match action {
        ClearAction::Verify => "verified",
        ClearAction::Release => "released",
    };
    let counts = serde_urlencoded::to_string([
        ("done", done.to_owned()),
        ("acted", outcome.acted.len().to_string()),
        ("skipped", outcome.skipped.len().to_string()),
    ])
    .unwrap_or_default();
    let filter_query = params.filter_query();
    let to = if filter_query.is_empty() {
        format!("{}?{counts}", Urls::Worklist.as_str())
    } else {
        format!("{}?{filter_query}&{counts}", Urls::Worklist.as_str())
    };
    Ok(Redirect::to(&to).into_response())
}

#[cfg(test)]
mod tests;
