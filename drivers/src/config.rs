//! A link's connection section in the lab config.
//!
//! The lab config (owned by core) keeps each instrument's `[instruments.connection]` as an opaque
//! `toml::Table`; [`LinkConfig::from_table`] reads it here, so the transport and protocol options live
//! next to the code that uses them. Errors name the field.
//!
//! ```toml
//! [instruments.connection]
//! kind = "tcp-server"          # or "tcp-client", "serial"
//! port = 5000                  # tcp-server: address defaults to 0.0.0.0
//! protocol = "astm-e1381"      # or "astm-raw", "hl7-mllp", "advia", "vidas", "spotchem",
//!                              # "urine-strip", "dimension", "sysmex-text"
//! profile = "roche-c311"
//! trace_dir = "/var/lib/lis/trace"
//! ```
//!
//! Per kind: `tcp-server` takes `address` (default `0.0.0.0`), `port`, `on_new_connection`
//! (`"replace"`, the default, or `"keep"`), `allow_from` (addresses or CIDR ranges of the peers
//! served, default any: set it to the analyzer's address, see [`AllowFrom`]); `tcp-client` takes `address`, `port`, `reconnect_min_ms`
//! (default 1000), `reconnect_max_ms` (default 30000), `connect_timeout_ms` (default 10000); `serial`
//! takes the [`SerialSettings`] fields (`path`, `baud`, `data_bits`, `parity`, `stop_bits`,
//! `flow_control`).

use std::path::PathBuf;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::trace::Rotation;
use crate::transport::allow::AllowFrom;
use crate::transport::serial::SerialSettings;
use crate::transport::tcp::ConnectionPolicy;
use crate::transport::Backoff;

/// Errors reading a connection section.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required field is absent.
    #[error("connection: missing field `{field}`")]
    Missing {
        /// The field's name.
        field: String,
    },
    /// A field has a value of the wrong type or out of range, or is not a field of this kind.
    #[error("connection: field `{field}`: {reason}")]
    Invalid {
        /// The field's name (for an unknown field, its own name).
        field: String,
        /// What is wrong, with the expected and found values.
        reason: String,
    },
}

/// The link protocol on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Protocol {
    /// ASTM E1381 (CLSI LIS1-A) low-level link: ENQ/ACK/EOT, framed and checksummed.
    #[serde(rename = "astm-e1381")]
    AstmE1381,
    /// ASTM E1394 records without the E1381 link layer (some analyzers over TCP).
    #[serde(rename = "astm-raw")]
    AstmRaw,
    /// HL7 v2 over MLLP.
    #[serde(rename = "hl7-mllp")]
    Hl7Mllp,
    /// The Siemens Dimension LIS protocol (`lis_vendor::dimension`).
    #[serde(rename = "dimension")]
    Dimension,
    /// Sysmex class A text (`lis_vendor::sysmex_text`).
    #[serde(rename = "sysmex-text")]
    SysmexText,
    /// Siemens ADVIA 120/2120 "Host Spec 79" blocks, each acknowledged with its message toggle.
    #[serde(rename = "advia")]
    Advia,
    /// bioMérieux mini VIDAS (BCI protocol): ENQ/ACK sessions, each message ACKed.
    #[serde(rename = "vidas")]
    Vidas,
    /// Arkray Spotchem EL printer text: nothing is answered.
    #[serde(rename = "spotchem")]
    Spotchem,
    /// A urine test-strip reader's printout (`lis_vendor::urine_strip`): nothing is answered.
    #[serde(rename = "urine-strip")]
    UrineStrip,
}

/// How the link reaches its analyzer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportConfig {
    /// The LIS listens; the analyzer connects.
    TcpServer {
        /// The local address to bind (`0.0.0.0` for every interface).
        address: String,
        /// The TCP port.
        port: u16,
        /// What a second connection from the analyzer does to the open one.
        on_new_connection: ConnectionPolicy,
        /// The peers served (addresses or CIDR ranges); empty: any. Set it to the analyzer's
        /// address: otherwise any host that reaches the port can take the analyzer's place.
        allow_from: AllowFrom,
    },
    /// The LIS connects to the analyzer.
    TcpClient {
        /// The analyzer's host name or address.
        address: String,
        /// The analyzer's TCP port.
        port: u16,
        /// Reconnection backoff.
        backoff: Backoff,
        /// Bound on one connection attempt.
        connect_timeout: Duration,
    },
    /// An RS-232 port.
    Serial(SerialSettings),
}

