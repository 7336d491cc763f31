//! The review worklist: which specimens are listed, in which order, with what, filtered and
//! paged. Every expectation below is worked out by hand from the default lab's catalog.

use jiff::civil::date;
use jiff::tz::TimeZone;

use super::*;
use crate::config::Section;
use crate::model::{
    Age, ReasonCode, WaitingState, WorklistCursor, WorklistFilter, WorklistPage, WorklistQuery,
};

/// An order of one tube for patient `his_id`, with its priority and receipt time.
pub(super) fn tube(
    placer: &str,
    barcode: &str,
    tests: &[&str],
    priority: Priority,
    received: Option<&str>,
    his_id: &str,
) -> NewOrder {
    let mut o = adult(placer, barcode, tests);
    o.priority = priority;
    o.patient.his_id = his_id.into();
    o.patient.name = format!("Patient {his_id}");
    o.specimens[0].received_at = received.map(t);
    o
}

fn query(filter: WorklistFilter, after: Option<WorklistCursor>, limit: usize) -> WorklistQuery {
    WorklistQuery {
        filter,
        after,
        limit,
    }
}

fn barcodes(page: &WorklistPage) -> Vec<&str> {
    page.rows.iter().map(|r| r.barcode.as_str()).collect()
}

/// Five specimens, each with results waiting (all messages arrive at 02:00 UTC):
/// - A routine, received 02:00: GLU 7.0 (above 3.9–6.4);
/// - B STAT, received 03:00: GLU 30.0 (above the range and the critical high 25.0), K 4.0
///   (normal: autoverified and released, so not waiting);
/// - C routine, received 01:00: TSH 2.000 (autoverification is off for TSH);
/// - D STAT, received 04:00: HGB 190 from the hematology analyzer (above 130–170 for a man);
/// - E routine, never received: GLU 6.9 and TSH 3.0, so its received time is its first result's
///   arrival, 02:00, tied with A (placed before it).
fn five_specimens(s: &Store) {
    let orders = [
        tube(
            "PA",
            "A",
            &["GLU"],
            Priority::Routine,
            Some("2025-03-01T02:00:00Z"),
            "H1",
        ),
        tube(
            "PB",
            "B",
            &["GLU", "K"],
            Priority::Stat,
            Some("2025-03-01T03:00:00Z"),
            "H2",
        ),
        tube(
            "PC",
            "C",
            &["TSH"],
            Priority::Routine,
            Some("2025-03-01T01:00:00Z"),
            "H3",
        ),
        tube(
            "PD",
            "D",
            &["HGB"],
            Priority::Stat,
            Some("2025-03-01T04:00:00Z"),
            "H4",
        ),
        tube("PE", "E", &["GLU", "TSH"], Priority::Routine, None, "H5"),
    ];
    for o in orders {
        s.place_order(o, &SYSTEM).unwrap();
    }
    s.ingest(message(
        "DEMO-CHEM",
        "chem",
        "m1",
        vec![
            obs("A", "GLU", "7.0"),
            obs("B", "GLU", "30.0"),
            obs("B", "K", "4.0"),
            obs("C", "TSH", "2.0"),
            obs("E", "GLU", "6.9"),
            obs("E", "TSH", "3.0"),
        ],
    ))
    .unwrap();
    s.ingest(message(
        "DEMO-HEMA",
        "hema",
        "m2",
        vec![obs("D", "HGB", "190")],
    ))
    .unwrap();
}

#[test]
fn stat_first_then_oldest_received_with_what_waits() {
    let s = store();
    five_specimens(&s);
    let page = s
        .worklist(&query(WorklistFilter::default(), None, 50))
        .unwrap();
    assert_eq!(barcodes(&page), ["B", "D", "C", "A", "E"]);
    assert_eq!(page.next, None);

    let b = &page.rows[0];
    assert_eq!(b.priority, Priority::Stat);
    assert_eq!((b.pending_review, b.verified), (1, 0));
    assert_eq!(b.placer_number, "PB");
    assert_eq!(b.patient_name, "Patient H2");
    assert_eq!(b.department, "Nội tổng hợp");
    assert_eq!((b.sex, b.birth_date), (Sex::Male, Some(date(1980, 5, 1))));
    // Collected 2025-03-01T01:00Z (08:00 in the lab): 44 years 10 months; 16,375 days since
    // 1980-05-01.
    assert_eq!(
        b.age,
        Some(Age {
            total_days: 16_375,
            years: 44,
            months: 10,
            days: 0
        })
    );
    let codes: Vec<(ReasonCode, u32)> = b.reasons.iter().map(|r| (r.code, r.results)).collect();
    assert_eq!(
        codes,
        [(ReasonCode::ReferenceRange, 1), (ReasonCode::Critical, 1)]
    );
    assert!(
        b.reasons[1].example.starts_with("critical: "),
        "{:?}",
        b.reasons
    );
    assert!(b.critical);
    assert_eq!(b.critical_since, Some(t("2025-03-01T02:00:00Z")));
    assert_eq!(b.instruments, ["DEMO-CHEM"]);
    assert_eq!(b.sections, [Section::Biochemistry]);
    // Biochemistry's default target is 120 minutes from receipt (03:00).
    assert_eq!(b.received_at, t("2025-03-01T03:00:00Z"));
    assert_eq!(b.tat_minutes, Some(120));
    assert_eq!(b.due_at, Some(t("2025-03-01T05:00:00Z")));
    assert!(!b.overdue(t("2025-03-01T05:00:00Z")));
    assert!(b.overdue(t("2025-03-01T05:00:01Z")));

    let d = &page.rows[1];
    assert_eq!(d.instruments, ["DEMO-HEMA"]);
    assert_eq!(d.sections, [Section::Hematology]);
    assert_eq!(d.tat_minutes, Some(60));
    assert!(!d.critical && d.critical_since.is_none());

    let c = &page.rows[2];
    assert_eq!(c.reasons.len(), 1);
    assert_eq!(c.reasons[0].code, ReasonCode::AutoverificationOff);
    assert_eq!(c.reasons[0].example, "autoverification is off for TSH");

    // E was never received: its first result's arrival; GLU and TSH wait, so both sections
    // and the smaller target (biochemistry's 120 minutes before immunology's 240).
    let e = &page.rows[4];
    assert_eq!(e.received_at, t("2025-03-01T02:00:00Z"));
    assert_eq!(e.pending_review, 2);
    assert_eq!(e.sections, [Section::Biochemistry, Section::Immunology]);
    assert_eq!(e.tat_minutes, Some(120));
    let codes: Vec<ReasonCode> = e.reasons.iter().map(|r| r.code).collect();
    assert_eq!(
        codes,
        [ReasonCode::ReferenceRange, ReasonCode::AutoverificationOff]
    );
}

