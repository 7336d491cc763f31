//! Result messages as analyzers and middleware send them: OUL^R21 (v2.4, the cITm layout) and
//! OUL^R22 (v2.5.1, IHE LAW LAB-29, the cobas pro layout), for simulators and tests. The ORU^R01
//! the LIS sends to the HIS has one builder, `lis_drivers::his::oru`, which writes what this
//! crate's structs cannot (two codings per CWE, XCN, SN values).

use crate::build::{CodedValue, FieldValue, MessageBuilder, MessageHeader, SegmentBuilder};
use crate::segments::{MessageType, OrderControl};

/// Patient identification written to PID.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Patient {
    /// PID-3 identifiers (CX: id, assigning authority, identifier type).
    pub ids: Vec<PatientId>,
    /// PID-5.1 family name.
    pub family: String,
    /// PID-5.2 given name.
    pub given: String,
    /// PID-5.3 middle name(s).
    pub middle: String,
    /// PID-7 date of birth (DTM text).
    pub birth_date: String,
    /// PID-8 administrative sex (`M`, `F`, `O`, `U`).
    pub sex: String,
}

/// One PID-3 repetition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientId {
    /// CX-1.
    pub id: String,
    /// CX-4 assigning authority namespace.
    pub authority: String,
    /// CX-5 identifier type (`MR`, `PI`...).
    pub id_type: String,
}

/// The visit written to PV1.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Visit {
    /// PV1-2 patient class (`I`, `O`, `E`...).
    pub patient_class: String,
    /// PV1-3.1 point of care (ward).
    pub location: String,
    /// PV1-19.1 visit number.
    pub visit_number: String,
}

/// Specimen data written to SPM (v2.5+).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Specimen {
    /// SPM-2 placer specimen id (the bar code).
    pub id: String,
    /// SPM-4 specimen type.
    pub specimen_type: CodedValue,
    /// SPM-11 specimen role (`P`, `Q`, `C`, `E`).
    pub role: String,
    /// SPM-17 collection date/time (DTM text).
    pub collected_at: String,
}

/// One observation written to OBX (plus its NTE comments).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observation {
    /// OBX-2 value type (`NM`, `ST`, `CE`...).
    pub value_type: String,
    /// OBX-3 observation identifier.
    pub code: CodedValue,
    /// OBX-4 sub-id.
    pub sub_id: String,
    /// OBX-5 value(s); more than one writes repetitions.
    pub values: Vec<String>,
    /// OBX-6.1 units.
    pub units: String,
    /// OBX-7 reference range.
    pub reference_range: String,
    /// OBX-8 abnormal flags (repetitions).
    pub flags: Vec<String>,
    /// OBX-11 result status (`F`, `P`, `C`...).
    pub status: String,
    /// OBX-14 observation date/time (DTM text).
    pub observed_at: String,
    /// OBX-18 equipment instance identifiers (repetitions).
    pub equipment: Vec<String>,
    /// OBX-19 analysis date/time (DTM text).
    pub analyzed_at: String,
    /// NTE-3 comments written after the OBX.
    pub notes: Vec<String>,
}

/// One order with its observations (ORC/OBR/OBX...).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResultGroup {
    /// ORC-1 (`RE` when `None`).
    pub order_control: Option<OrderControl>,
    /// ORC-2 / OBR-2 placer order number.
    pub placer_order_number: String,
    /// ORC-3 / OBR-3 filler order number.
    pub filler_order_number: String,
    /// OBR-4 universal service identifier.
    pub service: CodedValue,
    /// OBR-7 observation date/time (DTM text).
    pub observed_at: String,
    /// OBR-25 result status.
    pub result_status: String,
    /// SPM for the group (written in OUL^R22 before the OBR).
    pub specimen: Option<Specimen>,
    /// SAC-3 container id (OUL only).
    pub container_id: String,
    /// NTE comments on the order, written after the OBR.
    pub notes: Vec<String>,
    /// The results.
    pub observations: Vec<Observation>,
}

/// A result message: header, optional patient and visit, and the order groups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResultMessage {
    /// MSH content.
    pub header: MessageHeader,
    /// PID.
    pub patient: Option<Patient>,
    /// PV1 (written only with a patient).
    pub visit: Option<Visit>,
    /// ORDER_OBSERVATION groups.
    pub orders: Vec<ResultGroup>,
}

pub(crate) fn pid(p: &Patient) -> SegmentBuilder {
    let ids = p.ids.iter().fold(None::<FieldValue>, |acc, id| {
        let v = FieldValue::components_trimmed([
            id.id.as_str(),
            "",
            "",
            id.authority.as_str(),
            id.id_type.as_str(),
        ]);
        Some(match acc {
            Some(a) => a.and_repeat(v),
            None => v,
        })
    });
    let seg = SegmentBuilder::new("PID").field(1, "1");
    let seg = match ids {
        Some(ids) => seg.field(3, ids),
        None => seg,
    };
    seg.field(
        5,
        FieldValue::components_trimmed([p.family.as_str(), p.given.as_str(), p.middle.as_str()]),
    )
    .field(7, &p.birth_date)
    .field(8, &p.sex)
}

