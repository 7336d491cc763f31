//! E1381 / CLSI LIS1-A frames: control bytes, checksum, encoding, splitting a message into frames,
//! and an incremental [`FrameDecoder`] that turns a byte stream into frames and link control bytes.
//!
//! A frame on the wire is `<STX> FN text <ETB|ETX> C1 C2 <CR> <LF>` [LIS1-A §6.3.1.2].
//!
//! The decoder is a tokenizer: it does not know whose turn it is on the link. It yields
//! [`Decoded::Frame`] (with the checksum verdict, never hidden), [`Decoded::Control`] for the single
//! link control bytes (ENQ, ACK, NAK, EOT) and [`Decoded::Outside`] for any other byte seen outside a
//! frame. The [`crate::link`] state machine decides what each token means in its current state.

use bytes::{Buf, BytesMut};
use thiserror::Error;

/// Start of text: the first byte of every frame [LIS1-A §6.3.1.2].
pub const STX: u8 = 0x02;
/// End of text: ends the last frame of a message [LIS1-A §6.3.1.2].
pub const ETX: u8 = 0x03;
/// End of transmission: termination phase, or receiver interrupt when sent instead of ACK
/// [LIS1-A §6.4, §6.3.4.4].
pub const EOT: u8 = 0x04;
/// Enquiry: the sender's bid for the line in the establishment phase [LIS1-A §6.2.4].
pub const ENQ: u8 = 0x05;
/// Acknowledge: ENQ or frame accepted [LIS1-A §6.2.5, §6.3.4.2].
pub const ACK: u8 = 0x06;
/// Negative acknowledge: receiver busy (to ENQ) or frame rejected [LIS1-A §6.2.6, §6.3.4.3].
pub const NAK: u8 = 0x15;
/// End of transmission block: ends every frame but the last of a message [LIS1-A §6.3.1.2].
pub const ETB: u8 = 0x17;
/// Carriage return: record terminator in the text [LIS2-A2 §5.4.1], and first trailer byte after C2.
pub const CR: u8 = 0x0D;
/// Line feed: the last byte of a frame [LIS1-A §6.3.1.2, §6.6.1].
pub const LF: u8 = 0x0A;

/// Characters a frame's text must not contain [LIS1-A §6.6.2]: SOH, STX, ETX, EOT, ENQ, ACK, DLE, NAK,
/// SYN, ETB, LF and DC1-DC4. CR is allowed (it ends records).
pub const RESTRICTED_TEXT_BYTES: [u8; 15] = [
    0x01, STX, ETX, EOT, ENQ, ACK, 0x10, NAK, 0x16, ETB, LF, 0x11, 0x12, 0x13, 0x14,
];

/// Characters around the text of every frame: STX, FN, ETB/ETX, C1, C2, CR, LF [LIS1-A §6.3.1].
pub const FRAME_OVERHEAD: usize = 7;
/// Smallest frame length [`split_message`] uses: the overhead plus one text character.
pub const MIN_FRAME_LEN: usize = FRAME_OVERHEAD + 1;
/// Default frame length for sending: 247 characters including the overhead (240 text characters), the
/// E1381-95 limit that old instruments still assume [E1381-95, unverified; PROTOCOLS.md §1].
pub const DEFAULT_MAX_FRAME_LEN: usize = 247;
/// Largest frame a receiver must accept: 64,000 characters including the 7 overhead characters
/// (63,993 text characters) [LIS1-A §6.3.1, §8.3.1].
pub const MAX_FRAME_LEN: usize = 64_000;

/// True when `byte` may not appear in a frame's text [LIS1-A §6.6.2].
pub fn is_restricted_text_byte(byte: u8) -> bool {
    RESTRICTED_TEXT_BYTES.contains(&byte)
}

/// The E1381 checksum: the sum of the bytes from FN through ETX/ETB inclusive, modulo 256
/// [LIS1-A §6.3.3, §6.3.3.1]. Pass exactly those bytes.
pub fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |sum, &b| sum.wrapping_add(b))
}

