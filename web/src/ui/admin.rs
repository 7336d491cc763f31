//! The administration pages: users (`GET /admin/users`; `POST /admin/users` creates one,
//! `POST /admin/users/{id}/disable|reset-password|roles|language`) for administrators
//! ([`Permission::ManageUsers`]), and the lab configuration read-only (`GET /admin/config`,
//! [`Permission::ReadConfig`], in [`config`]).
//!
//! Every action reads its form through [`CsrfForm`], is checked by core in its transaction and
//! audited there. A new or reset one-time password is shown once on the answer page (200,
//! never in a URL) and stored only as its hash.

pub mod config;
mod texts;

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use lis_core::model::{Role, User};
use lis_core::permissions::Permission;
use lis_core::StoreError;
use serde::Deserialize;

pub use self::texts::AdminMsg;
use super::csrf::CsrfForm;
use super::error_page::PageError;
use super::i18n::{Lang, Msg, Text};
use super::layout::{role_msg, Layout, Nav, Notice, NoticeKind};
use super::session::CurrentUser;
use super::urls::{self, Urls};
use crate::error::AppError;
use crate::request::blocking;
use crate::state::AppState;

/// The administration routes.
pub(crate) fn routes() -> Router<AppState> {
    let action = |a: &str| format!("{}/{{id}}/{a}", Urls::AdminUsers.as_str());
    Router::new()
        .route(
            Urls::AdminUsers.as_str(),
            get(users_get).post(users_create_post),
        )
        .route(&action("disable"), post(user_disable_post))
        .route(&action("reset-password"), post(user_reset_password_post))
        .route(&action("roles"), post(user_roles_post))
        .route(&action("language"), post(user_language_post))
        .route(Urls::AdminConfig.as_str(), get(config::config_get))
}

/// The roles in the order the forms list them.
const ROLES: [Role; 3] = [Role::Technician, Role::Supervisor, Role::Admin];

/// `GET /admin/users`.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "admin_users.html")]
pub struct UsersPage {
    /// The frame.
    pub layout: Layout,
    /// One row per user, in creation order.
    pub users: Vec<UserRow>,
    /// The roles a form offers: stored name and word.
    pub roles: Vec<(&'static str, &'static str)>,
}

/// A user as the page lists them.
#[derive(Debug, Clone)]
pub struct UserRow {
    /// Row id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Each offered role: stored name, word, whether held.
    pub roles: Vec<(&'static str, &'static str, bool)>,
    /// The user's language code, or empty for the lab's default.
    pub language: &'static str,
    /// Whether the account may sign in.
    pub active: bool,
    /// Whether the user must change their password.
    pub must_change: bool,
    /// Whether this is the signed-in administrator.
    pub is_self: bool,
    /// Where each action posts.
    pub disable_url: String,
    /// Reset password.
    pub reset_url: String,
    /// Save roles.
    pub roles_url: String,
    /// Save language.
    pub language_url: String,
}

/// The answer to a creation or a reset: the one-time password, once.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "admin_password.html")]
pub struct OneTimePasswordPage {
    /// The frame.
    pub layout: Layout,
    /// What was done, in words.
    pub done: String,
    /// The password.
    pub password: String,
}

impl UsersPage {
    /// A text of the administration catalog in the page's language.
    pub fn a(&self, msg: AdminMsg) -> &'static str {
        msg.text(self.layout.lang)
    }
}

impl OneTimePasswordPage {
    /// A text of the administration catalog in the page's language.
    pub fn a(&self, msg: AdminMsg) -> &'static str {
        msg.text(self.layout.lang)
    }
}

/// The query of `GET /admin/users` after an action: what was done to whom.
#[derive(Debug, Default, Deserialize)]
pub struct UsersParams {
    #[serde(default)]
    done: String,
    #[serde(default)]
    user: String,
}

