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
//!
//! Handlers never check tokens themselves: a protected handler takes [`RequireScope<S>`] as its
//! first argument (`RequireScope<OrdersWrite>`), an extractor that answers 401/403 before any
//! other argument (query, body) is read, and hands the handler the [`Principal`] who called.
//! [`Principal`] is an enum: beside the machine clients stands a signed-in user of the UI
//! ([`Principal::User`], from a session cookie; see [`crate::ui::session::CurrentUser`]), whose
//! roles, not scopes, decide what they may do.

use std::marker::PhantomData;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use lis_core::model::{Actor, Role, UserId};
use lis_core::Store;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::request::blocking;
use crate::state::AppState;

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

/// Who made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A machine client (the HIS, a FHIR client), known by its bearer token.
    Machine {
        /// The token's name (`lis token create NAME`).
        name: String,
        /// What the token may do. A stored scope this version does not know grants nothing.
        scopes: Vec<Scope>,
    },
    /// A person signed in to the UI, known by their session.
    User {
        /// The user's row id.
        id: UserId,
        /// Their username.
        username: String,
        /// Their roles (see `lis_core::permissions`).
        roles: Vec<Role>,
    },
}

impl Principal {
    /// The caller's name, as the audit trail and the logs show it.
    pub fn name(&self) -> &str {
        match self {
            Self::Machine { name, .. } => name,
            Self::User { username, .. } => username,
        }
    }

    /// Whether the caller may do what `scope` covers. Scopes are the machine clients'; a user
    /// holds none (the UI's routes check roles).
    pub fn has_scope(&self, scope: Scope) -> bool {
        match self {
            Self::Machine { scopes, .. } => scopes.contains(&scope),
            Self::User { .. } => false,
        }
    }

    /// Who the audit trail records for what this caller does.
    pub fn actor(&self) -> Actor {
        match self {
            Self::Machine { name, .. } => Actor::His(name.clone()),
            Self::User { id, .. } => Actor::User(*id),
        }
    }
}

/// The secret of the request's `Authorization: Bearer` header; 401 when there is none.
pub fn bearer_secret(headers: &HeaderMap) -> Result<String, AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(AppError::Unauthorized(String::from(
            "this route needs a bearer token (Authorization: Bearer lis_...)",
        )));
    };
    value
        .to_str()
        .ok()
        .and_then(|v| {
            let (kind, rest) = v.trim().split_once(' ')?;
            kind.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            AppError::Unauthorized(String::from(
                "the Authorization header must be `Bearer <token>`",
            ))
        })
}

/// The machine client a token secret belongs to; 401 when it is unknown or revoked. Blocking: it
/// reads the store.
pub fn machine_principal(store: &Store, secret: &str) -> Result<Principal, AppError> {
    let token = store
        .token_by_hash(&token_hash(secret))?
        .ok_or_else(|| AppError::Unauthorized(String::from("unknown or revoked token")))?;
    Ok(Principal::Machine {
        name: token.name,
        scopes: token
            .scopes
            .iter()
            .filter_map(|s| Scope::parse(s))
            .collect(),
    })
}

/// A scope as a type, for [`RequireScope`]; `Rejection` is how a refusal is answered on the
/// routes that need it (a JSON [`AppError`] body, or a FHIR OperationOutcome).
pub trait ScopeMarker: Send + Sync + 'static {
    /// The scope a route needs.
    const SCOPE: Scope;
    /// The answer when the caller is not authenticated (401) or lacks the scope (403).
    type Rejection: From<AppError> + IntoResponse + Send + 'static;
}

/// [`Scope::OrdersWrite`] as a type.
#[derive(Debug, Clone, Copy)]
pub struct OrdersWrite;

impl ScopeMarker for OrdersWrite {
    const SCOPE: Scope = Scope::OrdersWrite;
    type Rejection = AppError;
}

/// [`Scope::ResultsRead`] as a type.
#[derive(Debug, Clone, Copy)]
pub struct ResultsRead;

impl ScopeMarker for ResultsRead {
    const SCOPE: Scope = Scope::ResultsRead;
    type Rejection = AppError;
}

/// The extractor of every protected route: the caller, authenticated and holding `S::SCOPE`.
/// It answers 401 (with `WWW-Authenticate`) without a valid bearer token and 403 when the token
/// lacks the scope. Put it first among a handler's arguments: extractors run in order, so no
/// query or body is read for a caller who may not ask.
#[derive(Debug, Clone)]
pub struct RequireScope<S> {
    /// Who called.
    pub principal: Principal,
    scope: PhantomData<S>,
}

impl<S: ScopeMarker> FromRequestParts<AppState> for RequireScope<S> {
    type Rejection = S::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let secret = bearer_secret(&parts.headers)?;
        let store = Arc::clone(&state.store);
        let principal = blocking(move || machine_principal(&store, &secret)).await?;
        if !principal.has_scope(S::SCOPE) {
            return Err(AppError::Forbidden {
                scope: S::SCOPE.as_str().to_owned(),
            }
            .into());
        }
        Ok(Self {
            principal,
            scope: PhantomData,
        })
    }
}