/// One instrument's connection section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkConfig {
    /// How the analyzer is reached.
    pub transport: TransportConfig,
    /// The link protocol.
    pub protocol: Protocol,
    /// The analyzer profile (quirks and mappings) by name; empty: the instrument's `profile`.
    pub profile: String,
    /// Where the link's trace files go; `None`: no trace.
    pub trace_dir: Option<PathBuf>,
    /// Trace rotation.
    pub trace_rotation: Rotation,
    /// Longest frame accepted, in bytes.
    pub max_frame_len: usize,
    /// Longest message accepted, in bytes.
    pub max_message_len: usize,
    /// After how many minutes without a message the link shows a silence alarm (during
    /// [`working_hours`](Self::working_hours)); `None`: never (the default).
    pub silence_alarm_minutes: Option<u32>,
    /// When the analyzer is expected to send, in the lab's time zone; `None`: always.
    pub working_hours: Option<WorkingHours>,
    /// Close a connection on which nothing arrives for this long (`idle_timeout_secs`; absent
    /// or 0: never, the default, since an analyzer may be quiet for hours).
    pub idle_timeout: Option<Duration>,
}

/// A daily window in the lab's time zone, `"07:00-17:00"`; an end before the start crosses
/// midnight (`"22:00-06:00"`). The start is inside the window, the end is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingHours {
    /// The first minute of the day inside the window (0..1440).
    pub start_minute: u16,
    /// The first minute of the day after the window (0..1440).
    pub end_minute: u16,
}

impl WorkingHours {
    /// Reads `"HH:MM-HH:MM"` (24-hour clock).
    pub fn parse(text: &str) -> Result<Self, String> {
        fn minute(part: &str) -> Option<u16> {
            let (h, m) = part.trim().split_once(':')?;
            if h.len() != 2 || m.len() != 2 {
                return None;
            }
            let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
            (h < 24 && m < 60).then_some(h * 60 + m)
        }
        let expected = || format!("expected \"HH:MM-HH:MM\" such as \"07:00-17:00\", got {text:?}");
        let (start, end) = text.split_once('-').ok_or_else(expected)?;
        let (Some(start_minute), Some(end_minute)) = (minute(start), minute(end)) else {
            return Err(expected());
        };
        if start_minute == end_minute {
            return Err(format!(
                "{text:?} is an empty window: start and end are the same"
            ));
        }
        Ok(Self {
            start_minute,
            end_minute,
        })
    }

    /// Whether the minute of the day (0..1440, the lab's local time) is inside the window.
    pub fn contains(self, minute_of_day: u16) -> bool {
        if self.start_minute < self.end_minute {
            (self.start_minute..self.end_minute).contains(&minute_of_day)
        } else {
            minute_of_day >= self.start_minute || minute_of_day < self.end_minute
        }
    }
}

impl std::fmt::Display for WorkingHours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.start_minute / 60,
            self.start_minute % 60,
            self.end_minute / 60,
            self.end_minute % 60
        )
    }
}

impl LinkConfig {
    /// Default longest frame: 64,000 characters including the 7 overhead characters, the LIS1-A
    /// limit [LIS1-A §6.3.1, §8.3.1].
    pub const DEFAULT_MAX_FRAME_LEN: usize = 64_000;
    /// Default longest message: 16 MiB, room for result messages carrying histogram images.
    pub const DEFAULT_MAX_MESSAGE_LEN: usize = 16 << 20;

