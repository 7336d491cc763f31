//! Decoding a recorded E1381 byte stream (a capture file) into messages, offline.
//!
//! A capture holds what was seen on the wire: ENQ, frames, ACK/NAK/EOT, possibly both directions
//! interleaved, possibly noise. [`decode_capture`] reassembles the frames' text, groups records into
//! H … L messages with the [`RecordAssembler`], and reports every oddity with its byte offset. A frame
//! with a bad checksum is reported, never hidden, and its text is still used, unless a retransmission of
//! the same frame follows, which replaces it. Nothing here acknowledges anything; for a live link use
//! [`crate::link::Link`].

use crate::assemble::{AssembledMessage, RecordAssembler};
use crate::frame::{
    self, ChecksumCheck, Control, Decoded, FrameError, FrameFormat, FrameKind, ReceivedFrame,
};

/// One oddity found in a capture, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureDiagnostic {
    /// Byte offset in the capture (of the frame's STX for frame problems).
    pub offset: u64,
    /// What was found.
    pub kind: CaptureDiagnosticKind,
}

/// What a [`CaptureDiagnostic`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureDiagnosticKind {
    /// The frame's checksum does not match; its text is still used.
    ChecksumMismatch {
        /// The frame number.
        frame_number: u8,
        /// Checksum computed over FN..ETX/ETB.
        expected: u8,
        /// Checksum carried by the frame.
        got: u8,
    },
    /// The frame has no checksum characters (or they are not hex); its text is still used.
    ChecksumMissing {
        /// The frame number.
        frame_number: u8,
    },
    /// The frame number is not the expected next one [LIS1-A §6.5.1.1 item 3].
    FrameNumberMismatch {
        /// The number expected (1 at the start of a transfer, else last + 1 modulo 8).
        expected: u8,
        /// The number found.
        got: u8,
    },
    /// A frame repeated the previous one (a retransmission); the repeat was not used twice.
    Retransmission {
        /// The frame number.
        frame_number: u8,
        /// True when the repeat replaced a previous copy whose checksum was bad.
        replaced_bad_copy: bool,
    },
    /// A frame could not be read (no ETB/ETX, too long, no frame number).
    Unreadable(FrameError),
    /// Bytes outside any frame that are not link control characters.
    BytesOutsideFrames {
        /// How many.
        len: usize,
    },
}

impl std::fmt::Display for CaptureDiagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "byte {}: ", self.offset)?;
        match &self.kind {
            CaptureDiagnosticKind::ChecksumMismatch {
                frame_number,
                expected,
                got,
            } => write!(
                f,
                "frame {frame_number} checksum mismatch: the bytes sum to {expected:02X}, the frame says {got:02X}"
            ),
            CaptureDiagnosticKind::ChecksumMissing { frame_number } => {
                write!(f, "frame {frame_number} has no readable checksum")
            }
            CaptureDiagnosticKind::FrameNumberMismatch { expected, got } => {
                write!(f, "frame number {got} where {expected} was expected")
            }
            CaptureDiagnosticKind::Retransmission {
                frame_number,
                replaced_bad_copy,
            } => {
                write!(f, "frame {frame_number} retransmitted")?;
                if *replaced_bad_copy {
                    write!(f, "; it replaced a copy with a bad checksum")?;
                }
                Ok(())
            }
            CaptureDiagnosticKind::Unreadable(error) => write!(f, "unreadable frame: {error}"),
            CaptureDiagnosticKind::BytesOutsideFrames { len } => {
                write!(f, "{len} bytes outside any frame ignored")
            }
        }
    }
}

/// One message found in a capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedMessage {
    /// The records, each ended by one CR (see [`crate::assemble`]).
    pub text: Vec<u8>,
    /// Offset of the STX of the frame holding the message's first record.
    pub offset: u64,
    /// Number of records.
    pub records: usize,
    /// True when the message runs from H to L.
    pub complete: bool,
    /// Oddities in the frames that carried this message.
    pub diagnostics: Vec<CaptureDiagnostic>,
}

/// Counts of what the capture held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaptureStats {
    /// Frames read (retransmissions included).
    pub frames: usize,
    /// Frames ended by ETB.
    pub intermediate_frames: usize,
    /// Frames whose checksum is valid.
    pub valid_checksums: usize,
    /// ENQ bytes.
    pub enq: usize,
    /// ACK bytes.
    pub ack: usize,
    /// NAK bytes.
    pub nak: usize,
    /// EOT bytes.
    pub eot: usize,
    /// Bytes outside frames that are not control characters.
    pub bytes_outside: usize,
}

