//! Analyzer profiles: what one analyzer model sends where, as data.
//!
//! A profile names the protocol and framing, where the specimen id and the test code are read
//! (see [`location`] for the `O-4.3` notation), which rows are results at all, which are QC, how
//! flags and statuses map, how host queries are answered, and how the simulator behaves. An
//! analyzer that follows the standard needs only a profile; code is written only for what is truly
//! proprietary. Mapping instrument test codes to LIS codes is core's (the instrument's `test_map`).
//!
//! Profiles are embedded ([`ProfileSet::embedded`], from `drivers/profiles/*.toml`) and the lab
//! may add or override its own ([`ProfileSet::load_dir`]).

pub mod check;
mod embedded;
pub mod graph;
pub mod location;
pub mod microbiology;
mod problems;
pub mod supplementary;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

pub use embedded::EMBEDDED;
pub use graph::{GraphEncoding, GraphKind, GraphRule};
pub use location::{Location, LocationError, Locations};
pub use microbiology::MicrobiologySection;
pub use supplementary::SupplementaryRule;

/// A profile that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// The TOML does not read as a profile (syntax, unknown key, wrong type).
    #[error("profile {source_name}: {message}")]
    Toml {
        /// File name or `embedded:<name>`.
        source_name: String,
        /// What and where, from the TOML reader (key path and line).
        message: String,
    },
    /// The profile reads but contradicts itself.
    #[error("profile {profile}: `{field}`: {reason}")]
    Invalid {
        /// The profile's name.
        profile: String,
        /// The key at fault.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// A profile file or directory could not be read.
    #[error("profile file {path}: {message}")]
    Io {
        /// The path.
        path: String,
        /// The IO error.
        message: String,
    },
}

/// The message family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageProtocol {
    /// ASTM E1394 / CLSI LIS2-A2 records.
    Astm,
    /// HL7 v2.
    Hl7,
    /// A vendor's own protocol (`lis-vendor`), the framing names which. The vendor text framings
    /// (`advia`, `vidas`, `spotchem`) fix their layout there, so the profile names no locations;
    /// the `dimension` and `sysmex-text` profiles locate values in the decoder's records (`R-3`,
    /// `T-2`: see `crate::ingest::vendor`).
    Vendor,
}

/// The record a fixed-layout framing's measurement is read as by `keep`/`skip` and
/// `[[supplementary]]` rules: `M-1` specimen id, `M-2` test code, `M-3` value, `M-4` units,
/// `M-5` and `M-6` the flags (the mini VIDAS's interpretation and `nc`).
pub const FIXED_LAYOUT_RECORD: &str = "M";

/// How messages travel on the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Framing {
    /// ASTM E1381 / LIS1-A frames with ENQ/ACK/EOT.
    E1381,
    /// Bare E1394 records on a TCP stream, no link layer, no acknowledgement.
    Raw,
    /// HL7 MLLP blocks.
    Mllp,
    /// Siemens ADVIA 120/2120 "Host Spec 79" blocks ([`lis_vendor::advia`]).
    Advia,
    /// bioMérieux mini VIDAS BCI messages ([`lis_vendor::vidas`]).
    Vidas,
    /// Arkray Spotchem EL printer text ([`lis_vendor::spotchem`]).
    Spotchem,
    /// A urine test-strip reader's printout ([`lis_vendor::urine_strip`]).
    #[serde(rename = "urine-strip")]
    UrineStrip,
    /// The Siemens Dimension LIS protocol (`lis_vendor::dimension`).
    Dimension,
    /// Sysmex class A text, `D1U`/`D2U` blocks (`lis_vendor::sysmex_text`).
    #[serde(rename = "sysmex-text")]
    SysmexText,
}

impl Framing {
    /// The connection `protocol` a link with this framing uses.
    pub fn link_protocol(self) -> crate::config::Protocol {
        match self {
            Self::E1381 => crate::config::Protocol::AstmE1381,
            Self::Raw => crate::config::Protocol::AstmRaw,
            Self::Mllp => crate::config::Protocol::Hl7Mllp,
            Self::Advia => crate::config::Protocol::Advia,
            Self::Vidas => crate::config::Protocol::Vidas,
            Self::Spotchem => crate::config::Protocol::Spotchem,
            Self::UrineStrip => crate::config::Protocol::UrineStrip,
            Self::Dimension => crate::config::Protocol::Dimension,
            Self::SysmexText => crate::config::Protocol::SysmexText,
        }
    }

