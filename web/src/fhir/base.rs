//! The FHIR base URL written into `Bundle.link.url` and `Bundle.entry.fullUrl`, which FHIR R4
//! wants absolute (bundle.html §2.36.4 "fullUrl ... SHALL be an absolute URL"; http.html
//! §3.1.0.9 paging links).
//!
//! With `[http] public_base_url` set (the address clients use, e.g. behind a reverse proxy:
//! `https://lis.hospital.vn`), links start with it. Without it they are built from the request:
//! `https` when the listener serves TLS, else `http`, and the request's authority (its URI's,
//! as HTTP/2 sends it, else the `Host` header). A request with neither, or a `Host` that is not
//! a host and port, is answered 400 naming `Host`. A `Host` header is the client's to choose, so
//! it only shapes the links of that client's own answer.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::http::uri::Authority;

use super::answer::FhirError;
use crate::error::AppError;
use crate::state::AppState;

/// The FHIR endpoint's absolute base, `{scheme}://{authority}/fhir/r4` or
/// `{public_base_url}/fhir/r4`, without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FhirBase(pub String);

impl FhirBase {
    /// The base for a request with these parts.
    pub fn of(state: &AppState, parts: &Parts) -> Result<Self, FhirError> {
        if let Some(public) = &state.public_base_url {
            return Ok(Self(format!("{}/fhir/r4", public.trim_end_matches('/'))));
        }
        let authority = match parts.uri.authority() {
            Some(a) => a.clone(),
            None => {
                let host = parts
                    .headers
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .ok_or_else(|| {
                        FhirError(AppError::bad_field(
                            "Host",
                            "missing: FHIR links are absolute URLs built from the Host header \
                             (or [http] public_base_url)",
                        ))
                    })?;
                host.parse::<Authority>()
                    .ok()
                    .filter(|a| !a.as_str().contains('@'))
                    .ok_or_else(|| {
                        FhirError(AppError::bad_field(
                            "Host",
                            format!("{host:?} is not a host name or address with an optional port"),
                        ))
                    })?
            }
        };
        let scheme = if state.https { "https" } else { "http" };
        Ok(Self(format!("{scheme}://{authority}/fhir/r4")))
    }
}

impl FromRequestParts<AppState> for FhirBase {
    type Rejection = FhirError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, FhirError> {
        Self::of(state, parts)
    }
}
