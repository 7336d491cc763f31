//! ASTM machines: E1381 framed ([`AstmFramedMachine`]) and raw records ([`AstmRawMachine`]).

use std::collections::{BTreeMap, VecDeque};
use std::time::Instant;

use bytes::Bytes;
use lis_astm::assemble::{AssembledMessage, RecordAssembler};
use lis_astm::frame::FrameFormat;
use lis_astm::link::{
    self as e1381, DiagnosticKind, LinkConfig, LinkEvent as E1381Event, MessageId, Role,
    TimeoutKind, RECEIVE_TIMEOUT,
};

use lis_core::model::OrderedTestId;

use crate::download::Outgoing;
use crate::link::{Counter, LinkEvent, LinkMachine};

/// What an ASTM machine reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AstmEvent {
    /// A message arrived (H..L records, each ended by CR). Always answer with a verdict.
    Message {
        /// The records.
        text: Vec<u8>,
        /// H through L; false when cut by a new H, EOT or the end of the stream.
        complete: bool,
    },
    /// The receive timer expired with a message unfinished; it is not stored as results
    /// [LIS1-A §6.5.2.4] but its text is here for the log and the journal.
    Discarded {
        /// The records received so far.
        text: Vec<u8>,
    },
    /// A message grew past the link's `max_message_len` and was given up (its frame NAKed, the
    /// line neutral); its text so far (at most the limit plus one frame) is here for the journal.
    TooLong {
        /// The records received so far.
        text: Vec<u8>,
        /// The limit it crossed, in bytes.
        limit: usize,
    },
    /// The analyzer accepted a whole message from the LIS (E1381: its last frame was ACKed; raw
    /// records: all its bytes were written and flushed, the most that can be known without a link
    /// layer).
    Sent {
        /// The ordered tests the message downloads (none for a query answer): now sent.
        tests: Vec<OrderedTestId>,
    },
    /// A message from the LIS failed every attempt [LIS1-A §6.5.1.2]: it is given up, and the
    /// ordered tests it downloads stay pending in core for the next download.
    SendFailed {
        /// Attempts made.
        attempts: u32,
        /// The ordered tests of the download given up (none for a query answer).
        tests: Vec<OrderedTestId>,
    },
    /// The LIS sent a NAK (bad frame, rejected message, busy).
    NakSent,
    /// The analyzer sent a NAK.
    NakReceived,
    /// A protocol timer expired.
    Timeout(TimeoutKind),
    /// Something odd the link coped with (bad checksum, bytes outside frames, contention...).
    Diagnostic {
        /// What kind.
        kind: DiagnosticKind,
        /// What and where.
        detail: String,
    },
    /// A reply could not be queued (a restricted byte in it); a defect in the LIS, logged.
    ReplyRefused {
        /// Why.
        reason: String,
    },
}

impl LinkEvent for AstmEvent {
    fn counter(&self) -> Option<Counter> {
        match self {
            Self::Message { .. } => Some(Counter::MessageIn),
            Self::Sent { .. } => Some(Counter::MessageOut),
            Self::NakSent => Some(Counter::NakSent),
            Self::NakReceived => Some(Counter::NakReceived),
            Self::Timeout(_) => Some(Counter::Timeout),
            Self::Diagnostic {
                kind: DiagnosticKind::ChecksumMismatch,
                ..
            } => Some(Counter::ChecksumError),
            _ => None,
        }
    }
}

/// The verdict on a received ASTM message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AstmVerdict {
    /// Stored: ACK the last frame. False: NAK it, the analyzer repeats it (E1381 only).
    pub accept: bool,
    /// A message to send back (a host query answer), after the analyzer's EOT.
    pub reply: Option<String>,
}

impl AstmVerdict {
    /// Stored, nothing to answer.
    pub fn accept() -> Self {
        Self {
            accept: true,
            reply: None,
        }
    }

    /// Not stored.
    pub fn reject() -> Self {
        Self {
            accept: false,
            reply: None,
        }
    }
}

/// The E1381 link with the LIS as the computer system (LIS1-A), one per connection.
#[derive(Debug)]
pub struct AstmFramedMachine {
    link: e1381::Link,
    /// For each message event handed out and not yet judged: whether its frame waits for a reply.
    awaiting: VecDeque<bool>,
    events: VecDeque<AstmEvent>,
    /// Downloads queued for the analyzer and not yet accepted by it.
    unsent: BTreeMap<MessageId, Outgoing<String>>,
    naks_sent: u64,
    naks_received: u64,
}

impl AstmFramedMachine {
    /// A machine sending frames of at most `max_frame_len` bytes and accepting up to
    /// `max_receive_frame_len` [LIS1-A §6.3.1].
    pub fn new(max_frame_len: usize, max_receive_frame_len: usize) -> Self {
        Self::with_format(max_frame_len, max_receive_frame_len, FrameFormat::Standard)
    }

