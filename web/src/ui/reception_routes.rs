//! The reception handlers: `GET /reception` (the scan page, with the answer to the last scan),
//! `POST /reception/scan` (receive a tube), `POST /reception/reject` (refuse a tube with a coded
//! reason) and `GET /specimens/{id}/label` (the label to print).
//!
//! Receiving and the label need [`Permission::Review`] (technicians and supervisors: the people
//! at the bench), rejecting needs [`Permission::Reject`]; core checks them again inside the
//! write's transaction and writes the audit entry there. A scan answers 303 back to the page
//! with `?scan=<id>&outcome=<received|already|unknown>`: the page reads the tube again and
//! says what happened, with the receipt time as stored (never the URL's), so a reload or a
//! second scan changes nothing.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use lis_core::model::{ReceiveOutcome, RejectionReason, SpecimenReview, StoredRejection};
use lis_core::permissions::Permission;
use lis_core::{Store, StoreError};
use serde::Deserialize;

use super::csrf::CsrfForm;
use super::dates;
use super::error_page::PageError;
use super::flags;
use super::i18n::{Lang, Text};
use super::label::{label_svg, LabelFacts};
use super::layout::Nav;
use super::reception::{
    label_url, Feedback, FeedbackKind, LabelPage, ReceptionMsg, ReceptionPage, ScannedSpecimen,
    RECEPTION, RECEPTION_REJECT, RECEPTION_SCAN,
};
use super::session::CurrentUser;
use super::urls;
use crate::error::AppError;
use crate::request::blocking;
use crate::state::AppState;

/// The reception page, its two forms and the label page.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(RECEPTION, get(reception_get))
        .route(RECEPTION_SCAN, post(reception_scan_post))
        .route(RECEPTION_REJECT, post(reception_reject_post))
        .route(
            &format!("{}/{{id}}/label", urls::Urls::Specimens.as_str()),
            get(label_get),
        )
}

/// The reception page's query: what the last action was about.
#[derive(Debug, Default, Deserialize)]
pub struct ReceptionQuery {
    /// The specimen id scanned or rejected.
    #[serde(default)]
    scan: Option<String>,
    /// `received`, `already`, `unknown` or `rejected`.
    #[serde(default)]
    outcome: Option<String>,
    /// How many results a rejection held.
    #[serde(default)]
    held: Option<usize>,
    /// The collection time typed with the last scan, kept for the next.
    #[serde(default)]
    collected: Option<String>,
}

/// `GET /reception`: the scan field (focused), and the last scan's answer and tube.
pub async fn reception_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Query(query): Query<ReceptionQuery>,
) -> Result<ReceptionPage, PageError> {
    current.require(Permission::Review)?;
    let scanned = match query.scan.as_deref().map(str::trim) {
        Some(id) if !id.is_empty() => Some(id.to_owned()),
        _ => None,
    };
    let review = match &scanned {
        Some(id) => read_review(&current, &state, id).await?,
        None => None,
    };
    let tz = state.config.time_zone().clone();
    let lang = current.lang;
    let feedback = scanned.as_deref().and_then(|id| {
        let kind = match (query.outcome.as_deref(), &review) {
            (_, None) => FeedbackKind::Unknown,
            (Some("received"), Some(_)) => FeedbackKind::Received,
            (Some("rejected"), Some(_)) => FeedbackKind::Rejected,
            (Some("already"), Some(_)) => FeedbackKind::Already,
            _ => return None,
        };
        Some(feedback(kind, id, review.as_ref(), query.held, lang, &tz))
    });
    let mut page = page(&current, &state, query.collected.unwrap_or_default());
    page.feedback = feedback;
    page.last = review
        .as_ref()
        .map(|r| scanned_specimen(r, lang, &tz, &state));
    Ok(page)
}

/// The scan form.
#[derive(Debug, Deserialize)]
pub struct ScanForm {
    /// What the scanner typed.
    specimen_id: String,
    /// A collection time typed for a tube whose order has none (`dd/mm/yyyy HH:mm`).
    #[serde(default)]
    collected: String,
}