/// The checksum as sent: two uppercase hex characters, most significant first [LIS1-A §6.3.3.2]
/// (122 is sent as `7A`, [LIS1-A §6.3.3.3]).
pub fn checksum_hex(sum: u8) -> [u8; 2] {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    [HEX[usize::from(sum >> 4)], HEX[usize::from(sum & 0x0F)]]
}

/// Reads C1 C2 as a checksum. Lowercase hex is accepted (a leniency beyond [LIS1-A §6.3.1.2]).
pub fn parse_checksum_hex(c1: u8, c2: u8) -> Option<u8> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'A'..=b'F' => Some(c - b'A' + 10),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        }
    }
    Some((nibble(c1)? << 4) | nibble(c2)?)
}

/// Whether a frame ends a message or is continued by the next frame [LIS1-A §6.3.1.2].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameKind {
    /// An intermediate frame, ended by ETB: the message continues in the next frame.
    Intermediate,
    /// The last frame of a message, ended by ETX.
    Last,
}

impl FrameKind {
    /// The terminator byte: ETB for intermediate frames, ETX for the last frame.
    pub fn terminator(self) -> u8 {
        match self {
            Self::Intermediate => ETB,
            Self::Last => ETX,
        }
    }
}

/// How frames look on the line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum FrameFormat {
    /// `<STX> FN text <ETB|ETX> C1 C2 <CR> <LF>` [LIS1-A §6.3].
    #[default]
    Standard,
    /// `<STX> text <ETX>`: no frame number, no checksum, no CR LF, the whole message in one frame,
    /// with the standard's ENQ/ACK/EOT around it. Snibe MAGLUMI analyzers frame this way. With
    /// nothing to check, a damaged frame cannot be told from a good one and a retransmission not
    /// from a new frame; the store's idempotent ingest keeps a resent message once.
    Bare,
}

/// One E1381 frame: its number, text and kind. The STX, checksum and CR LF are added by
/// [`Frame::encode`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The frame number, 0..=7 [LIS1-A §6.3.2.1]; sent as one ASCII digit.
    pub number: u8,
    /// The text between FN and ETB/ETX.
    pub text: Vec<u8>,
    /// ETB (intermediate) or ETX (last) frame.
    pub kind: FrameKind,
}

impl Frame {
    /// A frame; `number` is taken modulo 8 [LIS1-A §6.3.2.1].
    pub fn new(number: u8, text: Vec<u8>, kind: FrameKind) -> Self {
        Self {
            number: number % 8,
            text,
            kind,
        }
    }

    /// The ASCII digit sent as FN.
    pub fn number_digit(&self) -> u8 {
        b'0' + self.number % 8
    }

    /// The checksum of FN, text and terminator [LIS1-A §6.3.3].
    pub fn checksum(&self) -> u8 {
        checksum(&self.text)
            .wrapping_add(self.number_digit())
            .wrapping_add(self.kind.terminator())
    }

    /// Appends the frame's wire bytes to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.reserve(self.text.len() + FRAME_OVERHEAD);
        out.push(STX);
        out.push(self.number_digit());
        out.extend_from_slice(&self.text);
        out.push(self.kind.terminator());
        out.extend_from_slice(&checksum_hex(self.checksum()));
        out.push(CR);
        out.push(LF);
    }

    /// The frame's wire bytes: `<STX> FN text <ETB|ETX> C1 C2 <CR> <LF>`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.text.len() + FRAME_OVERHEAD);
        self.encode_into(&mut out);
        out
    }

    /// The frame's wire bytes in `format`: [`Frame::encode`], or `<STX> text <ETB|ETX>` for
    /// [`FrameFormat::Bare`] (the number is not sent).
    pub fn encode_as(&self, format: FrameFormat) -> Vec<u8> {
        match format {
            FrameFormat::Standard => self.encode(),
            FrameFormat::Bare => {
                let mut out = Vec::with_capacity(self.text.len() + 2);
                out.push(STX);
                out.extend_from_slice(&self.text);
                out.push(self.kind.terminator());
                out
            }
        }
    }
}

