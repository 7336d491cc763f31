//! Supplementary rows (the profile's `[[supplementary]]` rules): read where a row left out by
//! `keep`/`skip` matches a rule, then given to the reportable row of the same specimen and test
//! in the same message once every row is read (the Centaur sends its RLU and cut-off before the
//! dose, the GeneXpert its probes after the result).
//!
//! A value goes to the first reportable row of its specimen and test that comes after it, else
//! to the last one before it, so replicates in one message keep their own values. A value whose
//! reportable row is not in the message is not stored as a result (an RLU is not a vitamin D
//! concentration): it becomes a problem of the reading (the link's state and log) naming the
//! row, the name and the value, and stays in the journal with the message's raw bytes.

use lis_core::model::Supplement;

use super::Reading;
use crate::profile::{Locations, Profile, Rule};

/// How one protocol reads the row being looked at.
pub(crate) trait RowReader {
    /// The first non-empty trimmed value at `locs`.
    fn first(&self, locs: &Locations) -> String;
    /// The trimmed value at each of `locs`.
    fn each(&self, locs: &Locations) -> Vec<String>;
    /// The first non-empty value at `locs` as sent, every repetition of its field read (a
    /// supplementary value keeps them all: the cobas pro's QC test ids `62~67`); by default, as
    /// `first` (a format without repetitions).
    fn repeated(&self, locs: &Locations) -> String {
        self.first(locs)
    }
    /// Every flag at `locs`, through the profile's flag map.
    fn flags(&self, locs: &Locations, profile: &Profile) -> Vec<String>;
    /// Whether `rule` matches the row.
    fn matches(&self, rule: &Rule) -> bool;
}

/// A supplementary value waiting for its reportable row.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    /// The row it came from (`record 2 (R)`), for a problem.
    row: String,
    specimen: String,
    code: String,
    /// How many reportable rows were read before it.
    after: usize,
    value: Supplement,
}

/// The supplementary values of the row `reader` reads (empty: no rule matches, the row is
/// skipped).
pub(crate) fn read(
    profile: &Profile,
    reader: &impl RowReader,
    row: &str,
    reading: &Reading,
) -> Vec<Pending> {
    let mut out = Vec::new();
    for rule in &profile.supplementary {
        if !rule.when.iter().all(|r| reader.matches(r)) {
            continue;
        }
        let named: Vec<String> = rule
            .name_from
            .as_ref()
            .map(|l| reader.each(l))
            .unwrap_or_default()
            .into_iter()
            .filter(|v| !v.is_empty())
            .collect();
        let name = if named.is_empty() {
            rule.name.clone().unwrap_or_default().trim().to_owned()
        } else {
            named.join(" ")
        };
        let (specimen, code, after) = match (rule.of_result_before, reading.observations.last()) {
            // Its result is the one read just before it (searched from there on).
            (true, Some(o)) => (
                o.specimen_id.clone(),
                o.instrument_test_code.clone(),
                reading.observations.len() - 1,
            ),
            // None before it: a problem naming the row (no result has an empty code).
            (true, None) => (reader.first(&profile.specimen_at()), String::new(), 0),
            (false, _) => {
                let code = match &rule.test {
                    Some(test) => test.clone(),
                    None => reader.first(&profile.supplementary_code_at(rule)),
                };
                (
                    reader.first(&profile.specimen_at()),
                    profile.cut_code(&code).trim().to_owned(),
                    reading.observations.len(),
                )
            }
        };
        out.push(Pending {
            row: row.to_owned(),
            specimen,
            code,
            after,
            value: Supplement {
                name,
                value: reader.repeated(&profile.supplementary_value_at(rule)),
                units: reader.first(&profile.supplementary_units_at(rule)),
                flags: reader.flags(&profile.supplementary_flags_at(rule), profile),
            },
        });
    }
    out
}

/// Gives each pending value to its reportable row; one without is a problem of the reading.
pub(crate) fn attach(reading: &mut Reading, pending: Vec<Pending>) {
    for p in pending {
        let same = |o: &&mut lis_core::model::Observation| {
            o.specimen_id == p.specimen && o.instrument_test_code == p.code
        };
        let (before, after) = reading.observations.split_at_mut(p.after);
        let target = match after.iter_mut().find(same) {
            Some(o) => Some(o),
            None => before.iter_mut().rev().find(same),
        };
        match target {
            Some(o) => o.supplementary.push(p.value),
            None => reading.problems.push(format!(
                "{}: supplementary value {} = {:?} has no reportable row of test {:?} for \
                 specimen {:?} in this message; not stored as a result (the raw message is \
                 journaled)",
                p.row,
                if p.value.name.is_empty() {
                    "(unnamed)"
                } else {
                    p.value.name.as_str()
                },
                p.value.value,
                p.code,
                p.specimen
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use lis_core::model::Supplement;

    use crate::ingest::astm;
    use crate::tests::profile;

    fn read(text: &str) -> crate::ingest::Reading {
        let (message, _) = lis_astm::message::Message::parse(text.as_bytes()).unwrap();
        astm::read_message(&message, &profile("siemens-advia-centaur-xp"))
    }

    #[test]
    fn replicates_keep_their_own_values_and_an_orphan_is_a_problem() {
        // Two VitD replicates, each RLU and COFF before its DOSE; then a TSH RLU whose DOSE row
        // is missing.
        let reading = read(
            "H|\\^&|||UIW_LIS|||||LIS_ID||P||20211101085116\r\
             P|1|188875\r\
             O|1|000004300798^0014^A||^^^VitD|R\r\
             R|1|^^^VitD^^^1^RLU|611793|||||F\r\
             R|2|^^^VitD^^^1^COFF|1.00|ng/mL||||F\r\
             R|3|^^^VitD^^^1^DOSE|25.22|ng/mL||||F\r\
             R|4|^^^VitD^^^2^RLU|600100|||||F\r\
             R|5|^^^VitD^^^2^DOSE|24.90|ng/mL||||F\r\
             R|6|^^^TSH3UL^^^1^RLU|5123|||||F\r\
             L|1|N\r",
        );
        let rlu = |value: &str| Supplement {
            name: "RLU".into(),
            value: value.into(),
            ..Supplement::default()
        };
        let coff = Supplement {
            name: "COFF".into(),
            value: "1.00".into(),
            units: "ng/mL".into(),
            flags: vec![],
        };
        assert_eq!(reading.observations.len(), 2);
        assert_eq!(
            reading.observations[0].supplementary,
            vec![rlu("611793"), coff]
        );
        assert_eq!(reading.observations[1].supplementary, vec![rlu("600100")]);
        assert_eq!(
            reading.problems,
            vec![
                "record 9 (R): supplementary value RLU = \"5123\" has no reportable row of test \
                 \"TSH3UL\" for specimen \"000004300798\" in this message; not stored as a \
                 result (the raw message is journaled)"
                    .to_owned()
            ]
        );
        // Nothing is reported skipped: every row is a result or a supplementary value.
        assert!(reading.skipped.is_empty(), "{:?}", reading.skipped);
    }
}