    /// The name a profile file gives it (`framing = "sysmex-text"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::E1381 => "e1381",
            Self::Raw => "raw",
            Self::Mllp => "mllp",
            Self::Advia => "advia",
            Self::Vidas => "vidas",
            Self::Spotchem => "spotchem",
            Self::UrineStrip => "urine-strip",
            Self::Dimension => "dimension",
            Self::SysmexText => "sysmex-text",
        }
    }

    /// Whether a `lis-vendor` decoder fixes where everything is (the vendor text framings:
    /// ADVIA, mini VIDAS, Spotchem, urine strip), so a profile names no locations.
    pub fn fixed_layout(self) -> bool {
        matches!(
            self,
            Self::Advia | Self::Vidas | Self::Spotchem | Self::UrineStrip
        )
    }
}

/// How an analyzer model is normally connected to the LIS.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UsualConnection {
    /// A LAN connection (either side may listen; the instrument's `[connection]` says which).
    #[default]
    Tcp,
    /// An RS-232 line.
    Serial,
}

/// How E1381 frames look on this analyzer's line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FrameFormat {
    /// Frame number, text, checksum, CR LF [LIS1-A §6.3].
    #[default]
    Standard,
    /// `<STX>` the whole message `<ETX>`, no frame number and no checksum (Snibe MAGLUMI).
    Bare,
}

impl From<FrameFormat> for lis_astm::frame::FrameFormat {
    fn from(f: FrameFormat) -> Self {
        match f {
            FrameFormat::Standard => Self::Standard,
            FrameFormat::Bare => Self::Bare,
        }
    }
}

/// A condition on one value of a row (or of the record/segment before it that the location names).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Where the value is.
    pub field: Location,
    /// The rule matches when the trimmed value is one of these (compared ignoring ASCII case).
    #[serde(default)]
    pub equals: Vec<String>,
    /// The rule matches when the trimmed value starts with one of these.
    #[serde(default)]
    pub starts_with: Vec<String>,
    /// The rule matches when the trimmed value ends with one of these (Galileo's reportable rows
    /// are the `... Interp` tests).
    #[serde(default)]
    pub ends_with: Vec<String>,
}

/// O records that carry a result themselves, with no R record after them (the Mindray BS-240
/// sends a QC result so, its value packed in O-12). ASTM only.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderResult {
    /// An O record is a result row when every one of these matches (`H-12` = `QR`); at least one.
    pub when: Vec<Rule>,
    /// Where the test code is (`O-5.1`); `code_before` applies.
    pub test_code: Locations,
    /// Where the value is (`O-12.8`).
    pub value: Locations,
    /// Where the units are, when the analyzer sends them there.
    #[serde(default)]
    pub units: Option<Locations>,
    /// Where the time of measurement is (`O-7`).
    #[serde(default)]
    pub observed_at: Option<Locations>,
}

/// How a host query is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum AnswerForm {
    /// ASTM: H, P and O records with O-26 `Q`, `L|1|F` (LIS2-A2 §11, §8.4.26).
    #[default]
    Orders,
    /// HL7 RSP^K11 (IHE LAW LAB-27).
    RspK11,
    /// HL7 OML^O33 after the query's ACK.
    OmlO33,
    /// HL7 QCK^Q02 then DSR^Q03 (the Mindray legacy dialect).
    QckDsr,
    /// The Siemens Dimension sample request (`D`), or no request (`N`).
    SampleRequest,
}

/// How "no orders for this specimen" is said in ASTM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum NoInformation {
    /// `L|1|I` (LIS2-A2 §12.3).
    #[default]
    TerminationCode,
    /// An O record with O-26 `Y`.
    NoOrder,
    /// An O record with O-26 `Z`.
    NoPatient,
}

/// Host query settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuerySettings {
    /// Whether the analyzer sends host queries at all.
    #[serde(default)]
    pub supported: bool,
    /// Where the queried specimen id is (ASTM `Q-3.2`; HL7 `QPD-3`, `QRD-8`).
    #[serde(default)]
    pub specimen: Locations,
    /// The answer's form.
    #[serde(default)]
    pub answer: AnswerForm,
    /// ASTM "no information" form.
    #[serde(default)]
    pub no_information: NoInformation,
    /// Whether pending orders may be downloaded to the analyzer in batch.
    #[serde(default)]
    pub download: bool,
    /// Text appended to a test code in an order (`/` for cobas `685/`).
    #[serde(default)]
    pub code_suffix: String,
}

