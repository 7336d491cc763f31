//! Signing in, out and the session guards through the real app (`oneshot`), as a browser sees
//! them: redirects and their `Location`, `Set-Cookie` headers exactly, and the page text in the
//! chosen language. Expected texts are the catalog's English words, written out here.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::routing::get;
use axum::Router;
use jiff::{SignedDuration, Timestamp};
use lis_core::config::Language;
use lis_core::model::{Actor, Role, UserId};
use lis_core::permissions::Permission;
use lis_core::{LabConfig, Store};
use lis_drivers::link::LinkRegistry;

use crate::app::app_with;
use crate::http_settings::{HttpSettings, TlsFiles};
use crate::state::AppState;
use crate::ui::error_page::PageError;
use crate::ui::testing::browser::{
    get_page, login_token, post_form, post_form_from, post_login, send, session_token,
    signed_in_with as signed_in, Answer, HOST, ORIGIN, PASSWORD,
};
use crate::ui::CurrentUser;

const NEW_PASSWORD: &str = "battery staple 22";

struct Lab {
    store: Arc<Store>,
    app: Router,
    tech: UserId,
}

/// A lab with one technician, `tech`, whose password is [`PASSWORD`], and two test-only pages
/// behind the guards: `/test/page` (any signed-in user) and `/test/users` (needs
/// `ManageUsers`, which a technician lacks).
fn lab_with(settings: &HttpSettings) -> Lab {
    let store = Arc::new(Store::open_in_memory(LabConfig::embedded_default().unwrap()).unwrap());
    let tech = store
        .create_user("tech", "Trần Thị B", &[Role::Technician], &Actor::System)
        .unwrap();
    store
        .set_password(tech, PASSWORD, false, &Actor::System)
        .unwrap();
    let state = AppState::new(Arc::clone(&store), LinkRegistry::new());
    let guarded = Router::new()
        .route(
            "/test/page",
            get(|current: CurrentUser| async move { current.user.username }),
        )
        .route(
            "/test/users",
            get(|current: CurrentUser| async move {
                current.require(Permission::ManageUsers)?;
                Ok::<_, PageError>("the users")
            }),
        )
        .with_state(state.clone());
    Lab {
        store,
        app: app_with(state, settings).merge(guarded),
        tech,
    }
}

fn lab() -> Lab {
    lab_with(&HttpSettings::default())
}

#[tokio::test]
async fn a_page_without_a_session_redirects_to_sign_in_with_the_path() {
    let lab = lab();
    let answer = send(&lab.app, get_page("/password?x=1", "")).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), "/login?next=%2Fpassword%3Fx%3D1");
    assert!(answer.set_cookies().is_empty());
    let answer = send(&lab.app, get_page("/test/page", "")).await;
    assert_eq!(answer.location(), "/login?next=%2Ftest%2Fpage");
    // A form posted without a session has no page to come back to.
    let answer = send(&lab.app, post_form("/logout", "", &[("csrf", "x")])).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), "/login");
}

#[tokio::test]
async fn a_data_request_without_a_session_is_401() {
    let lab = lab();
    for (name, value) in [
        ("accept", "text/event-stream"),
        ("accept", "application/json"),
        ("x-requested-with", "fetch"),
        ("sec-fetch-dest", "empty"),
    ] {
        let request = Request::get("/test/page")
            .header(header::HOST, HOST)
            .header(name, value)
            .body(Body::empty())
            .unwrap();
        let answer = send(&lab.app, request).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{name}: {value}");
        assert_eq!(answer.location(), "");
        let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(body["code"], "unauthorized", "{name}");
    }
}

#[tokio::test]
async fn the_sign_in_form_speaks_the_lab_language_or_the_visitors_choice() {
    let lab = lab();
    let page = send(&lab.app, get_page("/login", "")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<html lang=\"vi\">"));
    assert!(page.body.contains("Tên đăng nhập"));
    let token = page.cookie("lis_login_csrf").unwrap();
    assert_eq!(token.len(), 64);
    assert_eq!(
        page.set_cookies(),
        [format!(
            "lis_login_csrf={token}; Path=/login; Max-Age=3600; HttpOnly; SameSite=Strict"
        )]
    );
    assert_eq!(
        page.headers["content-security-policy"],
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
         connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    );
    // No browser keeps a page; the assets are cached (their URL changes with their bytes).
    assert_eq!(page.headers["cache-control"], "no-store");
    let css = send(&lab.app, get_page(crate::ui::assets::css_url(), "")).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(
        css.headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let page = send(
        &lab.app,
        get_page("/login?lang=en&next=%2Fspecimens%2FS1", ""),
    )
    .await;
    assert!(page.body.contains("<html lang=\"en\">"));
    assert!(page.body.contains(">Sign in</button>"));
    assert!(page
        .body
        .contains("<input type=\"hidden\" name=\"next\" value=\"/specimens/S1\">"));
    // The switch back to Vietnamese keeps where the visitor is going.
    assert!(page
        .body
        .contains("href=\"/login?next=%2Fspecimens%2FS1&#38;lang=vi\""));
    // A foreign `next` is not even put in the form.
    let page = send(&lab.app, get_page("/login?next=%2F%2Fevil.example", "")).await;
    assert!(page
        .body
        .contains("<input type=\"hidden\" name=\"next\" value=\"\">"));
}

