//! The specimen page's review actions: `POST /specimens/{id}/{verify|release|verify-release|
//! rerun|reject|comment|callback}`, each behind its permission and [`CsrfForm`].
//!
//! A multi-result action (verify, release, verify-and-release, rerun, reject, comment) acts on
//! each checked result in its own transaction, in the order sent, and carries on past a
//! refusal: the redirect's notice says how many were done and which were refused and why
//! ([`Outcome`]). When every checked result is refused nothing changed, and the answer is the
//! first refusal's error page (403 role or policy, 409 stale naming who and when, 409 call-back
//! needed, 409 illegal transition). A failure that is not a refusal (the database) ends the
//! action where it is with the error page; what was done before it stays done and the page
//! shows it.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lis_core::config::ReviewSteps;
use lis_core::model::{CallbackOutcome as CoreOutcome, NewCallback, ResultId};
use lis_core::permissions::Permission;
use lis_core::StoreError;

use super::csrf::CsrfForm;
use super::dates;
use super::error_page::{ErrorPage, PageError};
use super::i18n::{Msg, Text};
use super::session::CurrentUser;
use super::specimen::CallbackOutcome;
use super::specimen_notice::{Done, Outcome, Refusal};
use super::urls;
use crate::error::AppError;
use crate::request::blocking;
use crate::state::AppState;

/// A life-cycle action on each checked result.
#[derive(Debug, Clone)]
enum Act {
    Verify,
    Release,
    VerifyRelease,
    Rerun {
        reason: String,
        dilution: Option<u32>,
    },
    Reject {
        reason: String,
    },
}

impl Act {
    fn done(&self) -> Done {
        match self {
            Self::Verify => Done::Verified,
            Self::Release => Done::Released,
            Self::VerifyRelease => Done::VerifiedReleased,
            Self::Rerun { .. } => Done::Rerun,
            Self::Reject { .. } => Done::Rejected,
        }
    }
}

/// `POST /specimens/{id}/verify`.
pub async fn specimen_verify_post(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(barcode): Path<String>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    current.require(Permission::Verify)?;
    act(&current, &state, &barcode, &form, Act::Verify).await
}

/// `POST /specimens/{id}/release`.
pub async fn specimen_release_post(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(barcode): Path<String>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    current.require(Permission::Release)?;
    act(&current, &state, &barcode, &form, Act::Release).await
}

/// `POST /specimens/{id}/verify-release` (one-step labs only; 403 in a two-step lab).
pub async fn specimen_verify_release_post(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(barcode): Path<String>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    current.require(Permission::Verify)?;
    current.require(Permission::Release)?;
    if state.config.review.steps != ReviewSteps::One {
        return Err(current
            .error_page(StatusCode::FORBIDDEN, Msg::ErrorForbidden)
            .into());
    }
    act(&current, &state, &barcode, &form, Act::VerifyRelease).await
}

/// `POST /specimens/{id}/rerun` with `rerun_reason` and an optional `dilution` (`1:10`).
pub async fn specimen_rerun_post(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(barcode): Path<String>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    current.require(Permission::Rerun)?;
    let reason = reason(&current, &form, "rerun_reason")?;
    let dilution = match field(&form, "dilution").map(str::trim) {
        None | Some("") => None,
        Some(d) => Some(parse_dilution(d).ok_or_else(|| {
            bad_request(
                &current,
                &format!("dilution {d:?} is not a factor like 1:10"),
            )
        })?),
    };
    act(
        &current,
        &state,
        &barcode,
        &form,
        Act::Rerun { reason, dilution },
    )
    .await
}

/// `POST /specimens/{id}/reject` with `reject_reason`.
pub async fn specimen_reject_post(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(barcode): Path<String>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    current.require(Permission::Reject)?;
    let reason = reason(&current, &form, "reject_reason")?;
    act(&current, &state, &barcode, &form, Act::Reject { reason }).await
}

/// `POST /specimens/{id}/comment` with `comment`: on each checked result, or on the specimen
/// when none is checked.
pub async fn specimen_comment_post(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(barcode): Path<String>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    current.require(Permission::Comment)?;
    let text = field(&form, "comment")
        .unwrap_or_default()
        .trim()
        .to_owned();
    if text.is_empty() {
        return Err(bad_request(&current, "the comment is empty"));
    }
    let selected = selected(&current, &form)?;
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    let at = barcode.clone();
    let on_specimen = selected.is_empty();
    let ran = blocking(move || {
        if on_specimen {
            let mut ran = each(&[(0, 0)], |_, _| {
                store.add_comment(&at, None, &text, &actor).map(drop)
            });
            ran.first = None;
            return Ok::<_, AppError>(ran);
        }
        Ok(each(&selected, |id, _| {
            store.add_comment(&at, Some(id), &text, &actor).map(drop)
        }))
    })
    .await
    .map_err(|e| current.error_message(e.status(), e.to_string()))?;
    answer(&current, &state, &barcode, Done::Commented, ran)
}

