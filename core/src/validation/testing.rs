//! A test definition to build check inputs from in unit tests.

use crate::config::{ResultKind, Section, TestDef};

/// A numeric serum test with no ranges or rules; tests add what they check.
pub(crate) fn test_def(code: &str) -> TestDef {
    TestDef {
        code: code.to_owned(),
        name_vi: code.to_owned(),
        name_en: code.to_owned(),
        loinc: None,
        unit: "mmol/L".to_owned(),
        decimals: 1,
        specimen: "serum".to_owned(),
        section: Section::Biochemistry,
        kind: ResultKind::Numeric,
        ranges: Vec::new(),
        normal_text: Vec::new(),
        critical_low: None,
        critical_high: None,
        measurement_range: None,
        delta: None,
        autoverify: true,
        auto_release: true,
        reflex: Vec::new(),
        tat_minutes: None,
    }
}
