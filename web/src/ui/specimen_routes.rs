//! The specimen review page's handlers: `GET /specimens/{id}` reads the specimen from core and
//! fills [`SpecimenPage`]; the POST actions (verify, release, verify-and-release, rerun, reject,
//! comment, call-back) call core's life cycle for each checked result, in order, and answer
//! 303 back to the page at the first result (the script focuses the fragment). The router also
//! holds `GET /journal/{id}` ([`super::journal`]), the raw message a result came in.
//!
//! Every refusal is an error page in the user's language, never a 500: the role (403), the
//! form (400), a stale row version (409 naming who changed it and when), a critical result
//! without a call-back (409), an action the result's state does not allow (409). Core checks the
//! role and the version again inside the transaction; the checks here only answer early.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use jiff::tz::TimeZone;
use lis_core::config::{ReviewSteps, RuleName};
use lis_core::lifecycle::ResultState;
use lis_core::model::{
    CallbackOutcome as CoreOutcome, CallbackRecord, HistoryEntry as AuditEntry, NewCallback,
    PriorResults, Priority, ReasonCode, ResultId, ReviewResult, SpecimenReview,
};
use lis_core::permissions::Permission;
use lis_core::validation::clear::MUST_PASS;
use lis_core::validation::{Outcome, QcStatus};
use lis_core::{Store, StoreError};

use super::csrf::CsrfForm;
use super::dates;
use super::error_page::{ErrorPage, PageError};
use super::flags::{self, FlagBadge};
use super::i18n::{Lang, Msg, Text};
use super::layout::Nav;
use super::session::CurrentUser;
use super::specimen::{
    Allowed, CallbackLine, CallbackOutcome, CommentLine, HistoryEntry, PreviousResult, ResultLine,
    SpecimenFacts, SpecimenPage,
};
use super::urls::{self, SpecimenAction, Urls};
use crate::error::AppError;
use crate::request::blocking;
use crate::state::AppState;

/// How many earlier results per test the page lists.
const PREVIOUS_PER_TEST: usize = 3;

/// The specimen page, its actions and the raw-message page.
pub(crate) fn routes() -> Router<AppState> {
    let action = |a: SpecimenAction| format!("{}/{{id}}/{}", Urls::Specimens.as_str(), a.segment());
    Router::new()
        .route(
            &format!("{}/{{id}}", Urls::Specimens.as_str()),
            get(specimen_get),
        )
        .route(&action(SpecimenAction::Verify), post(specimen_verify_post))
        .route(
            &action(SpecimenAction::Release),
            post(specimen_release_post),
        )
        .route(
            &action(SpecimenAction::VerifyRelease),
            post(specimen_verify_release_post),
        )
        .route(&action(SpecimenAction::Rerun), post(specimen_rerun_post))
        .route(&action(SpecimenAction::Reject), post(specimen_reject_post))
        .route(
            &action(SpecimenAction::Comment),
            post(specimen_comment_post),
        )
        .route(
            &action(SpecimenAction::Callback),
            post(specimen_callback_post),
        )
        .route("/journal/{id}", get(super::journal::journal_get))
}

/// `GET /specimens/{id}`: the specimen with every result, flags, reasons, previous results,
/// history and comments, in the user's language.
pub async fn specimen_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(barcode): Path<String>,
) -> Result<SpecimenPage, PageError> {
    current.require(Permission::Review)?;
    let store = Arc::clone(&state.store);
    let wanted = barcode.clone();
    let read = blocking(move || Ok::<_, AppError>(read_specimen(&store, &wanted)))
        .await
        .map_err(|e| current.error_message(e.status(), e.to_string()))?;
    let (review, previous, history) = read.map_err(|e| current.store_error(e))?;
    let tz = state.config.time_zone().clone();
    let allowed = allowed(&current, state.config.review.steps);
    let lang = current.lang;
    let name_of = |code: &str| {
        review
            .results
            .iter()
            .find(|r| r.test_code == code)
            .map_or_else(|| code.to_owned(), |r| test_name(r, lang))
    };
    let previous = previous
        .iter()
        .flat_map(|p| {
            let name = name_of(&p.test_code);
            let tz = tz.clone();
            p.results.iter().map(move |r| PreviousResult {
                test_name: name.clone(),
                when: dates::date_time(r.at, &tz),
                value: r.value.clone(),
                unit: r.unit.clone(),
                flags: r
                    .flags
                    .iter()
                    .map(|f| FlagBadge::from_flag(*f, lang))
                    .collect(),
            })
        })
        .collect();
    let mut comments: Vec<CommentLine> = review
        .comments
        .iter()
        .map(|c| CommentLine {
            when: dates::date_time(c.created_at, &tz),
            who: c.created_by.display_name.clone(),
            test_name: String::new(),
            text: c.text.clone(),
        })
        .chain(review.results.iter().flat_map(|r| {
            let name = test_name(r, lang);
            let tz = tz.clone();
            r.comments.iter().map(move |c| CommentLine {
                when: dates::date_time(c.created_at, &tz),
                who: c.created_by.display_name.clone(),
                test_name: name.clone(),
                text: c.text.clone(),
            })
        }))
        .collect();
    comments.sort_by(|a, b| a.when.cmp(&b.when));
    let dilutions = dilutions(&state, &review);
    Ok(SpecimenPage {
        layout: current.layout(Nav::Worklist),
        specimen: facts(&review, lang, &tz),
        results: review
            .results
            .iter()
            .map(|r| result_line(r, lang, &tz, allowed))
            .collect(),
        allowed,
        dilutions,
        previous,
        history: history
            .iter()
            .map(|h| history_entry(h, &tz, current.lang))
            .collect(),
        comments,
    })
}

