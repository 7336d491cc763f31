//! Host queries. Standard: QBP^Q11 and its answer RSP^K11 (HL7 v2.5.1 chapter 5, IHE LAW LAB-27, the
//! cobas pro layout). Legacy (Mindray CL/BS and many devices): QRY^Q02 answered by QCK^Q02 (QAK-2
//! `OK`/`NF`) and DSR^Q03 with numbered DSP lines, acknowledged by ACK^Q03; written exactly in the
//! layout of the Mindray CL host interface manual.

use crate::build::orders::{obr, orc, Order};
use crate::build::results::{pid, sac, spm, Patient};
use crate::build::{CodedValue, FieldValue, MessageBuilder, MessageHeader, SegmentBuilder};
use crate::segments::{AckCode, MessageType};

/// A QBP^Q11 specimen query (an analyzer asking for the orders of a sample).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostQuery {
    /// MSH content.
    pub header: MessageHeader,
    /// QPD-1 message query name (`INISEQ^^99ROC` for the cobas pro).
    pub query_name: CodedValue,
    /// QPD-2 query tag.
    pub query_tag: String,
    /// QPD-3 specimen id.
    pub specimen_id: String,
    /// QPD-4 carrier (rack) id.
    pub carrier: String,
    /// QPD-5 position in the carrier.
    pub position: String,
}

fn qpd(q: &HostQuery) -> SegmentBuilder {
    SegmentBuilder::new("QPD")
        .field(1, q.query_name.value())
        .field(2, &q.query_tag)
        .field(3, &q.specimen_id)
        .field(4, &q.carrier)
        .field(5, &q.position)
}

/// QBP^Q11: MSH, QPD, RCP (`I` immediate, 1 record, `R` real time).
pub fn qbp_q11(q: &HostQuery) -> Vec<u8> {
    let mut b = MessageBuilder::new(
        &q.header,
        MessageType {
            code: "QBP",
            event: "Q11",
            structure: "QBP_Q11",
        },
    );
    b.push(qpd(q));
    b.push(
        SegmentBuilder::new("RCP")
            .field(1, "I")
            .field(2, "1")
            .field(3, FieldValue::components(["R", "", "HL70394"])),
    );
    b.build()
}

/// The answer to a [`HostQuery`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryResponse {
    /// MSH content.
    pub header: MessageHeader,
    /// MSA-2: the control id of the query.
    pub acknowledged_control_id: String,
    /// The query, echoed in QPD (and its tag in QAK-1).
    pub query: HostQuery,
    /// The patient, if known.
    pub patient: Option<Patient>,
    /// The orders for the specimen; empty answers QAK-2 `NF`.
    pub orders: Vec<Order>,
}

/// RSP^K11: MSH, MSA (AA), QAK (`OK`/`NF`), QPD, then \[PID\], and per order \[SPM, \[SAC\]\], ORC, OBR.
pub fn rsp_k11(r: &QueryResponse) -> Vec<u8> {
    let mut b = MessageBuilder::new(
        &r.header,
        MessageType {
            code: "RSP",
            event: "K11",
            structure: "RSP_K11",
        },
    );
    b.push(
        SegmentBuilder::new("MSA")
            .field(1, AckCode::ApplicationAccept.code())
            .field(2, &r.acknowledged_control_id),
    );
    let status = if r.orders.is_empty() { "NF" } else { "OK" };
    b.push(
        SegmentBuilder::new("QAK")
            .field(1, &r.query.query_tag)
            .field(2, status),
    );
    b.push(qpd(&r.query));
    if let Some(p) = &r.patient {
        b.push(pid(p));
    }
    for (i, o) in r.orders.iter().enumerate() {
        if let Some(s) = &o.specimen {
            b.push(spm(s));
            if !o.container_id.is_empty() {
                b.push(sac(&o.container_id));
            }
        }
        b.push(orc(o));
        b.push(obr(i + 1, o));
    }
    b.build()
}

/// A legacy QRY^Q02 query for one sample bar code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LegacyQuery {
    /// MSH content (see [`MessageHeader::mindray`]).
    pub header: MessageHeader,
    /// QRD-1 query date/time (DTM text).
    pub query_at: String,
    /// QRD-4 query id.
    pub query_id: String,
    /// QRD-8 the sample bar code.
    pub specimen_id: String,
}