pub(crate) fn pv1(v: &Visit) -> SegmentBuilder {
    SegmentBuilder::new("PV1")
        .field(1, "1")
        .field(2, &v.patient_class)
        .field(3, &v.location)
        .field(19, &v.visit_number)
}

pub(crate) fn spm(s: &Specimen) -> SegmentBuilder {
    SegmentBuilder::new("SPM")
        .field(1, "1")
        .field(2, &s.id)
        .field(4, s.specimen_type.value())
        .field(11, &s.role)
        .field(17, &s.collected_at)
}

pub(crate) fn sac(container_id: &str) -> SegmentBuilder {
    SegmentBuilder::new("SAC").field(3, container_id)
}

pub(crate) fn nte(set_id: usize, comment: &str) -> SegmentBuilder {
    SegmentBuilder::new("NTE")
        .field(1, set_id.to_string())
        .field(2, "L")
        .field(3, comment)
}

fn obx(set_id: usize, o: &Observation) -> SegmentBuilder {
    SegmentBuilder::new("OBX")
        .field(1, set_id.to_string())
        .field(2, &o.value_type)
        .field(3, o.code.value())
        .field(4, &o.sub_id)
        .field(5, FieldValue::repeated(o.values.iter().map(String::as_str)))
        .field(6, &o.units)
        .field(7, &o.reference_range)
        .field(8, FieldValue::repeated(o.flags.iter().map(String::as_str)))
        .field(11, &o.status)
        .field(14, &o.observed_at)
        .field(
            18,
            FieldValue::repeated(o.equipment.iter().map(String::as_str)),
        )
        .field(19, &o.analyzed_at)
}

fn orc(g: &ResultGroup) -> SegmentBuilder {
    SegmentBuilder::new("ORC")
        .field(
            1,
            g.order_control
                .unwrap_or(OrderControl::ResultsFollow)
                .code(),
        )
        .field(2, &g.placer_order_number)
        .field(3, &g.filler_order_number)
}

fn obr(set_id: usize, g: &ResultGroup) -> SegmentBuilder {
    SegmentBuilder::new("OBR")
        .field(1, set_id.to_string())
        .field(2, &g.placer_order_number)
        .field(3, &g.filler_order_number)
        .field(4, g.service.value())
        .field(7, &g.observed_at)
        .field(25, &g.result_status)
}

fn observations(b: &mut MessageBuilder, g: &ResultGroup) {
    for (i, o) in g.observations.iter().enumerate() {
        b.push(obx(i + 1, o));
        for (n, note) in o.notes.iter().enumerate() {
            b.push(nte(n + 1, note));
        }
    }
}

fn patient(b: &mut MessageBuilder, m: &ResultMessage) {
    if let Some(p) = &m.patient {
        b.push(pid(p));
        if let Some(v) = &m.visit {
            b.push(pv1(v));
        }
    }
}

fn group_notes(b: &mut MessageBuilder, g: &ResultGroup) {
    for (n, note) in g.notes.iter().enumerate() {
        b.push(nte(n + 1, note));
    }
}

/// OUL^R21 (v2.4, the cobas 8000 cITm layout): MSH, \[PID, \[PV1\]\], then per group \[SAC\], ORC, OBR,
/// NTE*, (OBX, NTE*)*.
pub fn oul_r21(m: &ResultMessage) -> Vec<u8> {
    let mut b = MessageBuilder::new(
        &m.header,
        MessageType {
            code: "OUL",
            event: "R21",
            structure: "OUL_R21",
        },
    );
    patient(&mut b, m);
    for (i, g) in m.orders.iter().enumerate() {
        if !g.container_id.is_empty() {
            b.push(sac(&g.container_id));
        }
        b.push(orc(g));
        b.push(obr(i + 1, g));
        group_notes(&mut b, g);
        observations(&mut b, g);
    }
    b.build()
}

/// OUL^R22 (v2.5.1, IHE LAW, the cobas pro layout): MSH, \[PID, \[PV1\]\], then per group \[SPM\], \[SAC\],
/// OBR, ORC, NTE*, (OBX, NTE*)*.
pub fn oul_r22(m: &ResultMessage) -> Vec<u8> {
    let mut b = MessageBuilder::new(
        &m.header,
        MessageType {
            code: "OUL",
            event: "R22",
            structure: "OUL_R22",
        },
    );
    patient(&mut b, m);
    for (i, g) in m.orders.iter().enumerate() {
        if let Some(s) = &g.specimen {
            b.push(spm(s));
        }
        if !g.container_id.is_empty() {
            b.push(sac(&g.container_id));
        }
        b.push(obr(i + 1, g));
        b.push(orc(g));
        group_notes(&mut b, g);
        observations(&mut b, g);
    }
    b.build()
}
