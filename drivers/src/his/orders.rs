//! Reading HIS orders: ORM^O01 (HL7 v2.5.1 §4.4.1) and OML^O21 (§4.4.6) into core orders.
//!
//! - ORC-1 `NW` places an order, `CA`/`DC` cancels it, `XO` changes it; ORC-2 (else OBR-2) is
//!   the placer number that identifies it. A cancel whose OBR-4s name tests cancels those tests
//!   (a per-test cancel); an ORC without OBR, or an empty OBR-4, cancels the whole order.
//! - The patient comes from PID: PID-3.1 the HIS id with its assigning authority (PID-3.4) and
//!   identifier type (PID-3.5), PID-5 family^given^middle (kept in these parts as sent, and in
//!   full in Vietnamese order: family, middle, given; UTF-8 per MSH-18), PID-7 birth date,
//!   PID-8 sex.
//! - The doctor from ORC-12 (else OBR-16), an XCN kept as its id and name parts, the department from ORC-17 (else PV1-3.1), the
//!   priority `S` (stat) from ORC-7.6, OBR-27.6, TQ1-9 or OBR-5.
//! - The tube barcode: SPM-2 in OML; in ORM, OBR-3 or else the placer number (or always the
//!   placer number, per `orm_specimen_id`).
//! - Tests: one OBR per test or panel; OBR-4 by LIS code, by LOINC when the coding system is
//!   `LN` (either in components 1-3 or in the alternate 4-6), or a panel from `[his.panels]`.
//!
//! Problems are [`Refusal`]s carrying the HL7 error code (table 0357) and the location
//! (segment^sequence^field) for the ACK's ERR segment.

use jiff::civil::{Date, DateTime};
use jiff::tz::{Offset, TimeZone};
use lis_core::config::LabConfig;
use lis_core::model::{
    AssigningAuthority, NewOrder, NewPatient, NewSpecimen, PersonName, Priority, Sex,
};
use lis_core::presentation::full_name;
use lis_hl7::datatypes::{Coded, Provider};
use lis_hl7::segments::{AckCode, Obr, Orc, OrderControl, Pid, Pv1, SegmentView, Spm};
use lis_hl7::Message;

use super::config::{HisConfig, OrmSpecimenId};

/// HL7 table 0357 codes used in answers.
pub mod error_code {
    /// Segment sequence error (a required segment is missing).
    pub const SEGMENT_SEQUENCE: u16 = 100;
    /// Required field missing.
    pub const REQUIRED_FIELD_MISSING: u16 = 101;
    /// Data type error.
    pub const DATA_TYPE: u16 = 102;
    /// Table value not found (an unknown test, order control code).
    pub const TABLE_VALUE_NOT_FOUND: u16 = 103;
    /// Unsupported message type.
    pub const UNSUPPORTED_MESSAGE_TYPE: u16 = 200;
    /// Unknown key identifier (an order that does not exist).
    pub const UNKNOWN_KEY: u16 = 204;
    /// Duplicate key identifier (a placer number or barcode already used).
    pub const DUPLICATE_KEY: u16 = 205;
    /// Application record locked (a test whose result is released cannot be cancelled).
    pub const RECORD_LOCKED: u16 = 206;
    /// Application internal error.
    pub const INTERNAL: u16 = 207;

    /// The table 0357 text of a code.
    pub fn text(code: u16) -> &'static str {
        match code {
            SEGMENT_SEQUENCE => "Segment sequence error",
            REQUIRED_FIELD_MISSING => "Required field missing",
            DATA_TYPE => "Data type error",
            TABLE_VALUE_NOT_FOUND => "Table value not found",
            UNSUPPORTED_MESSAGE_TYPE => "Unsupported message type",
            UNKNOWN_KEY => "Unknown key identifier",
            DUPLICATE_KEY => "Duplicate key identifier",
            RECORD_LOCKED => "Application record locked",
            _ => "Application internal error",
        }
    }
}

/// Why an order message is not (fully) accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// `AE` (content error) or `AR` (cannot process).
    pub ack: AckCode,
    /// HL7 table 0357 code.
    pub code: u16,
    /// ERR-2 location: segment id, its sequence (1-based), field number (0 for the segment).
    pub location: Option<(String, usize, usize)>,
    /// For people.
    pub text: String,
}

