//! ORU^R01 (HL7 v2.5.1 §7.3.1) for released results: MSH, PID, then per result ORC, OBR, OBX, SPM
//! (and for a microbiology isolate, its susceptibility panel as a child ORC, OBR, OBX..., SPM:
//! `oru_micro`).
//!
//! The one ORU^R01 builder of the LIS. It uses `lis_hl7`'s generic [`MessageBuilder`], because
//! OBR-4 and OBX-3 carry two codings in one CWE (LOINC in components 1-3, the lab's own code in
//! the alternate components 4-6, HL7 v2.5.1 §2.A.89), PID-3 an HD in CX-4, ORC-12/OBR-16 an XCN
//! and OBX-5 an SN for censored values. What the fields say (flags, ranges, units, names, value
//! shapes, specimen types, order status) comes from `lis_core::presentation`, shared with REST,
//! FHIR and the web UI.

use jiff::tz::TimeZone;
use jiff::Timestamp;
use lis_core::config::{LabConfig, TestDef};
use lis_core::model::AssigningAuthority;
use lis_core::model::{Isolate, LabResult, Order, Patient, Supplement};
use lis_core::presentation::{
    abnormal_flags, doctor_name, patient_name, reference_range, result_value, specimen_type_0487,
    ucum_code, ReleaseProgress, ResultValue,
};
use lis_hl7::build::{FieldValue, MessageBuilder, MessageHeader, SegmentBuilder};
use lis_hl7::segments::MessageType;

use super::oru_micro::{organism_value, sub_id, susceptibility_order, Parent};

/// Everything one ORU^R01 says.
#[derive(Debug, Clone)]
pub struct ResultReport<'a> {
    /// MSH-3, MSH-4, MSH-5, MSH-6.
    pub sending_application: &'a str,
    /// MSH-4.
    pub sending_facility: &'a str,
    /// MSH-5.
    pub receiving_application: &'a str,
    /// MSH-6.
    pub receiving_facility: &'a str,
    /// MSH-10: stable for an outbox row.
    pub control_id: &'a str,
    /// MSH-7.
    pub now: Timestamp,
    /// The order.
    pub order: &'a Order,
    /// The patient.
    pub patient: &'a Patient,
    /// The results.
    pub results: &'a [ReportedResult],
    /// How far the order is released, for ORC-5.
    pub progress: ReleaseProgress,
    /// True for a correction: OBX-11 and OBR-25 `C` instead of `F`.
    pub correction: bool,
}

/// One result of an ORU^R01, with what the message says about it beyond its row.
#[derive(Debug, Clone)]
pub struct ReportedResult {
    /// The result version.
    pub result: LabResult,
    /// The specimen type of its tube, as stored.
    pub specimen_type: String,
    /// Whether its reference-range check passed ([`lis_core::presentation::judged_normal`]):
    /// only then does an unflagged result go out as `N`.
    pub judged_normal: bool,
    /// The analyzer's supplementary values of this version (RLU, cut-off, Ct...), in the order
    /// sent: one OBX each after the result's (written by `supplementary_obx`).
    pub supplements: Vec<Supplement>,
    /// For a microbiology isolate result: the isolate (OBX-5 the organism, OBX-4 its label) and
    /// its susceptibility panel, sent as a child order after the result's (`super::oru_micro`).
    pub isolate: Option<Isolate>,
}

/// An HL7 DTM in the lab's time zone, `YYYYMMDDHHMMSS+ZZZZ`.
pub fn dtm(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned(tz.clone())
        .strftime("%Y%m%d%H%M%S%z")
        .to_string()
}

/// PID-3 as a CX (HL7 v2.5.1 §2A.14): id, then the assigning authority (CX-4, an HD whose parts
/// are subcomponents) and the identifier type (CX-5), as the HIS sent them.
pub(crate) fn patient_id(id: &str, authority: &AssigningAuthority, id_type: &str) -> FieldValue {
    let mut hd = vec![
        authority.namespace_id.clone(),
        authority.universal_id.clone(),
        authority.universal_id_type.clone(),
    ];
    while hd.len() > 1 && hd.last().is_some_and(String::is_empty) {
        hd.pop();
    }
    FieldValue::tree(vec![vec![
        vec![id.to_owned()],
        vec![String::new()],
        vec![String::new()],
        hd,
        vec![id_type.to_owned()],
    ]])
}

/// SPM-4 as a CWE from HL7 table 0487 (`SER^Serum^HL70487`), whether the order came by ORM
/// (the catalog's `serum`) or by OML (the HIS's `SER`); a type the table does not know goes
/// back as the code it was stored as, claiming no coding system.
fn specimen_type(stored: &str) -> FieldValue {
    match specimen_type_0487(stored) {
        Some(t) => FieldValue::components([t.code, t.text, "HL70487"]),
        None => FieldValue::text(stored.trim()),
    }
}

