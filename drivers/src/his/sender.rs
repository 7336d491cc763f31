//! The results sender: one task per HIS endpoint delivers due outbox rows as ORU^R01 over MLLP
//! (HL7 v2.5.1 Appendix C.4.3) and waits for the HIS's ACK.
//!
//! - The message of an outbox row is built once, at its first attempt, and stored with its
//!   MSH-10 (`LIS` + the outbox id); every retry sends those same bytes.
//! - `AA`/`CA` delivers the row; `AE`/`AR` (or `CE`/`CR`) rejects it: the HIS's reason is stored,
//!   logged and shown to a person, and the row is not retried by itself.
//! - No ACK (refused connection, timeout, a closed socket, an ACK for another control id) is a
//!   failed attempt, retried with doubling backoff. A later row of the same order waits.
//! - The connection is kept open between messages and reopened after any error.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use jiff::Timestamp;
use lis_core::presentation::{judged_normal, release_progress};
use lis_core::store::{DeliveryOutcome, DeliveryState, HisDelivery};
use lis_core::Store;
use lis_hl7::mllp::{self, MllpDecoder, MllpError, MllpEvent};
use lis_hl7::segments::{AckCode, ErrorSegment, Msa};
use lis_hl7::Message;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::config::{HisConfig, ResultsEndpoint};
use super::metrics::HisMetrics;
use super::oru::{oru_r01, ReportedResult, ResultReport};

/// MSH-10 of the ORU^R01 for an outbox row: stable across retries and restarts.
pub fn control_id(outbox_id: i64) -> String {
    format!("LIS{outbox_id:010}")
}

/// What the HIS answered, read from an ACK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AckReading {
    /// MSA-1 and MSA-3/ERR-8 text, for our control id.
    Ack {
        /// MSA-1.
        code: AckCode,
        /// MSA-3, else ERR-8, else ERR-3.2.
        text: String,
    },
    /// Not an acknowledgement of this message.
    Unusable(String),
}

/// Reads an ACK for `control_id`.
pub fn read_ack(bytes: &[u8], control_id: &str) -> AckReading {
    let Ok((message, _)) = Message::parse(bytes) else {
        return AckReading::Unusable(String::from("the answer is not an HL7 message"));
    };
    let Some(msa) = message.first_of::<Msa<'_>>() else {
        return AckReading::Unusable(String::from("the answer has no MSA segment"));
    };
    let acked = msa.control_id().text();
    if acked.trim() != control_id {
        return AckReading::Unusable(format!(
            "the ACK is for control id {acked:?}, not {control_id:?}"
        ));
    }
    let Some(code) = msa.ack_code() else {
        return AckReading::Unusable(format!("unknown MSA-1 {:?}", msa.ack_code_field().as_str()));
    };
    let mut text = msa.text_message().text().into_owned();
    if let Some(err) = message.first_of::<ErrorSegment<'_>>() {
        let user = err.user_message().text();
        let coded = err.error_code().description().text();
        let extra = if user.is_empty() { coded } else { user };
        if !extra.is_empty() && !text.contains(extra.as_ref()) {
            if !text.is_empty() {
                text.push_str("; ");
            }
            text.push_str(&extra);
        }
    }
    AckReading::Ack { code, text }
}

