//! The orders listener: an MLLP server (HL7 v2.5.1 Appendix C.4.3) that takes ORM^O01 and
//! OML^O21 from the HIS, journals every message (or unreadable bytes) first, applies it to the
//! store on the blocking pool, and answers each message ([`super::order_ack`]: ACK, ORR^O02 or
//! ORL^O22, and in enhanced mode the accept acknowledgement first):
//!
//! - `AA` when every order in it is stored (a byte-identical resend of a stored message too);
//! - `AE` with MSA-3 and ERR (location, table 0357 code, text) for a content error: unknown test,
//!   missing PID, bad field, unknown or duplicate order;
//! - `AR` for what cannot be processed: not HL7, another message type, oversized, or a database
//!   failure (the HIS should resend later).
//!
//! Each order of a message is applied on its own; a cancel of tests with a released result is
//! `AE` (table 0357 206, ORC-1 `UC` in ORR/ORL) while the other tests it names are cancelled.
//! Connections are capped (`max_connections`), closed when silent for `idle_timeout_secs`, and
//! every write is bounded by `write_timeout_ms` and ended by shutdown.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::BytesMut;
use jiff::Timestamp;
use lis_core::model::{Actor, OrderStatus, OrderedTestStatus};
use lis_core::presentation::release_progress;
use lis_core::{Store, StoreError};
use lis_hl7::mllp::{self, MllpDecoder, MllpError, MllpEvent};
use lis_hl7::segments::AckCode;
use lis_hl7::Message;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::config::{HisConfig, OrderAckForm};
use super::metrics::HisMetrics;
use super::order_ack::{accept_ack, application_ack, build_ack, AckMode, LineAnswer, OrderReply};
use super::orders::{error_code, read_order_message, OrderAction, OrderMessage, Refusal};

/// The answer to one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderAnswer {
    /// MSA-1 of the application acknowledgement.
    pub ack: AckCode,
    /// The first refusal, when not AA.
    pub refusal: Option<Refusal>,
    /// The application acknowledgement (unframed): ACK, ORR^O02 or ORL^O22.
    pub bytes: Vec<u8>,
    /// The accept acknowledgement (enhanced mode, when MSH-15 asks for it), sent first.
    pub accept: Option<Vec<u8>>,
    /// Whether the application acknowledgement is sent (original mode: always; enhanced mode:
    /// as MSH-16 asks).
    pub send_application: bool,
}

