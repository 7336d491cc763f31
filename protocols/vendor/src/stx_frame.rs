//! `<STX> text <ETX>` blocks on a byte stream, with single-byte link controls between them.
//!
//! Both the Siemens Dimension LIS protocol and Sysmex's "class A" text put one message between
//! STX (0x02) and ETX (0x03) and answer each with ACK (0x06) or NAK (0x15); the Dimension also
//! opens with ENQ (0x05). [`StxFrameDecoder`] cuts a stream into those pieces, whatever the read
//! boundaries: bytes are pushed as they arrive and [`Piece`]s come out in stream order, each with
//! its stream offset. Bytes outside a block that are not a known control (line noise such as the
//! `???????` an XS-500i log shows before a `D1U`) come out as [`Piece::Junk`], never silently
//! dropped. A block longer than the limit is cut ([`Piece::TooLong`]) and the decoder skips to the
//! block's ETX.

use std::collections::VecDeque;

/// Start of text.
pub const STX: u8 = 0x02;
/// End of text.
pub const ETX: u8 = 0x03;
/// End of transmission.
pub const EOT: u8 = 0x04;
/// Enquiry.
pub const ENQ: u8 = 0x05;
/// Acknowledge.
pub const ACK: u8 = 0x06;
/// Negative acknowledge.
pub const NAK: u8 = 0x15;

