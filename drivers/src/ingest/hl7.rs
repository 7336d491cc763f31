//! HL7 v2 messages read through a profile.
//!
//! Rows are OBX segments. A location names a segment id (`OBR-3.1`); for a row it is read from the
//! row when the id is OBX, from the SPM of the row's group when the id is SPM (wherever that SPM
//! stands: after the OBX of its order in an ORU^R01, before its orders in an OUL^R22; see
//! [`lis_hl7::groups`]), else from the last segment of that id before the row. MSH is always in
//! scope; a new PID forgets the OBR/SAC before it, a new OBR or SPM forgets nothing else.
//! `OBX[CODE]-5` names the OBX of the same order group whose test code is `CODE` (the Mindray
//! BC-5380's QC level row `05001`), even one the profile skips.
//!
//! A row is QC when one of the profile's `qc` rules matches (MSH-11 `Q`, SPM-11 `Q`...); the QC
//! lot and level are read only on QC rows. An OBX a `[[graph]]` rule matches is a graph
//! (`super::graph`), not a result.

use std::borrow::Cow;
use std::collections::BTreeMap;

use lis_core::model::{MessageKind, Observation, PatientHint};
use lis_hl7::groups::specimen_segments;
use lis_hl7::{Message, Segment, Timestamp};

use super::supplementary::{self, Pending};
use super::{civil, QueryRequest, Reading, SkippedRow};
use crate::profile::{Location, Locations, Profile, Rule};

#[derive(Default)]
struct Scope<'m> {
    last: BTreeMap<&'m str, Segment<'m>>,
    rows: BTreeMap<String, Segment<'m>>,
}

impl<'m> Scope<'m> {
    fn value(&self, loc: &Location) -> Cow<'m, str> {
        match self.segment(loc) {
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

    /// The segment a location reads: a named sibling row, else the last segment of its id.
    fn segment(&self, loc: &Location) -> Option<&Segment<'m>> {
        match &loc.row {
            Some(code) => self.rows.get(code),
            None => self.last.get(loc.segment.as_str()),
        }
    }

    /// The trimmed, non-empty value at `loc` in each repetition of its field; without a
    /// component, `whole` reads the whole repetition, else its first component.
    fn each_repetition(&self, loc: &Location, whole: bool) -> Vec<String> {
        let Some(segment) = self.segment(loc) else {
            return Vec::new();
        };
        segment
            .field(loc.field)
            .repetitions()
            .map(|r| {
                match (loc.component, loc.subcomponent) {
                    (None, _) if whole => r.text(),
                    (None, _) => r.component(1).text(),
                    (Some(c), None) => r.component(c).text(),
                    (Some(c), Some(sc)) => r.component(c).subcomponent(sc).text(),
                }
                .trim()
                .to_owned()
            })
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// Every non-empty value at each of `locs`, each repetition of the field read, mapped
    /// through the profile's flag map.
    fn flags(&self, locs: &Locations, profile: &Profile) -> Vec<String> {
        locs.0
            .iter()
            .flat_map(|loc| self.each_repetition(loc, false))
            .map(|v| profile.map_flag(&v))
            .collect()
    }
}

impl supplementary::RowReader for Scope<'_> {
    fn first(&self, locs: &Locations) -> String {
        Scope::first(self, locs)
    }

    /// The value at the location in each repetition of its field, the non-empty ones joined
    /// with `~` (HL7's repetition separator as the message's readers know it).
    fn repeated(&self, locs: &Locations) -> String {
        locs.0
            .iter()
            .map(|loc| self.each_repetition(loc, true).join("~"))
            .find(|v| !v.is_empty())
            .unwrap_or_default()
    }

    fn each(&self, locs: &Locations) -> Vec<String> {
        locs.0
            .iter()
            .map(|l| self.value(l).trim().to_owned())
            .collect()
    }

    fn flags(&self, locs: &Locations, profile: &Profile) -> Vec<String> {
        Scope::flags(self, locs, profile)
    }

