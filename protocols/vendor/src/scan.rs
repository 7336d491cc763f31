//! [`Found`]: what the stream decoders of the self-checking framings ([`crate::advia`],
//! [`crate::vidas`], [`crate::spotchem`], whose decoder also cuts [`crate::urine_strip`]'s
//! printouts) hand out, one shape for them all: each cuts its link's bytes itself (its own
//! framing, check and bound) and accounts for every byte as a message, a control byte, a bad run
//! or stray bytes. (The Dimension and class A, whose message is simply
//! the text between STX and ETX, share [`crate::stx_frame`] instead.)

/// What a stream decoder found on the line, in stream order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found<M, E> {
    /// A whole message, checked where the framing has a check.
    Message(M),
    /// A link control byte outside any message that the protocol gives a meaning to (the mini
    /// VIDAS's ENQ and EOT).
    Control(u8),
    /// Bytes from an STX that do not make a good message.
    Bad {
        /// Stream offset of its STX.
        offset: u64,
        /// The bytes, STX included.
        raw: Vec<u8>,
        /// What is wrong.
        error: E,
    },
    /// Bytes outside any message that mean nothing to the protocol (an acknowledgement
    /// character of the other side, or noise).
    Stray {
        /// Stream offset of the first.
        offset: u64,
        /// The bytes.
        bytes: Vec<u8>,
    },
}
