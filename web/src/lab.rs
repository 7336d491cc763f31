//! Reading the lab config for `lis serve`, `lis config check` and the commands that open the
//! store: core's validation plus every instrument's `connection` section, read by the drivers'
//! [`LinkConfig`] and checked against the embedded analyzer profiles ([`profiles`],
//! [`check_profile`]), with the key path and line of each problem. A config with any problem
//! starts nothing.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use lis_core::config::ConfigErrors;
use lis_core::LabConfig;
use lis_drivers::config::{ConfigError as LinkConfigError, LinkConfig, Protocol};
use lis_drivers::profile::{MessageProtocol, ProfileError, ProfileSet};
use toml::de::{DeTable, DeValue};

/// The name the embedded default config is reported under.
pub const EMBEDDED_SOURCE: &str = "<embedded default>";

/// One problem in a lab config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Key path, e.g. `tests[3].ranges[1].low` or `instruments[0].connection.port`.
    pub path: String,
    /// 1-based line of the key, when found.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

/// Every problem found in a lab config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabProblems {
    /// Where the text came from (a path, or [`EMBEDDED_SOURCE`]).
    pub source_name: String,
    /// The problems, in file order where known.
    pub problems: Vec<Problem>,
}

impl fmt::Display for LabProblems {
    /// One line per problem, `SOURCE:LINE: PATH: MESSAGE`, after a count.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} problem(s) in lab config {}",
            self.problems.len(),
            self.source_name
        )?;
        for p in &self.problems {
            write!(f, "\n  {}", p.located(&self.source_name))?;
        }
        Ok(())
    }
}

impl std::error::Error for LabProblems {}

impl Problem {
    /// `SOURCE:LINE: PATH: MESSAGE` (parts left out when unknown).
    pub fn located(&self, source: &str) -> String {
        let mut s = source.to_owned();
        if let Some(line) = self.line {
            s.push_str(&format!(":{line}"));
        }
        if !self.path.is_empty() {
            s.push_str(&format!(": {}", self.path));
        }
        s.push_str(&format!(": {}", self.message));
        s
    }
}

/// One analyzer link to start: an instrument with a `connection` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkPlan {
    /// The link's name: the instrument id (one link per instrument).
    pub name: String,
    /// The instrument id.
    pub instrument: String,
    /// The connection section, read. Its `trace_dir` defaults to `<data>/traces`.
    pub config: LinkConfig,
}

/// A validated lab: the config, the links it asks for and the analyzer profiles they use.
#[derive(Debug, Clone)]
pub struct Lab {
    /// The lab config.
    pub config: LabConfig,
    /// The links, in instrument order.
    pub links: Vec<LinkPlan>,
    /// The embedded profiles and the lab's own (`[analyzers] profiles_dir`), which replace
    /// embedded ones of the same name.
    pub profiles: Arc<ProfileSet>,
}

/// Reads the lab config at `path`, or the embedded default when `None`, and checks it.
pub fn load(path: Option<&Path>) -> Result<Lab, LabProblems> {
    match path {
        None => check(lis_core::DEFAULT_LAB_TOML, EMBEDDED_SOURCE, None),
        Some(path) => {
            let source = path.display().to_string();
            match std::fs::read_to_string(path) {
                Ok(text) => check(&text, &source, path.parent()),
                Err(e) => Err(LabProblems {
                    source_name: source,
                    problems: vec![Problem {
                        path: String::new(),
                        line: None,
                        message: format!("cannot read the file: {e}"),
                    }],
                }),
            }
        }
    }
}