/// Everything decoded from a capture.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capture {
    /// The messages, in order.
    pub messages: Vec<CapturedMessage>,
    /// Oddities not tied to a message (noise between frames, unreadable frames outside messages).
    pub diagnostics: Vec<CaptureDiagnostic>,
    /// Counts.
    pub stats: CaptureStats,
}

/// Decodes a recorded E1381 byte stream into messages with diagnostics. Never fails: a non-E1381
/// stream yields diagnostics and perhaps no message.
pub fn decode_capture(bytes: &[u8]) -> Capture {
    decode_capture_as(bytes, FrameFormat::Standard)
}

/// [`decode_capture`] for frames in `format`. Bare frames carry no number: each is taken as it
/// comes, with no sequence or retransmission check.
pub fn decode_capture_as(bytes: &[u8], format: FrameFormat) -> Capture {
    let mut decoder = CaptureDecoder {
        format,
        ..CaptureDecoder::default()
    };
    for token in frame::decode_all_as(bytes, format) {
        decoder.token(token);
    }
    decoder.finish()
}

#[derive(Debug, Default)]
struct CaptureDecoder {
    format: FrameFormat,
    capture: Capture,
    assembler: RecordAssembler,
    /// (assembler text offset, STX offset) of frames fed.
    frame_offsets: Vec<(u64, u64)>,
    /// The last frame read, held back in case a retransmission replaces it.
    held: Option<ReceivedFrame>,
    /// FN of the last frame fed in this transfer.
    last_number: Option<u8>,
    /// Diagnostics for the message being assembled.
    pending: Vec<CaptureDiagnostic>,
}

impl CaptureDecoder {
    fn token(&mut self, token: Result<Decoded, FrameError>) {
        match token {
            Ok(Decoded::Frame(received)) => self.frame(received),
            Ok(Decoded::Control { control, .. }) => match control {
                Control::Enq => {
                    self.capture.stats.enq += 1;
                    self.end_transfer();
                }
                Control::Eot => {
                    self.capture.stats.eot += 1;
                    self.end_transfer();
                }
                Control::Ack => self.capture.stats.ack += 1,
                Control::Nak => self.capture.stats.nak += 1,
            },
            Ok(Decoded::Outside { offset, bytes }) => {
                self.capture.stats.bytes_outside += bytes.len();
                let kind = CaptureDiagnosticKind::BytesOutsideFrames { len: bytes.len() };
                self.capture
                    .diagnostics
                    .push(CaptureDiagnostic { offset, kind });
            }
            Err(error) => {
                let offset = match &error {
                    FrameError::TooLong { offset, .. }
                    | FrameError::Unterminated { offset, .. }
                    | FrameError::BadFrameNumber { offset, .. } => *offset,
                };
                let diagnostic = CaptureDiagnostic {
                    offset,
                    kind: CaptureDiagnosticKind::Unreadable(error),
                };
                self.flush_held();
                if self.assembler.pending_len() > 0 {
                    self.pending.push(diagnostic);
                } else {
                    self.capture.diagnostics.push(diagnostic);
                }
            }
        }
    }

    fn frame(&mut self, received: ReceivedFrame) {
        let stats = &mut self.capture.stats;
        stats.frames += 1;
        if received.frame.kind == FrameKind::Intermediate {
            stats.intermediate_frames += 1;
        }
        let number = received.frame.number;
        match received.checksum {
            ChecksumCheck::Valid => stats.valid_checksums += 1,
            ChecksumCheck::NotCarried => {}
            ChecksumCheck::Mismatch { expected, got } => self.pending.push(CaptureDiagnostic {
                offset: received.offset,
                kind: CaptureDiagnosticKind::ChecksumMismatch {
                    frame_number: number,
                    expected,
                    got,
                },
            }),
            ChecksumCheck::Missing | ChecksumCheck::Malformed { .. } => {
                self.pending.push(CaptureDiagnostic {
                    offset: received.offset,
                    kind: CaptureDiagnosticKind::ChecksumMissing {
                        frame_number: number,
                    },
                })
            }
        }
        if self.format == FrameFormat::Bare {
            self.take_text(received);
            return;
        }
        let Some(held) = self.held.take() else {
            self.held = Some(received);
            return;
        };
        if held.frame.number == number {
            // Same number twice in a row: a retransmission when the text is the same or the first copy
            // was damaged. Different valid texts under one number are both kept (a device fault).
            let replace = !held.is_valid();
            if replace || held.frame.text == received.frame.text {
                let kind = CaptureDiagnosticKind::Retransmission {
                    frame_number: number,
                    replaced_bad_copy: replace,
                };
                self.pending.push(CaptureDiagnostic {
                    offset: received.offset,
                    kind,
                });
                self.held = Some(if replace { received } else { held });
                return;
            }
        }
        self.feed(held);
        self.held = Some(received);
    }

