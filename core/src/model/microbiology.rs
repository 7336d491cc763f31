//! Microbiology results: an isolate (the organism an identification/susceptibility system
//! reports for one isolate of a specimen) and its susceptibility panel (one row per antibiotic:
//! the MIC as sent and its S / I / R interpretation).
//!
//! An isolate is one reportable result (its value the organism); the panel travels with that
//! result version, never as dozens of unrelated values. How an interpretation is written for
//! people and other systems lives in `presentation::microbiology`.

use serde::{Deserialize, Serialize};

/// One isolate of a specimen, as the analyzer reported it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Isolate {
    /// The isolate's label within its specimen, as sent (`A` in `XID00126147-01^A^`).
    pub label: String,
    /// The organism's code as sent (`P.AER`).
    pub organism_code: String,
    /// The organism's name as sent (`Pseudomonas aeruginosa`).
    pub organism_name: String,
    /// The susceptibility panel, one row per antibiotic, in the order sent.
    pub susceptibilities: Vec<Susceptibility>,
}

impl Isolate {
    /// The organism as people read it: its name, or its code when no name was sent.
    pub fn organism(&self) -> &str {
        if self.organism_name.trim().is_empty() {
            self.organism_code.trim()
        } else {
            self.organism_name.trim()
        }
    }

    /// Adds the rows of `earlier` for antibiotics this panel lacks, after its own (an
    /// identification and a susceptibility panel sent in separate messages end as one panel).
    pub fn complete_from(&mut self, earlier: &Self) {
        for row in &earlier.susceptibilities {
            let known = self
                .susceptibilities
                .iter()
                .any(|s| s.antibiotic_code.eq_ignore_ascii_case(&row.antibiotic_code));
            if !known {
                self.susceptibilities.push(row.clone());
            }
        }
        if self.organism_code.trim().is_empty() && self.organism_name.trim().is_empty() {
            self.organism_code.clone_from(&earlier.organism_code);
            self.organism_name.clone_from(&earlier.organism_name);
        }
    }
}

/// One antibiotic of an isolate's panel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Susceptibility {
    /// The antibiotic's code as sent (`AMIKAC`).
    pub antibiotic_code: String,
    /// The antibiotic's name as sent (`Amikacin`).
    pub antibiotic_name: String,
    /// The minimum inhibitory concentration as sent, comparator included (`<=8.0000`,
    /// `>16.0000`, `2.0000`); empty when the analyzer sent only an interpretation.
    pub mic: String,
    /// The interpretation, when the analyzer gave one the profile maps to S, I or R.
    pub interpretation: Option<Interpretation>,
    /// The interpretation as sent (`SUSC`, `RESIST`, `NOINTP`), kept even when it maps to none.
    pub interpretation_sent: String,
}

/// A susceptibility interpretation (CLSI M100 categories; HL7 v2.5.1 table 0078 `S`, `I`, `R`).
///
/// `I` is "Intermediate": the Sensititre-style systems send `INTER`, and HL7 v2.5.1 table 0078
/// has no code for CLSI's "Susceptible-dose dependent" (`SDD` came with v2.7), so a profile maps
/// such a word to none and the word stays as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Interpretation {
    /// Susceptible (`S`).
    Susceptible,
    /// Intermediate (`I`).
    Intermediate,
    /// Resistant (`R`).
    Resistant,
}

impl Interpretation {
    /// Every interpretation, in S, I, R order.
    pub const ALL: [Self; 3] = [Self::Susceptible, Self::Intermediate, Self::Resistant];

    /// The stored code, which is also the HL7 table 0078 code (`S`, `I`, `R`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Susceptible => "S",
            Self::Intermediate => "I",
            Self::Resistant => "R",
        }
    }

    /// The interpretation of a stored code (`S`, `I`, `R`, any case).
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|i| i.code().eq_ignore_ascii_case(code.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: &str, mic: &str) -> Susceptibility {
        Susceptibility {
            antibiotic_code: code.into(),
            antibiotic_name: code.into(),
            mic: mic.into(),
            interpretation: None,
            interpretation_sent: String::new(),
        }
    }

    #[test]
    fn a_later_panel_keeps_its_own_rows_and_gains_the_missing_ones() {
        let earlier = Isolate {
            label: "A".into(),
            organism_code: "E.COL".into(),
            organism_name: "Escherichia coli".into(),
            susceptibilities: vec![row("AMIKAC", "<=8.0000"), row("AMPICI", "4.0000")],
        };
        let mut later = Isolate {
            label: "A".into(),
            susceptibilities: vec![row("ampici", ">16.0000")],
            ..Isolate::default()
        };
        later.complete_from(&earlier);
        assert_eq!(later.organism(), "Escherichia coli");
        let mics: Vec<_> = later
            .susceptibilities
            .iter()
            .map(|s| s.mic.as_str())
            .collect();
        assert_eq!(mics, [">16.0000", "<=8.0000"]);
    }

    #[test]
    fn codes_are_table_0078_letters() {
        assert_eq!(
            Interpretation::from_code("r"),
            Some(Interpretation::Resistant)
        );
        assert_eq!(Interpretation::from_code("NOINTP"), None);
        assert_eq!(Interpretation::Intermediate.code(), "I");
    }
}
