//! The HIS-facing HTTP API: REST under `/api/v1`, FHIR R4 under `/fhir/r4`, the OpenAPI document
//! at `/api/openapi.json` and Prometheus metrics at `/metrics`.
//!
//! [`his_routes`] returns one router with all of them, for the main app to merge. Handlers
//! check the bearer token first (see [`crate::auth`]), then read the body or query (so a client
//! without a token always gets 401, whatever it sent), then call the store.
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

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use lis_core::Store;
use lis_drivers::his::HisMetrics;
use lis_drivers::link::LinkRegistry;
use lis_drivers::runner::OrderDownloads;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// What the HIS routes need.
#[derive(Debug, Clone)]
pub struct HisState {
    /// The lab's database.
    pub store: Arc<Store>,
    /// The HIS counters (shared with the MLLP listener and senders).
    pub metrics: Arc<HisMetrics>,
    /// The analyzer links' status (for `/metrics`).
    pub links: LinkRegistry,
    /// Order downloads to the running analyzer links (none when no link runs).
    pub downloads: OrderDownloads,
}

impl HisState {
    /// State with fresh counters and no links.
    pub fn new(store: Arc<Store>) -> Self {
        Self {
            store,
            metrics: Arc::new(HisMetrics::new()),
            links: LinkRegistry::new(),
            downloads: OrderDownloads::default(),
        }
    }
}

/// Largest request body the API reads (an order is a few kilobytes).
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// The body, or why it could not be read (too large, cut off) as an [`AppError`].
pub(crate) fn body_bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, AppError> {
    body.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge {
                limit: MAX_BODY_BYTES,
            }
        } else {
            AppError::BadRequest {
                field: None,
                message: format!("the request body could not be read: {e}"),
            }
        }
    })
}

/// Every HIS route: REST, FHIR, OpenAPI and metrics.
pub fn his_routes(state: HisState) -> Router {
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
        .route("/api/openapi.json", get(crate::openapi::document))
        .route("/metrics", get(crate::metrics::render))
        .merge(crate::fhir::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Runs a handler's body on the blocking pool: store calls wait for SQLite (a durable commit
/// syncs the disk) and must not hold up the async workers that serve the links and the HIS.
pub(crate) async fn blocking<T, E>(
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, E>
where
    T: Send + 'static,
    E: From<AppError> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result,
        Err(e) => Err(E::from(AppError::internal(&e))),
    }
}

/// Reads a JSON body, naming the field at fault when it cannot.
pub(crate) fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::BadRequest {
            field: None,
            message: String::from("the request body is empty; a JSON object is expected"),
        });
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        AppError::BadRequest {
            field: (path != ".").then_some(path),
            message: format!("invalid JSON: {inner}"),
        }
    })?;
    de.end().map_err(|e| AppError::BadRequest {
        field: None,
        message: format!("invalid JSON: {e}"),
    })?;
    Ok(value)
}

/// Reads the query string into `T`, naming the parameter at fault when it cannot.
pub(crate) fn query<T: DeserializeOwned>(raw: Option<&str>) -> Result<T, AppError> {
    let de = serde_urlencoded_like(raw.unwrap_or(""));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        AppError::BadRequest {
            field: (path != ".").then_some(path),
            message: format!("invalid query: {}", e.into_inner()),
        }
    })
}

/// The query pairs as a JSON object of strings (a repeated key keeps its last value).
fn serde_urlencoded_like(raw: &str) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        map.insert(
            decode_component(k),
            serde_json::Value::String(decode_component(v)),
        );
    }
    serde_json::Value::Object(map)
}

/// Decodes `%XX` and `+` in a query component; a malformed escape is kept as written.
pub(crate) fn decode_component(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(v) = hex {
                    out.push(v);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses an RFC 3339 time given as a parameter.
pub(crate) fn timestamp_param(field: &str, value: &str) -> Result<jiff::Timestamp, AppError> {
    value.trim().parse().map_err(|e| {
        AppError::bad_field(
            field,
            format!("{value:?} is not an RFC 3339 time such as 2025-03-01T08:00:00Z: {e}"),
        )
    })
}

#[cfg(test)]
mod tests;
