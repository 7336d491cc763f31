//! The supervisors' actions of the QC page: `POST /qc/override` (`instrument`, `test`, `run`,
//! `reason` required) lets the rejected QC of a test on an instrument be overridden, and `POST
//! /qc/recheck` (`result`, `run`, `note` required) records that a patient result flagged by a
//! rejected run was checked again. Both need [`Permission::ManageQc`], are made and audited by
//! core (`Store::override_qc`, `Store::qc_recheck_done`), and redirect to `/qc` with a notice.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lis_core::permissions::Permission;

use super::{field, QcMsg, QcUrls};
use crate::state::AppState;
use crate::ui::csrf::CsrfForm;
use crate::ui::error_page::PageError;
use crate::ui::i18n::{Msg, Text};
use crate::ui::monitor::on_store;
use crate::ui::session::CurrentUser;

/// A whole number from the form, or the 400 page naming the field.
fn number(current: &CurrentUser, form: &[(String, String)], name: &str) -> Result<i64, PageError> {
    let text = field(form, name);
    text.parse().map_err(|_| {
        current
            .error_message(
                StatusCode::BAD_REQUEST,
                QcMsg::BadNumber.fill(current.lang, &[("field", name), ("value", text)]),
            )
            .into()
    })
}

/// `POST /qc/override`.
pub async fn qc_override_post(
    current: CurrentUser,
    State(state): State<AppState>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    current.require(Permission::ManageQc)?;
    let run = number(&current, &form, "run")?;
    let (instrument, test) = (field(&form, "instrument"), field(&form, "test"));
    let reason = field(&form, "reason").to_owned();
    if reason.is_empty() {
        return Err(current
            .error_page(StatusCode::BAD_REQUEST, Msg::ErrorReasonRequired)
            .into());
    }
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    let (i, t) = (instrument.to_owned(), test.to_owned());
    on_store(&current, move || {
        store.override_qc(&i, &t, run, &reason, &actor)
    })
    .await?;
    let query = serde_urlencoded::to_string([
        ("done", "override"),
        ("instrument", instrument),
        ("test", test),
    ])
    .unwrap_or_default();
    Ok(Redirect::to(&format!("{}?{query}", QcUrls::Overview)).into_response())
}

/// `POST /qc/recheck`.
pub async fn qc_recheck_post(
    current: CurrentUser,
    State(state): State<AppState>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    current.require(Permission::ManageQc)?;
    let result = number(&current, &form, "result")?;
    let run = number(&current, &form, "run")?;
    let note = field(&form, "note").to_owned();
    if note.is_empty() {
        return Err(current
            .error_message(
                StatusCode::BAD_REQUEST,
                QcMsg::Required.fill(
                    current.lang,
                    &[("field", QcMsg::RecheckNote.text(current.lang))],
                ),
            )
            .into());
    }
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    on_store(&current, move || {
        store.qc_recheck_done(result, run, &note, &actor)
    })
    .await?;
    Ok(Redirect::to(&format!("{}?done=recheck#rechecks", QcUrls::Overview)).into_response())
}
