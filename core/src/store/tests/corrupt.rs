//! Stored values damaged by hand: each read fails and names the table, row and column; none is
//! read back as a default (no flags, `received`, an empty list, "no order").

use super::*;
use crate::model::ResultId;

/// A released ALT result (25 U/L, within the adult male range, so the default lab releases it
/// and queues an outbox row), its id and the store.
fn released() -> (Store, ResultId) {
    let s = store();
    s.place_order(adult("HIS-C", "SC", &["ALT"]), &SYSTEM)
        .unwrap();
    let out = s
        .ingest(message(
            "DEMO-CHEM",
            "chem-1",
            "msg-c",
            vec![obs("SC", "ALT", "25")],
        ))
        .unwrap();
    let id = result_ids(&out)[0];
    assert_eq!(s.result(id).unwrap().state, ResultState::Released);
    (s, id)
}

fn damage(s: &Store, sql: &str, id: i64) {
    s.write(|conn, _| {
        assert_eq!(conn.execute(sql, [id])?, 1, "{sql}");
        Ok(())
    })
    .unwrap();
}

fn corrupt_at<T: std::fmt::Debug>(
    read: Result<T, StoreError>,
) -> (&'static str, i64, &'static str, String) {
    match read {
        Err(StoreError::Corrupt {
            table,
            row,
            column,
            detail,
        }) => (table, row, column, detail),
        other => panic!("expected a Corrupt error, got {other:?}"),
    }
}

#[test]
fn unreadable_flags_json_is_an_error_not_no_flags() {
    let (s, id) = released();
    damage(&s, "UPDATE results SET flags = 'garbage' WHERE id = ?1", id);
    let (table, row, column, detail) = corrupt_at(s.result(id));
    assert_eq!((table, row, column), ("results", id, "flags"));
    assert!(detail.starts_with("unreadable JSON"), "{detail}");
    // Every read of the result says so, the HIS pull and the review list included.
    corrupt_at(s.result_with_checks(id));
    corrupt_at(s.released_results_since(t("2000-01-01T00:00:00Z")));
    let err = s.result(id).unwrap_err().to_string();
    assert_eq!(
        err,
        format!("stored value cannot be read: table results, row {id}, column flags: {detail}")
    );
}