/// An error page for a store refusal: 403 role, 404 no such user, 409 a name taken, 400 a
/// value refused (the reason in words), else as [`CurrentUser::store_error`].
fn page_error(current: &CurrentUser, e: StoreError) -> PageError {
    match e {
        StoreError::Forbidden { .. } => current
            .error_page(StatusCode::FORBIDDEN, Msg::ErrorForbidden)
            .into(),
        StoreError::Invalid { what } => current.error_message(StatusCode::BAD_REQUEST, what).into(),
        StoreError::Conflict { what } => current.error_message(StatusCode::CONFLICT, what).into(),
        other => current.store_error(other).into(),
    }
}

/// Runs a store call on the blocking pool, its failures as error pages.
async fn run<T: Send + 'static>(
    current: &CurrentUser,
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, PageError> {
    blocking(move || Ok::<_, AppError>(f()))
        .await
        .map_err(|e| PageError::from(current.error_message(e.status(), e.to_string())))?
        .map_err(|e| page_error(current, e))
}

/// The single value of a field, or a 400 naming it.
fn field<'a>(
    current: &CurrentUser,
    form: &'a [(String, String)],
    name: &str,
) -> Result<&'a str, PageError> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .ok_or_else(|| {
            bad(
                current,
                AdminMsg::MissingField.fill(current.lang, &[("field", name)]),
            )
        })
}

fn bad(current: &CurrentUser, message: String) -> PageError {
    current
        .error_message(StatusCode::BAD_REQUEST, message)
        .into()
}

/// The `role` fields of a form, each a stored role name.
fn roles(current: &CurrentUser, form: &[(String, String)]) -> Result<Vec<Role>, PageError> {
    let mut roles = Vec::new();
    for (_, v) in form.iter().filter(|(k, _)| k == "role") {
        let role = Role::parse(v).ok_or_else(|| {
            bad(
                current,
                AdminMsg::BadRole.fill(current.lang, &[("value", v)]),
            )
        })?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    Ok(roles)
}

/// The `language` field: `vi`, `en`, or empty for the lab's default.
fn language(current: &CurrentUser, form: &[(String, String)]) -> Result<Option<Lang>, PageError> {
    let value = form
        .iter()
        .find(|(k, _)| k == "language")
        .map_or("", |(_, v)| v.as_str());
    if value.is_empty() {
        return Ok(None);
    }
    Lang::parse(value).map(Some).ok_or_else(|| {
        bad(
            current,
            AdminMsg::BadLanguage.fill(current.lang, &[("value", value)]),
        )
    })
}

fn user_row(u: &User, current: &CurrentUser, lang: Lang) -> UserRow {
    UserRow {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        roles: ROLES
            .iter()
            .map(|r| (r.as_str(), role_msg(*r).text(lang), u.roles.contains(r)))
            .collect(),
        language: u.language.map_or("", |l| l.code()),
        active: u.active,
        must_change: u.must_change_password,
        is_self: u.id == current.user.id,
        disable_url: urls::admin_user_action(u.id, "disable"),
        reset_url: urls::admin_user_action(u.id, "reset-password"),
        roles_url: urls::admin_user_action(u.id, "roles"),
        language_url: urls::admin_user_action(u.id, "language"),
    }
}

/// `GET /admin/users`: every user with the forms to change them, and the creation form.
pub async fn users_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Query(params): Query<UsersParams>,
) -> Result<UsersPage, PageError> {
    current.require(Permission::ManageUsers)?;
    let store = Arc::clone(&state.store);
    let users = run(&current, move || store.list_users()).await?;
    let lang = current.lang;
    let mut layout = current.layout(Nav::Admin);
    let done = match params.done.as_str() {
        "disabled" => Some(AdminMsg::NoticeDisabled),
        "roles" => Some(AdminMsg::NoticeRoles),
        "language" => Some(AdminMsg::NoticeLanguage),
        _ => None,
    };
    // The name is looked up among the users, so the notice never echoes arbitrary text.
    if let (Some(msg), Some(user)) = (done, users.iter().find(|u| u.username == params.user)) {
        layout.notice = Some(Notice {
            kind: NoticeKind::Done,
            text: msg.fill(lang, &[("username", &user.username)]),
        });
    }
    Ok(UsersPage {
        users: users.iter().map(|u| user_row(u, &current, lang)).collect(),
        roles: ROLES
            .iter()
            .map(|r| (r.as_str(), role_msg(*r).text(lang)))
            .collect(),
        layout,
    })
}

