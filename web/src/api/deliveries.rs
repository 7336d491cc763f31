//! `GET /api/v1/his/deliveries?state=failed`: result messages the HIS refused (AE/AR, never
//! retried) or that keep failing (retried), newest first, so a person sees them outside the
//! logs. `lis his requeue --outbox ID --endpoint NAME` puts a refused one back in the queue.

// utoipa's expansion of `params(DeliveriesQuery)` writes a qualified path that this module's
// imports make redundant; the lint fires on generated code only.
#![allow(unused_qualifications)]

use axum::extract::State;
use axum::Json;
use lis_core::store::HisDelivery;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::results::limit_param;
use crate::auth::{RequireScope, ResultsRead};
use crate::error::{AppError, ErrorBody};
use crate::request::{blocking, QueryParams};
use crate::state::AppState;

/// Filters of `GET /api/v1/his/deliveries`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// `failed`: refused by the HIS (AE/AR) or failing and being retried. Required.
    #[param(value_type = DeliveryStateFilter, required = true)]
    pub state: Option<String>,
    /// At most this many rows (default 100, at most 1000).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
}

/// The `state` filter's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStateFilter {
    /// Refused by the HIS, or failing and being retried.
    Failed,
}

/// One delivery of an outbox row to one HIS endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeliveryOut {
    /// The outbox row (what `lis his requeue --outbox` takes).
    pub outbox_id: i64,
    /// The endpoint's name (`[[his.results]] name`).
    pub endpoint: String,
    /// The order's id.
    pub order_id: i64,
    /// `results_released` or `correction`.
    pub kind: String,
    /// The result versions the message carries.
    pub result_ids: Vec<i64>,
    /// `rejected` (AE/AR, not retried) or `pending` (failing, retried).
    pub state: String,
    /// Attempts so far.
    pub attempts: i64,
    /// MSH-10 of the message.
    pub control_id: Option<String>,
    /// MSA-1 of the HIS's last acknowledgement.
    pub ack_code: Option<String>,
    /// The HIS's error text (MSA-3/ERR) or the connection error.
    pub last_error: Option<String>,
    /// When the row was queued, RFC 3339.
    pub created_at: String,
    /// When the next attempt is due (a pending one), RFC 3339.
    pub next_attempt_at: Option<String>,
}

/// The answer of `GET /api/v1/his/deliveries`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeliveriesOut {
    /// Newest first.
    pub deliveries: Vec<DeliveryOut>,
}

fn delivery_out(d: &HisDelivery) -> DeliveryOut {
    DeliveryOut {
        outbox_id: d.outbox_id,
        endpoint: d.endpoint.clone(),
        order_id: d.order_id,
        kind: d.kind.clone(),
        result_ids: d.result_ids.clone(),
        state: d.state.as_str().to_owned(),
        attempts: d.attempts,
        control_id: d.control_id.clone(),
        ack_code: d.ack_code.clone(),
        last_error: d.last_error.clone(),
        created_at: d.created_at.to_string(),
        next_attempt_at: d.next_attempt_at.map(|t| t.to_string()),
    }
}

/// Failed HIS deliveries.
#[utoipa::path(
    get,
    path = "/api/v1/his/deliveries",
    operation_id = "list_deliveries",
    tag = "results",
    params(DeliveriesQuery),
    responses(
        (status = 200, description = "Deliveries the HIS refused or that keep failing, newest first", body = DeliveriesOut),
        (status = 400, description = "A bad parameter; `field` names it", body = ErrorBody),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 403, description = "The token lacks results:read", body = ErrorBody),
    ),
    security(("bearer" = ["results:read"]))
)]
pub async fn list(
    _auth: RequireScope<ResultsRead>,
    State(state): State<AppState>,
    QueryParams(q): QueryParams<DeliveriesQuery>,
) -> Result<Json<DeliveriesOut>, AppError> {
    blocking(move || {
        match q.state.as_deref() {
            Some("failed") => {}
            other => {
                return Err(AppError::bad_field(
                    "state",
                    format!("{other:?}: only state=failed is served"),
                ))
            }
        }
        let limit = limit_param("limit", q.limit.as_deref())?;
        let deliveries = state
            .store
            .his_problems(limit)?
            .iter()
            .map(delivery_out)
            .collect();
        Ok(Json(DeliveriesOut { deliveries }))
    })
    .await
}
