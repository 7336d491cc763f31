//! Signing in and out, the password change and the language choice: the handlers of
//! `/login`, `/logout`, `/password` and `/language`.
//!
//! The sign-in form has no session yet, so its CSRF token is a random value double-submitted in
//! the form and in the `lis_login_csrf` cookie (see [`super::cookies`]); every other form here
//! is a [`CsrfForm`] checked against the session's token. A refused sign-in never says whether
//! the username exists. After signing in the browser goes to `next` only when it is a path of
//! this site ([`local_next`]), so a link cannot send a user elsewhere.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use lis_core::config::Language;
use lis_core::password::MIN_PASSWORD_CHARS;
use lis_core::store::{PasswordChange, SignInOutcome};
use serde::Deserialize;

use super::cookies::{self, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use super::csrf::{self, CsrfForm};
use super::i18n::{Lang, Msg, Text};
use super::layout::{Layout, Nav, Notice, NoticeKind};
use super::login::{LoginPage, PasswordPage};
use super::session::{lab_lang, live_session, visitor_error, CurrentUser};
use super::urls::Urls;
use crate::error::AppError;
use crate::request::{blocking, query_pairs};
use crate::state::AppState;

/// `next` when it is a path of this site (`/specimens/S1?x=1`): it starts with one `/` (not
/// `//` or `/\`, which browsers read as another host), has no backslash, and only visible
/// ASCII (a browser sends a path percent-encoded). `None` for anything else, such as
/// `https://evil.example` or `//evil.example`.
pub fn local_next(next: &str) -> Option<&str> {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && next.bytes().all(|b| b.is_ascii_graphic());
    local.then_some(next)
}

/// What `GET /login` reads from its query; anything unreadable is ignored.
#[derive(Debug, Default)]
struct LoginQuery {
    next: String,
    lang: Option<Lang>,
    expired: bool,
    signed_out: bool,
}

fn login_query(uri: &Uri) -> LoginQuery {
    let mut q = LoginQuery::default();
    for (name, value) in query_pairs(uri.query()).unwrap_or_default() {
        match name.as_str() {
            "next" => q.next = value,
            "lang" => q.lang = Lang::parse(&value),
            "expired" => q.expired = value == "1",
            "signed_out" => q.signed_out = value == "1",
            _ => {}
        }
    }
    q
}

/// The sign-in form's fields.
#[derive(Debug, Default, Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    lang: String,
}

/// The sign-in page as one answer: status, page, and the form token's cookie when it is new.
struct LoginAnswer<'a> {
    state: &'a AppState,
    lang: Lang,
    token: String,
    set_token: bool,
}

impl LoginAnswer<'_> {
    fn page(
        &self,
        status: StatusCode,
        username: &str,
        problem: Option<String>,
        next: &str,
        notice: Option<Notice>,
    ) -> Response {
        let mut layout = Layout::visitor(
            self.lang,
            self.state.config.lab.name.clone(),
            self.token.clone(),
        );
        layout.notice = notice;
        let next = local_next(next).unwrap_or_default();
        if !next.is_empty() {
            // The language switch keeps where the visitor is going.
            if let Ok(query) = serde_urlencoded::to_string([("next", next)]) {
                layout.path = format!("{}?{query}", Urls::Login.as_str());
            }
        }
        let page = LoginPage {
            layout,
            username: username.to_owned(),
            problem,
            next: next.to_owned(),
        };
        let mut response = (status, page).into_response();
        if self.set_token {
            let Some(cookie) = cookies::login_csrf(&self.token, self.state.https) else {
                return internal(self.state, &"the sign-in token is no header value");
            };
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
        response
    }
}

/// `GET /login`: the sign-in form in the visitor's language (`?lang=en`, else the lab's). A
/// signed-in user is sent on (to `/password` when they must change it, else to a local `next`,
/// else the worklist). `?expired=1` says the session expired, `?signed_out=1` that they signed
/// out.
pub async fn login_get(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let query = login_query(&uri);
    match live_session(&state, cookies::read(&headers, SESSION_COOKIE)).await {
        Ok(Some(session)) => {
            let to = if session.must_change_password {
                Urls::Password.as_str()
            } else {
                local_next(&query.next).unwrap_or(Urls::Worklist.as_str())
            };
            return Redirect::to(to).into_response();
        }
        Ok(None) => {}
        Err(e) => return internal(&state, &e),
    }
    let kept = cookies::read(&headers, LOGIN_CSRF_COOKIE).filter(|t| t.len() == 64);
    let Some(token) = kept.or_else(csrf::new_token) else {
        return internal(&state, &"no randomness for the sign-in form's token");
    };
    let lang = query.lang.unwrap_or_else(|| lab_lang(&state));
    let answer = LoginAnswer {
        state: &state,
        lang,
        token,
        // Sent again each time, so an open form stays usable for the whole lifetime.
        set_token: true,
    };
    let problem = query
        .expired
        .then(|| Msg::ErrorSessionExpired.text(lang).to_owned());
    let notice = query.signed_out.then(|| Notice {
        kind: NoticeKind::Done,
        text: Msg::SignedOut.text(lang).to_owned(),
    });
    answer.page(StatusCode::OK, "", problem, &query.next, notice)
}

