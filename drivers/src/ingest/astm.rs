//! ASTM E1394 messages read through a profile.
//!
//! A location names a record type (`O-3.2`); for a result row it is read from the row itself when
//! the type is `R`, else from the last record of that type before the row (the row's order,
//! patient, header). A new P forgets the O before it; a new O forgets nothing else.

use std::borrow::Cow;
use std::collections::BTreeMap;

use lis_astm::message::Message;
use lis_astm::record::{Record, RecordType};
use lis_astm::timestamp::Timestamp;
use lis_core::model::{MessageKind, Observation, PatientHint};

use super::{civil, QueryRequest, Reading, SkippedRow};
use crate::profile::{Location, Locations, Profile, Rule};

/// The records in scope for one row: the last of each type.
#[derive(Default)]
struct Scope<'m> {
    last: BTreeMap<char, Record<'m>>,
}

impl<'m> Scope<'m> {
    fn value(&self, loc: &Location) -> Cow<'m, str> {
        let Some(letter) = loc.segment.chars().next() else {
            return Cow::Borrowed("");
        };
        let Some(record) = self.last.get(&letter) else {
            return Cow::Borrowed("");
        };
        read(record, loc)
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

    /// Every non-empty value at each of `locs`, each repeat of the field read, mapped through
    /// the profile's flag map.
    fn flags(&self, locs: &Locations, profile: &Profile) -> Vec<String> {
        let mut flags = Vec::new();
        for loc in &locs.0 {
            let Some(record) = loc.segment.chars().next().and_then(|l| self.last.get(&l)) else {
                continue;
            };
            for repeat in record.field(loc.field).repeats() {
                let value = match loc.component {
                    None => repeat.text(),
                    Some(c) => repeat.component_text(c),
                };
                let value = value.trim();
                if !value.is_empty() {
                    flags.push(profile.map_flag(value));
                }
            }
        }
        flags
    }
}

/// The value at `loc` in `record` (escapes decoded), untrimmed.
fn read<'m>(record: &Record<'m>, loc: &Location) -> Cow<'m, str> {
    let field = record.field(loc.field);
    match loc.component {
        None => field.first_repeat().text(),
        Some(c) => field.component_text(c),
    }
}

/// Reads a parsed message through `profile`.
pub fn read_message(message: &Message<'_>, profile: &Profile) -> Reading {
    let mut reading = Reading::default();
    let mut scope = Scope::default();
    let (value_at, units_at, range_at, status_at, time_at, operator_at) = (
        profile.value_at(),
        profile.units_at(),
        profile.range_at(),
        profile.status_at(),
        profile.observed_at_at(),
        profile.operator_at(),
    );
    let flags_at = profile.flags_at();
    for record in message.records() {
        let letter = record.kind().letter();
        match record.kind() {
            RecordType::Patient => {
                scope.last.remove(&'O');
                scope.last.remove(&'R');
                reading.patient_hint =
                    patient_hint(&record).or_else(|| reading.patient_hint.take());
            }
            RecordType::Order => {
                scope.last.remove(&'R');
            }
            _ => {}
        }
        scope.last.insert(letter, record);
        match record.kind() {
            RecordType::Result => {}
            RecordType::Query => {
                read_query(&scope, &record, profile, &mut reading);
                continue;
            }
            _ => continue,
        }
        if let Some(reason) = profile.rule_out(|r| scope.matches(r)) {
            reading.skipped.push(SkippedRow {
                row: format!("record {} (R)", record.index() + 1),
                code: scope.first(&profile.test_code),
                reason,
            });
            continue;
        }
        let code = scope.first(&profile.test_code);
        let code = profile.cut_code(&code).trim().to_owned();
        if code.is_empty() {
            reading.problems.push(format!(
                "record {} (R): no test code at {}",
                record.index() + 1,
                display(&profile.test_code)
            ));
            continue;
        }
        let specimen_id = scope.first(&profile.specimen);
        let flags = scope.flags(&flags_at, profile);
        let status = scope.first(&status_at);
        let observed = scope.first(&time_at);
        reading.observations.push(Observation {
            specimen_id,
            instrument_test_code: code,
            value: profile.clean_value(scope.first(&value_at)),
            units: scope.first(&units_at),
            reference_range: scope.first(&range_at),
            flags,
            status: profile.map_status(&status),
            observed_at: Timestamp::parse(&observed).and_then(|t| {
                let (h, m) = t.time.unwrap_or((0, 0));
                civil(t.year, t.month, t.day, h, m, t.second.unwrap_or(0))
            }),
            operator: scope.first(&operator_at),
            is_qc: profile.qc.iter().any(|r| scope.matches(r)),
            qc_lot: profile
                .qc_lot
                .as_ref()
                .map(|at| scope.first(at))
                .filter(|s| !s.is_empty()),
            qc_level: profile
                .qc_level
                .as_ref()
                .map(|at| scope.first(at))
                .filter(|s| !s.is_empty()),
        });
    }
    if reading.query.is_some() {
        reading.kind = Some(MessageKind::Query);
    }
    reading
}

fn read_query(scope: &Scope<'_>, q: &Record<'_>, profile: &Profile, reading: &mut Reading) {
    let specimen = scope.first(&profile.query.specimen);
    let control_id = scope
        .last
        .get(&'H')
        .map(|h| h.field(3).text().into_owned())
        .unwrap_or_default();
    let request = reading.query.get_or_insert_with(|| QueryRequest {
        control_id,
        delimiters: q.delimiters(),
        ..QueryRequest::default()
    });
    if specimen.is_empty() {
        reading.problems.push(format!(
            "record {} (Q): no specimen id at {}",
            q.index() + 1,
            display(&profile.query.specimen)
        ));
        return;
    }
    if request.echo.is_empty() {
        // Components after the specimen's (rack, position) are echoed in the answer's O-4.
        if let Some(c) = profile.query.specimen.first().and_then(|l| l.component) {
            request.echo = q.field(3).components().skip(c).map(str::to_owned).collect();
        }
    }
    request.specimen_ids.push(specimen);
}

fn patient_hint(p: &Record<'_>) -> Option<PatientHint> {
    let id = [3, 4, 5]
        .iter()
        .map(|&n| p.field(n).component_text(1).trim().to_owned())
        .find(|s| !s.is_empty())
        .unwrap_or_default();
    let name: Vec<String> = p
        .field(6)
        .components()
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
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

fn display(locs: &Locations) -> String {
    locs.0
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