/// `POST /reception/scan`: receives the tube at the server's time and answers 303 to the page
/// with the outcome. A collection time that cannot be read, or that is after now, is the
/// page again with the problem (400 / 409) and nothing changed.
pub async fn reception_scan_post(
    current: CurrentUser,
    State(state): State<AppState>,
    CsrfForm(form): CsrfForm<ScanForm>,
) -> Result<Response, PageError> {
    current.require(Permission::Review)?;
    let id = form.specimen_id.trim().to_owned();
    let collected_text = form.collected.trim().to_owned();
    if id.is_empty() {
        return Ok(Redirect::to(RECEPTION).into_response());
    }
    let tz = state.config.time_zone().clone();
    let Ok(collected) = parse_collected(&collected_text, &tz) else {
        let text = ReceptionMsg::BadCollected.fill(current.lang, &[("value", &collected_text)]);
        return Ok(problem(
            &current,
            &state,
            StatusCode::BAD_REQUEST,
            text,
            collected_text,
        ));
    };
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    let wanted = id.clone();
    let outcome = blocking(move || {
        Ok::<_, AppError>(store.receive_scan(&wanted, collected, Timestamp::now(), &actor))
    })
    .await
    .map_err(|e| current.error_message(e.status(), e.to_string()))?;
    let outcome = match outcome {
        Ok(o) => o,
        Err(StoreError::Invalid { what }) => {
            return Ok(problem(
                &current,
                &state,
                StatusCode::CONFLICT,
                what,
                collected_text,
            ))
        }
        Err(e) => return Err(current.store_error(e).into()),
    };
    let word = match outcome {
        ReceiveOutcome::Received { .. } => "received",
        ReceiveOutcome::AlreadyReceived { .. } => "already",
        ReceiveOutcome::Unknown => "unknown",
    };
    let mut to = format!("{RECEPTION}?scan={}&outcome={word}", encode(&id));
    if !collected_text.is_empty() {
        to.push_str(&format!("&collected={}", encode(&collected_text)));
    }
    Ok(Redirect::to(&to).into_response())
}

/// The rejection form.
#[derive(Debug, Deserialize)]
pub struct RejectForm {
    /// The tube.
    specimen_id: String,
    /// The coded reason ([`RejectionReason::as_str`]).
    reason: String,
    /// The words for `other`.
    #[serde(default)]
    other: String,
}

/// `POST /reception/reject`: refuses the tube with its coded reason; its results are held.
/// An unknown reason is 400, `other` without words 409, an unknown tube 404; nothing changes.
pub async fn reception_reject_post(
    current: CurrentUser,
    State(state): State<AppState>,
    CsrfForm(form): CsrfForm<RejectForm>,
) -> Result<Response, PageError> {
    current.require(Permission::Reject)?;
    let Some(reason) = RejectionReason::parse(form.reason.trim()) else {
        let detail = format!("reason {:?} is not one of the coded reasons", form.reason);
        return Err(current
            .error_message(
                StatusCode::BAD_REQUEST,
                super::i18n::Msg::ErrorBadRequest.fill(current.lang, &[("detail", &detail)]),
            )
            .into());
    };
    let rejection = StoredRejection {
        reason,
        text: if reason == RejectionReason::Other {
            form.other.trim().to_owned()
        } else {
            String::new()
        },
    };
    let id = form.specimen_id.trim().to_owned();
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    let wanted = id.clone();
    let held = blocking(move || {
        Ok::<_, AppError>(store.reject_specimen_coded(
            &wanted,
            &rejection,
            Timestamp::now(),
            &actor,
        ))
    })
    .await
    .map_err(|e| current.error_message(e.status(), e.to_string()))?
    .map_err(|e| current.store_error(e))?;
    Ok(Redirect::to(&format!(
        "{RECEPTION}?scan={}&outcome=rejected&held={held}",
        encode(&id)
    ))
    .into_response())
}

