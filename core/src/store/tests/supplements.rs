//! Supplementary values (RLU, cut-off, Ct...) stay with the result version they came with, with
//! the unmatched row their result went to, and follow it when a supervisor attaches it.

use super::*;
use crate::model::Supplement;

fn sup(name: &str, value: &str, units: &str, flags: &[&str]) -> Supplement {
    Supplement {
        name: name.into(),
        value: value.into(),
        units: units.into(),
        flags: flags.iter().map(|f| (*f).to_owned()).collect(),
    }
}

#[test]
fn each_version_and_each_unmatched_row_keeps_its_own_values() {
    let s = store();
    let oid = s
        .place_order(adult("HIS-S", "S1", &["GLU", "CREA"]), &SYSTEM)
        .unwrap();
    let mut glu = obs("S1", "GLU", "5.2");
    glu.supplementary = vec![
        sup("RLU", "611793", "", &[]),
        sup("COFF", "1.00", "mmol/L", &["H"]),
    ];
    let mut urea = obs("S1", "UREA", "5.0");
    urea.supplementary = vec![sup("INDX", "0.14", "Index", &[])];
    let out = s
        .ingest(message(
            "DEMO-CHEM",
            "chem",
            "first",
            vec![glu, obs("S1", "CREA", "80"), urea],
        ))
        .unwrap();
    let ids = result_ids(&out);
    assert_eq!(ids.len(), 2);
    assert_eq!(
        s.supplements(ids[0]).unwrap(),
        vec![
            sup("RLU", "611793", "", &[]),
            sup("COFF", "1.00", "mmol/L", &["H"])
        ]
    );
    assert!(s.supplements(ids[1]).unwrap().is_empty());
    // The review page and the HIS message read them with the result.
    let review = s.specimen_review("S1").unwrap();
    let glu_line = review
        .results
        .iter()
        .find(|r| r.test_code == "GLU")
        .unwrap();
    assert_eq!(glu_line.supplements.len(), 2);
    assert_eq!(glu_line.supplements[0].name, "RLU");
    let report = s.his_report(oid, &ids).unwrap();
    assert_eq!(report.supplements.get(&ids[0]).map(Vec::len), Some(2));
    assert!(!report.supplements.contains_key(&ids[1]));

    // UREA was not ordered: unmatched, with its value kept there.
    let queued = s.unmatched().unwrap().pop().unwrap();
    assert_eq!(queued.instrument_test_code, "UREA");
    assert_eq!(
        s.unmatched_supplements(queued.id).unwrap(),
        vec![sup("INDX", "0.14", "Index", &[])]
    );
    let attached = s
        .attach_unmatched(queued.id, oid, "UREA", &supervisor(&s))
        .unwrap();
    assert_eq!(
        s.supplements(attached).unwrap(),
        vec![sup("INDX", "0.14", "Index", &[])]
    );

    // A second measurement of glucose is a new version with its own values; the first keeps
    // its own.
    let mut again = obs("S1", "GLU", "5.4");
    again.supplementary = vec![sup("RLU", "702000", "", &[])];
    let second = result_ids(
        &s.ingest(message("DEMO-CHEM", "chem", "second", vec![again]))
            .unwrap(),
    );
    assert_eq!(second.len(), 1);
    assert_ne!(second[0], ids[0]);
    assert_eq!(
        s.supplements(second[0]).unwrap(),
        vec![sup("RLU", "702000", "", &[])]
    );
    assert_eq!(s.supplements(ids[0]).unwrap().len(), 2);
}

#[test]
fn damaged_flags_are_an_error_naming_the_row() {
    let s = store();
    s.place_order(adult("HIS-D", "S2", &["GLU"]), &SYSTEM)
        .unwrap();
    let mut glu = obs("S2", "GLU", "5.2");
    glu.supplementary = vec![sup("RLU", "1", "", &[])];
    let ids = result_ids(
        &s.ingest(message("DEMO-CHEM", "chem", "d", vec![glu]))
            .unwrap(),
    );
    s.write(|conn, _| {
        conn.execute("UPDATE supplements SET flags = 'not json'", [])?;
        Ok(())
    })
    .unwrap();
    match s.supplements(ids[0]) {
        Err(StoreError::Corrupt { table, column, .. }) => {
            assert_eq!((table, column), ("supplements", "flags"));
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn a_controls_values_stay_with_its_qc_point() {
    // QC1-… is level 1 glucose on DEMO-CHEM (target 5.50 ± 0.20): a QC point, never a result.
    let s = store();
    let mut qc = obs("QC1-0001", "GLU", "5.70");
    qc.supplementary = vec![
        sup("RLU", "611793", "", &[]),
        sup("INDX", "1.20", "", &["H"]),
    ];
    let out = s
        .ingest(AnalyzerMessage {
            received_at: "2026-12-01T01:00:00Z".parse().unwrap(),
            ..message("DEMO-CHEM", "c", "qc", vec![qc])
        })
        .unwrap();
    let IngestOutcome::Stored { observations, .. } = out else {
        panic!("{out:?}")
    };
    let [StoredObservation::Qc(point)] = observations[..] else {
        panic!("{observations:?}")
    };
    let want = vec![
        sup("RLU", "611793", "", &[]),
        sup("INDX", "1.20", "", &["H"]),
    ];
    assert_eq!(s.qc_point_supplements(point).unwrap(), want);
    let chart = s.qc_chart("DEMO-CHEM", "GLU", "1", None).unwrap();
    assert_eq!(chart.points.len(), 1);
    assert_eq!(chart.points[0].supplementary, want);
}