    fn feed(&mut self, received: ReceivedFrame) {
        let number = received.frame.number;
        let expected = self.last_number.map_or(1, |n| (n + 1) % 8);
        if number != expected {
            self.pending.push(CaptureDiagnostic {
                offset: received.offset,
                kind: CaptureDiagnosticKind::FrameNumberMismatch {
                    expected,
                    got: number,
                },
            });
        }
        self.last_number = Some(number);
        self.take_text(received);
    }

    /// Adds a frame's text to the message being assembled and emits what it completes.
    fn take_text(&mut self, received: ReceivedFrame) {
        self.frame_offsets
            .push((self.assembler.offset(), received.offset));
        self.assembler.push(&received.frame.text);
        if received.frame.kind == FrameKind::Last {
            self.assembler.close_record();
        }
        while let Some(message) = self.assembler.next_message() {
            self.emit(message);
        }
    }

    fn emit(&mut self, message: AssembledMessage) {
        let offset = self
            .frame_offsets
            .iter()
            .rev()
            .find(|&&(text, _)| text <= message.offset)
            .or_else(|| self.frame_offsets.first())
            .map_or(0, |&(_, stx)| stx);
        self.capture.messages.push(CapturedMessage {
            complete: message.is_complete(),
            records: message.records,
            text: message.text,
            offset,
            diagnostics: std::mem::take(&mut self.pending),
        });
    }

    fn flush_held(&mut self) {
        if let Some(held) = self.held.take() {
            self.feed(held);
        }
    }

    /// EOT or ENQ: the transfer is over; whatever is open is emitted, flagged.
    fn end_transfer(&mut self) {
        self.flush_held();
        for message in self.assembler.finish() {
            self.emit(message);
        }
        self.frame_offsets.clear();
        self.last_number = None;
    }

