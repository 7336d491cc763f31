//! [`app`]: the one HTTP router with every route, apart from the listener (`lis serve`) so that
//! `oneshot` tests see exactly what a client sees. The security headers
//! ([`crate::security_headers`]) wrap every answer, the 404 of no route included.

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::get;
use axum::Router;

use crate::request::MAX_BODY_BYTES;
use crate::security_headers::security_headers;
use crate::state::AppState;
use crate::{api, fhir, health, metrics, openapi};

/// The HTTP app: `/healthz`, `/api/v1/links`, the REST API (`/api/v1/...`), FHIR
/// (`/fhir/r4/...`), `/api/openapi.json` and `/metrics`.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz_get))
        .route("/api/v1/links", get(health::links_get))
        .route("/api/openapi.json", get(openapi::document))
        .route("/metrics", get(metrics::render))
        .merge(api::routes())
        .merge(fhir::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}
