//! The fixed layouts (ADVIA 2120, mini VIDAS, Spotchem, urine strip reader): their decoders
//! hand out [`Measurement`]s, and the profile adds its flag map and, if it has them,
//! `keep`/`skip` and `[[supplementary]]` rules reading each measurement as the `M` record (`M-1`
//! specimen id, `M-2` test, `M-3` value, `M-4` units, `M-5`, `M-6` flags). Each kept one becomes
//! an [`Observation`] with the specimen id, test code, value, units and flags as sent, the time
//! the analyzer printed, and no status (none is sent).
//!
//! The urine strip reader's measurement of a graded pad is its grade; the concentration printed
//! on the same line beside the grade is not a row of its own (no rule could tell it from the
//! grade by the `M` record), so it is given to the pad's observation here as the supplementary
//! value [`CONCENTRATION`] (value and unit as printed, the pad's flags), and the lab's test map
//! needs one code per pad.

use lis_core::model::{MessageKind, Observation, Supplement};
use lis_vendor::measurement::{LocalTime, Measurement};
use lis_vendor::{advia, spotchem, urine_strip, vidas};

use super::rows;
use crate::ingest::supplementary::{self, RowReader};
use crate::ingest::{civil, Reading, SkippedRow};
use crate::profile::{Framing, Profile};

/// The supplementary value's name for the concentration beside a urine strip pad's grade.
pub(crate) const CONCENTRATION: &str = "concentration";

/// Reads one checked message of a fixed-layout framing. `Err`: its text cannot be read (what
/// and where).
pub(super) fn read_message(raw: &[u8], profile: &Profile) -> Result<Reading, String> {
    // The concentration beside each measurement's grade, where the layout prints one (value,
    // units), in the order of the measurements.
    let mut concentrations: Vec<Option<(String, String)>> = Vec::new();
    let (measurements, at, problems) = match profile.framing {
        Framing::Advia => {
            let text = raw.get(1..raw.len().saturating_sub(2)).unwrap_or_default();
            match advia::ResultBlock::parse(text) {
                Ok(block) => (block.measurements(), block.aspirated_at, block.problems),
                Err(advia::ReadError::NotResults(code)) => {
                    return Ok(Reading {
                        kind: Some(MessageKind::Other),
                        problems: vec![format!(
                            "ADVIA block with ID code `{code}` is not results: journaled only"
                        )],
                        ..Reading::default()
                    })
                }
                Err(e) => return Err(format!("unreadable ADVIA result block: {e}")),
            }
        }
        Framing::Vidas => {
            let message = vidas::VidasMessage::parse(raw);
            if !message.is_result() {
                return Ok(Reading {
                    kind: Some(MessageKind::Other),
                    problems: vec![format!(
                        "mini VIDAS message type {:?} is not a result (`rsl`): journaled only",
                        message.field("mt").unwrap_or_default()
                    )],
                    ..Reading::default()
                });
            }
            (
                message.measurements(),
                message.completed_at(),
                message.problems,
            )
        }
        Framing::Spotchem => {
            let printout = spotchem::Printout::parse(raw)
                .map_err(|e| format!("unreadable Spotchem printout: {e}"))?;
            (
                printout.measurements(),
                Some(printout.measured_at),
                Vec::new(),
            )
        }
        Framing::UrineStrip => {
            let printout = urine_strip::StripPrintout::parse(raw)
                .map_err(|e| format!("unreadable urine strip printout: {e}"))?;
            concentrations = printout
                .pads
                .iter()
                .map(|p| {
                    p.concentration()
                        .map(|(value, units)| (value.to_owned(), units.to_owned()))
                })
                .collect();
            (
                printout.measurements(),
                Some(printout.measured_at),
                Vec::new(),
            )
        }
        Framing::E1381
        | Framing::Raw
        | Framing::Mllp
        | Framing::Dimension
        | Framing::SysmexText => {
            return Err(format!(
                "profile {} does not use a fixed-layout vendor framing",
                profile.name
            ))
        }
    };
    let observed_at = at.and_then(civil_time);
    let mut reading = Reading {
        problems,
        ..Reading::default()
    };
    let mut pending = Vec::new();
    for (n, m) in measurements.into_iter().enumerate() {
        // The profile's `keep`/`skip` rules read the measurement as the `M` record; a row
        // they leave out is a supplementary value where a rule says so, else skipped.
        let row = rows::measurement_row(&m);
        if let Some(reason) = profile.rule_out(|r| row.matches(r)) {
            let name = format!("measurement {} ({})", n + 1, m.test);
            let values = supplementary::read(profile, &row, &name, &reading);
            if values.is_empty() {
                reading.skipped.push(SkippedRow {
                    row: name,
                    code: m.test,
                    reason,
                });
            } else {
                pending.extend(values);
            }
            continue;
        }
        if m.specimen_id.is_empty() || m.test.is_empty() {
            reading.problems.push(format!(
                "result {:?} = {:?} has no specimen id or no test code: not stored",
                m.test, m.value
            ));
            continue;
        }
        let mut o = observation(m, observed_at, profile);
        if let Some(Some((value, units))) = concentrations.get(n) {
            o.supplementary.push(Supplement {
                name: CONCENTRATION.to_owned(),
                value: value.clone(),
                units: units.clone(),
                flags: o.flags.clone(),
            });
        }
        reading.observations.push(o);
    }
    supplementary::attach(&mut reading, pending);
    Ok(reading)
}

fn observation(
    m: Measurement,
    observed_at: Option<jiff::civil::DateTime>,
    profile: &Profile,
) -> Observation {
    Observation {
        specimen_id: m.specimen_id,
        instrument_test_code: m.test,
        value: m.value,
        units: m.units,
        flags: m.flags.iter().map(|f| profile.map_flag(f)).collect(),
        observed_at,
        ..Observation::default()
    }
}

fn civil_time(t: LocalTime) -> Option<jiff::civil::DateTime> {
    civil(t.year, t.month, t.day, t.hour, t.minute, t.second)
}
