//! The `[his]` section of the lab config (opaque in core, read here).
//!
//! ```toml
//! [his]
//! name = "his"                        # link name in the journal and audit log
//! orders_listen = "127.0.0.1:2575"    # "" turns the orders listener off
//! orm_specimen_id = "obr3"            # or "placer"
//! max_message_bytes = 1048576
//! allow_from = ["10.0.5.12"]          # peers the orders listener serves; [] (the default): any
//! sending_application = "LIS"
//! sending_facility = "LAB"
//! ack_timeout_ms = 30000
//! write_timeout_ms = 30000            # a peer that takes no bytes this long is disconnected
//! idle_timeout_secs = 600             # an orders connection silent this long is closed; 0: never
//! max_connections = 8                 # orders connections at once; more are closed and counted
//! order_ack = "ack"                   # or "orr": ORR^O02 / ORL^O22 application acknowledgements
//! retry_initial_ms = 5000
//! retry_max_ms = 300000
//! [his.panels]                        # HIS panel codes expanded to LIS tests
//! CBC = ["WBC", "RBC", "HGB"]
//! [[his.results]]
//! name = "his"
//! address = "127.0.0.1:2576"
//! receiving_application = "HIS"
//! receiving_facility = "HOSPITAL"
//! ```
//!
//! Every key is optional; an absent section means these defaults.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use crate::transport::allow::AllowFrom;

/// Default address of the orders listener.
pub const DEFAULT_ORDERS_LISTEN: &str = "127.0.0.1:2575";
/// Default address of the HIS results endpoint.
pub const DEFAULT_RESULTS_ADDRESS: &str = "127.0.0.1:2576";

/// Where an ORM^O01 order's specimen barcode is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrmSpecimenId {
    /// OBR-3 (filler order number, which many HISs fill with the tube barcode), else the placer
    /// number (ORC-2, then OBR-2).
    #[default]
    Obr3,
    /// Always the placer number (ORC-2, then OBR-2).
    Placer,
}

/// Which message acknowledges an order message at the application level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderAckForm {
    /// `ACK^O01` / `ACK^O21` (MSH, MSA, ERR): the general acknowledgement, HL7 v2.5.1 §2.14.1.
    #[default]
    Ack,
    /// `ORR^O02` for ORM^O01 and `ORL^O22` for OML^O21, carrying each order's control answer
    /// (ORC-1 from table 0119: `OK`, `UA`, `CR`, `UC`, `XR`, `UX`).
    Orr,
}

/// One HIS endpoint that receives ORU^R01 results.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultsEndpoint {
    /// Name, unique; deliveries are recorded per name.
    #[serde(default = "default_name")]
    pub name: String,
    /// `host:port` of the HIS's MLLP listener.
    pub address: String,
    /// MSH-5.
    #[serde(default = "default_receiving_application")]
    pub receiving_application: String,
    /// MSH-6.
    #[serde(default)]
    pub receiving_facility: String,
}

/// The `[his]` section.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HisConfig {
    /// Link name of the HIS in the journal.
    #[serde(default = "default_name")]
    pub name: String,
    /// Address of the orders listener; empty for none.
    #[serde(default = "default_orders_listen")]
    pub orders_listen: String,
    /// The peers the orders listener serves (addresses or CIDR ranges); empty: any. Set it to the
    /// HIS's address when the listener is reachable from the LAN.
    #[serde(default)]
    pub allow_from: AllowFrom,
    /// Where an ORM^O01's specimen barcode is read.
    #[serde(default)]
    pub orm_specimen_id: OrmSpecimenId,
    /// Largest accepted message in bytes.
    #[serde(default = "default_max_message_bytes")]
    pub max_message_bytes: usize,
    /// MSH-3 of what the LIS sends.
    #[serde(default = "default_sending_application")]
    pub sending_application: String,
    /// MSH-4 of what the LIS sends.
    #[serde(default = "default_sending_facility")]
    pub sending_facility: String,
    /// How long to wait for an ACK, in milliseconds.
    #[serde(default = "default_ack_timeout_ms")]
    pub ack_timeout_ms: u64,
    /// How long a write to the HIS (an acknowledgement of its order, an ORU^R01) may take, in
    /// milliseconds: a HIS that stops reading is disconnected after it, so it blocks neither the
    /// sender, the listener nor shutdown.
    #[serde(default = "default_write_timeout_ms")]
    pub write_timeout_ms: u64,
    /// An orders connection on which nothing arrives for this many seconds is closed (the HIS
    /// reconnects when it has an order); the results sender opens a fresh connection when its
    /// own has been unused this long. 0: never.
    #[serde(default = "default_idle_timeout_secs")]
    pub idle_timeout_secs: u64,
    /// Orders connections served at once; a further one is closed at once and counted in
    /// `HisMetrics::connections_refused`.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// The application acknowledgement of an order message: `ack` (ACK^O01 / ACK^O21) or `orr`
    /// (ORR^O02 / ORL^O22 with the order control answer per order, HL7 v2.5.1 §4.4.2, §4.4.7).
    #[serde(default)]
    pub order_ack: OrderAckForm,
    /// First retry delay in milliseconds; doubled per attempt.
    #[serde(default = "default_retry_initial_ms")]
    pub retry_initial_ms: u64,
    /// Longest retry delay in milliseconds.
    #[serde(default = "default_retry_max_ms")]
    pub retry_max_ms: u64,
    /// How often the sender looks for new outbox rows, in milliseconds.
    #[serde(default = "default_poll_ms")]
    pub poll_ms: u64,
    /// HIS panel codes and the LIS tests each stands for.
    #[serde(default)]
    pub panels: BTreeMap<String, Vec<String>>,
    /// Endpoints that receive results.
    #[serde(default = "default_results")]
    pub results: Vec<ResultsEndpoint>,
}

