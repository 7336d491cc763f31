//! The turnaround dashboard's read, with every figure calculated by hand.

use super::*;
use crate::config::Section;
use crate::turnaround::TurnaroundSummary;

/// A specimen received at `received` with these tests.
fn received(s: &Store, n: u32, received: &str, tests: &[&str]) -> String {
    let barcode = format!("S-{n}");
    let mut o = adult(&format!("PL-{n}"), &barcode, tests);
    o.specimens[0].received_at = Some(t(received));
    s.place_order(o, &SYSTEM).unwrap();
    barcode
}

/// Results arriving (and, clear, auto-released) at `at`.
fn results(s: &Store, barcode: &str, at: &str, values: &[(&str, &str)]) -> Vec<i64> {
    let mut m = message(
        "DEMO-CHEM",
        "chem",
        &format!("{barcode} {at}"),
        values.iter().map(|(c, v)| obs(barcode, c, v)).collect(),
    );
    m.received_at = t(at);
    result_ids(&s.ingest(m).unwrap())
}

#[test]
fn medians_percentiles_late_specimens_and_call_back_times() {
    let s = store();
    // Received 01:00 UTC on 1 March; GLU and CREA target 120 min (biochemistry's default).
    let s1 = received(&s, 1, "2025-03-01T01:00:00Z", &["GLU", "CREA"]);
    let s2 = received(&s, 2, "2025-03-01T01:00:00Z", &["GLU"]);
    let s3 = received(&s, 3, "2025-03-01T01:00:00Z", &["GLU"]);
    let _s4 = received(&s, 4, "2025-03-01T01:00:00Z", &["GLU"]);
    let s5 = received(&s, 5, "2025-03-01T01:00:00Z", &["GLU"]);
    // The day before: outside the range.
    let s6 = received(&s, 6, "2025-02-28T01:00:00Z", &["GLU"]);
    results(&s, &s6, "2025-02-28T01:10:00Z", &[("GLU", "5.0")]);
    // Released at +30 (GLU), +50 (S2), +70 (S1's CREA), +130 (S3: late). S4 has no result.
    results(&s, &s1, "2025-03-01T01:30:00Z", &[("GLU", "5.0")]);
    results(&s, &s2, "2025-03-01T01:50:00Z", &[("GLU", "5.1")]);
    results(&s, &s1, "2025-03-01T02:10:00Z", &[("CREA", "80")]);
    results(&s, &s3, "2025-03-01T03:10:00Z", &[("GLU", "5.2")]);
    // S5's GLU 30 is critical (above 25), arrives at +20 and is held.
    let critical = results(&s, &s5, "2025-03-01T01:20:00Z", &[("GLU", "30.0")])[0];
    // Not reached at +25, told at +32 (recorded by hand at fixed times).
    let boss = supervisor(&s);
    let Actor::User(boss_id) = boss else {
        unreachable!()
    };
    s.write(|conn, _| {
        for (at, outcome, read_back) in [
            ("2025-03-01T01:25:00Z", "not_reached", 0),
            ("2025-03-01T01:32:00Z", "told_read_back", 1),
        ] {
            conn.execute(
                "INSERT INTO callbacks (result_id, told_name, told_role, location, read_back, \
                 outcome, recorded_at, recorded_by) VALUES (?1, 'BS Hùng', 'bác sĩ', 'Khoa Nội', \
                 ?2, ?3, ?4, ?5)",
                rusqlite::params![critical, read_back, outcome, ms(t(at)), boss_id],
            )?;
        }
        Ok(())
    })
    .unwrap();

    let now = t("2025-03-01T04:20:00Z"); // +200 minutes
    let report = s
        .turnaround(
            t("2025-02-28T17:00:00Z"), // 1 March 00:00 in Ho Chi Minh City
            t("2025-03-01T17:00:00Z"),
            now,
            &boss,
        )
        .unwrap();

    // GLU: 5 specimens; released 30, 50, 130 → median rank ⌈1.5⌉ = 2 → 50, P90 rank ⌈2.7⌉ = 3
    // → 130. Late: S3 (130 > 120), S4 and S5 (waiting 200 > 120).
    // CREA: 1 specimen, released 70 → 70 and 70; not late.
    let tests: Vec<(&str, usize, TurnaroundSummary, usize, Option<u32>)> = report
        .tests
        .iter()
        .map(|g| {
            (
                g.test_code.as_deref().unwrap(),
                g.specimens,
                g.released,
                g.late,
                g.target_minutes,
            )
        })
        .collect();
    let summary = |count, median, p90| TurnaroundSummary {
        count,
        median: Some(median),
        p90: Some(p90),
    };
    assert_eq!(
        tests,
        [
            ("GLU", 5, summary(3, 50, 130), 3, Some(120)),
            ("CREA", 1, summary(1, 70, 70), 0, Some(120)),
        ]
    );
    // Biochemistry per specimen, when its last test was released: S1 70 (CREA after GLU), S2
    // 50, S3 130; S4 and S5 wait. Median rank 2 of 50 70 130 → 70; P90 rank 3 → 130.
    assert_eq!(report.sections.len(), 1);
    let chem = &report.sections[0];
    assert_eq!(chem.section, Section::Biochemistry);
    assert_eq!(
        (chem.specimens, chem.released, chem.late),
        (5, summary(3, 70, 130), 3)
    );

    // Late, longest over target first: S4 and S5 wait 200 (80 over), S3 took 130 (10 over).
    let late: Vec<(&str, u32, bool)> = report
        .late
        .iter()
        .map(|l| {
            (
                l.specimen_barcode.as_str(),
                l.minutes,
                l.released_at.is_some(),
            )
        })
        .collect();
    assert_eq!(
        late,
        [("S-4", 200, false), ("S-5", 200, false), ("S-3", 130, true)]
    );
    assert_eq!(report.late_total, 3);

    // The critical GLU: arrived +20, told at +32 → 12 minutes (the earlier "not reached" does
    // not count).
    assert_eq!(report.criticals.len(), 1);
    let c = &report.criticals[0];
    assert_eq!(
        (c.specimen_barcode.as_str(), c.value.as_str()),
        ("S-5", "30.0")
    );
    assert_eq!(c.told_at, Some(t("2025-03-01T01:32:00Z")));
    assert_eq!(c.told_to.as_deref(), Some("BS Hùng (bác sĩ)"));
    assert_eq!(c.minutes, 12);
    assert_eq!(report.released_before_receipt, 0);
}

