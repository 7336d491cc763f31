//! A browser for the handler tests: requests through the real app (`oneshot`) with the lab's
//! host and origin, the answer as a browser sees it (status, headers, body), the lab's users and
//! signing in through the form.

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use lis_core::config::Language;
use lis_core::model::{Actor, Role, UserId};
use lis_core::Store;
use tower::ServiceExt;

/// The lab's host, as the browser sends it.
pub(crate) const HOST: &str = "lab.local:8080";
/// The lab's origin, as a form of its pages sends it.
pub(crate) const ORIGIN: &str = "http://lab.local:8080";
/// Every test user's password.
pub(crate) const PASSWORD: &str = "correct horse 1";

/// What the browser received.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    /// The body's bytes, as sent.
    pub(crate) bytes: Vec<u8>,
    /// The body as text (invalid UTF-8 replaced).
    pub(crate) body: String,
}

impl Answer {
    /// The header `name`, or empty.
    pub(crate) fn header(&self, name: header::HeaderName) -> &str {
        self.headers.get(name).map_or("", |v| v.to_str().unwrap())
    }

    /// The `Location` header, or empty.
    pub(crate) fn location(&self) -> &str {
        self.header(header::LOCATION)
    }

    /// The `Content-Type` header, or empty.
    pub(crate) fn content_type(&self) -> &str {
        self.header(header::CONTENT_TYPE)
    }

    /// The `Content-Disposition` header, or empty.
    pub(crate) fn disposition(&self) -> &str {
        self.header(header::CONTENT_DISPOSITION)
    }

    /// Every `Set-Cookie` header, whole.
    pub(crate) fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    /// The value of the cookie `name` that the answer sets.
    pub(crate) fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies().iter().find_map(|c| {
            let (pair, _) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
    }

    /// The value of the page's first hidden `csrf` input.
    pub(crate) fn csrf_input(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).expect("a csrf input") + marker.len();
        let end = start + self.body[start..].find('"').unwrap();
        self.body[start..end].to_owned()
    }
}

/// Sends `request` through `app` and reads the whole answer.
pub(crate) async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes,
    }
}

/// A GET from a browser holding `cookie` (may be empty).
pub(crate) fn get_page(uri: &str, cookie: &str) -> Request<Body> {
    let mut builder = Request::get(uri).header(header::HOST, HOST);
    if !cookie.is_empty() {
        builder = builder.header(header::COOKIE, cookie);
    }
    builder.body(Body::empty()).unwrap()
}

/// A request for the live stream at `uri` (`Accept: text/event-stream`) from a browser holding
/// `cookie` (may be empty), resuming after `last_event_id` when given.
pub(crate) fn get_events(uri: &str, cookie: &str, last_event_id: Option<i64>) -> Request<Body> {
    let mut builder = Request::get(uri)
        .header(header::HOST, HOST)
        .header(header::ACCEPT, "text/event-stream");
    if !cookie.is_empty() {
        builder = builder.header(header::COOKIE, cookie);
    }
    if let Some(id) = last_event_id {
        builder = builder.header("last-event-id", id.to_string());
    }
    builder.body(Body::empty()).unwrap()
}

/// A form post from a page of the lab's origin (`Origin` as a browser sends it).
pub(crate) fn post_form(uri: &str, cookie: &str, form: &[(&str, &str)]) -> Request<Body> {
    post_form_from(uri, cookie, form, &[(header::ORIGIN.as_str(), ORIGIN)])
}

/// A form post with the given origin headers (`origin`, `sec-fetch-site`) instead.
pub(crate) fn post_form_from(
    uri: &str,
    cookie: &str,
    form: &[(&str, &str)],
    origin: &[(&str, &str)],
) -> Request<Body> {
    let mut builder = Request::post(uri)
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (name, value) in origin {
        builder = builder.header(*name, *value);
    }
    if !cookie.is_empty() {
        builder = builder.header(header::COOKIE, cookie);
    }
    builder
        .body(Body::from(serde_urlencoded::to_string(form).unwrap()))
        .unwrap()
}

/// Adds each `(username, display name, role)` with [`PASSWORD`], reading English pages.
pub(crate) fn add_users(store: &Store, users: &[(&str, &str, Role)]) -> Vec<UserId> {
    users
        .iter()
        .map(|(name, display, role)| {
            let id = store
                .create_user(name, display, &[*role], &Actor::System)
                .unwrap();
            store
                .set_password(id, PASSWORD, false, &Actor::System)
                .unwrap();
            store
                .set_language(id, Language::En, &Actor::System)
                .unwrap();
            id
        })
        .collect()
}

/// Opens the sign-in form and returns its token (the cookie's, which the page repeats).
pub(crate) async fn login_token(app: &Router) -> String {
    let page = send(app, get_page("/login?lang=en", "")).await;
    assert_eq!(page.status, StatusCode::OK);
    let token = page.cookie("lis_login_csrf").expect("the form's cookie");
    assert_eq!(page.csrf_input(), token);
    token
}

/// Posts the sign-in form with its token, in English.
pub(crate) async fn post_login(app: &Router, username: &str, password: &str, next: &str) -> Answer {
    let token = login_token(app).await;
    let cookie = format!("lis_login_csrf={token}");
    let form = [
        ("username", username),
        ("password", password),
        ("csrf", token.as_str()),
        ("next", next),
        ("lang", "en"),
    ];
    send(app, post_form("/login", &cookie, &form)).await
}

/// Signs in with `password` and returns the `Cookie` header value of the session.
pub(crate) async fn signed_in_with(app: &Router, username: &str, password: &str) -> String {
    let answer = post_login(app, username, password, "").await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    format!("lis_session={}", answer.cookie("lis_session").unwrap())
}

/// Signs in with [`PASSWORD`] and returns the `Cookie` header value of the session.
pub(crate) async fn signed_in(app: &Router, username: &str) -> String {
    signed_in_with(app, username, PASSWORD).await
}

/// The session's form token, as the password page carries it.
pub(crate) async fn session_token(app: &Router, cookie: &str) -> String {
    let page = send(app, get_page("/password", cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    page.csrf_input()
}

/// A signed-in browser: its session cookie and form token.
pub(crate) struct Browser {
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

impl Browser {
    /// Signs `username` in (with [`PASSWORD`]).
    pub(crate) async fn sign_in(app: &Router, username: &str) -> Self {
        let cookie = signed_in(app, username).await;
        Self {
            csrf: session_token(app, &cookie).await,
            cookie,
        }
    }

    /// Opens a page.
    pub(crate) async fn get(&self, app: &Router, uri: &str) -> Answer {
        send(app, get_page(uri, &self.cookie)).await
    }

    /// Posts a form of the lab's pages to `uri`, with the session's token.
    pub(crate) async fn post(&self, app: &Router, uri: &str, fields: &[(&str, &str)]) -> Answer {
        let mut form = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        send(app, post_form(uri, &self.cookie, &form)).await
    }
}