impl Default for QuerySettings {
    fn default() -> Self {
        Self {
            supported: false,
            specimen: Locations::default(),
            answer: AnswerForm::Orders,
            no_information: NoInformation::TerminationCode,
            download: false,
            code_suffix: String::new(),
        }
    }
}

/// One test the simulator measures.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulatedTest {
    /// The instrument's test code, as the profile's `test_code` location reads it.
    pub code: String,
    /// Units sent (a model that sends none, the ADVIA 2120, gives here the unit its value is in).
    #[serde(default)]
    pub units: String,
    /// Low end of the generated values.
    #[serde(default)]
    pub low: f64,
    /// High end of the generated values.
    #[serde(default)]
    pub high: f64,
    /// For a qualitative test: the words the analyzer sends (one is chosen per result) instead
    /// of a number between `low` and `high`.
    #[serde(default)]
    pub texts: Vec<String>,
    /// Decimals sent.
    #[serde(default)]
    pub decimals: u8,
}

/// What the simulator sends besides results.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SimulatorSettings {
    /// ASTM H-5 / HL7 MSH-3 sender name.
    #[serde(default)]
    pub sender: String,
    /// HL7 version in MSH-12 (`2.3.1`).
    #[serde(default)]
    pub hl7_version: String,
    /// The tests, in the order the analyzer sends them.
    #[serde(default)]
    pub tests: Vec<SimulatedTest>,
    /// A microbiology system's antibiotics, sent in each isolate's panel (`texts`: the
    /// interpretation words; `low`/`high`: the MICs sent for S and R).
    #[serde(default)]
    pub antibiotics: Vec<SimulatedTest>,
    /// Tests the analyzer also performs when the LIS asks for them (a host query), but does not
    /// send in a run without queries.
    #[serde(default)]
    pub on_request: Vec<SimulatedTest>,
    /// How the analyzer asks: `qbp` (QBP^Q11) or `qry` (QRY^Q02) for HL7; ASTM always sends a Q
    /// record.
    #[serde(default)]
    pub hl7_query: String,
    /// ASTM H-12 processing id of result messages (`P`; Mindray BS: `PR`).
    #[serde(default)]
    pub processing_id: String,
    /// ASTM H-2, the repeat, component and escape delimiters the analyzer declares (GeneXpert:
    /// `@^\`); empty for the standard `\^&`. The simulator writes components with `^`, so the
    /// component delimiter must be `^`.
    #[serde(default)]
    pub delimiters: String,
}

