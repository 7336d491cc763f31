//! [`routes`]: every route of the technicians' UI in one router, so a page's path, handler and
//! guard are found together. The guard of each handler is in its arguments: [`CurrentUser`]
//! (a live session, else sign-in), `current.require(Permission::…)` (the role, else 403) and
//! [`CsrfForm`] (the session's token and the origin, else 403) on every state-changing route.
//!
//! [`CurrentUser`]: super::session::CurrentUser
//! [`CsrfForm`]: super::csrf::CsrfForm

use axum::http::{header, HeaderValue};
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use super::assets::statics_router;
use super::sign_in::{
    language_post, login_get, login_post, logout_post, password_get, password_post,
};
use super::urls::Urls;
use crate::state::AppState;

/// The UI's routes: the pages (`pages`, answered with `Cache-Control: no-store`) and the
/// embedded assets (`/assets/…`, cached for a year). [`crate::app::app_with`] merges it under
/// the request timeout.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(pages())
        .layer(middleware::map_response(no_store))
        .merge(statics_router())
}

/// Every page and form of the UI: sign-in and sign-out (`/login`, `/logout`), the password
/// change (`/password`), the language choice (`/language`), the worklist
/// ([`super::worklist_routes::routes`]), the monitoring pages ([`super::monitor::routes`]) and the
/// quality control pages ([`super::qc::routes`]).
/// A page module adds its routes here. Every page runs with the client's address
/// ([`crate::request::with_client_address`]), which the audit entries of its actions record.
fn pages() -> Router<AppState> {
    Router::new()
        .route(Urls::Login.as_str(), get(login_get).post(login_post))
        .route(Urls::Logout.as_str(), post(logout_post))
        .route(
            Urls::Password.as_str(),
            get(password_get).post(password_post),
        )
        .route(Urls::Language.as_str(), post(language_post))
        .merge(super::worklist_routes::routes())
        .merge(super::specimen_routes::routes())
        .merge(super::specimen_graphs::routes())
        .merge(super::patients::routes())
        .merge(super::turnaround::routes())
        .merge(super::admin::routes())
        .merge(super::monitor::routes())
        .merge(super::qc::routes())
        .layer(middleware::from_fn(crate::request::with_client_address))
        .merge(super::reception_routes::routes())
        .merge(super::report_routes::routes())
}

/// Pages show patients' results and carry form tokens: no browser or proxy keeps them, so the
/// back button after sign-out shows nothing of them.
async fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
