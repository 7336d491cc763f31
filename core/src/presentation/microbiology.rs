//! How a susceptibility interpretation is written for people and other systems: the HL7 v2.5.1
//! table 0078 code (OBX-8; the same letters in HL7 v3 ObservationInterpretation for FHIR), a word
//! in English and in Vietnamese, and a text symbol, so a resistant antibiotic is never told by
//! colour alone. A MIC as sent (`<=8.0000`) is split here into its comparator and number.

use super::Language;
use crate::model::{Interpretation, Susceptibility};

/// How one interpretation is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterpretationLabel {
    /// The interpretation.
    pub interpretation: Interpretation,
    /// HL7 v2.5.1 table 0078 code (`S`, `I`, `R`), also the v3 ObservationInterpretation code.
    pub hl7_code: &'static str,
    /// The display of `hl7_code` in HL7 v3 ObservationInterpretation (FHIR `Coding.display`).
    pub hl7_display: &'static str,
    /// The word in English.
    pub english: &'static str,
    /// The word in Vietnamese.
    pub vietnamese: &'static str,
    /// A text symbol shown beside the word.
    pub symbol: &'static str,
}

impl InterpretationLabel {
    /// The word in `language`.
    pub fn word(&self, language: Language) -> &'static str {
        match language {
            Language::En => self.english,
            Language::Vi => self.vietnamese,
        }
    }
}

/// How `interpretation` is written.
pub fn interpretation_label(interpretation: Interpretation) -> InterpretationLabel {
    match interpretation {
        Interpretation::Susceptible => InterpretationLabel {
            interpretation,
            hl7_code: "S",
            hl7_display: "Susceptible",
            english: "Susceptible",
            vietnamese: "Nhạy",
            symbol: "S",
        },
        Interpretation::Intermediate => InterpretationLabel {
            interpretation,
            hl7_code: "I",
            hl7_display: "Intermediate",
            english: "Intermediate",
            vietnamese: "Trung gian",
            symbol: "I",
        },
        Interpretation::Resistant => InterpretationLabel {
            interpretation,
            hl7_code: "R",
            hl7_display: "Resistant",
            english: "Resistant",
            vietnamese: "Kháng",
            symbol: "R ⚠",
        },
    }
}

/// A MIC by its shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mic<'a> {
    /// `<=`, `<`, `>=`, `>` or `=` (HL7 SN comparator; `=` when none was sent).
    pub comparator: &'static str,
    /// The number as sent (`8.0000`).
    pub text: &'a str,
    /// The number.
    pub value: f64,
}

/// The MIC of `row` as comparator and number, or `None` when it is empty or not a number (it is
/// then sent as text).
pub fn mic(row: &Susceptibility) -> Option<Mic<'_>> {
    let sent = row.mic.trim();
    let (comparator, rest) = ["<=", ">=", "<", ">", "="]
        .into_iter()
        .find_map(|c| sent.strip_prefix(c).map(|rest| (c, rest)))
        .unwrap_or(("=", sent));
    let text = rest.trim();
    let value: f64 = text.parse().ok().filter(|v: &f64| v.is_finite())?;
    Some(Mic {
        comparator,
        text,
        value,
    })
}

/// The MIC units: the analyzers report MICs in µg/mL (CLSI M07), the UCUM `ug/mL`.
pub const MIC_UNITS: &str = "ug/mL";

#[cfg(test)]
mod tests {
    use super::*;

    fn row(mic: &str) -> Susceptibility {
        Susceptibility {
            mic: mic.into(),
            ..Susceptibility::default()
        }
    }

    #[test]
    fn a_mic_is_split_into_comparator_and_number() {
        let sent = row("<=8.0000");
        assert_eq!(
            mic(&sent),
            Some(Mic {
                comparator: "<=",
                text: "8.0000",
                value: 8.0
            })
        );
        let m = mic(&row(">16.0000")).map(|m| (m.comparator, m.value));
        assert_eq!(m, Some((">", 16.0)));
        let m = mic(&row("2.0000")).map(|m| (m.comparator, m.value));
        assert_eq!(m, Some(("=", 2.0)));
        assert_eq!(mic(&row("")), None);
        assert_eq!(mic(&row("POS")), None);
    }

    #[test]
    fn resistant_is_told_by_a_symbol_and_a_word() {
        let r = interpretation_label(Interpretation::Resistant);
        assert_eq!((r.hl7_code, r.word(Language::Vi)), ("R", "Kháng"));
        assert!(r.symbol.contains('⚠'));
        let s = interpretation_label(Interpretation::Susceptible);
        assert_eq!((s.hl7_code, s.word(Language::En)), ("S", "Susceptible"));
        assert_eq!(
            interpretation_label(Interpretation::Intermediate).vietnamese,
            "Trung gian"
        );
    }
}