#[test]
fn three_pages_of_two_cover_every_specimen_once() {
    let s = store();
    five_specimens(&s);
    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = s
            .worklist(&query(WorklistFilter::default(), after, 2))
            .unwrap();
        pages += 1;
        seen.extend(page.rows.iter().map(|r| r.barcode.clone()));
        match page.next {
            // The cursor goes through its URL form.
            Some(next) => after = Some(WorklistCursor::from_token(&next.to_token()).unwrap()),
            None => break,
        }
        assert_eq!(page.rows.len(), 2);
    }
    assert_eq!(pages, 3);
    // A and E are tied at 02:00; the row id (A placed first) decides, on both sides of a page
    // boundary.
    assert_eq!(seen, ["B", "D", "C", "A", "E"]);
    // A page that ends exactly at the last row says there is no next page.
    let page = s
        .worklist(&query(WorklistFilter::default(), None, 5))
        .unwrap();
    assert_eq!((page.rows.len(), page.next), (5, None));
    let page = s
        .worklist(&query(WorklistFilter::default(), None, 4))
        .unwrap();
    assert_eq!(page.next, Some(page.rows[3].cursor()));
}

#[test]
fn filters_narrow_rows_and_counts() {
    let s = store();
    five_specimens(&s);
    let list = |filter: WorklistFilter| {
        let page = s.worklist(&query(filter, None, 50)).unwrap();
        barcodes(&page)
            .iter()
            .map(|b| (*b).to_owned())
            .collect::<Vec<_>>()
    };
    let f = WorklistFilter::default;
    assert_eq!(
        list(WorklistFilter {
            priority: Some(Priority::Stat),
            ..f()
        }),
        ["B", "D"]
    );
    assert_eq!(
        list(WorklistFilter {
            priority: Some(Priority::Routine),
            ..f()
        }),
        ["C", "A", "E"]
    );
    assert_eq!(
        list(WorklistFilter {
            instrument: Some("DEMO-HEMA".into()),
            ..f()
        }),
        ["D"]
    );
    assert_eq!(
        list(WorklistFilter {
            section: Some(Section::Urinalysis),
            ..f()
        }),
        Vec::<String>::new()
    );
    // Immunology: C and E have a TSH waiting; E's row counts only its TSH.
    let page = s
        .worklist(&query(
            WorklistFilter {
                section: Some(Section::Immunology),
                ..f()
            },
            None,
            50,
        ))
        .unwrap();
    assert_eq!(barcodes(&page), ["C", "E"]);
    assert_eq!(page.rows[1].pending_review, 1);
    assert_eq!(page.rows[1].tat_minutes, Some(240));
    assert_eq!(page.rows[1].sections, [Section::Immunology]);
    // Received from 02:00 (inclusive) to 03:00 (exclusive): A and E, not B at 03:00.
    assert_eq!(
        list(WorklistFilter {
            received_from: Some(t("2025-03-01T02:00:00Z")),
            received_to: Some(t("2025-03-01T03:00:00Z")),
            ..f()
        }),
        ["A", "E"]
    );
    // The lab's day of 2025-03-01 is 2025-02-28T17:00Z to 2025-03-01T17:00Z: everything.
    let tz = TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
    assert_eq!(
        list(f().received_on(date(2025, 3, 1), &tz).unwrap()).len(),
        5
    );
    assert!(list(f().received_on(date(2025, 3, 2), &tz).unwrap()).is_empty());
    // Filters combine, and paging follows the filtered order.
    let first = s
        .worklist(&query(
            WorklistFilter {
                instrument: Some("DEMO-CHEM".into()),
                priority: Some(Priority::Routine),
                ..f()
            },
            None,
            1,
        ))
        .unwrap();
    assert_eq!(barcodes(&first), ["C"]);
    let second = s
        .worklist(&query(
            WorklistFilter {
                instrument: Some("DEMO-CHEM".into()),
                priority: Some(Priority::Routine),
                ..f()
            },
            first.next,
            1,
        ))
        .unwrap();
    assert_eq!(barcodes(&second), ["A"]);
}