#[test]
fn an_unknown_flag_code_is_an_error_not_dropped() {
    let (s, id) = released();
    damage(
        &s,
        r#"UPDATE results SET flags = '["HH","ZZ"]' WHERE id = ?1"#,
        id,
    );
    let (table, row, column, detail) = corrupt_at(s.result(id));
    assert_eq!((table, row, column), ("results", id, "flags"));
    assert_eq!(detail, r#"unknown flag code "ZZ""#);
}

#[test]
fn unreadable_instrument_flags_are_an_error() {
    let (s, id) = released();
    damage(
        &s,
        "UPDATE results SET instrument_flags = '[1,' WHERE id = ?1",
        id,
    );
    let (table, row, column, _) = corrupt_at(s.result(id));
    assert_eq!((table, row, column), ("results", id, "instrument_flags"));
}

#[test]
fn an_unknown_state_is_an_error_not_received() {
    let (s, id) = released();
    damage(
        &s,
        "UPDATE results SET state = 'signed_off' WHERE id = ?1",
        id,
    );
    let (table, row, column, detail) = corrupt_at(s.result(id));
    assert_eq!((table, row, column), ("results", id, "state"));
    assert_eq!(detail, r#"unknown value "signed_off""#);
}

#[test]
fn unreadable_result_ids_of_an_outbox_row_are_an_error_not_empty() {
    let (s, _) = released();
    let outbox: i64 = s
        .read(|conn, _| Ok(conn.query_row("SELECT id FROM outbox", [], |r| r.get(0))?))
        .unwrap();
    damage(
        &s,
        "UPDATE outbox SET result_ids = 'x' WHERE id = ?1",
        outbox,
    );
    let (table, row, column, _) = corrupt_at(s.outbox_pending(10));
    assert_eq!((table, row, column), ("outbox", outbox, "result_ids"));
    let (table, row, column, _) = corrupt_at(s.his_due("his", t("2030-01-01T00:00:00Z"), 10));
    assert_eq!((table, row, column), ("outbox", outbox, "result_ids"));
}

#[test]
fn an_unknown_unmatched_reason_is_an_error_not_no_order() {
    let s = store();
    // No order carries specimen SX: the result waits in the unmatched queue.
    s.ingest(message(
        "DEMO-CHEM",
        "chem-1",
        "msg-u",
        vec![obs("SX", "ALT", "25")],
    ))
    .unwrap();
    let id = s.unmatched().unwrap()[0].id;
    damage(&s, "UPDATE unmatched SET reason = 'lost' WHERE id = ?1", id);
    let (table, row, column, detail) = corrupt_at(s.unmatched());
    assert_eq!((table, row, column), ("unmatched", id, "reason"));
    assert_eq!(detail, r#"unknown value "lost""#);
}

#[test]
fn an_unknown_order_status_is_an_error() {
    let (s, id) = released();
    let order = s.result(id).unwrap().order_id;
    damage(&s, "UPDATE orders SET status = 'lost' WHERE id = ?1", order);
    let (table, row, column, _) = corrupt_at(s.order(order));
    assert_eq!((table, row, column), ("orders", order, "status"));
}

#[test]
fn what_conflicts_with_stored_rows_is_a_conflict_not_invalid() {
    let is_conflict = |r: Result<_, StoreError>, what: &str| match r {
        Err(StoreError::Conflict { what: w }) => assert_eq!(w, what),
        other => panic!("expected Conflict({what}), got {other:?}"),
    };
    let (s, id) = released();
    let order = s.result(id).unwrap().order_id;
    let again = s.place_order(adult("HIS-C", "SC2", &["ALT"]), &SYSTEM);
    is_conflict(
        again.map(|_| ()),
        &format!("placer number \"HIS-C\" already exists (order {order})"),
    );
    let tube = s.place_order(adult("HIS-D", "SC", &["ALT"]), &SYSTEM);
    is_conflict(tube.map(|_| ()), "specimen barcode \"SC\" is already used");
    let other = s
        .place_order(adult("HIS-E", "SE", &["ALT"]), &SYSTEM)
        .unwrap();
    s.cancel_order(other, "duplicate", &SYSTEM).unwrap();
    is_conflict(
        s.cancel_order(other, "duplicate", &SYSTEM).map(|_| ()),
        &format!("order {other} is already cancelled"),
    );
    s.create_user("lan", "Lan", &[Role::Technician], &SYSTEM)
        .unwrap();
    is_conflict(
        s.create_user("lan", "Lan B", &[Role::Technician], &SYSTEM)
            .map(|_| ()),
        "username \"lan\" is taken",
    );
    // An empty field is invalid in itself, not a conflict.
    assert!(matches!(
        s.create_user("", "Nobody", &[Role::Technician], &SYSTEM),
        Err(StoreError::Invalid { .. })
    ));
}

#[test]
fn an_edit_refuses_a_result_whose_instrument_flags_are_damaged() {
    let s = store();
    s.place_order(adult("HIS-E", "SE", &["ALT"]), &SYSTEM)
        .unwrap();
    let out = s
        .ingest(message(
            "DEMO-CHEM",
            "chem-1",
            "msg-e",
            vec![obs("SE", "ALT", "500")],
        ))
        .unwrap();
    let id = result_ids(&out)[0];
    let rev = s.result(id).unwrap().rev;
    damage(
        &s,
        "UPDATE results SET instrument_flags = 'garbage' WHERE id = ?1",
        id,
    );
    let (table, row, column, _) = corrupt_at(s.edit_value(id, rev, "50", "typo", &SYSTEM));
    assert_eq!((table, row, column), ("results", id, "instrument_flags"));
}
