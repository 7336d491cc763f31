//! The specimen review page: `GET /specimens/{id}` reads the specimen from core and fills
//! [`SpecimenPage`], with the notice of the action that redirected here (its query, read by
//! [`Outcome::from_query`](super::specimen_notice::Outcome::from_query)). The router holds the page's actions ([`super::specimen_actions`]:
//! verify, release, verify-and-release, rerun, reject, comment, call-back;
//! [`super::specimen_values`]: manual entry, edit, correction) and `GET /journal/{id}`
//! ([`super::journal`]), the raw message a result came in.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use axum::Router;
use jiff::tz::TimeZone;
use lis_core::config::{ReviewSteps, RuleName};
use lis_core::lifecycle::ResultState;
use lis_core::model::{
    CallbackRecord, HistoryEntry as AuditEntry, PriorResults, Priority, QcResultNote, ResultId,
    ReviewResult, SpecimenReview,
};
use lis_core::permissions::Permission;
use lis_core::validation::clear::MUST_PASS;
use lis_core::validation::{Outcome, QcStatus};
use lis_core::{LabConfig, Store, StoreError};

use super::dates;
use super::error_page::PageError;
use super::flags::{self, FlagBadge};
use super::i18n::{Lang, Msg, Text};
use super::layout::Nav;
use super::qc::markers::{note_lines, QcRejections};
use super::result_texts::ResultMsg;
use super::session::CurrentUser;
use super::specimen::{
    Allowed, CallbackLine, CallbackOutcome, CommentLine, HistoryEntry, PreviousResult, ResultLine,
    SpecimenFacts, SpecimenPage, SupplementLine, TestChoice,
};
use super::specimen_actions as actions;
use super::specimen_notice::Outcome as ActionOutcome;
use super::specimen_values as values;
use super::urls::{SpecimenAction, Urls};
use super::why_held;
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
        .route(
            &action(SpecimenAction::Verify),
            post(actions::specimen_verify_post),
        )
        .route(
            &action(SpecimenAction::Release),
            post(actions::specimen_release_post),
        )
        .route(
            &action(SpecimenAction::VerifyRelease),
            post(actions::specimen_verify_release_post),
        )
        .route(
            &action(SpecimenAction::Rerun),
            post(actions::specimen_rerun_post),
        )
        .route(
            &action(SpecimenAction::Reject),
            post(actions::specimen_reject_post),
        )
        .route(
            &action(SpecimenAction::Comment),
            post(actions::specimen_comment_post),
        )
        .route(
            &action(SpecimenAction::Callback),
            post(actions::specimen_callback_post),
        )
        .route(
            &action(SpecimenAction::Enter),
            post(values::specimen_enter_post),
        )
        .route(
            &action(SpecimenAction::Edit),
            post(values::specimen_edit_post),
        )
        .route(
            &action(SpecimenAction::Correct),
            post(values::specimen_correct_post),
        )
        .route("/journal/{id}", get(super::journal::journal_get))
}

/// `GET /specimens/{id}`: the specimen with every result, flags, reasons, previous results,
/// history and comments, in the user's language, and the notice of the action that redirected
/// here.
pub async fn specimen_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(barcode): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<SpecimenPage, PageError> {
    current.require(Permission::Review)?;
    let store = Arc::clone(&state.store);
    let wanted = barcode.clone();
    let read = blocking(move || Ok::<_, AppError>(read_specimen(&store, &wanted)))
        .await
        .map_err(|e| current.error_message(e.status(), e.to_string()))?;
    let (review, previous, history, qc, graphs) = read.map_err(|e| current.store_error(e))?;
    let graphs =
        super::specimen_graphs::view(&graphs, &barcode, current.lang, state.config.time_zone());
    let (rejections, qc_notes) = qc;
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
    let mut layout = current.layout(Nav::Worklist);
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.as_deref().unwrap_or_default()).unwrap_or_default();
    layout.notice = ActionOutcome::from_query(&pairs).map(|o| {
        o.notice(lang, |id| {
            review
                .results
                .iter()
                .find(|r| r.id == id)
                .map_or_else(|| format!("#{id}"), |r| test_name(r, lang))
        })
    });
    let tests_without_result = review
        .tests_without_result
        .iter()
        .map(|code| TestChoice {
            code: code.clone(),
            name: state.config.test(code).map_or_else(
                || code.clone(),
                |t| match lang {
                    Lang::Vi => t.name_vi.clone(),
                    Lang::En => t.name_en.clone(),
                },
            ),
        })
        .collect();
    Ok(SpecimenPage {
        layout,
        specimen: facts(&review, lang, &tz),
        results: review
            .results
            .iter()
            .map(|r| {
                let mut line = result_line(r, &state.config, lang, &tz, allowed);
                // A result that may still be released shows its QC's rejection as it is now;
                // every result shows its re-check flags and the override it was released under.
                if matches!(
                    r.state,
                    ResultState::Received
                        | ResultState::PendingReview
                        | ResultState::AutoVerified
                        | ResultState::Verified
                ) {
                    line.qc_marker = rejections.marker(&r.instrument, &r.test_code, lang);
                }
                line.qc_notes = qc_notes
                    .get(&r.id)
                    .map(|n| note_lines(n, lang, &tz))
                    .unwrap_or_default();
                line
            })
            .collect(),
        tests_without_result,
        allowed,
        dilutions,
        previous,
        history: history
            .iter()
            .map(|h| history_entry(h, &tz, current.lang))
            .collect(),
        comments,
        graphs,
    })
}

