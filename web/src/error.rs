//! One error type for every HTTP handler: [`AppError`] turns into a JSON body that says what is
//! wrong (and which field) without leaking internals: database and IO errors are logged with a
//! reference number and answered with that number only.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use lis_core::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The HTTP status code.
    pub status: u16,
    /// A stable machine-readable code (`unauthorized`, `forbidden`, `invalid`, ...).
    pub code: String,
    /// What is wrong, for people.
    pub message: String,
    /// The field at fault, as a path (`specimens[0].tests[1]`), when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Everything a handler can answer besides success.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    /// 400: the request cannot be read (bad JSON, bad query parameter).
    #[error("{message}")]
    BadRequest {
        /// The field at fault, if known.
        field: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// 401: no bearer token, or not a valid one.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the token lacks the scope this route needs.
    #[error("this token lacks the scope {scope}")]
    Forbidden {
        /// The scope needed.
        scope: String,
    },
    /// 403: the signed-in person's roles or the lab's review policy do not allow the action
    /// (core decided it in the action's transaction; nothing was changed).
    #[error("{0}")]
    NotAllowed(String),
    /// 404: no such resource.
    #[error("{0}")]
    NotFound(String),
    /// 409: the request conflicts with what is stored (duplicate placer number or barcode).
    #[error("{0}")]
    Conflict(String),
    /// 409 with the code `qc_rejected`: a result cannot be released while the QC of its
    /// instrument and test is rejected; the message names the instrument, the test, the
    /// rejected run and the rules that fired. 409, not 422: the request is valid and becomes
    /// possible once the state changes (an accepted QC run or a supervisor's override), as for
    /// the other state conflicts.
    #[error("{0}")]
    QcRejected(String),
    /// 413: the body is larger than the API takes.
    #[error("the request body is larger than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// 422: the request is readable but the lab cannot accept it (unknown test...).
    #[error("{message}")]
    Unprocessable {
        /// The field at fault, if known.
        field: Option<String>,
        /// Why.
        message: String,
    },
    /// 503: the request took longer than the server allows (`[http] request_timeout_secs`).
    #[error("the request took longer than {seconds} s and was abandoned; try again later")]
    Timeout {
        /// The limit in seconds.
        seconds: u64,
    },
    /// 500: something failed inside; the log has the details under `reference`.
    #[error("internal error (reference {reference})")]
    Internal {
        /// The number under which the details were logged.
        reference: u64,
    },
}

static REFERENCE: AtomicU64 = AtomicU64::new(1);

