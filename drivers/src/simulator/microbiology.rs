//! A microbiology ID/AST system's message, as the analyzer sends one (CLSI LIS2-A records, the
//! layout of the `microbiology-mic` trace): per isolate an identification O record with the
//! confirmed organism in a `FINALID` comment and the first candidate as an `ID` row, then a MIC
//! panel O record (same specimen ^ isolate letter) with the comment again and, per antibiotic, a
//! `MIC-BP` row and an `INTERP` row.
//!
//! The isolates are the profile's `[simulator] tests` whose code is an isolate code of its
//! `[microbiology]` section (`ISOLATE-A`; the drawn word is the organism); the antibiotics are
//! its `[simulator] antibiotics` (the drawn word the interpretation; the MIC is `<=low` when it
//! means S, `>high` when R, else `high`).

use super::build::SimResult;
use crate::profile::{MicrobiologySection, Profile, SimulatedTest};

/// The analyzer's organism code for a name: the genus initial, a dot and the species' first
/// three letters, upper case (`Escherichia coli` is `E.COL`).
pub(crate) fn organism_code(name: &str) -> String {
    let mut words = name.split_whitespace();
    let genus = words.next().and_then(|w| w.chars().next()).unwrap_or('X');
    let species: String = words.next().unwrap_or("SP").chars().take(3).collect();
    format!(
        "{}.{}",
        genus.to_ascii_uppercase(),
        species.to_ascii_uppercase()
    )
}

/// The MIC the analyzer would print with `word`.
pub(crate) fn mic_for(section: &MicrobiologySection, t: &SimulatedTest, word: &str) -> String {
    let d = usize::from(t.decimals);
    match section.interpretation_of(word).map(|i| i.code()) {
        Some("S") => format!("<={:.*}", d, t.low),
        Some("R") => format!(">{:.*}", d, t.high),
        _ => format!("{:.*}", d, t.high),
    }
}

/// The records of one message for `specimen`: `isolates` (code = isolate code, value = organism)
/// and `antibiotics` (code, value = interpretation word, units = MIC), stamped `at`.
pub(crate) fn astm_isolates(
    profile: &Profile,
    section: &MicrobiologySection,
    specimen: &str,
    isolates: &[(String, SimResult)],
    antibiotics: &[SimResult],
    at: &str,
) -> String {
    let sender = if profile.simulator.sender.is_empty() {
        "SIMULATOR"
    } else {
        profile.simulator.sender.as_str()
    };
    let mut text = format!("H|\\^&|||{sender}|||||||P|NCCLS LIS2-A|{at}\rP|1\r");
    let mut seq = 0;
    // O-26 `F` (final), 23 empty fields after O-3's test id.
    let order = |seq: usize, id: &str, test: &str| {
        format!(
            "O|{seq}|{specimen}^{id}^||^^^{test}|R||||||N{}F\r",
            "|".repeat(14)
        )
    };
    for (label, isolate) in isolates {
        let name = isolate.value.as_str();
        let code = organism_code(name);
        let finalid = format!("C|1|L|{}^{code}^{name}^{name}\r", section.organism_comment);
        seq += 1;
        text.push_str(&order(seq, label, "ID2^GNID"));
        text.push_str(&finalid);
        text.push_str(&format!("R|1|^^^ID^ORG1|{code}^{name}^{name}\r"));
        seq += 1;
        text.push_str(&order(seq, label, "EZP7^GN7F MIC/BP"));
        text.push_str(&finalid);
        for a in antibiotics {
            let c = a.code.as_str();
            text.push_str(&format!("R|1|^^^{c}^{c}^{c}^MIC-BP|{}^1\r", a.units));
            text.push_str(&format!(
                "R|2|^^^{c}^{c}^{c}^INTERP|{}^{}\r",
                a.value, a.value
            ));
        }
    }
    text.push_str("L|1|N\r");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organism_codes_are_written_the_way_the_analyzer_writes_them() {
        assert_eq!(organism_code("Escherichia coli"), "E.COL");
        assert_eq!(organism_code("Pseudomonas aeruginosa"), "P.AER");
    }
}
