//! The query plans of the lookups that run for every result and of the worklist queries, on a
//! migrated database without statistics (as in a new lab). A new index can silently change a
//! plan; these tests make such a change visible.

use super::*;
use crate::store::his::RELEASED_RESULTS_WHERE;
use crate::store::orders::ORDER_PROGRESS_SQL;
use crate::store::qc_runs::{EARLIER_RUNS_SQL, RECHECK_SQL};
use crate::store::qc_state::STANDING_SQL;
use crate::store::queries::{PENDING_REVIEW_WHERE, RELEASED_SINCE_WHERE, RESULT_COLUMNS};
use crate::store::results::{
    LATEST_RELEASE_SQL, ORDERED_TESTS_OF_SPECIMEN_SQL, ORDERED_TEST_SQL, PREVIOUS_RESULT_SQL,
};

/// The `detail` column of `EXPLAIN QUERY PLAN`, one line per step.
fn plan(s: &Store, sql: &str) -> Vec<String> {
    s.read(|conn, _| {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
        // Parameters stay unbound (NULL): the plan does not depend on them.
        let mut rows = stmt.raw_query();
        let mut details = Vec::new();
        while let Some(row) = rows.next()? {
            details.push(row.get::<_, String>(3)?);
        }
        Ok(details)
    })
    .unwrap()
}

/// Every step of `plan` that reads `table` (named as in the plan) goes through `index`.
fn reads_only_through(plan: &[String], table: &str, index: &str) -> bool {
    let steps: Vec<&String> = plan
        .iter()
        .filter(|d| {
            d.starts_with(&format!("SEARCH {table} ")) || d.starts_with(&format!("SCAN {table}"))
        })
        .collect();
    !steps.is_empty() && steps.iter().all(|d| d.contains(&format!(" INDEX {index}")))
}

#[test]
fn lookups_made_for_every_result_search_by_ordered_test_or_patient() {
    let s = store();
    // The next version and "is a version released" of an ordered test: by its results'
    // (ordered_test_id, version) key, never through an index on state.
    for sql in [ORDERED_TEST_SQL, ORDERED_TESTS_OF_SPECIMEN_SQL] {
        let p = plan(&s, sql);
        assert!(
            reads_only_through(
                &p,
                "results",
                "sqlite_autoindex_results_1 (ordered_test_id=?)"
            ),
            "{sql}: {p:?}"
        );
        assert!(
            reads_only_through(&p, "ot", "sqlite_autoindex_ordered_tests_1 (specimen_id="),
            "{sql}: {p:?}"
        );
    }
    // The delta check's previous result: by patient and test.
    let p = plan(&s, PREVIOUS_RESULT_SQL);
    assert!(
        reads_only_through(
            &p,
            "results",
            "results_patient_test (patient_id=? AND test_code=?)"
        ),
        "{p:?}"
    );
    // An order's progress after a message: its tests by order, their results by id.
    let p = plan(&s, ORDER_PROGRESS_SQL);
    assert!(
        reads_only_through(&p, "ot", "ordered_tests_order (order_id=?)"),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|d| d.starts_with("SEARCH r USING INTEGER PRIMARY KEY")),
        "{p:?}"
    );
}

#[test]
fn worklists_read_their_partial_indexes_not_every_result() {
    let s = store();
    let p = plan(
        &s,
        &format!("SELECT {RESULT_COLUMNS} FROM results WHERE {PENDING_REVIEW_WHERE}"),
    );
    assert!(
        reads_only_through(&p, "results", "results_pending_review"),
        "{p:?}"
    );
    let p = plan(
        &s,
        &format!("SELECT {RESULT_COLUMNS} FROM results WHERE {RELEASED_SINCE_WHERE}"),
    );
    assert!(
        reads_only_through(&p, "results", "results_released"),
        "{p:?}"
    );
    let p = plan(
        &s,
        &format!("SELECT {RESULT_COLUMNS} FROM results {RELEASED_RESULTS_WHERE}"),
    );
    assert!(
        reads_only_through(&p, "results", "results_released"),
        "{p:?}"
    );
    // In release order straight from the index: no sorting step.
    assert!(!p.iter().any(|d| d.contains("TEMP B-TREE")), "{p:?}");
}

