//! Reading stored values strictly. A value that cannot be read (damaged JSON, a code this version
//! does not know) is [`StoreError::Corrupt`](crate::StoreError::Corrupt) naming the table, row and
//! column; it is never replaced by a default (no flags, `received`, an empty list), which could
//! make a critical result look normal.

use jiff::civil::Date;
use rusqlite::types::Type;
use serde::de::DeserializeOwned;

use crate::error::CorruptValue;
use crate::validation::Flag;

/// Where a stored value lives: table, row id and column.
#[derive(Debug, Clone, Copy)]
pub(crate) struct At {
    pub(crate) table: &'static str,
    pub(crate) row: i64,
    pub(crate) column: &'static str,
}

impl At {
    pub(crate) fn new(table: &'static str, row: i64, column: &'static str) -> Self {
        Self { table, row, column }
    }

    /// The error for this value, as rusqlite's row mapping carries it.
    pub(crate) fn corrupt(self, detail: impl Into<String>) -> rusqlite::Error {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            Type::Text,
            Box::new(CorruptValue {
                table: self.table,
                row: self.row,
                column: self.column,
                detail: detail.into(),
            }),
        )
    }

    /// A JSON column.
    pub(crate) fn json<T: DeserializeOwned>(self, text: &str) -> rusqlite::Result<T> {
        serde_json::from_str(text).map_err(|e| self.corrupt(format!("unreadable JSON: {e}")))
    }

    /// A flags column: a JSON array of flag codes, each one this version knows.
    pub(crate) fn flags(self, text: &str) -> rusqlite::Result<Vec<Flag>> {
        let codes: Vec<String> = self.json(text)?;
        codes
            .iter()
            .map(|c| Flag::parse(c).ok_or_else(|| self.corrupt(format!("unknown flag code {c:?}"))))
            .collect()
    }

    /// A coded column whose reader returns `None` for an unknown code.
    pub(crate) fn code<T>(
        self,
        text: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> rusqlite::Result<T> {
        parse(text).ok_or_else(|| self.corrupt(format!("unknown value {text:?}")))
    }

    /// A coded column whose reader is lenient (made for what people type): the stored text must
    /// be exactly the code the value is stored as.
    pub(crate) fn exact<T: Copy>(
        self,
        text: &str,
        parse: impl Fn(&str) -> T,
        stored_as: impl Fn(T) -> &'static str,
    ) -> rusqlite::Result<T> {
        let value = parse(text);
        if stored_as(value) == text {
            Ok(value)
        } else {
            Err(self.corrupt(format!("unknown value {text:?}")))
        }
    }

    /// An optional ISO date column.
    pub(crate) fn date(self, text: Option<String>) -> rusqlite::Result<Option<Date>> {
        text.map(|t| {
            t.parse()
                .map_err(|e| self.corrupt(format!("unreadable date {t:?}: {e}")))
        })
        .transpose()
    }
}