fn coded(test: Option<&TestDef>, code: &str) -> FieldValue {
    FieldValue::components_trimmed(coded_parts(test, code))
}

/// The components of [`coded`].
fn coded_parts(test: Option<&TestDef>, code: &str) -> Vec<String> {
    let parts: Vec<&str> = match test {
        Some(t) => match &t.loinc {
            Some(loinc) => vec![
                loinc.as_str(),
                t.name_en.as_str(),
                "LN",
                t.code.as_str(),
                t.name_vi.as_str(),
                "L",
            ],
            None => vec![t.code.as_str(), t.name_vi.as_str(), "L"],
        },
        None => vec![code, "", "L"],
    };
    let mut parts: Vec<String> = parts.into_iter().map(str::to_owned).collect();
    while parts.len() > 1 && parts.last().is_some_and(String::is_empty) {
        parts.pop();
    }
    parts
}

/// The OBX of the `k`-th (from 1) supplementary value of a result of `test_code`, after the
/// result's own OBX (OBX-1 `1`, OBX-4 `group`: `1`, or an isolate's label): OBX-1 `k + 1`; OBX-4
/// `group.k`, the sub-ID that ties it
/// to the result (HL7 v2.5.1 §7.4.2.4, the dot notation for observations that belong
/// together); OBX-3 the lab's test code and the analyzer's name for the value as a local code
/// (`VITD.RLU^RLU^L`), so no receiver takes it for the test's result; OBX-2 `NM` for a plain
/// number, else `ST`; OBX-5, OBX-6 (as plain text: the analyzer's units are not always UCUM)
/// and OBX-8 as sent. Status, time and equipment are the result's.
pub(crate) fn supplementary_obx(
    k: usize,
    group: &str,
    test_code: &str,
    s: &Supplement,
) -> SegmentBuilder {
    let plain_number = !s.value.is_empty()
        && s.value
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+'))
        && s.value.parse::<f64>().is_ok_and(f64::is_finite);
    SegmentBuilder::new("OBX")
        .field(1, (k + 1).to_string())
        .field(2, if plain_number { "NM" } else { "ST" })
        .field(
            3,
            FieldValue::components_trimmed([
                format!("{test_code}.{}", s.name),
                s.name.clone(),
                "L".to_owned(),
            ]),
        )
        .field(4, format!("{group}.{k}"))
        .field(5, s.value.as_str())
        .field(6, s.units.as_str())
        .field(8, FieldValue::repeated(s.flags.clone()))
}