/// Builds the ORU^R01 of an outbox row for `endpoint` from what the store holds now, read in one
/// read transaction ([`Store::his_report`]). It blocks on the database: call it on the blocking
/// pool.
pub(crate) fn build_oru(
    store: &Store,
    config: &HisConfig,
    endpoint: &ResultsEndpoint,
    d: &HisDelivery,
    control: &str,
    now: Timestamp,
) -> Result<Vec<u8>, SendError> {
    let report = store
        .his_report(d.order_id, &d.result_ids)
        .map_err(SendError::Store)?;
    // ORC-5 from what is released now, over every test of the order (not only this message's).
    let progress = release_progress(&report.order, &report.tests, &report.order_results);
    let mut supplements = report.supplements;
    let mut isolates = report.isolates;
    let results: Vec<ReportedResult> = report
        .results
        .into_iter()
        .map(|r| {
            let specimen_type = report
                .specimens
                .iter()
                .find(|s| s.barcode == r.result.specimen_id)
                .map(|s| s.specimen_type.clone())
                .unwrap_or_default();
            ReportedResult {
                judged_normal: judged_normal(&r.checks),
                supplements: supplements.remove(&r.result.id).unwrap_or_default(),
                isolate: isolates.remove(&r.result.id),
                result: r.result,
                specimen_type,
            }
        })
        .collect();
    if results.is_empty() {
        return Err(SendError::Build(format!(
            "outbox row {} names no result",
            d.outbox_id
        )));
    }
    Ok(oru_r01(
        store.config(),
        &ResultReport {
            sending_application: &config.sending_application,
            sending_facility: &config.sending_facility,
            receiving_application: &endpoint.receiving_application,
            receiving_facility: &endpoint.receiving_facility,
            control_id: control,
            now,
            order: &report.order,
            patient: &report.patient,
            results: &results,
            progress,
            correction: d.kind == "correction",
        },
    ))
}

/// One endpoint's sender.
pub(crate) struct Sender {
    pub(crate) store: Arc<Store>,
    pub(crate) config: Arc<HisConfig>,
    pub(crate) endpoint: ResultsEndpoint,
    pub(crate) metrics: Arc<HisMetrics>,
    pub(crate) wake: Arc<Notify>,
    pub(crate) shutdown: CancellationToken,
}

/// Why a message could not be prepared or its attempt recorded.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SendError {
    /// The message could not be built from the stored order.
    #[error("{0}")]
    Build(String),
    /// The store failed.
    #[error(transparent)]
    Store(lis_core::StoreError),
    /// The database task on the blocking pool panicked or was cancelled.
    #[error("the database task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Why an attempt got no acknowledgement (stored as the delivery's last error).
