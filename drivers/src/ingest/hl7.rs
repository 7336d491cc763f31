//! HL7 v2 messages read through a profile.
//!
//! Rows are OBX segments. A location names a segment id (`OBR-3.1`); for a row it is read from the
//! row when the id is OBX, else from the last segment of that id before the row. MSH is always in
//! scope; a new PID forgets the OBR/SPM/SAC before it, a new OBR or SPM forgets nothing else.
//! `OBX[CODE]-5` names the OBX of the same order group whose test code is `CODE` (the Mindray
//! BC-5380's QC level row `05001`), even one the profile skips.
//!
//! A row is QC when one of the profile's `qc` rules matches (MSH-11 `Q`, SPM-11 `Q`...); the QC
//! lot and level are read only on QC rows.

use std::borrow::Cow;
use std::collections::BTreeMap;

use lis_core::model::{MessageKind, Observation, PatientHint};
use lis_hl7::{Message, Segment, Timestamp};

use super::{civil, QueryRequest, Reading};
use crate::profile::{Location, Locations, Profile, Rule};

#[derive(Default)]
struct Scope<'m> {
    last: BTreeMap<&'m str, Segment<'m>>,
    rows: BTreeMap<String, Segment<'m>>,
}

impl<'m> Scope<'m> {
    fn value(&self, loc: &Location) -> Cow<'m, str> {
        let segment = match &loc.row {
            Some(code) => self.rows.get(code),
            None => self.last.get(loc.segment.as_str()),
        };
        match segment {
            Some(s) => read(s, loc),
            None => Cow::Borrowed(""),
        }
    }

    fn first(&self, locs: &Locations) -> String {
        locs.0
            .iter()
            .map(|l| self.value(l))
            .map(|v| v.trim().to_owned())
            .find(|v| !v.is_empty())
            .unwrap_or_default()
    }

    fn matches(&self, rule: &Rule) -> bool {
        rule.matches(self.value(&rule.field).trim())
    }
}

fn read<'m>(segment: &Segment<'m>, loc: &Location) -> Cow<'m, str> {
    let field = segment.field(loc.field);
    match (loc.component, loc.subcomponent) {
        (None, _) => field.repetition(1).text(),
        (Some(c), None) => field.component(c).text(),
        (Some(c), Some(s)) => field.subcomponent(c, s).text(),
    }
}

/// The message type (MSH-9.1) and trigger (MSH-9.2).
pub fn message_type(message: &Message<'_>) -> (String, String) {
    let t = message.header().message_type();
    (t.code.to_owned(), t.event.to_owned())
}

