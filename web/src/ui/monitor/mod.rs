//! The monitoring pages: the unmatched queue ([`unmatched`]), the analyzer links
//! ([`instruments`]) and the audit trail ([`audit`]), with their catalog ([`texts`]) and paths
//! ([`MonitorUrls`]). [`routes`] holds their routes; each handler takes
//! [`CurrentUser`] first and checks its permission, and every form is a
//! [`CsrfForm`](super::CsrfForm).

pub mod audit;
pub mod instruments;
pub mod texts;
pub mod unmatched;

#[cfg(test)]
mod test_lab;

use std::fmt;

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use lis_core::StoreError;

use self::texts::MonitorMsg;
use super::error_page::PageError;
use super::i18n::{Msg, Text};
use super::session::CurrentUser;
use crate::error::AppError;
use crate::request::blocking;
use crate::state::AppState;

/// The fixed paths of the monitoring pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonitorUrls {
    /// The unmatched queue; one entry is `/unmatched/{id}` ([`unmatched::entry_url`]).
    Unmatched,
    /// The instruments page.
    Instruments,
    /// The instruments' rows alone (the live refresh).
    InstrumentsRows,
    /// The instruments' change stream (server-sent events).
    InstrumentsEvents,
    /// The audit trail.
    Audit,
    /// The audit trail as CSV, with the same filters.
    AuditCsv,
}

impl MonitorUrls {
    /// The path.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unmatched => "/unmatched",
            Self::Instruments => "/instruments",
            Self::InstrumentsRows => "/instruments/rows",
            Self::InstrumentsEvents => "/instruments/events",
            Self::Audit => "/audit",
            Self::AuditCsv => "/audit.csv",
        }
    }
}

impl fmt::Display for MonitorUrls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every route of the monitoring pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            MonitorUrls::Unmatched.as_str(),
            get(unmatched::unmatched_get),
        )
        .route("/unmatched/{id}", get(unmatched::unmatched_entry_get))
        .route(
            "/unmatched/{id}/attach",
            post(unmatched::unmatched_attach_post),
        )
        .route(
            "/unmatched/{id}/discard",
            post(unmatched::unmatched_discard_post),
        )
        .route(
            MonitorUrls::Instruments.as_str(),
            get(instruments::instruments_get),
        )
        .route(
            MonitorUrls::InstrumentsRows.as_str(),
            get(instruments::instruments_rows_get),
        )
        .route(
            "/instruments/{link}/trace",
            get(instruments::instrument_trace_get),
        )
        .route(MonitorUrls::Audit.as_str(), get(audit::audit_get))
        .route(MonitorUrls::AuditCsv.as_str(), get(audit::audit_csv_get))
        .route("/audit/specimens/{id}", get(audit::audit_specimen_get))
        .route("/audit/results/{id}", get(audit::audit_result_get))
}

/// The live stream of the instruments page: merged beside the bounded routes (no request
/// timeout), like the worklist's.
pub fn streams() -> Router<AppState> {
    Router::new().route(
        MonitorUrls::InstrumentsEvents.as_str(),
        get(instruments::instruments_events_get),
    )
}

/// Runs a store call on the blocking pool; its refusals become the user's error pages (403 for
/// a role, 409 with the reason for a conflict, 404, else 500).
pub(crate) async fn on_store<T: Send + 'static>(
    current: &CurrentUser,
    call: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, PageError> {
    match blocking(move || Ok::<_, AppError>(call())).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(StoreError::Forbidden { .. })) => Err(current
            .error_page(StatusCode::FORBIDDEN, Msg::ErrorForbidden)
            .into()),
        Ok(Err(error @ StoreError::Conflict { .. })) => Err(current
            .error_message(
                StatusCode::CONFLICT,
                Msg::ErrorConflict.fill(current.lang, &[("reason", &error.to_string())]),
            )
            .into()),
        Ok(Err(e)) => Err(current.store_error(e).into()),
        // `blocking` logged the failure with its reference.
        Err(_) => Err(current
            .error_page(StatusCode::INTERNAL_SERVER_ERROR, Msg::ErrorInternal)
            .into()),
    }
}

/// A 400 page naming what was wrong.
pub(crate) fn bad_request(current: &CurrentUser, detail: &str) -> PageError {
    current
        .error_message(
            StatusCode::BAD_REQUEST,
            Msg::ErrorBadRequest.fill(current.lang, &[("detail", detail)]),
        )
        .into()
}

/// A 404 page with a text of this catalog.
pub(crate) fn not_found(current: &CurrentUser, msg: MonitorMsg) -> PageError {
    current
        .error_message(StatusCode::NOT_FOUND, msg.text(current.lang).to_owned())
        .into()
}
