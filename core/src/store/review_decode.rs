//! Reading stored columns for the review reads, failing closed: a value that cannot be read is
//! an error naming the table, row and column, never a default (a critical flag read back as "no
//! flags" would show a critical result as normal).

use jiff::civil::Date;

use super::decode::At;
use super::queries::StoredCheck;
use crate::lifecycle::ResultState;
use crate::model::{CheckRow, WaitReason};
use crate::validation::Flag;

/// An unreadable stored value: [`At::corrupt`] (so the operation answers
/// [`StoreError::Corrupt`](crate::StoreError::Corrupt) naming the place), with this module's
/// wording of what is wrong.
pub(super) fn damaged(
    table: &'static str,
    row: i64,
    column: &'static str,
    what: impl std::fmt::Display,
) -> rusqlite::Error {
    At::new(table, row, column).corrupt(what.to_string())
}

/// A result's `flags` column: a JSON array of flag codes.
pub(super) fn flags(row: i64, text: &str) -> rusqlite::Result<Vec<Flag>> {
    let codes: Vec<String> =
        serde_json::from_str(text).map_err(|e| damaged("results", row, "flags", e))?;
    codes
        .iter()
        .map(|c| {
            Flag::parse(c)
                .ok_or_else(|| damaged("results", row, "flags", format!("unknown flag {c:?}")))
        })
        .collect()
}

/// A JSON array of strings (`instrument_flags`, `reasons`).
pub(super) fn strings(row: i64, column: &'static str, text: &str) -> rusqlite::Result<Vec<String>> {
    serde_json::from_str(text).map_err(|e| damaged("results", row, column, e))
}

/// A result's `reasons` column with their codes.
pub(super) fn reasons(row: i64, text: &str) -> rusqlite::Result<Vec<WaitReason>> {
    Ok(strings(row, "reasons", text)?
        .into_iter()
        .map(WaitReason::from_stored)
        .collect())
}

/// A result's `checks` column.
pub(super) fn checks(row: i64, text: &str) -> rusqlite::Result<Vec<CheckRow>> {
    Ok(serde_json::from_str::<Vec<StoredCheck>>(text)
        .map_err(|e| damaged("results", row, "checks", e))?
        .into_iter()
        .map(StoredCheck::into_row)
        .collect())
}

/// A result's `state` column.
pub(super) fn state(row: i64, text: &str) -> rusqlite::Result<ResultState> {
    ResultState::parse(text)
        .ok_or_else(|| damaged("results", row, "state", format!("unknown state {text:?}")))
}

/// A patient's `birth_date` column (ISO 8601 date), if set.
pub(super) fn birth_date(row: i64, text: Option<String>) -> rusqlite::Result<Option<Date>> {
    text.map(|t| {
        t.parse()
            .map_err(|e| damaged("patients", row, "birth_date", e))
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_values_are_errors_naming_the_place() {
        for (got, want) in [
            (
                flags(7, "[\"HH\", \"ZZ\"]").map(|_| ()),
                "results row 7, column flags: unknown flag \"ZZ\"",
            ),
            (
                flags(7, "not json").map(|_| ()),
                "results row 7, column flags: ",
            ),
            (
                state(8, "verfied").map(|_| ()),
                "results row 8, column state: unknown state \"verfied\"",
            ),
            (
                reasons(9, "{}").map(|_| ()),
                "results row 9, column reasons: ",
            ),
            (
                checks(3, "[[1]]").map(|_| ()),
                "results row 3, column checks: ",
            ),
            (
                birth_date(4, Some("1980-13-01".into())).map(|_| ()),
                "patients row 4, column birth_date: ",
            ),
        ] {
            let e = got.unwrap_err().to_string();
            assert!(e.contains(want), "{e}");
        }
        assert_eq!(
            flags(1, "[\"LL\",\"D\"]").unwrap(),
            vec![Flag::CriticalLow, Flag::Delta]
        );
        assert_eq!(birth_date(1, None).unwrap(), None);
    }
}
