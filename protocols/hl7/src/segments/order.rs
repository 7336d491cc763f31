//! ORC common order (HL7 v2.5.1 §4.5.1) and OBR observation request (§4.5.3, §7.4.1).

use crate::datatypes::{Coded, EntityId, Provider};
use crate::field::Field;
use crate::segments::{timestamp, view, SegmentView};
use crate::timestamp::Timestamp;

/// ORC-1 order control codes a laboratory uses (HL7 table 0119).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderControl {
    /// `NW` new order.
    New,
    /// `CA` cancel order request.
    Cancel,
    /// `XO` change order request.
    Change,
    /// `RE` observations to follow.
    ResultsFollow,
    /// `SC` status changed.
    StatusChanged,
    /// `OK` order accepted.
    Accepted,
    /// `CR` canceled as requested.
    CanceledAsRequested,
    /// `OC` order canceled.
    Canceled,
    /// `UA` unable to accept order.
    UnableToAccept,
    /// `DC` discontinue order request.
    Discontinue,
    /// `SN` send order number.
    SendOrderNumber,
}

impl OrderControl {
    const CODES: [(Self, &'static str); 11] = [
        (Self::New, "NW"),
        (Self::Cancel, "CA"),
        (Self::Change, "XO"),
        (Self::ResultsFollow, "RE"),
        (Self::StatusChanged, "SC"),
        (Self::Accepted, "OK"),
        (Self::CanceledAsRequested, "CR"),
        (Self::Canceled, "OC"),
        (Self::UnableToAccept, "UA"),
        (Self::Discontinue, "DC"),
        (Self::SendOrderNumber, "SN"),
    ];

    /// The two-letter code.
    pub fn code(self) -> &'static str {
        Self::CODES
            .iter()
            .find(|(c, _)| *c == self)
            .map_or("", |(_, s)| s)
    }

    /// Reads a code; `None` when it is not in this list.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::CODES
            .iter()
            .find(|(_, s)| *s == code.trim())
            .map(|(c, _)| *c)
    }
}

view!(
    /// ORC common order.
    Orc,
    "ORC"
);

impl<'m> Orc<'m> {
    /// ORC-1 order control, as sent.
    pub fn order_control_code(&self) -> Field<'m> {
        self.field(1)
    }
    /// ORC-1 order control; `None` when the code is not one of [`OrderControl`].
    pub fn order_control(&self) -> Option<OrderControl> {
        OrderControl::from_code(self.field(1).as_str())
    }
    /// ORC-2 placer order number (EI).
    pub fn placer_order_number(&self) -> EntityId<'m> {
        EntityId::from(self.field(2).repetition(1))
    }
    /// ORC-3 filler order number (EI).
    pub fn filler_order_number(&self) -> EntityId<'m> {
        EntityId::from(self.field(3).repetition(1))
    }
    /// ORC-5 order status.
    pub fn order_status(&self) -> Field<'m> {
        self.field(5)
    }
    /// ORC-9 date/time of transaction.
    pub fn transaction_at(&self) -> Option<Timestamp> {
        timestamp(self.field(9))
    }
    /// ORC-12 ordering provider (XCN, first repetition).
    pub fn ordering_provider(&self) -> Provider<'m> {
        Provider::from(self.field(12).repetition(1))
    }
}

view!(
    /// OBR observation request.
    Obr,
    "OBR"
);

impl<'m> Obr<'m> {
    /// OBR-1 set id.
    pub fn set_id(&self) -> Field<'m> {
        self.field(1)
    }
    /// OBR-2 placer order number (EI).
    pub fn placer_order_number(&self) -> EntityId<'m> {
        EntityId::from(self.field(2).repetition(1))
    }
    /// OBR-3 filler order number (EI; Mindray and Erba put the sample id here).
    pub fn filler_order_number(&self) -> EntityId<'m> {
        EntityId::from(self.field(3).repetition(1))
    }
    /// OBR-4 universal service identifier (CE).
    pub fn service(&self) -> Coded<'m> {
        Coded::from(self.field(4).repetition(1))
    }
    /// OBR-7 observation date/time.
    pub fn observed_at(&self) -> Option<Timestamp> {
        timestamp(self.field(7))
    }
    /// OBR-14 specimen received date/time.
    pub fn specimen_received_at(&self) -> Option<Timestamp> {
        timestamp(self.field(14))
    }
    /// OBR-15 specimen source (SPS, up to v2.4; e.g. `BLDV`).
    pub fn specimen_source(&self) -> Field<'m> {
        self.field(15)
    }
    /// OBR-16 ordering provider (XCN, first repetition).
    pub fn ordering_provider(&self) -> Provider<'m> {
        Provider::from(self.field(16).repetition(1))
    }
    /// OBR-22 results report / status change date/time.
    pub fn status_changed_at(&self) -> Option<Timestamp> {
        timestamp(self.field(22))
    }
    /// OBR-25 result status (`F`, `P`, `C`...).
    pub fn result_status(&self) -> Field<'m> {
        self.field(25)
    }
}
