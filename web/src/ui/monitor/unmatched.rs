//! `/unmatched`: the queue of results that matched no order, and one entry's page where a
//! supervisor finds the order (by specimen id, patient id, order number or name) and attaches
//! the result to it (core sends it through matching and validation as if it had just arrived,
//! [`Store::attach_unmatched`](lis_core::Store::attach_unmatched)) or discards it with a reason.
//! Both actions are audited in core's transaction; the queue is read-only to other roles.

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use lis_core::model::{Unmatched, UnmatchedReason};
use lis_core::permissions::Permission;
use lis_core::store::{OrderCandidate, UnmatchedEntry, UnmatchedResolution};
use serde::Deserialize;

use super::texts::MonitorMsg;
use super::{bad_request, on_store, MonitorUrls};
use crate::state::AppState;
use crate::ui::csrf::CsrfForm;
use crate::ui::dates;
use crate::ui::error_page::PageError;
use crate::ui::i18n::{Lang, Msg, Text};
use crate::ui::layout::{Layout, Nav, Notice, NoticeKind};
use crate::ui::session::CurrentUser;
use crate::ui::urls;

/// Entries on one page of the queue.
pub const PAGE_SIZE: usize = 100;
/// Orders shown for one search.
pub const SEARCH_LIMIT: usize = 20;

/// The page of one unmatched result.
pub fn entry_url(id: i64) -> String {
    format!("{}/{id}", MonitorUrls::Unmatched.as_str())
}

/// One row of the queue, in the page's words.
#[derive(Debug, Clone)]
pub struct QueueRow {
    /// The entry's id.
    pub id: i64,
    /// When it arrived (`dd/MM/yyyy HH:mm`).
    pub arrived: String,
    /// The instrument and its link.
    pub analyzer: String,
    /// The specimen id as sent ("(no specimen id sent)" when empty).
    pub specimen: String,
    /// The instrument's test code.
    pub code: String,
    /// Value and units as sent.
    pub value: String,
    /// Why it matched nothing, in words.
    pub why: &'static str,
    /// The patient the analyzer named, if any.
    pub patient: String,
    /// The raw message's page.
    pub raw_url: String,
    /// The entry's page.
    pub url: String,
}

/// `GET /unmatched`.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "unmatched.html")]
pub struct UnmatchedPage {
    /// The frame.
    pub layout: Layout,
    /// The rows of this page.
    pub rows: Vec<QueueRow>,
    /// How many wait in all.
    pub waiting: u64,
    /// The next page's URL, when there is one.
    pub next_url: Option<String>,
    /// Whether this is a later page (a link back to the first).
    pub later_page: bool,
    /// Whether the user may attach and discard.
    pub may_resolve: bool,
}

impl UnmatchedPage {
    /// A text of the monitoring catalog.
    pub fn m(&self, msg: MonitorMsg) -> &'static str {
        msg.text(self.layout.lang)
    }

    /// "{count} results waiting".
    pub fn waiting_text(&self) -> String {
        MonitorMsg::UnmatchedWaiting.fill(self.layout.lang, &[("count", &self.waiting.to_string())])
    }
}

/// An order found for attaching, in the page's words.
#[derive(Debug, Clone)]
pub struct CandidateRow {
    /// The order's row id (the form's value).
    pub order_id: i64,
    /// The HIS's order number.
    pub placer_number: String,
    /// The patient's id.
    pub patient_id: String,
    /// The patient's name.
    pub patient_name: String,
    /// The specimens, comma-separated.
    pub specimens: String,
    /// The tests ordered.
    pub tests: Vec<String>,
    /// When it was ordered.
    pub ordered: String,
    /// Whether it was cancelled.
    pub cancelled: bool,
}

/// `GET /unmatched/{id}`.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "unmatched_entry.html")]
pub struct UnmatchedEntryPage {
    /// The frame.
    pub layout: Layout,
    /// The entry as a queue row.
    pub row: QueueRow,
    /// How it left the queue, in words; `None` while it waits.
    pub resolved: Option<String>,
    /// The specimen page of the result it became, if attached.
    pub attached_specimen_url: Option<String>,
    /// Whether the user may attach and discard.
    pub may_resolve: bool,
    /// The search typed.
    pub query: String,
    /// The orders found (empty before a search).
    pub candidates: Vec<CandidateRow>,
    /// The test choices for attaching: the catalog's tests, the mapped one first.
    pub tests: Vec<String>,
    /// The test the analyzer's code maps to, if any (preselected).
    pub mapped_test: Option<String>,
    /// Where the forms post to.
    pub attach_url: String,
    /// Where the discard form posts to.
    pub discard_url: String,
}

