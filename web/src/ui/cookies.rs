//! The UI's two cookies, read and written in one place: the session cookie
//! ([`SESSION_COOKIE`]) and the sign-in form's pre-session CSRF cookie ([`LOGIN_CSRF_COOKIE`]).
//!
//! Both are `HttpOnly` (no script reads them) and `SameSite=Strict` (no other site's page sends
//! them), and `Secure` when the listener serves TLS. Their values are hex secrets, so no quoting
//! or escaping is ever needed; a cookie whose value is not plain hex is ignored.

use axum::http::{header, HeaderMap, HeaderValue};

/// The session cookie: the secret [`lis_core::Store::sign_in`] handed out, for every path.
pub const SESSION_COOKIE: &str = "lis_session";

/// The sign-in form's CSRF cookie, double-submitted with the form's `csrf` field: there is no
/// session yet whose token could be used. Only sent to `/login`.
pub const LOGIN_CSRF_COOKIE: &str = "lis_login_csrf";

/// How long a sign-in form stays usable, in seconds.
pub const LOGIN_CSRF_MAX_AGE_SECS: u32 = 3600;

/// The value of the cookie `name` in the request's `Cookie` headers, when it is there once with
/// a non-empty hex value. A cookie given twice (a stale copy at another path) is ignored rather
/// than guessed at.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    let mut found = None;
    for value in headers.get_all(header::COOKIE) {
        let Ok(value) = value.to_str() else {
            continue;
        };
        for pair in value.split(';') {
            let Some((key, val)) = pair.trim().split_once('=') else {
                continue;
            };
            if key.trim() != name {
                continue;
            }
            if found.is_some() {
                return None;
            }
            found = Some(val.trim().to_owned());
        }
    }
    found.filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `Set-Cookie` for a new session: `lis_session=<secret>; Path=/; HttpOnly; SameSite=Strict`,
/// with `; Secure` under TLS. No `Max-Age`: the browser forgets it when it closes, and the
/// server ends it on idle or age anyway.
pub fn session(secret: &str, https: bool) -> Option<HeaderValue> {
    set_cookie(&format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict{}",
        secure(https)
    ))
}

/// `Set-Cookie` that removes the session cookie (`Max-Age=0`).
pub fn clear_session(https: bool) -> HeaderValue {
    HeaderValue::from_static(if https {
        "lis_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure"
    } else {
        "lis_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"
    })
}

/// `Set-Cookie` for the sign-in form's token, at `/login` only, for
/// [`LOGIN_CSRF_MAX_AGE_SECS`].
pub fn login_csrf(token: &str, https: bool) -> Option<HeaderValue> {
    set_cookie(&format!(
        "{LOGIN_CSRF_COOKIE}={token}; Path=/login; Max-Age={LOGIN_CSRF_MAX_AGE_SECS}; HttpOnly; \
         SameSite=Strict{}",
        secure(https)
    ))
}

/// `Set-Cookie` that removes the sign-in form's token.
pub fn clear_login_csrf(https: bool) -> HeaderValue {
    HeaderValue::from_static(if https {
        "lis_login_csrf=; Path=/login; Max-Age=0; HttpOnly; SameSite=Strict; Secure"
    } else {
        "lis_login_csrf=; Path=/login; Max-Age=0; HttpOnly; SameSite=Strict"
    })
}

fn secure(https: bool) -> &'static str {
    if https {
        "; Secure"
    } else {
        ""
    }
}

/// A header value; `None` only if a value had a byte no header may hold (hex never has).
fn set_cookie(text: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(cookies: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for c in cookies {
            h.append(header::COOKIE, HeaderValue::from_str(c).unwrap());
        }
        h
    }

    #[test]
    fn reads_one_hex_cookie_among_others() {
        let h = headers(&["theme=dark; lis_session=ab12EF ; lang=vi"]);
        assert_eq!(read(&h, SESSION_COOKIE).as_deref(), Some("ab12EF"));
        let h = headers(&["theme=dark", "lis_session=00ff"]);
        assert_eq!(read(&h, SESSION_COOKIE).as_deref(), Some("00ff"));
        assert_eq!(read(&headers(&["x_lis_session=00"]), SESSION_COOKIE), None);
        assert_eq!(read(&headers(&[]), SESSION_COOKIE), None);
    }

    #[test]
    fn ignores_empty_non_hex_and_doubled_cookies() {
        assert_eq!(read(&headers(&["lis_session="]), SESSION_COOKIE), None);
        assert_eq!(
            read(&headers(&["lis_session=\"ab\""]), SESSION_COOKIE),
            None
        );
        assert_eq!(
            read(
                &headers(&["lis_session=ab; lis_session=cd"]),
                SESSION_COOKIE
            ),
            None
        );
    }

    #[test]
    fn set_cookie_attributes() {
        assert_eq!(
            session("ab", false).unwrap(),
            "lis_session=ab; Path=/; HttpOnly; SameSite=Strict"
        );
        assert_eq!(
            session("ab", true).unwrap(),
            "lis_session=ab; Path=/; HttpOnly; SameSite=Strict; Secure"
        );
        assert_eq!(
            clear_session(false),
            "lis_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"
        );
        assert_eq!(
            login_csrf("cd", true).unwrap(),
            "lis_login_csrf=cd; Path=/login; Max-Age=3600; HttpOnly; SameSite=Strict; Secure"
        );
        assert_eq!(
            clear_login_csrf(false),
            "lis_login_csrf=; Path=/login; Max-Age=0; HttpOnly; SameSite=Strict"
        );
    }
}
