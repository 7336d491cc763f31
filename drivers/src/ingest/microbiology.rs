//! Microbiology isolates (the profile's `[microbiology]` section, ASTM): every O record of the
//! same specimen and isolate label in a message adds to one isolate, which becomes one
//! reportable observation (its value the organism, its test code the section's `test_code` with
//! the label) carrying the susceptibility panel and, as supplementary values, its detail rows.
//!
//! An isolate without the organism comment is still reported (its panel is never dropped), with
//! a problem of the reading naming the specimen and isolate; a MIC or interpretation row without
//! an antibiotic code is a problem naming the row.

use lis_core::model::{Isolate, Observation, Supplement, Susceptibility};

use super::supplementary::RowReader;
use super::Reading;
use crate::profile::microbiology::comment_at;
use crate::profile::{Locations, MicrobiologySection, Profile};

/// One isolate being read.
struct Entry {
    specimen: String,
    status: String,
    isolate: Isolate,
    details: Vec<Supplement>,
}

/// The isolates of one message, in the order their first O record came.
pub(crate) struct Isolates<'p> {
    section: &'p MicrobiologySection,
    profile: &'p Profile,
    entries: Vec<Entry>,
    /// The isolate of the O record in scope, if it is one.
    current: Option<usize>,
}

impl<'p> Isolates<'p> {
    pub(crate) fn new(section: &'p MicrobiologySection, profile: &'p Profile) -> Self {
        Self {
            section,
            profile,
            entries: Vec::new(),
            current: None,
        }
    }

    /// A new O record (the reader's scope has it): the isolate it names becomes current. A QC
    /// order or one without a specimen id names none.
    pub(crate) fn order(&mut self, reader: &impl RowReader) {
        self.current = None;
        if self.profile.qc.iter().any(|r| reader.matches(r)) {
            return;
        }
        let specimen = reader.first(&self.profile.specimen);
        if specimen.is_empty() {
            return;
        }
        let label = reader.first(&self.section.isolate);
        let status = self
            .section
            .status
            .as_ref()
            .map(|s| reader.first(s))
            .unwrap_or_default();
        let found = self
            .entries
            .iter()
            .position(|e| e.specimen == specimen && e.isolate.label == label);
        let index = found.unwrap_or_else(|| {
            self.entries.push(Entry {
                specimen,
                status: String::new(),
                isolate: Isolate {
                    label,
                    ..Isolate::default()
                },
                details: Vec::new(),
            });
            self.entries.len() - 1
        });
        if let Some(entry) = self.entries.get_mut(index) {
            if !status.is_empty() {
                entry.status = status;
            }
        }
        self.current = Some(index);
    }

    /// A C record of the current O (before its R records): the organism, when it is the
    /// organism comment.
    pub(crate) fn comment(&mut self, reader: &impl RowReader) {
        let Some(entry) = self.current.and_then(|i| self.entries.get_mut(i)) else {
            return;
        };
        let kind = reader.first(&Locations(vec![comment_at(1)]));
        if !kind.eq_ignore_ascii_case(self.section.organism_comment.trim()) {
            return;
        }
        let code = reader.first(&Locations(vec![self.section.organism_code_at()]));
        let name = reader.first(&Locations(vec![self.section.organism_name_at()]));
        if !code.is_empty() || !name.is_empty() {
            entry.isolate.organism_code = code;
            entry.isolate.organism_name = name;
        }
    }

    /// An R record of the current O: whether it belongs to the isolate (MIC, interpretation or
    /// detail row), read into it.
    pub(crate) fn row(
        &mut self,
        reader: &impl RowReader,
        row: &str,
        reading: &mut Reading,
    ) -> bool {
        let section = self.section;
        let profile = self.profile;
        let Some(entry) = self.current.and_then(|i| self.entries.get_mut(i)) else {
            return false;
        };
        let all = |rules: &[crate::profile::Rule]| {
            !rules.is_empty() && rules.iter().all(|r| reader.matches(r))
        };
        let is_mic = all(&section.mic_rows);
        let is_interpretation = !is_mic && all(&section.interpretation_rows);
        if is_mic || is_interpretation {
            let code = reader.first(&section.antibiotic);
            if code.is_empty() {
                reading.problems.push(format!(
                    "{row}: a {} row without an antibiotic code",
                    if is_mic { "MIC" } else { "interpretation" }
                ));
                return true;
            }
            let rows = &mut entry.isolate.susceptibilities;
            let index = match rows
                .iter()
                .position(|s| s.antibiotic_code.eq_ignore_ascii_case(&code))
            {
                Some(i) => i,
                None => {
                    rows.push(Susceptibility {
                        antibiotic_code: code,
                        antibiotic_name: reader.first(&section.antibiotic_name),
                        ..Susceptibility::default()
                    });
                    rows.len() - 1
                }
            };
            let Some(s) = rows.get_mut(index) else {
                return true;
            };
            if is_mic {
                let at = section.mic.clone().unwrap_or_else(|| profile.value_at());
                s.mic = reader.first(&at);
            } else {
                let at = section
                    .interpretation
                    .clone()
                    .unwrap_or_else(|| profile.value_at());
                let word = reader.first(&at);
                s.interpretation = section.interpretation_of(&word);
                s.interpretation_sent = word;
            }
            return true;
        }
        if section.details.iter().any(|r| reader.matches(r)) {
            let at = section
                .detail_value
                .clone()
                .unwrap_or_else(|| profile.value_at());
            let name = reader.first(&section.detail_name);
            let value = reader.first(&at);
            if value.is_empty() {
                // An ID panel with fewer candidates sends `ORG3|^^`: nothing to keep.
                reading.skipped.push(super::SkippedRow {
                    row: row.to_owned(),
                    code: name,
                    reason: "an isolate's detail row without a value".to_owned(),
                });
                return true;
            }
            entry.details.push(Supplement {
                name,
                value,
                units: String::new(),
                flags: Vec::new(),
            });
            return true;
        }
        false
    }

    /// Every isolate read, as one observation each.
    pub(crate) fn finish(self, reading: &mut Reading) {
        for entry in self.entries {
            let Entry {
                specimen,
                status,
                isolate,
                details,
            } = entry;
            if isolate.organism().is_empty() {
                reading.problems.push(format!(
                    "specimen {specimen} isolate {:?}: no organism (no C record `{}`); the \
                     isolate is reported without one",
                    isolate.label, self.section.organism_comment
                ));
            }
            if isolate.label.is_empty() {
                reading.problems.push(format!(
                    "specimen {specimen}: an isolate without a label at {}",
                    isolate_at(&self.section.isolate)
                ));
            }
            reading.observations.push(Observation {
                specimen_id: specimen,
                instrument_test_code: self.section.isolate_code(&isolate.label),
                value: isolate.organism().to_owned(),
                status: self.profile.map_status(&status),
                supplementary: details,
                isolate: Some(isolate),
                ..Observation::default()
            });
        }
    }
}

fn isolate_at(locs: &Locations) -> String {
    locs.0
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