#[test]
fn a_verified_result_waits_for_release_only_in_two_step_labs() {
    let verify_c = |s: &Store| {
        let tech = Actor::User(
            s.create_user("tech", "KTV Lan", &[Role::Technician], &SYSTEM)
                .unwrap(),
        );
        let c = s.specimen_review("C").unwrap().results[0].id;
        s.verify(c, &tech).unwrap();
    };
    // Two steps (the default lab): C stays listed, with one verified result.
    let s = store();
    five_specimens(&s);
    verify_c(&s);
    let page = s
        .worklist(&query(WorklistFilter::default(), None, 50))
        .unwrap();
    assert_eq!(barcodes(&page), ["B", "D", "C", "A", "E"]);
    assert_eq!((page.rows[2].pending_review, page.rows[2].verified), (0, 1));
    let verified = s
        .worklist(&query(
            WorklistFilter {
                state: Some(WaitingState::Verified),
                ..WorklistFilter::default()
            },
            None,
            50,
        ))
        .unwrap();
    assert_eq!(barcodes(&verified), ["C"]);
    let pending = s
        .worklist(&query(
            WorklistFilter {
                state: Some(WaitingState::PendingReview),
                ..WorklistFilter::default()
            },
            None,
            50,
        ))
        .unwrap();
    assert_eq!(barcodes(&pending), ["B", "D", "A", "E"]);

    // One step: a verified result waits for nobody's next action on the worklist.
    let mut one_step = lab();
    one_step.review.steps = crate::config::ReviewSteps::One;
    let s = Store::open_in_memory(one_step).unwrap();
    five_specimens(&s);
    verify_c(&s);
    let page = s
        .worklist(&query(WorklistFilter::default(), None, 50))
        .unwrap();
    assert_eq!(barcodes(&page), ["B", "D", "A", "E"]);
    let verified = s
        .worklist(&query(
            WorklistFilter {
                state: Some(WaitingState::Verified),
                ..WorklistFilter::default()
            },
            None,
            50,
        ))
        .unwrap();
    assert!(verified.rows.is_empty());
}

#[test]
fn ages_are_counted_on_the_labs_calendar_day() {
    let s = store();
    // Born 2025-02-28, collected 2025-02-28T18:00Z = 2025-03-01 01:00 in the lab (UTC+7): one
    // day old (zero days by the UTC date).
    let mut o = order(
        "PN",
        "N1",
        &["GLU"],
        Sex::Female,
        date(2025, 2, 28),
        "2025-02-28T18:00:00Z",
    );
    o.specimens[0].received_at = Some(t("2025-02-28T18:30:00Z"));
    s.place_order(o, &SYSTEM).unwrap();
    // 1.0 mmol/L is below the neonatal 2.2–5.5 and the critical low 2.5.
    s.ingest(message(
        "DEMO-CHEM",
        "c",
        "n1",
        vec![obs("N1", "GLU", "1.0")],
    ))
    .unwrap();
    let page = s
        .worklist(&query(WorklistFilter::default(), None, 10))
        .unwrap();
    let row = &page.rows[0];
    assert_eq!(
        row.age,
        Some(Age {
            total_days: 1,
            years: 0,
            months: 0,
            days: 1
        })
    );
    assert_eq!(row.sex, Sex::Female);
    assert!(row.critical);
}

#[test]
fn bad_limits_and_cursors_are_refused() {
    let s = store();
    for limit in [0, WorklistQuery::MAX_LIMIT + 1] {
        assert!(matches!(
            s.worklist(&query(WorklistFilter::default(), None, limit)),
            Err(StoreError::Invalid { .. })
        ));
    }
    assert!(matches!(
        WorklistCursor::from_token("w1.0.abc.1"),
        Err(StoreError::Invalid { .. })
    ));
    // An empty lab has an empty worklist.
    let page = s
        .worklist(&query(WorklistFilter::default(), None, 10))
        .unwrap();
    assert!(page.rows.is_empty() && page.next.is_none());
}

#[test]
fn unreadable_flags_are_an_error_not_a_normal_result() {
    let s = store();
    five_specimens(&s);
    s.write(|conn, _| {
        conn.execute(
            "UPDATE results SET flags = '[\"HX\"]' WHERE specimen_barcode = 'B' AND test_code = 'GLU'",
            [],
        )?;
        Ok(())
    })
    .unwrap();
    let e = s
        .worklist(&query(WorklistFilter::default(), None, 10))
        .unwrap_err()
        .to_string();
    assert!(e.contains("column flags: unknown flag \"HX\""), "{e}");
}
