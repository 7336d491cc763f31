//! Values a person types on the specimen page: `POST /specimens/{id}/enter` (a result for an
//! ordered test without one), `/edit` (a new value for a result not yet released, with a
//! reason: a new version) and `/correct` (a released result, supervisors only, with a reason:
//! released at once and sent again to the HIS as a correction, OBX-11 `C`).
//!
//! Each goes through core's one operation for it (`Store::enter_result`, `Store::edit_value`,
//! `Store::correct_result`): the value is checked like an analyzer's, the role and the row
//! version are checked again in the transaction, and the audit entry is written with it. Each is
//! about one result, so a refusal is its error page (403, 409) and nothing changed.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::Response;
use lis_core::permissions::Permission;

use super::csrf::CsrfForm;
use super::error_page::PageError;
use super::session::CurrentUser;
use super::specimen_actions::{answer, bad_request, each, field, reason, selected};
use super::specimen_notice::Done;
use crate::error::AppError;
use crate::request::blocking;
use crate::state::AppState;

/// `POST /specimens/{id}/enter` with `test` (an ordered test's code) and `value`.
pub async fn specimen_enter_post(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(barcode): Path<String>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    current.require(Permission::EnterResult)?;
    let test = field(&form, "test").unwrap_or_default().trim().to_owned();
    if test.is_empty() {
        return Err(bad_request(&current, "no test was chosen"));
    }
    let value = typed_value(&current, &form)?;
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    let at = barcode.clone();
    let ran = blocking(move || {
        let mut entered = None;
        let mut ran = each(&[(0, 0)], |_, _| {
            entered = Some(store.enter_result(&at, &test, &value, &actor)?.result_id);
            Ok(())
        });
        ran.first = entered;
        Ok::<_, AppError>(ran)
    })
    .await
    .map_err(|e| current.error_message(e.status(), e.to_string()))?;
    answer(&current, &state, &barcode, Done::Entered, ran)
}

/// `POST /specimens/{id}/edit` with `result` (`id:version`), `new_value` and `edit_reason`.
pub async fn specimen_edit_post(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(barcode): Path<String>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    current.require(Permission::EnterResult)?;
    new_version(&current, &state, &barcode, &form, Change::Edit).await
}

/// `POST /specimens/{id}/correct` with `result` (`id:version` of a released result),
/// `new_value` and `correct_reason`.
pub async fn specimen_correct_post(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(barcode): Path<String>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    current.require(Permission::Correct)?;
    new_version(&current, &state, &barcode, &form, Change::Correct).await
}

/// A new value for an existing result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    /// Not yet released: `Store::edit_value`.
    Edit,
    /// Released: `Store::correct_result`.
    Correct,
}

/// Reads the result, the new value and the reason, makes the new version through core and
/// answers 303 to the page at the new version.
async fn new_version(
    current: &CurrentUser,
    state: &AppState,
    barcode: &str,
    form: &[(String, String)],
    change: Change,
) -> Result<Response, PageError> {
    let (id, rev) = one_result(current, form)?;
    let value = typed_value(current, form)?;
    let (reason_field, done) = match change {
        Change::Edit => ("edit_reason", Done::Edited),
        Change::Correct => ("correct_reason", Done::Corrected),
    };
    let why = reason(current, form, reason_field)?;
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    let ran = blocking(move || {
        let mut new = None;
        let mut ran = each(&[(id, rev)], |id, rev| {
            let acted = match change {
                Change::Edit => store.edit_value(id, rev, &value, &why, &actor)?,
                Change::Correct => store.correct_result(id, rev, &value, &why, &actor)?,
            };
            new = acted.new_version;
            Ok(())
        });
        ran.first = new.or(ran.first);
        Ok::<_, AppError>(ran)
    })
    .await
    .map_err(|e| current.error_message(e.status(), e.to_string()))?;
    answer(current, state, barcode, done, ran)
}

/// The one `result=id:version` the form names (400 otherwise).
fn one_result(
    current: &CurrentUser,
    form: &[(String, String)],
) -> Result<(lis_core::model::ResultId, i64), PageError> {
    match selected(current, form)?.as_slice() {
        [one] => Ok(*one),
        _ => Err(bad_request(current, "choose exactly one result")),
    }
}

/// The typed value (`value`, else `new_value`), trimmed; an empty one is a 400.
fn typed_value(current: &CurrentUser, form: &[(String, String)]) -> Result<String, PageError> {
    let value = field(form, "value")
        .or_else(|| field(form, "new_value"))
        .unwrap_or_default()
        .trim()
        .to_owned();
    if value.is_empty() {
        return Err(bad_request(current, "the value is empty"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests;