/// The wire bytes of `frame` (same as [`Frame::encode`]).
pub fn encode_frame(frame: &Frame) -> Vec<u8> {
    frame.encode()
}

/// Splits one message's text into frames of at most `max_frame_len` characters each, counting the 7
/// overhead characters [LIS1-A §6.3.1]. Frames are numbered from `first_fn` modulo 8 (the first frame
/// of a transfer is 1, [LIS1-A §6.3.2.1]); every frame but the last ends with ETB, the last with ETX
/// [LIS1-A §6.3.1.2].
///
/// `max_frame_len` is clamped to `MIN_FRAME_LEN..=MAX_FRAME_LEN`. An empty text gives no frame.
pub fn split_message(text: &[u8], first_fn: u8, max_frame_len: usize) -> Vec<Frame> {
    let per_frame = max_frame_len.clamp(MIN_FRAME_LEN, MAX_FRAME_LEN) - FRAME_OVERHEAD;
    let count = text.len().div_ceil(per_frame);
    text.chunks(per_frame)
        .enumerate()
        .map(|(i, chunk)| {
            let kind = if i + 1 == count {
                FrameKind::Last
            } else {
                FrameKind::Intermediate
            };
            // `i % 8` keeps the sum below 16, so no overflow.
            Frame::new(first_fn % 8 + (i % 8) as u8, chunk.to_vec(), kind)
        })
        .collect()
}

/// The verdict on a received frame's C1 C2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumCheck {
    /// C1 C2 match the sum of FN..ETX/ETB.
    Valid,
    /// C1 C2 are hex but do not match.
    Mismatch {
        /// The checksum computed over the received FN..ETX/ETB.
        expected: u8,
        /// The checksum the frame carried.
        got: u8,
    },
    /// The terminator was followed by a control character or the end of data, not by C1 C2.
    Missing,
    /// The frame format carries no checksum ([`FrameFormat::Bare`]): nothing to check.
    NotCarried,
    /// C1 C2 are present but are not two hex digits.
    Malformed {
        /// The two characters received; the second is 0 when only one character came before a
        /// control character.
        got: [u8; 2],
    },
}

/// A frame read from the wire, with where it was and whether its checksum holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedFrame {
    /// The frame (number, text, kind).
    pub frame: Frame,
    /// Offset of its STX in the decoder's input stream.
    pub offset: u64,
    /// The checksum verdict. A frame whose checksum is not [`ChecksumCheck::Valid`] must be NAKed
    /// [LIS1-A §6.5.1.1], but its text is kept so captures can show it.
    pub checksum: ChecksumCheck,
}

impl ReceivedFrame {
    /// True when the checksum is valid, or the frame format carries none.
    pub fn is_valid(&self) -> bool {
        matches!(
            self.checksum,
            ChecksumCheck::Valid | ChecksumCheck::NotCarried
        )
    }
}

/// A single link control byte outside a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Control {
    /// ENQ (0x05): a bid for the line.
    Enq,
    /// ACK (0x06).
    Ack,
    /// NAK (0x15).
    Nak,
    /// EOT (0x04).
    Eot,
}

impl Control {
    /// The byte on the wire.
    pub fn byte(self) -> u8 {
        match self {
            Self::Enq => ENQ,
            Self::Ack => ACK,
            Self::Nak => NAK,
            Self::Eot => EOT,
        }
    }

    fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            ENQ => Some(Self::Enq),
            ACK => Some(Self::Ack),
            NAK => Some(Self::Nak),
            EOT => Some(Self::Eot),
            _ => None,
        }
    }
}

