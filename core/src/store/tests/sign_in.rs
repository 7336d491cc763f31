//! Users, passwords, sign-in with lockout, sessions and their expiry, as a technician at the
//! sign-in page and an administrator would meet them. Times are injected: nothing sleeps.
//! Expected instants are counted by hand from the rules: five failures within 15 minutes lock
//! for 15 minutes; sessions end after 30 idle minutes or 12 hours (the embedded lab's `[ui]`).

use jiff::SignedDuration;

use super::*;
use crate::config::Language;
use crate::model::UserId;

const PASSWORD: &str = "Lan-xet-nghiem-2025";

fn at(minutes: i64) -> Timestamp {
    t("2025-03-01T01:00:00Z") + SignedDuration::from_secs(minutes * 60)
}

fn at_secs(secs: i64) -> Timestamp {
    t("2025-03-01T01:00:00Z") + SignedDuration::from_secs(secs)
}

/// A store with technician `lan` (password [`PASSWORD`]).
fn with_lan() -> (Store, UserId) {
    let s = store();
    let id = s
        .create_user("lan", "KTV Lan", &[Role::Technician], &SYSTEM)
        .unwrap();
    s.set_password(id, PASSWORD, false, &SYSTEM).unwrap();
    (s, id)
}

fn signed_in(outcome: SignInOutcome) -> NewSession {
    match outcome {
        SignInOutcome::SignedIn(session) => session,
        other => panic!("expected a session, got {other:?}"),
    }
}

/// The (action, entity id, new value) of every audit entry, in order.
fn audit(s: &Store) -> Vec<(String, String, Option<String>)> {
    s.read(|conn, _| {
        let mut stmt = conn.prepare("SELECT action, entity_id, new FROM audit ORDER BY seq")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    })
    .unwrap()
}

fn actions(s: &Store, action: &str) -> usize {
    audit(s).iter().filter(|(a, _, _)| a == action).count()
}

