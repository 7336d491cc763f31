//! How FHIR answers: `application/fhir+json` bodies ([`fhir_json`]), errors as
//! OperationOutcomes ([`FhirError`]), the `fhir:read` scope as an extractor marker ([`FhirRead`]),
//! the largest Bundle ([`MAX_COUNT`]), resource versions ([`versioned`]) and reads with an ETag
//! ([`read_answer`]).

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::resources::{Issue, OperationOutcome};
use crate::auth::{Scope, ScopeMarker};
use crate::error::AppError;

/// Most entries one search returns.
pub const MAX_COUNT: usize = 1000;

/// An [`AppError`] answered as an OperationOutcome.
#[derive(Debug)]
pub struct FhirError(pub AppError);

impl From<AppError> for FhirError {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

impl From<lis_core::StoreError> for FhirError {
    fn from(e: lis_core::StoreError) -> Self {
        Self(AppError::from(e))
    }
}

impl IntoResponse for FhirError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let code = match status {
            StatusCode::UNAUTHORIZED => "login",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::NOT_FOUND => "not-found",
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => "invalid",
            _ => "exception",
        };
        let body = OperationOutcome {
            resource_type: "OperationOutcome",
            issue: vec![Issue {
                severity: "error",
                code,
                diagnostics: self.0.to_string(),
            }],
        };
        let mut response = fhir_json(status, &body);
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"lis\""),
            );
        }
        response
    }
}

pub(crate) fn fhir_json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(header::CONTENT_TYPE, "application/fhir+json; charset=utf-8")],
            bytes,
        )
            .into_response(),
        Err(e) => AppError::internal(&e).into_response(),
    }
}

pub(crate) type FhirResult = Result<Response, FhirError>;

/// A resource as served: its JSON with `meta.versionId` set to the first 16 hex digits of the
/// SHA-256 of the resource without its `meta` (FHIR R4 resource.html §2.1.27.5.5: the version
/// "changes when the resource is ... updated"). A digest of what is served changes exactly when
/// the served content does, for resources stored as rows (Patient, Observation) and those
/// assembled from several (DiagnosticReport, ServiceRequest) alike.
pub(crate) fn versioned<T: Serialize>(resource: &T) -> Result<serde_json::Value, FhirError> {
    let mut value =
        serde_json::to_value(resource).map_err(|e| FhirError(AppError::internal(&e)))?;
    let Some(object) = value.as_object_mut() else {
        return Err(FhirError(AppError::internal(
            &"a resource is a JSON object",
        )));
    };
    let meta = object.remove("meta");
    let bytes = serde_json::to_vec(&object).map_err(|e| FhirError(AppError::internal(&e)))?;
    let digest = Sha256::digest(&bytes);
    let version: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let mut meta = match meta {
        Some(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    meta.insert("versionId".to_owned(), serde_json::Value::String(version));
    object.insert("meta".to_owned(), serde_json::Value::Object(meta));
    Ok(value)
}

/// The answer of a read (FHIR R4 http.html §3.1.0.3.2 and §3.1.0.8.1): the resource with
/// `ETag: W/"<versionId>"`, or `304 Not Modified` without a body when the request's
/// `If-None-Match` names that version (or is `*`).
pub(crate) fn read_answer(resource: &serde_json::Value, request: &HeaderMap) -> Response {
    let version = resource["meta"]["versionId"].as_str().unwrap_or_default();
    let etag = format!("W/\"{version}\"");
    let matches = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        // Weak comparison (RFC 9110 §8.8.3.2): the opaque tags, W/ or not.
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == &etag[2..]);
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        fhir_json(StatusCode::OK, resource)
    };
    if let Ok(v) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, v);
    }
    response
}

/// [`Scope::FhirRead`] as a type: `RequireScope<FhirRead>` refuses with an OperationOutcome.
#[derive(Debug, Clone, Copy)]
pub struct FhirRead;

impl ScopeMarker for FhirRead {
    const SCOPE: Scope = Scope::FhirRead;
    type Rejection = FhirError;
}