/// One piece of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// A whole block: the bytes between STX and ETX.
    Block {
        /// Stream offset of its STX.
        offset: u64,
        /// The text, without STX and ETX.
        body: Vec<u8>,
    },
    /// A link control byte outside any block (ENQ, ACK, NAK, EOT).
    Control {
        /// Stream offset.
        offset: u64,
        /// The byte.
        byte: u8,
    },
    /// Bytes outside any block that are not a control, or a block cut short by a new STX or by
    /// [`StxFrameDecoder::finish`] (then its STX is the first byte).
    Junk {
        /// Stream offset of the first byte.
        offset: u64,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// A block grew past the limit: its first `limit` bytes (STX excluded) are here; the rest up
    /// to its ETX is skipped.
    TooLong {
        /// Stream offset of its STX.
        offset: u64,
        /// The limit, in bytes of text.
        limit: usize,
        /// The first `limit` bytes of its text.
        head: Vec<u8>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between blocks.
    Outside,
    /// Inside a block that started at this offset.
    Inside(u64),
    /// Skipping the rest of a block that was too long.
    Skipping,
}

/// The incremental scanner; see the [module documentation](self).
#[derive(Debug, Clone)]
pub struct StxFrameDecoder {
    max_len: usize,
    state: State,
    /// Stream offset of the next byte pushed.
    offset: u64,
    text: Vec<u8>,
    junk: Vec<u8>,
    junk_at: u64,
    pieces: VecDeque<Piece>,
}

impl StxFrameDecoder {
    /// A decoder accepting blocks of up to `max_len` bytes of text (at least 1).
    pub fn new(max_len: usize) -> Self {
        Self {
            max_len: max_len.max(1),
            state: State::Outside,
            offset: 0,
            text: Vec::new(),
            junk: Vec::new(),
            junk_at: 0,
            pieces: VecDeque::new(),
        }
    }

    /// Feeds bytes read from the line. Junk seen so far is handed out at the end of each push.
    pub fn push(&mut self, bytes: &[u8]) {
        for &b in bytes {
            let at = self.offset;
            self.offset += 1;
            match self.state {
                State::Outside => match b {
                    STX => {
                        self.flush_junk();
                        self.state = State::Inside(at);
                        self.text.clear();
                    }
                    ENQ | ACK | NAK | EOT => {
                        self.flush_junk();
                        self.pieces.push_back(Piece::Control {
                            offset: at,
                            byte: b,
                        });
                    }
                    _ => {
                        if self.junk.is_empty() {
                            self.junk_at = at;
                        }
                        self.junk.push(b);
                    }
                },
                State::Inside(start) => match b {
                    ETX => {
                        let body = std::mem::take(&mut self.text);
                        self.pieces.push_back(Piece::Block {
                            offset: start,
                            body,
                        });
                        self.state = State::Outside;
                    }
                    STX => {
                        // A new block before this one ended: this one is junk (STX included).
                        let mut bytes = vec![STX];
                        bytes.append(&mut self.text);
                        self.pieces.push_back(Piece::Junk {
                            offset: start,
                            bytes,
                        });
                        self.state = State::Inside(at);
                    }
                    _ if self.text.len() >= self.max_len => {
                        let head = std::mem::take(&mut self.text);
                        self.pieces.push_back(Piece::TooLong {
                            offset: start,
                            limit: self.max_len,
                            head,
                        });
                        self.state = State::Skipping;
                    }
                    _ => self.text.push(b),
                },
                State::Skipping => match b {
                    ETX => self.state = State::Outside,
                    STX => {
                        self.state = State::Inside(at);
                        self.text.clear();
                    }
                    _ => {}
                },
            }
        }
        self.flush_junk();
    }

    fn flush_junk(&mut self) {
        if !self.junk.is_empty() {
            self.pieces.push_back(Piece::Junk {
                offset: self.junk_at,
                bytes: std::mem::take(&mut self.junk),
            });
        }
    }

    /// The next piece, in stream order.
    pub fn next_piece(&mut self) -> Option<Piece> {
        self.pieces.pop_front()
    }

    /// Whether a block is open (started, not ended): the caller's receive timer runs.
    pub fn in_block(&self) -> bool {
        !matches!(self.state, State::Outside)
    }

    /// Bytes of an open block held so far.
    pub fn pending_len(&self) -> usize {
        self.text.len()
    }

    /// Gives up an open block (the line went quiet, or the connection ended): it comes out as
    /// [`Piece::Junk`] with its STX.
    pub fn finish(&mut self) {
        match self.state {
            State::Inside(start) => {
                let mut bytes = vec![STX];
                bytes.append(&mut self.text);
                self.pieces.push_back(Piece::Junk {
                    offset: start,
                    bytes,
                });
            }
            State::Skipping | State::Outside => {}
        }
        self.state = State::Outside;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(d: &mut StxFrameDecoder) -> Vec<Piece> {
        std::iter::from_fn(|| d.next_piece()).collect()
    }

    #[test]
    fn a_block_split_over_reads_comes_out_whole() {
        let mut d = StxFrameDecoder::new(100);
        d.push(&[ENQ, STX, b'N']); // ENQ at 0, STX at 1, N at 2
        d.push(&[0x1C, b'6', b'A', ETX, ACK]); // FS 6 A ETX, then ACK at 7
        assert_eq!(
            all(&mut d),
            vec![
                Piece::Control {
                    offset: 0,
                    byte: ENQ
                },
                Piece::Block {
                    offset: 1,
                    body: b"N\x1c6A".to_vec()
                },
                Piece::Control {
                    offset: 7,
                    byte: ACK
                },
            ]
        );
        assert!(!d.in_block());
    }

    #[test]
    fn noise_before_a_block_is_junk_with_its_offset() {
        let mut d = StxFrameDecoder::new(100);
        // The XS-500i log shows `???????` before a D1U block.
        d.push(b"???????\x02D1U\x03");
        assert_eq!(
            all(&mut d),
            vec![
                Piece::Junk {
                    offset: 0,
                    bytes: b"???????".to_vec()
                },
                Piece::Block {
                    offset: 7,
                    body: b"D1U".to_vec()
                },
            ]
        );
    }

    #[test]
    fn a_new_stx_cuts_the_open_block_and_finish_gives_up_the_last() {
        let mut d = StxFrameDecoder::new(100);
        d.push(b"\x02AB\x02CD\x03\x02EF");
        assert_eq!(
            all(&mut d),
            vec![
                Piece::Junk {
                    offset: 0,
                    bytes: b"\x02AB".to_vec()
                },
                Piece::Block {
                    offset: 3,
                    body: b"CD".to_vec()
                },
            ]
        );
        assert!(d.in_block());
        assert_eq!(d.pending_len(), 2);
        d.finish();
        assert_eq!(
            all(&mut d),
            vec![Piece::Junk {
                offset: 7,
                bytes: b"\x02EF".to_vec()
            }]
        );
    }

    #[test]
    fn a_block_past_the_limit_is_cut_and_skipped_to_its_etx() {
        let mut d = StxFrameDecoder::new(3);
        d.push(b"\x02ABCDEF\x03\x02G\x03");
        assert_eq!(
            all(&mut d),
            vec![
                Piece::TooLong {
                    offset: 0,
                    limit: 3,
                    head: b"ABC".to_vec()
                },
                Piece::Block {
                    offset: 8,
                    body: b"G".to_vec()
                },
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_in_any_reads_are_all_accounted_for(
            bytes in proptest::collection::vec(proptest::prop_oneof![
                proptest::strategy::Just(STX),
                proptest::strategy::Just(ETX),
                proptest::strategy::Just(ACK),
                0u8..=255,
            ], 0..300),
            cut in 0usize..300,
        ) {
            let mut d = StxFrameDecoder::new(1000);
            let cut = cut.min(bytes.len());
            d.push(&bytes[..cut]);
            d.push(&bytes[cut..]);
            d.finish();
            // Every byte is in exactly one piece (STX and ETX of blocks counted with them).
            let total: usize = all(&mut d).iter().map(|p| match p {
                Piece::Block { body, .. } => body.len() + 2,
                Piece::Control { .. } => 1,
                Piece::Junk { bytes, .. } => bytes.len(),
                Piece::TooLong { .. } => 0,
            }).sum();
            proptest::prop_assert_eq!(total, bytes.len());
        }
    }
}
