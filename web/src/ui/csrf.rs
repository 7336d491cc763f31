//! Cross-site request forgery defences of every state-changing UI request, in two layers:
//!
//! 1. The request must come from a page of this origin: its `Origin` header equals the origin
//!    the request was sent to (scheme from the listener, host from `Host`), or, when a browser
//!    sends no `Origin`, `Sec-Fetch-Site` is `same-origin` or absent ([`same_origin`]).
//! 2. The form carries the session's synchronizer token in a `csrf` field, compared in constant
//!    time ([`tokens_match`]). The sign-in form, which has no session yet, double-submits a random
//!    token that is also in the `lis_login_csrf` cookie.
//!
//! [`CsrfForm<T>`] applies both before a handler runs: a refusal is a 403 error page and the
//! handler, so every change it would make, never happens.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use super::i18n::{Msg, Text};
use super::session::CurrentUser;
use crate::state::AppState;

/// The name of the token's field in every form.
pub const CSRF_FIELD: &str = "csrf";

/// Whether the request was sent by a page of this server's origin. `https` is whether the
/// listener serves TLS (the scheme the browser used). With an `Origin` header it must be exactly
/// `scheme://host` of the request (ASCII case ignored; `null` never matches); without one,
/// `Sec-Fetch-Site` must be `same-origin` or absent (an old browser, or a client that is no
/// browser and so carries no ambient cookie of a victim).
pub fn same_origin(headers: &HeaderMap, uri: &Uri, https: bool) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| uri.authority().map(|a| a.as_str().to_owned()));
    match headers.get(header::ORIGIN) {
        Some(origin) => {
            let (Ok(origin), Some(host)) = (origin.to_str(), host) else {
                return false;
            };
            let scheme = if https { "https" } else { "http" };
            origin
                .trim()
                .eq_ignore_ascii_case(&format!("{scheme}://{}", host.trim()))
        }
        None => match headers.get("sec-fetch-site") {
            None => true,
            Some(site) => site.as_bytes().eq_ignore_ascii_case(b"same-origin"),
        },
    }
}

/// Whether a token sent with a form is the expected one, in time that does not depend on where
/// they differ. An empty expected token matches nothing.
pub fn tokens_match(sent: &str, expected: &str) -> bool {
    !expected.is_empty() && bool::from(sent.as_bytes().ct_eq(expected.as_bytes()))
}

/// A new random token (32 bytes from the operating system, as 64 hex digits) for the sign-in
/// form; `None` when the operating system gives no randomness.
pub fn new_token() -> Option<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).ok()?;
    Some(lis_core::audit::hex(&bytes))
}

/// The value of the one `csrf` field among a form's pairs; `None` when it is missing or given
/// more than once.
pub fn form_token(pairs: &[(String, String)]) -> Option<&str> {
    let mut tokens = pairs.iter().filter(|(k, _)| k == CSRF_FIELD);
    let first = tokens.next()?;
    tokens.next().is_none().then_some(first.1.as_str())
}

/// Whether the request's body is declared as an HTML form.
pub fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// An HTML form (`application/x-www-form-urlencoded`) of a signed-in user, read into `T` after
/// the request passed [`same_origin`] and its `csrf` field matched the session's token. It is
/// the last argument of a state-changing handler, after [`CurrentUser`] (which it reuses: the
/// session is read once per request).
///
/// Refusals: no session as [`CurrentUser`] answers it; a cross-site request, a missing or wrong
/// token: 403 error page ([`Msg::ErrorBadForm`]); a body that is no form or does not fit `T`:
/// 400 error page naming the problem. `T` sees every field, `csrf` included, so it must not deny
/// unknown fields; a form with repeated names (`result=1:2&result=3:1`) reads as
/// `Vec<(String, String)>`.
#[derive(Debug, Clone)]
pub struct CsrfForm<T>(pub T);