#[test]
fn bulk_review_reads_partial_indexes_or_the_specimen_s_tests() {
    use crate::store::review::{specimen_clause, state_clause};
    let s = store();
    for (state, index) in [
        (ResultState::PendingReview, "results_pending_review"),
        (ResultState::Verified, "results_verified"),
        (ResultState::AutoVerified, "results_autoverified"),
    ] {
        let p = plan(
            &s,
            &format!(
                "SELECT {RESULT_COLUMNS} FROM results WHERE {}",
                state_clause(state)
            ),
        );
        assert!(reads_only_through(&p, "results", index), "{state}: {p:?}");
    }
    let p = plan(
        &s,
        &format!(
            "SELECT {RESULT_COLUMNS} FROM results WHERE {}",
            specimen_clause(&[ResultState::Verified, ResultState::AutoVerified])
        ),
    );
    assert!(
        reads_only_through(
            &p,
            "results",
            "sqlite_autoindex_results_1 (ordered_test_id=?)"
        ),
        "{p:?}"
    );
}

#[test]
fn the_latest_release_time_is_one_step_of_the_released_index() {
    let s = store();
    // Read once per ingested message and per release: the last entry of the partial index,
    // never a scan.
    let p = plan(&s, LATEST_RELEASE_SQL);
    assert_eq!(
        p,
        ["SEARCH results USING COVERING INDEX results_released"],
        "{p:?}"
    );
}

/// No step of `plan` scans a table without an index, except the named intermediate results.
fn no_full_scan(plan: &[String], intermediates: &[&str]) -> bool {
    plan.iter().all(|d| {
        !d.starts_with("SCAN ")
            || d.contains(" USING ")
            || intermediates.iter().any(|i| d == &format!("SCAN {i}"))
    })
}

#[test]
fn the_review_worklist_reads_only_waiting_results_through_their_indexes() {
    use crate::config::{ReviewSteps, Section};
    use crate::model::{WorklistCursor, WorklistFilter, WorklistQuery};
    use crate::store::worklist::{keys_sql, waiting_results_sql};

    let every_filter = WorklistFilter {
        section: Some(Section::Immunology),
        instrument: Some("X".into()),
        priority: Some(Priority::Stat),
        state: None,
        received_from: Some(t("2025-01-01T00:00:00Z")),
        received_to: Some(t("2025-01-02T00:00:00Z")),
    };
    let mut one_step = lab();
    one_step.review.steps = ReviewSteps::One;
    for s in [store(), Store::open_in_memory(one_step).unwrap()] {
        for filter in [WorklistFilter::default(), every_filter.clone()] {
            for after in [
                None,
                Some(WorklistCursor {
                    priority_rank: 0,
                    received_ms: 0,
                    specimen: 1,
                }),
            ] {
                let q = WorklistQuery {
                    filter: filter.clone(),
                    after,
                    limit: 10,
                };
                let (sql, _) = keys_sql(s.config(), &q, 11);
                let p = plan(&s, &sql);
                // The waiting results through their partial indexes: never every result.
                let waiting: Vec<&String> =
                    p.iter().filter(|d| d.starts_with("SCAN results")).collect();
                let two = s.config().review.steps == ReviewSteps::Two;
                assert_eq!(waiting.len(), if two { 2 } else { 1 }, "{p:?}");
                assert!(
                    waiting
                        .iter()
                        .all(|d| d.ends_with("USING INDEX results_pending_review")
                            || (two && d.ends_with("USING INDEX results_verified"))),
                    "{p:?}"
                );
                // A never-received specimen's first result: the lowest id among its ordered
                // tests' results, from their key index alone, then that one row.
                assert!(
                    p.iter().any(|d| d
                        == "SEARCH r USING COVERING INDEX sqlite_autoindex_results_1 \
                            (ordered_test_id=?)"),
                    "{p:?}"
                );
                assert!(
                    p.iter()
                        .any(|d| d == "SEARCH first USING INTEGER PRIMARY KEY (rowid=?)"),
                    "{p:?}"
                );
                assert!(no_full_scan(&p, &["w", "k"]), "{p:?}");
            }
        }
    }
    // A page's specimens' waiting results: by ordered test.
    let s = store();
    let (sql, _) = waiting_results_sql(s.config(), &every_filter);
    let p = plan(&s, &sql);
    assert!(
        reads_only_through(&p, "r", "sqlite_autoindex_results_1 (ordered_test_id=?)"),
        "{p:?}"
    );
    assert!(
        reads_only_through(&p, "ot", "sqlite_autoindex_ordered_tests_1 (specimen_id=?)"),
        "{p:?}"
    );
}

