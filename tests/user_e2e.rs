//! The people who sign in, through the real binary: an administrator adds a technician with
//! `lis user add` (password on standard input), lists users, sets a password, disables an
//! account; and the first `lis serve` on an empty lab prints the one-time password of `admin`,
//! once. Whether a password works is asked of the store the binary wrote (the sign-in page is
//! not part of these commands).

use std::time::Duration;

use lis_core::store::SignInOutcome;
use lis_core::Store;
use lis_tests::json_lines;
use lis_tests::lab::Lab;
use lis_tests::lab_config::LabConfig;
use lis_tests::server::wait_for;
use serde_json::{json, Value};

/// The outcome of signing in to the lab's database now, with the lab's own config.
fn sign_in(lab: &Lab, username: &str, password: &str) -> SignInOutcome {
    let text = std::fs::read_to_string(lab.config()).expect("read lab config");
    let config = lis_core::LabConfig::from_toml_str(&text, "lab.toml").expect("lab config");
    let store = Store::open(lab.data(), config).expect("open the lab's store");
    store
        .sign_in(username, password, jiff::Timestamp::now())
        .expect("sign in")
}

fn users(lab: &Lab) -> Vec<Value> {
    let (code, out, err) = lab.run(&["user", "list"]);
    assert_eq!(code, 0, "lis user list: {err}");
    json_lines(&out)
}

