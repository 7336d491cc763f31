//! The orders listener: an MLLP server (HL7 v2.5.1 Appendix C.4.3) that takes ORM^O01 and
//! OML^O21 from the HIS, journals every message (or unreadable bytes) first, applies it to the
//! store, and answers each message with an ACK (original mode, §2.9.2):
//!
//! - `AA` when every order in it is stored (a byte-identical resend of a stored message too);
//! - `AE` with MSA-3 and ERR (location, table 0357 code, text) for a content error: unknown test,
//!   missing PID, bad field, unknown or duplicate order;
//! - `AR` for what cannot be processed: not HL7, another message type, oversized, or a database
//!   failure (the HIS should resend later).

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::BytesMut;
use jiff::Timestamp;
use lis_core::model::Actor;
use lis_core::{Store, StoreError};
use lis_hl7::build::{CodedValue, FieldValue, MessageBuilder, MessageHeader, SegmentBuilder};
use lis_hl7::mllp::{self, MllpDecoder, MllpError, MllpEvent};
use lis_hl7::segments::{AckCode, MessageType};
use lis_hl7::Message;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use super::config::HisConfig;
use super::metrics::HisMetrics;
use super::orders::{error_code, read_order_message, OrderAction, Refusal};
use super::oru::dtm;

/// The answer to one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderAnswer {
    /// MSA-1.
    pub ack: AckCode,
    /// The refusal, when not AA.
    pub refusal: Option<Refusal>,
    /// The ACK bytes (unframed).
    pub bytes: Vec<u8>,
}

/// Builds an ACK (MSH, MSA, \[ERR\]) to a message whose header we may or may not have read.
pub fn build_ack(
    config: &HisConfig,
    incoming: Option<&Message<'_>>,
    refusal: Option<&Refusal>,
    now: Timestamp,
    tz: &jiff::tz::TimeZone,
) -> Vec<u8> {
    let (control, app, facility, event) = incoming.map_or_else(
        || (String::new(), String::new(), String::new(), String::new()),
        |m| {
            let h = m.header();
            (
                h.control_id().text().trim().to_owned(),
                h.sending_application().text().into_owned(),
                h.sending_facility().text().into_owned(),
                h.message_type().event.to_owned(),
            )
        },
    );
    let header = MessageHeader {
        sending_application: config.sending_application.clone(),
        sending_facility: config.sending_facility.clone(),
        receiving_application: app,
        receiving_facility: facility,
        datetime: dtm(now, tz),
        control_id: format!("ACK{}", now.as_millisecond()),
        ..MessageHeader::default()
    };
    let mut b = MessageBuilder::new(
        &header,
        MessageType {
            code: "ACK",
            event: &event,
            structure: "ACK",
        },
    );
    let code = refusal.map_or(AckCode::ApplicationAccept, |r| r.ack);
    let mut msa = SegmentBuilder::new("MSA")
        .field(1, code.code())
        .field(2, control);
    if let Some(r) = refusal {
        msa = msa.field(3, r.text.as_str());
    }
    b.push(msa);
    if let Some(r) = refusal {
        let location = r.location.as_ref().map_or_else(
            || FieldValue::text(""),
            |(seg, seq, field)| {
                FieldValue::components_trimmed([
                    seg.clone(),
                    seq.to_string(),
                    if *field == 0 {
                        String::new()
                    } else {
                        field.to_string()
                    },
                ])
            },
        );
        let coded = CodedValue::new(&r.code.to_string(), error_code::text(r.code), "HL70357");
        b.push(
            SegmentBuilder::new("ERR")
                .field(2, location)
                .field(
                    3,
                    FieldValue::components_trimmed([coded.code, coded.text, coded.system]),
                )
                .field(4, "E")
                .field(8, r.text.as_str()),
        );
    }
    b.build()
}

