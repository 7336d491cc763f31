//! A microbiology isolate in FHIR R4: the organism Observation's `valueCodeableConcept` (the
//! analyzer's organism code and name), its susceptibility panel as `component`s, one per
//! antibiotic: `code` the antibiotic, `valueQuantity` the MIC in µg/mL with its comparator
//! (`<=`), `interpretation` S / I / R from v3-ObservationInterpretation (absent when the analyzer
//! gave none). Components rather than `hasMember` Observations: the panel belongs to the isolate
//! result version it came with (a new version carries the whole panel), so one resource is
//! always self-consistent and needs no ids of its own (ARCHITECTURE.md).

use lis_core::model::{Isolate, Susceptibility};
use lis_core::presentation::microbiology::{interpretation_label, mic, MIC_UNITS};

use super::resources::{
    CodeableConcept, Coding, ObservationComponent, Quantity, INTERPRETATION, UCUM,
};

/// The analyzer's organism codes (`E.COL`), as it sends them.
pub const ORGANISM_CODES: &str = "urn:lis:analyzer-organism";
/// The analyzer's antibiotic codes (`AMIKAC`), as it sends them.
pub const ANTIBIOTIC_CODES: &str = "urn:lis:analyzer-antibiotic";

/// The organism as a concept: the analyzer's code and name, the name as text.
pub(crate) fn organism(isolate: &Isolate) -> CodeableConcept {
    let code = isolate.organism_code.trim();
    let name = isolate.organism_name.trim();
    CodeableConcept {
        coding: if code.is_empty() {
            Vec::new()
        } else {
            vec![Coding::new(
                ORGANISM_CODES,
                code,
                (!name.is_empty()).then_some(name),
            )]
        },
        text: Some(isolate.organism().to_owned()),
    }
}

/// The panel as components, in the order sent.
pub(crate) fn susceptibilities(isolate: &Isolate) -> Vec<ObservationComponent> {
    isolate.susceptibilities.iter().map(component).collect()
}

fn component(row: &Susceptibility) -> ObservationComponent {
    let code = row.antibiotic_code.trim();
    let name = row.antibiotic_name.trim();
    let measured = mic(row);
    ObservationComponent {
        code: CodeableConcept {
            coding: vec![Coding::new(
                ANTIBIOTIC_CODES,
                code,
                (!name.is_empty()).then_some(name),
            )],
            text: Some(if name.is_empty() { code } else { name }.to_owned()),
        },
        value_quantity: measured.map(|m| Quantity {
            value: m.value,
            comparator: (m.comparator != "=").then(|| m.comparator.to_owned()),
            unit: MIC_UNITS.to_owned(),
            system: Some(UCUM.to_owned()),
            code: Some(MIC_UNITS.to_owned()),
        }),
        // A MIC that is not a number is kept as sent.
        value_string: (measured.is_none() && !row.mic.trim().is_empty())
            .then(|| row.mic.trim().to_owned()),
        interpretation: row
            .interpretation
            .map(interpretation_label)
            .map(|l| CodeableConcept {
                coding: vec![Coding::new(INTERPRETATION, l.hl7_code, Some(l.hl7_display))],
                text: None,
            })
            .into_iter()
            .collect(),
    }
}