/// The rejected QC states now, and what each result's QC note says.
type QcView = (QcRejections, HashMap<ResultId, QcResultNote>);

/// What the specimen page reads, in one blocking call: the review, previous results, history,
/// QC markers and the analyzers' graphs.
type SpecimenRead = (
    SpecimenReview,
    Vec<PriorResults>,
    Vec<AuditEntry>,
    QcView,
    Vec<lis_core::model::StoredGraph>,
);

/// The specimen, the patient's earlier results of its tests, its audit history and the QC the
/// page shows beside its results.
fn read_specimen(store: &Store, barcode: &str) -> Result<SpecimenRead, StoreError> {
    let review = store.specimen_review(barcode)?;
    let codes: Vec<String> = review.results.iter().map(|r| r.test_code.clone()).collect();
    let previous =
        store.previous_results(review.patient.id, &codes, Some(barcode), PREVIOUS_PER_TEST)?;
    let history = store.specimen_history(barcode)?;
    let ids: Vec<ResultId> = review.results.iter().map(|r| r.id).collect();
    let standings = store.qc_rejections()?;
    let mut fired = HashMap::new();
    for run in QcRejections::runs(&standings) {
        fired.insert(run, store.qc_fired_rules(run)?);
    }
    let qc = (
        QcRejections::with_reasons(standings, fired),
        store.qc_result_notes(&ids)?,
    );
    let graphs = store.specimen_graphs(barcode)?;
    Ok((review, previous, history, qc, graphs))
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
        enter: current.may(Permission::EnterResult),
        correct: current.may(Permission::Correct),
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
fn result_line(
    r: &ReviewResult,
    config: &LabConfig,
    lang: Lang,
    tz: &TimeZone,
    allowed: Allowed,
) -> ResultLine {
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
    let test = config.test(&r.test_code);
    let reasons = r
        .reasons
        .iter()
        .map(|w| why_held::reason_words(r, w, test, lang, tz))
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
        qc_marker: None,
        qc_notes: Vec::new(),
        instrument: r.instrument.clone(),
        critical: r.critical,
        callbacks,
        actionable,
        checked: actionable && clear,
        editable: allowed.enter
            && r.reported
            && matches!(
                r.state,
                ResultState::PendingReview | ResultState::AutoVerified | ResultState::Verified
            ),
        correctable: allowed.correct && r.state == ResultState::Released,
        raw_message_url: r.journal_id.map(|id| format!("/journal/{id}")),
        supplements: r
            .supplements
            .iter()
            .map(|s| SupplementLine {
                name: s.name.clone(),
                value: s.value.clone(),
                units: s.units.clone(),
            })
            .collect(),
        antibiogram: r
            .isolate
            .as_ref()
            .map(|i| super::antibiogram::antibiogram(i, lang)),
    }
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
    let side = |v: &Option<serde_json::Value>| flags::audit_side_words(v.as_ref(), lang);
    let action = match h.action.as_str() {
        "result.store" | "result.ingest" | "result.receive" => {
            Some(Msg::HistoryResultStored.text(lang))
        }
        "result.hold" => Some(Msg::HistoryHold.text(lang)),
        "result.autoverify" => Some(Msg::HistoryAutoverify.text(lang)),
        "result.verify" => Some(Msg::HistoryVerify.text(lang)),
        "result.release" => Some(Msg::HistoryRelease.text(lang)),
        "result.reject" => Some(Msg::HistoryReject.text(lang)),
        "result.request_rerun" => Some(Msg::HistoryRerun.text(lang)),
        "result.correct" => Some(Msg::HistoryCorrect.text(lang)),
        "result.correction_version" => Some(ResultMsg::HistoryCorrectionVersion.text(lang)),
        "result.edit" => Some(ResultMsg::HistoryEdit.text(lang)),
        "result.edit_version" => Some(ResultMsg::HistoryEditVersion.text(lang)),
        "result.enter" => Some(ResultMsg::HistoryEnter.text(lang)),
        "result.callback" => Some(Msg::HistoryCallback.text(lang)),
        "specimen.comment" => Some(Msg::HistoryComment.text(lang)),
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
            Some(words) => format!("{words} ({} {})", h.entity, h.entity_id),
            None => format!("{} {} {}", h.action, h.entity, h.entity_id),
        },
        before: side(&h.old),
        after: side(&h.new),
        reason: h.reason.clone().unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests;
