//! Who is signed in: the [`CurrentUser`] extractor every UI handler takes, the permission
//! check ([`CurrentUser::require`]) and the error pages in the user's language.
//!
//! Without a live session a page request is sent to the sign-in page (303 to
//! `/login?next=<path>`), while a request that is not a navigation (JSON, an EventSource, a
//! script's fetch) gets a 401 it can act on. A user who must change their password is sent to
//! `/password` from every page but that one and sign-out.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use jiff::Timestamp;
use lis_core::config::ReviewSection;
use lis_core::model::{Actor, User};
use lis_core::permissions::{self, Permission};
use lis_core::StoreError;

use super::cookies::{self, SESSION_COOKIE};
use super::error_page::{ErrorPage, PageError};
use super::i18n::{Lang, Msg, Text};
use super::layout::{Layout, Nav, NavRights, SignedInUser};
use super::urls::Urls;
use crate::auth::Principal;
use crate::error::{AppError, ErrorBody};
use crate::request::blocking;
use crate::state::AppState;

/// The signed-in user of a UI request, from the `lis_session` cookie. Take it as a handler's
/// first argument; it answers for the handler when there is no live session (see the module
/// doc). Extracted once per request (later extractors, such as
/// [`CsrfForm`](super::csrf::CsrfForm), reuse it).
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The user (active), with their roles.
    pub user: User,
    /// The session's row id (a password change keeps this one and ends the others).
    pub session_id: i64,
    /// The session's synchronizer token, which every form of the page must carry.
    pub csrf_token: String,
    /// The page's language: the user's own, else the lab's `[lab] language`.
    pub lang: Lang,
    /// Whether the user must choose a new password before anything else.
    pub must_change_password: bool,
    /// The request's path and query, where the language switch returns to.
    pub path: String,
    lab_name: String,
    review: ReviewSection,
}

impl CurrentUser {
    /// Whether the user's roles allow `permission` under the lab's `[review]` policy (to show or
    /// hide a button).
    pub fn may(&self, permission: Permission) -> bool {
        permissions::allowed(&self.user.roles, permission, &self.review)
    }

    /// `Ok` when the user's roles allow `permission`, else the 403 error page to answer with:
    /// `current.require(Permission::Verify)?` at the top of a handler that returns
    /// `Result<_, PageError>`.
    pub fn require(&self, permission: Permission) -> Result<(), PageError> {
        if self.may(permission) {
            Ok(())
        } else {
            tracing::info!(user = %self.user.username, permission = permission.as_str(),
                "refused: the role does not allow it");
            Err(self
                .error_page(StatusCode::FORBIDDEN, Msg::ErrorForbidden)
                .into())
        }
    }

    /// The frame of a page of this user at the requested path, with `nav` current.
    pub fn layout(&self, nav: Nav) -> Layout {
        let mut layout = Layout::signed_in(
            self.lang,
            self.lab_name.clone(),
            SignedInUser {
                display_name: self.user.display_name.clone(),
                role: self
                    .user
                    .roles
                    .iter()
                    .copied()
                    .max_by_key(|r| role_rank(*r))
                    .unwrap_or(
                        // A stored user always has a role (create_user refuses none); technician,
                        // the least, is shown if a row ever had none.
                        lis_core::model::Role::Technician,
                    ),
            },
            self.csrf_token.clone(),
            self.path.clone(),
            nav,
        );
        layout.rights = NavRights {
            worklist: self.may(Permission::Review),
            reception: self.may(Permission::Review),
            patients: self.may(Permission::Review),
            turnaround: self.may(Permission::ReadTurnaround),
            config: self.may(Permission::ReadConfig),
            users: self.may(Permission::ManageUsers),
            unmatched: self.may(Permission::Review),
            instruments: self.may(Permission::Review),
            audit: self.may(Permission::ReadAudit),
            qc: self.may(Permission::ReadQc),
        };
        layout
    }

    /// An error page with one catalog text, in the user's frame.
    pub fn error_page(&self, status: StatusCode, msg: Msg) -> ErrorPage {
        ErrorPage::new(self.layout(Nav::None), status, msg)
    }

    /// An error page with a message already in the user's language.
    pub fn error_message(&self, status: StatusCode, message: String) -> ErrorPage {
        ErrorPage {
            layout: self.layout(Nav::None),
            status,
            message,
        }
    }

    /// The error page for a store failure: 404 for what does not exist, 409 with the reason
    /// for an illegal transition, a request the data refuses or a release refused because the
    /// result's QC is rejected (the QC reason in words), 500 (logged with a reference) for
    /// anything else.
    pub fn store_error(&self, error: StoreError) -> ErrorPage {
        match &error {
            StoreError::NotFound { .. } => {
                self.error_page(StatusCode::NOT_FOUND, Msg::ErrorNotFound)
            }
            StoreError::QcRejected {
                result_id,
                instrument,
                test_code,
                reason,
                ..
            } => self.error_message(
                StatusCode::CONFLICT,
                crate::ui::qc::texts::QcMsg::ReleaseRefused.fill(
                    self.lang,
                    &[
                        ("result", &result_id.to_string()),
                        ("test", test_code),
                        ("instrument", instrument),
                        ("reason", reason),
                    ],
                ),
            ),
            StoreError::IllegalTransition(_) | StoreError::Invalid { .. } => self.error_message(
                StatusCode::CONFLICT,
                Msg::ErrorConflict.fill(self.lang, &[("reason", &error.to_string())]),
            ),
            _ => {
                let _logged = AppError::internal(&error);
                self.error_page(StatusCode::INTERNAL_SERVER_ERROR, Msg::ErrorInternal)
            }
        }
    }

