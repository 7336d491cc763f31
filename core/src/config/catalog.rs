//! The serde shape of the lab file: catalog tests, ranges, rules and instruments.

use serde::{Deserialize, Serialize};

/// `[lab]`: who the lab is and where it is.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabSection {
    /// The lab's name as printed on reports.
    pub name: String,
    /// IANA time zone of the lab; analyzers' local times are read in it.
    #[serde(default = "default_time_zone")]
    pub timezone: String,
    /// The language of the UI for users who chose none, and of printed words (default `vi`).
    #[serde(default)]
    pub language: super::Language,
    /// The lab's postal address as printed on reports (empty: not printed).
    #[serde(default)]
    pub address: String,
    /// The lab's telephone as printed on reports (empty: not printed).
    #[serde(default)]
    pub phone: String,
    /// A logo printed on reports: a PNG, JPEG or SVG file, relative to the config file's
    /// folder; `lis serve` reads it once at start-up and embeds it in the report.
    #[serde(default)]
    pub logo: Option<String>,
}

fn default_time_zone() -> String {
    String::from("Asia/Ho_Chi_Minh")
}

/// A rule of autoverification (CLSI AUTO10 style); the set in force is data in the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleName {
    /// The analyzer sent a value (not empty, not `-----`).
    ValuePresent,
    /// The unit the analyzer sent is the one its test map expects.
    Unit,
    /// The value is within the reference range for the patient's sex and age.
    ReferenceRange,
    /// The value is not beyond a critical limit.
    Critical,
    /// The value is within the analytical measurement range (censored values fail).
    MeasurementRange,
    /// The change from the patient's previous result is within the delta rule.
    Delta,
    /// The analyzer raised no abnormal or error flag.
    InstrumentFlags,
    /// Quality control for this instrument and test is in control.
    Qc,
    /// The specimen was not rejected.
    SpecimenAcceptable,
}

impl RuleName {
    /// Every rule, in evaluation order.
    pub const ALL: [Self; 9] = [
        Self::ValuePresent,
        Self::Unit,
        Self::SpecimenAcceptable,
        Self::MeasurementRange,
        Self::ReferenceRange,
        Self::Critical,
        Self::Delta,
        Self::InstrumentFlags,
        Self::Qc,
    ];

    /// The rule's name as written in the config and stored in check rows.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ValuePresent => "value_present",
            Self::Unit => "unit",
            Self::ReferenceRange => "reference_range",
            Self::Critical => "critical",
            Self::MeasurementRange => "measurement_range",
            Self::Delta => "delta",
            Self::InstrumentFlags => "instrument_flags",
            Self::Qc => "qc",
            Self::SpecimenAcceptable => "specimen_acceptable",
        }
    }

    /// Reads a stored rule name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// `[autoverification]`: the rules a result must pass to be verified by the system.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoverificationSection {
    /// Rules that must pass (or not apply); a rule left out never holds a result.
    #[serde(default = "default_rules")]
    pub rules: Vec<RuleName>,
    /// Whether an unknown QC state (no QC run recorded) holds a result like an out-of-control one.
    #[serde(default)]
    pub qc_unknown_blocks: bool,
}

impl Default for AutoverificationSection {
    fn default() -> Self {
        Self {
            rules: default_rules(),
            qc_unknown_blocks: false,
        }
    }
}

fn default_rules() -> Vec<RuleName> {
    RuleName::ALL.to_vec()
}

/// The lab section a test belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// Blood counts.
    Hematology,
    /// Clinical chemistry.
    Biochemistry,
    /// Immunoassays and serology.
    Immunology,
    /// Urine strips and sediment.
    Urinalysis,
    /// Coagulation.
    Coagulation,
    /// Anything else.
    Other,
}

impl Section {
    /// Every section, in the order the UI lists them.
    pub const ALL: [Self; 6] = [
        Self::Hematology,
        Self::Biochemistry,
        Self::Immunology,
        Self::Urinalysis,
        Self::Coagulation,
        Self::Other,
    ];

    /// The name as written in the config.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hematology => "hematology",
            Self::Biochemistry => "biochemistry",
            Self::Immunology => "immunology",
            Self::Urinalysis => "urinalysis",
            Self::Coagulation => "coagulation",
            Self::Other => "other",
        }
    }

    /// Reads a name as written in the config.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Turnaround target from receipt to release when a test sets none: one hour for blood
    /// counts, urinalysis and coagulation (analysed within minutes, stability-limited), two hours
    /// for chemistry, four for immunoassays and anything else (longer incubations, batching).
    pub fn default_tat_minutes(self) -> u32 {
        match self {
            Self::Hematology | Self::Urinalysis | Self::Coagulation => 60,
            Self::Biochemistry => 120,
            Self::Immunology | Self::Other => 240,
        }
    }
}

/// Whether a test reports a number or a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultKind {
    /// A quantity with a unit.
    #[default]
    Numeric,
    /// A qualitative result such as `Negative` or `2+`.
    Text,
}

/// The sex a reference range applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum RangeSex {
    /// Male patients.
    #[serde(rename = "M")]
    Male,
    /// Female patients.
    #[serde(rename = "F")]
    Female,
    /// Any patient, including one whose sex is unknown.
    #[default]
    #[serde(rename = "any")]
    Any,
}

