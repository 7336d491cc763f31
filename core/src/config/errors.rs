//! Config problems with key path and line number, and the first pass that reads the file's
//! shape section by section so that one bad test does not hide the problems of the next.

use std::fmt;

use serde::de::DeserializeOwned;

use super::locate::{self, refine};
use super::LabFile;

/// One problem in a lab config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Key path, e.g. `tests[3].ranges[1].age_max_days` (empty for the whole file).
    pub path: String,
    /// 1-based line of the key, or of the nearest enclosing table found.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.path.is_empty()) {
            (Some(line), false) => write!(f, "line {line}: {}: {}", self.path, self.message),
            (Some(line), true) => write!(f, "line {line}: {}", self.message),
            (None, false) => write!(f, "{}: {}", self.path, self.message),
            (None, true) => f.write_str(&self.message),
        }
    }
}

/// Every problem found in a lab config; the config is not used when there is any.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors {
    /// Where the text came from.
    pub source_name: String,
    /// The problems, in file order where known.
    pub errors: Vec<ConfigError>,
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} problem(s) in lab config {}",
            self.errors.len(),
            self.source_name
        )?;
        for e in &self.errors {
            write!(f, "\n  {}: {e}", self.source_name)?;
        }
        Ok(())
    }
}

impl ConfigErrors {
    /// Attaches line numbers to `(path, message)` problems by finding each path in `text`.
    pub(crate) fn located(problems: Vec<(String, String)>, text: &str, source_name: &str) -> Self {
        let tree = locate::Tree::parse(text);
        let mut errors: Vec<ConfigError> = problems
            .into_iter()
            .map(|(path, message)| ConfigError {
                line: tree.as_ref().and_then(|t| t.line_of_path(&path)),
                path,
                message,
            })
            .collect();
        errors.sort_by_key(|e| e.line.unwrap_or(usize::MAX));
        Self {
            source_name: source_name.to_owned(),
            errors,
        }
    }
}

/// Reads the file's shape: syntax, then each section and each test and instrument on its own.
pub(super) fn deserialize(text: &str, source_name: &str) -> Result<LabFile, ConfigErrors> {
    let table: toml::Table = match toml::from_str(text) {
        Ok(t) => t,
        Err(e) => {
            let line = e.span().map(|s| locate::line_of_offset(text, s.start));
            let path = e
                .span()
                .and_then(|s| locate::Tree::parse(text).map(|t| t.path_at(s.start)))
                .unwrap_or_default();
            return Err(ConfigErrors {
                source_name: source_name.to_owned(),
                errors: vec![ConfigError {
                    path,
                    line,
                    message: e.message().trim().to_owned(),
                }],
            });
        }
    };
    let mut problems = Vec::new();
    for key in table.keys() {
        if !SECTIONS.contains(&key.as_str()) {
            problems.push((
                key.clone(),
                format!("unknown section, expected one of {}", SECTIONS.join(", ")),
            ));
        }
    }
    let lab = one(&table, "lab", &mut problems);
    let autoverification = match table.get("autoverification") {
        Some(_) => one(&table, "autoverification", &mut problems),
        None => Some(Default::default()),
    };
    let tests = many(&table, "tests", &mut problems);
    let instruments = many(&table, "instruments", &mut problems);
    let review = match table.get("review") {
        Some(_) => one(&table, "review", &mut problems),
        None => Some(Default::default()),
    };
    let ui = match table.get("ui") {
        Some(_) => one(&table, "ui", &mut problems),
        None => Some(Default::default()),
    };
    let his = opaque(&table, "his", &mut problems);
    let http = opaque(&table, "http", &mut problems);
    let analyzers = opaque(&table, "analyzers", &mut problems);
    let qc = super::qc::deserialize(&table, &mut problems);
    if lab.is_none() && !table.contains_key("lab") {
        problems.push((String::new(), String::from("missing section [lab]")));
    }
    match (lab, autoverification, review, ui) {
        (Some(lab), Some(autoverification), Some(review), Some(ui)) if problems.is_empty() => {
            Ok(LabFile {
                lab,
                autoverification,
                tests,
                instruments,
                his,
                review,
                ui,
                http,
                analyzers,
                qc,
            })
        }
        _ => Err(ConfigErrors::located(problems, text, source_name)),
    }
}

/// The top-level sections a lab file may have.
const SECTIONS: [&str; 10] = [
    "lab",
    "autoverification",
    "review",
    "ui",
    "tests",
    "instruments",
    "his",
    "http",
    "analyzers",
    "qc",
];

/// A section kept as an opaque table for its owner (`[his]`, `[http]`).
fn opaque(
    table: &toml::Table,
    key: &str,
    problems: &mut Vec<(String, String)>,
) -> Option<toml::Table> {
    match table.get(key) {
        None => None,
        Some(toml::Value::Table(t)) => Some(t.clone()),
        Some(_) => {
            problems.push((key.to_owned(), String::from("expected a table")));
            None
        }
    }
}

fn one<T: DeserializeOwned>(
    table: &toml::Table,
    key: &str,
    problems: &mut Vec<(String, String)>,
) -> Option<T> {
    let value = table.get(key)?.clone();
    match value.try_into::<T>() {
        Ok(v) => Some(v),
        Err(e) => {
            problems.push(refine(key, e.message()));
            None
        }
    }
}

fn many<T: DeserializeOwned>(
    table: &toml::Table,
    key: &str,
    problems: &mut Vec<(String, String)>,
) -> Vec<T> {
    let Some(value) = table.get(key) else {
        return Vec::new();
    };
    let Some(items) = value.as_array() else {
        problems.push((key.to_owned(), String::from("expected an array of tables")));
        return Vec::new();
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item.clone().try_into::<T>() {
            Ok(v) => out.push(v),
            Err(e) => problems.push(refine(&format!("{key}[{i}]"), e.message())),
        }
    }
    out
}