fn qrd(query_at: &str, query_id: &str, specimen_id: &str) -> SegmentBuilder {
    SegmentBuilder::new("QRD")
        .field(1, query_at)
        .field(2, "R")
        .field(3, "D")
        .field(4, query_id)
        .field(7, "RD")
        .field(8, specimen_id)
        .field(9, "OTH")
        .field(12, "T")
}

fn qrf() -> SegmentBuilder {
    SegmentBuilder::new("QRF")
        .field(6, "RCT")
        .field(7, "COR")
        .field(8, "ALL")
        .pad_to(9)
}

/// MSA `AA` with Mindray's text and error condition, then `ERR|0`.
fn mindray_accept(b: &mut MessageBuilder, control_id: &str) {
    b.push(
        SegmentBuilder::new("MSA")
            .field(1, AckCode::ApplicationAccept.code())
            .field(2, control_id)
            .field(3, "Message accepted")
            .field(6, "0"),
    );
    b.push(SegmentBuilder::new("ERR").field(1, "0"));
}

/// QRY^Q02: MSH, QRD, QRF.
pub fn qry_q02(q: &LegacyQuery) -> Vec<u8> {
    let mut b = MessageBuilder::new(
        &q.header,
        MessageType {
            code: "QRY",
            event: "Q02",
            structure: "",
        },
    );
    b.push(qrd(&q.query_at, &q.query_id, &q.specimen_id));
    b.push(qrf());
    b.build()
}

/// The QCK^Q02 answer to a [`LegacyQuery`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LegacyQueryAck {
    /// MSH content.
    pub header: MessageHeader,
    /// MSA-2: the control id of the query.
    pub acknowledged_control_id: String,
    /// QAK-2 `OK` when orders follow in a DSR^Q03, `NF` when none were found.
    pub found: bool,
}

/// QCK^Q02: MSH, MSA, ERR, QAK (`SR`, `OK`/`NF`).
pub fn qck_q02(a: &LegacyQueryAck) -> Vec<u8> {
    let mut b = MessageBuilder::new(
        &a.header,
        MessageType {
            code: "QCK",
            event: "Q02",
            structure: "",
        },
    );
    mindray_accept(&mut b, &a.acknowledged_control_id);
    b.push(
        SegmentBuilder::new("QAK")
            .field(1, "SR")
            .field(2, if a.found { "OK" } else { "NF" }),
    );
    b.build()
}

/// The DSR^Q03 display response carrying the orders as numbered DSP lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LegacyDisplay {
    /// MSH content.
    pub header: MessageHeader,
    /// MSA-2: the control id of the query.
    pub acknowledged_control_id: String,
    /// QRD-1 (DTM text).
    pub query_at: String,
    /// QRD-4 query id.
    pub query_id: String,
    /// QRD-8 (the Mindray manual leaves it empty in DSR^Q03).
    pub specimen_id: String,
    /// DSP-3 of DSP 1, 2, 3...: the data lines in the device's positional order.
    pub lines: Vec<FieldValue>,
}

/// DSR^Q03: MSH, MSA, ERR, QAK, QRD, QRF, DSP*, DSC.
pub fn dsr_q03(d: &LegacyDisplay) -> Vec<u8> {
    let mut b = MessageBuilder::new(
        &d.header,
        MessageType {
            code: "DSR",
            event: "Q03",
            structure: "",
        },
    );
    mindray_accept(&mut b, &d.acknowledged_control_id);
    b.push(SegmentBuilder::new("QAK").field(1, "SR").field(2, "OK"));
    b.push(qrd(&d.query_at, &d.query_id, &d.specimen_id));
    b.push(qrf());
    for (i, line) in d.lines.iter().enumerate() {
        b.push(
            SegmentBuilder::new("DSP")
                .field(1, (i + 1).to_string())
                .field(3, line.clone())
                .pad_to(5),
        );
    }
    b.push(SegmentBuilder::new("DSC").pad_to(1));
    b.build()
}