impl UnmatchedEntryPage {
    /// A text of the monitoring catalog.
    pub fn m(&self, msg: MonitorMsg) -> &'static str {
        msg.text(self.layout.lang)
    }

    /// The page's title.
    pub fn title(&self) -> String {
        MonitorMsg::ItemTitle.fill(self.layout.lang, &[("id", &self.row.id.to_string())])
    }

    /// "No order matches …".
    pub fn none_found(&self) -> String {
        MonitorMsg::NoOrdersFound.fill(self.layout.lang, &[("query", &self.query)])
    }

    /// Whether `test` is preselected.
    pub fn is_mapped(&self, test: &str) -> bool {
        self.mapped_test.as_deref() == Some(test)
    }
}

/// The queue's query: the page cursor and the notice of an action that redirected here.
#[derive(Debug, Default, Deserialize)]
pub struct QueueParams {
    /// The last entry of the previous page.
    #[serde(default)]
    after: Option<String>,
    /// `attached` or `discarded`.
    #[serde(default)]
    done: String,
    /// The specimen a result was attached to.
    #[serde(default)]
    specimen: String,
    /// The entry discarded.
    #[serde(default)]
    id: String,
}

/// `GET /unmatched`: one page of the open queue, oldest first.
pub async fn unmatched_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Query(params): Query<QueueParams>,
) -> Result<UnmatchedPage, PageError> {
    current.require(Permission::Review)?;
    let after = match params.after.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(text.parse::<i64>().map_err(|_| {
            bad_request(&current, &format!("after {text:?} is not an entry number"))
        })?),
    };
    let store = Arc::clone(&state.store);
    let (entries, waiting) = on_store(&current, move || {
        Ok((
            store.unmatched_page(after, PAGE_SIZE + 1)?,
            store.unmatched_open_count()?,
        ))
    })
    .await?;
    let more = entries.len() > PAGE_SIZE;
    let tz = state.config.time_zone();
    let rows: Vec<QueueRow> = entries
        .iter()
        .take(PAGE_SIZE)
        .map(|e| queue_row(e, tz, current.lang))
        .collect();
    let next_url = more
        .then(|| {
            rows.last()
                .map(|r| format!("{}?after={}", MonitorUrls::Unmatched, r.id))
        })
        .flatten();
    let mut layout = current.layout(Nav::Unmatched);
    layout.notice = notice(&params, current.lang);
    Ok(UnmatchedPage {
        layout,
        rows,
        waiting,
        next_url,
        later_page: after.is_some(),
        may_resolve: current.may(Permission::ResolveUnmatched),
    })
}

/// The one-time notice after an attach or a discard.
fn notice(params: &QueueParams, lang: Lang) -> Option<Notice> {
    let text = match params.done.as_str() {
        "attached" => MonitorMsg::NoticeAttached.fill(lang, &[("specimen", &params.specimen)]),
        "discarded" => MonitorMsg::NoticeDiscarded.fill(lang, &[("id", &params.id)]),
        _ => return None,
    };
    Some(Notice {
        kind: NoticeKind::Done,
        text,
    })
}

/// The search of an entry's page.
#[derive(Debug, Default, Deserialize)]
pub struct EntryParams {
    /// What to look for.
    #[serde(default)]
    q: String,
}

/// `GET /unmatched/{id}?q=…`: the entry, how it was resolved, and (for a supervisor, while it
/// waits) the orders found for `q` with the attach and discard forms.
pub async fn unmatched_entry_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<EntryParams>,
) -> Result<UnmatchedEntryPage, PageError> {
    current.require(Permission::Review)?;
    let id = entry_id(&current, &id)?;
    let may_resolve = current.may(Permission::ResolveUnmatched);
    let query = params.q.trim().to_owned();
    let store = Arc::clone(&state.store);
    let search = if may_resolve {
        query.clone()
    } else {
        String::new()
    };
    let (entry, candidates) = on_store(&current, move || {
        let entry = store.unmatched_entry(id)?;
        let candidates = if entry.resolution.is_none() {
            store.order_candidates(&search, SEARCH_LIMIT)?
        } else {
            Vec::new()
        };
        Ok((entry, candidates))
    })
    .await?;
    let tz = state.config.time_zone();
    let lang = current.lang;
    let resolved = entry.resolution.as_ref().map(|r| match r {
        UnmatchedResolution::Attached { result, specimen } => MonitorMsg::ResolvedAttached.fill(
            lang,
            &[("specimen", specimen), ("result", &result.to_string())],
        ),
        UnmatchedResolution::Discarded { at, by, reason } => MonitorMsg::ResolvedDiscarded.fill(
            lang,
            &[
                ("when", &dates::date_time(*at, tz)),
                ("who", by),
                ("reason", reason),
            ],
        ),
    });
    let attached_specimen_url = match &entry.resolution {
        Some(UnmatchedResolution::Attached { specimen, .. }) => Some(urls::specimen(specimen)),
        _ => None,
    };
    let mapped_test = state
        .config
        .instrument_mapping(&entry.item.instrument, &entry.item.instrument_test_code)
        .map(|(test, _)| test.code.clone());
    let mut tests: Vec<String> = mapped_test.iter().cloned().collect();
    tests.extend(
        state
            .config
            .tests
            .iter()
            .map(|t| t.code.clone())
            .filter(|c| Some(c) != mapped_test.as_ref()),
    );
    Ok(UnmatchedEntryPage {
        layout: current.layout(Nav::Unmatched),
        row: queue_row(&entry, tz, lang),
        resolved,
        attached_specimen_url,
        may_resolve,
        query,
        candidates: candidates.iter().map(|c| candidate_row(c, tz)).collect(),
        tests,
        mapped_test,
        attach_url: format!("{}/attach", entry_url(id)),
        discard_url: format!("{}/discard", entry_url(id)),
    })
}

