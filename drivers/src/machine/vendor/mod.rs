//! [`VendorMachine`]: the link of an analyzer whose wire is one of `lis-vendor`'s framings, as
//! one machine kind with one event and one verdict type, whatever the framing:
//!
//! | framing | machine | a stored message is answered | downloads |
//! |---|---|---|---|
//! | `dimension` | [`dimension::DimensionMachine`] | ACK, then the verdict's reply (`N`, `D`, `M`) | sample requests (`D`) on the next poll |
//! | `sysmex-text` | [`sysmex_text::SysmexTextMachine`] | ACK | none |
//! | `advia`, `vidas`, `spotchem`, `urine-strip` | [`stream::StreamMachine`] | the ADVIA's toggle, the VIDAS's ACK, nothing (Spotchem, urine strip reader) | none |
//!
//! Every message asks the handler for a verdict ([`VendorEvent::Message`]), and so does every
//! run of bytes the LIS keeps raw ([`VendorEvent::Unreadable`]): the machine writes its answer
//! (ACK, toggle, NAK) only when that verdict comes, so the raw bytes are journaled before they
//! are answered and before the next message is stored (the handler stores in turn).

pub mod dimension;
pub mod stream;
pub mod sysmex_text;

use std::time::Instant;

use bytes::Bytes;
use lis_core::model::OrderedTestId;

use crate::download::Outgoing;
use crate::link::{Counter, LinkEvent, LinkMachine};
use crate::profile::Framing;

/// What a vendor link reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VendorEvent {
    /// A message as it was on the line (`<STX>…<ETX>` for the Dimension and class A; the ADVIA
    /// block, VIDAS message, Spotchem or urine strip printout with its framing), its checksum
    /// right where it has one. Always answer with a verdict.
    Message {
        /// The bytes as received.
        raw: Vec<u8>,
    },
    /// Bytes the LIS keeps raw with the reason (a bad BCC or checksum on the ADVIA or VIDAS, a
    /// message cut short or left unfinished, a message past the link's maximum). Always answer
    /// with a verdict (journaled or not): the machine's rejection (NAK where the protocol has
    /// one) is written only then.
    Unreadable {
        /// The bytes (a message past the maximum: its first bytes).
        raw: Vec<u8>,
        /// What and where.
        error: String,
        /// A failed checksum or BCC (counted as a checksum error).
        checksum: bool,
    },
    /// A Dimension message with a wrong checksum, NAKed at once and not kept: the analyzer
    /// sends it again.
    BadFrame {
        /// Why.
        error: String,
    },
    /// Bytes outside any message that mean nothing to the protocol.
    Stray {
        /// Stream offset of the first.
        offset: u64,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// The analyzer accepted a download (the Dimension's `M` with `A`): its tests are sent.
    Sent {
        /// The ordered tests it carried.
        tests: Vec<OrderedTestId>,
    },
    /// The analyzer rejected a download (`M` with `R`) or never took it: its tests stay
    /// pending.
    Refused {
        /// Why, for the link state.
        reason: String,
        /// The ordered tests it carried.
        tests: Vec<OrderedTestId>,
    },
    /// The LIS sent a NAK.
    NakSent,
    /// The analyzer sent a NAK.
    NakReceived,
    /// A timer expired (an answer without ACK, a message left unfinished).
    Timeout,
}

impl LinkEvent for VendorEvent {
    fn counter(&self) -> Option<Counter> {
        match self {
            Self::Message { .. } => Some(Counter::MessageIn),
            Self::Sent { .. } => Some(Counter::MessageOut),
            Self::Unreadable { checksum: true, .. } | Self::BadFrame { .. } => {
                Some(Counter::ChecksumError)
            }
            Self::NakSent => Some(Counter::NakSent),
            Self::NakReceived => Some(Counter::NakReceived),
            Self::Timeout => Some(Counter::Timeout),
            Self::Unreadable { .. } | Self::Stray { .. } | Self::Refused { .. } => None,
        }
    }
}

/// The verdict on a [`VendorEvent::Message`] or [`VendorEvent::Unreadable`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorVerdict {
    /// Stored (or kept raw): acknowledge. False: NAK, the analyzer sends it again. An
    /// unreadable run is rejected (NAK where the protocol has one) either way.
    pub accept: bool,
    /// The answer to write after the acknowledgement (the Dimension's `N`, `D` or `M`, a whole
    /// `<STX>…<ETX>` message), with the ordered tests a sample request carries.
    pub reply: Option<Outgoing<Vec<u8>>>,
}