/// One token from the [`FrameDecoder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// A complete frame, checksum checked.
    Frame(ReceivedFrame),
    /// A link control byte (ENQ, ACK, NAK, EOT) outside a frame.
    Control {
        /// Which control byte.
        control: Control,
        /// Its offset in the input stream.
        offset: u64,
    },
    /// Bytes outside any frame that are not link control bytes (noise, text from a non-E1381 device,
    /// a second CR LF). The receiver ignores them [LIS1-A §6.5.1.1]; they are reported, never eaten
    /// silently. A run may be split over several tokens when it arrives in pieces.
    Outside {
        /// Offset of the first byte in the input stream.
        offset: u64,
        /// The bytes.
        bytes: Vec<u8>,
    },
}

/// A frame that cannot be read at all. The decoder has already resynchronised when it returns one: the
/// next call continues after the unreadable bytes, so an `Err` never ends the stream.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrameError {
    /// No ETB/ETX within the frame limit [LIS1-A §6.3.1, §8.3.1]; the rest of the frame was skipped up
    /// to its terminator (and checksum) or to the next STX/EOT/ENQ.
    #[error("frame at offset {offset} has no ETB/ETX within {limit} characters (limit passed at offset {exceeded_at})")]
    TooLong {
        /// Offset of the frame's STX.
        offset: u64,
        /// Offset of the first byte past the limit.
        exceeded_at: u64,
        /// The limit in characters, overhead included.
        limit: usize,
    },
    /// The frame was cut short by STX, EOT or ENQ, or by the end of the data, before ETB/ETX.
    #[error("frame at offset {offset} ends after {len} bytes without ETB/ETX (cut by {})", describe_cut(*.by))]
    Unterminated {
        /// Offset of the frame's STX.
        offset: u64,
        /// Bytes received from STX up to the cut.
        len: usize,
        /// The byte that cut it, or `None` at the end of the data.
        by: Option<u8>,
    },
    /// The byte after STX is not a frame number '0'..='7' [LIS1-A §6.3.1.2]; the whole frame was skipped.
    #[error("frame at offset {offset} has no valid frame number (got {})", describe_fn(*.got))]
    BadFrameNumber {
        /// Offset of the frame's STX.
        offset: u64,
        /// The byte found instead of the digit, `None` when STX was directly followed by ETB/ETX.
        got: Option<u8>,
    },
}

fn describe_cut(by: Option<u8>) -> String {
    match by {
        Some(STX) => "STX".to_owned(),
        Some(EOT) => "EOT".to_owned(),
        Some(ENQ) => "ENQ".to_owned(),
        Some(b) => format!("0x{b:02X}"),
        None => "end of data".to_owned(),
    }
}

fn describe_fn(got: Option<u8>) -> String {
    match got {
        Some(b) => format!("0x{b:02X}"),
        None => "nothing".to_owned(),
    }
}

/// What follows a frame's terminator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trailer {
    /// Nothing special: bytes are read as usual.
    None,
    /// Up to this many checksum characters of a skipped (too long) frame are still to be dropped.
    SkippedChecksum(u8),
    /// Right after C2: a CR and/or LF may follow.
    AfterChecksum,
    /// After the CR that followed C2: an LF may follow.
    AfterCr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scan {
    /// Outside frames.
    Between(Trailer),
    /// The buffer starts with STX; bytes before `scanned` hold no terminator.
    InFrame { scanned: usize },
    /// Dropping the rest of a frame that passed the limit.
    Skipping { offset: u64 },
}