impl Refusal {
    pub(crate) fn error(code: u16, location: Option<(&str, usize, usize)>, text: String) -> Self {
        Self {
            ack: AckCode::ApplicationError,
            code,
            location: location.map(|(s, n, f)| (s.to_owned(), n, f)),
            text,
        }
    }

    pub(crate) fn reject(code: u16, text: String) -> Self {
        Self {
            ack: AckCode::ApplicationReject,
            code,
            location: None,
            text,
        }
    }
}

/// What an order message asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderAction {
    /// ORC-1 `NW`.
    Place(NewOrder),
    /// ORC-1 `XO`.
    Change(NewOrder),
    /// ORC-1 `CA` or `DC`.
    Cancel {
        /// Placer number.
        placer_number: String,
        /// ORC-16 text, or a default.
        reason: String,
        /// The tests to cancel, when every ORC of this order names its tests in OBR-4 (a
        /// per-test cancel); `None`: the whole order (an ORC without OBR, or an empty OBR-4).
        tests: Option<Vec<String>>,
    },
}

/// One ORC (with its OBR, if any) of an order message, kept to answer it order by order
/// (ORR^O02 / ORL^O22 echo each with its own ORC-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    /// The ORC's sequence among the message's ORCs (1-based).
    pub orc_seq: usize,
    /// The OBR's sequence among the message's OBRs (1-based); 0 for an ORC without OBR.
    pub obr_seq: usize,
    /// ORC-1 as asked (`CA` for `DC`).
    pub control: OrderControl,
    /// The placer number.
    pub placer: String,
    /// OBR-4 as received: identifier, text, coding system.
    pub service: [String; 3],
    /// The LIS tests OBR-4 stands for (empty for a whole-order cancel).
    pub tests: Vec<String>,
}

/// What an order message asks for: one action per placer number, and its lines as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderMessage {
    /// One action per placer number, in the order first named.
    pub actions: Vec<OrderAction>,
    /// Every ORC/OBR, in message order.
    pub lines: Vec<OrderLine>,
}

/// A HIS time read in the lab's zone when it carries no offset.
pub fn timestamp(t: &lis_hl7::Timestamp, tz: &TimeZone) -> Option<jiff::Timestamp> {
    let dt = DateTime::new(
        i16::try_from(t.year).ok()?,
        i8::try_from(t.month.unwrap_or(1)).ok()?,
        i8::try_from(t.day.unwrap_or(1)).ok()?,
        i8::try_from(t.hour.unwrap_or(0)).ok()?,
        i8::try_from(t.minute.unwrap_or(0)).ok()?,
        i8::try_from(t.second.unwrap_or(0).min(59)).ok()?,
        0,
    )
    .ok()?;
    match t.offset_minutes {
        Some(m) => {
            let offset = Offset::from_seconds(i32::from(m) * 60).ok()?;
            offset.to_timestamp(dt).ok()
        }
        None => dt.to_zoned(tz.clone()).ok().map(|z| z.timestamp()),
    }
}

fn date(t: &lis_hl7::Timestamp) -> Option<Date> {
    Date::new(
        i16::try_from(t.year).ok()?,
        i8::try_from(t.month?).ok()?,
        i8::try_from(t.day?).ok()?,
    )
    .ok()
}

/// One OBR line as read.
struct Line {
    orc_seq: usize,
    obr_seq: usize,
    service: [String; 3],
    control: OrderControl,
    placer: String,
    reason: String,
    doctor: Doctor,
    department: String,
    priority: Priority,
    ordered_at: Option<jiff::Timestamp>,
    barcode: String,
    specimen_type: String,
    collected_at: Option<jiff::Timestamp>,
    tests: Vec<String>,
}

/// Finds the LIS tests an OBR-4 names.
fn resolve_tests(lab: &LabConfig, his: &HisConfig, service: &Coded<'_>) -> Option<Vec<String>> {
    let pairs = [
        (service.identifier().text(), service.coding_system().text()),
        (
            service.alternate_identifier().text(),
            service.alternate_coding_system().text(),
        ),
    ];
    for (id, system) in &pairs {
        let id = id.trim();
        if id.is_empty() {
            continue;
        }
        if system.trim().eq_ignore_ascii_case("LN") {
            if let Some(t) = lab.tests.iter().find(|t| t.loinc.as_deref() == Some(id)) {
                return Some(vec![t.code.clone()]);
            }
            continue;
        }
        if let Some(tests) = his.panels.get(id) {
            return Some(tests.clone());
        }
        if lab.test(id).is_some() {
            return Some(vec![id.to_owned()]);
        }
    }
    None
}