/// `POST /specimens/{id}/callback` with `result`, `who`, `role`, `ward_or_phone`, `outcome`.
pub async fn specimen_callback_post(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(barcode): Path<String>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    current.require(Permission::RecordCallback)?;
    let selected = selected(&current, &form)?;
    let [(result_id, _)] = selected.as_slice() else {
        return Err(bad_request(
            &current,
            "a call-back is about exactly one result",
        ));
    };
    let result_id = *result_id;
    let text = |name: &str| field(&form, name).unwrap_or_default().trim().to_owned();
    let outcome = match CallbackOutcome::parse(&text("outcome")) {
        Some(CallbackOutcome::ToldReadBack) => CoreOutcome::ToldReadBack,
        Some(CallbackOutcome::ToldNoReadBack) => CoreOutcome::ToldNoReadBack,
        Some(CallbackOutcome::NotReached) => CoreOutcome::NotReached,
        None => {
            return Err(bad_request(
                &current,
                "outcome is not one of told_read_back, told_no_read_back, not_reached",
            ))
        }
    };
    let callback = NewCallback {
        told_name: text("who"),
        told_role: text("role"),
        location: text("ward_or_phone"),
        read_back: outcome == CoreOutcome::ToldReadBack,
        outcome,
    };
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    let ran = blocking(move || {
        Ok::<_, AppError>(each(&[(result_id, 0)], |id, _| {
            store.record_callback(id, &callback, &actor).map(drop)
        }))
    })
    .await
    .map_err(|e| current.error_message(e.status(), e.to_string()))?;
    answer(&current, &state, &barcode, Done::Callback, ran)
}

/// Runs `action` on each checked result in order, each in its own transaction, carrying on past
/// a refusal (see the module doc).
async fn act(
    current: &CurrentUser,
    state: &AppState,
    barcode: &str,
    form: &[(String, String)],
    action: Act,
) -> Result<Response, PageError> {
    let selected = selected(current, form)?;
    if selected.is_empty() {
        return Err(bad_request(current, "no result was selected"));
    }
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    let done = action.done();
    let ran = blocking(move || {
        Ok::<_, AppError>(each(&selected, |id, rev| {
            match &action {
                Act::Verify => store.verify_result(id, rev, &actor),
                Act::Release => store.release_result(id, rev, &actor),
                Act::VerifyRelease => store.verify_and_release(id, rev, &actor),
                Act::Rerun { reason, dilution } => {
                    store.rerun_result(id, rev, reason, *dilution, &actor)
                }
                Act::Reject { reason } => store.reject_result(id, rev, reason, &actor),
            }
            .map(drop)
        }))
    })
    .await
    .map_err(|e| current.error_message(e.status(), e.to_string()))?;
    answer(current, state, barcode, done, ran)
}

/// What a multi-result action did: the results acted on, those refused with the error, and an
/// error that ended it (not a refusal).
pub(super) struct Ran {
    /// How many were done.
    pub(super) count: usize,
    /// The first result done, where the page scrolls to (none for a specimen's comment).
    pub(super) first: Option<ResultId>,
    refused: Vec<(ResultId, StoreError)>,
    failed: Option<StoreError>,
}

/// Runs `f` on each `(id, rev)` in order, carrying on past a refusal and stopping at any
/// other error.
pub(super) fn each(
    selected: &[(ResultId, i64)],
    mut f: impl FnMut(ResultId, i64) -> Result<(), StoreError>,
) -> Ran {
    let mut ran = Ran {
        count: 0,
        first: None,
        refused: Vec::new(),
        failed: None,
    };
    for &(id, rev) in selected {
        match f(id, rev) {
            Ok(()) => {
                ran.count += 1;
                ran.first = ran.first.or(Some(id));
            }
            Err(e) if Refusal::of(&e).is_some() => ran.refused.push((id, e)),
            Err(e) => {
                ran.failed = Some(e);
                break;
            }
        }
    }
    ran
}