/// The specimen, the patient's earlier results of its tests and its audit history.
fn read_specimen(
    store: &Store,
    barcode: &str,
) -> Result<(SpecimenReview, Vec<PriorResults>, Vec<AuditEntry>), StoreError> {
    let review = store.specimen_review(barcode)?;
    let codes: Vec<String> = review.results.iter().map(|r| r.test_code.clone()).collect();
    let previous =
        store.previous_results(review.patient.id, &codes, Some(barcode), PREVIOUS_PER_TEST)?;
    let history = store.specimen_history(barcode)?;
    Ok((review, previous, history))
}

/// What the page offers this user: the role's permissions under the lab's review steps.
fn allowed(current: &CurrentUser, steps: ReviewSteps) -> Allowed {
    let one_step = steps == ReviewSteps::One;
    let verify = current.may(Permission::Verify);
    let release = current.may(Permission::Release);
    Allowed {
        verify: verify && !one_step,
        release: release && !one_step,
        verify_release: one_step && verify && release,
        rerun: current.may(Permission::Rerun),
        reject: current.may(Permission::Reject),
        comment: current.may(Permission::Comment),
        callback: current.may(Permission::RecordCallback),
    }
}

/// The test's name in the page's language.
fn test_name(r: &ReviewResult, lang: Lang) -> String {
    match lang {
        Lang::Vi => r.name_vi.clone(),
        Lang::En => r.name_en.clone(),
    }
}

/// The dilutions a rerun may ask for: those the catalog names for the specimen's tests.
fn dilutions(state: &AppState, review: &SpecimenReview) -> Vec<String> {
    let mut factors: Vec<u32> = review
        .results
        .iter()
        .filter_map(|r| state.config.test(&r.test_code))
        .filter_map(|t| t.measurement_range.as_ref().and_then(|m| m.dilution))
        .collect();
    factors.sort_unstable();
    factors.dedup();
    factors.into_iter().map(|d| format!("1:{d}")).collect()
}

/// The header facts.
fn facts(review: &SpecimenReview, lang: Lang, tz: &TimeZone) -> SpecimenFacts {
    let p = &review.patient;
    let s = &review.specimen;
    // A tube the HIS sent no receipt for was received when its first result arrived (as the
    // worklist says); the age is counted at collection, else receipt, else the order.
    let first_result = review.results.iter().map(|r| r.received_at).min();
    let received_at = s.received_at.or(first_result);
    let on = s
        .collected_at
        .or(received_at)
        .or(Some(review.order.ordered_at));
    let age = match (p.birth_date, on) {
        (Some(birth), Some(on)) => dates::age(birth, on.to_zoned(tz.clone()).date(), lang),
        _ => None,
    };
    SpecimenFacts {
        specimen_id: s.barcode.clone(),
        patient_name: p.name.clone(),
        patient_id: p.his_id.clone(),
        sex: flags::sex_msg(p.sex).text(lang).to_owned(),
        age: age.unwrap_or_default(),
        placer_number: review.order.placer_number.clone(),
        doctor: review.order.requesting_doctor.clone(),
        department: review.order.department.clone(),
        stat: review.order.priority == Priority::Stat,
        collected: s
            .collected_at
            .map_or_else(|| String::from("—"), |t| dates::date_time(t, tz)),
        received: received_at.map_or_else(|| String::from("—"), |t| dates::date_time(t, tz)),
    }
}