/// The ordering doctor as the HIS sent it (an XCN: id^family^given^middle).
#[derive(Debug, Clone, Default)]
struct Doctor {
    /// As shown to people: the name in Vietnamese order, else the id.
    shown: String,
    /// XCN-1.
    id: String,
    /// XCN-2..4, when any part was sent.
    name: Option<PersonName>,
}

impl Doctor {
    fn read(p: &Provider<'_>) -> Self {
        let id = p.id().text().trim().to_owned();
        let parts = PersonName {
            family: p.family().text().trim().to_owned(),
            given: p.given().text().trim().to_owned(),
            middle: p.repetition().component(4).text().trim().to_owned(),
        };
        let full = full_name(&parts);
        Self {
            shown: if full.is_empty() { id.clone() } else { full },
            id,
            name: (!parts.is_empty()).then_some(parts),
        }
    }
}

/// Reads the patient from PID.
pub(crate) fn patient(message: &Message<'_>) -> Result<NewPatient, Refusal> {
    let Some(pid) = message.first_of::<Pid<'_>>() else {
        return Err(Refusal::error(
            error_code::SEGMENT_SEQUENCE,
            Some(("PID", 1, 0)),
            String::from("the PID segment (patient) is missing"),
        ));
    };
    let his_id = pid.patient_id().id().text().trim().to_owned();
    if his_id.is_empty() {
        return Err(Refusal::error(
            error_code::REQUIRED_FIELD_MISSING,
            Some(("PID", 1, 3)),
            String::from("PID-3 (patient identifier) is empty"),
        ));
    }
    let name = pid.name();
    // Kept as the HIS sent them (family^given^middle): a Vietnamese HIS may write the middle
    // name into the given name (`NGUYỄN^VĂN AN`), and the ORU^R01 must give it back unchanged.
    let parts = PersonName {
        family: name.family().text().trim().to_owned(),
        given: name.given().text().trim().to_owned(),
        middle: name.middle().text().trim().to_owned(),
    };
    // Stored in full in Vietnamese order: family, middle, given (Nguyễn Văn An).
    let full = full_name(&parts);
    if full.is_empty() {
        return Err(Refusal::error(
            error_code::REQUIRED_FIELD_MISSING,
            Some(("PID", 1, 5)),
            String::from("PID-5 (patient name) is empty"),
        ));
    }
    let cx = pid.patient_id();
    let authority = cx.assigning_authority();
    let his_id_authority = AssigningAuthority {
        namespace_id: authority.subcomponent(1).text().trim().to_owned(),
        universal_id: authority.subcomponent(2).text().trim().to_owned(),
        universal_id_type: authority.subcomponent(3).text().trim().to_owned(),
    };
    let birth_raw = pid.birth().as_str().trim();
    let birth_date = if birth_raw.is_empty() {
        None
    } else {
        let parsed = lis_hl7::Timestamp::parse(birth_raw).ok();
        match parsed.as_ref().and_then(date) {
            Some(d) => Some(d),
            None => {
                return Err(Refusal::error(
                    error_code::DATA_TYPE,
                    Some(("PID", 1, 7)),
                    format!("PID-7 (birth date) {birth_raw:?} is not a date YYYYMMDD"),
                ))
            }
        }
    };
    Ok(NewPatient {
        his_id_type: cx.id_type().text().trim().to_owned(),
        his_id_authority,
        name_parts: Some(parts),
        his_id,
        name: full,
        sex: Sex::parse(&pid.sex().text()),
        birth_date,
    })
}

fn is_stat(values: &[&str]) -> bool {
    values.iter().any(|v| v.trim().eq_ignore_ascii_case("S"))
}

