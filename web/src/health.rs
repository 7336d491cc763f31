//! `GET /healthz` and `GET /api/v1/links`: is the LIS up, and what each analyzer link is doing.

use std::time::SystemTime;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use lis_drivers::link::{LinkState, LinkStatus};
use serde_json::{json, Value};

use crate::state::AppState;

/// `GET /healthz`: `200` with `{"status":"ok", "version", "schema_version", "uptime_s", "links":
/// {"total", "connected", "listening", "connecting", "disconnected", "error"}}` while the database
/// answers; `503` with `"status":"error"` and the reason when it does not. A link in error (an
/// analyzer switched off) does not make the LIS unhealthy; it shows in the counts.
pub(crate) async fn healthz_get(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let store = state.store.clone();
    let schema = tokio::task::spawn_blocking(move || store.schema_version()).await;
    let links = links_summary(&state.links.snapshot());
    let uptime_s = SystemTime::now()
        .duration_since(state.started_at)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let version = env!("CARGO_PKG_VERSION");
    match schema {
        Ok(Ok(schema_version)) => (
            StatusCode::OK,
            Json(json!({
                "status": "ok",
                "version": version,
                "schema_version": schema_version,
                "uptime_s": uptime_s,
                "links": links,
            })),
        ),
        Ok(Err(error)) => unhealthy(version, &error.to_string(), links),
        Err(error) => unhealthy(version, &error.to_string(), links),
    }
}

fn unhealthy(version: &str, reason: &str, links: Value) -> (StatusCode, Json<Value>) {
    tracing::error!(%reason, "health check: the database does not answer");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({
            "status": "error",
            "version": version,
            "error": format!("database: {reason}"),
            "links": links,
        })),
    )
}

/// `GET /api/v1/links`: every link's status, ordered by name.
pub(crate) async fn links_get(State(state): State<AppState>) -> Json<Value> {
    Json(Value::Array(
        state.links.snapshot().iter().map(link_json).collect(),
    ))
}

/// How many links are in each state.
fn links_summary(links: &[LinkStatus]) -> Value {
    let count = |f: fn(&LinkState) -> bool| links.iter().filter(|l| f(&l.state)).count();
    json!({
        "total": links.len(),
        "connected": count(|s| matches!(s, LinkState::Connected)),
        "listening": count(|s| matches!(s, LinkState::Listening)),
        "connecting": count(|s| matches!(s, LinkState::Connecting)),
        "disconnected": count(|s| matches!(s, LinkState::Disconnected)),
        "error": count(|s| matches!(s, LinkState::Error(_))),
    })
}

/// One link as JSON.
pub(crate) fn link_json(l: &LinkStatus) -> Value {
    let (state, error) = match &l.state {
        LinkState::Listening => ("listening", None),
        LinkState::Connecting => ("connecting", None),
        LinkState::Connected => ("connected", None),
        LinkState::Disconnected => ("disconnected", None),
        LinkState::Error(e) => ("error", Some(e.as_str())),
    };
    let c = &l.counters;
    json!({
        "name": l.name,
        "instrument": l.instrument,
        "transport": l.transport,
        "state": state,
        "error": error,
        "peer": l.peer,
        "connected_since": l.connected_since.map(rfc3339),
        "last_message_at": l.last_message_at.map(rfc3339),
        "counters": {
            "messages_in": c.messages_in,
            "messages_out": c.messages_out,
            "naks_sent": c.naks_sent,
            "naks_received": c.naks_received,
            "checksum_errors": c.checksum_errors,
            "timeouts": c.timeouts,
            "bytes_in": c.bytes_in,
            "bytes_out": c.bytes_out,
            "errors": c.errors,
            "reconnects": c.reconnects,
        },
    })
}

/// A time as RFC 3339 in UTC (`2026-11-23T08:29:50Z`); null-like empty text if out of range.
fn rfc3339(t: SystemTime) -> String {
    jiff::Timestamp::try_from(t)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::body::Body;
    use axum::http::Request;
    use lis_core::{LabConfig, Store};
    use lis_drivers::link::LinkRegistry;
    use tower::ServiceExt;

    use crate::app::app;
    use crate::state::AppState;

    fn state() -> (AppState, LinkRegistry) {
        let config = LabConfig::embedded_default().unwrap();
        let store = Arc::new(Store::open_in_memory(config).unwrap());
        let links = LinkRegistry::new();
        (AppState::new(store, links.clone()), links)
    }

    async fn get(state: AppState, uri: &str) -> (u16, serde_json::Value) {
        let response = app(state)
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn healthz_reports_version_schema_and_link_counts() {
        let (state, links) = state();
        let schema = state.store.schema_version().unwrap();
        links.register("a", "DEMO-HEMA", "tcp-server 127.0.0.1:5001");
        links.register("b", "DEMO-CHEM", "tcp-server 127.0.0.1:5002");
        let (status, body) = get(state, "/healthz").await;
        assert_eq!(status, 200);
        assert_eq!(body["status"], "ok");
        assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(body["schema_version"], schema);
        assert!(schema >= 1);
        // A registered link starts disconnected until its task sets its state.
        assert_eq!(
            body["links"],
            serde_json::json!({"total": 2, "connected": 0, "listening": 0, "connecting": 0,
                "disconnected": 2, "error": 0})
        );
    }

    #[tokio::test]
    async fn links_lists_every_link_by_name() {
        let (state, links) = state();
        links.register("chem", "DEMO-CHEM", "tcp-server 127.0.0.1:5002");
        links.register("hema", "DEMO-HEMA", "serial /dev/ttyUSB0 9600 8N1");
        let (status, body) = get(state, "/api/v1/links").await;
        assert_eq!(status, 200);
        let list = body.as_array().unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0]["name"], "chem");
        assert_eq!(list[0]["transport"], "tcp-server 127.0.0.1:5002");
        assert_eq!(list[1]["name"], "hema");
        assert_eq!(list[1]["instrument"], "DEMO-HEMA");
        assert_eq!(list[1]["state"], "disconnected");
        assert_eq!(list[1]["error"], serde_json::Value::Null);
        assert_eq!(list[1]["counters"]["messages_in"], 0);
    }
}
