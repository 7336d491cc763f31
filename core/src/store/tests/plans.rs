//! The query plans of the lookups that run for every result and of the worklist queries, on a
//! migrated database without statistics (as in a new lab). A new index can silently change a
//! plan; these tests make such a change visible.

use super::*;
use crate::store::his::RELEASED_RESULTS_WHERE;
use crate::store::orders::ORDER_PROGRESS_SQL;
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