/// `GET /specimens/{id}/label`: the label of a tube, to print from the browser.
pub async fn label_get(
    current: CurrentUser,
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<LabelPage, PageError> {
    current.require(Permission::Review)?;
    let Some(review) = read_review(&current, &state, &id).await? else {
        return Err(current
            .error_page(StatusCode::NOT_FOUND, super::i18n::Msg::ErrorNotFound)
            .into());
    };
    let tz = state.config.time_zone().clone();
    let svg = label_svg(&label_facts(&review, current.lang, &tz))
        .map_err(|e| current.error_message(StatusCode::CONFLICT, e.to_string()))?;
    Ok(LabelPage {
        layout: current.layout(Nav::Worklist),
        specimen_id: review.specimen.barcode,
        svg,
    })
}

/// What a label prints for a tube.
pub fn label_facts(review: &SpecimenReview, lang: Lang, tz: &TimeZone) -> LabelFacts {
    let on = review
        .specimen
        .collected_at
        .or(review.specimen.received_at)
        .unwrap_or(review.order.ordered_at);
    LabelFacts {
        specimen_id: review.specimen.barcode.clone(),
        patient_name: review.patient.name.clone(),
        sex_age: sex_age(review, lang, tz),
        tube: super::result_texts::specimen_type_words(&review.specimen.specimen_type, lang),
        date: dates::date(on, tz),
    }
}

/// `Nam, 45 tuổi`: the sex in words and the age at collection (else receipt, else the order).
fn sex_age(review: &SpecimenReview, lang: Lang, tz: &TimeZone) -> String {
    let sex = flags::sex_msg(review.patient.sex).text(lang);
    let on = review
        .specimen
        .collected_at
        .or(review.specimen.received_at)
        .unwrap_or(review.order.ordered_at);
    match review
        .patient
        .birth_date
        .and_then(|b| dates::age(b, on.to_zoned(tz.clone()).date(), lang))
    {
        Some(age) => format!("{sex}, {age}"),
        None => sex.to_owned(),
    }
}

/// Reads a tube; `None` when no specimen has the id.
async fn read_review(
    current: &CurrentUser,
    state: &AppState,
    id: &str,
) -> Result<Option<SpecimenReview>, PageError> {
    let store: Arc<Store> = Arc::clone(&state.store);
    let wanted = id.to_owned();
    let read = blocking(move || Ok::<_, AppError>(store.specimen_review(&wanted)))
        .await
        .map_err(|e| current.error_message(e.status(), e.to_string()))?;
    match read {
        Ok(r) => Ok(Some(r)),
        Err(StoreError::NotFound { .. }) => Ok(None),
        Err(e) => Err(current.store_error(e).into()),
    }
}

/// The page without feedback.
fn page(current: &CurrentUser, state: &AppState, collected: String) -> ReceptionPage {
    let _ = state;
    ReceptionPage {
        layout: current.layout(Nav::Reception),
        feedback: None,
        last: None,
        collected,
        reasons: RejectionReason::ALL
            .iter()
            .map(|r| (r.as_str(), reason_msg(*r).text(current.lang)))
            .collect(),
        may_reject: current.may(Permission::Reject),
    }
}

/// The page with a problem instead of a scan's answer.
fn problem(
    current: &CurrentUser,
    state: &AppState,
    status: StatusCode,
    text: String,
    collected: String,
) -> Response {
    let mut page = page(current, state, collected);
    page.feedback = Some(Feedback {
        kind: FeedbackKind::Problem,
        text,
        detail: String::new(),
    });
    (status, page).into_response()
}

/// The sentence for a scan's outcome, with the times as stored.
fn feedback(
    kind: FeedbackKind,
    id: &str,
    review: Option<&SpecimenReview>,
    held: Option<usize>,
    lang: Lang,
    tz: &TimeZone,
) -> Feedback {
    let received = review
        .and_then(|r| r.specimen.received_at)
        .map_or_else(|| String::from("—"), |t| dates::date_time(t, tz));
    let text = match kind {
        FeedbackKind::Received => {
            ReceptionMsg::OutcomeReceived.fill(lang, &[("id", id), ("at", &received)])
        }
        FeedbackKind::Already => {
            ReceptionMsg::OutcomeAlready.fill(lang, &[("id", id), ("at", &received)])
        }
        FeedbackKind::Unknown | FeedbackKind::Problem => {
            ReceptionMsg::OutcomeUnknown.fill(lang, &[("id", id)])
        }
        FeedbackKind::Rejected => ReceptionMsg::OutcomeRejected.fill(
            lang,
            &[
                ("id", id),
                (
                    "reason",
                    &review
                        .and_then(|r| r.specimen.rejected_reason.as_deref())
                        .map_or_else(String::new, |s| rejection_words(s, lang)),
                ),
                ("held", &held.unwrap_or(0).to_string()),
            ],
        ),
    };
    let detail = match (kind, review) {
        (FeedbackKind::Received, Some(r)) if r.specimen.collected_at.is_none() => {
            ReceptionMsg::CollectedUnknown.text(lang).to_owned()
        }
        _ => String::new(),
    };
    Feedback { kind, text, detail }
}

/// The tube as the page shows it.
fn scanned_specimen(
    review: &SpecimenReview,
    lang: Lang,
    tz: &TimeZone,
    state: &AppState,
) -> ScannedSpecimen {
    let s = &review.specimen;
    let mut tests: Vec<String> = review
        .results
        .iter()
        .map(|r| r.test_code.clone())
        .chain(review.tests_without_result.iter().cloned())
        .collect();
    tests.dedup();
    let names: Vec<String> = tests
        .iter()
        .map(|code| {
            state.config.test(code).map_or_else(
                || code.clone(),
                |t| match lang {
                    Lang::Vi => t.name_vi.clone(),
                    Lang::En => t.name_en.clone(),
                },
            )
        })
        .collect();
    let when =
        |t: Option<Timestamp>| t.map_or_else(|| String::from("—"), |t| dates::date_time(t, tz));
    ScannedSpecimen {
        specimen_id: s.barcode.clone(),
        patient_name: review.patient.name.clone(),
        patient_id: review.patient.his_id.clone(),
        sex_age: sex_age(review, lang, tz),
        department: review.order.department.clone(),
        tests: names.join(", "),
        tube: super::result_texts::specimen_type_words(&s.specimen_type, lang),
        collected: when(s.collected_at),
        received: when(s.received_at),
        rejected: s
            .rejected_reason
            .as_deref()
            .map(|r| rejection_words(r, lang)),
        label_url: label_url(&s.barcode),
        specimen_url: urls::specimen(&s.barcode),
    }
}

/// A stored rejection in the page's words.
pub fn rejection_words(stored: &str, lang: Lang) -> String {
    let r = StoredRejection::read(stored);
    match r.reason {
        RejectionReason::Other if !r.text.is_empty() => {
            format!("{}: {}", reason_msg(r.reason).text(lang), r.text)
        }
        reason => reason_msg(reason).text(lang).to_owned(),
    }
}

/// The catalog words of a coded reason.
fn reason_msg(reason: RejectionReason) -> ReceptionMsg {
    match reason {
        RejectionReason::Haemolysed => ReceptionMsg::ReasonHaemolysed,
        RejectionReason::Clotted => ReceptionMsg::ReasonClotted,
        RejectionReason::InsufficientVolume => ReceptionMsg::ReasonInsufficientVolume,
        RejectionReason::WrongTube => ReceptionMsg::ReasonWrongTube,
        RejectionReason::Unlabelled => ReceptionMsg::ReasonUnlabelled,
        RejectionReason::Other => ReceptionMsg::ReasonOther,
    }
}

/// A typed collection time in the lab's zone: `dd/mm/yyyy HH:mm`, or the browser's
/// `yyyy-mm-ddTHH:mm`; empty is none. `Err` when it cannot be read.
fn parse_collected(text: &str, tz: &TimeZone) -> Result<Option<Timestamp>, ()> {
    if text.is_empty() {
        return Ok(None);
    }
    let civil = DateTime::strptime("%d/%m/%Y %H:%M", text)
        .or_else(|_| DateTime::strptime("%Y-%m-%dT%H:%M", text))
        .map_err(|_| ())?;
    civil
        .to_zoned(tz.clone())
        .map(|z| Some(z.timestamp()))
        .map_err(|_| ())
}

/// Percent-encodes a query value (everything but RFC 3986 unreserved characters).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests;