/// One result row: flags as badges ("no range" when none applies), every reason in words,
/// the delta line, QC, call-backs, and whether its checkbox shows and starts checked.
fn result_line(r: &ReviewResult, lang: Lang, tz: &TimeZone, allowed: Allowed) -> ResultLine {
    let mut badges: Vec<FlagBadge> = r
        .flags
        .iter()
        .map(|f| FlagBadge::from_flag(*f, lang))
        .collect();
    if r.range.is_none() {
        badges.push(FlagBadge::no_range(lang));
    }
    let delta = r.delta.as_ref().map(|d| {
        Msg::DeltaDetail.fill(
            lang,
            &[
                ("previous", &d.previous_value),
                ("date", &dates::date_time(d.previous_at, tz)),
                ("change", &format!("{:+}", d.change)),
            ],
        )
    });
    let reasons = r
        .reasons
        .iter()
        .map(|w| {
            if w.code == ReasonCode::AutoverificationOff {
                return Msg::ReasonAutoverifyOff.text(lang).to_owned();
            }
            failed_rule(&w.text).map_or_else(
                || w.text.clone(),
                |rule| {
                    format!(
                        "{}: {} ({})",
                        Msg::CheckFailed.text(lang),
                        flags::rule_msg(rule).text(lang),
                        w.text
                    )
                },
            )
        })
        .collect();
    let actionable = match r.state {
        ResultState::PendingReview => {
            allowed.verify || allowed.verify_release || allowed.rerun || allowed.reject
        }
        ResultState::Verified | ResultState::AutoVerified => {
            allowed.release || allowed.verify_release || allowed.rerun || allowed.reject
        }
        _ => false,
    };
    let clear = is_clear(r);
    let callbacks = r.callbacks.iter().map(|c| callback_line(c, tz)).collect();
    ResultLine {
        id: r.id,
        version: r.rev,
        test_name: test_name(r, lang),
        test_code: r.test_code.clone(),
        value: r.value.clone(),
        unit: r.unit.clone(),
        range: r.range.as_ref().map(|a| a.text.clone()),
        flags: badges,
        delta,
        state: r.state,
        reasons,
        qc: qc(r),
        instrument: r.instrument.clone(),
        critical: r.critical,
        callbacks,
        actionable,
        checked: actionable && clear,
        raw_message_url: r.journal_id.map(|id| format!("/journal/{id}")),
    }
}

/// The rule a stored reason names (`reference_range: 6.3 above …`), so the page says in the
/// user's words which check stopped the result, before the check's own sentence.
fn failed_rule(text: &str) -> Option<RuleName> {
    let (name, _) = text.split_once(':')?;
    RuleName::ALL
        .into_iter()
        .find(|r| r.as_str() == name.trim())
}

/// Whether the result's checkbox starts checked, by core's clear rule
/// ([`lis_core::validation::clear`]): a value, no flag of ours or the analyzer's, not
/// critical, every must-pass check passed, no check failed, QC not failed. The server
/// recomputes this for the bulk actions; here it only preselects.
fn is_clear(r: &ReviewResult) -> bool {
    let passed = |rule: RuleName| {
        r.checks
            .iter()
            .any(|c| c.rule == rule.as_str() && c.outcome == Outcome::Passed)
    };
    let failed = r.checks.iter().any(|c| {
        c.outcome == Outcome::Failed && RuleName::ALL.iter().any(|rule| rule.as_str() == c.rule)
    });
    r.value_kind != "missing"
        && !r.critical
        && r.flags.is_empty()
        && r.instrument_flags.is_empty()
        && MUST_PASS.into_iter().all(passed)
        && !failed
        && !matches!(qc(r), QcStatus::OutOfControl(_))
}

/// The result's QC state from its QC check: passed, failed (with the detail), or none recorded.
fn qc(r: &ReviewResult) -> QcStatus {
    match r.checks.iter().find(|c| c.rule == RuleName::Qc.as_str()) {
        Some(c) if c.outcome == Outcome::Passed => QcStatus::InControl,
        Some(c) if c.outcome == Outcome::Failed => QcStatus::OutOfControl(c.detail.clone()),
        _ => QcStatus::Unknown,
    }
}

/// A stored call-back. An outcome the page does not know reads as "not reached", so it never
/// shows a release as allowed that core would refuse.
fn callback_line(c: &CallbackRecord, tz: &TimeZone) -> CallbackLine {
    CallbackLine {
        told_at: dates::date_time(c.recorded_at, tz),
        who: c.told_name.clone(),
        role: c.told_role.clone(),
        ward_or_phone: c.location.clone(),
        outcome: CallbackOutcome::parse(&c.outcome).unwrap_or(CallbackOutcome::NotReached),
        recorded_by: c.recorded_by.display_name.clone(),
    }
}