/// An AE for a message whose MSH-18 declares UTF-8 (`UNICODE UTF-8`, HL7 table 0211) but whose
/// bytes are not UTF-8: reading them as anything else would store garbled names (`NGUYÁN` for
/// `NGUYỄN`), so nothing is stored; the raw bytes stay in the journal. HL7 v2.5.1 table 0357
/// code 102 (data type error), located at the segment and field of the first invalid byte.
fn invalid_utf8(message: &Message<'_>, raw: &[u8]) -> Option<Refusal> {
    let declared = message
        .header()
        .charset()
        .as_str()
        .trim()
        .to_ascii_uppercase();
    if declared != "UNICODE UTF-8" {
        return None;
    }
    let at = std::str::from_utf8(raw).err()?.valid_up_to();
    // `at` is a byte offset in the raw message: its segment starts after the last CR before it
    // (MLLP's framing bytes are already gone), and its field is the count of field separators
    // in the segment before it (MSH counts MSH-1, the separator itself, as a field).
    let before = raw.get(..at)?;
    let start = before
        .iter()
        .rposition(|&b| b == b'\r' || b == b'\n')
        .map_or(0, |i| i + 1);
    let segment_bytes = before.get(start..)?;
    let id = String::from_utf8_lossy(segment_bytes.get(..3).unwrap_or(segment_bytes)).into_owned();
    let separator = raw.get(3).copied().unwrap_or(b'|');
    let separators = segment_bytes.iter().filter(|&&b| b == separator).count();
    let field = if id == "MSH" {
        separators + 1
    } else {
        separators
    };
    let sequence = before
        .split(|&b| b == b'\r' || b == b'\n')
        .filter(|s| s.starts_with(id.as_bytes()))
        .count();
    Some(Refusal::error(
        error_code::DATA_TYPE,
        Some((id.as_str(), sequence, field)),
        format!(
            "MSH-18 declares UNICODE UTF-8 but byte {at} ({id}-{field}) is not UTF-8; \
             nothing was stored: send the text as UTF-8"
        ),
    ))
}

fn store_refusal(e: &StoreError) -> Refusal {
    match e {
        StoreError::NotFound { .. } => {
            Refusal::error(error_code::UNKNOWN_KEY, Some(("ORC", 1, 2)), e.to_string())
        }
        StoreError::Conflict { .. } => Refusal::error(
            error_code::DUPLICATE_KEY,
            Some(("ORC", 1, 2)),
            e.to_string(),
        ),
        StoreError::Invalid { .. } | StoreError::IllegalTransition(_) => {
            Refusal::error(error_code::TABLE_VALUE_NOT_FOUND, None, e.to_string())
        }
        _ => Refusal::reject(
            error_code::INTERNAL,
            String::from("the LIS could not store the order now; send it again later"),
        ),
    }
}

/// Whether a new order repeats one already stored (same placer number, patient, tubes and
/// tests): a HIS that resends after a lost ACK, even with a new MSH-10, gets AA, not a duplicate.
fn same_as_stored(store: &Store, order: &lis_core::model::NewOrder) -> bool {
    let Ok(Some(stored)) = store.order_by_placer(&order.placer_number) else {
        return false;
    };
    let (Ok(patient), Ok(specimens), Ok(tests)) = (
        store.patient(stored.patient_id),
        store.specimens_for_order(stored.id),
        store.ordered_tests(stored.id),
    ) else {
        return false;
    };
    let mut have: Vec<(String, String)> = tests
        .iter()
        .filter(|t| t.status != lis_core::model::OrderedTestStatus::Cancelled)
        .filter_map(|t| {
            let s = specimens.iter().find(|s| s.id == t.specimen_id)?;
            Some((s.barcode.clone(), t.test_code.clone()))
        })
        .collect();
    let mut want: Vec<(String, String)> = order
        .specimens
        .iter()
        .flat_map(|s| s.tests.iter().map(|t| (s.barcode.clone(), t.clone())))
        .collect();
    have.sort();
    want.sort();
    want.dedup();
    patient.his_id == order.patient.his_id && have == want
}

fn apply(store: &Store, actor: &Actor, action: &OrderAction, resend: bool) -> Result<(), Refusal> {
    let result = match action {
        OrderAction::Place(order) => {
            if resend || same_as_stored(store, order) {
                if let Ok(Some(_)) = store.order_by_placer(&order.placer_number) {
                    return Ok(());
                }
            }
            store.place_order(order.clone(), actor).map(|_| ())
        }
        OrderAction::Change(order) => store.change_order(order, actor).map(|_| ()),
        OrderAction::Cancel {
            placer_number,
            reason,
        } => match store.order_by_placer(placer_number) {
            Ok(Some(o)) if resend && o.status == lis_core::model::OrderStatus::Cancelled => {
                return Ok(())
            }
            Ok(Some(o)) => store.cancel_order(o.id, reason, actor),
            Ok(None) => {
                return Err(Refusal::error(
                    error_code::UNKNOWN_KEY,
                    Some(("ORC", 1, 2)),
                    format!("order {placer_number:?} to cancel does not exist"),
                ))
            }
            Err(e) => Err(e),
        },
    };
    if let Err(e) = &result {
        tracing::warn!(error = %e, "an HIS order was not stored");
    }
    result.map_err(|e| store_refusal(&e))
}