impl OrderAnswer {
    /// What to write back, in order (possibly nothing).
    pub fn replies(&self) -> Vec<&[u8]> {
        let mut out: Vec<&[u8]> = Vec::new();
        if let Some(a) = &self.accept {
            out.push(a);
        }
        if self.send_application {
            out.push(&self.bytes);
        }
        out
    }
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
        // Released results lock their tests: table 0357 206 "application record locked".
        StoreError::ReleasedTests { .. } => Refusal::error(
            error_code::RECORD_LOCKED,
            Some(("ORC", 1, 1)),
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
        .filter(|t| t.status != OrderedTestStatus::Cancelled)
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

/// What applying one action did.
#[derive(Debug, Default)]
struct Applied {
    /// Why it was not done (AE/AR).
    refusal: Option<Refusal>,
    /// Tests of a per-test cancel left as they were because their result is released.
    not_cancelled: Vec<String>,
}

fn cancel(
    store: &Store,
    actor: &Actor,
    placer_number: &str,
    reason: &str,
    tests: Option<&[String]>,
    resend: bool,
) -> Result<Vec<String>, StoreError> {
    let Some(order) = store.order_by_placer(placer_number)? else {
        return Err(StoreError::NotFound {
            entity: "order to cancel",
            id: format!("{placer_number:?}"),
        });
    };
    if resend && order.status == OrderStatus::Cancelled {
        return Ok(Vec::new());
    }
    match tests {
        None => store
            .cancel_order(order.id, reason, actor)
            .map(|_| Vec::new()),
        Some(codes) => {
            // A resend of a per-test cancel asks again for tests it already cancelled.
            let codes: Vec<String> = if resend {
                let live = store.ordered_tests(order.id)?;
                codes
                    .iter()
                    .filter(|c| {
                        live.iter()
                            .any(|t| &t.test_code == *c && t.status != OrderedTestStatus::Cancelled)
                    })
                    .cloned()
                    .collect()
            } else {
                codes.to_vec()
            };
            if codes.is_empty() {
                return Ok(Vec::new());
            }
            store
                .cancel_tests(order.id, &codes, reason, actor)
                .map(|done| done.released)
        }
    }
}

fn apply(store: &Store, actor: &Actor, action: &OrderAction, resend: bool) -> Applied {
    let result = match action {
        OrderAction::Place(order) => {
            if (resend || same_as_stored(store, order))
                && matches!(store.order_by_placer(&order.placer_number), Ok(Some(_)))
            {
                return Applied::default();
            }
            store.place_order(order.clone(), actor).map(|_| Vec::new())
        }
        OrderAction::Change(order) => store.change_order(order, actor).map(|_| Vec::new()),
        OrderAction::Cancel {
            placer_number,
            reason,
            tests,
        } => cancel(
            store,
            actor,
            placer_number,
            reason,
            tests.as_deref(),
            resend,
        ),
    };
    match result {
        Ok(not_cancelled) if not_cancelled.is_empty() => Applied::default(),
        Ok(not_cancelled) => Applied {
            refusal: Some(Refusal::error(
                error_code::RECORD_LOCKED,
                Some(("ORC", 1, 1)),
                format!(
                    "not cancelled: {} already released (correct a wrong result instead); \
                     the other tests named were cancelled",
                    not_cancelled.join(", ")
                ),
            )),
            not_cancelled,
        },
        Err(e) => {
            tracing::warn!(error = %e, "an HIS order was not stored");
            Applied {
                refusal: Some(store_refusal(&e)),
                not_cancelled: Vec::new(),
            }
        }
    }
}

/// Answers each line: its ORC-1 (table 0119) from what its action did, and the order's filler
/// number and status as they are now.
fn answer_lines(
    store: &Store,
    message: &OrderMessage,
    applied: &[(String, Applied)],
) -> Vec<LineAnswer> {
    message
        .lines
        .iter()
        .map(|line| {
            let outcome = applied.iter().find(|(p, _)| *p == line.placer);
            let done = match outcome {
                Some((_, a)) if a.refusal.is_none() => true,
                // A per-test cancel done in part: the lines whose tests were all cancelled.
                Some((_, a)) if !a.not_cancelled.is_empty() => {
                    !line.tests.is_empty()
                        && line.tests.iter().all(|t| !a.not_cancelled.contains(t))
                }
                _ => false,
            };
            let stored = store.order_by_placer(&line.placer).ok().flatten();
            let status = stored.as_ref().and_then(|o| {
                let tests = store.ordered_tests(o.id).ok()?;
                let results = store.results_for_order(o.id).ok()?;
                Some(release_progress(o, &tests, &results).order_status_0038())
            });
            LineAnswer {
                line: line.clone(),
                reply: OrderReply::to(line.control, done),
                filler: stored.map(|o| o.accession).unwrap_or_default(),
                status,
            }
        })
        .collect()
}

/// Handles one message from the HIS: journal, apply, answer. Never fails: every problem becomes
/// an AE or AR (or, in enhanced mode, a CE or CR accept acknowledgement).
pub fn handle_message(
    store: &Store,
    config: &HisConfig,
    metrics: &HisMetrics,
    raw: &[u8],
    now: Timestamp,
) -> OrderAnswer {
    let lab = store.config();
    let tz = lab.time_zone();
    let parsed = Message::parse(raw);
    let incoming = parsed.as_ref().ok().map(|(m, _)| m);
    let mode = AckMode::of(incoming);
    // An acknowledgement from the HIS (of an application acknowledgement the LIS sent) is
    // journaled and never answered: HL7 never acknowledges an acknowledgement.
    if incoming.is_some_and(|m| m.header().message_type().code == "ACK") {
        if let Err(e) = store.journal_his(&config.name, now, "ack", raw, None) {
            tracing::error!(error = %e, "journaling an acknowledgement from the HIS failed");
        }
        return OrderAnswer {
            ack: AckCode::ApplicationAccept,
            refusal: None,
            bytes: Vec::new(),
            accept: None,
            send_application: false,
        };
    }
    metrics.orders_received.fetch_add(1, Ordering::Relaxed);
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
    // The message cannot be taken at all (not HL7, another type): the enhanced mode's commit
    // reject.
    let commit_reject = answer_refusal
        .as_ref()
        .is_some_and(|r| r.ack == AckCode::ApplicationReject);
    // Read the content before journaling so the journal entry carries the reason.
    let read = match (&answer_refusal, message) {
        (None, Some(m)) => Some(read_order_message(m, lab, config)),
        _ => None,
    };
    let early = answer_refusal.or_else(|| match &read {
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
    let journaled = journal.is_ok();
    let mut lines = Vec::new();
    let refusals: Vec<Refusal> = match (journal, early, read) {
        (Err(e), _, _) => {
            tracing::error!(error = %e, "journaling an HIS message failed");
            vec![Refusal::reject(
                error_code::INTERNAL,
                String::from("the LIS could not journal the message; send it again later"),
            )]
        }
        (Ok(_), Some(r), _) => vec![r],
        (Ok((_, resend)), None, Some(Ok(message))) => {
            let actor = Actor::His(config.name.clone());
            let applied: Vec<(String, Applied)> = message
                .actions
                .iter()
                .map(|a| (placer_of(a).to_owned(), apply(store, &actor, a, resend)))
                .collect();
            // Only ORR^O02 / ORL^O22 carry the lines (the general ACK does not).
            if config.order_ack == OrderAckForm::Orr {
                lines = answer_lines(store, &message, &applied);
            }
            applied.into_iter().filter_map(|(_, a)| a.refusal).collect()
        }
        (Ok(_), None, _) => Vec::new(),
    };
    let ack = refusals
        .iter()
        .map(|r| r.ack)
        .find(|a| *a == AckCode::ApplicationReject)
        .or_else(|| refusals.first().map(|r| r.ack))
        .unwrap_or(AckCode::ApplicationAccept);
    match ack {
        AckCode::ApplicationAccept => metrics.orders_accepted.fetch_add(1, Ordering::Relaxed),
        AckCode::ApplicationError => metrics.orders_errors.fetch_add(1, Ordering::Relaxed),
        _ => metrics.orders_rejected.fetch_add(1, Ordering::Relaxed),
    };
    for r in &refusals {
        tracing::warn!(ack = r.ack.code(), reason = %r.text, "HIS order message refused");
    }
    let bytes = application_ack(config, incoming, &refusals, &lines, now, tz);
    let refusal = refusals.into_iter().next();
    let (accept, send_application) = match mode {
        AckMode::Original => (None, true),
        AckMode::Enhanced {
            accept,
            application,
        } => {
            let (code, why) = if !journaled {
                (AckCode::CommitError, refusal.as_ref())
            } else if commit_reject {
                (AckCode::CommitReject, refusal.as_ref())
            } else {
                (AckCode::CommitAccept, None)
            };
            let committed = code == AckCode::CommitAccept;
            (
                accept
                    .wants(committed)
                    .then(|| accept_ack(config, incoming, code, why, now, tz)),
                // What was not committed has no application answer.
                committed && application.wants(ack == AckCode::ApplicationAccept),
            )
        }
    };
    OrderAnswer {
        ack,
        refusal,
        bytes,
        accept,
        send_application,
    }
}

fn placer_of(action: &OrderAction) -> &str {
    match action {
        OrderAction::Place(o) | OrderAction::Change(o) => &o.placer_number,
        OrderAction::Cancel { placer_number, .. } => placer_number,
    }
}

/// Accepts HIS connections on `listener` until `shutdown`: at most `[his] max_connections` at
/// once, and only from `allow_from`; a further or foreign peer is closed before a byte is read
/// and counted in [`HisMetrics::connections_refused`].
pub async fn serve_orders(
    listener: TcpListener,
    store: Arc<Store>,
    config: Arc<HisConfig>,
    metrics: Arc<HisMetrics>,
    shutdown: CancellationToken,
) {
    let places = Arc::new(Semaphore::new(config.max_connections));
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
                let Ok(place) = Arc::clone(&places).try_acquire_owned() else {
                    metrics.connections_refused.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(
                        %peer,
                        max_connections = config.max_connections,
                        "HIS orders connection refused: max_connections reached"
                    );
                    drop(stream);
                    continue;
                };
                tracing::info!(%peer, "HIS connected for orders");
                let (store, config, metrics, shutdown) = (
                    store.clone(),
                    config.clone(),
                    metrics.clone(),
                    shutdown.clone(),
                );
                tokio::spawn(async move {
                    connection(stream, peer, store, config, metrics, shutdown).await;
                    drop(place);
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "accepting an HIS connection failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

/// Why a connection ends early.
#[derive(Debug, thiserror::Error)]
enum Hangup {
    /// The write failed.
    #[error("write failed: {0}")]
    Write(#[from] std::io::Error),
    /// The HIS took no bytes for the write timeout: it stopped reading.
    #[error("the HIS took no bytes for {0} ms (write timeout)")]
    WriteTimeout(u128),
    /// The LIS is shutting down.
    #[error("shutting down")]
    ShuttingDown,
}

/// Writes one framed answer, bounded by the write timeout and ended by shutdown.
async fn send(
    stream: &mut TcpStream,
    message: &[u8],
    config: &HisConfig,
    shutdown: &CancellationToken,
) -> Result<(), Hangup> {
    let limit = config.write_timeout();
    let framed = mllp::encode(message);
    tokio::select! {
        () = shutdown.cancelled() => Err(Hangup::ShuttingDown),
        written = tokio::time::timeout(limit, stream.write_all(&framed)) => {
            written.map_err(|_| Hangup::WriteTimeout(limit.as_millis()))?.map_err(Hangup::from)
        }
    }
}

/// What one orders connection works with.
struct Context {
    store: Arc<Store>,
    config: Arc<HisConfig>,
    metrics: Arc<HisMetrics>,
    shutdown: CancellationToken,
}

/// Journals bytes that are not a message (on the blocking pool) and answers AR.
async fn journal_and_refuse(
    stream: &mut TcpStream,
    cx: &Context,
    kind: &'static str,
    raw: Vec<u8>,
    text: String,
) -> Result<(), Hangup> {
    let (store, config, metrics, shutdown) = (&cx.store, &cx.config, &cx.metrics, &cx.shutdown);
    metrics.orders_received.fetch_add(1, Ordering::Relaxed);
    metrics.orders_rejected.fetch_add(1, Ordering::Relaxed);
    let now = Timestamp::now();
    // The answer echoes what can still be read of the header (MSH-9's event, MSH-10) when the
    // bytes hold one, e.g. a message over the size limit or outside an MLLP frame.
    let refusal = Refusal::reject(error_code::SEGMENT_SEQUENCE, text.clone());
    let readable = Message::parse(&raw).ok().map(|(m, _)| m);
    let ack = build_ack(
        config,
        readable.as_ref(),
        std::slice::from_ref(&refusal),
        now,
        store.config().time_zone(),
    );
    drop(readable);
    let (s, c, reason) = (Arc::clone(store), Arc::clone(config), text.clone());
    let journaled = tokio::task::spawn_blocking(move || {
        s.journal_his(&c.name, now, kind, &raw, Some(&reason))
            .map(|_| ())
    })
    .await;
    match journaled {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %e, "journaling HIS bytes failed"),
        Err(e) => tracing::error!(error = %e, "the journaling task failed"),
    }
    tracing::warn!(reason = %text, "HIS bytes refused");
    send(stream, &ack, config, shutdown).await
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
    let cx = Context {
        store: Arc::clone(&store),
        config: Arc::clone(&config),
        metrics: Arc::clone(&metrics),
        shutdown: shutdown.clone(),
    };
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
                        Ok(a) => {
                            let mut sent = Ok(());
                            for reply in a.replies() {
                                sent = send(&mut stream, reply, &config, &shutdown).await;
                                if sent.is_err() {
                                    break;
                                }
                            }
                            sent
                        }
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
                        let text = format!(
                            "{} bytes outside an MLLP frame at stream offset {offset} were not read as a message",
                            bytes.len()
                        );
                        journal_and_refuse(&mut stream, &cx, "junk", bytes.to_vec(), text).await
                    }
                }
                Ok(Some(MllpEvent::Skipped { .. })) => Ok(()),
                Err(MllpError::MessageTooLong {
                    offset,
                    max_len,
                    head,
                }) => {
                    // The journal keeps the message's first max_len bytes (all the decoder
                    // holds); the rest is counted by the Skipped event that follows.
                    journal_and_refuse(
                        &mut stream,
                        &cx,
                        "oversized",
                        head.to_vec(),
                        format!(
                            "the message at stream offset {offset} from {peer} is longer than \
                             the maximum of {max_len} bytes"
                        ),
                    )
                    .await
                }
            };
            if let Err(e) = outcome {
                tracing::info!(%peer, error = %e, "HIS orders connection closed");
                return;
            }
        }
        if eof {
            return;
        }
        let read = tokio::select! {
            () = shutdown.cancelled() => return,
            r = read_some(&mut stream, &mut buf, config.idle_timeout()) => r,
        };
        match read {
            Some(Ok(0)) => eof = true,
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                tracing::info!(%peer, error = %e, "HIS orders connection lost");
                return;
            }
            None => {
                tracing::info!(%peer, idle_timeout_secs = config.idle_timeout_secs, "HIS orders connection idle; closed");
                return;
            }
        }
    }
}

/// One read, or `None` when nothing came for the idle timeout.
async fn read_some(
    stream: &mut TcpStream,
    buf: &mut BytesMut,
    idle: Option<std::time::Duration>,
) -> Option<std::io::Result<usize>> {
    match idle {
        Some(limit) => tokio::time::timeout(limit, stream.read_buf(buf)).await.ok(),
        None => Some(stream.read_buf(buf).await),
    }
}
