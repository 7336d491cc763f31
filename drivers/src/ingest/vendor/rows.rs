//! The Dimension's and class A's records read through a profile.
//!
//! A decoded vendor message is laid out as named records, each a list of fields, so that a
//! profile locates values with the same `X-n[.c]` notation as ASTM and HL7. For vendor records
//! field 1 is the first field after the record's name (there is no type field to count); a
//! component splits a field on `^`. One result row sees its own record and the message's header
//! records.
//!
//! | framing | header records | one record per result |
//! |---|---|---|
//! | `dimension` (an `R` message) | `R`: the R message's fields (`R-2` patient, `R-3` sample id, `R-4` sample type, `R-6` priority, `R-7` run time `ssmmhhDDMMYY`) | `T`: `T-1` test name, `T-2` value, `T-3` units, `T-4` error code |
//! | `dimension` (an `I` message) | `I`: `I-1` sample id | (a query: none) |
//! | `sysmex-text` (a `D2U` text) | `D2`: `D2-1` analyzer, `D2-2` sequence block, `D2-3` sample number; `D1`: the sample's `D1U` (`D1-3` sample number, `D1-4` analysis time `yyyymmddhhmmss`) when it came first | `P`: `P-1` parameter (`WBC`), `P-2` value with its decimals, `P-3` units, `P-4` flag digit (empty for `0`, none) |

use lis_core::model::{MessageKind, Observation};
use lis_vendor::dimension::analyzer::{ResultMessage, RunTime};
use lis_vendor::measurement::Measurement;
use lis_vendor::sysmex_text::{AnalysedAt, Results, SampleHeader};

use crate::ingest::supplementary::{self, RowReader};
use crate::ingest::{civil, QueryRequest, Reading, SkippedRow};
use crate::profile::{Location, Locations, Profile, Rule};

