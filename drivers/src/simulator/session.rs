//! The simulator's side of each protocol over any byte stream: E1381 as the instrument, raw
//! records, MLLP.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use bytes::BytesMut;
use lis_astm::assemble::RecordAssembler;
use lis_astm::frame::FrameFormat;
use lis_astm::link::{self as e1381, LinkConfig, LinkEvent as E, MessageId, Role};
use lis_hl7::mllp::{self, MllpDecoder, MllpEvent};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use super::SimError;

/// How a message from the simulator ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Acknowledged (E1381 last frame ACKed; HL7 AA/CA; raw: written).
    Acknowledged,
    /// Refused (E1381 gave up after the retries; HL7 AE/AR).
    Rejected,
    /// No answer in time.
    TimedOut,
}

fn now() -> std::time::Instant {
    Instant::now().into_std()
}

/// The analyzer's end of an E1381 link.
pub(crate) struct AstmInstrument<Io> {
    io: Io,
    link: e1381::Link,
    buf: Vec<u8>,
    received: VecDeque<Vec<u8>>,
    outcomes: BTreeMap<MessageId, Delivery>,
    raw: Option<RecordAssembler>,
    closed: bool,
}

impl<Io: AsyncRead + AsyncWrite + Unpin> AstmInstrument<Io> {
    #[cfg(test)]
    pub(crate) fn framed(io: Io, max_frame_len: usize) -> Self {
        Self::new(io, max_frame_len, FrameFormat::Standard, None)
    }

    /// E1381 with frames in `format` (bare: no frame number, no checksum).
    pub(crate) fn framed_as(io: Io, max_frame_len: usize, format: FrameFormat) -> Self {
        Self::new(io, max_frame_len, format, None)
    }

    pub(crate) fn raw(io: Io) -> Self {
        Self::new(io, 247, FrameFormat::Standard, Some(RecordAssembler::new()))
    }

    fn new(
        io: Io,
        max_frame_len: usize,
        frame_format: FrameFormat,
        raw: Option<RecordAssembler>,
    ) -> Self {
        Self {
            io,
            link: e1381::Link::new(
                Role::Instrument,
                LinkConfig {
                    max_frame_len,
                    frame_format,
                    ..LinkConfig::default()
                },
            ),
            buf: vec![0; 4096],
            received: VecDeque::new(),
            outcomes: BTreeMap::new(),
            raw,
            closed: false,
        }
    }

    /// Sends one message and waits for its outcome (at most `limit`).
    pub(crate) async fn send(&mut self, text: &str, limit: Duration) -> Result<Delivery, SimError> {
        if self.raw.is_some() {
            self.io.write_all(text.as_bytes()).await?;
            self.io.flush().await?;
            return Ok(Delivery::Acknowledged);
        }
        let id = self
            .link
            .send(now(), text.as_bytes().to_vec())
            .map_err(|e| SimError::Message(e.to_string()))?;
        let deadline = Instant::now() + limit;
        self.pump_until(deadline, |s| s.outcomes.contains_key(&id))
            .await?;
        Ok(self.outcomes.remove(&id).unwrap_or(Delivery::TimedOut))
    }

    /// Waits for a message from the LIS (at most `limit`).
    pub(crate) async fn receive(&mut self, limit: Duration) -> Result<Option<Vec<u8>>, SimError> {
        let deadline = Instant::now() + limit;
        self.pump_until(deadline, |s| !s.received.is_empty())
            .await?;
        Ok(self.received.pop_front())
    }

    /// Lets the link finish what it is doing (the EOT after the last frame).
    pub(crate) async fn settle(&mut self, limit: Duration) -> Result<(), SimError> {
        let deadline = Instant::now() + limit;
        self.pump_until(deadline, |s| {
            s.raw.is_some() || s.link.state() == e1381::LinkState::Neutral
        })
        .await
    }

    async fn pump_until(
        &mut self,
        deadline: Instant,
        done: impl Fn(&Self) -> bool,
    ) -> Result<(), SimError> {
        loop {
            while let Some(bytes) = self.link.poll_transmit() {
                self.io.write_all(&bytes).await?;
            }
            self.io.flush().await?;
            let mut progressed = false;
            while let Some(event) = self.link.poll_event() {
                progressed = true;
                match event {
                    E::MessageReceived(m) => {
                        if m.reply_pending {
                            self.link.accept_message(now());
                        }
                        self.received.push_back(m.text);
                    }
                    E::MessageSent { id } => {
                        self.outcomes.insert(id, Delivery::Acknowledged);
                    }
                    E::SendFailed { id, .. } => {
                        self.outcomes.insert(id, Delivery::Rejected);
                    }
                    _ => {}
                }
            }
            if progressed {
                continue;
            }
            if done(self) || self.closed {
                return Ok(());
            }
            let timer = self.link.poll_timeout().map(Instant::from_std);
            tokio::select! {
                read = self.io.read(&mut self.buf) => match read? {
                    0 => {
                        self.closed = true;
                    }
                    n => {
                        let bytes = self.buf.get(..n).unwrap_or_default().to_vec();
                        match &mut self.raw {
                            Some(assembler) => {
                                assembler.push(&bytes);
                                while let Some(m) = assembler.next_message() {
                                    self.received.push_back(m.text);
                                }
                            }
                            None => self.link.handle_input(now(), &bytes),
                        }
                    }
                },
                () = sleep_until(timer) => self.link.handle_timeout(now()),
                () = tokio::time::sleep_until(deadline) => return Ok(()),
            }
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The analyzer's end of an MLLP connection.
pub(crate) struct MllpAnalyzer<Io> {
    io: Io,
    decoder: MllpDecoder,
    input: BytesMut,
    buf: Vec<u8>,
    received: VecDeque<Vec<u8>>,
    closed: bool,
}

impl<Io: AsyncRead + AsyncWrite + Unpin> MllpAnalyzer<Io> {
    pub(crate) fn new(io: Io) -> Self {
        Self {
            io,
            decoder: MllpDecoder::default(),
            input: BytesMut::new(),
            buf: vec![0; 4096],
            received: VecDeque::new(),
            closed: false,
        }
    }

    pub(crate) async fn write(&mut self, message: &[u8]) -> Result<(), SimError> {
        self.io.write_all(&mllp::encode(message)).await?;
        self.io.flush().await?;
        Ok(())
    }

    /// The next message from the LIS, or `None` after `limit` or when the LIS closed.
    pub(crate) async fn receive(&mut self, limit: Duration) -> Result<Option<Vec<u8>>, SimError> {
        let deadline = Instant::now() + limit;
        loop {
            while let Ok(Some(event)) = self.decoder.decode(&mut self.input) {
                if let MllpEvent::Message { payload, .. } = event {
                    self.received.push_back(payload.to_vec());
                }
            }
            if let Some(m) = self.received.pop_front() {
                return Ok(Some(m));
            }
            if self.closed {
                return Ok(None);
            }
            tokio::select! {
                read = self.io.read(&mut self.buf) => match read? {
                    0 => self.closed = true,
                    n => self.input.extend_from_slice(self.buf.get(..n).unwrap_or_default()),
                },
                () = tokio::time::sleep_until(deadline) => return Ok(None),
            }
        }
    }
}
