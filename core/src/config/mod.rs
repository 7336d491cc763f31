//! The lab's configuration: one TOML file with the test catalog, reference ranges, rules and
//! instruments.
//!
//! [`LabConfig::from_toml_str`] reads and validates a whole file and reports every problem it
//! finds, each with its key path (`tests[3].ranges[1].age_max_days`) and line number, so a bad
//! file never half-starts the system. [`DEFAULT_LAB_TOML`] is a realistic hospital lab that ships
//! in the binary (`lis config example` prints it).
//!
//! Sections this crate does not interpret are kept as opaque TOML tables for their owners:
//! `[instruments.connection]` for the drivers, `[his]` for the HIS integration and `[http]` for the web
//! layer. `[qc]` (control materials, lots, targets and Westgard rules) is read into [`QcConfig`]
//! over the pure QC model of [`crate::qc`].

mod catalog;
mod errors;
mod locate;
mod qc;
mod review;
mod validate;

use std::collections::HashMap;

use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use sha2::Digest;

pub use catalog::{
    AutoverificationSection, DeltaKind, DeltaRule, InstrumentDef, LabSection, MeasurementRange,
    RangeDef, RangeSex, ReflexRule, ReflexWhen, ResultKind, RuleName, Section, TestDef,
    TestMapEntry,
};
pub use errors::{ConfigError, ConfigErrors};
pub use qc::{QcConfig, QcTestSettings, DEFAULT_RUN_WINDOW_MINUTES, MAX_RUN_WINDOW_MINUTES};
pub use review::{Language, ReviewSection, ReviewSteps, UiSection, UnknownLanguage};

/// The embedded default lab: a provincial hospital lab with a complete blood count, a chemistry
/// panel, immunoassays and urinalysis, and demo analyzers whose codes equal the LIS codes.
pub const DEFAULT_LAB_TOML: &str = include_str!("default_lab.toml");

/// The file as written: the shape serde reads before the semantic checks.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LabFile {
    lab: LabSection,
    #[serde(default)]
    autoverification: AutoverificationSection,
    #[serde(default)]
    tests: Vec<TestDef>,
    #[serde(default)]
    instruments: Vec<InstrumentDef>,
    #[serde(default)]
    his: Option<toml::Table>,
    #[serde(default)]
    review: ReviewSection,
    #[serde(default)]
    ui: UiSection,
    #[serde(default)]
    http: Option<toml::Table>,
    #[serde(default)]
    qc: qc::QcFile,
}

/// A validated lab configuration.
///
/// Built only by [`LabConfig::from_toml_str`] or [`LabConfig::embedded_default`], so every value
/// in it passed validation: test codes are unique, every instrument code maps to a catalog test,
/// ranges are ordered and the time zone exists.
#[derive(Debug, Clone)]
pub struct LabConfig {
    /// The `[lab]` section.
    pub lab: LabSection,
    /// The `[autoverification]` section: the rule set every test's autoverification applies.
    pub autoverification: AutoverificationSection,
    /// The test catalog, in file order.
    pub tests: Vec<TestDef>,
    /// The instruments, in file order.
    pub instruments: Vec<InstrumentDef>,
    /// The `[his]` section, opaque here; the HIS integration reads it.
    pub his: Option<toml::Table>,
    /// The `[review]` section: one or two review steps, separation of duties.
    pub review: ReviewSection,
    /// The `[ui]` section: session lifetimes.
    pub ui: UiSection,
    /// The `[http]` section, opaque here; the web layer reads it (TLS files, limits).
    pub http: Option<toml::Table>,
    /// The `[qc]` section: control materials, lots, targets, Westgard rules per test, the run
    /// window, and the instruments' QC specimen-id patterns.
    pub qc: QcConfig,
    /// Where the text came from (a path or `<embedded default>`), for messages.
    pub source_name: String,
    /// SHA-256 of the source text, hex, recorded in the audit log when the config changes.
    pub source_sha256: String,
    time_zone: TimeZone,
    test_index: HashMap<String, usize>,
    instrument_index: HashMap<String, usize>,
}

impl LabConfig {
    /// Reads and validates a lab configuration.
    ///
    /// Returns every problem found (syntax, types, unknown keys, semantic rules), each with key
    /// path and line number; `source_name` is used in the messages.
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<Self, ConfigErrors> {
        let file = errors::deserialize(text, source_name)?;
        let mut problems = validate::check(&file);
        let qc = qc::build(&file.qc, &file.tests, &file.instruments, &mut problems);
        if !problems.is_empty() {
            return Err(ConfigErrors::located(problems, text, source_name));
        }
        // Validation proved the time zone resolves; a failure here is still reported, not unwrapped.
        let time_zone = TimeZone::get(&file.lab.timezone).map_err(|e| {
            ConfigErrors::located(
                vec![(
                    String::from("lab.timezone"),
                    format!("unknown time zone: {e}"),
                )],
                text,
                source_name,
            )
        })?;
        let test_index = file
            .tests
            .iter()
            .enumerate()
            .map(|(i, t)| (t.code.clone(), i))
            .collect();
        let instrument_index = file
            .instruments
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.clone(), i))
            .collect();
        Ok(Self {
            lab: file.lab,
            autoverification: file.autoverification,
            tests: file.tests,
            instruments: file.instruments,
            his: file.his,
            review: file.review,
            ui: file.ui,
            http: file.http,
            qc,
            source_name: source_name.to_owned(),
            source_sha256: crate::audit::hex(&sha2::Sha256::digest(text.as_bytes())),
            time_zone,
            test_index,
            instrument_index,
        })
    }

    /// The embedded default lab ([`DEFAULT_LAB_TOML`]).
    pub fn embedded_default() -> Result<Self, ConfigErrors> {
        Self::from_toml_str(DEFAULT_LAB_TOML, "<embedded default>")
    }

    /// The lab's time zone, used to read analyzers' local date-times and to compute ages.
    pub fn time_zone(&self) -> &TimeZone {
        &self.time_zone
    }

    /// The catalog test with this LIS code.
    pub fn test(&self, code: &str) -> Option<&TestDef> {
        self.test_index.get(code).and_then(|&i| self.tests.get(i))
    }

    /// The instrument with this id.
    pub fn instrument(&self, id: &str) -> Option<&InstrumentDef> {
        self.instrument_index
            .get(id)
            .and_then(|&i| self.instruments.get(i))
    }

    /// Maps an instrument's test code to the catalog test and the unit conversion factor
    /// (1.0 when none is configured).
    pub fn map_instrument_code(
        &self,
        instrument: &str,
        instrument_code: &str,
    ) -> Option<(&TestDef, f64)> {
        let inst = self.instrument(instrument)?;
        let entry = inst
            .test_map
            .iter()
            .find(|m| m.code == instrument_code.trim())?;
        Some((self.test(&entry.test)?, entry.factor.unwrap_or(1.0)))
    }

    /// The catalog test and the test-map entry for an instrument's code.
    pub fn instrument_mapping(
        &self,
        instrument: &str,
        instrument_code: &str,
    ) -> Option<(&TestDef, &TestMapEntry)> {
        let entry = self
            .instrument(instrument)?
            .test_map
            .iter()
            .find(|m| m.code == instrument_code.trim())?;
        Some((self.test(&entry.test)?, entry))
    }

    /// The instrument's code for a catalog test, for host queries and order downloads.
    pub fn instrument_code_for(&self, instrument: &str, lis_code: &str) -> Option<&str> {
        self.instrument(instrument)?
            .test_map
            .iter()
            .find(|m| m.test == lis_code)
            .map(|m| m.code.as_str())
    }
}

#[cfg(test)]
mod tests;