#[test]
fn the_specimen_page_and_histories_search_by_key() {
    use crate::store::changes::{about_sql, CHANGES_SQL};
    use crate::store::specimen_view::{DELTA_SQL, HEADER_SQL, PRIOR_SQL, RESULTS_SQL};

    let s = store();
    let p = plan(&s, HEADER_SQL);
    assert!(
        reads_only_through(&p, "s", "sqlite_autoindex_specimens_1 (barcode=?)"),
        "{p:?}"
    );
    let p = plan(&s, RESULTS_SQL);
    assert!(
        reads_only_through(&p, "r", "sqlite_autoindex_results_1 (ordered_test_id=?)"),
        "{p:?}"
    );
    assert!(no_full_scan(&p, &[]), "{p:?}");
    // Delta and earlier results: by patient and test, never through a state index.
    for sql in [DELTA_SQL, PRIOR_SQL] {
        let p = plan(&s, sql);
        assert!(
            reads_only_through(
                &p,
                "results",
                "results_patient_test (patient_id=? AND test_code=? AND id<?)"
            ),
            "{p:?}"
        );
    }
    // Histories: by what the entries are about (migration 9), never the whole trail.
    let p = plan(&s, &about_sql(&[1, 3, 2]));
    assert!(
        reads_only_through(&p, "a", "audit_entity (entity=? AND entity_id=?)"),
        "{p:?}"
    );
    let p = plan(&s, CHANGES_SQL);
    assert_eq!(
        p,
        ["SEARCH audit USING INTEGER PRIMARY KEY (rowid>?)"],
        "{p:?}"
    );
}

#[test]
fn the_qc_state_is_read_by_its_key_and_rechecks_by_arrival_time() {
    let s = store();
    // Read for every result stored or released: the state's primary key, the override's row.
    let p = plan(&s, STANDING_SQL);
    assert_eq!(
        p,
        [
            "SEARCH s USING PRIMARY KEY (instrument=? AND test_code=?)",
            "SEARCH o USING INTEGER PRIMARY KEY (rowid=?) LEFT-JOIN",
            "SEARCH u USING INTEGER PRIMARY KEY (rowid=?) LEFT-JOIN"
        ],
        "{p:?}"
    );
    // A run's evaluation reads its lot's earlier runs through the lot's index.
    let p = plan(&s, EARLIER_RUNS_SQL);
    assert!(
        reads_only_through(
            &p,
            "p",
            "qc_points_lot (instrument=? AND test_code=? AND lot=? AND run_id<?)"
        ),
        "{p:?}"
    );
    // A rejected run flags the results received since the last accepted one by arrival time.
    let p = plan(&s, RECHECK_SQL);
    assert!(
        reads_only_through(
            &p,
            "results",
            "results_received (received_at>? AND received_at<?)"
        ),
        "{p:?}"
    );
}
