//! Orders for a Siemens Dimension: the sample request (`D`) that answers its sample query (`I`),
//! and the poll-mode download (a `D` sent as the answer to its next poll). The tests come from
//! core ([`Store::pending_tests_for_specimen`], in the instrument's own codes through its test
//! map), as for the E1394 and HL7 answers in [`crate::query`]; this module only writes them in
//! the Dimension's form ([`lis_vendor::dimension::host`]).

use std::collections::BTreeSet;

use lis_core::model::{OrderedTestId, Priority, RequestedTest};
use lis_core::{Store, StoreError};
use lis_vendor::dimension::host::{encode_no_request, encode_sample_request, SampleRequest};

use crate::profile::Profile;
use crate::query::Answer;

/// The patient field's width: the corpus host pads `G.D.AYESHA` to 25 characters.
const PATIENT_WIDTH: usize = 25;

/// Sample type code sent: `1`, the type of every patient sample in the corpus results log.
const SAMPLE_TYPE: &str = "1";

/// The answer to a sample query for `sample_id`: a `D` with the sample's pending tests for
/// `instrument` (one message, every test), or `N` when it has none.
pub fn query_answer(
    store: &Store,
    instrument: &str,
    profile: &Profile,
    sample_id: &str,
) -> Result<Answer<Vec<u8>>, StoreError> {
    let tests = store.pending_tests_for_specimen(instrument, sample_id)?;
    Ok(
        request(sample_id, &tests, profile).unwrap_or_else(|| Answer {
            message: encode_no_request(),
            tests: Vec::new(),
        }),
    )
}

/// A poll-mode download: a `D` for the first specimen with pending tests for `instrument` not
/// `in_flight`; `None` when nothing is left. The Dimension takes one sample per request, so one
/// download carries one specimen.
pub fn order_download(
    store: &Store,
    instrument: &str,
    profile: &Profile,
    in_flight: &BTreeSet<OrderedTestId>,
) -> Result<Option<Answer<Vec<u8>>>, StoreError> {
    let mut pending = store.pending_orders_for_instrument(instrument)?;
    pending.retain(|t| !in_flight.contains(&t.ordered_test_id));
    let Some(first) = pending.first().map(|t| t.specimen_id.clone()) else {
        return Ok(None);
    };
    pending.retain(|t| t.specimen_id == first);
    Ok(request(&first, &pending, profile))
}

/// The `D` for `tests` of one sample, or `None` without tests (or without a sample request
/// that can be written: the tests' codes are the lab's test map, checked at start).
fn request(sample_id: &str, tests: &[RequestedTest], profile: &Profile) -> Option<Answer<Vec<u8>>> {
    let mut codes: Vec<String> = Vec::new();
    for t in tests {
        let code = format!("{}{}", t.instrument_test_code, profile.query.code_suffix);
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    if codes.is_empty() {
        return None;
    }
    // The patient as the analyzer shows it: upper-case letters without marks, at most 25.
    let patient: String = tests
        .iter()
        .find_map(|t| t.patient.as_ref())
        .map(|p| {
            let name = lis_core::name_search::fold(&p.name).to_uppercase();
            if name.is_empty() {
                p.his_id.clone()
            } else {
                name
            }
        })
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(PATIENT_WIDTH)
        .collect();
    let stat = tests.iter().any(|t| t.priority == Priority::Stat);
    let dilution = tests.iter().filter_map(|t| t.dilution).max().unwrap_or(1);
    let message = encode_sample_request(&SampleRequest {
        delete: false,
        patient,
        sample_id: sample_id.to_owned(),
        sample_type: SAMPLE_TYPE.to_owned(),
        // `0`: routine, as every patient sample in the corpus; `1` for STAT is RosieLIS's
        // integer priority read the same way (not seen in the corpus).
        priority: if stat { "1" } else { "0" }.to_owned(),
        dilution: dilution.to_string(),
        tests: codes,
    });
    match message {
        Ok(message) => Some(Answer {
            message,
            tests: tests.iter().map(|t| t.ordered_test_id).collect(),
        }),
        Err(error) => {
            tracing::warn!(%sample_id, %error, "sample request not written");
            None
        }
    }
}