impl AppError {
    /// A 400 about one field.
    pub fn bad_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadRequest {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// A 422 about one field.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Unprocessable {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// Logs an internal failure and returns the 500 that names only its reference.
    pub fn internal(detail: &dyn std::fmt::Display) -> Self {
        let reference = REFERENCE.fetch_add(1, Ordering::Relaxed);
        tracing::error!(reference, error = %detail, "request failed");
        Self::Internal { reference }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } | Self::NotAllowed(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) | Self::QcRejected(_) => StatusCode::CONFLICT,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Timeout { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The body.
    pub fn body(&self) -> ErrorBody {
        let (code, field) = match self {
            Self::BadRequest { field, .. } => ("bad_request", field.clone()),
            Self::Unauthorized(_) => ("unauthorized", None),
            Self::Forbidden { .. } | Self::NotAllowed(_) => ("forbidden", None),
            Self::NotFound(_) => ("not_found", None),
            Self::Conflict(_) => ("conflict", None),
            Self::QcRejected(_) => ("qc_rejected", None),
            Self::TooLarge { .. } => ("too_large", None),
            Self::Unprocessable { field, .. } => ("invalid", field.clone()),
            Self::Timeout { .. } => ("timeout", None),
            Self::Internal { .. } => ("internal", None),
        };
        ErrorBody {
            status: self.status().as_u16(),
            code: code.to_owned(),
            message: self.to_string(),
            field,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match &e {
            StoreError::NotFound { .. } => Self::NotFound(e.to_string()),
            StoreError::Conflict { what } => Self::Conflict(what.clone()),
            StoreError::Invalid { what } => Self::Unprocessable {
                field: None,
                message: what.clone(),
            },
            StoreError::IllegalTransition(t) => Self::Conflict(t.to_string()),
            // 403 names the permission and why; 409 says who changed the result and when, or
            // that a critical result waits for its call-back.
            StoreError::Forbidden { .. } => Self::NotAllowed(e.to_string()),
            // A cancel refused because results were released names the tests.
            StoreError::Stale { .. }
            | StoreError::CallbackRequired { .. }
            | StoreError::ReleasedTests { .. } => Self::Conflict(e.to_string()),
            StoreError::QcRejected { .. } => Self::QcRejected(e.to_string()),
            _ => Self::internal(&e),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = (status, axum::Json(self.body())).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"lis\""),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_refusals_are_403_and_409_in_words() {
        let e = AppError::from(StoreError::Forbidden {
            permission: "release",
            detail: "KTV Lan (technician) may not release results in this lab".into(),
        });
        assert_eq!(e.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            (e.body().code.as_str(), e.body().message.as_str()),
            (
                "forbidden",
                "not allowed (release): KTV Lan (technician) may not release results in this lab"
            )
        );
        let e = AppError::from(StoreError::Stale {
            result_id: 7,
            expected_rev: 1,
            current_rev: 2,
            changed_by: Some("KTV Lan".into()),
            changed_at: None,
            state: "verified".into(),
        });
        assert_eq!(e.status(), StatusCode::CONFLICT);
        assert_eq!(
            e.body().message,
            "result 7 changed since it was shown (version 1 shown, now 2, verified) by KTV Lan; \
             reload to see the change"
        );
        let e = AppError::from(StoreError::CallbackRequired { result_id: 7 });
        assert_eq!(e.status(), StatusCode::CONFLICT);
        assert!(
            e.body().message.contains("call-back"),
            "{}",
            e.body().message
        );
        // A result held by rejected QC: 409 with the QC reason in words.
        let e = AppError::from(StoreError::QcRejected {
            result_id: 7,
            instrument: "DEMO-CHEM".into(),
            test_code: "GLU".into(),
            run_id: 12,
            reason: "1-3s on level 1 (GLU z = +3.50) in run 12".into(),
        });
        assert_eq!(e.status(), StatusCode::CONFLICT);
        assert_eq!(
            e.body().message,
            "result 7 is held: QC of GLU on DEMO-CHEM is rejected (1-3s on level 1 (GLU z = \
             +3.50) in run 12); it can be released after an accepted QC run or a supervisor's \
             override"
        );
    }

    #[test]
    fn a_release_refused_by_rejected_qc_is_409_qc_rejected_naming_the_reason() {
        let e = AppError::from(StoreError::QcRejected {
            result_id: 12,
            instrument: String::from("DEMO-CHEM"),
            test_code: String::from("GLU"),
            run_id: 4,
            reason: String::from("1-3s on level 1 (GLU z = +3.75) in run 4"),
        });
        assert_eq!(e.status(), StatusCode::CONFLICT);
        let body = e.body();
        assert_eq!((body.status, body.code.as_str()), (409, "qc_rejected"));
        for needle in ["result 12", "GLU", "DEMO-CHEM", "1-3s on level 1", "run 4"] {
            assert!(body.message.contains(needle), "{needle}: {}", body.message);
        }
    }

    #[test]
    fn store_errors_map_on_their_kind_not_their_wording() {
        let status = |e: StoreError| AppError::from(e).status();
        // A conflict whose words do not say "already" is still a conflict.
        let taken = StoreError::Conflict {
            what: "username \"lan\" is taken".to_owned(),
        };
        assert_eq!(status(taken), StatusCode::CONFLICT);
        // An invalid request whose words say "already" is still invalid.
        let invalid = StoreError::Invalid {
            what: "already a problem in words only".to_owned(),
        };
        assert_eq!(status(invalid), StatusCode::UNPROCESSABLE_ENTITY);
        let corrupt = StoreError::Corrupt {
            table: "results",
            row: 7,
            column: "flags",
            detail: "unreadable JSON".to_owned(),
        };
        let e = AppError::from(corrupt);
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        // The answer does not leak the table, only a reference number.
        assert!(
            !e.body().message.contains("results"),
            "{}",
            e.body().message
        );
    }
}
