//! Patient search (Vietnamese names with or without marks, identifiers) and the cumulative
//! report.

use rusqlite::params;

use super::*;

/// Places an order for a patient with this name and HIS id.
fn patient(s: &Store, his_id: &str, name: &str, placer: &str, barcode: &str) {
    let mut o = adult(placer, barcode, &["GLU"]);
    o.patient.his_id = his_id.into();
    o.patient.name = name.into();
    s.place_order(o, &SYSTEM).unwrap();
}

fn names(found: &PatientSearch) -> Vec<&str> {
    found.hits.iter().map(|h| h.patient.name.as_str()).collect()
}

fn lab_with_patients() -> (Store, Actor) {
    let s = store();
    patient(&s, "BN-1", "NGUYỄN VĂN AN", "PL-1", "S-1");
    patient(&s, "BN-2", "Nguyễn Văn Anh", "PL-2", "S-2");
    patient(&s, "BN-3", "Trần Thị Bích Ngọc", "PL-3", "S-3");
    patient(&s, "BN-4", "ĐỖ ĐỨC ĐẠT", "PL-4", "S-4");
    patient(&s, "BN-5", "Lê Văn An", "PL-5", "S-5");
    let tech = technician(&s);
    (s, tech)
}

#[test]
fn a_name_typed_without_marks_finds_the_marked_name() {
    let (s, tech) = lab_with_patients();
    let found = s.search_patients("nguyen van an", &tech).unwrap();
    assert_eq!(found.folded, "nguyen van an");
    // "an" is a prefix of "anh": both, the exact one first (key order).
    assert_eq!(names(&found), ["NGUYỄN VĂN AN", "Nguyễn Văn Anh"]);
    assert!(found.hits.iter().all(|h| h.matched == PatientMatch::Name));
    assert!(!found.more);
    assert_eq!(
        names(&s.search_patients("do duc dat", &tech).unwrap()),
        ["ĐỖ ĐỨC ĐẠT"]
    );
    assert_eq!(
        names(&s.search_patients("TRAN THI BICH", &tech).unwrap()),
        ["Trần Thị Bích Ngọc"]
    );
    // With marks, in any case, and by the given name or middle and given name.
    assert_eq!(
        names(&s.search_patients("bích ngọc", &tech).unwrap()),
        ["Trần Thị Bích Ngọc"]
    );
    // Keys "van an" (patients 1 and 5) before "van anh" (patient 2).
    assert_eq!(
        names(&s.search_patients("van an", &tech).unwrap()),
        ["NGUYỄN VĂN AN", "Lê Văn An", "Nguyễn Văn Anh"]
    );
    assert!(s
        .search_patients("nguyen thi", &tech)
        .unwrap()
        .hits
        .is_empty());
}

#[test]
fn identifiers_find_their_patient_exactly() {
    let (s, tech) = lab_with_patients();
    let by = |q: &str| {
        let found = s.search_patients(q, &tech).unwrap();
        found
            .hits
            .iter()
            .map(|h| (h.patient.his_id.clone(), h.matched))
            .collect::<Vec<_>>()
    };
    assert_eq!(by("BN-3"), [("BN-3".to_owned(), PatientMatch::PatientId)]);
    assert_eq!(by("S-4"), [("BN-4".to_owned(), PatientMatch::SpecimenId)]);
    assert_eq!(
        by("PL-5"),
        [("BN-5".to_owned(), PatientMatch::PlacerNumber)]
    );
    assert!(by("S-9").is_empty());
    let hit = &s.search_patients("BN-1", &tech).unwrap().hits[0];
    assert_eq!(hit.last_order_at, Some(t("2025-03-01T01:00:00Z")));
}

#[test]
fn a_renamed_patient_is_found_by_the_new_name_only() {
    let (s, tech) = lab_with_patients();
    patient(&s, "BN-4", "Đỗ Thị Hường", "PL-6", "S-6");
    assert!(s.search_patients("do duc", &tech).unwrap().hits.is_empty());
    assert_eq!(
        names(&s.search_patients("do thi huong", &tech).unwrap()),
        ["Đỗ Thị Hường"]
    );
}