/// One analyzer model.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The name instruments refer to (`sysmex-xn`).
    pub name: String,
    /// The analyzer model(s), for people.
    #[serde(default)]
    pub model: String,
    /// `hematology`, `chemistry`, `immunoassay`...
    #[serde(default)]
    pub discipline: String,
    /// The message family.
    pub protocol: MessageProtocol,
    /// The framing on the line.
    pub framing: Framing,
    /// Character set of the messages (`utf-8` or `latin1`); bytes that are not UTF-8 are read as
    /// Latin-1 in any case (LIS2-A2 §5.1).
    #[serde(default = "default_charset")]
    pub charset: String,
    /// Longest frame the LIS sends, the 7 E1381 overhead characters included (247 for E1381-95
    /// analyzers) [LIS1-A §6.3.1].
    #[serde(default = "default_max_frame_len")]
    pub max_frame_len: usize,
    /// How E1381 frames look, both ways (`standard`, or `bare` for analyzers that send no frame
    /// number and no checksum).
    #[serde(default)]
    pub frame_format: FrameFormat,
    /// Where the specimen id is; the first non-empty value is used (none for a vendor protocol).
    #[serde(default)]
    pub specimen: Locations,
    /// Where the instrument's test code is; the first non-empty value is used (none for a vendor
    /// protocol).
    #[serde(default)]
    pub test_code: Locations,
    /// The code is cut at the first occurrence of this text (`/` turns cobas `685/` into `685`).
    #[serde(default)]
    pub code_before: Option<String>,
    /// Where the value is (default `R-4.1` / `OBX-5.1`).
    #[serde(default)]
    pub value: Option<Locations>,
    /// The value is cut at the first occurrence of this text, escapes already decoded (cobas IT
    /// middleware writes OBX-5 as `34\S\` or `1\S\2.14`: `^` then `34` or `1`).
    #[serde(default)]
    pub value_before: Option<String>,
    /// The character the analyzer groups thousands with (Abbott m2000: `90,410` copies/mL). It is
    /// removed from a value written as digit groups of three (`90,410`, `1,234,567.5`), so the
    /// value is not read as a decimal comma; any other value is kept as sent.
    #[serde(default)]
    pub digit_grouping: Option<char>,
    /// Where the units are (default `R-5` / `OBX-6.1`).
    #[serde(default)]
    pub units: Option<Locations>,
    /// Where the reference range is (default `R-6` / `OBX-7`).
    #[serde(default)]
    pub reference_range: Option<Locations>,
    /// Where the analyzer's flags are (default `R-7` / `OBX-8.1`). Every location is read, each
    /// repeat of it, and the flags found are all kept: a Beckman DxH sends `A` in R-7 and the
    /// high/low letter inside the value (`146!  H `, `R-4.2`). A vendor profile with locations
    /// names its own (Dimension `T-4`, the error code; Sysmex class A `P-4`, the flag digit).
    #[serde(default)]
    pub flags: Option<Locations>,
    /// Where the result status is (default `R-9` / `OBX-11`).
    #[serde(default)]
    pub status: Option<Locations>,
    /// Where the time of measurement is (default `R-13` / `OBX-14`, `OBR-7`).
    #[serde(default)]
    pub observed_at: Option<Locations>,
    /// Where the operator is (default `R-11` / `OBX-16`).
    #[serde(default)]
    pub operator: Option<Locations>,
    /// Where the QC material's lot is on QC rows, when the analyzer sends it (ABL90: `O-15.2`).
    #[serde(default)]
    pub qc_lot: Option<Locations>,
    /// Where the QC level is on QC rows, when the analyzer sends it (ABL90: `O-15.1`).
    #[serde(default)]
    pub qc_level: Option<Locations>,
    /// The analyzer's QC level words to the level numbers core keeps (BC-5380: `L` to `1`, `M`
    /// to `2`, `H` to `3`); unlisted levels pass as sent.
    #[serde(default)]
    pub qc_level_map: BTreeMap<String, String>,
    /// O records that are result rows themselves (ASTM; Mindray BS-240 QC).
    #[serde(default)]
    pub order_result: Option<OrderResult>,
    /// How the model is normally connected (`serial` for RS-232, default `tcp`).
    #[serde(default)]
    pub connection: UsualConnection,
    /// Only rows matching every one of these are results (Architect: `R-3.11` = `F`).
    #[serde(default)]
    pub keep: Vec<Rule>,
    /// Rows matching any of these are not results (settings, histograms, images).
    #[serde(default)]
    pub skip: Vec<Rule>,
    /// Rows matching any of these are QC (H-12 `Q`, MSH-11 `Q`, SPM-11 `Q`...).
    #[serde(default)]
    pub qc: Vec<Rule>,
    /// Rows left out by `keep`/`skip` that are supplementary values of the reportable row of
    /// the same specimen and test (RLU, cut-off, Ct, reaction grades); see [`supplementary`].
    #[serde(default)]
    pub supplementary: Vec<SupplementaryRule>,
    /// Rows that carry a graph or an image (histograms, scattergrams, image files), read as
    /// graphs and stored with the run; see [`graph`].
    #[serde(default)]
    pub graph: Vec<GraphRule>,
    /// A microbiology ID/AST system's isolates and susceptibility panels; see [`microbiology`].
    #[serde(default)]
    pub microbiology: Option<MicrobiologySection>,
    /// Analyzer flag to the flag core stores (`LL` to `L`); unlisted flags pass as sent.
    #[serde(default)]
    pub flag_map: BTreeMap<String, String>,
    /// Analyzer result status to the one core stores; unlisted pass as sent.
    #[serde(default)]
    pub status_map: BTreeMap<String, String>,
    /// Host query and download.
    #[serde(default)]
    pub query: QuerySettings,
    /// The analyzer simulator.
    #[serde(default)]
    pub simulator: SimulatorSettings,
    /// Free text on the model's quirks.
    #[serde(default)]
    pub quirks: Vec<String>,
}

