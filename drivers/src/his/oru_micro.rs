//! The microbiology part of the ORU^R01 (HL7 v2.5.1 §7.3.1; the parent/child structure of the
//! LRI implementation guide for culture and susceptibility results): an isolate result's OBX
//! carries the organism as a CWE, its OBX-4 sub-ID the isolate's label; its susceptibility panel
//! follows as a child ORDER_OBSERVATION whose OBR-26 (parent result) names that OBX (OBX-3 ^
//! OBX-4 ^ the organism's text) and OBR-29 (parent) the parent order (placer ^ filler), with one
//! OBX per antibiotic: OBX-2 `SN` for the MIC (`<=^8.0000`), OBX-6 the MIC units, OBX-8 the
//! interpretation from table 0078 (`S`, `I`, `R`), empty when the analyzer gave none.
//!
//! The words and codes come from `lis_core::presentation::microbiology`.

use lis_core::model::{Isolate, Susceptibility};
use lis_core::presentation::microbiology::{interpretation_label, mic, MIC_UNITS};
use lis_hl7::build::{FieldValue, SegmentBuilder};

/// The LOINC code of the child order: "Bacterial susceptibility panel".
const PANEL_LOINC: [&str; 3] = ["29576-6", "Bacterial susceptibility panel", "LN"];

/// OBX-2 and OBX-5 of an isolate result: the organism as a CWE (the analyzer's code and name,
/// local coding system `L`).
pub(crate) fn organism_value(isolate: &Isolate) -> (&'static str, FieldValue) {
    let code = isolate.organism_code.trim();
    let name = isolate.organism_name.trim();
    let value = if code.is_empty() {
        FieldValue::components_trimmed(["", name])
    } else {
        FieldValue::components_trimmed([code, name, "L"])
    };
    ("CWE", value)
}

/// The isolate result's OBX-4 sub-ID: its label, else `1`.
pub(crate) fn sub_id(isolate: &Isolate) -> String {
    let label = isolate.label.trim();
    if label.is_empty() {
        "1".to_owned()
    } else {
        label.to_owned()
    }
}

/// What the child order repeats from its parent.
pub(crate) struct Parent<'a> {
    /// OBR-1 of the child.
    pub(crate) set_id: usize,
    /// The parent order's placer and filler numbers (OBR-2, OBR-3; OBR-29 of the child).
    pub(crate) placer: &'a str,
    /// The filler number.
    pub(crate) filler: &'a str,
    /// The parent OBX-3 as components.
    pub(crate) observation: Vec<String>,
    /// OBR-7 / OBX-14.
    pub(crate) observed: String,
    /// OBR-22.
    pub(crate) reported: String,
    /// OBR-25 / OBX-11.
    pub(crate) status: &'a str,
    /// OBR-16.
    pub(crate) ordering_provider: FieldValue,
    /// OBX-18.
    pub(crate) instrument: &'a str,
}

/// The OBR and OBX segments of the child order that carries `isolate`'s panel (the caller writes
/// the ORC before them and the SPM after); none for an empty panel.
pub(crate) fn susceptibility_order(parent: &Parent<'_>, isolate: &Isolate) -> Vec<SegmentBuilder> {
    if isolate.susceptibilities.is_empty() {
        return Vec::new();
    }
    let sub = sub_id(isolate);
    // OBR-26 is a PRL: its first component is the parent OBX-3 (a CWE, so subcomponents here).
    let parent_result = FieldValue::tree(vec![vec![
        parent.observation.clone(),
        vec![sub.clone()],
        vec![isolate.organism().to_owned()],
    ]]);
    let parent_order = FieldValue::components([parent.placer, parent.filler]);
    let mut out = vec![SegmentBuilder::new("OBR")
        .field(1, parent.set_id.to_string())
        .field(2, parent.placer)
        .field(3, parent.filler)
        .field(4, FieldValue::components(PANEL_LOINC))
        .field(7, parent.observed.as_str())
        .field(16, parent.ordering_provider.clone())
        .field(22, parent.reported.as_str())
        .field(25, parent.status)
        .field(26, parent_result)
        .field(29, parent_order)];
    for (i, row) in isolate.susceptibilities.iter().enumerate() {
        out.push(
            susceptibility_obx(i + 1, &sub, row)
                .field(11, parent.status)
                .field(14, parent.observed.as_str())
                .field(18, parent.instrument),
        );
    }
    out
}

/// The OBX of one antibiotic: OBX-3 the analyzer's code and name (local), OBX-4 the isolate's
/// sub-ID, OBX-5 the MIC as an SN (comparator ^ number; no comparator for an exact value) or,
/// when it is not a number, as text; OBX-8 S / I / R.
fn susceptibility_obx(set_id: usize, sub: &str, row: &Susceptibility) -> SegmentBuilder {
    let (value_type, value, units) = match mic(row) {
        Some(m) => {
            let comparator = if m.comparator == "=" {
                ""
            } else {
                m.comparator
            };
            (
                "SN",
                FieldValue::components([comparator, m.text]),
                FieldValue::components([MIC_UNITS, MIC_UNITS, "UCUM"]),
            )
        }
        None => ("ST", FieldValue::text(row.mic.trim()), FieldValue::text("")),
    };
    SegmentBuilder::new("OBX")
        .field(1, set_id.to_string())
        .field(2, value_type)
        .field(
            3,
            FieldValue::components_trimmed([
                row.antibiotic_code.trim(),
                row.antibiotic_name.trim(),
                "L",
            ]),
        )
        .field(4, sub)
        .field(5, value)
        .field(6, units)
        .field(
            8,
            row.interpretation
                .map(|i| interpretation_label(i).hl7_code)
                .unwrap_or_default(),
        )
}
