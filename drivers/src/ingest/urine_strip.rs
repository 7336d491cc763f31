//! A urine test-strip reader's printout ([`lis_vendor::urine_strip`]) read into core's terms:
//! one observation per pad, its reading (the grade of a graded pad, else the value) the result;
//! the concentration printed beside a grade kept as the result's supplementary value
//! `concentration` (value and unit as printed), so nothing the reader printed is lost and the
//! lab's test map needs one code per pad.

use lis_core::model::Supplement;
use lis_vendor::urine_strip::StripPrintout;

use super::vendor_text::{civil_time, observation};
use super::Reading;
use crate::profile::Profile;

/// The supplementary value's name for the concentration beside a grade.
pub(crate) const CONCENTRATION: &str = "concentration";

/// Reads one printout (STX through ETX). `Err`: its text cannot be read (what and which line).
pub(super) fn read_printout(raw: &[u8], profile: &Profile) -> Result<Reading, String> {
    let printout =
        StripPrintout::parse(raw).map_err(|e| format!("unreadable urine strip printout: {e}"))?;
    let observed_at = civil_time(printout.measured_at);
    let observations = printout
        .measurements()
        .into_iter()
        .zip(&printout.pads)
        .map(|(m, pad)| {
            let mut o = observation(m, observed_at, profile);
            if let Some((value, units)) = pad.concentration() {
                o.supplementary.push(Supplement {
                    name: CONCENTRATION.to_owned(),
                    value: value.to_owned(),
                    units: units.to_owned(),
                    flags: o.flags.clone(),
                });
            }
            o
        })
        .collect();
    Ok(Reading {
        observations,
        ..Reading::default()
    })
}