/// Checks a lab config text: core's rules, the lab's own profiles (`[analyzers] profiles_dir`,
/// relative to `config_dir`, the config file's directory), then every instrument's connection
/// section and its profile. Reports every problem found, core's and the connections' together.
pub fn check(text: &str, source_name: &str, config_dir: Option<&Path>) -> Result<Lab, LabProblems> {
    let (profiles, profile_problem) = match lab_profiles(text, config_dir) {
        Ok(set) => (set, None),
        Err(problem) => (profiles().cloned().unwrap_or_default(), Some(problem)),
    };
    let config = match LabConfig::from_toml_str(text, source_name) {
        Ok(config) => config,
        Err(errors) => {
            // Still check the connection sections, so one run lists every problem.
            let mut all = from_core(errors);
            all.problems.extend(profile_problem);
            if let Err(more) =
                check_connections(text, source_name, &raw_instruments(text), &profiles)
            {
                all.problems.extend(more.problems);
            }
            all.problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
            return Err(all);
        }
    };
    let instruments: Vec<RawInstrument> = config
        .instruments
        .iter()
        .map(|i| RawInstrument {
            id: i.id.clone(),
            profile: i.profile.clone(),
            connection: i.connection.clone(),
        })
        .collect();
    if let Some(problem) = profile_problem {
        return Err(LabProblems {
            source_name: source_name.to_owned(),
            problems: vec![problem],
        });
    }
    let links = check_connections(text, source_name, &instruments, &profiles)?;
    if let Err(e) = crate::http_settings::HttpSettings::from_table(config.http.as_ref()) {
        return Err(LabProblems {
            source_name: source_name.to_owned(),
            problems: vec![Problem {
                path: format!("http.{}", e.key),
                line: section_key_line(text, "http", &e.key),
                message: e.message,
            }],
        });
    }
    Ok(Lab {
        config,
        links,
        profiles: Arc::new(profiles),
    })
}

/// The embedded profiles plus the lab's own from `[analyzers] profiles_dir`, if set.
fn lab_profiles(text: &str, config_dir: Option<&Path>) -> Result<ProfileSet, Problem> {
    let problem = |message: String| Problem {
        path: "analyzers.profiles_dir".to_owned(),
        line: section_key_line(text, "analyzers", "profiles_dir"),
        message,
    };
    let mut set = profiles().map_err(|e| problem(e.to_string()))?.clone();
    let Some(dir) = profiles_dir(text) else {
        return Ok(set);
    };
    let dir = match config_dir {
        Some(base) if dir.is_relative() => base.join(dir),
        _ => dir,
    };
    set.load_dir(&dir).map_err(|e| problem(e.to_string()))?;
    Ok(set)
}

/// `[analyzers] profiles_dir` as written, if any.
fn profiles_dir(text: &str) -> Option<PathBuf> {
    let table: toml::Table = toml::from_str(text).ok()?;
    let dir = table.get("analyzers")?.get("profiles_dir")?.as_str()?;
    Some(PathBuf::from(dir))
}

/// The 1-based line of `key = ...` inside the `[section]` table of a TOML text, if written there.
fn section_key_line(text: &str, section: &str, key: &str) -> Option<usize> {
    let header = format!("[{section}]");
    let mut inside = false;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == header;
        } else if inside
            && line
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        {
            return Some(n + 1);
        }
    }
    None
}

/// What the connection checks need of an instrument.
struct RawInstrument {
    id: String,
    profile: String,
    connection: toml::Table,
}

