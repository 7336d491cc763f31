//! MLLP, the Minimal Lower Layer Protocol (HL7 v2.5.1 Appendix C.4.3; PROTOCOLS.md §3 "MLLP"):
//! `<VT> message <FS><CR>` on a byte stream, no checksum, no length field.
//!
//! [`MllpDecoder::decode`] is a pure function over a `BytesMut` in the tokio-util style: it takes whole
//! items off the front of the buffer and returns `Ok(None)` while an item is incomplete. It keeps its
//! scan position, so feeding the stream in any split costs linear time. Nothing is silently eaten:
//! bytes outside a frame come back as [`MllpEvent::Junk`], an oversized message is an
//! [`MllpError::MessageTooLong`] followed by an [`MllpEvent::Skipped`] count once the decoder has
//! resynchronised on the next start byte.

use bytes::{Bytes, BytesMut};
use memchr::{memchr, memchr2};

/// Start block, `<VT>` (0x0B, vertical tab): opens a frame.
pub const START_BLOCK: u8 = 0x0B;
/// End block, `<FS>` (0x1C, file separator): closes the message.
pub const END_BLOCK: u8 = 0x1C;
/// Carriage return (0x0D) that follows the end block.
pub const CARRIAGE_RETURN: u8 = 0x0D;

/// A default maximum message size: 1 MiB holds the largest histogram-laden haematology results.
pub const DEFAULT_MAX_MESSAGE_LEN: usize = 1 << 20;

/// One item taken off the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MllpEvent {
    /// A complete message (the bytes between `<VT>` and `<FS>`).
    Message {
        /// Stream offset of the `<VT>`.
        offset: u64,
        /// The message bytes.
        payload: Bytes,
    },
    /// Bytes outside any frame (before a `<VT>`, or a frame cut short by a new `<VT>` or the end of
    /// the stream).
    Junk {
        /// Stream offset of the first byte.
        offset: u64,
        /// The bytes.
        bytes: Bytes,
    },
    /// Bytes dropped after [`MllpError::MessageTooLong`] until the next `<VT>` (counted, not kept).
    Skipped {
        /// Stream offset of the first dropped byte.
        offset: u64,
        /// How many bytes were dropped in total for that message.
        len: u64,
    },
}

/// Faults on the MLLP stream. The decoder stays usable after each.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MllpError {
    /// A message grew past the configured maximum without an end block; its bytes are dropped until
    /// the next `<VT>`.
    #[error(
        "MLLP message starting at stream offset {offset} exceeds the maximum of {max_len} bytes"
    )]
    MessageTooLong {
        /// Stream offset of the `<VT>` that opened the message.
        offset: u64,
        /// The configured maximum.
        max_len: usize,
        /// The message's first `max_len` bytes (after the `<VT>`), to be kept with the error: the
        /// rest is dropped. The same however the stream was split.
        head: Bytes,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between frames.
    Idle,
    /// Inside a frame whose `<VT>` is at buffer index 0; `scanned` bytes after it hold no FS or VT.
    InFrame { scanned: usize },
    /// Dropping an oversized message until the next `<VT>`.
    Discarding { offset: u64, dropped: u64 },
}

/// Incremental MLLP decoder; see the module doc.
#[derive(Debug, Clone)]
pub struct MllpDecoder {
    max_len: usize,
    state: State,
    /// Stream offset of buffer index 0.
    offset: u64,
    /// The previous frame ended with `<FS>` at the end of the buffer: a following `<CR>` belongs to it.
    pending_cr: bool,
}

impl Default for MllpDecoder {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_MESSAGE_LEN)
    }
}

impl MllpDecoder {
    /// A decoder that rejects messages longer than `max_message_len` bytes.
    pub fn new(max_message_len: usize) -> Self {
        Self {
            max_len: max_message_len,
            state: State::Idle,
            offset: 0,
            pending_cr: false,
        }
    }

    /// Stream offset of the next byte the decoder will look at.
    pub fn position(&self) -> u64 {
        self.offset
    }

    fn take(&mut self, buf: &mut BytesMut, n: usize) -> (u64, Bytes) {
        let offset = self.offset;
        self.offset += n as u64;
        (offset, buf.split_to(n).freeze())
    }

