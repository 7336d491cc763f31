//! Order messages: ORM^O01 (up to v2.4), OML^O21 and OML^O33 (v2.5.1 chapter 4, IHE LAW LAB-28). New
//! orders and cancellations differ only in ORC-1 (`NW` / `CA`).

use crate::build::results::{pid, pv1, sac, spm, Patient, Specimen, Visit};
use crate::build::{CodedValue, MessageBuilder, MessageHeader, SegmentBuilder};
use crate::segments::{MessageType, OrderControl};

/// One test ordered on one specimen (one ORC/OBR pair).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// ORC-1 (`NW` new, `CA` cancel...).
    pub control: OrderControl,
    /// ORC-2 / OBR-2 placer order number.
    pub placer_order_number: String,
    /// ORC-3 / OBR-3 filler order number.
    pub filler_order_number: String,
    /// OBR-4 universal service identifier (the test).
    pub service: CodedValue,
    /// OBR-5 priority (`R` routine, `S` stat); written only when not empty.
    pub priority: String,
    /// ORC-9 date/time of the transaction (DTM text).
    pub transaction_at: String,
    /// ORC-12 / OBR-16 ordering provider id.
    pub ordering_provider: String,
    /// The specimen (SPM in OML; its id goes to OBR-3 when the filler number is empty in ORM).
    pub specimen: Option<Specimen>,
    /// SAC-3 container id (OML).
    pub container_id: String,
}

impl Default for Order {
    fn default() -> Self {
        Self {
            control: OrderControl::New,
            placer_order_number: String::new(),
            filler_order_number: String::new(),
            service: CodedValue::default(),
            priority: String::new(),
            transaction_at: String::new(),
            ordering_provider: String::new(),
            specimen: None,
            container_id: String::new(),
        }
    }
}

/// An order message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderMessage {
    /// MSH content.
    pub header: MessageHeader,
    /// PID.
    pub patient: Option<Patient>,
    /// PV1 (written only with a patient).
    pub visit: Option<Visit>,
    /// The orders.
    pub orders: Vec<Order>,
}

pub(crate) fn orc(o: &Order) -> SegmentBuilder {
    SegmentBuilder::new("ORC")
        .field(1, o.control.code())
        .field(2, &o.placer_order_number)
        .field(3, &o.filler_order_number)
        .field(9, &o.transaction_at)
        .field(12, &o.ordering_provider)
}

pub(crate) fn obr(set_id: usize, o: &Order) -> SegmentBuilder {
    let seg = SegmentBuilder::new("OBR")
        .field(1, set_id.to_string())
        .field(2, &o.placer_order_number)
        .field(3, &o.filler_order_number)
        .field(4, o.service.value());
    let seg = if o.priority.is_empty() {
        seg
    } else {
        seg.field(5, &o.priority)
    };
    if o.ordering_provider.is_empty() {
        seg
    } else {
        seg.field(16, &o.ordering_provider)
    }
}

fn patient(b: &mut MessageBuilder, m: &OrderMessage) {
    if let Some(p) = &m.patient {
        b.push(pid(p));
        if let Some(v) = &m.visit {
            b.push(pv1(v));
        }
    }
}

/// ORM^O01 (v2.3/2.4, the SWISSLAB to cITm layout): MSH, \[PID, \[PV1\]\], (ORC, OBR)*.
pub fn orm_o01(m: &OrderMessage) -> Vec<u8> {
    let mut b = MessageBuilder::new(
        &m.header,
        MessageType {
            code: "ORM",
            event: "O01",
            structure: "ORM_O01",
        },
    );
    patient(&mut b, m);
    for (i, o) in m.orders.iter().enumerate() {
        b.push(orc(o));
        b.push(obr(i + 1, o));
    }
    b.build()
}

/// OML^O21 (v2.5.1): MSH, \[PID, \[PV1\]\], then per order ORC, OBR, \[SPM, \[SAC\]\].
pub fn oml_o21(m: &OrderMessage) -> Vec<u8> {
    let mut b = MessageBuilder::new(
        &m.header,
        MessageType {
            code: "OML",
            event: "O21",
            structure: "OML_O21",
        },
    );
    patient(&mut b, m);
    for (i, o) in m.orders.iter().enumerate() {
        b.push(orc(o));
        b.push(obr(i + 1, o));
        if let Some(s) = &o.specimen {
            b.push(spm(s));
            if !o.container_id.is_empty() {
                b.push(sac(&o.container_id));
            }
        }
    }
    b.build()
}

/// OML^O33 (v2.5.1, specimen-centred): MSH, \[PID, \[PV1\]\], then per run of orders on the same specimen
/// SPM, \[SAC\], (ORC, OBR)*. Orders without a specimen are written without SPM.
pub fn oml_o33(m: &OrderMessage) -> Vec<u8> {
    let mut b = MessageBuilder::new(
        &m.header,
        MessageType {
            code: "OML",
            event: "O33",
            structure: "OML_O33",
        },
    );
    patient(&mut b, m);
    let mut current: Option<&Specimen> = None;
    for (i, o) in m.orders.iter().enumerate() {
        if o.specimen.is_some() && o.specimen.as_ref() != current {
            if let Some(s) = &o.specimen {
                b.push(spm(s));
                if !o.container_id.is_empty() {
                    b.push(sac(&o.container_id));
                }
            }
            current = o.specimen.as_ref();
        }
        b.push(orc(o));
        b.push(obr(i + 1, o));
    }
    b.build()
}