    /// The user as a [`Principal`].
    pub fn principal(&self) -> Principal {
        Principal::User {
            id: self.user.id,
            username: self.user.username.clone(),
            roles: self.user.roles.clone(),
        }
    }

    /// Who the audit trail records for what this user does.
    pub fn actor(&self) -> Actor {
        Actor::User(self.user.id)
    }
}

/// Which role the header names when a user holds several: the widest.
fn role_rank(role: lis_core::model::Role) -> u8 {
    use lis_core::model::Role;
    match role {
        Role::Technician => 0,
        Role::Supervisor => 1,
        Role::Admin => 2,
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        if let Some(found) = parts.extensions.get::<Self>() {
            return Ok(found.clone());
        }
        let data = wants_data(&parts.headers);
        let secret = cookies::read(&parts.headers, SESSION_COOKIE);
        let Some(session) = live_session(state, secret.clone()).await.map_err(|e| {
            if data {
                e.into_response()
            } else {
                visitor_error(state, StatusCode::INTERNAL_SERVER_ERROR, Msg::ErrorInternal)
            }
        })?
        else {
            return Err(no_session(parts, state, data, secret.is_some()));
        };
        let path = parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned());
        let exempt = [Urls::Password.as_str(), Urls::Logout.as_str()];
        if session.must_change_password && !exempt.contains(&parts.uri.path()) {
            return Err(if data {
                (
                    StatusCode::FORBIDDEN,
                    Json(ErrorBody {
                        status: 403,
                        code: String::from("password_change_required"),
                        message: String::from(
                            "this user must change their password (at /password) first",
                        ),
                        field: None,
                    }),
                )
                    .into_response()
            } else {
                Redirect::to(Urls::Password.as_str()).into_response()
            });
        }
        let lang = session.user.language.unwrap_or_else(|| lab_lang(state));
        let current = Self {
            lang,
            session_id: session.id,
            csrf_token: session.csrf_token,
            must_change_password: session.must_change_password,
            user: session.user,
            path,
            lab_name: state.config.lab.name.clone(),
            review: state.config.review.clone(),
        };
        parts.extensions.insert(current.clone());
        Ok(current)
    }
}

/// The live session of a cookie secret at this moment, read on the blocking pool.
pub async fn live_session(
    state: &AppState,
    secret: Option<String>,
) -> Result<Option<lis_core::store::ActiveSession>, AppError> {
    let Some(secret) = secret else {
        return Ok(None);
    };
    let store = Arc::clone(&state.store);
    let now = Timestamp::now();
    blocking(move || store.session(&secret, now).map_err(AppError::from)).await
}

/// The answer to a request without a live session: 401 for data, else 303 to the sign-in page
/// with the page asked for as `next` (for a GET), and the stale cookie removed.
fn no_session(parts: &Parts, state: &AppState, data: bool, had_cookie: bool) -> Response {
    if data {
        return AppError::Unauthorized(String::from(
            "no live session: sign in at /login (the session may have expired)",
        ))
        .into_response();
    }
    let mut query: Vec<(&str, &str)> = Vec::new();
    let next = parts.uri.path_and_query().map(|p| p.as_str());
    if matches!(parts.method, Method::GET | Method::HEAD) {
        if let Some(next) = next {
            query.push(("next", next));
        }
    }
    if had_cookie {
        query.push(("expired", "1"));
    }
    let target = match serde_urlencoded::to_string(&query) {
        Ok(q) if !q.is_empty() => format!("{}?{q}", Urls::Login.as_str()),
        _ => Urls::Login.as_str().to_owned(),
    };
    let mut response = Redirect::to(&target).into_response();
    if had_cookie {
        response
            .headers_mut()
            .append(header::SET_COOKIE, cookies::clear_session(state.https));
    }
    response
}

/// Whether the request is not a page navigation but wants data: it accepts JSON or an event
/// stream, says `X-Requested-With`, or a browser marks it as a fetch (`Sec-Fetch-Dest: empty`).
pub fn wants_data(headers: &HeaderMap) -> bool {
    let accept = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            let v = v.to_ascii_lowercase();
            v.contains("text/event-stream") || v.contains("application/json")
        });
    accept
        || headers.contains_key("x-requested-with")
        || headers
            .get("sec-fetch-dest")
            .is_some_and(|v| v == HeaderValue::from_static("empty"))
}

/// The lab's `[lab] language`, for visitors and users who chose none.
pub fn lab_lang(state: &AppState) -> Lang {
    state.config.lab.language
}

/// An error page for a visitor (no session), in the lab's language.
pub fn visitor_error(state: &AppState, status: StatusCode, msg: Msg) -> Response {
    ErrorPage::new(
        Layout::visitor(lab_lang(state), state.config.lab.name.clone(), ""),
        status,
        msg,
    )
    .into_response()
}