fn default_name() -> String {
    String::from("his")
}
fn default_orders_listen() -> String {
    String::from(DEFAULT_ORDERS_LISTEN)
}
fn default_max_message_bytes() -> usize {
    lis_hl7::mllp::DEFAULT_MAX_MESSAGE_LEN
}
fn default_sending_application() -> String {
    String::from("LIS")
}
fn default_sending_facility() -> String {
    String::from("LAB")
}
fn default_receiving_application() -> String {
    String::from("HIS")
}
fn default_ack_timeout_ms() -> u64 {
    30_000
}
fn default_write_timeout_ms() -> u64 {
    30_000
}
fn default_idle_timeout_secs() -> u64 {
    600
}
fn default_max_connections() -> usize {
    8
}
fn default_retry_initial_ms() -> u64 {
    5_000
}
fn default_retry_max_ms() -> u64 {
    300_000
}
fn default_poll_ms() -> u64 {
    500
}
fn default_results() -> Vec<ResultsEndpoint> {
    vec![ResultsEndpoint {
        name: default_name(),
        address: String::from(DEFAULT_RESULTS_ADDRESS),
        receiving_application: default_receiving_application(),
        receiving_facility: String::new(),
    }]
}

impl Default for HisConfig {
    fn default() -> Self {
        Self {
            name: default_name(),
            orders_listen: default_orders_listen(),
            allow_from: AllowFrom::any(),
            orm_specimen_id: OrmSpecimenId::default(),
            max_message_bytes: default_max_message_bytes(),
            sending_application: default_sending_application(),
            sending_facility: default_sending_facility(),
            ack_timeout_ms: default_ack_timeout_ms(),
            write_timeout_ms: default_write_timeout_ms(),
            idle_timeout_secs: default_idle_timeout_secs(),
            max_connections: default_max_connections(),
            order_ack: OrderAckForm::default(),
            retry_initial_ms: default_retry_initial_ms(),
            retry_max_ms: default_retry_max_ms(),
            poll_ms: default_poll_ms(),
            panels: BTreeMap::new(),
            results: default_results(),
        }
    }
}

/// The `[his]` section could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HisConfigError {
    /// A key has the wrong type or is unknown.
    #[error("[his] {path}: {message}")]
    Invalid {
        /// Key path inside `[his]`.
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl HisConfig {
    /// Reads the `[his]` table of the lab config (`None`: every default).
    pub fn from_table(table: Option<&toml::Table>) -> Result<Self, HisConfigError> {
        let Some(table) = table else {
            return Ok(Self::default());
        };
        let value = toml::Value::Table(table.clone());
        let config: Self =
            serde_path_to_error::deserialize(value).map_err(|e| HisConfigError::Invalid {
                path: e.path().to_string(),
                message: e.inner().to_string(),
            })?;
        let mut names: Vec<&str> = config.results.iter().map(|r| r.name.as_str()).collect();
        names.sort_unstable();
        if names.windows(2).any(|w| w.first() == w.get(1)) {
            return Err(HisConfigError::Invalid {
                path: String::from("results"),
                message: String::from("endpoint names must be unique"),
            });
        }
        Ok(config)
    }

    /// The endpoint names, for settling outbox rows.
    pub fn endpoint_names(&self) -> Vec<String> {
        self.results.iter().map(|r| r.name.clone()).collect()
    }

    /// The ACK timeout.
    pub fn ack_timeout(&self) -> Duration {
        Duration::from_millis(self.ack_timeout_ms)
    }

    /// The write timeout.
    pub fn write_timeout(&self) -> Duration {
        Duration::from_millis(self.write_timeout_ms)
    }

    /// The idle timeout, none when turned off (0).
    pub fn idle_timeout(&self) -> Option<Duration> {
        (self.idle_timeout_secs > 0).then(|| Duration::from_secs(self.idle_timeout_secs))
    }

    /// The delay before retry number `attempts` (1 = after the first failure): the initial delay
    /// doubled per attempt, at most the maximum.
    pub fn backoff(&self, attempts: i64) -> Duration {
        let shift = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        let ms = self
            .retry_initial_ms
            .saturating_mul(1u64 << shift)
            .min(self.retry_max_ms);
        Duration::from_millis(ms)
    }
}
