//! The HIS-facing REST API under `/api/v1` ([`routes`]); FHIR R4 is in [`crate::fhir`], the
//! OpenAPI document in [`crate::openapi`] and Prometheus metrics in [`crate::metrics`], all
//! assembled by [`crate::app::app`].
//!
//! Every handler takes the auth extractor first ([`crate::auth::RequireScope`]), then the query
//! or body (so a client without a token always gets 401, whatever it sent), then calls the store
//! on the blocking pool ([`crate::request::blocking`]).
//!
//! - [`orders`]: `POST /api/v1/orders`, `POST /api/v1/orders/{placer}/cancel`,
//!   `GET /api/v1/orders/{placer}`.
//! - [`results`]: `GET /api/v1/results` (released results only, for polling).
//! - [`deliveries`]: `GET /api/v1/his/deliveries?state=failed` (what the HIS refused).
//! - [`instruments`]: `POST /api/v1/instruments/{id}/orders/download` (a work-list download).

pub mod deliveries;
pub mod instruments;
pub mod orders;
pub mod results;

use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

/// The REST routes, for [`crate::app::app`] to merge.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/orders", post(orders::place))
        .route("/api/v1/orders/{placer}", get(orders::status))
        .route("/api/v1/orders/{placer}/cancel", post(orders::cancel))
        .route("/api/v1/results", get(results::list))
        .route("/api/v1/his/deliveries", get(deliveries::list))
        .route(
            "/api/v1/instruments/{id}/orders/download",
            post(instruments::download),
        )
}

#[cfg(test)]
mod tests;
