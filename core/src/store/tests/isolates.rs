//! Microbiology isolates and their susceptibility panels stay with the result version they came
//! with, with the unmatched row their result went to (copied when it is attached), and a later
//! message's panel is completed from the earlier version of the same isolate.

use super::*;
use crate::model::{Interpretation, Isolate, Susceptibility};

fn row(code: &str, mic: &str, sent: &str, i: Option<Interpretation>) -> Susceptibility {
    Susceptibility {
        antibiotic_code: code.into(),
        antibiotic_name: code.to_lowercase(),
        mic: mic.into(),
        interpretation: i,
        interpretation_sent: sent.into(),
    }
}

fn isolate(label: &str, code: &str, name: &str, rows: Vec<Susceptibility>) -> Isolate {
    Isolate {
        label: label.into(),
        organism_code: code.into(),
        organism_name: name.into(),
        susceptibilities: rows,
    }
}

#[test]
fn an_isolate_keeps_its_panel_and_a_later_panel_completes_a_new_version() {
    let s = store();
    let oid = s
        .place_order(adult("HIS-M", "M1", &["GLU"]), &SYSTEM)
        .unwrap();
    // The identification first: the organism, one antibiotic read early.
    let mut id = obs("M1", "GLU", "Escherichia coli");
    id.isolate = Some(isolate(
        "A",
        "E.COL",
        "Escherichia coli",
        vec![row(
            "AMIKAC",
            "<=8.0000",
            "SUSC",
            Some(Interpretation::Susceptible),
        )],
    ));
    let first = result_ids(
        &s.ingest(message("DEMO-CHEM", "micro", "id", vec![id]))
            .unwrap(),
    );
    assert_eq!(
        s.isolate(first[0]).unwrap().unwrap().susceptibilities.len(),
        1
    );

    // The susceptibilities in a later message: a new version whose panel is the whole panel.
    let mut ast = obs("M1", "GLU", "Escherichia coli");
    ast.isolate = Some(isolate(
        "A",
        "E.COL",
        "Escherichia coli",
        vec![
            row(
                "AMPICI",
                ">16.0000",
                "RESIST",
                Some(Interpretation::Resistant),
            ),
            row("NITRO", ">64.0000", "NOINTP", None),
        ],
    ));
    let second = result_ids(
        &s.ingest(message("DEMO-CHEM", "micro", "ast", vec![ast]))
            .unwrap(),
    );
    assert_ne!(second[0], first[0]);
    let whole = s.isolate(second[0]).unwrap().unwrap();
    assert_eq!(whole.organism(), "Escherichia coli");
    assert_eq!(
        whole.susceptibilities,
        vec![
            row(
                "AMPICI",
                ">16.0000",
                "RESIST",
                Some(Interpretation::Resistant)
            ),
            row("NITRO", ">64.0000", "NOINTP", None),
            row(
                "AMIKAC",
                "<=8.0000",
                "SUSC",
                Some(Interpretation::Susceptible)
            ),
        ]
    );
    // The first version keeps what was known then.
    assert_eq!(
        s.isolate(first[0]).unwrap().unwrap().susceptibilities.len(),
        1
    );

    // Review and the HIS read the isolate with the result.
    let review = s.specimen_review("M1").unwrap();
    let line = review.results.iter().find(|r| r.id == second[0]).unwrap();
    assert_eq!(
        line.isolate.as_ref().map(|i| i.susceptibilities.len()),
        Some(3)
    );
    let report = s.his_report(oid, &second).unwrap();
    assert_eq!(
        report.isolates.get(&second[0]).map(|i| i.label.as_str()),
        Some("A")
    );
}

#[test]
fn an_unmatched_isolate_is_kept_and_follows_its_row_when_attached() {
    let s = store();
    let oid = s
        .place_order(adult("HIS-U", "M2", &["GLU"]), &SYSTEM)
        .unwrap();
    let mut b = obs("M2", "UREA", "Klebsiella pneumoniae");
    b.isolate = Some(isolate(
        "B",
        "K.PNE",
        "Klebsiella pneumoniae",
        vec![row(
            "MEROPE",
            "<=0.5000",
            "SUSC",
            Some(Interpretation::Susceptible),
        )],
    ));
    s.ingest(message("DEMO-CHEM", "micro", "b", vec![b]))
        .unwrap();
    let queued = s.unmatched().unwrap().pop().unwrap();
    let kept = s.unmatched_isolate(queued.id).unwrap().unwrap();
    assert_eq!(
        (kept.label.as_str(), kept.organism_code.as_str()),
        ("B", "K.PNE")
    );
    let attached = s
        .attach_unmatched(queued.id, oid, "UREA", &supervisor(&s))
        .unwrap();
    let copied = s.isolate(attached).unwrap().unwrap();
    assert_eq!(copied.organism_name, "Klebsiella pneumoniae");
    assert_eq!(copied.susceptibilities[0].mic, "<=0.5000");
}