/// A reference range for one sex and one age band.
///
/// The age band is `[age_min_days, age_max_days)`: a patient exactly `age_max_days` old is in the
/// next band. A missing `age_max_days` means no upper bound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeDef {
    /// Sex this range applies to.
    #[serde(default)]
    pub sex: RangeSex,
    /// First day of age included.
    #[serde(default)]
    pub age_min_days: u32,
    /// First day of age no longer included; none for no upper bound.
    pub age_max_days: Option<u32>,
    /// Lower reference limit (inclusive); none when only an upper limit exists.
    pub low: Option<f64>,
    /// Upper reference limit (inclusive); none when only a lower limit exists.
    pub high: Option<f64>,
}

/// The analytical measurement range, and the dilution asked for above it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasurementRange {
    /// Lowest value the method reports (inclusive).
    pub low: Option<f64>,
    /// Highest value the method reports (inclusive).
    pub high: Option<f64>,
    /// Dilution factor requested for a rerun above `high`.
    pub dilution: Option<u32>,
}

/// How a delta check measures change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeltaKind {
    /// `|new - previous| > limit` fails.
    Absolute,
    /// `|new - previous| / |previous| * 100 > limit` fails.
    Percent,
}

/// A delta-check rule: the largest plausible change within a time window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeltaRule {
    /// Absolute or percent change.
    pub kind: DeltaKind,
    /// The largest change that passes (inclusive), in the test's unit or percent.
    pub limit: f64,
    /// How far back the previous result may be, in hours (inclusive).
    pub window_hours: u32,
}

/// When a reflex rule fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReflexWhen {
    /// Below the reference range.
    Low,
    /// Above the reference range.
    High,
    /// Below or above the reference range.
    OutOfRange,
    /// A text result not among the normal texts.
    Abnormal,
}

/// A reflex rule: tests added to the order when a result meets a condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReflexRule {
    /// The condition.
    pub when: ReflexWhen,
    /// LIS codes of the tests to add.
    pub add: Vec<String>,
}

/// A catalog test.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestDef {
    /// The LIS code, unique in the catalog.
    pub code: String,
    /// Name in Vietnamese.
    pub name_vi: String,
    /// Name in English.
    pub name_en: String,
    /// LOINC code (`nnnnn-c`, check digit verified).
    pub loinc: Option<String>,
    /// UCUM unit in which the lab reports; empty for text results.
    #[serde(default)]
    pub unit: String,
    /// Decimals reported.
    #[serde(default)]
    pub decimals: u8,
    /// Specimen type (serum, whole_blood_edta, urine, ...).
    pub specimen: String,
    /// Lab section.
    pub section: Section,
    /// Numeric or text.
    #[serde(default)]
    pub kind: ResultKind,
    /// Reference ranges by sex and age band.
    #[serde(default)]
    pub ranges: Vec<RangeDef>,
    /// Text results that count as normal (compared without case), for text tests.
    #[serde(default)]
    pub normal_text: Vec<String>,
    /// Critical low limit: a value strictly below it is critical.
    pub critical_low: Option<f64>,
    /// Critical high limit: a value strictly above it is critical.
    pub critical_high: Option<f64>,
    /// Analytical measurement range.
    pub measurement_range: Option<MeasurementRange>,
    /// Delta-check rule.
    pub delta: Option<DeltaRule>,
    /// Whether a result passing every rule is verified by the system.
    #[serde(default)]
    pub autoverify: bool,
    /// Whether an autoverified result is released to the HIS at once.
    #[serde(default)]
    pub auto_release: bool,
    /// Reflex rules.
    #[serde(default)]
    pub reflex: Vec<ReflexRule>,
    /// Turnaround target in minutes from receipt to release; the section's default when absent
    /// ([`Section::default_tat_minutes`]).
    pub tat_minutes: Option<u32>,
}

impl TestDef {
    /// The turnaround target in minutes: the test's own, else its section's default.
    pub fn tat_minutes(&self) -> u32 {
        self.tat_minutes
            .unwrap_or_else(|| self.section.default_tat_minutes())
    }
}

/// One instrument test code and the catalog test it means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestMapEntry {
    /// The instrument's code.
    pub code: String,
    /// The LIS code.
    pub test: String,
    /// Multiply the instrument's value by this to get the catalog unit (e.g. glucose mg/dL to
    /// mmol/L: 0.0555).
    pub factor: Option<f64>,
    /// The unit the instrument sends for this code. When absent it is the catalog unit if there
    /// is no factor, and unchecked if there is one.
    pub unit: Option<String>,
}

impl TestMapEntry {
    /// The unit the instrument should send, if known.
    pub fn expected_unit<'a>(&'a self, test: &'a TestDef) -> Option<&'a str> {
        match (&self.unit, self.factor) {
            (Some(u), _) => Some(u.as_str()),
            (None, None) => Some(test.unit.as_str()).filter(|u| !u.is_empty()),
            (None, Some(_)) => None,
        }
    }
}

/// An analyzer connected to the LIS.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentDef {
    /// Unique id, used in messages and the journal.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Driver profile name, interpreted by the drivers.
    #[serde(default)]
    pub profile: String,
    /// Transport settings, opaque here; the drivers parse them.
    #[serde(default)]
    pub connection: toml::Table,
    /// Instrument code to LIS code.
    #[serde(default)]
    pub test_map: Vec<TestMapEntry>,
    /// How this instrument's QC specimens are told from patients' by their id, with the level
    /// (`"QC{level}-*"`; the syntax is [`crate::qc::pattern`]'s). Checked when the config loads;
    /// [`super::QcConfig::specimen_pattern`] gives it parsed.
    #[serde(default)]
    pub qc_specimen_pattern: Option<String>,
}