/// Reads a parsed message through `profile`.
pub fn read_message(message: &Message<'_>, profile: &Profile) -> Reading {
    let mut reading = Reading::default();
    let (code, _) = message_type(message);
    match code.as_str() {
        "QBP" | "QRY" => {
            read_query(message, profile, &mut reading, code == "QRY");
            reading.kind = Some(MessageKind::Query);
            return reading;
        }
        "ORU" | "OUL" => {}
        _ => {
            reading.kind = Some(MessageKind::Other);
            return reading;
        }
    }
    let mut scope = Scope::default();
    let (value_at, units_at, range_at, status_at, time_at, operator_at) = (
        profile.value_at(),
        profile.units_at(),
        profile.range_at(),
        profile.status_at(),
        profile.observed_at_at(),
        profile.operator_at(),
    );
    for segment in message.segments() {
        let id = segment.id();
        match id {
            "PID" => {
                for forget in ["OBR", "SPM", "SAC", "ORC", "OBX"] {
                    scope.last.remove(forget);
                }
                scope.rows.clear();
                reading.patient_hint =
                    patient_hint(&segment).or_else(|| reading.patient_hint.take());
            }
            "OBR" | "SPM" => {
                scope.last.remove("OBX");
                scope.rows.clear();
            }
            _ => {}
        }
        scope.last.insert(id, segment);
        if id != "OBX" {
            continue;
        }
        let own_code = scope.first(&profile.test_code);
        let own_code = profile.cut_code(&own_code).trim().to_owned();
        if !own_code.is_empty() {
            scope.rows.insert(own_code, segment);
        }
        if !profile.keep.iter().all(|r| scope.matches(r))
            || profile.skip.iter().any(|r| scope.matches(r))
        {
            continue;
        }
        let code = scope.first(&profile.test_code);
        let code = profile.cut_code(&code).trim().to_owned();
        if code.is_empty() {
            reading
                .problems
                .push(format!("OBX-{}: no test code", segment.field(1).as_str()));
            continue;
        }
        let flags = segment
            .field(8)
            .repetitions()
            .map(|r| r.component(1).text().trim().to_owned())
            .filter(|f| !f.is_empty())
            .map(|f| profile.map_flag(&f))
            .collect();
        let status = scope.first(&status_at);
        let observed = scope.first(&time_at);
        let is_qc = profile.qc.iter().any(|r| scope.matches(r));
        let qc_read = |at: &Option<Locations>| {
            at.as_ref()
                .filter(|_| is_qc)
                .map(|at| scope.first(at))
                .filter(|s| !s.is_empty())
        };
        reading.observations.push(Observation {
            specimen_id: scope.first(&profile.specimen),
            instrument_test_code: code,
            value: scope.first(&value_at),
            units: scope.first(&units_at),
            reference_range: scope.first(&range_at),
            flags,
            status: profile.map_status(&status),
            observed_at: Timestamp::parse(&observed).ok().and_then(|t| {
                civil(
                    t.year,
                    t.month.unwrap_or(1),
                    t.day.unwrap_or(1),
                    t.hour.unwrap_or(0),
                    t.minute.unwrap_or(0),
                    t.second.unwrap_or(0),
                )
            }),
            operator: scope.first(&operator_at),
            is_qc,
            qc_lot: qc_read(&profile.qc_lot),
            qc_level: qc_read(&profile.qc_level),
        });
    }
    reading
}

fn read_query(message: &Message<'_>, profile: &Profile, reading: &mut Reading, legacy: bool) {
    let mut scope = Scope::default();
    for segment in message.segments() {
        scope.last.insert(segment.id(), segment);
    }
    let specimen = scope.first(&profile.query.specimen);
    let (name, tag) = if legacy {
        (String::new(), scope.value(&loc("QRD", 4)).into_owned())
    } else {
        (
            scope
                .last
                .get("QPD")
                .map(|s| s.field(1).as_str().to_owned())
                .unwrap_or_default(),
            scope.value(&loc("QPD", 2)).into_owned(),
        )
    };
    if specimen.is_empty() {
        reading.problems.push(format!(
            "{}: no specimen id at the profile's query locations",
            if legacy { "QRY^Q02" } else { "QBP^Q11" }
        ));
    }
    reading.query = Some(QueryRequest {
        specimen_ids: if specimen.is_empty() {
            Vec::new()
        } else {
            vec![specimen]
        },
        control_id: message.header().control_id().as_str().to_owned(),
        query_name: name,
        query_tag: tag,
        legacy,
        echo: Vec::new(),
    });
}

fn loc(segment: &str, field: usize) -> Location {
    Location {
        segment: segment.to_owned(),
        row: None,
        field,
        component: None,
        subcomponent: None,
    }
}

fn patient_hint(pid: &Segment<'_>) -> Option<PatientHint> {
    let id = [3, 2]
        .iter()
        .map(|&n| pid.field(n).component(1).text().trim().to_owned())
        .find(|s| !s.is_empty())
        .unwrap_or_default();
    let name_field = pid.field(5);
    let name: Vec<String> = [1, 2]
        .iter()
        .map(|&c| name_field.component(c).text().trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if id.is_empty() && name.is_empty() {
        return None;
    }
    Some(PatientHint {
        patient_id: id,
        name: name.join(" "),
        sex: None,
    })
}