    fn finish(mut self) -> Capture {
        self.end_transfer();
        self.capture.diagnostics.append(&mut self.pending);
        self.capture.diagnostics.sort_by_key(|d| d.offset);
        self.capture
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{Frame, ACK, ENQ, EOT, NAK};

    fn frame(number: u8, text: &[u8], kind: FrameKind) -> Vec<u8> {
        Frame::new(number, text.to_vec(), kind).encode()
    }

    #[test]
    fn bare_frames_are_taken_as_they_come_even_the_same_text_twice() {
        // A MAGLUMI sending one message, then the same message again in a new transfer: with no
        // frame number there is no retransmission to detect, so both are messages.
        let msg = b"H|\\^&\rP|1\rO|1|25059232\rR|1|^^^TSH II|3.007|uIU/mL\rL|1|N\r";
        let mut bytes = Vec::new();
        for _ in 0..2 {
            bytes.extend_from_slice(&[ENQ, ACK]);
            bytes.extend_from_slice(
                &Frame::new(0, msg.to_vec(), FrameKind::Last).encode_as(FrameFormat::Bare),
            );
            bytes.extend_from_slice(&[ACK, EOT]);
        }
        let capture = decode_capture_as(&bytes, FrameFormat::Bare);
        assert_eq!(capture.messages.len(), 2);
        assert!(capture.messages.iter().all(|m| m.text == msg && m.complete));
        assert!(capture.diagnostics.is_empty(), "{:?}", capture.diagnostics);
        assert_eq!(capture.stats.frames, 2);
        // Read as standard frames, the same bytes give no message.
        assert!(decode_capture(&bytes).messages.is_empty());
    }

    #[test]
    fn conversation_with_both_directions_interleaved() {
        let mut wire = vec![ENQ, ACK];
        wire.extend(frame(1, b"H|\\^&\r", FrameKind::Intermediate));
        wire.push(ACK);
        wire.extend(frame(2, b"L|1|N\r", FrameKind::Last));
        wire.extend([ACK, EOT]);
        let capture = decode_capture(&wire);
        assert_eq!(capture.messages.len(), 1);
        let m = &capture.messages[0];
        assert_eq!(m.text, b"H|\\^&\rL|1|N\r");
        assert_eq!(m.offset, 2, "STX of the first frame after ENQ ACK");
        assert!(m.complete && m.diagnostics.is_empty());
        assert_eq!(capture.stats.ack, 3);
        assert_eq!(capture.stats.frames, 2);
    }

    #[test]
    fn bad_checksum_reported_and_replaced_by_retransmission() {
        let mut bad = frame(1, b"H|\\^&\rL|1\r", FrameKind::Last);
        let n = bad.len();
        bad[n - 3] = b'0'; // C2 spoiled: the real checksum is EB
        let mut wire = vec![ENQ, ACK];
        wire.extend(&bad);
        wire.push(NAK);
        let retransmit_at = wire.len() as u64;
        wire.extend(frame(1, b"H|\\^&\rL|1\r", FrameKind::Last));
        wire.extend([ACK, EOT]);
        let capture = decode_capture(&wire);
        assert_eq!(capture.messages.len(), 1);
        let m = &capture.messages[0];
        assert_eq!(m.text, b"H|\\^&\rL|1\r", "text not doubled");
        assert_eq!(
            m.diagnostics,
            vec![
                CaptureDiagnostic {
                    offset: 2,
                    kind: CaptureDiagnosticKind::ChecksumMismatch {
                        frame_number: 1,
                        expected: 0xEB,
                        got: 0xE0
                    }
                },
                CaptureDiagnostic {
                    offset: retransmit_at,
                    kind: CaptureDiagnosticKind::Retransmission {
                        frame_number: 1,
                        replaced_bad_copy: true
                    }
                },
            ]
        );
    }

    #[test]
    fn bad_checksum_without_retransmission_keeps_text() {
        let mut bad = frame(1, b"H|\\^&\rL|1\r", FrameKind::Last);
        let n = bad.len();
        bad[n - 4] = b'0';
        let capture = decode_capture(&bad);
        assert_eq!(capture.messages[0].text, b"H|\\^&\rL|1\r");
        assert!(matches!(
            capture.messages[0].diagnostics[..],
            [CaptureDiagnostic {
                kind: CaptureDiagnosticKind::ChecksumMismatch {
                    expected: 0xEB,
                    got: 0x0B,
                    ..
                },
                ..
            }]
        ));
    }

    #[test]
    fn same_number_different_text_is_kept_and_flagged() {
        let mut wire = frame(1, b"H|\\^&\r", FrameKind::Last);
        wire.extend(frame(1, b"P|1\r", FrameKind::Last));
        wire.extend(frame(2, b"L|1\r", FrameKind::Last));
        let capture = decode_capture(&wire);
        assert_eq!(capture.messages[0].text, b"H|\\^&\rP|1\rL|1\r");
        assert!(capture.messages[0].diagnostics.iter().any(|d| d.kind
            == CaptureDiagnosticKind::FrameNumberMismatch {
                expected: 2,
                got: 1
            }));
    }

    #[test]
    fn noise_and_missing_etx_are_diagnostics() {
        let mut wire = b"noise".to_vec();
        wire.extend(frame(1, b"H|\\^&\rL|1\r", FrameKind::Last));
        wire.extend(b"\x021H|\\^&\rP|1"); // cut by the end of the data
        let capture = decode_capture(&wire);
        assert_eq!(capture.messages.len(), 1);
        assert_eq!(
            capture.diagnostics[0],
            CaptureDiagnostic {
                offset: 0,
                kind: CaptureDiagnosticKind::BytesOutsideFrames { len: 5 }
            }
        );
        assert!(matches!(
            capture.diagnostics[1].kind,
            CaptureDiagnosticKind::Unreadable(FrameError::Unterminated { by: None, .. })
        ));
    }

    #[test]
    fn empty_capture() {
        assert_eq!(decode_capture(b""), Capture::default());
    }
}
