//! How FHIR answers: `application/fhir+json` bodies ([`fhir_json`]), errors as
//! OperationOutcomes ([`FhirError`]), the `fhir:read` scope as an extractor marker ([`FhirRead`])
//! and the largest Bundle ([`MAX_COUNT`]).

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

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
                header::HeaderValue::from_static("Bearer realm=\"lis\""),
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

/// [`Scope::FhirRead`] as a type: `RequireScope<FhirRead>` refuses with an OperationOutcome.
#[derive(Debug, Clone, Copy)]
pub struct FhirRead;

impl ScopeMarker for FhirRead {
    const SCOPE: Scope = Scope::FhirRead;
    type Rejection = FhirError;
}