/// Incremental E1381 decoder over a byte stream (a `BytesMut` fed from a port or a whole capture).
///
/// [`FrameDecoder::decode`] returns `Ok(None)` while a frame is incomplete and resumes where it left
/// off. It keeps the stream offset of every token, accepts frames up to its limit (by default
/// [`MAX_FRAME_LEN`], never the E1381-95 247), accepts lowercase checksums, and tolerates a frame that
/// ends in CR only, LF only, or nothing after C2 (those trailer bytes are not reported as outside bytes).
/// Characters before STX and after ETB/ETX are not part of the frame check [LIS1-A §6.5.1.1].
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    max_frame_len: usize,
    format: FrameFormat,
    offset: u64,
    scan: Scan,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameDecoder {
    /// A decoder accepting frames up to [`MAX_FRAME_LEN`] characters.
    pub fn new() -> Self {
        Self::with_max_frame_len(MAX_FRAME_LEN)
    }

    /// A decoder accepting frames up to `max_frame_len` characters including the 7 overhead characters
    /// (clamped to at least [`MIN_FRAME_LEN`]).
    pub fn with_max_frame_len(max_frame_len: usize) -> Self {
        Self::with_format(max_frame_len, FrameFormat::Standard)
    }

    /// A decoder for frames in `format`, up to `max_frame_len` characters as in
    /// [`FrameDecoder::with_max_frame_len`]. A [`FrameFormat::Bare`] frame is returned with number
    /// 0 and [`ChecksumCheck::NotCarried`].
    pub fn with_format(max_frame_len: usize, format: FrameFormat) -> Self {
        Self {
            max_frame_len: max_frame_len.max(MIN_FRAME_LEN),
            format,
            offset: 0,
            scan: Scan::Between(Trailer::None),
        }
    }

    /// The stream offset of the next byte the decoder will consume.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// True while a frame has started (STX seen) but is not finished.
    pub fn in_frame(&self) -> bool {
        !matches!(self.scan, Scan::Between(_))
    }

    /// Decodes the next token from `buf`, consuming its bytes. Returns `Ok(None)` when `buf` holds no
    /// complete token yet (a partial frame stays in `buf`). After an `Err` the decoder has skipped the
    /// unreadable frame and can be called again.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Decoded>, FrameError> {
        self.decode_inner(buf, false)
    }

    /// Like [`FrameDecoder::decode`] at the end of the stream: a partial frame is reported as
    /// [`FrameError::Unterminated`] and a frame lacking its checksum as [`ChecksumCheck::Missing`].
    pub fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Decoded>, FrameError> {
        self.decode_inner(buf, true)
    }

    fn decode_inner(
        &mut self,
        buf: &mut BytesMut,
        eof: bool,
    ) -> Result<Option<Decoded>, FrameError> {
        loop {
            let (consumed, outcome) = self.step(buf, eof);
            buf.advance(consumed);
            self.offset += consumed as u64;
            if let Some(outcome) = outcome {
                return outcome.map(Some);
            }
            if consumed == 0 {
                return Ok(None);
            }
        }
    }

    /// One scanning step over `input`, which starts at stream offset `self.offset`. Returns the bytes
    /// consumed and, when one is complete, a token.
    fn step(&mut self, input: &[u8], eof: bool) -> (usize, Option<Result<Decoded, FrameError>>) {
        match self.scan {
            Scan::Between(trailer) => self.step_between(input, trailer, eof),
            Scan::InFrame { scanned } => self.step_in_frame(input, scanned, eof),
            Scan::Skipping { offset } => self.step_skipping(input, offset),
        }
    }

    fn step_between(
        &mut self,
        input: &[u8],
        trailer: Trailer,
        eof: bool,
    ) -> (usize, Option<Result<Decoded, FrameError>>) {
        let Some(&first) = input.first() else {
            return (0, None);
        };
        match (trailer, first) {
            (Trailer::SkippedChecksum(n), b) if n > 0 && !b.is_ascii_control() => {
                self.scan = Scan::Between(if n > 1 {
                    Trailer::SkippedChecksum(n - 1)
                } else {
                    Trailer::AfterChecksum
                });
                return (1, None);
            }
            (Trailer::SkippedChecksum(_) | Trailer::AfterChecksum, CR) => {
                self.scan = Scan::Between(Trailer::AfterCr);
                return (1, None);
            }
            (Trailer::SkippedChecksum(_) | Trailer::AfterChecksum | Trailer::AfterCr, LF) => {
                self.scan = Scan::Between(Trailer::None);
                return (1, None);
            }
            _ => self.scan = Scan::Between(Trailer::None),
        }
        if first == STX {
            self.scan = Scan::InFrame { scanned: 1 };
            return self.step_in_frame(input, 1, eof);
        }
        if let Some(control) = Control::from_byte(first) {
            return (
                1,
                Some(Ok(Decoded::Control {
                    control,
                    offset: self.offset,
                })),
            );
        }
        let end = input
            .iter()
            .position(|&b| b == STX || Control::from_byte(b).is_some())
            .unwrap_or(input.len());
        let bytes = input[..end].to_vec();
        (
            end,
            Some(Ok(Decoded::Outside {
                offset: self.offset,
                bytes,
            })),
        )
    }

    fn step_in_frame(
        &mut self,
        input: &[u8],
        scanned: usize,
        eof: bool,
    ) -> (usize, Option<Result<Decoded, FrameError>>) {
        // STX FN text ETX must fit in the limit minus C1 C2 CR LF, so the terminator's index is at most
        // max - 5.
        let window_end = input.len().min(self.max_frame_len - 4);
        let start = scanned.min(window_end);
        let found = input[start..window_end]
            .iter()
            .position(|&b| matches!(b, STX | ETX | EOT | ENQ | ETB))
            .map(|p| p + start);
        let Some(p) = found else {
            if window_end < input.len() || input.len() >= self.max_frame_len - 4 {
                // Passed the limit without a terminator: drop what we have and skip the rest.
                let offset = self.offset;
                self.scan = Scan::Skipping { offset };
                return (window_end, None);
            }
            if eof {
                self.scan = Scan::Between(Trailer::None);
                let err = FrameError::Unterminated {
                    offset: self.offset,
                    len: input.len(),
                    by: None,
                };
                return (input.len(), Some(Err(err)));
            }
            self.scan = Scan::InFrame {
                scanned: window_end,
            };
            return (0, None);
        };
        let term = input[p];
        if matches!(term, STX | EOT | ENQ) {
            self.scan = Scan::Between(Trailer::None);
            let err = FrameError::Unterminated {
                offset: self.offset,
                len: p,
                by: Some(term),
            };
            return (p, Some(Err(err)));
        }
        let kind = if term == ETB {
            FrameKind::Intermediate
        } else {
            FrameKind::Last
        };
        if self.format == FrameFormat::Bare {
            // `<STX> text <ETX>`: nothing follows the terminator.
            self.scan = Scan::Between(Trailer::None);
            let frame = ReceivedFrame {
                frame: Frame {
                    number: 0,
                    text: input[1..p].to_vec(),
                    kind,
                },
                offset: self.offset,
                checksum: ChecksumCheck::NotCarried,
            };
            return (p + 1, Some(Ok(Decoded::Frame(frame))));
        }
        // Read C1 C2 (absent ones are "missing", not waited for, at the end of the data).
        let c1 = input.get(p + 1).copied();
        let c2 = input.get(p + 2).copied();
        let (checksum_chars, got) = match (c1, c2) {
            (None, _) if !eof => return self.wait_at(p),
            (Some(a), None) if !eof && !a.is_ascii_control() => return self.wait_at(p),
            (Some(a), Some(b)) if !a.is_ascii_control() && !b.is_ascii_control() => {
                (2, Some([a, b]))
            }
            (Some(a), _) if !a.is_ascii_control() => (1, None),
            _ => (0, None),
        };
        let consumed = p + 1 + checksum_chars;
        self.scan = Scan::Between(if checksum_chars == 2 {
            Trailer::AfterChecksum
        } else {
            Trailer::None
        });
        let number = match input.get(1) {
            Some(&d @ b'0'..=b'7') if p >= 2 => d - b'0',
            other => {
                let got = if p >= 2 { other.copied() } else { None };
                return (
                    consumed,
                    Some(Err(FrameError::BadFrameNumber {
                        offset: self.offset,
                        got,
                    })),
                );
            }
        };
        let expected = checksum(&input[1..=p]);
        let check = match got {
            None if checksum_chars == 1 => ChecksumCheck::Malformed {
                got: [c1.unwrap_or(0), 0],
            },
            None => ChecksumCheck::Missing,
            Some([a, b]) => match parse_checksum_hex(a, b) {
                Some(got) if got == expected => ChecksumCheck::Valid,
                Some(got) => ChecksumCheck::Mismatch { expected, got },
                None => ChecksumCheck::Malformed { got: [a, b] },
            },
        };
        let frame = ReceivedFrame {
            frame: Frame {
                number,
                text: input[2..p].to_vec(),
                kind,
            },
            offset: self.offset,
            checksum: check,
        };
        (consumed, Some(Ok(Decoded::Frame(frame))))
    }

    fn wait_at(&mut self, p: usize) -> (usize, Option<Result<Decoded, FrameError>>) {
        self.scan = Scan::InFrame { scanned: p };
        (0, None)
    }

    fn step_skipping(
        &mut self,
        input: &[u8],
        offset: u64,
    ) -> (usize, Option<Result<Decoded, FrameError>>) {
        let limit = self.max_frame_len;
        let err = FrameError::TooLong {
            offset,
            exceeded_at: offset + (limit as u64 - 4),
            limit,
        };
        match input
            .iter()
            .position(|&b| matches!(b, STX | ETX | EOT | ENQ | ETB))
        {
            None => (input.len(), None),
            Some(p) if matches!(input[p], ETX | ETB) => {
                self.scan = Scan::Between(Trailer::SkippedChecksum(2));
                (p + 1, Some(Err(err)))
            }
            Some(p) => {
                self.scan = Scan::Between(Trailer::None);
                (p, Some(Err(err)))
            }
        }
    }
}

