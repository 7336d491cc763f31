//! [`app`]: the HTTP router, apart from the listener (`lis serve`) so it can be tested with
//! `oneshot`.

use axum::routing::get;
use axum::Router;

use crate::health;
use crate::state::AppState;

/// The HTTP app: `GET /healthz` and `GET /api/v1/links`.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz_get))
        .route("/api/v1/links", get(health::links_get))
        .with_state(state)
}