/// Builds the ORU^R01 bytes (segments end in CR; no MLLP frame).
pub fn oru_r01(config: &LabConfig, r: &ResultReport<'_>) -> Vec<u8> {
    let tz = config.time_zone();
    let header = MessageHeader {
        sending_application: r.sending_application.to_owned(),
        sending_facility: r.sending_facility.to_owned(),
        receiving_application: r.receiving_application.to_owned(),
        receiving_facility: r.receiving_facility.to_owned(),
        datetime: dtm(r.now, tz),
        control_id: r.control_id.to_owned(),
        ..MessageHeader::default()
    };
    let mut b = MessageBuilder::new(
        &header,
        MessageType {
            code: "ORU",
            event: "R01",
            structure: "ORU_R01",
        },
    );
    let name = patient_name(r.patient);
    let authority = &r.patient.his_id_authority;
    let id_type = if r.patient.his_id_type.is_empty() {
        "PI"
    } else {
        r.patient.his_id_type.as_str()
    };
    b.push(
        SegmentBuilder::new("PID")
            .field(1, "1")
            .field(3, patient_id(&r.patient.his_id, authority, id_type))
            .field(
                5,
                FieldValue::components_trimmed([
                    name.family.as_str(),
                    name.given.as_str(),
                    name.middle.as_str(),
                ]),
            )
            .field(
                7,
                r.patient
                    .birth_date
                    .map(|d| d.strftime("%Y%m%d").to_string())
                    .unwrap_or_default(),
            )
            .field(8, r.patient.sex.code()),
    );
    let status = if r.correction { "C" } else { "F" };
    let doctor = doctor_name(r.order);
    // ORC-12 and OBR-16 are XCNs (HL7 v2.5.1 §2A.86): id^family^given^middle.
    let ordering_provider = FieldValue::components_trimmed([
        r.order.requesting_doctor_id.as_str(),
        doctor.family.as_str(),
        doctor.given.as_str(),
        doctor.middle.as_str(),
    ]);
    let mut obr_set_id = 0;
    for reported in r.results {
        let res = &reported.result;
        obr_set_id += 1;
        let test = config.test(&res.test_code);
        let observed = res.observed_at.unwrap_or(res.received_at);
        b.push(
            SegmentBuilder::new("ORC")
                .field(1, "RE")
                .field(2, r.order.placer_number.as_str())
                .field(3, r.order.accession.as_str())
                .field(5, r.progress.order_status_0038())
                .field(12, ordering_provider.clone()),
        );
        b.push(
            SegmentBuilder::new("OBR")
                .field(1, obr_set_id.to_string())
                .field(2, r.order.placer_number.as_str())
                .field(3, r.order.accession.as_str())
                .field(4, coded(test, &res.test_code))
                .field(7, dtm(observed, tz))
                .field(16, ordering_provider.clone())
                .field(22, dtm(r.now, tz))
                .field(25, status),
        );
        // OBX-2 and OBX-5 by the value's shape; an isolate's value is its organism, a CWE.
        let (value_type, value) = match (&reported.isolate, result_value(res)) {
            (Some(isolate), _) => organism_value(isolate),
            (None, shape) => shape_value(shape),
        };
        let range = test.and_then(|t| reference_range(t, r.patient, observed, tz));
        let units = if res.unit.is_empty() {
            FieldValue::text("")
        } else {
            FieldValue::components_trimmed([ucum_code(&res.unit), res.unit.clone(), "UCUM".into()])
        };
        // With supplementary values, OBX-4 groups them under the result: `1`, then `1.1`...;
        // an isolate's sub-ID is its label.
        let group = match &reported.isolate {
            Some(isolate) => sub_id(isolate),
            None if reported.supplements.is_empty() => String::new(),
            None => "1".to_owned(),
        };
        b.push(
            SegmentBuilder::new("OBX")
                .field(1, "1")
                .field(2, value_type)
                .field(3, coded(test, &res.test_code))
                .field(4, group.as_str())
                .field(5, value)
                .field(6, units)
                .field(7, range.map(|r| r.text).unwrap_or_default())
                .field(
                    8,
                    FieldValue::repeated(abnormal_flags(&res.flags, reported.judged_normal)),
                )
                .field(11, status)
                .field(14, dtm(observed, tz))
                .field(18, res.instrument.as_str())
                // A correction's own time (the observation time above stays the analyzer's).
                .field(
                    19,
                    if res.corrects.is_some() {
                        dtm(res.received_at, tz)
                    } else {
                        String::new()
                    },
                ),
        );
        for (k, supplement) in reported.supplements.iter().enumerate() {
            b.push(
                supplementary_obx(k + 1, &group, &res.test_code, supplement)
                    .field(11, status)
                    .field(14, dtm(observed, tz))
                    .field(18, res.instrument.as_str()),
            );
        }
        let spm = SegmentBuilder::new("SPM")
            .field(1, "1")
            .field(2, res.specimen_id.as_str())
            .field(4, specimen_type(&reported.specimen_type));
        b.push(spm.clone());
        // An isolate's susceptibility panel: a child order of this one.
        if let Some(isolate) = reported.isolate.as_ref() {
            let parent = Parent {
                set_id: obr_set_id + 1,
                placer: &r.order.placer_number,
                filler: &r.order.accession,
                observation: coded_parts(test, &res.test_code),
                observed: dtm(observed, tz),
                reported: dtm(r.now, tz),
                status,
                ordering_provider: ordering_provider.clone(),
                instrument: &res.instrument,
            };
            let child = susceptibility_order(&parent, isolate);
            if !child.is_empty() {
                obr_set_id += 1;
                b.push(
                    SegmentBuilder::new("ORC")
                        .field(1, "RE")
                        .field(2, r.order.placer_number.as_str())
                        .field(3, r.order.accession.as_str())
                        .field(5, r.progress.order_status_0038())
                        .field(12, ordering_provider.clone()),
                );
                for segment in child {
                    b.push(segment);
                }
                b.push(spm);
            }
        }
    }
    b.build()
}

/// OBX-2 and OBX-5 by the value's shape (HL7 v2.5.1 §7.4.2.2): a number is NM, a censored
/// number an SN (comparator^number, §2A.71), anything else ST.
fn shape_value(shape: ResultValue<'_>) -> (&'static str, FieldValue) {
    match shape {
        ResultValue::Numeric { text, .. } => ("NM", FieldValue::text(text)),
        ResultValue::Censored {
            comparator, text, ..
        } => ("SN", FieldValue::components([comparator, text])),
        ResultValue::Text(text) => ("ST", FieldValue::text(text)),
        ResultValue::Missing => ("ST", FieldValue::text("")),
    }
}
