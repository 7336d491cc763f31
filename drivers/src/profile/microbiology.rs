//! `[microbiology]`: an identification/susceptibility (ID/AST) system's isolates, read as one
//! reportable result per isolate (its value the organism) carrying its susceptibility panel,
//! instead of dozens of unrelated rows (ASTM only; CLSI LIS2-A microbiology records).
//!
//! Each O record names a specimen and an isolate (`XID00126147-01^A^`: specimen id ^ isolate
//! letter). Every O of the same specimen and isolate in a message adds to one isolate: the
//! organism from the order's C record whose first component is `organism_comment`
//! (`C|9|L|FINALID^P.AER^Pseudomonas aeruginosa^P.aeruginosa`), a MIC from each `mic_rows` row and
//! an interpretation from each `interpretation_rows` row (joined by the antibiotic's code), and a
//! supplementary value of the isolate from each `details` row (ID candidates, additional tests).
//! Rows the `keep`/`skip` rules leave out are skipped with their reason first (growth controls);
//! rows none of these rules match are ordinary results.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Location, Locations, MessageProtocol, Profile, ProfileError, Rule};
use lis_core::model::Interpretation;

/// The text in `test_code` replaced by the isolate's label.
pub const ISOLATE_PLACEHOLDER: &str = "{isolate}";

/// The `[microbiology]` section.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MicrobiologySection {
    /// The instrument test code an isolate's result carries, `{isolate}` replaced by the
    /// isolate's label (`ISOLATE-{isolate}` gives `ISOLATE-A`); the instrument's `test_map` maps
    /// it to the lab's culture test like any other code. It must hold `{isolate}`, so a second
    /// isolate of a specimen is a result of its own and never a new version of the first.
    pub test_code: String,
    /// Where the isolate's label is in the O record (`O-3.2`).
    pub isolate: Locations,
    /// The first component of the C record (after the O, before its R records) that names the
    /// confirmed organism (`FINALID`); the last such record of the isolate in a message wins.
    pub organism_comment: String,
    /// Where that C record's organism code is (default `C-4.2`).
    #[serde(default)]
    pub organism_code: Option<Location>,
    /// Where that C record's organism name is (default `C-4.3`).
    #[serde(default)]
    pub organism_name: Option<Location>,
    /// A row is an antibiotic's MIC row when every one of these matches (`R-3.7` = `MIC-BP`).
    pub mic_rows: Vec<Rule>,
    /// A row is an antibiotic's interpretation row when every one of these matches (`R-3.7` =
    /// `INTERP`).
    pub interpretation_rows: Vec<Rule>,
    /// Where the antibiotic's code is on both rows (`R-3.4`).
    pub antibiotic: Locations,
    /// Where the antibiotic's name is (`R-3.5`).
    #[serde(default)]
    pub antibiotic_name: Locations,
    /// Where the MIC is on a MIC row, comparator included (default: the profile's `value`).
    #[serde(default)]
    pub mic: Option<Locations>,
    /// Where the interpretation is on an interpretation row (default: the profile's `value`).
    #[serde(default)]
    pub interpretation: Option<Locations>,
    /// The analyzer's interpretation words to `S`, `I` or `R` (`SUSC` = `S`); a word not listed
    /// (`NOINTP`) is no interpretation and is kept as sent.
    #[serde(default)]
    pub interpretations: BTreeMap<String, String>,
    /// Rows of the isolate that are neither MIC nor interpretation but belong to it (the ID
    /// candidates `^^^ID^ORG1`, additional tests such as oxidase): a row matching any one of
    /// these becomes a supplementary value of the isolate's result.
    #[serde(default)]
    pub details: Vec<Rule>,
    /// Where a detail row names its value (`R-3.5`: `ORG1`, `Oxidase`); first non-empty wins.
    #[serde(default)]
    pub detail_name: Locations,
    /// Where a detail row's value is (`R-4.2`, `R-4.1`); first non-empty wins (default: the
    /// profile's `value`).
    #[serde(default)]
    pub detail_value: Option<Locations>,
    /// Where the isolate's result status is, in the O record (`O-26`, the report type `F`).
    #[serde(default)]
    pub status: Option<Locations>,
}

impl MicrobiologySection {
    /// The instrument test code of the isolate labelled `label`.
    pub fn isolate_code(&self, label: &str) -> String {
        self.test_code.replace(ISOLATE_PLACEHOLDER, label.trim())
    }