#[test]
fn an_unknown_interpretation_code_is_an_error_naming_the_row() {
    let s = store();
    s.place_order(adult("HIS-C", "M3", &["GLU"]), &SYSTEM)
        .unwrap();
    let mut o = obs("M3", "GLU", "Escherichia coli");
    o.isolate = Some(isolate(
        "A",
        "E.COL",
        "Escherichia coli",
        vec![row(
            "AMIKAC",
            "<=8.0000",
            "SUSC",
            Some(Interpretation::Susceptible),
        )],
    ));
    let ids = result_ids(
        &s.ingest(message("DEMO-CHEM", "micro", "c", vec![o]))
            .unwrap(),
    );
    s.write(|conn, _| {
        conn.execute("PRAGMA ignore_check_constraints = ON", [])?;
        conn.execute("UPDATE susceptibilities SET interpretation = 'X'", [])?;
        Ok(())
    })
    .unwrap();
    match s.isolate(ids[0]) {
        Err(StoreError::Corrupt { table, column, .. }) => {
            assert_eq!((table, column), ("susceptibilities", "interpretation"));
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

/// A person's edit of the organism, then a supervisor's correction of the released isolate: each
/// new version keeps the whole antibiogram (the HIS replaces the result with the corrected one
/// and must not lose the panel), the organism is the one the person wrote, and the analyzer's
/// organism code is not kept for another organism.
#[test]
fn an_edited_or_corrected_organism_keeps_its_antibiogram() {
    let s = store();
    let tech = technician(&s);
    let boss = supervisor(&s);
    s.place_order(adult("HIS-M2", "M2", &["ORG-A"]), &SYSTEM)
        .unwrap();
    let panel = vec![
        row(
            "AMPICI",
            ">16.0000",
            "RESIST",
            Some(Interpretation::Resistant),
        ),
        row(
            "AMIKAC",
            "<=8.0000",
            "SUSC",
            Some(Interpretation::Susceptible),
        ),
    ];
    let mut o = obs("M2", "ISOLATE-A", "Escherichia coli");
    o.isolate = Some(isolate("A", "E.COL", "Escherichia coli", panel.clone()));
    let first = result_ids(
        &s.ingest(message("DEMO-MICRO", "micro", "m2", vec![o]))
            .unwrap(),
    )[0];
    let rev = s.result(first).unwrap().rev;
    let edited = s
        .edit_value(
            first,
            rev,
            "Klebsiella pneumoniae",
            "read again on the plate",
            &tech,
        )
        .unwrap()
        .new_version
        .unwrap();
    let kept = s
        .isolate(edited)
        .unwrap()
        .expect("the edit keeps the isolate");
    assert_eq!(
        (
            kept.label.as_str(),
            kept.organism_code.as_str(),
            kept.organism_name.as_str()
        ),
        ("A", "", "Klebsiella pneumoniae")
    );
    assert_eq!(kept.susceptibilities, panel);

    assert_eq!(s.verify(edited, &tech).unwrap(), ResultState::Verified);
    assert_eq!(s.release(edited, &boss).unwrap(), ResultState::Released);
    let corrected = s
        .correct(
            edited,
            "Klebsiella oxytoca",
            "MALDI-TOF confirmation",
            &boss,
        )
        .unwrap();
    let after = s
        .isolate(corrected)
        .unwrap()
        .expect("the correction keeps the isolate");
    assert_eq!(after.organism_name, "Klebsiella oxytoca");
    assert_eq!(after.susceptibilities, panel);
    // The versions before keep what they had.
    assert_eq!(s.isolate(first).unwrap().unwrap().organism_code, "E.COL");
}
