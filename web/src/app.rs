//! [`app`]: the one HTTP router with every route, apart from the listener (`lis serve`) so that
//! `oneshot` tests see exactly what a client sees.
//!
//! Layers, from the outside in: the security headers ([`crate::security_headers`]) on every
//! answer; a limit on the requests served at once; the body limit; then, on every route that
//! answers and ends (all of them today), the request timeout. A streaming route (the UI's change
//! feed) is merged beside the `bounded` router in [`app_with`], so it gets every layer but the
//! timeout.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower::limit::GlobalConcurrencyLimitLayer;

use crate::error::AppError;
use crate::http_settings::HttpSettings;
use crate::request::MAX_BODY_BYTES;
use crate::security_headers::security_headers;
use crate::state::AppState;
use crate::{api, fhir, health, metrics, openapi, ui};

/// The HTTP app with the default [`HttpSettings`] (plain HTTP): `/healthz`, `/api/v1/links`,
/// the REST API (`/api/v1/...`), FHIR (`/fhir/r4/...`), `/api/openapi.json`, `/metrics` and
/// the technicians' UI ([`ui::routes()`]).
pub fn app(state: AppState) -> Router {
    app_with(state, &HttpSettings::default())
}

/// The HTTP app with the request timeout and concurrency limit of `settings`; whether it is
/// served over TLS (`settings.tls`) decides [`AppState::https`] (`Secure` cookies, the origin
/// forms must come from); `settings.public_base_url`, when set, is
/// [`AppState::public_base_url`].
pub fn app_with(state: AppState, settings: &HttpSettings) -> Router {
    let public_base_url = match &settings.public_base_url {
        Some(url) => Some(Arc::from(url.as_str())),
        None => state.public_base_url.clone(),
    };
    let state = AppState {
        https: settings.tls.is_some(),
        public_base_url,
        ..state
    };
    let bounded = Router::new()
        .route("/healthz", get(health::healthz_get))
        .route("/api/v1/links", get(health::links_get))
        .route("/api/openapi.json", get(openapi::document))
        .route("/metrics", get(metrics::render))
        .merge(api::routes())
        .merge(fhir::routes())
        .merge(ui::routes())
        .layer(middleware::from_fn_with_state(
            settings.request_timeout,
            request_timeout,
        ));
    Router::new()
        .merge(bounded)
        .merge(ui::worklist_routes::live_routes())
        .merge(ui::monitor::streams())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(GlobalConcurrencyLimitLayer::new(
            settings.max_concurrent_requests,
        ))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// Answers 503 ([`AppError::Timeout`]) when the request takes longer than `limit`. A store call
/// already on the blocking pool still finishes (and commits) after the answer.
async fn request_timeout(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => AppError::Timeout {
            seconds: limit.as_secs(),
        }
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use axum::Router;
    use http_body_util::BodyExt;
    use lis_core::{LabConfig, Store};
    use lis_drivers::link::LinkRegistry;
    use tower::ServiceExt;

    use super::{app_with, request_timeout};
    use crate::http_settings::HttpSettings;
    use crate::state::AppState;

    /// A route slower than the limit is answered 503 with the JSON error body, on time.
    #[tokio::test(start_paused = true)]
    async fn a_slow_request_is_answered_503_at_the_limit() {
        let slow = Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    "done"
                }),
            )
            .route("/fast", get(|| async { "done" }))
            .layer(axum::middleware::from_fn_with_state(
                Duration::from_secs(2),
                request_timeout,
            ));
        let started = tokio::time::Instant::now();
        let response = slow
            .clone()
            .oneshot(Request::get("/slow").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(started.elapsed(), Duration::from_secs(2));
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "status": 503,
                "code": "timeout",
                "message": "the request took longer than 2 s and was abandoned; try again later",
            })
        );
        let response = slow
            .oneshot(Request::get("/fast").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    /// Whether `GET /api/v1/links` is answered within 300 ms while a `GET /healthz` is in flight
    /// and stuck (its store call waits for the one blocking thread, which the test holds), with
    /// at most `limit` requests at once. The limit counts requests on every route together.
    fn links_answered_while_healthz_is_stuck(limit: usize) -> bool {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .max_blocking_threads(1)
            .build()
            .unwrap();
        runtime.block_on(async {
            let store =
                Arc::new(Store::open_in_memory(LabConfig::embedded_default().unwrap()).unwrap());
            let settings = HttpSettings {
                max_concurrent_requests: limit,
                ..HttpSettings::default()
            };
            let app = app_with(AppState::new(store, LinkRegistry::new()), &settings);
            let (started_tx, started_rx) = tokio::sync::oneshot::channel();
            let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
            let holder = tokio::task::spawn_blocking(move || {
                started_tx.send(()).unwrap();
                release_rx.recv().unwrap();
            });
            started_rx.await.unwrap();
            let get = |uri: &str| {
                app.clone()
                    .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            };
            let healthz = tokio::spawn(get("/healthz"));
            tokio::time::sleep(Duration::from_millis(50)).await;
            let mut links = tokio::spawn(get("/api/v1/links"));
            let early = tokio::time::timeout(Duration::from_millis(300), &mut links).await;
            let answered = early.is_ok();
            release_tx.send(()).unwrap();
            holder.await.unwrap();
            assert_eq!(healthz.await.unwrap().unwrap().status(), StatusCode::OK);
            let links = match early {
                Ok(done) => done,
                Err(_) => links.await,
            };
            assert_eq!(links.unwrap().unwrap().status(), StatusCode::OK);
            answered
        })
    }

    #[test]
    fn requests_beyond_the_concurrency_limit_wait_for_a_free_place() {
        assert!(!links_answered_while_healthz_is_stuck(1));
        assert!(links_answered_while_healthz_is_stuck(2));
    }
}