#[tokio::test]
async fn a_good_sign_in_sets_the_session_cookie_and_goes_to_the_local_next() {
    let lab = lab();
    let answer = post_login(&lab.app, "tech", PASSWORD, "/specimens/S1?tab=2").await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), "/specimens/S1?tab=2");
    let secret = answer.cookie("lis_session").unwrap();
    assert_eq!(secret.len(), 64);
    assert!(secret.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(
        answer.set_cookies(),
        [
            format!("lis_session={secret}; Path=/; HttpOnly; SameSite=Strict"),
            String::from("lis_login_csrf=; Path=/login; Max-Age=0; HttpOnly; SameSite=Strict"),
        ]
    );
    // The cookie opens pages; the sign-in page now sends the user on.
    let cookie = format!("lis_session={secret}");
    let page = send(&lab.app, get_page("/test/page", &cookie)).await;
    assert_eq!((page.status, page.body.as_str()), (StatusCode::OK, "tech"));
    let again = send(&lab.app, get_page("/login", &cookie)).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(again.location(), "/");
}

#[tokio::test]
async fn next_never_leads_off_the_site() {
    let lab = lab();
    for next in [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "evil.example/x",
        "",
    ] {
        let answer = post_login(&lab.app, "tech", PASSWORD, next).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(answer.location(), "/", "{next}");
    }
}

