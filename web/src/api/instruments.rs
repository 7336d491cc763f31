//! `POST /api/v1/instruments/{id}/orders/download`: sends an analyzer every pending order for it
//! as one work-list download (E1394 O records, or OML^O33), where its profile takes downloads.

use axum::extract::{Path, State};
use axum::Json;
use lis_drivers::runner::{Download, DownloadError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{OrdersWrite, RequireScope};
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

/// What a download request did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DownloadOut {
    /// The instrument id.
    pub instrument: String,
    /// How many ordered tests were queued for the analyzer (0 when nothing was pending).
    pub queued_tests: usize,
}

/// Queues every pending order for an instrument as one download to the analyzer.
#[utoipa::path(
    post,
    path = "/api/v1/instruments/{id}/orders/download",
    operation_id = "download_orders",
    tag = "instruments",
    params(("id" = String, Path, description = "The instrument id in the lab config")),
    responses(
        (status = 200, description = "Queued (or nothing pending)", body = DownloadOut),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 403, description = "The token lacks orders:write", body = ErrorBody),
        (status = 404, description = "No running link for that instrument", body = ErrorBody),
        (status = 409, description = "The analyzer's profile takes no downloads", body = ErrorBody),
    ),
    security(("bearer" = ["orders:write"]))
)]
pub async fn download(
    _auth: RequireScope<OrdersWrite>,
    State(state): State<AppState>,
    Path(instrument): Path<String>,
) -> Result<Json<DownloadOut>, AppError> {
    let queued_tests = match state.downloads.download_orders(&instrument).await {
        Ok(Download::Queued(n)) => n,
        Ok(Download::NothingPending) => 0,
        Err(DownloadError::NoLink(_)) => {
            return Err(AppError::NotFound(format!(
                "no running link for instrument {instrument:?}"
            )))
        }
        Err(e @ DownloadError::NotSupported(_)) => return Err(AppError::Conflict(e.to_string())),
        Err(e) => return Err(AppError::internal(&e)),
    };
    Ok(Json(DownloadOut {
        instrument,
        queued_tests,
    }))
}
