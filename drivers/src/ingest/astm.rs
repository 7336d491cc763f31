//! ASTM E1394 messages read through a profile.
//!
//! A location names a record type (`O-3.2`); for a result row it is read from the row itself when
//! the type is `R`, else from the last record of that type before the row (the row's order,
//! patient, header). A new P forgets the O before it; a new O forgets nothing else. `R[CODE]-4`
//! names the R record of the same order whose test code is `CODE`.
//!
//! Rows are R records, and O records too when the profile's `order_result` rules say so (the
//! Mindray BS-240 sends a QC value in its O record). A row is QC when one of the profile's `qc`
//! rules matches; an E1394 Q record is a host query and never a row, so never QC. The QC lot and
//! level are read only on QC rows. A row or M record a `[[graph]]` rule matches is a graph
//! (`super::graph`), not a result.

use std::borrow::Cow;
use std::collections::BTreeMap;

use lis_astm::message::Message;
use lis_astm::record::{Record, RecordType};
use lis_astm::timestamp::Timestamp;
use lis_core::model::{MessageKind, Observation, PatientHint};

use super::microbiology::Isolates;
use super::supplementary::{self, Pending};
use super::{civil, QueryRequest, Reading, SkippedRow};
use crate::profile::{Location, Locations, Profile, Rule};

/// The records in scope for one row: the last of each type, and the order's R records by code.
#[derive(Default)]
struct Scope<'m> {
    last: BTreeMap<char, Record<'m>>,
    rows: BTreeMap<String, Record<'m>>,
}

impl<'m> Scope<'m> {
    fn value(&self, loc: &Location) -> Cow<'m, str> {
        let record = match &loc.row {
            Some(code) => self.rows.get(code),
            None => loc
                .segment
                .chars()
                .next()
                .and_then(|letter| self.last.get(&letter)),
        };
        match record {
            Some(record) => read(record, loc),
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

impl supplementary::RowReader for Scope<'_> {
    fn first(&self, locs: &Locations) -> String {
        Scope::first(self, locs)
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

/// The value at `loc` in `record` (escapes decoded), untrimmed.
fn read<'m>(record: &Record<'m>, loc: &Location) -> Cow<'m, str> {
    let field = record.field(loc.field);
    match loc.component {
        None => field.first_repeat().text(),
        Some(c) => field.component_text(c),
    }
}

/// Where one kind of row keeps its values.
struct RowAt {
    code: Locations,
    value: Locations,
    units: Locations,
    range: Locations,
    status: Locations,
    observed: Locations,
    operator: Locations,
    flags: Locations,
}

/// Reads a parsed message through `profile`.
pub fn read_message(message: &Message<'_>, profile: &Profile) -> Reading {
    let mut reading = Reading::default();
    let mut scope = Scope::default();
    let mut pending: Vec<Pending> = Vec::new();
    let result_row = RowAt {
        code: profile.test_code.clone(),
        value: profile.value_at(),
        units: profile.units_at(),
        range: profile.range_at(),
        status: profile.status_at(),
        observed: profile.observed_at_at(),
        operator: profile.operator_at(),
        flags: profile.flags_at(),
    };
    let order_row = profile.order_result.as_ref().map(|o| RowAt {
        code: o.test_code.clone(),
        value: o.value.clone(),
        units: o.units.clone().unwrap_or_default(),
        range: Locations::default(),
        status: Locations::default(),
        observed: o.observed_at.clone().unwrap_or_default(),
        operator: Locations::default(),
        flags: Locations::default(),
    });
    let mut isolates = profile
        .microbiology
        .as_ref()
        .map(|section| Isolates::new(section, profile));
    for record in message.records() {
        let letter = record.kind().letter();
        match record.kind() {
            RecordType::Patient => {
                scope.last.remove(&'O');
                scope.last.remove(&'R');
                scope.rows.clear();
                reading.patient_hint =
                    patient_hint(&record).or_else(|| reading.patient_hint.take());
            }
            RecordType::Order => {
                scope.last.remove(&'R');
                scope.rows.clear();
            }
            _ => {}
        }
        scope.last.insert(letter, record);
        match record.kind() {
            RecordType::Result => {
                let code = scope.first(&profile.test_code);
                let code = profile.cut_code(&code).trim().to_owned();
                if !code.is_empty() {
                    scope.rows.insert(code, record);
                }
            }
            RecordType::Order => {
                if let Some(isolates) = &mut isolates {
                    isolates.order(&scope);
                }
                if let (Some(order), Some(at)) = (&profile.order_result, &order_row) {
                    if order.when.iter().all(|r| scope.matches(r)) {
                        push_row(&scope, &record, profile, at, &mut reading);
                    }
                }
                continue;
            }
            RecordType::Comment => {
                // A comment of the order itself (before its results) may name the organism.
                if let Some(isolates) = isolates.as_mut().filter(|_| !scope.last.contains_key(&'R'))
                {
                    isolates.comment(&scope);
                }
                continue;
            }
            RecordType::Query => {
                read_query(&scope, &record, profile, &mut reading);
                continue;
            }
            RecordType::Manufacturer => {
                let row = format!("record {} (M)", record.index() + 1);
                if let Some(g) = super::graph::read(profile, &scope, "M", &row) {
                    reading.push_graph(g);
                }
                continue;
            }
            _ => continue,
        }
        let row = format!("record {} (R)", record.index() + 1);
        if let Some(g) = super::graph::read(profile, &scope, "R", &row) {
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
        if let Some(isolates) = &mut isolates {
            let row = format!("record {} (R)", record.index() + 1);
            if isolates.row(&scope, &row, &mut reading) {
                continue;
            }
        }
        push_row(&scope, &record, profile, &result_row, &mut reading);
    }
    if let Some(isolates) = isolates {
        isolates.finish(&mut reading);
    }
    supplementary::attach(&mut reading, pending);
    if reading.query.is_some() {
        reading.kind = Some(MessageKind::Query);
    }
    reading
}

/// Reads the row `record` (an R, or an O the profile's `order_result` names) at `at`.
fn push_row(
    scope: &Scope<'_>,
    record: &Record<'_>,
    profile: &Profile,
    at: &RowAt,
    reading: &mut Reading,
) {
    let code = scope.first(&at.code);
    let code = profile.cut_code(&code).trim().to_owned();
    if code.is_empty() {
        reading.problems.push(format!(
            "record {} ({}): no test code at {}",
            record.index() + 1,
            record.kind().letter(),
            display(&at.code)
        ));
        return;
    }
    let status = scope.first(&at.status);
    let observed = scope.first(&at.observed);
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
        value: profile.clean_value(scope.first(&at.value)),
        units: scope.first(&at.units),
        reference_range: scope.first(&at.range),
        flags: scope.flags(&at.flags, profile),
        status: profile.map_status(&status),
        observed_at: Timestamp::parse(&observed).and_then(|t| {
            let (h, m) = t.time.unwrap_or((0, 0));
            civil(t.year, t.month, t.day, h, m, t.second.unwrap_or(0))
        }),
        operator: scope.first(&at.operator),
        is_qc,
        qc_lot: qc_read(&profile.qc_lot),
        qc_level: qc_read(&profile.qc_level).map(|l| profile.map_qc_level(&l)),
        supplementary: Vec::new(),
        isolate: None,
    });
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