/// Handles one message from the HIS: journal, apply, answer. Never fails: every problem becomes
/// an AE or AR.
pub fn handle_message(
    store: &Store,
    config: &HisConfig,
    metrics: &HisMetrics,
    raw: &[u8],
    now: Timestamp,
) -> OrderAnswer {
    metrics.orders_received.fetch_add(1, Ordering::Relaxed);
    let lab = store.config();
    let tz = lab.time_zone();
    let parsed = Message::parse(raw);
    let (answer_refusal, message) = match &parsed {
        Err(e) => (
            Some(Refusal::reject(
                error_code::SEGMENT_SEQUENCE,
                format!("not a readable HL7 message: {e}"),
            )),
            None,
        ),
        Ok((m, _)) => {
            let t = m.header().message_type();
            let supported = matches!((t.code, t.event), ("ORM", "O01") | ("OML", "O21"));
            if let Some(refusal) = supported.then(|| invalid_utf8(m, raw)).flatten() {
                (Some(refusal), Some(m))
            } else if supported {
                (None, Some(m))
            } else {
                (
                    Some(Refusal::reject(
                        error_code::UNSUPPORTED_MESSAGE_TYPE,
                        format!(
                            "message type {}^{} is not taken here; send ORM^O01 or OML^O21",
                            t.code, t.event
                        ),
                    )),
                    Some(m),
                )
            }
        }
    };
    let kind = match &message {
        Some(m) if m.header().message_type().code == "OML" => "oml",
        Some(m) if m.header().message_type().code == "ORM" => "orm",
        Some(_) => "unsupported",
        None => "unparsed",
    };
    // Read the content before journaling so the journal entry carries the reason.
    let actions = match (&answer_refusal, message) {
        (None, Some(m)) => Some(read_order_message(m, lab, config)),
        _ => None,
    };
    let early = answer_refusal.or_else(|| match &actions {
        Some(Err(r)) => Some(r.clone()),
        _ => None,
    });
    let journal = store.journal_his(
        &config.name,
        now,
        kind,
        raw,
        early.as_ref().map(|r| r.text.as_str()),
    );
    let refusal = match (journal, early, actions) {
        (Err(e), _, _) => {
            tracing::error!(error = %e, "journaling an HIS message failed");
            Some(Refusal::reject(
                error_code::INTERNAL,
                String::from("the LIS could not journal the message; send it again later"),
            ))
        }
        (Ok(_), Some(r), _) => Some(r),
        (Ok((_, resend)), None, Some(Ok(actions))) => {
            let actor = Actor::His(config.name.clone());
            actions
                .iter()
                .find_map(|a| apply(store, &actor, a, resend).err())
        }
        (Ok(_), None, _) => None,
    };
    match refusal.as_ref().map(|r| r.ack) {
        None => metrics.orders_accepted.fetch_add(1, Ordering::Relaxed),
        Some(AckCode::ApplicationError) => metrics.orders_errors.fetch_add(1, Ordering::Relaxed),
        Some(_) => metrics.orders_rejected.fetch_add(1, Ordering::Relaxed),
    };
    if let Some(r) = &refusal {
        tracing::warn!(ack = r.ack.code(), reason = %r.text, "HIS order message refused");
    }
    let incoming = parsed.as_ref().ok().map(|(m, _)| m);
    OrderAnswer {
        ack: refusal
            .as_ref()
            .map_or(AckCode::ApplicationAccept, |r| r.ack),
        bytes: build_ack(config, incoming, refusal.as_ref(), now, tz),
        refusal,
    }
}