/// The answer to a multi-result action: the error page when it failed or when every result was
/// refused (nothing changed), else 303 to the page with the outcome.
pub(super) fn answer(
    current: &CurrentUser,
    state: &AppState,
    barcode: &str,
    done: Done,
    ran: Ran,
) -> Result<Response, PageError> {
    if let Some(e) = ran.failed {
        return Err(refusal(current, state, e).into());
    }
    let first = ran.first;
    let mut refused = ran.refused;
    if ran.count == 0 && !refused.is_empty() {
        let (_, e) = refused.swap_remove(0);
        return Err(refusal(current, state, e).into());
    }
    let outcome = Outcome {
        done,
        count: ran.count,
        refused: refused
            .iter()
            .filter_map(|(id, e)| Some((*id, Refusal::of(e)?)))
            .collect(),
    };
    Ok(back(barcode, &outcome, first))
}

/// 303 back to the specimen page with the outcome's query, at the first result acted on.
pub(super) fn back(barcode: &str, outcome: &Outcome, first: Option<ResultId>) -> Response {
    let page = format!("{}?{}", urls::specimen(barcode), outcome.query());
    let target = first.map_or_else(|| page.clone(), |id| format!("{page}#result-{id}"));
    Redirect::to(&target).into_response()
}

/// The error page for a refused action: 403 for the role or policy, 409 naming who changed a
/// stale result and when, 409 for a missing call-back, else as [`CurrentUser::store_error`].
pub(super) fn refusal(current: &CurrentUser, state: &AppState, error: StoreError) -> ErrorPage {
    match &error {
        StoreError::Forbidden { detail, .. } => current.error_message(
            StatusCode::FORBIDDEN,
            format!("{} ({detail})", Msg::ErrorForbidden.text(current.lang)),
        ),
        StoreError::Stale {
            changed_by,
            changed_at,
            ..
        } => {
            let who = changed_by.clone().unwrap_or_default();
            let when = changed_at
                .map(|t| dates::date_time(t, state.config.time_zone()))
                .unwrap_or_default();
            current.error_message(
                StatusCode::CONFLICT,
                Msg::ErrorStaleVersion.fill(current.lang, &[("who", &who), ("when", &when)]),
            )
        }
        StoreError::CallbackRequired { .. } => {
            current.error_page(StatusCode::CONFLICT, Msg::CallbackRequired)
        }
        StoreError::Conflict { .. } => current.error_message(
            StatusCode::CONFLICT,
            Msg::ErrorConflict.fill(current.lang, &[("reason", &error.to_string())]),
        ),
        _ => current.store_error(error),
    }
}

/// The value of the form field `name` (the first, if repeated).
pub(super) fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A reason field that must not be empty (400 "Please give a reason." otherwise).
pub(super) fn reason(
    current: &CurrentUser,
    form: &[(String, String)],
    name: &str,
) -> Result<String, PageError> {
    let reason = field(form, name).unwrap_or_default().trim().to_owned();
    if reason.is_empty() {
        return Err(current
            .error_page(StatusCode::BAD_REQUEST, Msg::ErrorReasonRequired)
            .into());
    }
    Ok(reason)
}

/// Every `result=id:rev` of the form, in order; a pair that is not two integers is a 400
/// naming it.
pub(super) fn selected(
    current: &CurrentUser,
    form: &[(String, String)],
) -> Result<Vec<(ResultId, i64)>, PageError> {
    form.iter()
        .filter(|(k, _)| k == "result")
        .map(|(_, v)| {
            parse_pair(v).ok_or_else(|| {
                bad_request(
                    current,
                    &format!("result {v:?} is not a result id and version (id:version)"),
                )
            })
        })
        .collect()
}

/// `17:3` → (17, 3).
fn parse_pair(value: &str) -> Option<(ResultId, i64)> {
    let (id, rev) = value.trim().split_once(':')?;
    Some((id.parse().ok()?, rev.parse().ok()?))
}

/// `1:10` (or `10`) → 10.
fn parse_dilution(value: &str) -> Option<u32> {
    let factor = value.strip_prefix("1:").unwrap_or(value);
    factor.trim().parse().ok().filter(|d| *d >= 2)
}

/// A 400 page saying what is wrong with the request.
pub(super) fn bad_request(current: &CurrentUser, detail: &str) -> PageError {
    current
        .error_message(
            StatusCode::BAD_REQUEST,
            Msg::ErrorBadRequest.fill(current.lang, &[("detail", detail)]),
        )
        .into()
}