    /// Reads a connection section.
    pub fn from_table(table: &toml::Table) -> Result<Self, ConfigError> {
        let kind = match table.get("kind") {
            None => {
                return Err(ConfigError::Missing {
                    field: "kind".to_owned(),
                })
            }
            Some(toml::Value::String(kind)) => kind.as_str(),
            Some(other) => {
                return Err(ConfigError::Invalid {
                    field: "kind".to_owned(),
                    reason: format!("expected a string, got {}", other.type_str()),
                })
            }
        };
        let (common, specific): (toml::Table, toml::Table) = table
            .iter()
            .filter(|(k, _)| k.as_str() != "kind")
            .map(|(k, v)| (k.clone(), v.clone()))
            .partition(|(k, _)| COMMON_FIELDS.contains(&k.as_str()));
        let common: Common = deserialize(common)?;
        let transport = match kind {
            "tcp-server" => {
                let t: TcpServerFields = deserialize(specific)?;
                TransportConfig::TcpServer {
                    address: t.address,
                    port: t.port,
                    on_new_connection: t.on_new_connection,
                    allow_from: t.allow_from,
                }
            }
            "tcp-client" => {
                let t: TcpClientFields = deserialize(specific)?;
                if t.reconnect_min_ms == 0 {
                    return Err(ConfigError::Invalid {
                        field: "reconnect_min_ms".to_owned(),
                        reason: "must be at least 1".to_owned(),
                    });
                }
                TransportConfig::TcpClient {
                    address: t.address,
                    port: t.port,
                    backoff: Backoff::new(
                        Duration::from_millis(t.reconnect_min_ms),
                        Duration::from_millis(t.reconnect_max_ms),
                    ),
                    connect_timeout: Duration::from_millis(t.connect_timeout_ms),
                }
            }
            "serial" => TransportConfig::Serial(deserialize(specific)?),
            other => {
                return Err(ConfigError::Invalid {
                    field: "kind".to_owned(),
                    reason: format!(
                        "expected \"tcp-server\", \"tcp-client\" or \"serial\", got \"{other}\""
                    ),
                })
            }
        };
        let defaults = Rotation::default();
        Ok(Self {
            transport,
            protocol: common.protocol,
            profile: common.profile,
            trace_dir: common.trace_dir,
            trace_rotation: Rotation {
                max_file_bytes: common
                    .trace_max_file_bytes
                    .unwrap_or(defaults.max_file_bytes),
                keep_files: common.trace_keep_files.unwrap_or(defaults.keep_files),
            },
            max_frame_len: common.max_frame_len.unwrap_or(Self::DEFAULT_MAX_FRAME_LEN),
            max_message_len: common
                .max_message_len
                .unwrap_or(Self::DEFAULT_MAX_MESSAGE_LEN),
            silence_alarm_minutes: match common.silence_alarm_minutes {
                Some(0) => {
                    return Err(ConfigError::Invalid {
                        field: "silence_alarm_minutes".to_owned(),
                        reason: "must be at least 1 (leave it out for no alarm)".to_owned(),
                    })
                }
                other => other,
            },
            working_hours: common
                .working_hours
                .as_deref()
                .map(WorkingHours::parse)
                .transpose()
                .map_err(|reason| ConfigError::Invalid {
                    field: "working_hours".to_owned(),
                    reason,
                })?,
            idle_timeout: common
                .idle_timeout_secs
                .filter(|s| *s > 0)
                .map(Duration::from_secs),
        })
    }

    /// Whether a link silent for `silent_minutes` shows its silence alarm at `minute_of_day`
    /// (the lab's local time): an alarm is configured, the time is in the working hours (or
    /// none are set), and the silence has lasted at least the alarm's minutes.
    pub fn silence_alarm(&self, silent_minutes: u64, minute_of_day: u16) -> bool {
        let Some(limit) = self.silence_alarm_minutes else {
            return false;
        };
        let working = self.working_hours.is_none_or(|h| h.contains(minute_of_day));
        working && silent_minutes >= u64::from(limit)
    }
}

impl TransportConfig {
    /// A short description for logs and status: `"tcp-server 0.0.0.0:5000"`.
    pub fn describe(&self) -> String {
        match self {
            Self::TcpServer { address, port, .. } => format!("tcp-server {address}:{port}"),
            Self::TcpClient { address, port, .. } => format!("tcp-client {address}:{port}"),
            Self::Serial(settings) => format!("serial {settings}"),
        }
    }
}