/// The instruments of a text that core could not read, taken as plain TOML (none if the text is not
/// TOML at all).
fn raw_instruments(text: &str) -> Vec<RawInstrument> {
    let Ok(table) = toml::from_str::<toml::Table>(text) else {
        return Vec::new();
    };
    let Some(toml::Value::Array(list)) = table.get("instruments") else {
        return Vec::new();
    };
    list.iter()
        .map(|v| {
            let text_of = |key: &str| {
                v.get(key)
                    .and_then(toml::Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            RawInstrument {
                id: text_of("id"),
                profile: text_of("profile"),
                connection: v
                    .get("connection")
                    .and_then(toml::Value::as_table)
                    .cloned()
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// Reads every instrument's connection section (instruments without one have no link).
fn check_connections(
    text: &str,
    source_name: &str,
    instruments: &[RawInstrument],
    profiles: &ProfileSet,
) -> Result<Vec<LinkPlan>, LabProblems> {
    let spans = DeTable::parse(text).ok();
    let mut problems = Vec::new();
    let mut links = Vec::new();
    for (i, instrument) in instruments.iter().enumerate() {
        if instrument.connection.is_empty() {
            continue;
        }
        let key = |field: Option<&str>| {
            let mut path = format!("instruments[{i}].connection");
            if let Some(field) = field {
                path.push('.');
                path.push_str(field);
            }
            let line = spans
                .as_ref()
                .and_then(|t| line_of(text, t.get_ref(), i, field));
            (path, line)
        };
        match LinkConfig::from_table(&instrument.connection) {
            Ok(link) => {
                if let Err(error) = check_profile(&link, &instrument.profile, profiles) {
                    // The profile named in the connection, else the instrument's own `profile`.
                    let (path, line) = if link.profile.is_empty() {
                        (
                            format!("instruments[{i}].profile"),
                            spans
                                .as_ref()
                                .and_then(|t| instrument_key_line(text, t.get_ref(), i, "profile")),
                        )
                    } else {
                        key(Some("profile"))
                    };
                    problems.push(Problem {
                        path,
                        line,
                        message: error.to_string(),
                    });
                }
                links.push(LinkPlan {
                    name: instrument.id.clone(),
                    instrument: instrument.id.clone(),
                    config: link,
                });
            }
            Err(error) => {
                let (field, message) = match &error {
                    // Not in the text: the path names it, the line is the section's.
                    LinkConfigError::Missing { field } => {
                        (Some(field.as_str()), format!("missing field `{field}`"))
                    }
                    LinkConfigError::Invalid { field, reason } => {
                        (Some(field.as_str()), reason.clone())
                    }
                };
                let (path, line) = key(field);
                problems.push(Problem {
                    path,
                    line,
                    message,
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(links)
    } else {
        Err(LabProblems {
            source_name: source_name.to_owned(),
            problems,
        })
    }
}

impl Lab {
    /// Gives every link without a `trace_dir` the data directory's `traces/` (in the plan and in
    /// the instrument's connection table, which the drivers read).
    pub fn default_trace_dir(&mut self, data_dir: &Path) {
        let traces = data_dir.join("traces");
        for link in &mut self.links {
            if link.config.trace_dir.is_none() {
                link.config.trace_dir = Some(traces.clone());
            }
        }
        for instrument in &mut self.config.instruments {
            if !instrument.connection.is_empty() && !instrument.connection.contains_key("trace_dir")
            {
                instrument.connection.insert(
                    "trace_dir".to_owned(),
                    toml::Value::String(traces.display().to_string()),
                );
            }
        }
    }
}

fn from_core(errors: ConfigErrors) -> LabProblems {
    LabProblems {
        source_name: errors.source_name,
        problems: errors
            .errors
            .into_iter()
            .map(|e| Problem {
                path: e.path,
                line: e.line,
                message: e.message,
            })
            .collect(),
    }
}

/// The line of `instruments[index].connection.field` (or of the connection section itself when
/// `field` is `None` or not found).
fn line_of(text: &str, root: &DeTable<'_>, index: usize, field: Option<&str>) -> Option<usize> {
    let instruments = entry(root, "instruments")?;
    let DeValue::Array(instruments) = instruments.get_ref() else {
        return None;
    };
    let instrument = instruments.get(index)?;
    let DeValue::Table(instrument) = instrument.get_ref() else {
        return None;
    };
    let connection = entry(instrument, "connection")?;
    let mut span = connection.span();
    if let (Some(field), DeValue::Table(table)) = (field, connection.get_ref()) {
        if let Some(key) = table.keys().find(|k| k.get_ref().as_ref() == field) {
            span = key.span();
        }
    }
    // A table header's span may start at the table's first key; either way the line is right
    // for a key and close for a section.
    let before = text.get(..span.start)?;
    Some(before.matches('\n').count() + 1)
}

/// The line of `instruments[index].key`.
fn instrument_key_line(text: &str, root: &DeTable<'_>, index: usize, key: &str) -> Option<usize> {
    let DeValue::Array(instruments) = entry(root, "instruments")?.get_ref() else {
        return None;
    };
    let DeValue::Table(instrument) = instruments.get(index)?.get_ref() else {
        return None;
    };
    let span = instrument
        .keys()
        .find(|k| k.get_ref().as_ref() == key)?
        .span();
    Some(text.get(..span.start)?.matches('\n').count() + 1)
}

fn entry<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<&'a toml::Spanned<DeValue<'i>>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(_, v)| v)
}

/// The default data directory.
pub fn default_data_dir() -> PathBuf {
    PathBuf::from("lis-data")
}

/// The embedded analyzer profiles, read once.
pub fn profiles() -> Result<&'static ProfileSet, ProfileError> {
    static PROFILES: OnceLock<Result<ProfileSet, ProfileError>> = OnceLock::new();
    PROFILES
        .get_or_init(ProfileSet::embedded)
        .as_ref()
        .map_err(Clone::clone)
}

/// Why a link's profile does not fit the link.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkProfileError {
    /// The embedded profiles do not load (a defect of the build, named by the profile error).
    #[error(transparent)]
    Embedded(#[from] ProfileError),
    /// No profile has that name.
    #[error("unknown profile `{name}` (known: {known})")]
    Unknown {
        /// The name the config gives.
        name: String,
        /// The profiles there are, comma-separated.
        known: String,
    },
    /// The connection's protocol does not carry the profile's messages.
    #[error("protocol {protocol:?} does not carry profile `{name}`'s {messages:?} messages")]
    ProtocolMismatch {
        /// The profile.
        name: String,
        /// The connection's protocol.
        protocol: Protocol,
        /// The profile's message family.
        messages: MessageProtocol,
    },
}

/// Checks that the link's profile (its own `profile`, else the instrument's) is in `set` and that
/// the connection's protocol carries the profile's messages.
pub fn check_profile(
    link: &LinkConfig,
    instrument_profile: &str,
    set: &ProfileSet,
) -> Result<(), LinkProfileError> {
    let name = if link.profile.is_empty() {
        instrument_profile
    } else {
        link.profile.as_str()
    };
    let Some(profile) = set.get(name) else {
        return Err(LinkProfileError::Unknown {
            name: name.to_owned(),
            known: set.names().collect::<Vec<_>>().join(", "),
        });
    };
    let fits = matches!(
        (link.protocol, profile.protocol),
        (
            Protocol::AstmE1381 | Protocol::AstmRaw,
            MessageProtocol::Astm
        ) | (Protocol::Hl7Mllp, MessageProtocol::Hl7)
    ) || (profile.protocol == MessageProtocol::Vendor
        && profile.framing.link_protocol() == link.protocol);
    if fits {
        Ok(())
    } else {
        Err(LinkProfileError::ProtocolMismatch {
            name: name.to_owned(),
            protocol: link.protocol,
            messages: profile.protocol,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "[lab]\nname = \"L\"\ntimezone = \"Asia/Ho_Chi_Minh\"\n";

    #[test]
    fn the_embedded_default_has_the_two_demo_links() {
        let lab = load(None).unwrap();
        let links: Vec<(&str, String)> = lab
            .links
            .iter()
            .map(|l| (l.name.as_str(), l.config.transport.describe()))
            .collect();
        assert_eq!(
            links,
            [
                ("DEMO-HEMA", "tcp-server 127.0.0.1:5002".to_owned()),
                ("DEMO-CHEM", "tcp-server 127.0.0.1:5001".to_owned()),
            ]
        );
    }

    #[test]
    fn http_section_problems_name_their_key_and_line() {
        let text = format!(
            "{}\n[http]\ntls_cert = \"cert.pem\"\nrequest_timeout_secs = 0\n",
            lis_core::DEFAULT_LAB_TOML
        );
        let problems = check(&text, "lab.toml", None).unwrap_err();
        assert_eq!(problems.problems.len(), 1, "{problems}");
        let p = &problems.problems[0];
        // A certificate without its key, or a zero timeout: whichever the reader names first is
        // reported at its own line.
        assert!(p.path.starts_with("http."), "{problems}");
        let key = p.path.trim_start_matches("http.");
        let want = text.lines().position(|l| l.starts_with(key)).map(|n| n + 1);
        assert_eq!(p.line, want, "{problems}");
    }

    #[test]
    fn connection_problems_carry_the_key_path_and_line() {
        // Line 4 is the first instrument, 7 its connection header, 9 the bad port, 14 the second
        // instrument's profile (an ASTM profile on an HL7 connection).
        let text = format!(
            "{HEAD}[[instruments]]\nid = \"A\"\nname = \"A\"\n[instruments.connection]\nkind = \"tcp-server\"\nport = 70000\nprotocol = \"astm-e1381\"\n[[instruments]]\nid = \"B\"\nname = \"B\"\nprofile = \"generic-astm\"\n[instruments.connection]\nkind = \"tcp-server\"\nport = 5000\nprotocol = \"hl7-mllp\"\n"
        );
        let problems = check(&text, "lab.toml", None).unwrap_err();
        let got: Vec<(String, Option<usize>)> = problems
            .problems
            .iter()
            .map(|p| (p.path.clone(), p.line))
            .collect();
        assert_eq!(
            got,
            [
                ("instruments[0].connection.port".to_owned(), Some(9)),
                ("instruments[1].profile".to_owned(), Some(14)),
            ],
            "{problems}"
        );
        assert!(
            problems.problems[1]
                .message
                .contains("does not carry profile `generic-astm`"),
            "{problems}"
        );
        assert!(problems.to_string().starts_with("2 problem(s) in lab config lab.toml\n  lab.toml:9: instruments[0].connection.port: "), "{problems}");
    }

    #[test]
    fn a_profile_that_does_not_fit_the_link_is_a_typed_error() {
        let link = |protocol: &str, profile: &str| {
            let table: toml::Table = toml::from_str(&format!(
                "kind = \"tcp-server\"\nport = 5000\nprotocol = \"{protocol}\"\nprofile = \"{profile}\"\n"
            ))
            .unwrap();
            LinkConfig::from_table(&table).unwrap()
        };
        assert_eq!(
            check_profile(&link("astm-e1381", "generic-astm"), "", profiles().unwrap()),
            Ok(())
        );
        match check_profile(
            &link("astm-e1381", "no-such-analyzer"),
            "",
            profiles().unwrap(),
        ) {
            Err(LinkProfileError::Unknown { name, known }) => {
                assert_eq!(name, "no-such-analyzer");
                assert!(known.contains("generic-astm"), "{known}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            check_profile(&link("hl7-mllp", "generic-astm"), "", profiles().unwrap()),
            Err(LinkProfileError::ProtocolMismatch {
                name: "generic-astm".to_owned(),
                protocol: Protocol::Hl7Mllp,
                messages: MessageProtocol::Astm,
            })
        );
        // A vendor profile fits only the connection protocol of its own framing.
        for (protocol, profile) in [
            ("dimension", "siemens-dimension"),
            ("sysmex-text", "sysmex-xs500i-text"),
            ("advia", "siemens-advia2120"),
        ] {
            assert_eq!(
                check_profile(&link(protocol, profile), "", profiles().unwrap()),
                Ok(()),
                "{protocol} {profile}"
            );
        }
        assert_eq!(
            check_profile(
                &link("sysmex-text", "siemens-dimension"),
                "",
                profiles().unwrap()
            ),
            Err(LinkProfileError::ProtocolMismatch {
                name: "siemens-dimension".to_owned(),
                protocol: Protocol::SysmexText,
                messages: MessageProtocol::Vendor,
            })
        );
    }

    #[test]
    fn a_missing_field_is_named_at_the_section_line() {
        let text = format!(
            "{HEAD}[[instruments]]\nid = \"A\"\nname = \"A\"\nprofile = \"generic-astm\"\n[instruments.connection]\nkind = \"tcp-server\"\nprotocol = \"astm-e1381\"\n"
        );
        let problems = check(&text, "lab.toml", None).unwrap_err();
        assert_eq!(problems.problems.len(), 1);
        let p = &problems.problems[0];
        assert_eq!(p.path, "instruments[0].connection.port");
        assert_eq!(p.message, "missing field `port`");
        // Not in the text: reported at the header `[instruments.connection]`, line 8.
        assert_eq!(p.line, Some(8), "{p:?}");
    }

    #[test]
    fn links_without_a_trace_dir_get_the_data_directory_s() {
        let mut lab = load(None).unwrap();
        lab.default_trace_dir(Path::new("/srv/lis"));
        for link in &lab.links {
            assert_eq!(
                link.config.trace_dir.as_deref(),
                Some(Path::new("/srv/lis/traces"))
            );
        }
        let hema = lab.config.instrument("DEMO-HEMA").unwrap();
        assert_eq!(
            hema.connection
                .get("trace_dir")
                .and_then(toml::Value::as_str),
            Some("/srv/lis/traces")
        );
        // An instrument without a connection gets none.
        assert!(lab
            .config
            .instrument("DEMO-URINE")
            .unwrap()
            .connection
            .is_empty());
    }
}
