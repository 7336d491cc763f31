//! The administration pages through the whole app (`oneshot`): guards, the form token on every
//! action (refused: nothing changes), each action's effect and its audit entry, and the
//! read-only configuration.

use axum::http::StatusCode;
use lis_core::model::Role;

use crate::ui::page_tests::{audit, get, lab, post, send, signed_in, signed_in_with, token};
use crate::ui::testing::assert_no_inline_code;

fn id_of(lab: &crate::ui::page_tests::Lab, username: &str) -> i64 {
    lab.store.user_by_username(username).unwrap().unwrap().id
}

#[tokio::test]
async fn without_a_session_pages_go_to_sign_in_and_actions_change_nothing() {
    let lab = lab();
    for uri in ["/admin/users", "/admin/config"] {
        let answer = send(&lab.app, get(uri, "")).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{uri}");
        assert!(answer.location().starts_with("/login?next="), "{uri}");
    }
    let before = audit(&lab.store).len();
    let tech = id_of(&lab, "tech");
    for uri in [
        "/admin/users".to_owned(),
        format!("/admin/users/{tech}/disable"),
        format!("/admin/users/{tech}/reset-password"),
        format!("/admin/users/{tech}/roles"),
        format!("/admin/users/{tech}/language"),
    ] {
        let answer = send(
            &lab.app,
            post(
                &uri,
                "",
                &[("username", "x"), ("display_name", "X"), ("role", "admin")],
            ),
        )
        .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{uri}");
        assert!(answer.location().starts_with("/login"), "{uri}");
    }
    assert_eq!(audit(&lab.store).len(), before);
}