#[tokio::test]
async fn under_tls_the_cookie_is_secure_and_the_origin_https() {
    let settings = HttpSettings {
        tls: Some(TlsFiles {
            cert: "lis.crt".into(),
            key: "lis.key".into(),
        }),
        ..HttpSettings::default()
    };
    let lab = lab_with(&settings);
    let token = login_token(&lab.app).await;
    let cookie = format!("lis_login_csrf={token}");
    let form = [
        ("username", "tech"),
        ("password", PASSWORD),
        ("csrf", token.as_str()),
    ];
    // The http:// origin is another site when the listener serves https.
    let answer = send(&lab.app, post_form("/login", &cookie, &form)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let fresh = answer.cookie("lis_login_csrf").unwrap();
    let cookie = format!("lis_login_csrf={fresh}");
    let form = [
        ("username", "tech"),
        ("password", PASSWORD),
        ("csrf", fresh.as_str()),
    ];
    let origin = [("origin", "https://lab.local:8080")];
    let answer = send(&lab.app, post_form_from("/login", &cookie, &form, &origin)).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    let secret = answer.cookie("lis_session").unwrap();
    assert_eq!(
        answer.set_cookies()[0],
        format!("lis_session={secret}; Path=/; HttpOnly; SameSite=Strict; Secure")
    );
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_read_the_same() {
    let lab = lab();
    let wrong = post_login(&lab.app, "tech", "not the password", "").await;
    let unknown = post_login(&lab.app, "nobody", PASSWORD, "").await;
    assert_eq!(wrong.status, StatusCode::OK);
    assert_eq!(unknown.status, wrong.status);
    assert!(wrong.body.contains("Wrong username or password."));
    assert!(wrong.cookie("lis_session").is_none());
    assert!(unknown.cookie("lis_session").is_none());
    // Apart from the name typed (kept in the field) and the form's token, the pages are equal.
    let strip = |a: &Answer, name: &str| {
        a.body
            .replace(&format!("value=\"{name}\""), "value=\"?\"")
            .replace(&a.csrf_input(), "TOKEN")
    };
    assert_eq!(strip(&wrong, "tech"), strip(&unknown, "nobody"));
}

#[tokio::test]
async fn five_failures_lock_the_name_even_for_the_right_password() {
    let lab = lab();
    for attempt in 1..=4 {
        let answer = post_login(&lab.app, "tech", "wrong password", "").await;
        assert!(
            answer.body.contains("Wrong username or password."),
            "attempt {attempt}"
        );
    }
    let fifth = post_login(&lab.app, "tech", "wrong password", "").await;
    assert!(fifth
        .body
        .contains("Too many failed sign-ins. Try again in 15 minutes."));
    let right = post_login(&lab.app, "tech", PASSWORD, "").await;
    assert_eq!(right.status, StatusCode::OK);
    assert!(right
        .body
        .contains("Too many failed sign-ins. Try again in 15 minutes."));
    assert!(right.cookie("lis_session").is_none());
}

#[tokio::test]
async fn a_sign_in_form_without_its_token_or_from_another_site_is_refused() {
    let lab = lab();
    let token = login_token(&lab.app).await;
    let with_token = format!("lis_login_csrf={token}");
    let zeros = "0".repeat(64);
    let form = |password: &str, csrf: &str| {
        serde_urlencoded::to_string([
            ("username", "tech"),
            ("password", password),
            ("csrf", csrf),
            ("lang", "en"),
        ])
        .unwrap()
    };
    let request = |cookie: &str, body: String, origin: (&str, &str)| {
        let mut builder = Request::post("/login")
            .header(header::HOST, HOST)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(origin.0, origin.1);
        if !cookie.is_empty() {
            builder = builder.header(header::COOKIE, cookie);
        }
        builder.body(Body::from(body)).unwrap()
    };
    let same = ("origin", ORIGIN);
    // Each refused post carries a wrong password: had one been checked, it would count toward
    // the lockout. The last carries the right one: had it been checked, it would sign in.
    for (what, req) in [
        (
            "no token",
            request(&with_token, form("wrong password", ""), same),
        ),
        (
            "another token",
            request(&with_token, form("wrong password", &zeros), same),
        ),
        (
            "no cookie",
            request("", form("wrong password", &token), same),
        ),
        (
            "another site",
            request(
                &with_token,
                form("wrong password", &token),
                ("origin", "http://evil.example"),
            ),
        ),
        (
            "cross-site without Origin",
            request(
                &with_token,
                form("wrong password", &token),
                ("sec-fetch-site", "cross-site"),
            ),
        ),
        (
            "the right password from another site",
            request(&with_token, form(PASSWORD, &token), ("origin", "null")),
        ),
    ] {
        let answer = send(&lab.app, req).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{what}");
        assert!(
            answer
                .body
                .contains("The form was out of date or invalid. Reload the page and try again."),
            "{what}"
        );
        assert!(answer.cookie("lis_session").is_none(), "{what}");
        // A fresh form comes with a fresh token.
        let fresh = answer.cookie("lis_login_csrf").unwrap();
        assert_eq!(fresh, answer.csrf_input(), "{what}");
        assert_ne!(fresh, token, "{what}");
    }
    // None of those counted: four real failures do not lock the name yet.
    for _ in 0..4 {
        let answer = post_login(&lab.app, "tech", "wrong password", "").await;
        assert!(answer.body.contains("Wrong username or password."));
    }
    let answer = post_login(&lab.app, "tech", PASSWORD, "").await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sign_out_needs_the_token_from_this_site_and_ends_the_session() {
    let lab = lab();
    let cookie = signed_in(&lab.app, "tech", PASSWORD).await;
    let token = session_token(&lab.app, &cookie).await;
    assert_eq!(token.len(), 64);
    let wrong = "f".repeat(64);
    for (what, request) in [
        ("no token", post_form("/logout", &cookie, &[])),
        (
            "a wrong token",
            post_form("/logout", &cookie, &[("csrf", wrong.as_str())]),
        ),
        (
            "another site",
            post_form_from(
                "/logout",
                &cookie,
                &[("csrf", token.as_str())],
                &[("origin", "http://evil.example")],
            ),
        ),
        (
            "a cross-site request without Origin",
            post_form_from(
                "/logout",
                &cookie,
                &[("csrf", token.as_str())],
                &[("sec-fetch-site", "cross-site")],
            ),
        ),
    ] {
        let answer = send(&lab.app, request).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{what}");
        assert!(
            answer.body.contains("Biểu mẫu đã cũ hoặc không hợp lệ."),
            "{what}"
        );
        assert!(answer.set_cookies().is_empty(), "{what}");
        // Nothing changed: still signed in.
        let page = send(&lab.app, get_page("/test/page", &cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{what}");
    }
    let answer = send(
        &lab.app,
        post_form_from(
            "/logout",
            &cookie,
            &[("csrf", token.as_str())],
            &[("sec-fetch-site", "same-origin")],
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), "/login?signed_out=1&lang=vi");
    assert_eq!(
        answer.set_cookies(),
        ["lis_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"]
    );
    let page = send(&lab.app, get_page(answer.location(), "")).await;
    assert!(page.body.contains("Bạn đã đăng xuất."));
    // The old cookie no longer opens anything, and the browser is told to forget it.
    let stale = send(&lab.app, get_page("/test/page", &cookie)).await;
    assert_eq!(stale.status, StatusCode::SEE_OTHER);
    assert_eq!(stale.location(), "/login?next=%2Ftest%2Fpage&expired=1");
    assert_eq!(
        stale.set_cookies(),
        ["lis_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"]
    );
    let page = send(
        &lab.app,
        get_page("/login?next=%2Ftest%2Fpage&expired=1", ""),
    )
    .await;
    assert!(page
        .body
        .contains("Phiên làm việc đã hết hạn. Hãy đăng nhập lại."));
}

#[tokio::test]
async fn a_session_idle_past_the_limit_has_ended() {
    let lab = lab();
    // `[ui] session_idle_minutes` is 30 in the embedded default.
    let open_at = |minutes_ago: i64| {
        let at = Timestamp::now() - SignedDuration::from_mins(minutes_ago);
        match lab.store.sign_in("tech", PASSWORD, at).unwrap() {
            lis_core::store::SignInOutcome::SignedIn(s) => format!("lis_session={}", s.secret),
            other => panic!("{other:?}"),
        }
    };
    let recent = open_at(29);
    let page = send(&lab.app, get_page("/test/page", &recent)).await;
    assert_eq!(page.status, StatusCode::OK);
    let idle = open_at(31);
    let page = send(&lab.app, get_page("/test/page", &idle)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login?next=%2Ftest%2Fpage&expired=1");
}

#[tokio::test]
async fn a_user_who_must_change_the_password_sees_only_the_password_page() {
    let lab = lab();
    lab.store
        .set_password(lab.tech, PASSWORD, true, &Actor::System)
        .unwrap();
    lab.store
        .set_language(lab.tech, Language::En, &Actor::System)
        .unwrap();
    let answer = post_login(&lab.app, "tech", PASSWORD, "/test/page").await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), "/password");
    let cookie = format!("lis_session={}", answer.cookie("lis_session").unwrap());
    for uri in ["/test/page", "/test/users", "/login"] {
        let page = send(&lab.app, get_page(uri, &cookie)).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(page.location(), "/password", "{uri}");
    }
    let page = send(&lab.app, get_page("/password", &cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page
        .body
        .contains("You must change your password before you continue."));
    let token = page.csrf_input();
    // A form elsewhere is not served either.
    let answer = send(
        &lab.app,
        post_form(
            "/language",
            &cookie,
            &[("csrf", token.as_str()), ("lang", "vi")],
        ),
    )
    .await;
    assert_eq!(answer.location(), "/password");
    assert_eq!(
        lab.store.user(lab.tech).unwrap().language,
        Some(Language::En)
    );
    // Changing it frees the way.
    let change = [
        ("csrf", token.as_str()),
        ("current_password", PASSWORD),
        ("new_password", NEW_PASSWORD),
        ("confirm_password", NEW_PASSWORD),
    ];
    let answer = send(&lab.app, post_form("/password", &cookie, &change)).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), "/");
    let page = send(&lab.app, get_page("/test/page", &cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
}

#[tokio::test]
async fn the_password_change_checks_its_fields_and_the_old_password_stops_working() {
    let lab = lab();
    let cookie = signed_in(&lab.app, "tech", PASSWORD).await;
    let other = signed_in(&lab.app, "tech", PASSWORD).await;
    lab.store
        .set_language(lab.tech, Language::En, &Actor::System)
        .unwrap();
    let token = session_token(&lab.app, &cookie).await;
    let post = |current: &str, new: &str, confirm: &str| {
        let form = [
            ("csrf", token.as_str()),
            ("current_password", current),
            ("new_password", new),
            ("confirm_password", confirm),
        ];
        post_form("/password", &cookie, &form)
    };
    for (request, message) in [
        (
            post(PASSWORD, NEW_PASSWORD, "battery staple 23"),
            "The two passwords are not the same.",
        ),
        (
            post(PASSWORD, "short", "short"),
            "The password must have at least 10 characters.",
        ),
        (
            post(PASSWORD, PASSWORD, PASSWORD),
            "The new password must differ from the current one.",
        ),
        (
            post("not my password", NEW_PASSWORD, NEW_PASSWORD),
            "The current password is wrong.",
        ),
    ] {
        let answer = send(&lab.app, request).await;
        assert_eq!(answer.status, StatusCode::OK, "{message}");
        assert!(
            answer.body.contains(&format!(
                "<span class=\"sym\" aria-hidden=\"true\">!</span> {message}"
            )),
            "{message}"
        );
    }
    // None of those changed it.
    let still = post_login(&lab.app, "tech", PASSWORD, "").await;
    assert_eq!(still.status, StatusCode::SEE_OTHER);
    let answer = send(&lab.app, post(PASSWORD, NEW_PASSWORD, NEW_PASSWORD)).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), "/");
    // This session goes on; the user's other sessions have ended.
    let page = send(&lab.app, get_page("/test/page", &cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    let page = send(&lab.app, get_page("/test/page", &other)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let old = post_login(&lab.app, "tech", PASSWORD, "").await;
    assert_eq!(old.status, StatusCode::OK);
    assert!(old.body.contains("Wrong username or password."));
    let new = post_login(&lab.app, "tech", NEW_PASSWORD, "").await;
    assert_eq!(new.status, StatusCode::SEE_OTHER);
    assert_eq!(new.location(), "/");
}

#[tokio::test]
async fn the_language_choice_is_stored_and_returns_to_the_page() {
    let lab = lab();
    let cookie = signed_in(&lab.app, "tech", PASSWORD).await;
    let token = session_token(&lab.app, &cookie).await;
    let page = send(&lab.app, get_page("/password", &cookie)).await;
    assert!(page.body.contains("<html lang=\"vi\">"));
    let form = [
        ("csrf", token.as_str()),
        ("lang", "en"),
        ("next", "/password?from=switch"),
    ];
    let answer = send(&lab.app, post_form("/language", &cookie, &form)).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), "/password?from=switch");
    assert_eq!(
        lab.store.user(lab.tech).unwrap().language,
        Some(Language::En)
    );
    let page = send(&lab.app, get_page("/password", &cookie)).await;
    assert!(page.body.contains("<html lang=\"en\">"));
    // The switch on the page posts back to the page it is on.
    assert!(page
        .body
        .contains("<input type=\"hidden\" name=\"next\" value=\"/password\">"));
    let form = [
        ("csrf", token.as_str()),
        ("lang", "vi"),
        ("next", "https://evil.example/"),
    ];
    let answer = send(&lab.app, post_form("/language", &cookie, &form)).await;
    assert_eq!(answer.location(), "/");
    let form = [("csrf", token.as_str()), ("lang", "fr")];
    let answer = send(&lab.app, post_form("/language", &cookie, &form)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer
        .body
        .contains("Yêu cầu không hợp lệ: lang: unknown language &#34;fr&#34;; expected vi or en"));
    assert_eq!(
        lab.store.user(lab.tech).unwrap().language,
        Some(Language::Vi)
    );
}

#[tokio::test]
async fn a_role_without_the_permission_gets_the_403_page() {
    let lab = lab();
    let cookie = signed_in(&lab.app, "tech", PASSWORD).await;
    let page = send(&lab.app, get_page("/test/users", &cookie)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page
        .body
        .contains("Vai trò của bạn không được phép làm việc này."));
    // In the user's frame: their name, role and sign-out.
    assert!(page.body.contains("Trần Thị B"));
    assert!(page.body.contains("Kỹ thuật viên"));
    assert!(page.body.contains("action=\"/logout\""));
    let admin = lab
        .store
        .create_user("root", "Quản trị", &[Role::Admin], &Actor::System)
        .unwrap();
    lab.store
        .set_password(admin, PASSWORD, false, &Actor::System)
        .unwrap();
    let cookie = signed_in(&lab.app, "root", PASSWORD).await;
    let page = send(&lab.app, get_page("/test/users", &cookie)).await;
    assert_eq!(
        (page.status, page.body.as_str()),
        (StatusCode::OK, "the users")
    );
}

#[tokio::test]
async fn a_head_request_is_a_get_without_body() {
    let lab = lab();
    let request = Request::builder()
        .method(Method::HEAD)
        .uri("/password")
        .header(header::HOST, HOST)
        .body(Body::empty())
        .unwrap();
    let answer = send(&lab.app, request).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), "/login?next=%2Fpassword");
}