    /// Takes the next item off the front of `buf`; `Ok(None)` when more bytes are needed.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<MllpEvent>, MllpError> {
        loop {
            if self.pending_cr && !buf.is_empty() {
                self.pending_cr = false;
                if buf.first() == Some(&CARRIAGE_RETURN) {
                    let _ = self.take(buf, 1);
                }
            }
            match self.state {
                State::Idle => {
                    if buf.is_empty() {
                        return Ok(None);
                    }
                    match memchr(START_BLOCK, buf) {
                        Some(0) => self.state = State::InFrame { scanned: 0 },
                        Some(i) => {
                            let (offset, bytes) = self.take(buf, i);
                            return Ok(Some(MllpEvent::Junk { offset, bytes }));
                        }
                        None => {
                            let n = buf.len();
                            let (offset, bytes) = self.take(buf, n);
                            return Ok(Some(MllpEvent::Junk { offset, bytes }));
                        }
                    }
                }
                State::InFrame { scanned } => {
                    let from = 1 + scanned;
                    let found = buf
                        .get(from..)
                        .and_then(|b| memchr2(END_BLOCK, START_BLOCK, b))
                        .map(|i| from + i);
                    // The size check comes first, whatever ends the message, so that the outcome does not
                    // depend on how the stream was split.
                    if found.unwrap_or(buf.len()).saturating_sub(1) > self.max_len {
                        return Err(self.too_long(buf));
                    }
                    match found {
                        Some(end) if buf.get(end) == Some(&END_BLOCK) => {
                            self.state = State::Idle;
                            let (offset, mut frame) = self.take(buf, end + 1);
                            // Drop the end block, then the start block.
                            frame.truncate(end);
                            let payload = frame.slice(1..);
                            match buf.first() {
                                Some(&CARRIAGE_RETURN) => {
                                    let _ = self.take(buf, 1);
                                }
                                Some(_) => {}
                                None => self.pending_cr = true,
                            }
                            return Ok(Some(MllpEvent::Message { offset, payload }));
                        }
                        Some(next_start) => {
                            // A new frame began before this one ended: report the cut frame as junk.
                            self.state = State::InFrame { scanned: 0 };
                            let (offset, bytes) = self.take(buf, next_start);
                            return Ok(Some(MllpEvent::Junk { offset, bytes }));
                        }
                        None => {
                            self.state = State::InFrame {
                                scanned: buf.len().saturating_sub(1),
                            };
                            return Ok(None);
                        }
                    }
                }
                State::Discarding { offset, dropped } => match memchr(START_BLOCK, buf) {
                    Some(i) => {
                        let _ = self.take(buf, i);
                        self.state = State::InFrame { scanned: 0 };
                        return Ok(Some(MllpEvent::Skipped {
                            offset,
                            len: dropped + i as u64,
                        }));
                    }
                    None => {
                        let n = buf.len();
                        let _ = self.take(buf, n);
                        self.state = State::Discarding {
                            offset,
                            dropped: dropped + n as u64,
                        };
                        return Ok(None);
                    }
                },
            }
        }
    }

    /// Drops the oversized frame at the front of `buf` and starts discarding.
    fn too_long(&mut self, buf: &mut BytesMut) -> MllpError {
        let offset = self.offset;
        // Keep a following start block so the next frame is not lost.
        let cut = buf
            .get(1..)
            .and_then(|b| memchr(START_BLOCK, b))
            .map_or(buf.len(), |i| i + 1);
        let (_, dropped) = self.take(buf, cut);
        self.state = State::Discarding {
            offset,
            dropped: cut as u64,
        };
        // The size check fired with more than `max_len` bytes after the start block in `buf`.
        let head = dropped.slice(1.min(cut)..(1 + self.max_len).min(cut));
        MllpError::MessageTooLong {
            offset,
            max_len: self.max_len,
            head,
        }
    }

    /// At the end of the stream: whatever is left (an unterminated frame) as junk, or the pending count
    /// of skipped bytes.
    pub fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<MllpEvent>, MllpError> {
        if let Some(event) = self.decode(buf)? {
            return Ok(Some(event));
        }
        match std::mem::replace(&mut self.state, State::Idle) {
            State::Discarding { offset, dropped } => Ok(Some(MllpEvent::Skipped {
                offset,
                len: dropped,
            })),
            State::InFrame { .. } | State::Idle if !buf.is_empty() => {
                let n = buf.len();
                let (offset, bytes) = self.take(buf, n);
                Ok(Some(MllpEvent::Junk { offset, bytes }))
            }
            _ => Ok(None),
        }
    }
}

/// Frames one message: `<VT>` + `message` + `<FS><CR>`.
pub fn encode(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 3);
    out.push(START_BLOCK);
    out.extend_from_slice(message);
    out.push(END_BLOCK);
    out.push(CARRIAGE_RETURN);
    out
}

#[cfg(test)]
mod tests;