    /// As [`AstmFramedMachine::new`], with frames in `format` both ways.
    pub fn with_format(
        max_frame_len: usize,
        max_receive_frame_len: usize,
        format: FrameFormat,
    ) -> Self {
        Self::with_role(Role::Computer, max_frame_len, max_receive_frame_len, format)
    }

    pub(crate) fn with_role(
        role: Role,
        max_frame_len: usize,
        max_receive_frame_len: usize,
        frame_format: FrameFormat,
    ) -> Self {
        Self {
            link: e1381::Link::new(
                role,
                LinkConfig {
                    max_frame_len,
                    max_receive_frame_len,
                    frame_format,
                    ..LinkConfig::default()
                },
            ),
            awaiting: VecDeque::new(),
            events: VecDeque::new(),
            unsent: BTreeMap::new(),
            naks_sent: 0,
            naks_received: 0,
        }
    }

    /// The same machine giving up any received message longer than `max_message_len` bytes
    /// ([`AstmEvent::TooLong`]). Call before the machine is used.
    pub fn with_max_message_len(mut self, max_message_len: usize) -> Self {
        let config = LinkConfig {
            max_message_len,
            ..self.link.config().clone()
        };
        self.link = e1381::Link::new(self.link.role(), config);
        self
    }

    /// The E1381 link's own counters.
    pub fn counters(&self) -> e1381::LinkCounters {
        self.link.counters()
    }

    /// Queues `text`; `keep`: hand it back from `take_unsent` if the connection ends first (an
    /// order download is kept; a query answer is not, it would reach the analyzer unasked).
    fn send(&mut self, now: Instant, outgoing: Outgoing<String>, keep: bool) {
        match self.link.send(now, outgoing.message.clone().into_bytes()) {
            Ok(id) if keep => {
                self.unsent.insert(id, outgoing);
            }
            Ok(_) => {}
            Err(e) => self.events.push_back(AstmEvent::ReplyRefused {
                reason: e.to_string(),
            }),
        }
    }

    /// Moves the link's events (and NAK counter changes) into ours.
    fn pump(&mut self) {
        let c = self.link.counters();
        for _ in self.naks_sent..c.naks_sent {
            self.events.push_back(AstmEvent::NakSent);
        }
        for _ in self.naks_received..c.naks_received {
            self.events.push_back(AstmEvent::NakReceived);
        }
        self.naks_sent = c.naks_sent;
        self.naks_received = c.naks_received;
        while let Some(event) = self.link.poll_event() {
            let ours = match event {
                E1381Event::MessageReceived(m) => {
                    self.awaiting.push_back(m.reply_pending);
                    AstmEvent::Message {
                        text: m.text,
                        complete: m.complete,
                    }
                }
                E1381Event::IncompleteMessageDiscarded { text, .. } => {
                    AstmEvent::Discarded { text }
                }
                E1381Event::MessageTooLong { text, limit, .. } => {
                    AstmEvent::TooLong { text, limit }
                }
                E1381Event::MessageSent { id } => AstmEvent::Sent {
                    tests: self.unsent.remove(&id).map(|o| o.tests).unwrap_or_default(),
                },
                E1381Event::SendFailed { id, attempts, .. } => AstmEvent::SendFailed {
                    attempts,
                    tests: self.unsent.remove(&id).map(|o| o.tests).unwrap_or_default(),
                },
                E1381Event::Timeout(kind) => AstmEvent::Timeout(kind),
                E1381Event::Diagnostic(d) => AstmEvent::Diagnostic {
                    kind: d.kind,
                    detail: d.detail,
                },
                E1381Event::TransferStarted(_)
                | E1381Event::TransferEnded(_)
                | E1381Event::SendAttemptFailed { .. } => continue,
            };
            self.events.push_back(ours);
        }
    }
}

impl LinkMachine for AstmFramedMachine {
    type Event = AstmEvent;
    type Verdict = AstmVerdict;
    type Outbound = Outgoing<String>;

    fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.link.handle_input(now, bytes);
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.link.handle_timeout(now);
    }

    fn handle_verdict(&mut self, now: Instant, verdict: AstmVerdict) {
        if self.awaiting.pop_front() == Some(true) {
            if verdict.accept {
                self.link.accept_message(now);
            } else {
                self.link.reject_message(now);
            }
        }
        if let Some(reply) = verdict.reply {
            self.send(now, Outgoing::message(reply), false);
        }
    }

    fn queue_outbound(&mut self, now: Instant, message: Outgoing<String>) {
        self.send(now, message, true);
    }

    fn take_unsent(&mut self) -> Vec<Outgoing<String>> {
        std::mem::take(&mut self.unsent).into_values().collect()
    }

    fn poll_transmit(&mut self) -> Option<Bytes> {
        self.link.poll_transmit().map(Bytes::from)
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.link.poll_timeout()
    }

    fn poll_event(&mut self) -> Option<AstmEvent> {
        self.pump();
        self.events.pop_front()
    }

    fn held_input(&self) -> usize {
        self.link.held_len()
    }
}

