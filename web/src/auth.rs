//! Bearer tokens for machine clients (the HIS, FHIR clients).
//!
//! A token is `lis_` followed by 64 hex digits (32 random bytes from the operating system),
//! shown once by `lis token create` and stored only as its SHA-256 (hex), with a name and
//! scopes; `lis token revoke NAME` ends it. Scopes, one per kind of access:
//!
//! | scope          | routes                                                    |
//! |----------------|-----------------------------------------------------------|
//! | `orders:write` | `POST /api/v1/orders`, `POST /api/v1/orders/{placer}/cancel` |
//! | `results:read` | `GET /api/v1/results`, `GET /api/v1/orders/{placer}`, `GET /api/v1/his/deliveries` |
//! | `fhir:read`    | `GET /fhir/r4/...` (Patient, ServiceRequest, DiagnosticReport, Observation) |
//!
//! A request without a valid token is answered 401; with a valid token lacking the scope, 403.
//! `/api/openapi.json`, `/fhir/r4/metadata` and `/metrics` need no token.

use axum::http::{header, HeaderMap};
use lis_core::Store;
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Place and cancel orders.
    OrdersWrite,
    /// Read released results and order status.
    ResultsRead,
    /// Read FHIR resources.
    FhirRead,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Self; 3] = [Self::OrdersWrite, Self::ResultsRead, Self::FhirRead];

    /// The scope as written on the command line and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrdersWrite => "orders:write",
            Self::ResultsRead => "results:read",
            Self::FhirRead => "fhir:read",
        }
    }

    /// Reads one scope name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    /// Reads a comma-separated list (`orders:write,results:read`); an unknown name is an error
    /// that lists the known ones.
    pub fn parse_list(s: &str) -> Result<Vec<Self>, String> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let scope = Self::parse(part).ok_or_else(|| {
                format!(
                    "unknown scope {part:?}; known scopes: {}",
                    Self::ALL.map(Self::as_str).join(", ")
                )
            })?;
            if !out.contains(&scope) {
                out.push(scope);
            }
        }
        if out.is_empty() {
            return Err(String::from("a token needs at least one scope"));
        }
        Ok(out)
    }
}

/// Prefix of every token, so a leaked one is recognisable.
pub const TOKEN_PREFIX: &str = "lis_";

/// A new random token secret.
pub fn generate_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("{TOKEN_PREFIX}{}", lis_core::audit::hex(&bytes)))
}

/// SHA-256 of a token secret, hex: what is stored and looked up.
pub fn token_hash(secret: &str) -> String {
    lis_core::audit::hex(&Sha256::digest(secret.as_bytes()))
}

/// The client a request came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's name.
    pub name: String,
}

/// Checks the request's bearer token and that it grants `scope`.
pub fn require(store: &Store, headers: &HeaderMap, scope: Scope) -> Result<Caller, AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(AppError::Unauthorized(String::from(
            "this route needs a bearer token (Authorization: Bearer lis_...)",
        )));
    };
    let secret = value
        .to_str()
        .ok()
        .and_then(|v| {
            let (kind, rest) = v.trim().split_once(' ')?;
            kind.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            AppError::Unauthorized(String::from(
                "the Authorization header must be `Bearer <token>`",
            ))
        })?;
    let token = store
        .token_by_hash(&token_hash(secret))?
        .ok_or_else(|| AppError::Unauthorized(String::from("unknown or revoked token")))?;
    if !token.scopes.iter().any(|s| s == scope.as_str()) {
        return Err(AppError::Forbidden {
            scope: scope.as_str().to_owned(),
        });
    }
    Ok(Caller { name: token.name })
}