/// Accepts HIS connections on `listener` until `shutdown`.
pub async fn serve_orders(
    listener: TcpListener,
    store: Arc<Store>,
    config: Arc<HisConfig>,
    metrics: Arc<HisMetrics>,
    shutdown: CancellationToken,
) {
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => break,
            a = listener.accept() => a,
        };
        match accepted {
            Ok((stream, peer)) if !config.allow_from.allows(peer.ip()) => {
                metrics.connections_refused.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    %peer,
                    allow_from = %config.allow_from,
                    "HIS orders connection refused: peer not in allow_from"
                );
                drop(stream);
            }
            Ok((stream, peer)) => {
                tracing::info!(%peer, "HIS connected for orders");
                let (store, config, metrics, shutdown) = (
                    store.clone(),
                    config.clone(),
                    metrics.clone(),
                    shutdown.clone(),
                );
                tokio::spawn(async move {
                    connection(stream, peer, store, config, metrics, shutdown).await;
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "accepting an HIS connection failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

async fn journal_and_refuse(
    stream: &mut TcpStream,
    store: &Store,
    config: &HisConfig,
    metrics: &HisMetrics,
    kind: &str,
    raw: &[u8],
    text: String,
) -> std::io::Result<()> {
    metrics.orders_received.fetch_add(1, Ordering::Relaxed);
    metrics.orders_rejected.fetch_add(1, Ordering::Relaxed);
    let now = Timestamp::now();
    if let Err(e) = store.journal_his(&config.name, now, kind, raw, Some(&text)) {
        tracing::error!(error = %e, "journaling HIS bytes failed");
    }
    tracing::warn!(reason = %text, "HIS bytes refused");
    let refusal = Refusal::reject(error_code::SEGMENT_SEQUENCE, text);
    let ack = build_ack(
        config,
        None,
        Some(&refusal),
        now,
        store.config().time_zone(),
    );
    stream.write_all(&mllp::encode(&ack)).await
}

async fn connection(
    mut stream: TcpStream,
    peer: SocketAddr,
    store: Arc<Store>,
    config: Arc<HisConfig>,
    metrics: Arc<HisMetrics>,
    shutdown: CancellationToken,
) {
    let mut decoder = MllpDecoder::new(config.max_message_bytes);
    let mut buf = BytesMut::with_capacity(8192);
    let mut eof = false;
    loop {
        loop {
            let event = if eof {
                decoder.decode_eof(&mut buf)
            } else {
                decoder.decode(&mut buf)
            };
            let outcome = match event {
                Ok(None) => break,
                Ok(Some(MllpEvent::Message { payload, .. })) => {
                    let (s, c, m) = (store.clone(), config.clone(), metrics.clone());
                    let raw = payload.clone();
                    let answer = tokio::task::spawn_blocking(move || {
                        handle_message(&s, &c, &m, &raw, Timestamp::now())
                    })
                    .await;
                    match answer {
                        Ok(a) => stream.write_all(&mllp::encode(&a.bytes)).await,
                        Err(e) => {
                            tracing::error!(error = %e, "the order handler failed");
                            Ok(())
                        }
                    }
                }
                Ok(Some(MllpEvent::Junk { offset, bytes })) => {
                    if bytes.iter().all(u8::is_ascii_whitespace) {
                        Ok(())
                    } else {
                        journal_and_refuse(
                            &mut stream,
                            &store,
                            &config,
                            &metrics,
                            "junk",
                            &bytes,
                            format!(
                                "{} bytes outside an MLLP frame at stream offset {offset} were not read as a message",
                                bytes.len()
                            ),
                        )
                        .await
                    }
                }
                Ok(Some(MllpEvent::Skipped { .. })) => Ok(()),
                Err(MllpError::MessageTooLong {
                    offset, max_len, ..
                }) => {
                    let note = format!("oversized message at stream offset {offset} from {peer}");
                    journal_and_refuse(
                        &mut stream,
                        &store,
                        &config,
                        &metrics,
                        "oversized",
                        note.as_bytes(),
                        format!("the message is longer than the maximum of {max_len} bytes"),
                    )
                    .await
                }
            };
            if let Err(e) = outcome {
                tracing::info!(%peer, error = %e, "HIS orders connection lost");
                return;
            }
        }
        if eof {
            return;
        }
        let read = tokio::select! {
            () = shutdown.cancelled() => return,
            r = stream.read_buf(&mut buf) => r,
        };
        match read {
            Ok(0) => eof = true,
            Ok(_) => {}
            Err(e) => {
                tracing::info!(%peer, error = %e, "HIS orders connection lost");
                return;
            }
        }
    }
}