/// Reads an ORM^O01 or OML^O21 into actions, one per placer number, and its lines.
pub fn read_order_message(
    message: &Message<'_>,
    lab: &LabConfig,
    his: &HisConfig,
) -> Result<OrderMessage, Refusal> {
    let tz = lab.time_zone();
    let is_oml = message.header().message_type().code == "OML";
    let patient = patient(message)?;
    let pv1_department = message
        .first_of::<Pv1<'_>>()
        .map(|p| p.location().point_of_care().text().trim().to_owned())
        .unwrap_or_default();
    let tq1_priority = message
        .first("TQ1")
        .map(|s| s.field(9).component(1).as_str().to_owned())
        .unwrap_or_default();
    let msh_time = message.header().timestamp().and_then(|t| timestamp(&t, tz));
    let mut lines: Vec<Line> = Vec::new();
    let mut orc: Option<(usize, Orc<'_>)> = None;
    let (mut orc_seq, mut obr_seq, mut spm_seq) = (0usize, 0usize, 0usize);
    let mut orc_has_obr = false;
    for seg in message.segments() {
        match seg.id() {
            "ORC" => {
                if let (Some((seq, o)), false) = (&orc, orc_has_obr) {
                    lines.extend(orc_only_cancel(*seq, o)?);
                }
                orc_seq += 1;
                orc = Some((orc_seq, Orc::wrap(seg)));
                orc_has_obr = false;
            }
            "OBR" => {
                obr_seq += 1;
                let obr = Obr::wrap(seg);
                let Some((seq, o)) = orc else {
                    return Err(Refusal::error(
                        error_code::SEGMENT_SEQUENCE,
                        Some(("OBR", obr_seq, 0)),
                        String::from("an OBR comes before any ORC"),
                    ));
                };
                let code = o.order_control_code().as_str().trim().to_owned();
                let control = match OrderControl::from_code(&code) {
                    Some(c @ (OrderControl::New | OrderControl::Cancel | OrderControl::Change)) => {
                        c
                    }
                    Some(OrderControl::Discontinue) => OrderControl::Cancel,
                    _ => {
                        return Err(Refusal::error(
                            error_code::TABLE_VALUE_NOT_FOUND,
                            Some(("ORC", seq, 1)),
                            format!(
                                "ORC-1 order control {code:?} is not supported (NW, CA, DC, XO)"
                            ),
                        ))
                    }
                };
                let mut placer = o.placer_order_number().entity_id().text().trim().to_owned();
                if placer.is_empty() {
                    placer = obr
                        .placer_order_number()
                        .entity_id()
                        .text()
                        .trim()
                        .to_owned();
                }
                if placer.is_empty() {
                    return Err(Refusal::error(
                        error_code::REQUIRED_FIELD_MISSING,
                        Some(("ORC", seq, 2)),
                        String::from("no placer order number in ORC-2 or OBR-2"),
                    ));
                }
                let service = obr.service();
                let empty_service = service.identifier().text().trim().is_empty()
                    && service.alternate_identifier().text().trim().is_empty();
                // A cancel names its tests in OBR-4 (a per-test cancel) or leaves it empty
                // (the whole order).
                let tests = if control == OrderControl::Cancel && empty_service {
                    Vec::new()
                } else {
                    match resolve_tests(lab, his, &service) {
                        Some(t) => t,
                        None => {
                            let id = service.identifier().text();
                            let system = service.coding_system().text();
                            return Err(Refusal::error(
                                error_code::TABLE_VALUE_NOT_FOUND,
                                Some(("OBR", obr_seq, 4)),
                                if id.trim().is_empty() {
                                    String::from("OBR-4 (ordered test) is empty")
                                } else {
                                    format!(
                                        "unknown test {id:?} (coding system {system:?}) in OBR-4"
                                    )
                                },
                            ));
                        }
                    }
                };
                let service_as_sent = [
                    service.identifier().text().trim().to_owned(),
                    service.description().text().trim().to_owned(),
                    service.coding_system().text().trim().to_owned(),
                ];
                let filler = obr
                    .filler_order_number()
                    .entity_id()
                    .text()
                    .trim()
                    .to_owned();
                let barcode = match his.orm_specimen_id {
                    OrmSpecimenId::Obr3 if !filler.is_empty() => filler,
                    _ => placer.clone(),
                };
                let mut doctor = Doctor::read(&o.ordering_provider());
                if doctor.shown.is_empty() {
                    doctor = Doctor::read(&obr.ordering_provider());
                }
                let org = o.field(17);
                let department = [org.component(2).text(), org.component(1).text()]
                    .into_iter()
                    .map(|s| s.trim().to_owned())
                    .find(|s| !s.is_empty())
                    .unwrap_or_else(|| pv1_department.clone());
                let priority = if is_stat(&[
                    o.field(7).component(6).as_str(),
                    obr.field(27).component(6).as_str(),
                    tq1_priority.as_str(),
                    obr.field(5).as_str(),
                ]) {
                    Priority::Stat
                } else {
                    Priority::Routine
                };
                let reason_field = o.field(16);
                let reason = [
                    reason_field.component(2).text(),
                    reason_field.component(1).text(),
                ]
                .into_iter()
                .map(|s| s.trim().to_owned())
                .find(|s| !s.is_empty())
                .unwrap_or_else(|| String::from("cancelled by the HIS"));
                orc_has_obr = true;
                lines.push(Line {
                    orc_seq: seq,
                    obr_seq,
                    service: service_as_sent,
                    control,
                    placer,
                    reason,
                    doctor,
                    department,
                    priority,
                    ordered_at: o.transaction_at().and_then(|t| timestamp(&t, tz)),
                    barcode,
                    specimen_type: String::new(),
                    collected_at: obr.observed_at().and_then(|t| timestamp(&t, tz)),
                    tests,
                });
            }
            "SPM" if is_oml => {
                spm_seq += 1;
                let spm = Spm::wrap(seg);
                let Some(line) = lines.last_mut() else {
                    continue;
                };
                let id = spm.specimen_id();
                let mut barcode = id.placer().text().trim().to_owned();
                if barcode.is_empty() {
                    barcode = id.filler().text().trim().to_owned();
                }
                if barcode.is_empty() {
                    return Err(Refusal::error(
                        error_code::REQUIRED_FIELD_MISSING,
                        Some(("SPM", spm_seq, 2)),
                        String::from("SPM-2 (specimen id, the tube barcode) is empty"),
                    ));
                }
                line.barcode = barcode;
                line.specimen_type = spm.specimen_type().identifier().text().trim().to_owned();
                if let Some(t) = spm.collected_at().and_then(|t| timestamp(&t, tz)) {
                    line.collected_at = Some(t);
                }
            }
            _ => {}
        }
    }
    if let (Some((seq, o)), false) = (&orc, orc_has_obr) {
        lines.extend(orc_only_cancel(*seq, o)?);
    }
    if lines.is_empty() {
        return Err(Refusal::error(
            error_code::SEGMENT_SEQUENCE,
            Some(("OBR", 1, 0)),
            String::from("the message orders nothing (no ORC/OBR)"),
        ));
    }
    group(lines, &patient, lab, msh_time)
}

/// An ORC without OBR is a whole-order request: HL7 v2.5.1 §4.4.1 makes the order detail
/// segment optional. Only a cancel (`CA`, `DC`) can be read from an ORC alone.
fn orc_only_cancel(seq: usize, o: &Orc<'_>) -> Result<Option<Line>, Refusal> {
    let code = o.order_control_code().as_str().trim().to_owned();
    if !matches!(
        OrderControl::from_code(&code),
        Some(OrderControl::Cancel | OrderControl::Discontinue)
    ) {
        return Ok(None);
    }
    let placer = o.placer_order_number().entity_id().text().trim().to_owned();
    if placer.is_empty() {
        return Err(Refusal::error(
            error_code::REQUIRED_FIELD_MISSING,
            Some(("ORC", seq, 2)),
            String::from("no placer order number in ORC-2"),
        ));
    }
    let reason_field = o.field(16);
    let reason = [
        reason_field.component(2).text(),
        reason_field.component(1).text(),
    ]
    .into_iter()
    .map(|s| s.trim().to_owned())
    .find(|s| !s.is_empty())
    .unwrap_or_else(|| String::from("cancelled by the HIS"));
    Ok(Some(Line {
        orc_seq: seq,
        obr_seq: 0,
        service: Default::default(),
        control: OrderControl::Cancel,
        placer,
        reason,
        doctor: Doctor::default(),
        department: String::new(),
        priority: Priority::Routine,
        ordered_at: None,
        barcode: String::new(),
        specimen_type: String::new(),
        collected_at: None,
        tests: Vec::new(),
    }))
}

fn group(
    lines: Vec<Line>,
    patient: &NewPatient,
    lab: &LabConfig,
    msh_time: Option<jiff::Timestamp>,
) -> Result<OrderMessage, Refusal> {
    let answers: Vec<OrderLine> = lines
        .iter()
        .map(|l| OrderLine {
            orc_seq: l.orc_seq,
            obr_seq: l.obr_seq,
            control: l.control,
            placer: l.placer.clone(),
            service: l.service.clone(),
            tests: l.tests.clone(),
        })
        .collect();
    // Per placer number: a cancel names tests only while every line of it does.
    let mut cancel_tests: Vec<(String, Option<Vec<String>>)> = Vec::new();
    for line in lines.iter().filter(|l| l.control == OrderControl::Cancel) {
        let entry = match cancel_tests.iter_mut().find(|(p, _)| *p == line.placer) {
            Some(e) => e,
            None => {
                cancel_tests.push((line.placer.clone(), Some(Vec::new())));
                let Some(e) = cancel_tests.last_mut() else {
                    continue;
                };
                e
            }
        };
        match (&mut entry.1, line.tests.is_empty()) {
            (_, true) => entry.1 = None,
            (Some(t), false) => t.extend(line.tests.iter().cloned()),
            (None, false) => {}
        }
    }
    let mut orders: Vec<(OrderControl, String, String, NewOrder)> = Vec::new();
    for line in lines {
        let idx = match orders.iter().position(|(_, p, _, _)| *p == line.placer) {
            Some(i) => {
                if orders.get(i).map(|o| o.0) != Some(line.control) {
                    return Err(Refusal::error(
                        error_code::TABLE_VALUE_NOT_FOUND,
                        Some(("ORC", 1, 1)),
                        format!(
                            "order {:?} has different order control codes in one message",
                            line.placer
                        ),
                    ));
                }
                i
            }
            None => {
                orders.push((
                    line.control,
                    line.placer.clone(),
                    line.reason.clone(),
                    NewOrder {
                        placer_number: line.placer.clone(),
                        patient: patient.clone(),
                        requesting_doctor: line.doctor.shown.clone(),
                        requesting_doctor_id: line.doctor.id.clone(),
                        requesting_doctor_name: line.doctor.name.clone(),
                        department: line.department.clone(),
                        priority: line.priority,
                        ordered_at: line
                            .ordered_at
                            .or(msh_time)
                            .unwrap_or_else(jiff::Timestamp::now),
                        specimens: Vec::new(),
                    },
                ));
                orders.len() - 1
            }
        };
        let Some((_, _, _, order)) = orders.get_mut(idx) else {
            continue;
        };
        if order.requesting_doctor.is_empty() {
            order.requesting_doctor = line.doctor.shown.clone();
            order.requesting_doctor_id = line.doctor.id.clone();
            order.requesting_doctor_name = line.doctor.name.clone();
        }
        if line.priority == Priority::Stat {
            order.priority = Priority::Stat;
        }
        let specimen_type = if line.specimen_type.is_empty() {
            line.tests
                .first()
                .and_then(|t| lab.test(t))
                .map(|t| t.specimen.clone())
                .unwrap_or_default()
        } else {
            line.specimen_type.clone()
        };
        match order
            .specimens
            .iter_mut()
            .find(|s| s.barcode == line.barcode)
        {
            Some(s) => {
                for t in &line.tests {
                    if !s.tests.contains(t) {
                        s.tests.push(t.clone());
                    }
                }
            }
            None => order.specimens.push(NewSpecimen {
                barcode: line.barcode.clone(),
                specimen_type,
                collected_at: line.collected_at,
                received_at: None,
                tests: line.tests.clone(),
            }),
        }
    }
    let actions = orders
        .into_iter()
        .map(|(control, placer, reason, order)| match control {
            OrderControl::Cancel => {
                let tests = cancel_tests
                    .iter()
                    .find(|(p, _)| *p == placer)
                    .and_then(|(_, t)| t.clone())
                    .map(|mut t| {
                        t.sort();
                        t.dedup();
                        t
                    });
                OrderAction::Cancel {
                    placer_number: placer,
                    reason,
                    tests,
                }
            }
            OrderControl::Change => OrderAction::Change(order),
            _ => OrderAction::Place(order),
        })
        .collect();
    Ok(OrderMessage {
        actions,
        lines: answers,
    })
}
