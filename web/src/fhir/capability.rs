//! `GET /fhir/r4/metadata`: the CapabilityStatement (FHIR R4 capabilitystatement.html), built
//! from the same search tables ([`SEARCH_TYPES`]) the searches read, so what it lists is what
//! the server takes.

use axum::http::StatusCode;
use axum::response::Response;

use super::answer::{fhir_json, FhirError};
use super::base::FhirBase;
use super::search::SEARCH_TYPES;

/// The CapabilityStatement of this server (no token needed). `kind` is `instance`, so it has
/// `implementation` with the server's base URL (invariant cpb-14), and `software` naming this
/// build (cpb-2 asks for one of description, software or implementation).
pub(super) async fn metadata(base: FhirBase) -> Result<Response, FhirError> {
    let resources: Vec<serde_json::Value> = SEARCH_TYPES
        .iter()
        .map(|t| {
            serde_json::json!({
                "type": t.kind,
                "interaction": [{ "code": "read" }, { "code": "search-type" }],
                "versioning": "versioned",
                "searchParam": t.params.iter().map(|p| serde_json::json!({
                    "name": p.name,
                    "type": p.kind,
                    "documentation": p.documentation,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let body = serde_json::json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-23",
        "kind": "instance",
        "software": {
            "name": "lis",
            "version": env!("CARGO_PKG_VERSION"),
        },
        "implementation": {
            "description": "The laboratory information system's FHIR R4 endpoint: released \
                results, reports, orders and patients, read-only.",
            "url": base.0,
        },
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [{
            "mode": "server",
            "documentation": "Searches are paged: total counts every match, next and previous \
                links carry a _cursor; _count (default 100) above 1000 is served as 1000, \
                _count=0 gives the total only.",
            "security": { "description": "Bearer token with scope fhir:read (lis token create)" },
            "resource": resources,
        }],
    });
    Ok(fhir_json(StatusCode::OK, &body))
}