fn end_reason(s: &Store, user: UserId) -> Vec<Option<String>> {
    s.read(|conn, _| {
        let mut stmt =
            conn.prepare("SELECT end_reason FROM sessions WHERE user_id = ?1 ORDER BY id")?;
        let rows = stmt.query_map([user], |r| r.get(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    })
    .unwrap()
}

/// Every place in the database (any column of any table, read as text) holding `needle`.
fn occurrences(s: &Store, needle: &str) -> Vec<String> {
    s.read(|conn, _| {
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut found = Vec::new();
        for table in tables {
            let columns: Vec<String> = conn
                .prepare(&format!("PRAGMA table_info(\"{table}\")"))?
                .query_map([], |r| r.get(1))?
                .collect::<Result<_, _>>()?;
            for column in columns {
                let n: i64 = conn.query_row(
                    &format!(
                        "SELECT COUNT(*) FROM \"{table}\" WHERE instr(CAST(\"{column}\" AS TEXT), ?1) > 0"
                    ),
                    [needle],
                    |r| r.get(0),
                )?;
                if n > 0 {
                    found.push(format!("{table}.{column}"));
                }
            }
        }
        Ok(found)
    })
    .unwrap()
}

#[test]
fn a_password_is_stored_as_an_argon2id_phc_string_and_never_in_clear() {
    let (s, lan) = with_lan();
    let hash: String = s
        .read(|conn, _| {
            Ok(conn.query_row(
                "SELECT password_hash FROM users WHERE id = ?1",
                [lan],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    // Sign in, fail once with another password, change it, and create the first admin's
    // account: none of the passwords typed is anywhere in the database.
    let session = signed_in(s.sign_in("lan", PASSWORD, at(0)).unwrap());
    assert_eq!(
        s.sign_in("lan", "Wrong-password-1", at(1)).unwrap(),
        SignInOutcome::Refused
    );
    let new = "Mat-khau-moi-2025";
    let id = s.session(&session.secret, at(2)).unwrap().unwrap().id;
    assert_eq!(
        s.change_password(lan, id, PASSWORD, new, at(2)).unwrap(),
        PasswordChange::Changed
    );
    for secret in [PASSWORD, "Wrong-password-1", new, session.secret.as_str()] {
        assert_eq!(occurrences(&s, secret), Vec::<String>::new(), "{secret}");
    }
    // The session is found by the SHA-256 of its secret; no audit entry holds a hash.
    assert_eq!(occurrences(&s, "$argon2"), ["users.password_hash"]);
    assert!(occurrences(&s, &secret_sha256(&session.secret)) == ["sessions.token_sha256"]);
}

#[test]
fn a_password_shorter_than_ten_characters_is_refused_saying_so() {
    let (s, lan) = with_lan();
    let err = s
        .set_password(lan, "123456789", false, &SYSTEM)
        .unwrap_err();
    match &err {
        StoreError::Invalid { what } => assert!(what.contains("at least 10 characters"), "{what}"),
        other => panic!("{other:?}"),
    }
    // The old password still works; the refused one was not stored.
    signed_in(s.sign_in("lan", PASSWORD, at(0)).unwrap());
    assert_eq!(
        s.sign_in("lan", "123456789", at(1)).unwrap(),
        SignInOutcome::Refused
    );
    assert!(matches!(
        s.set_password(999, "long enough password", false, &SYSTEM),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn four_failures_then_the_right_password_signs_in() {
    let (s, _) = with_lan();
    for minute in 0..4 {
        assert_eq!(
            s.sign_in("lan", "not-the-password", at(minute)).unwrap(),
            SignInOutcome::Refused
        );
    }
    let session = signed_in(s.sign_in("lan", PASSWORD, at(4)).unwrap());
    assert_eq!(session.user.username, "lan");
    assert!(!session.must_change_password);
    // The good sign-in starts the count again: four more failures still do not lock.
    for minute in 5..9 {
        assert_eq!(
            s.sign_in("lan", "not-the-password", at(minute)).unwrap(),
            SignInOutcome::Refused
        );
    }
    signed_in(s.sign_in("lan", PASSWORD, at(9)).unwrap());
    assert_eq!(actions(&s, "user.locked"), 0);
}

#[test]
fn five_failures_within_15_minutes_lock_the_account_for_15_minutes() {
    let (s, lan) = with_lan();
    for minute in 0..4 {
        assert_eq!(
            s.sign_in("lan", "not-the-password", at(minute)).unwrap(),
            SignInOutcome::Refused
        );
    }
    // The fifth failure, at minute 4, locks until minute 19.
    assert_eq!(
        s.sign_in("lan", "not-the-password", at(4)).unwrap(),
        SignInOutcome::Locked { until: at(19) }
    );
    // Even the right password is refused until then.
    assert_eq!(
        s.sign_in("lan", PASSWORD, at(10)).unwrap(),
        SignInOutcome::Locked { until: at(19) }
    );
    assert_eq!(
        s.sign_in("lan", PASSWORD, at_secs(19 * 60 - 1)).unwrap(),
        SignInOutcome::Locked { until: at(19) }
    );
    assert_eq!(actions(&s, "user.locked"), 1);
    assert_eq!(s.user(lan).unwrap().username, "lan");
    let (locked_until, attempts): (Option<i64>, i64) = s
        .read(|conn, _| {
            Ok((
                conn.query_row("SELECT locked_until FROM users WHERE id = ?1", [lan], |r| {
                    r.get(0)
                })?,
                conn.query_row(
                    "SELECT COUNT(*) FROM sign_in_attempts WHERE username = 'lan'",
                    [],
                    |r| r.get(0),
                )?,
            ))
        })
        .unwrap();
    assert_eq!(locked_until, Some(at(19).as_millisecond()));
    // Every attempt is a row: five failures and two refused while locked.
    assert_eq!(attempts, 7);
    // At minute 19 the lock is over, and the attempts made while locked do not count.
    signed_in(s.sign_in("lan", PASSWORD, at(19)).unwrap());
    assert_eq!(
        s.sign_in("lan", "not-the-password", at(20)).unwrap(),
        SignInOutcome::Refused
    );
}

#[test]
fn failures_spread_over_more_than_15_minutes_do_not_lock() {
    let (s, _) = with_lan();
    // Minutes 0, 4, 8, 12, 16: at minute 16 the one at minute 0 is out of the window.
    for minute in [0, 4, 8, 12, 16] {
        assert_eq!(
            s.sign_in("lan", "not-the-password", at(minute)).unwrap(),
            SignInOutcome::Refused,
            "minute {minute}"
        );
    }
    signed_in(s.sign_in("lan", PASSWORD, at(17)).unwrap());
    // A failure exactly 15 minutes old no longer counts either: minutes 20, 21, 22, 23, then
    // 35 (20 + 15) is the fourth within the window, not the fifth.
    for minute in [20, 21, 22, 23, 35] {
        assert_eq!(
            s.sign_in("lan", "not-the-password", at(minute)).unwrap(),
            SignInOutcome::Refused,
            "minute {minute}"
        );
    }
    // One more at minute 35 (second 30) is the fifth within 15 minutes (21, 22, 23, 35, 35:30).
    assert_eq!(
        s.sign_in("lan", "not-the-password", at_secs(35 * 60 + 30))
            .unwrap(),
        SignInOutcome::Locked {
            until: at_secs(50 * 60 + 30)
        }
    );
}

#[test]
fn refusals_do_not_tell_unknown_names_wrong_passwords_and_disabled_accounts_apart() {
    let (s, _) = with_lan();
    let binh = s
        .create_user("binh", "KTV Bình", &[Role::Technician], &SYSTEM)
        .unwrap();
    s.set_password(binh, "Binh-password-1", false, &SYSTEM)
        .unwrap();
    s.disable_user("binh", &SYSTEM).unwrap();
    s.create_user("chi", "KTV Chi", &[Role::Technician], &SYSTEM)
        .unwrap();
    let unknown = s.sign_in("nobody", PASSWORD, at(0)).unwrap();
    let wrong = s.sign_in("lan", "not-the-password", at(0)).unwrap();
    // The right password of a disabled account, and an account that has no password yet.
    let disabled = s.sign_in("binh", "Binh-password-1", at(0)).unwrap();
    let no_password = s.sign_in("chi", "anything at all", at(0)).unwrap();
    assert_eq!(unknown, SignInOutcome::Refused);
    assert_eq!(wrong, unknown);
    assert_eq!(disabled, unknown);
    assert_eq!(no_password, unknown);
    // The lockout is the same too: four more failures lock each of them until minute 19.
    for name in ["nobody", "lan", "binh", "chi"] {
        for minute in 1..4 {
            assert_eq!(
                s.sign_in(name, "not-the-password", at(minute)).unwrap(),
                SignInOutcome::Refused,
                "{name}"
            );
        }
        assert_eq!(
            s.sign_in(name, "not-the-password", at(4)).unwrap(),
            SignInOutcome::Locked { until: at(19) },
            "{name}"
        );
    }
    // Three accounts locked (audited under their ids), one name that is no account.
    assert_eq!(actions(&s, "user.locked"), 3);
    assert_eq!(actions(&s, "sign_in.locked"), 1);
}

#[test]
fn a_session_ends_after_30_idle_minutes() {
    let (s, lan) = with_lan();
    let new = signed_in(s.sign_in("lan", PASSWORD, at(0)).unwrap());
    assert_ne!(new.secret, new.csrf_token);
    assert_eq!(new.secret.len(), 64);
    let live = s.session(&new.secret, at(29)).unwrap().unwrap();
    assert_eq!(live.user.id, lan);
    assert_eq!(live.csrf_token, new.csrf_token);
    assert_eq!(live.created_at, at(0));
    // Idle time counts from the last use (minute 29): minute 58 is 29 minutes later.
    assert!(s.session(&new.secret, at(58)).unwrap().is_some());
    // 31 minutes after the last use it has ended, and stays ended.
    assert_eq!(s.session(&new.secret, at(58 + 31)).unwrap(), None);
    assert_eq!(s.session(&new.secret, at(58 + 32)).unwrap(), None);
    assert_eq!(end_reason(&s, lan), [Some(String::from("idle"))]);
    // A secret that was never handed out is no session.
    assert_eq!(s.session(&"0".repeat(64), at(1)).unwrap(), None);
}

#[test]
fn last_use_is_written_at_most_once_a_minute() {
    let (s, _) = with_lan();
    let new = signed_in(s.sign_in("lan", PASSWORD, at(0)).unwrap());
    let last_seen = |s: &Store| -> i64 {
        s.read(|conn, _| Ok(conn.query_row("SELECT last_seen_at FROM sessions", [], |r| r.get(0))?))
            .unwrap()
    };
    assert!(s.session(&new.secret, at_secs(59)).unwrap().is_some());
    assert_eq!(last_seen(&s), at(0).as_millisecond());
    assert!(s.session(&new.secret, at_secs(60)).unwrap().is_some());
    assert_eq!(last_seen(&s), at(1).as_millisecond());
}

#[test]
fn a_session_ends_12_hours_after_sign_in_however_busy() {
    let (s, lan) = with_lan();
    let new = signed_in(s.sign_in("lan", PASSWORD, at(0)).unwrap());
    // Used every 20 minutes: alive at 11 h 40 min, ended at 12 h.
    for minute in (20..=700).step_by(20) {
        assert!(
            s.session(&new.secret, at(minute)).unwrap().is_some(),
            "minute {minute}"
        );
    }
    assert!(s.session(&new.secret, at(719)).unwrap().is_some());
    assert_eq!(s.session(&new.secret, at(720)).unwrap(), None);
    assert_eq!(end_reason(&s, lan), [Some(String::from("max_age"))]);
}

#[test]
fn session_lifetimes_come_from_the_ui_section() {
    let mut config = lab();
    config.ui.session_idle_minutes = 5;
    config.ui.session_max_hours = 1;
    let s = Store::open_in_memory(config).unwrap();
    let id = s
        .create_user("lan", "KTV Lan", &[Role::Technician], &SYSTEM)
        .unwrap();
    s.set_password(id, PASSWORD, false, &SYSTEM).unwrap();
    let a = signed_in(s.sign_in("lan", PASSWORD, at(0)).unwrap());
    assert!(s.session(&a.secret, at(4)).unwrap().is_some());
    assert_eq!(s.session(&a.secret, at(9)).unwrap(), None);
    let b = signed_in(s.sign_in("lan", PASSWORD, at(10)).unwrap());
    for minute in (14..70).step_by(4) {
        assert!(s.session(&b.secret, at(minute)).unwrap().is_some());
    }
    assert_eq!(s.session(&b.secret, at(70)).unwrap(), None);
    assert_eq!(
        end_reason(&s, id),
        [Some(String::from("idle")), Some(String::from("max_age"))]
    );
}

#[test]
fn sign_out_ends_the_session_on_the_server() {
    let (s, lan) = with_lan();
    let a = signed_in(s.sign_in("lan", PASSWORD, at(0)).unwrap());
    let b = signed_in(s.sign_in("lan", PASSWORD, at(1)).unwrap());
    assert!(s.sign_out(&a.secret, at(2)).unwrap());
    assert_eq!(s.session(&a.secret, at(3)).unwrap(), None);
    // The other session (another workstation) goes on.
    assert!(s.session(&b.secret, at(3)).unwrap().is_some());
    // Signing out twice, or with a secret never handed out, ends nothing.
    assert!(!s.sign_out(&a.secret, at(4)).unwrap());
    assert!(!s.sign_out("not-a-secret", at(4)).unwrap());
    assert_eq!(end_reason(&s, lan), [Some(String::from("sign_out")), None]);
    assert_eq!(actions(&s, "user.sign_in"), 2);
    assert_eq!(actions(&s, "user.sign_out"), 1);
}

#[test]
fn disabling_a_user_ends_their_sessions_and_refuses_sign_in() {
    let (s, lan) = with_lan();
    let a = signed_in(s.sign_in("lan", PASSWORD, at(0)).unwrap());
    assert_eq!(s.disable_user("lan", &SYSTEM).unwrap(), lan);
    assert_eq!(s.session(&a.secret, at(1)).unwrap(), None);
    assert_eq!(end_reason(&s, lan), [Some(String::from("disabled"))]);
    assert_eq!(
        s.sign_in("lan", PASSWORD, at(1)).unwrap(),
        SignInOutcome::Refused
    );
    assert!(!s.user(lan).unwrap().active);
    // Disabling again changes nothing and is not audited twice; an unknown name is an error.
    s.disable_user("lan", &SYSTEM).unwrap();
    assert_eq!(actions(&s, "user.disable"), 1);
    assert!(matches!(
        s.disable_user("nobody", &SYSTEM),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn users_are_listed_with_roles_and_language() {
    let (s, lan) = with_lan();
    let hoa = s
        .create_user("hoa", "Hoa", &[Role::Admin, Role::Supervisor], &SYSTEM)
        .unwrap();
    s.set_language(hoa, Language::En, &SYSTEM).unwrap();
    let users = s.list_users().unwrap();
    assert_eq!(
        users
            .iter()
            .map(|u| (u.id, u.username.as_str(), u.roles.clone(), u.language))
            .collect::<Vec<_>>(),
        [
            (lan, "lan", vec![Role::Technician], None),
            (
                hoa,
                "hoa",
                vec![Role::Admin, Role::Supervisor],
                Some(Language::En)
            ),
        ]
    );
    assert_eq!(s.user_by_username("hoa").unwrap().unwrap(), users[1]);
    assert_eq!(s.user_by_username("Hoa").unwrap(), None);
    assert_eq!(actions(&s, "user.language"), 1);
    // Names with spaces around them, or too long, are refused.
    assert!(s
        .create_user(" x", "X", &[Role::Technician], &SYSTEM)
        .is_err());
    assert!(s
        .create_user(&"x".repeat(65), "X", &[Role::Technician], &SYSTEM)
        .is_err());
}

#[test]
fn the_first_admin_is_created_once_with_a_one_time_password() {
    let s = store();
    let one_time = s.ensure_first_admin(at(0)).unwrap().unwrap();
    assert_eq!(one_time.chars().count(), 16);
    assert_eq!(s.ensure_first_admin(at(1)).unwrap(), None);
    let users = s.list_users().unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].username, "admin");
    assert_eq!(users[0].roles, [Role::Admin]);
    assert!(users[0].must_change_password);
    assert_eq!(occurrences(&s, &one_time), Vec::<String>::new());
    // The first sign-in says the password must change; changing it clears that and ends the
    // admin's other sessions, not the one the change was made in.
    let other = signed_in(s.sign_in("admin", &one_time, at(2)).unwrap());
    let new = signed_in(s.sign_in("admin", &one_time, at(3)).unwrap());
    assert!(new.must_change_password);
    let live = s.session(&new.secret, at(4)).unwrap().unwrap();
    assert!(live.must_change_password);
    assert!(matches!(
        s.change_password(users[0].id, live.id, &one_time, "short", at(5)),
        Err(StoreError::Invalid { .. })
    ));
    assert_eq!(
        s.change_password(
            users[0].id,
            live.id,
            "not-the-one-time",
            "Quan-tri-2025!",
            at(5)
        )
        .unwrap(),
        PasswordChange::WrongPassword
    );
    assert_eq!(
        s.change_password(users[0].id, live.id, &one_time, "Quan-tri-2025!", at(6))
            .unwrap(),
        PasswordChange::Changed
    );
    assert_eq!(s.session(&other.secret, at(7)).unwrap(), None);
    let live = s.session(&new.secret, at(7)).unwrap().unwrap();
    assert!(!live.must_change_password);
    assert_eq!(
        s.sign_in("admin", &one_time, at(8)).unwrap(),
        SignInOutcome::Refused
    );
    signed_in(s.sign_in("admin", "Quan-tri-2025!", at(9)).unwrap());
    // A store that has users (here one made by hand) gets no admin.
    let (s, _) = with_lan();
    assert_eq!(s.ensure_first_admin(at(0)).unwrap(), None);
    assert_eq!(s.list_users().unwrap().len(), 1);
}

#[test]
fn wrong_current_passwords_count_toward_the_lockout() {
    let (s, lan) = with_lan();
    let new = signed_in(s.sign_in("lan", PASSWORD, at(0)).unwrap());
    let id = s.session(&new.secret, at(1)).unwrap().unwrap().id;
    for minute in 1..5 {
        assert_eq!(
            s.change_password(lan, id, "not-the-password", "Another-password", at(minute))
                .unwrap(),
            PasswordChange::WrongPassword
        );
    }
    assert_eq!(
        s.change_password(lan, id, "not-the-password", "Another-password", at(5))
            .unwrap(),
        PasswordChange::Locked { until: at(20) }
    );
    assert_eq!(
        s.sign_in("lan", PASSWORD, at(6)).unwrap(),
        SignInOutcome::Locked { until: at(20) }
    );
}

fn secret_sha256(secret: &str) -> String {
    use sha2::Digest;
    crate::audit::hex(&sha2::Sha256::digest(secret.as_bytes()))
}

#[test]
fn an_unknown_name_costs_a_password_check_like_a_known_one() {
    let (s, _) = with_lan();
    // The fastest of several tries of each, interleaved, so a busy machine slows both alike.
    // Without the dummy check an unknown name answers in well under a millisecond, while an
    // argon2id check of these parameters takes tens of milliseconds.
    let time = |name: &str, minute: i64| {
        let start = std::time::Instant::now();
        assert_eq!(
            s.sign_in(name, "not-the-password", at(minute * 20))
                .unwrap(),
            SignInOutcome::Refused
        );
        start.elapsed()
    };
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for round in 0..4 {
        known.push(time("lan", round));
        unknown.push(time("nobody", round));
    }
    let (known, unknown) = (
        known.into_iter().min().unwrap(),
        unknown.into_iter().min().unwrap(),
    );
    assert!(
        unknown * 3 > known,
        "unknown name {unknown:?}, known name {known:?}"
    );
}