#[test]
fn an_unanswered_critical_counts_to_now_and_ranges_are_bounded() {
    let s = store();
    let s1 = received(&s, 1, "2025-03-01T01:00:00Z", &["GLU"]);
    results(&s, &s1, "2025-03-01T01:05:00Z", &[("GLU", "1.2")]); // below 2.5: critical
    let boss = supervisor(&s);
    let report = s
        .turnaround(
            t("2025-03-01T00:00:00Z"),
            t("2025-03-02T00:00:00Z"),
            t("2025-03-01T02:05:00Z"),
            &boss,
        )
        .unwrap();
    assert_eq!(report.criticals.len(), 1);
    assert_eq!(
        (report.criticals[0].told_at, report.criticals[0].minutes),
        (None, 60)
    );

    let from = t("2025-03-01T00:00:00Z");
    assert!(matches!(
        s.turnaround(from, t("2025-04-02T00:00:00Z"), from, &boss),
        Err(StoreError::Invalid { .. })
    ));
    assert!(matches!(
        s.turnaround(from, from, from, &boss),
        Err(StoreError::Invalid { .. })
    ));
    let tech = technician(&s);
    assert!(matches!(
        s.turnaround(from, t("2025-03-02T00:00:00Z"), from, &tech),
        Err(StoreError::Forbidden { .. })
    ));
}

#[test]
fn the_dashboard_reads_specimens_by_their_receipt_index() {
    let s = store();
    let plan: Vec<String> = s
        .read(|conn, _| {
            let mut stmt = conn.prepare(&format!(
                "EXPLAIN QUERY PLAN {}",
                super::super::turnaround::ROWS_SQL
            ))?;
            let rows = stmt.query_map(rusqlite::params![0, 1], |r| r.get(3))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .unwrap();
    assert!(
        plan.iter()
            .any(|p: &String| p.contains("specimens_received")),
        "{plan:?}"
    );
    assert!(!plan.iter().any(|p| p.starts_with("SCAN s")), "{plan:?}");
}