/// `POST /admin/users`: creates the user with a one-time password and shows it once.
pub async fn users_create_post(
    current: CurrentUser,
    State(state): State<AppState>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<OneTimePasswordPage, PageError> {
    current.require(Permission::ManageUsers)?;
    let username = field(&current, &form, "username")?.trim().to_owned();
    let display_name = field(&current, &form, "display_name")?.trim().to_owned();
    let roles = roles(&current, &form)?;
    let language = language(&current, &form)?;
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    let name = username.clone();
    let created = run(&current, move || {
        store.create_user_with_one_time_password(&name, &display_name, &roles, language, &actor)
    })
    .await?;
    Ok(OneTimePasswordPage {
        done: AdminMsg::OneTimeCreated.fill(current.lang, &[("username", &username)]),
        password: created.password,
        layout: current.layout(Nav::Admin),
    })
}

/// The user of a path's `{id}`, or a 404 page.
async fn target(current: &CurrentUser, state: &AppState, id: &str) -> Result<User, PageError> {
    let Ok(id) = id.parse::<i64>() else {
        return Err(current
            .error_page(StatusCode::NOT_FOUND, Msg::ErrorNotFound)
            .into());
    };
    let store = Arc::clone(&state.store);
    run(current, move || store.user(id)).await
}

fn back(done: &str, username: &str) -> Response {
    let query = serde_urlencoded::to_string([("done", done), ("user", username)])
        // Serializing pairs of strings to a query cannot fail.
        .unwrap_or_default();
    Redirect::to(&format!("{}?{query}", Urls::AdminUsers.as_str())).into_response()
}

/// `POST /admin/users/{id}/disable`: the account can no longer sign in; its sessions end.
pub async fn user_disable_post(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(_form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    current.require(Permission::ManageUsers)?;
    let user = target(&current, &state, &id).await?;
    let store = Arc::clone(&state.store);
    let (actor, name) = (current.actor(), user.username.clone());
    run(&current, move || store.disable_user(&name, &actor)).await?;
    Ok(back("disabled", &user.username))
}

/// `POST /admin/users/{id}/reset-password`: a new one-time password, shown once.
pub async fn user_reset_password_post(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(_form): CsrfForm<Vec<(String, String)>>,
) -> Result<OneTimePasswordPage, PageError> {
    current.require(Permission::ManageUsers)?;
    let user = target(&current, &state, &id).await?;
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    let reset = run(&current, move || store.reset_password(user.id, &actor)).await?;
    Ok(OneTimePasswordPage {
        done: AdminMsg::OneTimeReset.fill(current.lang, &[("username", &user.username)]),
        password: reset.password,
        layout: current.layout(Nav::Admin),
    })
}

/// `POST /admin/users/{id}/roles`: the checked `role` fields replace the user's roles.
pub async fn user_roles_post(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    current.require(Permission::ManageUsers)?;
    let user = target(&current, &state, &id).await?;
    let roles = roles(&current, &form)?;
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    run(&current, move || store.set_roles(user.id, &roles, &actor)).await?;
    Ok(back("roles", &user.username))
}

/// `POST /admin/users/{id}/language`: the user's UI language (`vi` or `en`).
pub async fn user_language_post(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    current.require(Permission::ManageUsers)?;
    let user = target(&current, &state, &id).await?;
    let Some(lang) = language(&current, &form)? else {
        return Err(bad(
            &current,
            AdminMsg::MissingField.fill(current.lang, &[("field", "language")]),
        ));
    };
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    run(&current, move || store.set_language(user.id, lang, &actor)).await?;
    Ok(back("language", &user.username))
}

#[cfg(test)]
mod tests;