/// One audit entry in words: who (a user's name, else the stored actor), the action in the
/// catalog's words where it has them (else its code), the state before and after in words with
/// the value (else the stored JSON), the reason.
fn history_entry(h: &AuditEntry, tz: &TimeZone, lang: Lang) -> HistoryEntry {
    let side = |v: &Option<serde_json::Value>| -> String {
        let Some(v) = v else {
            return String::new();
        };
        let state = v
            .get("state")
            .and_then(serde_json::Value::as_str)
            .and_then(ResultState::parse);
        match state {
            Some(state) => {
                let words = flags::state_msg(state).text(lang);
                match v.get("value").and_then(serde_json::Value::as_str) {
                    Some(value) if !value.is_empty() => format!("{words} · {value}"),
                    _ => words.to_owned(),
                }
            }
            None => v.to_string(),
        }
    };
    let action = match h.action.as_str() {
        "result.store" | "result.ingest" | "result.receive" => Some(Msg::HistoryResultStored),
        "result.hold" => Some(Msg::HistoryHold),
        "result.autoverify" => Some(Msg::HistoryAutoverify),
        "result.verify" => Some(Msg::HistoryVerify),
        "result.release" => Some(Msg::HistoryRelease),
        "result.reject" => Some(Msg::HistoryReject),
        "result.request_rerun" => Some(Msg::HistoryRerun),
        "result.correct" | "result.correction_version" => Some(Msg::HistoryCorrect),
        "result.callback" => Some(Msg::HistoryCallback),
        "specimen.comment" => Some(Msg::HistoryComment),
        _ => None,
    };
    HistoryEntry {
        when: dates::date_time(h.at, tz),
        who: h
            .actor
            .display_name
            .clone()
            .unwrap_or_else(|| h.actor.stored.clone()),
        what: match action {
            Some(msg) => format!("{} ({} {})", msg.text(lang), h.entity, h.entity_id),
            None => format!("{} {} {}", h.action, h.entity, h.entity_id),
        },
        before: side(&h.old),
        after: side(&h.new),
        reason: h.reason.clone().unwrap_or_default(),
    }
}

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
    let targets: Vec<Option<ResultId>> = if selected.is_empty() {
        vec![None]
    } else {
        selected.iter().map(|(id, _)| Some(*id)).collect()
    };
    let done = blocking(move || {
        Ok::<_, AppError>(
            targets
                .into_iter()
                .try_for_each(|id| store.add_comment(&at, id, &text, &actor).map(drop)),
        )
    })
    .await
    .map_err(|e| current.error_message(e.status(), e.to_string()))?;
    done.map_err(|e| refusal(&current, &state, e))?;
    Ok(back(&barcode, selected.first().map(|(id, _)| *id)))
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
    let done = blocking(move || {
        Ok::<_, AppError>(
            store
                .record_callback(result_id, &callback, &actor)
                .map(drop),
        )
    })
    .await
    .map_err(|e| current.error_message(e.status(), e.to_string()))?;
    done.map_err(|e| refusal(&current, &state, e))?;
    Ok(back(&barcode, Some(result_id)))
}

/// Runs `action` on each checked result in order, stopping at the first refusal.
async fn act(
    current: &CurrentUser,
    state: &AppState,
    barcode: &str,
    form: &[(String, String)],
    action: Act,
) -> Result<Response, PageError> {
    let selected = selected(current, form)?;
    let Some(&(first, _)) = selected.first() else {
        return Err(bad_request(current, "no result was selected"));
    };
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    let done = blocking(move || {
        Ok::<_, AppError>(selected.iter().try_for_each(|&(id, rev)| {
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
    done.map_err(|e| refusal(current, state, e))?;
    Ok(back(barcode, Some(first)))
}

/// 303 back to the specimen page, at the first result acted on.
fn back(barcode: &str, first: Option<ResultId>) -> Response {
    let page = urls::specimen(barcode);
    let target = first.map_or_else(|| page.clone(), |id| format!("{page}#result-{id}"));
    Redirect::to(&target).into_response()
}

/// The error page for a refused action: 403 for the role or policy, 409 naming who changed a
/// stale result and when, 409 for a missing call-back, else as [`CurrentUser::store_error`].
fn refusal(current: &CurrentUser, state: &AppState, error: StoreError) -> ErrorPage {
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
fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A reason field that must not be empty (400 "Please give a reason." otherwise).
fn reason(
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
fn selected(
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
fn bad_request(current: &CurrentUser, detail: &str) -> PageError {
    current
        .error_message(
            StatusCode::BAD_REQUEST,
            Msg::ErrorBadRequest.fill(current.lang, &[("detail", detail)]),
        )
        .into()
}

#[cfg(test)]
mod tests;