/// Every byte of the data directory's files (the database, its WAL), to search for a secret.
fn data_bytes(lab: &Lab) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(lab.data()).expect("read data dir") {
        let path = entry.expect("dir entry").path();
        if path.is_file() {
            all.extend(std::fs::read(&path).expect("read data file"));
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn an_administrator_adds_lists_resets_and_disables_a_technician() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = LabConfig::default_catalog().write(dir.path());
    let add = [
        "user",
        "add",
        "--username",
        "lan",
        "--name",
        "KTV Nguyễn Thị Lan",
        "--role",
        "technician",
        "--lang",
        "en",
        "--password-stdin",
    ];
    let (code, out, err) = lab.run_with_input(&add, "Xet-nghiem-2025\n");
    assert_eq!(code, 0, "lis user add: {err}");
    let lan = json!({"id": 1, "username": "lan", "name": "KTV Nguyễn Thị Lan",
                     "roles": ["technician"], "active": true, "language": "en"});
    assert_eq!(json_lines(&out), std::slice::from_ref(&lan));
    // A supervisor who is also an administrator, with the lab's language.
    let (code, _, err) = lab.run_with_input(
        &[
            "user",
            "add",
            "--username",
            "hoa",
            "--name",
            "Trần Hoa",
            "--role",
            "supervisor,admin",
            "--password-stdin",
        ],
        "Giam-sat-vien-2025",
    );
    assert_eq!(code, 0, "lis user add: {err}");
    let hoa = json!({"id": 2, "username": "hoa", "name": "Trần Hoa",
                     "roles": ["supervisor", "admin"], "active": true, "language": null});
    assert_eq!(users(&lab), [lan.clone(), hoa.clone()]);
    // The trailing newline was not part of the password.
    assert!(matches!(
        sign_in(&lab, "lan", "Xet-nghiem-2025"),
        SignInOutcome::SignedIn(_)
    ));
    assert_eq!(
        sign_in(&lab, "lan", "Xet-nghiem-2025\n"),
        SignInOutcome::Refused
    );

    // Refusals: a short password, a taken name, an unknown role; exit code 2, nothing added.
    let (code, _, err) = lab.run_with_input(&add, "short\n");
    assert_eq!(code, 2);
    assert!(err.contains("at least 10 characters"), "{err}");
    let (code, _, err) = lab.run_with_input(&add, "Another-long-one\n");
    assert_eq!(code, 2);
    assert!(err.contains("\"lan\" is taken"), "{err}");
    let mut nurse = add;
    nurse[3] = "mai";
    nurse[7] = "nurse";
    let (code, _, err) = lab.run_with_input(&nurse, "Another-long-one\n");
    assert_eq!(code, 2);
    assert!(err.contains("unknown role \"nurse\""), "{err}");
    let (code, _, err) = lab.run(&[
        "user",
        "add",
        "--username",
        "x",
        "--name",
        "X",
        "--role",
        "admin",
    ]);
    assert_eq!(code, 2, "without --password-stdin");
    assert!(err.contains("--password-stdin"), "{err}");
    assert_eq!(users(&lab).len(), 2);

    // A new password: the old one no longer works.
    let (code, out, err) = lab.run_with_input(
        &["user", "passwd", "--username", "lan", "--password-stdin"],
        "Mat-khau-moi-2026\n",
    );
    assert_eq!(
        (code, out.as_str()),
        (0, "password of \"lan\" set\n"),
        "{err}"
    );
    assert_eq!(
        sign_in(&lab, "lan", "Xet-nghiem-2025"),
        SignInOutcome::Refused
    );
    assert!(matches!(
        sign_in(&lab, "lan", "Mat-khau-moi-2026"),
        SignInOutcome::SignedIn(_)
    ));

    // Disabled: listed as inactive, and the right password is refused like a wrong one.
    let (code, out, err) = lab.run(&["user", "disable", "--username", "lan"]);
    assert_eq!((code, out.as_str()), (0, "disabled \"lan\"\n"), "{err}");
    let mut disabled = lan;
    disabled["active"] = json!(false);
    assert_eq!(users(&lab), [disabled, hoa]);
    assert_eq!(
        sign_in(&lab, "lan", "Mat-khau-moi-2026"),
        SignInOutcome::Refused
    );
    let (code, _, err) = lab.run(&["user", "disable", "--username", "ghost"]);
    assert_eq!(code, 2);
    assert_eq!(err, "lis: no user named \"ghost\"\n");

    // No password typed above is anywhere in the data directory; the audit trail has each step.
    let bytes = data_bytes(&lab);
    for password in ["Xet-nghiem-2025", "Giam-sat-vien-2025", "Mat-khau-moi-2026"] {
        assert!(!contains(&bytes, password), "{password} stored in clear");
    }
    let db = rusqlite::Connection::open(lab.data().join("lis.sqlite3")).expect("open sqlite");
    let actions: Vec<String> = db
        .prepare("SELECT action FROM audit WHERE entity = 'user' ORDER BY seq")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("read audit");
    assert_eq!(
        actions,
        [
            "user.create",
            "user.password",
            "user.language",
            "user.create",
            "user.password",
            "user.sign_in",
            "user.password",
            "user.sign_in",
            "user.disable",
        ]
    );
    let (code, out, _) = lab.run(&["audit", "verify"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn the_first_start_prints_a_one_time_admin_password_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lab = LabConfig::default_catalog().write(dir.path());
    let lis = lab.serve();
    let prefix = "lis: first start: created user admin with one-time password ";
    let line = wait_for("the first-start line", Duration::from_secs(60), || {
        lis.log()
            .lines()
            .find(|l| l.starts_with(prefix))
            .map(str::to_owned)
    });
    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");
    let password = line
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(" (change it at first sign-in)"))
        .unwrap_or_else(|| panic!("{line}"));
    assert_eq!(password.chars().count(), 16, "{line}");
    assert_eq!(log.matches(prefix).count(), 1, "{log}");
    assert!(!contains(&data_bytes(&lab), password), "stored in clear");
    assert_eq!(
        users(&lab),
        [
            json!({"id": 1, "username": "admin", "name": "Administrator",
                "roles": ["admin"], "active": true, "language": null})
        ]
    );
    match sign_in(&lab, "admin", password) {
        SignInOutcome::SignedIn(session) => assert!(session.must_change_password),
        other => panic!("the one-time password does not sign in: {other:?}"),
    }

    // The second start finds a user and prints no password.
    let lis = lab.serve();
    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");
    assert!(!log.contains("first start"), "{log}");
    assert_eq!(users(&lab).len(), 1);
}