fn default_charset() -> String {
    "utf-8".to_owned()
}

fn default_max_frame_len() -> usize {
    247
}

impl Profile {
    /// Reads and validates one profile.
    pub fn from_toml(text: &str, source_name: &str) -> Result<Self, ProfileError> {
        let profile: Self = toml::from_str(text).map_err(|e| ProfileError::Toml {
            source_name: source_name.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        profile.validate()?;
        Ok(profile)
    }

    fn invalid(&self, field: &str, reason: impl Into<String>) -> ProfileError {
        ProfileError::Invalid {
            profile: self.name.clone(),
            field: field.to_owned(),
            reason: reason.into(),
        }
    }

    /// Checks that the parts agree: framing fits the protocol, locations name records of the
    /// protocol, the specimen and test code are located. The first problem; [`Self::problems`]
    /// gives them all.
    pub fn validate(&self) -> Result<(), ProfileError> {
        match self.problems().into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }

    /// Why a row is not a result under the `keep` and `skip` rules (`None`: it is one), given
    /// whether each rule matches the row.
    pub fn rule_out(&self, matches: impl Fn(&Rule) -> bool) -> Option<String> {
        if let Some(rule) = self.keep.iter().find(|r| !matches(r)) {
            return Some(format!("keep rule not met: {rule}"));
        }
        self.skip
            .iter()
            .find(|r| matches(r))
            .map(|rule| format!("skip rule matched: {rule}"))
    }

    /// The value locations, with the protocol's default.
    pub(crate) fn value_at(&self) -> Locations {
        self.value
            .clone()
            .unwrap_or_else(|| self.default(&["R-4.1"], &["OBX-5.1"], &["M-3"]))
    }

    pub(crate) fn units_at(&self) -> Locations {
        self.units
            .clone()
            .unwrap_or_else(|| self.default(&["R-5"], &["OBX-6.1"], &["M-4"]))
    }

    pub(crate) fn range_at(&self) -> Locations {
        self.reference_range
            .clone()
            .unwrap_or_else(|| self.default(&["R-6"], &["OBX-7"], &[]))
    }

    pub(crate) fn flags_at(&self) -> Locations {
        self.flags
            .clone()
            .unwrap_or_else(|| self.default(&["R-7"], &["OBX-8.1"], &["M-5", "M-6"]))
    }

    pub(crate) fn status_at(&self) -> Locations {
        self.status
            .clone()
            .unwrap_or_else(|| self.default(&["R-9"], &["OBX-11"], &[]))
    }

    pub(crate) fn observed_at_at(&self) -> Locations {
        self.observed_at
            .clone()
            .unwrap_or_else(|| self.default(&["R-13"], &["OBX-14", "OBR-7"], &[]))
    }

    pub(crate) fn operator_at(&self) -> Locations {
        self.operator
            .clone()
            .unwrap_or_else(|| self.default(&["R-11"], &["OBX-16"], &[]))
    }

    /// The protocol's default location; a vendor profile names its own (none by default), but
    /// a fixed layout's are its measurement record's (`fixed`, see [`FIXED_LAYOUT_RECORD`]).
    fn default(&self, astm: &[&str], hl7: &[&str], fixed: &[&str]) -> Locations {
        match self.protocol {
            MessageProtocol::Astm => Locations::parse(astm),
            MessageProtocol::Hl7 => Locations::parse(hl7),
            MessageProtocol::Vendor if self.framing.fixed_layout() => Locations::parse(fixed),
            MessageProtocol::Vendor => Locations::default(),
        }
    }

    /// Where the specimen id is: the profile's `specimen`, or `M-1` in a fixed layout.
    pub(crate) fn specimen_at(&self) -> Locations {
        if self.framing.fixed_layout() {
            Locations::parse(&["M-1"])
        } else {
            self.specimen.clone()
        }
    }

    /// Where the test code is: the profile's `test_code`, or `M-2` in a fixed layout.
    pub(crate) fn test_code_at(&self) -> Locations {
        if self.framing.fixed_layout() {
            Locations::parse(&["M-2"])
        } else {
            self.test_code.clone()
        }
    }

    /// The analyzer's flag as core stores it.
    pub fn map_flag(&self, flag: &str) -> String {
        self.flag_map
            .get(flag)
            .cloned()
            .unwrap_or_else(|| flag.to_owned())
    }

    /// The analyzer's QC level as core stores it.
    pub fn map_qc_level(&self, level: &str) -> String {
        self.qc_level_map
            .get(level)
            .cloned()
            .unwrap_or_else(|| level.to_owned())
    }

    /// The analyzer's status as core stores it.
    pub fn map_status(&self, status: &str) -> String {
        self.status_map
            .get(status)
            .cloned()
            .unwrap_or_else(|| status.to_owned())
    }

    /// The value with `value_before` and `digit_grouping` applied.
    pub fn clean_value(&self, value: String) -> String {
        let value = match &self.value_before {
            Some(cut) if !cut.is_empty() => match value.split_once(cut.as_str()) {
                Some((before, _)) => before.trim().to_owned(),
                None => value,
            },
            _ => value,
        };
        match self.digit_grouping {
            Some(sep) if is_grouped(&value, sep) => value.chars().filter(|&c| c != sep).collect(),
            _ => value,
        }
    }

    /// The test code with `code_before` applied.
    pub fn cut_code<'a>(&self, code: &'a str) -> &'a str {
        match &self.code_before {
            Some(cut) if !cut.is_empty() => code.split(cut.as_str()).next().unwrap_or(code),
            _ => code,
        }
    }
}