impl VendorVerdict {
    /// Stored; answer with `reply`.
    pub fn accept(reply: Option<Outgoing<Vec<u8>>>) -> Self {
        Self {
            accept: true,
            reply,
        }
    }

    /// Not stored: NAK.
    pub fn reject() -> Self {
        Self {
            accept: false,
            reply: None,
        }
    }

    /// Stored when `stored`, nothing to answer beyond the acknowledgement.
    pub fn stored(stored: bool) -> Self {
        Self {
            accept: stored,
            reply: None,
        }
    }
}

/// A vendor framing's link, one per connection (see the module table).
#[derive(Debug)]
pub enum VendorMachine {
    /// The Siemens Dimension, the LIS as host.
    Dimension(dimension::DimensionMachine),
    /// Sysmex class A text.
    SysmexText(sysmex_text::SysmexTextMachine),
    /// ADVIA 2120 blocks, mini VIDAS messages, Spotchem and urine strip printouts.
    Stream(stream::StreamMachine),
}

impl VendorMachine {
    /// The machine of `framing`, taking messages of up to `max_message_len` bytes where the
    /// framing is cut by the LIS (`dimension`, `sysmex-text`; the stream decoders bound their
    /// own); `None` for a framing that is not a vendor one.
    pub fn for_framing(framing: Framing, max_message_len: usize) -> Option<Self> {
        match framing {
            Framing::Dimension => Some(Self::Dimension(dimension::DimensionMachine::new(
                max_message_len,
            ))),
            Framing::SysmexText => Some(Self::SysmexText(sysmex_text::SysmexTextMachine::new(
                max_message_len,
            ))),
            Framing::Advia | Framing::Vidas | Framing::Spotchem | Framing::UrineStrip => {
                stream::StreamMachine::for_framing(framing).map(Self::Stream)
            }
            Framing::E1381 | Framing::Raw | Framing::Mllp => None,
        }
    }
}

/// Calls `$call` on whichever machine `$self` holds.
macro_rules! each {
    ($self:expr, $m:ident => $call:expr) => {
        match $self {
            VendorMachine::Dimension($m) => $call,
            VendorMachine::SysmexText($m) => $call,
            VendorMachine::Stream($m) => $call,
        }
    };
}

impl LinkMachine for VendorMachine {
    type Event = VendorEvent;
    type Verdict = VendorVerdict;
    type Outbound = Outgoing<Vec<u8>>;

    fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        each!(self, m => m.handle_input(now, bytes));
    }

    fn handle_timeout(&mut self, now: Instant) {
        each!(self, m => m.handle_timeout(now));
    }

    fn handle_verdict(&mut self, now: Instant, verdict: VendorVerdict) {
        each!(self, m => m.handle_verdict(now, verdict));
    }

    fn queue_outbound(&mut self, now: Instant, message: Outgoing<Vec<u8>>) {
        each!(self, m => m.queue_outbound(now, message));
    }

    fn take_unsent(&mut self) -> Vec<Outgoing<Vec<u8>>> {
        each!(self, m => m.take_unsent())
    }

    fn poll_transmit(&mut self) -> Option<Bytes> {
        each!(self, m => m.poll_transmit())
    }

    fn poll_timeout(&self) -> Option<Instant> {
        each!(self, m => m.poll_timeout())
    }

    fn poll_event(&mut self) -> Option<VendorEvent> {
        each!(self, m => m.poll_event())
    }
}

/// The message as it was on the line: `<STX> body <ETX>` (the Dimension and class A, whose
/// scanner hands out the body).
pub(crate) fn framed(body: &[u8]) -> Vec<u8> {
    let mut raw = Vec::with_capacity(body.len() + 2);
    raw.push(lis_vendor::stx_frame::STX);
    raw.extend_from_slice(body);
    raw.push(lis_vendor::stx_frame::ETX);
    raw
}

/// The reason a message past the link's maximum is kept raw.
pub(crate) fn too_long(limit: usize) -> String {
    format!(
        "message longer than the link's max_message_len of {limit} bytes: NAKed, its first {limit} bytes journaled"
    )
}