/// A record: its name and fields (field 1 first).
pub type Record = (&'static str, Vec<String>);

/// The records one result row sees.
#[derive(Debug, Clone, Default)]
pub struct Row {
    records: Vec<Record>,
}

impl Row {
    fn value(&self, loc: &Location) -> &str {
        let Some((_, fields)) = self.records.iter().find(|(name, _)| *name == loc.segment) else {
            return "";
        };
        let field = loc
            .field
            .checked_sub(1)
            .and_then(|i| fields.get(i))
            .map_or("", String::as_str);
        match loc.component {
            None => field,
            Some(c) => field.split('^').nth(c - 1).unwrap_or(""),
        }
    }

    fn first(&self, locs: &Locations) -> String {
        locs.0
            .iter()
            .map(|l| self.value(l).trim())
            .find(|v| !v.is_empty())
            .unwrap_or_default()
            .to_owned()
    }

    fn all(&self, locs: &Locations) -> Vec<String> {
        locs.0
            .iter()
            .map(|l| self.value(l).trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// How a vendor reads its time stamps.
#[derive(Debug, Clone, Copy)]
enum Clock {
    /// Dimension `ssmmhhDDMMYY`.
    Dimension,
    /// Sysmex `yyyymmddhhmmss`.
    Sysmex,
}

fn time(text: &str, clock: Clock) -> Option<jiff::civil::DateTime> {
    match clock {
        Clock::Dimension => {
            let t = RunTime::parse(text)?;
            civil(t.year, t.month, t.day, t.hour, t.minute, t.second)
        }
        Clock::Sysmex => {
            let t = lis_astm::timestamp::Timestamp::parse(text)?;
            let (h, m) = t.time.unwrap_or((0, 0));
            civil(t.year, t.month, t.day, h, m, t.second.unwrap_or(0))
        }
    }
}

/// Reads result rows through `profile`.
fn read_rows(rows: &[Row], profile: &Profile, clock: Clock, reading: &mut Reading) {
    let (value_at, units_at, range_at, status_at, time_at, operator_at, flags_at) = (
        profile.value_at(),
        profile.units_at(),
        profile.range_at(),
        profile.status_at(),
        profile.observed_at_at(),
        profile.operator_at(),
        profile.flags_at(),
    );
    let mut pending = Vec::new();
    for (n, row) in rows.iter().enumerate() {
        let matches = |rule: &Rule| RowReader::matches(row, rule);
        if let Some(reason) = profile.rule_out(matches) {
            let name = format!(
                "row {} ({})",
                n + 1,
                row.records.last().map_or("", |(name, _)| *name)
            );
            let values = supplementary::read(profile, row, &name, reading);
            if !values.is_empty() {
                pending.extend(values);
                continue;
            }
            reading.skipped.push(SkippedRow {
                row: name,
                code: row.first(&profile.test_code),
                reason,
            });
            continue;
        }
        let code = row.first(&profile.test_code);
        let code = profile.cut_code(&code).trim().to_owned();
        if code.is_empty() {
            reading.problems.push(format!(
                "result row {}: no test code at {}",
                n + 1,
                display(&profile.test_code)
            ));
            continue;
        }
        let status = row.first(&status_at);
        reading.observations.push(Observation {
            specimen_id: row.first(&profile.specimen),
            instrument_test_code: code,
            value: row.first(&value_at),
            units: row.first(&units_at),
            reference_range: row.first(&range_at),
            flags: RowReader::flags(row, &flags_at, profile),
            status: profile.map_status(&status),
            observed_at: time(&row.first(&time_at), clock),
            operator: row.first(&operator_at),
            is_qc: profile.qc.iter().any(matches),
            qc_lot: profile
                .qc_lot
                .as_ref()
                .map(|at| row.first(at))
                .filter(|s| !s.is_empty()),
            qc_level: profile
                .qc_level
                .as_ref()
                .map(|at| row.first(at))
                .filter(|s| !s.is_empty()),
            supplementary: Vec::new(),
        });
    }
    supplementary::attach(reading, pending);
}

impl RowReader for Row {
    fn first(&self, locs: &Locations) -> String {
        Self::first(self, locs)
    }

    fn each(&self, locs: &Locations) -> Vec<String> {
        locs.0
            .iter()
            .map(|l| self.value(l).trim().to_owned())
            .collect()
    }

    fn flags(&self, locs: &Locations, profile: &Profile) -> Vec<String> {
        self.all(locs)
            .iter()
            .map(|f| profile.map_flag(f))
            .filter(|f| !f.is_empty())
            .collect()
    }

    fn matches(&self, rule: &Rule) -> bool {
        rule.matches(self.value(&rule.field).trim())
    }
}

fn display(locs: &Locations) -> String {
    locs.0
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A fixed layout's measurement as the row its `keep`/`skip` and `[[supplementary]]` rules read
/// (the `M` record, [`crate::profile::FIXED_LAYOUT_RECORD`]).
pub(crate) fn measurement_row(m: &Measurement) -> Row {
    let mut fields = vec![
        m.specimen_id.clone(),
        m.test.clone(),
        m.value.clone(),
        m.units.clone(),
    ];
    fields.extend(m.flags.iter().cloned());
    Row {
        records: vec![(crate::profile::FIXED_LAYOUT_RECORD, fields)],
    }
}

/// The rows of a Dimension result message.
pub fn dimension_rows(r: &ResultMessage) -> Vec<Row> {
    r.tests
        .iter()
        .map(|t| Row {
            records: vec![
                ("R", r.frame.fields.clone()),
                (
                    "T",
                    vec![
                        t.name.clone(),
                        t.value.clone(),
                        t.units.clone(),
                        t.error_code.clone(),
                    ],
                ),
            ],
        })
        .collect()
}

/// A Dimension result message read through `profile`.
pub fn read_dimension_result(r: &ResultMessage, profile: &Profile) -> Reading {
    let mut reading = Reading::default();
    read_rows(&dimension_rows(r), profile, Clock::Dimension, &mut reading);
    if reading.observations.is_empty() && !r.tests.is_empty() {
        reading.kind = Some(MessageKind::Other);
    }
    reading
}

/// A Dimension sample query (`I`) read through `profile` (`query.specimen`, e.g. `I-1`).
pub fn read_dimension_query(sample_id: &str, profile: &Profile) -> Reading {
    let row = Row {
        records: vec![("I", vec![sample_id.to_owned()])],
    };
    let specimen = row.first(&profile.query.specimen);
    let mut reading = Reading {
        kind: Some(MessageKind::Query),
        ..Reading::default()
    };
    if specimen.is_empty() {
        reading.problems.push(format!(
            "I message: no sample id at {}",
            display(&profile.query.specimen)
        ));
    }
    reading.query = Some(QueryRequest {
        specimen_ids: vec![specimen]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect(),
        ..QueryRequest::default()
    });
    reading
}

fn sysmex_time(t: &AnalysedAt) -> String {
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// The rows of a `D2U` text, with the sample's `D1U` when it came first.
pub fn sysmex_rows(results: &Results, header: Option<&SampleHeader>) -> Vec<Row> {
    let c = &results.common;
    let mut head: Vec<Record> = vec![(
        "D2",
        vec![
            c.instrument.clone(),
            c.sequence.clone(),
            c.sample_no.clone(),
        ],
    )];
    if let Some(h) = header {
        let hc = &h.common;
        head.push((
            "D1",
            vec![
                hc.instrument.clone(),
                hc.sequence.clone(),
                hc.sample_no.clone(),
                sysmex_time(&h.analysed_at),
            ],
        ));
    }
    results
        .values
        .iter()
        .map(|v| {
            let mut records = head.clone();
            records.push((
                "P",
                vec![
                    v.parameter.code.to_owned(),
                    v.value.clone(),
                    v.parameter.units.to_owned(),
                    if v.flag == '0' {
                        String::new()
                    } else {
                        v.flag.to_string()
                    },
                ],
            ));
            Row { records }
        })
        .collect()
}

/// A `D2U` text (with its `D1U`, when it came first) read through `profile`.
pub fn read_sysmex_results(
    results: &Results,
    header: Option<&SampleHeader>,
    profile: &Profile,
) -> Reading {
    let mut reading = Reading::default();
    read_rows(
        &sysmex_rows(results, header),
        profile,
        Clock::Sysmex,
        &mut reading,
    );
    reading
}
