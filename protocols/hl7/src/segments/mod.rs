//! Typed views of the segments a laboratory exchanges. Field numbers follow HL7 v2.5.1; a view never
//! checks that fields are present: absent fields read as empty.
//!
//! - [`header`] holds MSH.
//! - [`patient`] holds PID, PV1.
//! - [`order`] holds ORC, OBR.
//! - [`observation`] holds OBX, NTE.
//! - [`specimen`] holds SPM, SAC.
//! - [`query`] holds QPD, RCP, QAK, QRD, QRF, DSP.
//! - [`ack`] holds MSA, ERR.

pub mod ack;
pub mod header;
pub mod observation;
pub mod order;
pub mod patient;
pub mod query;
pub mod specimen;

pub use ack::{AckCode, ErrorSegment, Msa};
pub use header::{MessageType, Msh};
pub use observation::{Nte, Obx};
pub use order::{Obr, Orc, OrderControl};
pub use patient::{Pid, Pv1};
pub use query::{Dsp, Qak, Qpd, Qrd, Qrf, Rcp};
pub use specimen::{Sac, Spm};

use crate::field::Field;
use crate::segment::Segment;
use crate::timestamp::Timestamp;

/// A typed view of one segment kind.
pub trait SegmentView<'m>: Sized {
    /// The segment id this view reads.
    const ID: &'static str;

    /// Wraps a segment without checking its id.
    fn wrap(segment: Segment<'m>) -> Self;

    /// The underlying segment.
    fn segment(&self) -> Segment<'m>;

    /// Wraps a segment if its id is [`Self::ID`].
    fn from_segment(segment: Segment<'m>) -> Option<Self> {
        (segment.id() == Self::ID).then(|| Self::wrap(segment))
    }

    /// Field `n` of the segment (HL7 numbering).
    fn field(&self, n: usize) -> Field<'m> {
        self.segment().field(n)
    }
}

macro_rules! view {
    ($(#[$doc:meta])* $name:ident, $id:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name<'m>(crate::segment::Segment<'m>);

        impl<'m> crate::segments::SegmentView<'m> for $name<'m> {
            const ID: &'static str = $id;

            fn wrap(segment: crate::segment::Segment<'m>) -> Self {
                Self(segment)
            }

            fn segment(&self) -> crate::segment::Segment<'m> {
                self.0
            }
        }
    };
}
pub(crate) use view;

/// Reads a DTM/TS field (its first component) as a timestamp; `None` when empty or malformed.
#[inline]
pub(crate) fn timestamp(field: Field<'_>) -> Option<Timestamp> {
    let raw = field.as_str();
    // A plain `YYYYMMDDHHMMSS` needs neither a component split nor the full grammar.
    if let Some(t) = Timestamp::digits_only(raw) {
        return t;
    }
    let v = field.component(1).as_str();
    if v.is_empty() {
        None
    } else {
        Timestamp::parse(v).ok()
    }
}