impl fmt::Display for Rule {
    /// `R-3.11 equals F` / `R-3.1 starts with SCAT_, DIST_`, for people.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.field)?;
        if !self.equals.is_empty() {
            write!(f, " equals {}", self.equals.join(", "))?;
        }
        if !self.starts_with.is_empty() {
            if !self.equals.is_empty() {
                f.write_str(" or")?;
            }
            write!(f, " starts with {}", self.starts_with.join(", "))?;
        }
        Ok(())
    }
}

/// Whether `value` is an optional sign or censoring prefix, then one to three digits, then
/// groups of `sep` and three digits (at least one), then optionally `.` and digits.
fn is_grouped(value: &str, sep: char) -> bool {
    let body = value.trim_start_matches(['<', '>', '=', '+', '-']);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if frac.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let mut groups = int.split(sep);
    let lead_ok = groups
        .next()
        .is_some_and(|g| (1..=3).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit()));
    let mut rest = 0;
    for g in groups {
        if g.len() != 3 || !g.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        rest += 1;
    }
    lead_ok && rest > 0
}

impl Rule {
    /// Whether `value` (already trimmed) satisfies the rule.
    pub fn matches(&self, value: &str) -> bool {
        self.equals.iter().any(|e| e.eq_ignore_ascii_case(value))
            || self
                .starts_with
                .iter()
                .any(|p| !p.is_empty() && value.starts_with(p.as_str()))
            || self
                .ends_with
                .iter()
                .any(|p| !p.is_empty() && value.ends_with(p.as_str()))
    }
}

/// The profiles a lab can use, by name.
#[derive(Debug, Clone, Default)]
pub struct ProfileSet {
    profiles: BTreeMap<String, Arc<Profile>>,
}

impl ProfileSet {
    /// The embedded profiles. They are tested, so an error here is a build defect reported as such.
    pub fn embedded() -> Result<Self, ProfileError> {
        let mut set = Self::default();
        for (file, text) in EMBEDDED {
            set.insert(Profile::from_toml(text, &format!("embedded:{file}"))?);
        }
        Ok(set)
    }

    /// Adds (or replaces, by name) a profile.
    pub fn insert(&mut self, profile: Profile) {
        self.profiles
            .insert(profile.name.clone(), Arc::new(profile));
    }

    /// Adds every `*.toml` in `dir` (the lab's own profiles), replacing embedded ones of the same name.
    pub fn load_dir(&mut self, dir: &Path) -> Result<(), ProfileError> {
        let io = |e: std::io::Error| ProfileError::Io {
            path: dir.display().to_string(),
            message: e.to_string(),
        };
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|e| ProfileError::Io {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            let profile = check::check(&text).map_err(|problems| ProfileError::Toml {
                source_name: path.display().to_string(),
                message: problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            })?;
            self.insert(profile);
        }
        Ok(())
    }

    /// The profile named `name`.
    pub fn get(&self, name: &str) -> Option<Arc<Profile>> {
        self.profiles.get(name).cloned()
    }

    /// The names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.profiles.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests;
