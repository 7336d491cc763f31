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
use lis_hl7::mllp::{self, MllpDecoder, MllpEvent};
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

/// Builds the ORU^R01 of an outbox row for `endpoint` from what the store holds now.
pub(crate) fn build_oru(
    store: &Store,
    config: &HisConfig,
    endpoint: &ResultsEndpoint,
    d: &HisDelivery,
    control: &str,
    now: Timestamp,
) -> Result<Vec<u8>, SendError> {
    let order = store.order(d.order_id).map_err(SendError::Store)?;
    let patient = store.patient(order.patient_id).map_err(SendError::Store)?;
    let specimens = store
        .specimens_for_order(d.order_id)
        .map_err(SendError::Store)?;
    // ORC-5 from what is released now, over every test of the order (not only this message's).
    let progress = release_progress(
        &order,
        &store.ordered_tests(d.order_id).map_err(SendError::Store)?,
        &store
            .results_for_order(d.order_id)
            .map_err(SendError::Store)?,
    );
    let mut results: Vec<ReportedResult> = Vec::new();
    for id in &d.result_ids {
        let r = store.result_with_checks(*id).map_err(SendError::Store)?;
        let specimen_type = specimens
            .iter()
            .find(|s| s.barcode == r.result.specimen_id)
            .map(|s| s.specimen_type.clone())
            .unwrap_or_default();
        results.push(ReportedResult {
            judged_normal: judged_normal(&r.checks),
            result: r.result,
            specimen_type,
        });
    }
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
            order: &order,
            patient: &patient,
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

/// Why a message could not be prepared.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SendError {
    /// The message could not be built from the stored order.
    #[error("{0}")]
    Build(String),
    /// The store failed.
    #[error(transparent)]
    Store(lis_core::StoreError),
}

impl Sender {
    pub(crate) async fn run(self) {
        let mut conn: Option<TcpStream> = None;
        let endpoints = self.config.endpoint_names();
        let poll = Duration::from_millis(self.config.poll_ms.max(10));
        loop {
            if self.shutdown.is_cancelled() {
                break;
            }
            let due = match self
                .store
                .his_due(&self.endpoint.name, Timestamp::now(), 32)
            {
                Ok(d) => d,
                Err(e) => {
                    tracing::error!(endpoint = %self.endpoint.name, error = %e, "reading the outbox failed");
                    Vec::new()
                }
            };
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

    fn build(&self, d: &HisDelivery, control: &str) -> Result<Vec<u8>, SendError> {
        build_oru(
            &self.store,
            &self.config,
            &self.endpoint,
            d,
            control,
            Timestamp::now(),
        )
    }

    async fn deliver(
        &self,
        conn: &mut Option<TcpStream>,
        d: &HisDelivery,
        endpoints: &[String],
    ) -> Result<(), SendError> {
        let (control, message) = match (&d.control_id, &d.message) {
            (Some(c), Some(m)) => (c.clone(), m.clone()),
            _ => {
                let control = control_id(d.outbox_id);
                let built = self.build(d, &control)?;
                self.store
                    .his_prepare(
                        d.outbox_id,
                        &self.endpoint.name,
                        &control,
                        &built,
                        Timestamp::now(),
                    )
                    .map_err(SendError::Store)?
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
            Ok(AckReading::Unusable(why)) | Err(why) => {
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
        };
        let state = self
            .store
            .his_record_attempt(d.outbox_id, &self.endpoint.name, &outcome, now, endpoints)
            .map_err(SendError::Store)?;
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

    /// Sends one framed message and reads frames until the ACK for `control` (or a fault).
    async fn exchange(
        &self,
        conn: &mut Option<TcpStream>,
        message: &[u8],
        control: &str,
    ) -> Result<AckReading, String> {
        let timeout = self.config.ack_timeout();
        let deadline = Instant::now() + timeout;
        if conn.is_none() {
            let stream =
                tokio::time::timeout(timeout, TcpStream::connect(self.endpoint.address.as_str()))
                    .await
                    .map_err(|_| format!("connecting to {} timed out", self.endpoint.address))?
                    .map_err(|e| format!("cannot connect to {}: {e}", self.endpoint.address))?;
            *conn = Some(stream);
        }
        let Some(stream) = conn.as_mut() else {
            return Err(String::from("no connection"));
        };
        stream
            .write_all(&mllp::encode(message))
            .await
            .map_err(|e| format!("write failed: {e}"))?;
        let mut decoder = MllpDecoder::new(self.config.max_message_bytes);
        let mut buf = BytesMut::with_capacity(4096);
        loop {
            loop {
                match decoder.decode(&mut buf) {
                    Ok(Some(MllpEvent::Message { payload, .. })) => {
                        match read_ack(&payload, control) {
                            AckReading::Ack { code, text } => {
                                return Ok(AckReading::Ack { code, text })
                            }
                            // An answer to an earlier message (a late ACK): keep waiting.
                            AckReading::Unusable(why) => {
                                tracing::debug!(reason = %why, "ignoring a frame while waiting for an ACK");
                            }
                        }
                    }
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(e) => return Err(e.to_string()),
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!("no ACK within {} ms", timeout.as_millis()));
            }
            match tokio::time::timeout(left, stream.read_buf(&mut buf)).await {
                Err(_) => return Err(format!("no ACK within {} ms", timeout.as_millis())),
                Ok(Err(e)) => return Err(format!("read failed: {e}")),
                Ok(Ok(0)) => return Err(String::from("the HIS closed the connection")),
                Ok(Ok(_)) => {}
            }
        }
    }
}
