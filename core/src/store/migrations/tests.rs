use super::*;

fn schema(conn: &Connection) -> Vec<(String, String)> {
    let mut stmt = conn
        .prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn versions_are_consecutive_from_one() {
    for (i, m) in MIGRATIONS.iter().enumerate() {
        assert_eq!(m.version as usize, i + 1);
    }
}

#[test]
fn from_empty_to_latest() {
    let mut conn = Connection::open_in_memory().unwrap();
    assert_eq!(current_version(&conn).unwrap(), 0);
    assert_eq!(migrate(&mut conn).unwrap(), 17);
    // Running again changes nothing.
    let before = schema(&conn);
    assert_eq!(migrate(&mut conn).unwrap(), 17);
    assert_eq!(schema(&conn), before);
}

#[test]
fn from_every_earlier_version_gives_the_same_schema() {
    let mut fresh = Connection::open_in_memory().unwrap();
    migrate(&mut fresh).unwrap();
    let want = schema(&fresh);
    let versions = std::iter::once(0).chain(MIGRATIONS.iter().map(|m| m.version));
    for start in versions.filter(|&v| v < latest_version()) {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate_to(&mut conn, start).unwrap(), start);
        assert_eq!(
            migrate(&mut conn).unwrap(),
            latest_version(),
            "from {start}"
        );
        assert_eq!(schema(&conn), want, "schema after upgrading from {start}");
    }
}

#[test]
fn upgrade_keeps_rows_written_by_an_earlier_version() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_to(&mut conn, 2).unwrap();
    conn.execute_batch(
        "INSERT INTO journal (link, instrument, protocol, kind, received_at, sha256, crc32, raw) \
         VALUES ('l', 'i', 'astm', 'results', 0, x'00', 0, x'');
         INSERT INTO unmatched (journal_id, instrument, specimen_id, instrument_test_code, \
         value, units, flags, operator, reason, received_at) \
         VALUES (1, 'i', 'S1', 'GLU', '5.2', 'mmol/L', '[]', '', 'no_order', 0);",
    )
    .unwrap();
    migrate(&mut conn).unwrap();
    let (value, hint): (String, Option<String>) = conn
        .query_row("SELECT value, patient_hint FROM unmatched", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((value.as_str(), hint), ("5.2", None));
}

#[test]
fn supplements_keep_their_rows_and_take_a_qc_point_owner() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_to(&mut conn, 14).unwrap();
    conn.pragma_update(None, "foreign_keys", false).unwrap();
    conn.execute_batch(
        "INSERT INTO supplements (id, result_id, unmatched_id, seq, name, value, units, flags) \
         VALUES (7, 3, NULL, 0, 'RLU', '611793', '', '[]');",
    )
    .unwrap();
    migrate(&mut conn).unwrap();
    let kept: (i64, Option<i64>, Option<i64>, String) = conn
        .query_row(
            "SELECT id, result_id, qc_point_id, value FROM supplements",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(kept, (7, Some(3), None, "611793".to_owned()));
    // A QC point's value has that owner alone; none, or two, is refused.
    let insert = |owners: &str| {
        conn.execute(
            &format!(
                "INSERT INTO supplements (result_id, unmatched_id, qc_point_id, seq, name, \
                 value, units, flags) VALUES ({owners}, 0, 'INDX', '1.2', '', '[]')"
            ),
            [],
        )
    };
    assert!(insert("NULL, NULL, 5").is_ok());
    assert!(insert("NULL, NULL, NULL").is_err());
    assert!(insert("3, NULL, 5").is_err());
}

#[test]
fn check_rows_move_into_their_result_in_rule_order() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_to(&mut conn, 5).unwrap();
    let result = |id: i64| {
        format!(
            "INSERT INTO results (id, ordered_test_id, order_id, patient_id, specimen_barcode, \
             test_code, version, value_sent, value, numeric, value_kind, unit, flags, \
             instrument_flags, instrument, operator, received_at, state, reported, reasons) \
             VALUES ({id}, {id}, 1, 1, 'S1', 'GLU', 1, '5.2', '5.2', 5.2, 'numeric', 'mmol/L', \
             '[]', '[]', 'i', '', 0, 'released', 1, '[]');"
        )
    };
    // Rows inserted out of rule order; a detail with a quote; a result without rows. (The
    // results' orders and patients do not matter here.)
    conn.pragma_update(None, "foreign_keys", false).unwrap();
    conn.execute_batch(&format!(
        "{}{}
         INSERT INTO result_checks VALUES (1, 1, 'unit', 'passed', 'mmol/L as expected');
         INSERT INTO result_checks VALUES (1, 0, 'value_present', 'passed', '5.2');
         INSERT INTO result_checks VALUES (1, 2, 'autoverification', 'failed', 'say \"why\"');",
        result(1),
        result(2)
    ))
    .unwrap();
    migrate(&mut conn).unwrap();
    let checks = |id: i64| -> String {
        conn.query_row("SELECT checks FROM results WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap()
    };
    assert_eq!(
        checks(1),
        r#"[["value_present","passed","5.2"],["unit","passed","mmol/L as expected"],["autoverification","failed","say \"why\""]]"#
    );
    assert_eq!(checks(2), "[]");
}

#[test]
fn qc_observations_become_points_with_their_ids_kept_and_never_evaluated() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_to(&mut conn, 12).unwrap();
    conn.execute_batch(
        "INSERT INTO journal (link, instrument, protocol, kind, received_at, sha256, crc32, raw) \
         VALUES ('l', 'DEMO-CHEM', 'astm', 'qc', 2000, x'00', 0, x'');
         INSERT INTO qc_observations (id, journal_id, instrument, instrument_test_code, \
         test_code, control_id, value, numeric, units, observed_at, received_at) \
         VALUES (7, 1, 'DEMO-CHEM', 'GLU', 'GLU', 'CTRL-1', '5.5', 5.5, 'mmol/L', NULL, 2000);",
    )
    .unwrap();
    migrate(&mut conn).unwrap();
    let row: (String, i64, String, Option<i64>, Option<f64>) = conn
        .query_row(
            "SELECT control_id, at, resolution, run_id, z FROM qc_points WHERE id = 7",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!(
        row,
        ("CTRL-1".into(), 2000, "stored_before_qc".into(), None, None)
    );
}

#[test]
fn newer_database_is_refused() {
    let mut conn = Connection::open_in_memory().unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    match migrate(&mut conn) {
        Err(StoreError::SchemaTooNew {
            found: 99,
            known: 17,
        }) => {}
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

#[test]
fn failed_migration_leaves_the_previous_version() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_to(&mut conn, 1).unwrap();
    // Sabotage: a table migration 2 wants to create already exists.
    conn.execute_batch("CREATE TABLE outbox (x INTEGER)")
        .unwrap();
    match migrate(&mut conn) {
        Err(StoreError::Migration { version: 2, .. }) => {}
        other => panic!("expected migration 2 to fail, got {other:?}"),
    }
    assert_eq!(current_version(&conn).unwrap(), 1);
    let tables = schema(&conn);
    assert!(!tables.iter().any(|(n, _)| n == "result_checks"));
}