/// `POST /login` (`username`, `password`, `csrf`, `next`, `lang`): a cross-site post or a token
/// that is not the cookie's is a 403 with a fresh form, and no attempt is counted; wrong
/// credentials and an unknown name give the same page; a locked name says for how long; a
/// good sign-in sets the session cookie and goes to `/password` when the password must change,
/// else to a local `next`, else the worklist.
pub async fn login_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    let form: Option<LoginForm> = csrf::is_form(&headers)
        .then(|| serde_urlencoded::from_bytes(&body).ok())
        .flatten();
    let lang = form
        .as_ref()
        .and_then(|f| Lang::parse(&f.lang))
        .unwrap_or_else(|| lab_lang(&state));
    let cookie_token = cookies::read(&headers, LOGIN_CSRF_COOKIE);
    let form_ok = csrf::same_origin(&headers, &uri, state.https)
        && form
            .as_ref()
            .zip(cookie_token.as_deref())
            .is_some_and(|(f, t)| csrf::tokens_match(&f.csrf, t));
    let form = form.unwrap_or_default();
    let (Some(token), true) = (cookie_token, form_ok) else {
        tracing::warn!("a sign-in form without its token, or from another site, was refused");
        let Some(fresh) = csrf::new_token() else {
            return internal(&state, &"no randomness for the sign-in form's token");
        };
        let answer = LoginAnswer {
            state: &state,
            lang,
            token: fresh,
            set_token: true,
        };
        let problem = Some(Msg::ErrorBadForm.text(lang).to_owned());
        return answer.page(
            StatusCode::FORBIDDEN,
            &form.username,
            problem,
            &form.next,
            None,
        );
    };
    let answer = LoginAnswer {
        state: &state,
        lang,
        token,
        set_token: false,
    };
    let refused = |answer: &LoginAnswer<'_>| {
        let problem = Some(Msg::WrongCredentials.text(lang).to_owned());
        answer.page(StatusCode::OK, &form.username, problem, &form.next, None)
    };
    if form.username.is_empty() || form.password.is_empty() {
        return refused(&answer);
    }
    let store = Arc::clone(&state.store);
    let now = Timestamp::now();
    let (username, password) = (form.username.clone(), form.password.clone());
    let outcome = blocking(move || {
        store
            .sign_in(&username, &password, now)
            .map_err(AppError::from)
    })
    .await;
    match outcome {
        Ok(SignInOutcome::SignedIn(session)) => {
            let to = if session.must_change_password {
                Urls::Password.as_str()
            } else {
                local_next(&form.next).unwrap_or(Urls::Worklist.as_str())
            };
            let Some(cookie) = cookies::session(&session.secret, state.https) else {
                return internal(&state, &"the session secret is no header value");
            };
            let mut response = Redirect::to(to).into_response();
            let h = response.headers_mut();
            h.append(header::SET_COOKIE, cookie);
            h.append(header::SET_COOKIE, cookies::clear_login_csrf(state.https));
            response
        }
        Ok(SignInOutcome::Refused) => refused(&answer),
        Ok(SignInOutcome::Locked { until }) => {
            let problem = Some(locked_message(lang, until, now));
            answer.page(StatusCode::OK, &form.username, problem, &form.next, None)
        }
        Err(e) => internal(&state, &e),
    }
}

/// "Try again in N minutes", N rounded up so it is never too soon.
fn locked_message(lang: Lang, until: Timestamp, now: Timestamp) -> String {
    let seconds = until.duration_since(now).as_secs().max(1);
    let minutes = (seconds + 59) / 60;
    Msg::AccountLocked.fill(lang, &[("minutes", &minutes.to_string())])
}