#[tokio::test]
async fn only_an_administrator_manages_users_and_lab_roles_read_the_configuration() {
    let lab = lab();
    for user in ["tech", "boss"] {
        let cookie = signed_in(&lab.app, user).await;
        let answer = send(&lab.app, get("/admin/users", &cookie)).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{user}");
        // A lab user's own (valid) form token does not let them create anyone.
        let csrf = token(&lab.app, &cookie, "/password").await;
        let before = audit(&lab.store).len();
        let answer = send(
            &lab.app,
            post(
                "/admin/users",
                &cookie,
                &[
                    ("csrf", &csrf),
                    ("username", "x"),
                    ("display_name", "X"),
                    ("role", "admin"),
                ],
            ),
        )
        .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{user}");
        assert!(lab.store.user_by_username("x").unwrap().is_none());
        assert_eq!(audit(&lab.store).len(), before, "{user}");
    }
    let tech = signed_in(&lab.app, "tech").await;
    assert_eq!(
        send(&lab.app, get("/admin/config", &tech)).await.status,
        StatusCode::FORBIDDEN
    );
    for user in ["boss", "admin"] {
        let cookie = signed_in(&lab.app, user).await;
        let page = send(&lab.app, get("/admin/config", &cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{user}");
        assert_no_inline_code(&page.body);
        // Glucose with its adult range, critical limits and target; the analyzer and its map.
        let glu = &page.body[page.body.find("<th scope=\"row\">GLU</th>").unwrap()..];
        let glu = &glu[..glu.find("</tr>").unwrap()];
        assert!(
            glu.contains("any sex, age (days) from 28: 3.9-6.4"),
            "{glu}"
        );
        assert!(glu.contains("&#60; 2.5, &#62; 25"), "{glu}");
        assert!(glu.contains("2 h 00 min (section default)"), "{glu}");
        assert!(page.body.contains("<th scope=\"row\">DEMO-CHEM</th>"));
        assert!(page.body.contains("GLU → GLU"));
    }
}

#[tokio::test]
async fn an_administrator_creates_a_user_who_signs_in_with_the_one_time_password() {
    let lab = lab();
    let admin = signed_in(&lab.app, "admin").await;
    let page = send(&lab.app, get("/admin/users", &admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_no_inline_code(&page.body);
    assert!(page.body.contains("tech (display)"));
    let csrf = page.csrf_input();
    let form = [
        ("csrf", csrf.as_str()),
        ("username", "lan"),
        ("display_name", "KTV Lan"),
        ("role", "technician"),
        ("language", "vi"),
    ];
    // Without the token, and with a wrong one: 403 and no user.
    let without: Vec<(&str, &str)> = form[1..].to_vec();
    let mut wrong = form.to_vec();
    wrong[0] = ("csrf", "0000");
    for bad in [without, wrong] {
        let answer = send(&lab.app, post("/admin/users", &admin, &bad)).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        assert!(lab.store.user_by_username("lan").unwrap().is_none());
    }
    let answer = send(&lab.app, post("/admin/users", &admin, &form)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let start = answer.body.find("id=\"one-time-password\">").unwrap() + 23;
    let password = &answer.body[start..start + 16];
    let lan = lab.store.user_by_username("lan").unwrap().unwrap();
    assert_eq!(lan.roles, [Role::Technician]);
    assert!(lan.must_change_password);
    let admin_id = id_of(&lab, "admin");
    let entries = audit(&lab.store);
    let create = entries
        .iter()
        .find(|e| e.action == "user.create" && e.entity_id == lan.id.to_string())
        .unwrap();
    assert_eq!(create.actor.stored, format!("user:{admin_id}"));
    // The password is in no audit entry.
    assert!(!entries.iter().any(|e| format!("{e:?}").contains(password)));
    // Lan signs in with it and is sent to choose a new one.
    let lan_cookie = signed_in_with(&lab.app, "lan", password).await;
    let answer = send(&lab.app, get("/", &lan_cookie)).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), "/password");
    // A taken name: 409, nothing new.
    let answer = send(&lab.app, post("/admin/users", &admin, &form)).await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    // No role: 400.
    let answer = send(
        &lab.app,
        post(
            "/admin/users",
            &admin,
            &[
                ("csrf", &csrf),
                ("username", "binh"),
                ("display_name", "Bình"),
            ],
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.body.contains("at least one role"));
}

#[tokio::test]
async fn disable_reset_roles_and_language_are_audited() {
    let lab = lab();
    let admin = signed_in(&lab.app, "admin").await;
    let csrf = token(&lab.app, &admin, "/admin/users").await;
    let tech = id_of(&lab, "tech");
    let tech_cookie = signed_in(&lab.app, "tech").await;
    let act = |action: &str| format!("/admin/users/{tech}/{action}");
    let actions_about_tech = |store: &lis_core::Store| -> Vec<String> {
        audit(store)
            .into_iter()
            .filter(|e| e.entity == "user" && e.entity_id == tech.to_string())
            .map(|e| e.action)
            .collect()
    };

    // Wrong token: nothing changes.
    let before = actions_about_tech(&lab.store);
    for action in ["roles", "language", "reset-password", "disable"] {
        let answer = send(
            &lab.app,
            post(
                &act(action),
                &admin,
                &[("csrf", "bad"), ("role", "admin"), ("language", "vi")],
            ),
        )
        .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{action}");
    }
    assert_eq!(actions_about_tech(&lab.store), before);

    let answer = send(
        &lab.app,
        post(
            &act("roles"),
            &admin,
            &[
                ("csrf", &csrf),
                ("role", "technician"),
                ("role", "supervisor"),
            ],
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), "/admin/users?done=roles&user=tech");
    assert_eq!(
        lab.store.user(tech).unwrap().roles,
        [Role::Technician, Role::Supervisor]
    );
    let page = send(&lab.app, get(answer.location(), &admin)).await;
    assert!(page.body.contains("Roles of tech saved."));

    let answer = send(
        &lab.app,
        post(
            &act("language"),
            &admin,
            &[("csrf", &csrf), ("language", "vi")],
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(
        lab.store.user(tech).unwrap().language,
        Some(lis_core::config::Language::Vi)
    );
    let answer = send(
        &lab.app,
        post(
            &act("language"),
            &admin,
            &[("csrf", &csrf), ("language", "fr")],
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);

    let answer = send(
        &lab.app,
        post(&act("reset-password"), &admin, &[("csrf", &csrf)]),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer
        .body
        .contains("tech has a new password; their sessions have ended."));
    // The technician's session ended with the reset.
    assert_eq!(
        send(&lab.app, get("/", &tech_cookie)).await.status,
        StatusCode::SEE_OTHER
    );

    let answer = send(&lab.app, post(&act("disable"), &admin, &[("csrf", &csrf)])).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert!(!lab.store.user(tech).unwrap().active);

    let actions = actions_about_tech(&lab.store);
    let tail: Vec<&str> = actions[before.len()..].iter().map(String::as_str).collect();
    assert_eq!(
        tail,
        [
            "user.roles",
            "user.language",
            "user.password",
            "user.disable"
        ]
    );

    // An administrator may not disable themselves: 400, still active.
    let me = id_of(&lab, "admin");
    let answer = send(
        &lab.app,
        post(
            &format!("/admin/users/{me}/disable"),
            &admin,
            &[("csrf", &csrf)],
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(lab.store.user(me).unwrap().active);
    // An unknown user: 404.
    let answer = send(
        &lab.app,
        post("/admin/users/999/disable", &admin, &[("csrf", &csrf)]),
    )
    .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
}