#[derive(Debug, thiserror::Error)]
pub enum DeliveryFault {
    /// The TCP connection was not made within the ACK timeout.
    #[error("connecting to {address} timed out")]
    ConnectTimeout {
        /// The endpoint's address.
        address: String,
    },
    /// The TCP connection was refused or failed.
    #[error("cannot connect to {address}: {source}")]
    Connect {
        /// The endpoint's address.
        address: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// Writing the message failed.
    #[error("write failed: {0}")]
    Write(std::io::Error),
    /// The HIS took no bytes for `write_timeout_ms`: it stopped reading.
    #[error("the HIS took no bytes for {ms} ms (write timeout); the connection was closed")]
    WriteTimeout {
        /// The configured write timeout.
        ms: u128,
    },
    /// No acknowledgement for this message within the ACK timeout.
    #[error("no ACK within {ms} ms")]
    NoAck {
        /// The configured ACK timeout.
        ms: u128,
    },
    /// Reading the answer failed.
    #[error("read failed: {0}")]
    Read(std::io::Error),
    /// The HIS closed the connection before answering.
    #[error("the HIS closed the connection")]
    Closed,
    /// The answer could not be cut out of the stream (MLLP framing, too long).
    #[error("{0}")]
    Framing(#[from] MllpError),
    /// The LIS is shutting down; the attempt is not recorded and is made again after restart.
    #[error("the LIS is shutting down")]
    ShuttingDown,
}

/// The sender's open connection and when it was last used.
struct Open {
    stream: TcpStream,
    last_used: Instant,
}

impl Sender {
    pub(crate) async fn run(self) {
        let mut conn: Option<Open> = None;
        let endpoints = self.config.endpoint_names();
        let poll = Duration::from_millis(self.config.poll_ms.max(10));
        loop {
            if self.shutdown.is_cancelled() {
                break;
            }
            let (name, limit) = (self.endpoint.name.clone(), 32);
            let due = self
                .on_db(move |store| {
                    store
                        .his_due(&name, Timestamp::now(), limit)
                        .map_err(SendError::Store)
                })
                .await;
            let due = due.unwrap_or_else(|e| {
                tracing::error!(endpoint = %self.endpoint.name, error = %e, "reading the outbox failed");
                Vec::new()
            });
            let idle = due.is_empty();
            for d in due {
                if self.shutdown.is_cancelled() {
                    break;
                }
                if let Err(e) = self.deliver(&mut conn, &d, &endpoints).await {
                    tracing::error!(endpoint = %self.endpoint.name, outbox = d.outbox_id, error = %e, "delivery could not be prepared");
                }
            }
            if idle {
                tokio::select! {
                    () = self.shutdown.cancelled() => break,
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(poll) => {}
                }
            }
        }
    }

    /// Runs a store call on the blocking pool: SQLite waits for locks and fsyncs, and the
    /// runtime's workers drive every analyzer link's timers.
    async fn on_db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, SendError> + Send + 'static,
    ) -> Result<T, SendError> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || f(&store)).await?
    }

    async fn deliver(
        &self,
        conn: &mut Option<Open>,
        d: &HisDelivery,
        endpoints: &[String],
    ) -> Result<(), SendError> {
        let (control, message) = match (&d.control_id, &d.message) {
            (Some(c), Some(m)) => (c.clone(), m.clone()),
            _ => {
                let control = control_id(d.outbox_id);
                let (config, endpoint, row) =
                    (Arc::clone(&self.config), self.endpoint.clone(), d.clone());
                self.on_db(move |store| {
                    let now = Timestamp::now();
                    let built = build_oru(store, &config, &endpoint, &row, &control, now)?;
                    store
                        .his_prepare(row.outbox_id, &endpoint.name, &control, &built, now)
                        .map_err(SendError::Store)
                })
                .await?
            }
        };
        self.metrics.record_attempt();
        let answer = self.exchange(conn, &message, &control).await;
        let now = Timestamp::now();
        let outcome = match answer {
            Ok(AckReading::Ack { code, .. }) if code.is_accept() => {
                self.metrics.set_endpoint(&self.endpoint.name, true, None);
                DeliveryOutcome::Accepted {
                    ack_code: code.code().to_owned(),
                }
            }
            Ok(AckReading::Ack { code, text }) => {
                self.metrics.set_endpoint(&self.endpoint.name, true, None);
                tracing::warn!(endpoint = %self.endpoint.name, outbox = d.outbox_id, control_id = %control, ack = code.code(), reason = %text, "the HIS refused a result message");
                DeliveryOutcome::Rejected {
                    ack_code: code.code().to_owned(),
                    reason: if text.is_empty() {
                        format!("the HIS answered {} without a reason", code.code())
                    } else {
                        text
                    },
                }
            }
            Err(DeliveryFault::ShuttingDown) => return Ok(()),
            Ok(AckReading::Unusable(why)) => self.failed(conn, d, now, why),
            Err(fault) => self.failed(conn, d, now, fault.to_string()),
        };
        let (name, outbox_id, endpoints) =
            (self.endpoint.name.clone(), d.outbox_id, endpoints.to_vec());
        let state = self
            .on_db(move |store| {
                store
                    .his_record_attempt(outbox_id, &name, &outcome, now, &endpoints)
                    .map_err(SendError::Store)
            })
            .await?;
        match state {
            DeliveryState::Delivered => {
                let latency = now.duration_since(d.created_at);
                self.metrics
                    .record_delivered(latency.as_secs_f64().max(0.0));
            }
            DeliveryState::Rejected => self.metrics.record_rejected(),
            DeliveryState::Pending => self.metrics.record_failed(),
        }
        Ok(())
    }

    /// An attempt without an acknowledgement: the connection is dropped and the row retried.
    fn failed(
        &self,
        conn: &mut Option<Open>,
        d: &HisDelivery,
        now: Timestamp,
        why: String,
    ) -> DeliveryOutcome {
        *conn = None;
        self.metrics
            .set_endpoint(&self.endpoint.name, false, Some(why.clone()));
        let delay = self.config.backoff(d.attempts + 1);
        tracing::info!(endpoint = %self.endpoint.name, outbox = d.outbox_id, error = %why, retry_in_ms = delay.as_millis() as u64, "result message not acknowledged; will retry");
        let retry_at = now
            .checked_add(jiff::SignedDuration::try_from(delay).unwrap_or_default())
            .unwrap_or(now);
        DeliveryOutcome::Failed {
            error: why,
            retry_at,
        }
    }

    /// Sends one framed message and reads frames until the ACK for `control` (or a fault).
    /// Shutdown ends it at once, whatever it waits for.
    async fn exchange(
        &self,
        conn: &mut Option<Open>,
        message: &[u8],
        control: &str,
    ) -> Result<AckReading, DeliveryFault> {
        tokio::select! {
            () = self.shutdown.cancelled() => Err(DeliveryFault::ShuttingDown),
            answer = self.exchange_inner(conn, message, control) => answer,
        }
    }

    async fn exchange_inner(
        &self,
        conn: &mut Option<Open>,
        message: &[u8],
        control: &str,
    ) -> Result<AckReading, DeliveryFault> {
        let timeout = self.config.ack_timeout();
        // A connection idle past the idle timeout may have been dropped by the HIS or a firewall
        // without a word: open a fresh one rather than lose an attempt to a dead socket.
        if let (Some(open), Some(idle)) = (conn.as_ref(), self.config.idle_timeout()) {
            if open.last_used.elapsed() >= idle {
                *conn = None;
            }
        }
        let open = match conn {
            Some(open) => open,
            None => {
                let address = self.endpoint.address.clone();
                let stream = tokio::time::timeout(timeout, TcpStream::connect(address.as_str()))
                    .await
                    .map_err(|_| DeliveryFault::ConnectTimeout {
                        address: address.clone(),
                    })?
                    .map_err(|source| DeliveryFault::Connect { address, source })?;
                conn.insert(Open {
                    stream,
                    last_used: Instant::now(),
                })
            }
        };
        open.last_used = Instant::now();
        let stream = &mut open.stream;
        let write_timeout = self.config.write_timeout();
        tokio::time::timeout(write_timeout, stream.write_all(&mllp::encode(message)))
            .await
            .map_err(|_| DeliveryFault::WriteTimeout {
                ms: write_timeout.as_millis(),
            })?
            .map_err(DeliveryFault::Write)?;
        let deadline = Instant::now() + timeout;
        let mut decoder = MllpDecoder::new(self.config.max_message_bytes);
        let mut buf = BytesMut::with_capacity(4096);
        loop {
            while let Some(event) = decoder.decode(&mut buf)? {
                let MllpEvent::Message { payload, .. } = event else {
                    continue;
                };
                match read_ack(&payload, control) {
                    AckReading::Ack { code, text } => {
                        open.last_used = Instant::now();
                        return Ok(AckReading::Ack { code, text });
                    }
                    // An answer to an earlier message (a late ACK): keep waiting.
                    AckReading::Unusable(why) => {
                        tracing::debug!(reason = %why, "ignoring a frame while waiting for an ACK");
                    }
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let no_ack = DeliveryFault::NoAck {
                ms: timeout.as_millis(),
            };
            if left.is_zero() {
                return Err(no_ack);
            }
            match tokio::time::timeout(left, open.stream.read_buf(&mut buf)).await {
                Err(_) => return Err(no_ack),
                Ok(Err(e)) => return Err(DeliveryFault::Read(e)),
                Ok(Ok(0)) => return Err(DeliveryFault::Closed),
                Ok(Ok(_)) => {}
            }
        }
    }
}