    /// The isolate label of an instrument code this section gives (`ISOLATE-A` is `A`).
    pub fn label_of(&self, code: &str) -> Option<String> {
        let (before, after) = self.test_code.split_once(ISOLATE_PLACEHOLDER)?;
        let label = code.strip_prefix(before)?.strip_suffix(after)?;
        (!label.is_empty()).then(|| label.to_owned())
    }

    /// The interpretation the analyzer's `word` maps to (none for a word not listed or mapped to
    /// something other than `S`, `I`, `R`).
    pub fn interpretation_of(&self, word: &str) -> Option<Interpretation> {
        let word = word.trim();
        self.interpretations
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(word))
            .and_then(|(_, v)| Interpretation::from_code(v))
    }

    /// Where the organism code is in the C record.
    pub(crate) fn organism_code_at(&self) -> Location {
        self.organism_code.clone().unwrap_or_else(|| comment_at(2))
    }

    /// Where the organism name is in the C record.
    pub(crate) fn organism_name_at(&self) -> Location {
        self.organism_name.clone().unwrap_or_else(|| comment_at(3))
    }
}

/// A component of the C record's comment text (C-4).
pub(crate) fn comment_at(component: usize) -> Location {
    Location {
        segment: "C".to_owned(),
        row: None,
        field: 4,
        component: Some(component),
        subcomponent: None,
    }
}

impl Profile {
    /// The problems of the `[microbiology]` section, each with its key
    /// (`microbiology.test_code`).
    pub(super) fn microbiology_problems(&self) -> Vec<ProfileError> {
        let Some(m) = &self.microbiology else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if self.protocol != MessageProtocol::Astm {
            out.push(self.invalid(
                "microbiology",
                "isolates are read from ASTM (LIS2-A) order and comment records only",
            ));
        }
        if !m.test_code.contains(ISOLATE_PLACEHOLDER) {
            out.push(self.invalid(
                "microbiology.test_code",
                "must hold `{isolate}`, else a second isolate of a specimen would overwrite the \
                 first",
            ));
        }
        if m.organism_comment.trim().is_empty() {
            out.push(self.invalid(
                "microbiology.organism_comment",
                "name the comment that carries the organism (`FINALID`)",
            ));
        }
        for (key, rules) in [
            ("microbiology.mic_rows", &m.mic_rows),
            ("microbiology.interpretation_rows", &m.interpretation_rows),
        ] {
            if rules.is_empty() {
                out.push(self.invalid(key, "at least one rule is needed"));
            }
        }
        for (word, code) in &m.interpretations {
            if Interpretation::from_code(code).is_none() {
                out.push(self.invalid(
                    "microbiology.interpretations",
                    format!("`{word}` maps to `{code}`; use S, I or R (leave out a word that is no interpretation)"),
                ));
            }
        }
        if m.isolate.0.is_empty() || m.antibiotic.0.is_empty() {
            out.push(self.invalid(
                "microbiology",
                "`isolate` and `antibiotic` need at least one location",
            ));
        }
        let mut all: Vec<(&str, Location, char)> = Vec::new();
        let mut add = |key: &'static str, list: &Locations, want: char| {
            all.extend(list.0.iter().map(|l| (key, l.clone(), want)));
        };
        add("microbiology.isolate", &m.isolate, 'O');
        add("microbiology.antibiotic", &m.antibiotic, 'R');
        add("microbiology.antibiotic_name", &m.antibiotic_name, 'R');
        add("microbiology.detail_name", &m.detail_name, 'R');
        for (key, list) in [
            ("microbiology.mic", &m.mic),
            ("microbiology.interpretation", &m.interpretation),
            ("microbiology.detail_value", &m.detail_value),
        ] {
            if let Some(list) = list {
                add(key, list, 'R');
            }
        }
        if let Some(list) = &m.status {
            add("microbiology.status", list, 'O');
        }
        all.push(("microbiology.organism_code", m.organism_code_at(), 'C'));
        all.push(("microbiology.organism_name", m.organism_name_at(), 'C'));
        for (key, rules) in [
            ("microbiology.mic_rows", &m.mic_rows),
            ("microbiology.interpretation_rows", &m.interpretation_rows),
            ("microbiology.details", &m.details),
        ] {
            all.extend(rules.iter().map(|r| (key, r.field.clone(), 'R')));
        }
        for (key, l, want) in all {
            for reason in self.location_problems(&l) {
                out.push(self.invalid(key, reason));
            }
            if !l.segment.starts_with(want) || l.segment.len() != 1 {
                out.push(self.invalid(key, format!("`{l}`: read in the {want} record here")));
            }
        }
        out
    }
}