impl<T> FromRequest<AppState> for CsrfForm<T>
where
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let user = CurrentUser::from_request_parts(&mut parts, state).await?;
        if !same_origin(&parts.headers, &parts.uri, state.https) {
            tracing::warn!(user = %user.user.username, path = %parts.uri.path(),
                "a cross-site form submission was refused");
            return Err(forbidden(&user));
        }
        if !is_form(&parts.headers) {
            return Err(bad_form(
                &user,
                "the body is not an HTML form (application/x-www-form-urlencoded)",
            ));
        }
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| bad_form(&user, &e.body_text()))?;
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).map_err(|e| bad_form(&user, &e.to_string()))?;
        let token_ok = form_token(&pairs).is_some_and(|t| tokens_match(t, &user.csrf_token));
        if !token_ok {
            tracing::warn!(user = %user.user.username, "a form without the session's token was refused");
            return Err(forbidden(&user));
        }
        let value =
            serde_urlencoded::from_bytes(&bytes).map_err(|e| bad_form(&user, &e.to_string()))?;
        Ok(Self(value))
    }
}

fn forbidden(user: &CurrentUser) -> Response {
    user.error_page(StatusCode::FORBIDDEN, Msg::ErrorBadForm)
        .into_response()
}

fn bad_form(user: &CurrentUser, detail: &str) -> Response {
    let message = Msg::ErrorBadRequest.fill(user.lang, &[("detail", detail)]);
    user.error_message(StatusCode::BAD_REQUEST, message)
        .into_response()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn origin_must_be_this_scheme_and_host() {
        let uri: Uri = "/logout".parse().unwrap();
        let same = headers(&[
            ("host", "lab.local:8080"),
            ("origin", "http://lab.local:8080"),
        ]);
        assert!(same_origin(&same, &uri, false));
        // The same host over the other scheme is another origin.
        assert!(!same_origin(&same, &uri, true));
        let tls = headers(&[("host", "lab.local"), ("origin", "https://LAB.local")]);
        assert!(same_origin(&tls, &uri, true));
        for origin in [
            "http://evil.example",
            "http://lab.local:8080.evil.example",
            "http://lab.local",
            "null",
        ] {
            let h = headers(&[("host", "lab.local:8080"), ("origin", origin)]);
            assert!(!same_origin(&h, &uri, false), "{origin}");
        }
        // An Origin with no Host to compare with is refused.
        assert!(!same_origin(
            &headers(&[("origin", "http://lab.local")]),
            &uri,
            false
        ));
    }

    #[test]
    fn without_origin_sec_fetch_site_decides() {
        let uri: Uri = "/logout".parse().unwrap();
        assert!(same_origin(&headers(&[("host", "lab")]), &uri, false));
        let h = headers(&[("host", "lab"), ("sec-fetch-site", "same-origin")]);
        assert!(same_origin(&h, &uri, false));
        for site in ["cross-site", "same-site", "none"] {
            let h = headers(&[("host", "lab"), ("sec-fetch-site", site)]);
            assert!(!same_origin(&h, &uri, false), "{site}");
        }
    }

    #[test]
    fn tokens_compare_whole_and_never_empty() {
        assert!(tokens_match("ab12", "ab12"));
        assert!(!tokens_match("ab1", "ab12"));
        assert!(!tokens_match("ab12x", "ab12"));
        assert!(!tokens_match("AB12", "ab12"));
        assert!(!tokens_match("", ""));
        let t = new_token().unwrap();
        assert_eq!(t.len(), 64);
        assert_ne!(t, new_token().unwrap());
    }

    #[test]
    fn the_form_token_is_one_field() {
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        assert_eq!(form_token(&[pair("a", "1"), pair("csrf", "t")]), Some("t"));
        assert_eq!(form_token(&[pair("a", "1")]), None);
        assert_eq!(form_token(&[pair("csrf", "t"), pair("csrf", "t")]), None);
        assert!(is_form(&headers(&[(
            "content-type",
            "application/x-www-form-urlencoded; charset=UTF-8"
        )])));
        assert!(!is_form(&headers(&[("content-type", "text/plain")])));
        assert!(!is_form(&headers(&[])));
    }
}