/// Fields every kind has.
const COMMON_FIELDS: [&str; 10] = [
    "protocol",
    "silence_alarm_minutes",
    "working_hours",
    "profile",
    "trace_dir",
    "trace_max_file_bytes",
    "trace_keep_files",
    "max_frame_len",
    "max_message_len",
    "idle_timeout_secs",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Common {
    protocol: Protocol,
    #[serde(default)]
    profile: String,
    trace_dir: Option<PathBuf>,
    trace_max_file_bytes: Option<u64>,
    trace_keep_files: Option<usize>,
    max_frame_len: Option<usize>,
    max_message_len: Option<usize>,
    silence_alarm_minutes: Option<u32>,
    working_hours: Option<String>,
    idle_timeout_secs: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TcpServerFields {
    #[serde(default = "any_address")]
    address: String,
    port: u16,
    #[serde(default)]
    on_new_connection: ConnectionPolicy,
    #[serde(default)]
    allow_from: AllowFrom,
}

fn any_address() -> String {
    "0.0.0.0".to_owned()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TcpClientFields {
    address: String,
    port: u16,
    #[serde(default = "default_reconnect_min_ms")]
    reconnect_min_ms: u64,
    #[serde(default = "default_reconnect_max_ms")]
    reconnect_max_ms: u64,
    #[serde(default = "default_connect_timeout_ms")]
    connect_timeout_ms: u64,
}

fn default_reconnect_min_ms() -> u64 {
    1_000
}

fn default_reconnect_max_ms() -> u64 {
    30_000
}

fn default_connect_timeout_ms() -> u64 {
    10_000
}

/// Deserializes `table`, turning serde's message into an error that names the field.
fn deserialize<T: DeserializeOwned>(table: toml::Table) -> Result<T, ConfigError> {
    serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().message().to_owned();
        if let Some(field) = between_backticks(&message, "missing field `") {
            return ConfigError::Missing { field };
        }
        let field = if path == "." {
            between_backticks(&message, "unknown field `").unwrap_or(path)
        } else {
            path
        };
        ConfigError::Invalid {
            field,
            reason: message,
        }
    })
}

/// The text between `prefix` and the next backtick in `message`.
fn between_backticks(message: &str, prefix: &str) -> Option<String> {
    let rest = message.split_once(prefix)?.1;
    Some(rest.split_once('`')?.0.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::serial::{DataBits, Parity};

    fn parse(text: &str) -> Result<LinkConfig, ConfigError> {
        LinkConfig::from_table(&toml::from_str::<toml::Table>(text).unwrap())
    }

    #[test]
    fn the_silence_alarm_is_off_by_default_and_follows_the_working_hours() {
        let off = parse("kind = \"tcp-server\"\nport = 5000\nprotocol = \"astm-e1381\"").unwrap();
        assert_eq!((off.silence_alarm_minutes, off.working_hours), (None, None));
        assert!(!off.silence_alarm(10_000, 600));
        let on = parse(
            "kind = \"tcp-server\"\nport = 5000\nprotocol = \"astm-e1381\"\n\
             silence_alarm_minutes = 30\nworking_hours = \"07:00-17:00\"",
        )
        .unwrap();
        assert_eq!(
            on.working_hours.map(|h| h.to_string()).as_deref(),
            Some("07:00-17:00")
        );
        // 10:00 (minute 600): silent 29 minutes is no alarm, 30 is.
        assert!(!on.silence_alarm(29, 600));
        assert!(on.silence_alarm(30, 600));
        // 07:00 is inside, 17:00 and 06:59 are not.
        assert!(on.silence_alarm(30, 420));
        assert!(!on.silence_alarm(30, 1020));
        assert!(!on.silence_alarm(30, 419));
        // A night window crosses midnight.
        let night = WorkingHours::parse("22:00-06:00").unwrap();
        assert!(night.contains(23 * 60) && night.contains(0) && !night.contains(6 * 60));
    }

    #[test]
    fn bad_silence_settings_name_the_field() {
        for (text, field) in [
            ("silence_alarm_minutes = 0", "silence_alarm_minutes"),
            ("working_hours = \"7-17\"", "working_hours"),
            ("working_hours = \"07:00-24:00\"", "working_hours"),
            ("working_hours = \"08:00-08:00\"", "working_hours"),
        ] {
            let e = parse(&format!(
                "kind = \"tcp-server\"\nport = 5000\nprotocol = \"astm-e1381\"\n{text}"
            ))
            .unwrap_err();
            assert!(
                matches!(&e, ConfigError::Invalid { field: f, .. } if f == field),
                "{text}: {e:?}"
            );
        }
    }

    #[test]
    fn a_tcp_server_section_with_defaults() {
        let c = parse(
            r#"
            kind = "tcp-server"
            port = 5000
            protocol = "astm-e1381"
            profile = "roche-c311"
            "#,
        )
        .unwrap();
        assert_eq!(
            c.transport,
            TransportConfig::TcpServer {
                address: "0.0.0.0".to_owned(),
                port: 5000,
                on_new_connection: ConnectionPolicy::Replace,
                allow_from: AllowFrom::any(),
            }
        );
        assert_eq!(c.transport.describe(), "tcp-server 0.0.0.0:5000");
        assert_eq!(c.protocol, Protocol::AstmE1381);
        assert_eq!(c.profile, "roche-c311");
        assert_eq!(c.trace_dir, None);
        assert_eq!(c.max_frame_len, 64_000);
        assert_eq!(c.max_message_len, 16 * 1024 * 1024);
        assert_eq!(c.trace_rotation, Rotation::default());
    }

    #[test]
    fn a_tcp_client_section_with_every_field() {
        let c = parse(
            r#"
            kind = "tcp-client"
            address = "analyzer-3.lab"
            port = 4001
            reconnect_min_ms = 500
            reconnect_max_ms = 8000
            connect_timeout_ms = 3000
            protocol = "hl7-mllp"
            profile = "mindray-bc6800"
            trace_dir = "/var/lib/lis/trace"
            trace_max_file_bytes = 1048576
            trace_keep_files = 3
            max_frame_len = 1000
            max_message_len = 200000
            "#,
        )
        .unwrap();
        let TransportConfig::TcpClient {
            address,
            port,
            mut backoff,
            connect_timeout,
        } = c.transport
        else {
            panic!("{:?}", c.transport);
        };
        assert_eq!((address.as_str(), port), ("analyzer-3.lab", 4001));
        let delays: Vec<u64> = (0..6)
            .map(|_| backoff.next_delay().as_millis() as u64)
            .collect();
        assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 8000]);
        assert_eq!(connect_timeout, Duration::from_secs(3));
        assert_eq!(c.protocol, Protocol::Hl7Mllp);
        assert_eq!(c.trace_dir, Some(PathBuf::from("/var/lib/lis/trace")));
        assert_eq!(
            c.trace_rotation,
            Rotation {
                max_file_bytes: 1_048_576,
                keep_files: 3
            }
        );
        assert_eq!((c.max_frame_len, c.max_message_len), (1000, 200_000));
    }

    #[test]
    fn a_serial_section() {
        let c = parse(
            r#"
            kind = "serial"
            path = "/dev/ttyUSB0"
            data_bits = 7
            parity = "even"
            protocol = "astm-raw"
            profile = "sysmex-xs"
            "#,
        )
        .unwrap();
        let TransportConfig::Serial(s) = &c.transport else {
            panic!("{:?}", c.transport);
        };
        assert_eq!(
            (s.baud, s.data_bits, s.parity),
            (9600, DataBits::Seven, Parity::Even)
        );
        assert_eq!(c.transport.describe(), "serial /dev/ttyUSB0 9600 7E1");
        assert_eq!(c.protocol, Protocol::AstmRaw);
    }

    #[test]
    fn errors_name_the_field() {
        let missing = |field: &str| ConfigError::Missing {
            field: field.to_owned(),
        };
        assert_eq!(parse("port = 1").unwrap_err(), missing("kind"));
        assert_eq!(
            parse("kind = \"tcp-server\"\nprotocol = \"astm-e1381\"\nprofile = \"p\"").unwrap_err(),
            missing("port")
        );
        assert_eq!(
            parse("kind = \"serial\"\nport = 1\nprotocol = \"astm-e1381\"\nprofile = \"p\"").unwrap_err(),
            ConfigError::Invalid {
                field: "port".to_owned(),
                reason: "unknown field `port`, expected one of `path`, `baud`, `data_bits`, `parity`, `stop_bits`, `flow_control`".to_owned(),
            }
        );
        assert_eq!(
            parse("kind = \"tcp-server\"\nport = 1\nprofile = \"p\"").unwrap_err(),
            missing("protocol")
        );

        let invalid = |text: &str| match parse(text).unwrap_err() {
            ConfigError::Invalid { field, reason } => (field, reason),
            other => panic!("{other:?}"),
        };
        let (field, reason) = invalid(
            "kind = \"tcp-server\"\nport = 70000\nprotocol = \"astm-e1381\"\nprofile = \"p\"",
        );
        assert_eq!(field, "port");
        assert!(reason.contains("70000"), "{reason}");
        let (field, reason) =
            invalid("kind = \"tcp-server\"\nport = 1\nprotocol = \"astm\"\nprofile = \"p\"");
        assert_eq!(field, "protocol");
        assert!(reason.contains("astm-e1381"), "{reason}");
        let (field, reason) = invalid("kind = \"usb\"\nprotocol = \"astm-e1381\"\nprofile = \"p\"");
        assert_eq!(field, "kind");
        assert!(reason.contains("\"usb\""), "{reason}");
        let (field, _) = invalid("kind = 3");
        assert_eq!(field, "kind");
        let (field, reason) = invalid(
            "kind = \"serial\"\npath = \"/dev/ttyS0\"\nstop_bits = 3\nprotocol = \"astm-e1381\"\nprofile = \"p\"",
        );
        assert_eq!(field, "stop_bits");
        assert!(
            reason.contains("stop_bits must be 1 or 2, got 3"),
            "{reason}"
        );
        let (field, _) = invalid(
            "kind = \"tcp-client\"\naddress = \"a\"\nport = 1\nreconnect_min_ms = 0\nprotocol = \"astm-e1381\"\nprofile = \"p\"",
        );
        assert_eq!(field, "reconnect_min_ms");
    }

    #[test]
    fn allow_from_is_read_and_a_bad_entry_names_the_key() {
        let c = parse(
            "kind = \"tcp-server\"\nport = 5000\nprotocol = \"astm-e1381\"\nprofile = \"p\"\n\
             allow_from = [\"192.168.10.21\", \"10.1.2.0/24\"]",
        )
        .unwrap();
        let TransportConfig::TcpServer { allow_from, .. } = &c.transport else {
            panic!("{:?}", c.transport);
        };
        assert!(allow_from.allows("10.1.2.200".parse().unwrap()));
        assert!(!allow_from.allows("10.1.3.1".parse().unwrap()));
        assert!(!allow_from.allows("192.168.10.22".parse().unwrap()));
        let err = parse(
            "kind = \"tcp-server\"\nport = 5000\nprotocol = \"astm-e1381\"\nprofile = \"p\"\n\
             allow_from = [\"10.1.2.0/24\", \"analyzer-1\"]",
        )
        .unwrap_err();
        assert_eq!(
            err,
            ConfigError::Invalid {
                field: "allow_from".to_owned(),
                reason: "\"analyzer-1\" is not an IP address or CIDR range".to_owned(),
            }
        );
    }

    #[test]
    fn the_error_message_reads_well() {
        let err = parse(
            "kind = \"tcp-server\"\nport = \"x\"\nprotocol = \"astm-e1381\"\nprofile = \"p\"",
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("connection: field `port`: invalid type: string \"x\""),
            "{text}"
        );
    }
}