/// `POST /unmatched/{id}/attach` (`order`, `test`): attaches the result; 303 to the queue with
/// a notice naming the specimen.
pub async fn unmatched_attach_post(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    current.require(Permission::ResolveUnmatched)?;
    let id = entry_id(&current, &id)?;
    let order = field(&form, "order").trim();
    let order: i64 = order
        .parse()
        .map_err(|_| bad_request(&current, &format!("order {order:?} is not an order number")))?;
    let test = field(&form, "test").trim().to_owned();
    if test.is_empty() {
        return Err(bad_request(
            &current,
            "test: choose the test to attach the result as",
        ));
    }
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    let specimen = on_store(&current, move || {
        let result = store.attach_unmatched(id, order, &test, &actor)?;
        Ok(store.result(result)?.specimen_id)
    })
    .await?;
    let query =
        serde_urlencoded::to_string([("done", "attached"), ("specimen", specimen.as_str())])
            .unwrap_or_default();
    Ok(Redirect::to(&format!("{}?{query}", MonitorUrls::Unmatched)).into_response())
}

/// `POST /unmatched/{id}/discard` (`reason`, required): discards the result; 303 to the queue.
pub async fn unmatched_discard_post(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    current.require(Permission::ResolveUnmatched)?;
    let id = entry_id(&current, &id)?;
    let reason = field(&form, "reason").trim().to_owned();
    if reason.is_empty() {
        return Err(current
            .error_page(
                axum::http::StatusCode::BAD_REQUEST,
                Msg::ErrorReasonRequired,
            )
            .into());
    }
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    on_store(&current, move || {
        store.discard_unmatched(id, &reason, &actor, Timestamp::now())
    })
    .await?;
    Ok(Redirect::to(&format!(
        "{}?done=discarded&id={id}",
        MonitorUrls::Unmatched
    ))
    .into_response())
}

/// An entry id from the path (404 when it is not a number).
fn entry_id(current: &CurrentUser, text: &str) -> Result<i64, PageError> {
    text.parse::<i64>().map_err(|_| {
        current
            .error_page(axum::http::StatusCode::NOT_FOUND, Msg::ErrorNotFound)
            .into()
    })
}

/// The value of the form field `name` (the first, if repeated; empty when absent).
fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn queue_row(e: &UnmatchedEntry, tz: &jiff::tz::TimeZone, lang: Lang) -> QueueRow {
    let u: &Unmatched = &e.item;
    QueueRow {
        id: u.id,
        arrived: dates::date_time(u.received_at, tz),
        analyzer: format!("{} ({})", u.instrument, e.link),
        specimen: if u.specimen_id.is_empty() {
            MonitorMsg::NoSpecimenIdSent.text(lang).to_owned()
        } else {
            u.specimen_id.clone()
        },
        code: u.instrument_test_code.clone(),
        value: format!("{} {}", u.value, u.units).trim().to_owned(),
        why: reason_msg(u.reason).text(lang),
        patient: u
            .patient_hint
            .as_ref()
            .map(|h| format!("{} {}", h.patient_id, h.name).trim().to_owned())
            .unwrap_or_default(),
        raw_url: format!("/journal/{}", u.journal_id),
        url: entry_url(u.id),
    }
}

fn candidate_row(c: &OrderCandidate, tz: &jiff::tz::TimeZone) -> CandidateRow {
    CandidateRow {
        order_id: c.order_id,
        placer_number: c.placer_number.clone(),
        patient_id: c.patient_id.clone(),
        patient_name: c.patient_name.clone(),
        specimens: c.specimens.join(", "),
        tests: c.tests.clone(),
        ordered: dates::date_time(c.ordered_at, tz),
        cancelled: c.cancelled,
    }
}

/// Why a result matched nothing, in words.
pub fn reason_msg(reason: UnmatchedReason) -> MonitorMsg {
    match reason {
        UnmatchedReason::UnknownInstrument => MonitorMsg::WhyUnknownInstrument,
        UnmatchedReason::UnknownTestCode => MonitorMsg::WhyUnknownTestCode,
        UnmatchedReason::NoOrder => MonitorMsg::WhyNoOrder,
        UnmatchedReason::TestNotOrdered => MonitorMsg::WhyTestNotOrdered,
        UnmatchedReason::OrderCancelled => MonitorMsg::WhyOrderCancelled,
        UnmatchedReason::NoSpecimenId => MonitorMsg::WhyNoSpecimenId,
    }
}

#[cfg(test)]
mod tests;