#[test]
fn the_search_reads_the_key_index_not_every_patient() {
    let (s, _) = lab_with_patients();
    let plan: Vec<String> = s
        .read(|conn, _| {
            let mut stmt = conn.prepare(
                "EXPLAIN QUERY PLAN SELECT patient_id FROM patient_name_keys \
                 WHERE key >= ?1 AND key < ?2 ORDER BY key, patient_id LIMIT ?3",
            )?;
            let rows = stmt.query_map(params!["an", "an\u{10FFFF}", 10], |r| r.get(3))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .unwrap();
    assert!(
        plan.iter().any(|p| p.contains("SEARCH patient_name_keys")),
        "{plan:?}"
    );
    assert!(!plan.iter().any(|p| p.starts_with("SCAN")), "{plan:?}");
}

#[test]
fn bad_searches_and_roles_are_refused() {
    let (s, tech) = lab_with_patients();
    assert!(matches!(
        s.search_patients("  ", &tech),
        Err(StoreError::Invalid { .. })
    ));
    assert!(matches!(
        s.search_patients(&"a".repeat(201), &tech),
        Err(StoreError::Invalid { .. })
    ));
    let admin = person(&s, "admin1", &[Role::Admin]);
    assert!(matches!(
        s.search_patients("an", &admin),
        Err(StoreError::Forbidden { .. })
    ));
    assert!(matches!(
        s.patient_history(1, &admin),
        Err(StoreError::Forbidden { .. })
    ));
}

#[test]
fn folding_reaches_patients_stored_before_the_keys_existed() {
    let (s, tech) = lab_with_patients();
    // As a database written by an earlier version: no folded name, no keys.
    s.write(|conn, _| {
        conn.execute_batch("UPDATE patients SET name_fold = NULL; DELETE FROM patient_name_keys;")?;
        Ok(())
    })
    .unwrap();
    assert!(s.search_patients("le van", &tech).unwrap().hits.is_empty());
    let folded = {
        let mut conn = s.lock();
        super::super::patients::fold_unfolded(&mut conn).unwrap()
    };
    assert_eq!(folded, 5);
    assert_eq!(
        names(&s.search_patients("le van", &tech).unwrap()),
        ["Lê Văn An"]
    );
}

#[test]
fn the_cumulative_report_has_released_results_newest_first() {
    let s = store();
    s.place_order(adult("PL-1", "S-1", &["GLU", "CREA"]), &SYSTEM)
        .unwrap();
    let mut second = adult("PL-2", "S-2", &["GLU"]);
    second.specimens[0].collected_at = Some(t("2025-03-02T01:00:00Z"));
    s.place_order(second, &SYSTEM).unwrap();
    let mut m = message(
        "DEMO-CHEM",
        "chem",
        "one",
        vec![obs("S-1", "GLU", "5.0"), obs("S-1", "CREA", "80")],
    );
    m.received_at = t("2025-03-01T02:00:00Z");
    s.ingest(m).unwrap();
    // 30 is above the critical limit 25: held, not released, so not on the report.
    let mut m = message("DEMO-CHEM", "chem", "two", vec![obs("S-2", "GLU", "30")]);
    m.received_at = t("2025-03-02T02:00:00Z");
    s.ingest(m).unwrap();
    let history = s.patient_history(1, &technician(&s)).unwrap();
    let points: Vec<(&str, &str, &str)> = history
        .points
        .iter()
        .map(|p| {
            (
                p.specimen_barcode.as_str(),
                p.test_code.as_str(),
                p.value.as_str(),
            )
        })
        .collect();
    // Same time: the later row (CREA) first.
    assert_eq!(points, [("S-1", "CREA", "80"), ("S-1", "GLU", "5.0")]);
    assert_eq!(history.points[1].numeric, Some(5.0));
    assert_eq!(history.points[1].at, t("2025-03-01T02:00:00Z"));
    assert!(!history.more);
    assert!(matches!(
        s.patient_history(99, &technician(&s)),
        Err(StoreError::NotFound { .. })
    ));
}