/// Bare E1394 records on a stream (no E1381: no frames, no ACK). A message is delivered at its L
/// record; one left unfinished for [`RECEIVE_TIMEOUT`] (30 s, as LIS1-A §6.5.2.4 for frames) or
/// grown past the maximum is delivered as incomplete. Replies are written as bare records.
///
/// Without a link layer nothing tells that the analyzer took a message, so a message counts as
/// sent ([`AstmEvent::Sent`]) once the link task reports its bytes written and flushed
/// ([`LinkMachine::handle_written`]); a download not yet written when the connection ends is
/// handed back by `take_unsent`.
#[derive(Debug)]
pub struct AstmRawMachine {
    assembler: RecordAssembler,
    max_message_len: usize,
    last_input: Option<Instant>,
    events: VecDeque<AstmEvent>,
    /// Messages to write, in order, each with its download (none for a query answer).
    transmit: VecDeque<(Bytes, Option<Outgoing<String>>)>,
    /// Messages handed to the link task and not yet reported written.
    writing: VecDeque<Option<Outgoing<String>>>,
}

impl AstmRawMachine {
    /// A machine delivering messages up to `max_message_len` bytes.
    pub fn new(max_message_len: usize) -> Self {
        Self {
            assembler: RecordAssembler::new(),
            max_message_len: max_message_len.max(64),
            last_input: None,
            events: VecDeque::new(),
            transmit: VecDeque::new(),
            writing: VecDeque::new(),
        }
    }

    fn deliver(&mut self, m: AssembledMessage) {
        self.events.push_back(AstmEvent::Message {
            complete: m.is_complete(),
            text: m.text,
        });
    }
}

impl LinkMachine for AstmRawMachine {
    type Event = AstmEvent;
    type Verdict = AstmVerdict;
    type Outbound = Outgoing<String>;

    fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.last_input = Some(now);
        self.assembler.push(bytes);
        while let Some(m) = self.assembler.next_message() {
            self.deliver(m);
        }
        if self.assembler.pending_len() > self.max_message_len {
            self.events.push_back(AstmEvent::Diagnostic {
                kind: DiagnosticKind::UnreadableFrame,
                detail: format!(
                    "message longer than {} bytes without an L record; delivered as incomplete",
                    self.max_message_len
                ),
            });
            for m in self.assembler.finish() {
                self.deliver(m);
            }
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        if self.poll_timeout().is_some_and(|t| t <= now) {
            self.events
                .push_back(AstmEvent::Timeout(TimeoutKind::Receive));
            for m in self.assembler.finish() {
                self.deliver(m);
            }
        }
    }

    fn handle_verdict(&mut self, _now: Instant, verdict: AstmVerdict) {
        if let Some(reply) = verdict.reply {
            self.transmit
                .push_back((Bytes::from(reply.into_bytes()), None));
        }
    }

    fn queue_outbound(&mut self, _now: Instant, message: Outgoing<String>) {
        let bytes = Bytes::from(message.message.clone().into_bytes());
        self.transmit.push_back((bytes, Some(message)));
    }

    fn take_unsent(&mut self) -> Vec<Outgoing<String>> {
        let writing = std::mem::take(&mut self.writing).into_iter().flatten();
        let queued = std::mem::take(&mut self.transmit)
            .into_iter()
            .filter_map(|(_, download)| download);
        writing.chain(queued).collect()
    }

    fn poll_transmit(&mut self) -> Option<Bytes> {
        let (bytes, download) = self.transmit.pop_front()?;
        self.writing.push_back(download);
        Some(bytes)
    }

    fn handle_written(&mut self, _now: Instant) {
        for download in self.writing.drain(..) {
            self.events.push_back(AstmEvent::Sent {
                tests: download.map(|d| d.tests).unwrap_or_default(),
            });
        }
    }

    fn poll_timeout(&self) -> Option<Instant> {
        if self.assembler.pending_len() == 0 && self.assembler.pending_records() == 0 {
            None
        } else {
            self.last_input.map(|t| t + RECEIVE_TIMEOUT)
        }
    }

    fn poll_event(&mut self) -> Option<AstmEvent> {
        self.events.pop_front()
    }
}