/// Decodes a whole, finished byte stream (a capture file) into tokens, in order.
pub fn decode_all(bytes: &[u8]) -> Vec<Result<Decoded, FrameError>> {
    decode_all_as(bytes, FrameFormat::Standard)
}

/// [`decode_all`] for frames in `format`.
pub fn decode_all_as(bytes: &[u8], format: FrameFormat) -> Vec<Result<Decoded, FrameError>> {
    let mut decoder = FrameDecoder::with_format(MAX_FRAME_LEN, format);
    let mut buf = BytesMut::from(bytes);
    let mut out = Vec::new();
    loop {
        match decoder.decode_eof(&mut buf) {
            Ok(Some(token)) => out.push(Ok(token)),
            Ok(None) => break,
            Err(e) => out.push(Err(e)),
        }
    }
    out
}

/// True when `bytes` look like an E1381 conversation: they hold at least one frame with a frame
/// number and two checksum characters (valid or not). Non-ASTM devices that also use STX (mini VIDAS,
/// Spotchem EL, ADVIA 2120) give `false`. Only the first 64 KiB are examined.
pub fn looks_like_e1381(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    if memchr::memchr(STX, head).is_none() {
        return false;
    }
    decode_all(head).iter().any(|token| {
        matches!(token, Ok(Decoded::Frame(f)) if !matches!(f.checksum, ChecksumCheck::Missing | ChecksumCheck::Malformed { .. }))
    })
}

/// True when `bytes` look like an E1381 conversation in [`FrameFormat::Bare`]: a frame starts
/// with a header record (`<STX>H|`; a standard frame starts with its number, `<STX>1H|`). Only
/// the first 64 KiB are examined.
pub fn looks_like_bare_e1381(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    if memchr::memchr(STX, head).is_none() {
        return false;
    }
    decode_all_as(head, FrameFormat::Bare).iter().any(|token| {
        matches!(token, Ok(Decoded::Frame(f))
            if f.frame.text.first() == Some(&b'H')
                && f.frame.text.get(1).is_some_and(u8::is_ascii_punctuation))
    })
}

#[cfg(test)]
mod tests;