    fn matches(&self, rule: &Rule) -> bool {
        Scope::matches(self, rule)
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
    let mut pending: Vec<Pending> = Vec::new();
    let flags_at = profile.flags_at();
    let (value_at, units_at, range_at, status_at, time_at, operator_at) = (
        profile.value_at(),
        profile.units_at(),
        profile.range_at(),
        profile.status_at(),
        profile.observed_at_at(),
        profile.operator_at(),
    );
    for (segment, spm) in message.segments().zip(specimen_segments(message)) {
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
        // The specimen of an OBX is the SPM of its group, wherever that SPM stands.
        match spm {
            Some(spm) => scope.last.insert("SPM", spm),
            None => scope.last.remove("SPM"),
        };
        let row = format!("OBX {}", segment.field(1).as_str());
        if let Some(g) = super::graph::read(profile, &scope, "OBX", &row) {
            reading.push_graph(g);
            continue;
        }
        if let Some(reason) = profile.rule_out(|r| scope.matches(r)) {
            let values = supplementary::read(profile, &scope, &row, &reading);
            if !values.is_empty() {
                pending.extend(values);
                continue;
            }
            reading.skipped.push(SkippedRow {
                row,
                code: scope.first(&profile.test_code),
                reason,
            });
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
        let flags = scope.flags(&flags_at, profile);
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
            value: profile.clean_value(scope.first(&value_at)),
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
            qc_level: qc_read(&profile.qc_level).map(|l| profile.map_qc_level(&l)),
            supplementary: Vec::new(),
            isolate: None,
        });
    }
    supplementary::attach(&mut reading, pending);
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
        delimiters: Default::default(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::ProfileSet;

    /// (specimen id, test code) of every row the generic HL7 profile reads from `text`.
    fn rows(text: &str) -> Vec<(String, String)> {
        let profiles = ProfileSet::embedded().unwrap();
        let profile = profiles.get("generic-hl7").unwrap();
        let (message, _) = Message::parse(text.as_bytes()).unwrap();
        read_message(&message, &profile)
            .observations
            .into_iter()
            .map(|o| (o.specimen_id, o.instrument_test_code))
            .collect()
    }

    fn row(specimen: &str, code: &str) -> (String, String) {
        (specimen.to_owned(), code.to_owned())
    }

    #[test]
    fn oru_r01_specimen_from_the_spm_after_the_observations() {
        // HL7 v2.5.1 §7.3.1: SPECIMEN closes ORDER_OBSERVATION; OBR-3 (the filler number F1) must
        // not be taken for the specimen id when the SPM follows the OBX.
        let text = "MSH|^~\\&|AN||LIS||20261207||ORU^R01|1|P|2.5.1\rPID|1\r\
ORC|RE\rOBR|1||F1\rOBX|1|NM|GLU||5.5|mmol/L\rOBX|2|NM|CREA||90|umol/L\rSPM|1|S-001\r";
        assert_eq!(rows(text), [row("S-001", "GLU"), row("S-001", "CREA")]);
    }

    #[test]
    fn oru_r01_spm_before_the_observations() {
        let text = "MSH|^~\\&|AN||LIS||20261207||ORU^R01|1|P|2.5.1\rPID|1\r\
ORC|RE\rOBR|1||F1\rSPM|1|S-001\rOBX|1|NM|GLU||5.5|mmol/L\r";
        assert_eq!(rows(text), [row("S-001", "GLU")]);
    }

    #[test]
    fn oru_r01_several_order_groups_and_one_without_spm() {
        let text = "MSH|^~\\&|AN||LIS||20261207||ORU^R01|1|P|2.5.1\rPID|1\r\
ORC|RE\rOBR|1||F1\rOBX|1|NM|GLU||5.5\rSPM|1|S-001\r\
ORC|RE\rOBR|2||F2\rOBX|1|NM|HBA1C||6.1\rSPM|1|S-002\r\
ORC|RE\rOBR|3||F3\rOBX|1|NM|K||4.1\r";
        // The third order has no SPM: the profile falls back to OBR-3 (F3), never to S-002.
        assert_eq!(
            rows(text),
            [row("S-001", "GLU"), row("S-002", "HBA1C"), row("F3", "K")]
        );
    }

    #[test]
    fn oul_r22_spm_before_its_orders() {
        // HL7 v2.5.1 §7.3.5: SPECIMEN (SPM) holds its ORDER groups.
        let text = "MSH|^~\\&|AN||LIS||20261207||OUL^R22|1|P|2.5.1\rPID|1\r\
SPM|1|S-1\rOBR|1||F1\rOBX|1|NM|A||1\rOBR|2||F2\rOBX|1|NM|B||2\r\
SPM|2|S-2\rOBR|3||F3\rOBX|1|NM|C||3\r";
        assert_eq!(
            rows(text),
            [row("S-1", "A"), row("S-1", "B"), row("S-2", "C")]
        );
    }
}
