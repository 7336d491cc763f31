//! `[[supplementary]]`: rows that are not the reportable result but belong to it (the ADVIA
//! Centaur's RLU, cut-off and index rows; a GeneXpert probe's qualitative, Ct and end point rows;
//! a blood bank analyzer's reaction grades). A row the `keep`/`skip` rules leave out and one of
//! these rules matches becomes a supplementary value (name, value, units, flags as sent) of the
//! reportable row of the same specimen and test in the same message, instead of being skipped.
//! Every rule that matches a row gives one value (the cobas 6800 sends two Ct values in one row).

use serde::Deserialize;

use super::{Location, Locations, Profile, ProfileError, Rule};

/// One `[[supplementary]]` rule.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupplementaryRule {
    /// A row left out by `keep`/`skip` is supplementary when every one of these matches (the
    /// same notation as `keep`/`skip`); at least one.
    pub when: Vec<Rule>,
    /// Where the analyzer names the value (`R-3.8`: `RLU`, `COFF`); the non-empty values of
    /// every location, joined with a space (`R-3.7`, `R-3.8`: `rpoB1 Ct`).
    #[serde(default)]
    pub name_from: Option<Locations>,
    /// The name when `name_from` is absent or empty on the row (`Ct`).
    #[serde(default)]
    pub name: Option<String>,
    /// Where the value is (default: the profile's `value`); first non-empty wins.
    #[serde(default)]
    pub value: Option<Locations>,
    /// Where the units are (default: the profile's `units`).
    #[serde(default)]
    pub units: Option<Locations>,
    /// Where the flags are (default: the profile's `flags`); every location and repeat, through
    /// the flag map.
    #[serde(default)]
    pub flags: Option<Locations>,
    /// Where the row names the test of its reportable row (default: the profile's `test_code`,
    /// `code_before` applied). The Galileo's reaction rows are named `Anti-A`; their test is the
    /// order's, `O-5.4`.
    #[serde(default)]
    pub test_code: Option<Locations>,
    /// The test code of its reportable row written out, for a format whose every row names its
    /// own test (the Siemens Dimension's `RISK` ratio, sent after the HDL it belongs to, is
    /// `test = "AHDL"`); not with `test_code`.
    #[serde(default)]
    pub test: Option<String>,
    /// The row belongs to the reportable row read just before it, whatever it names (IHE LAW
    /// sends a result's supplemental OBX after it, named by their own codes: the cobas pro's
    /// `PT^Pipetting_Time`, `10020_EFS`); not with `test` or `test_code`.
    #[serde(default)]
    pub of_result_before: bool,
}

impl Profile {
    /// The problems of the `supplementary` rules, each with its key (`supplementary[1].when`);
    /// a fixed-layout vendor framing is refused the key in `vendor_problems` (it has no
    /// `keep`/`skip` rules either).
    pub(super) fn supplementary_problems(&self) -> Vec<ProfileError> {
        let mut out = Vec::new();
        if self.supplementary.is_empty() {
            return out;
        }
        if self.keep.is_empty() && self.skip.is_empty() {
            out.push(self.invalid(
                "supplementary",
                "supplementary rules apply to rows the `keep`/`skip` rules leave out, and this \
                 profile has neither",
            ));
        }
        for (i, rule) in self.supplementary.iter().enumerate() {
            let key = |part: &str| format!("supplementary[{i}]{part}");
            if rule.when.is_empty() {
                out.push(self.invalid(
                    &key(".when"),
                    "at least one rule is needed (else every row left out is supplementary)",
                ));
            }
            if rule.test.is_some() && rule.test_code.is_some() {
                out.push(self.invalid(
                    &key(".test"),
                    "give `test` (the code written out) or `test_code` (where it is), not both",
                ));
            }
            if rule.of_result_before && (rule.test.is_some() || rule.test_code.is_some()) {
                out.push(self.invalid(
                    &key(".of_result_before"),
                    "the row belongs to the result before it: `test` and `test_code` do not apply",
                ));
            }
            if rule.test.as_deref().is_some_and(|t| t.trim().is_empty()) {
                out.push(self.invalid(&key(".test"), "an empty test code"));
            }
            let named = rule.name.as_deref().is_some_and(|n| !n.trim().is_empty());
            let located = rule.name_from.as_ref().is_some_and(|l| !l.0.is_empty());
            if !named && !located {
                out.push(self.invalid(
                    &key(""),
                    "give `name_from` (where the analyzer names the value) or `name`",
                ));
            }
            let mut all: Vec<(&str, &Location)> = Vec::new();
            all.extend(rule.when.iter().map(|r| (".when", &r.field)));
            for (part, list) in [
                (".name_from", &rule.name_from),
                (".value", &rule.value),
                (".units", &rule.units),
                (".flags", &rule.flags),
                (".test_code", &rule.test_code),
            ] {
                if let Some(list) = list {
                    all.extend(list.0.iter().map(|l| (part, l)));
                }
            }
            for (part, l) in all {
                for reason in self.location_problems(l) {
                    out.push(self.invalid(&key(part), reason));
                }
            }
        }
        out
    }

    /// The rule's value locations, with the profile's as default.
    pub(crate) fn supplementary_value_at(&self, rule: &SupplementaryRule) -> Locations {
        rule.value.clone().unwrap_or_else(|| self.value_at())
    }

    /// The rule's units locations, with the profile's as default.
    pub(crate) fn supplementary_units_at(&self, rule: &SupplementaryRule) -> Locations {
        rule.units.clone().unwrap_or_else(|| self.units_at())
    }

    /// The rule's flag locations, with the profile's as default.
    pub(crate) fn supplementary_flags_at(&self, rule: &SupplementaryRule) -> Locations {
        rule.flags.clone().unwrap_or_else(|| self.flags_at())
    }

    /// The rule's test code locations, with the profile's as default.
    pub(crate) fn supplementary_code_at(&self, rule: &SupplementaryRule) -> Locations {
        rule.test_code
            .clone()
            .unwrap_or_else(|| self.test_code_at())
    }
}