/// `POST /logout` (`csrf`): ends the session on the server, removes the cookie and shows the
/// sign-in page saying so.
pub async fn logout_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    current: CurrentUser,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let Some(secret) = cookies::read(&headers, SESSION_COOKIE) else {
        // CurrentUser found the session by this cookie, so it is there.
        return current
            .error_page(StatusCode::UNAUTHORIZED, Msg::ErrorSessionExpired)
            .into_response();
    };
    let store = Arc::clone(&state.store);
    let now = Timestamp::now();
    match blocking(move || store.sign_out(&secret, now).map_err(AppError::from)).await {
        Ok(_) => {
            // The sign-in page that says so speaks the language of the person who left.
            let to = format!(
                "{}?signed_out=1&lang={}",
                Urls::Login.as_str(),
                current.lang.code()
            );
            let mut response = Redirect::to(&to).into_response();
            response
                .headers_mut()
                .append(header::SET_COOKIE, cookies::clear_session(state.https));
            response
        }
        Err(e) => internal(&state, &e),
    }
}

/// `GET /password`: the password change form (the only page a user who must change it sees).
pub async fn password_get(current: CurrentUser) -> PasswordPage {
    password_page(&current, None)
}

fn password_page(current: &CurrentUser, problem: Option<Msg>) -> PasswordPage {
    PasswordPage {
        layout: current.layout(Nav::None),
        must_change: current.must_change_password,
        min_length: MIN_PASSWORD_CHARS,
        problem: problem.map(|m| match m {
            Msg::PasswordTooShort => {
                m.fill(current.lang, &[("min", &MIN_PASSWORD_CHARS.to_string())])
            }
            _ => m.text(current.lang).to_owned(),
        }),
    }
}

/// The password form's fields.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// `POST /password` (`current_password`, `new_password`, `confirm_password`, `csrf`): two new
/// passwords that differ, one too short or one equal to the current re-render the form saying
/// so; a wrong current password counts toward the lockout. On success the user's other
/// sessions end and the browser goes to the worklist.
pub async fn password_post(
    State(state): State<AppState>,
    current: CurrentUser,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Response {
    let problem = if form.new_password != form.confirm_password {
        Some(Msg::PasswordsDiffer)
    } else if form.new_password.chars().count() < MIN_PASSWORD_CHARS {
        Some(Msg::PasswordTooShort)
    } else if form.new_password == form.current_password {
        Some(Msg::PasswordUnchanged)
    } else {
        None
    };
    if let Some(problem) = problem {
        return password_page(&current, Some(problem)).into_response();
    }
    let store = Arc::clone(&state.store);
    let (user_id, session_id) = (current.user.id, current.session_id);
    let now = Timestamp::now();
    let changed = blocking(move || {
        Ok::<_, AppError>(store.change_password(
            user_id,
            session_id,
            &form.current_password,
            &form.new_password,
            now,
        ))
    })
    .await;
    match changed {
        Ok(Ok(PasswordChange::Changed)) => Redirect::to(Urls::Worklist.as_str()).into_response(),
        Ok(Ok(PasswordChange::WrongPassword)) => {
            password_page(&current, Some(Msg::WrongCurrentPassword)).into_response()
        }
        Ok(Ok(PasswordChange::Locked { until })) => {
            let mut page = password_page(&current, None);
            page.problem = Some(locked_message(current.lang, until, now));
            page.into_response()
        }
        Ok(Err(e)) => current.store_error(e).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The language form's fields.
#[derive(Debug, Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    next: String,
}

/// `POST /language` (`lang` = `vi` | `en`, `next`, `csrf`): stores the user's language (audited)
/// and goes back to `next` when it is local, else the worklist.
pub async fn language_post(
    State(state): State<AppState>,
    current: CurrentUser,
    CsrfForm(form): CsrfForm<LanguageForm>,
) -> Response {
    let Some(language) = Language::parse(&form.lang) else {
        let detail = format!("lang: unknown language {:?}; expected vi or en", form.lang);
        let message = Msg::ErrorBadRequest.fill(current.lang, &[("detail", &detail)]);
        return current
            .error_message(StatusCode::BAD_REQUEST, message)
            .into_response();
    };
    let store = Arc::clone(&state.store);
    let (user_id, actor) = (current.user.id, current.actor());
    let set =
        blocking(move || Ok::<_, AppError>(store.set_language(user_id, language, &actor))).await;
    match set {
        Ok(Ok(())) => {
            Redirect::to(local_next(&form.next).unwrap_or(Urls::Worklist.as_str())).into_response()
        }
        Ok(Err(e)) => current.store_error(e).into_response(),
        Err(e) => e.into_response(),
    }
}

/// A 500 page for a visitor, the failure logged with a reference number.
fn internal(state: &AppState, detail: &dyn std::fmt::Display) -> Response {
    let _logged = AppError::internal(detail);
    visitor_error(state, StatusCode::INTERNAL_SERVER_ERROR, Msg::ErrorInternal)
}

#[cfg(test)]
mod tests;
