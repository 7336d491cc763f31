//! Every problem of a profile file, each with its key and line (`lis profile check`, and a lab's
//! own profiles at start-up).
//!
//! Serde stops at the first problem; a lab's IT writing a profile wants them all. So the file is
//! read in three passes: the TOML syntax; then each top-level key on its own, over a minimal valid
//! profile, so that a wrong type or an unknown key under one key does not hide the next; then, when
//! every key reads, the profile's own consistency rules ([`Profile::problems`]).

use std::fmt;

use lis_core::config::locate::{line_of_offset, Tree};

use super::{Profile, ProfileError};

/// One problem in a profile file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileProblem {
    /// The key path (`simulator.tests`, `qc[1].field`); empty for the whole file.
    pub key: String,
    /// 1-based line of the key, or of the nearest enclosing table found.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ProfileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

/// The keys a profile cannot do without (a vendor framing's profile: the first three).
const REQUIRED: [&str; 5] = ["name", "protocol", "framing", "specimen", "test_code"];

/// A minimal profile that reads; each key of the file is tried on top of it.
const BASE: &str = r#"
name = "check"
protocol = "astm"
framing = "e1381"
specimen = ["O-3"]
test_code = ["R-3"]
"#;

/// Reads `text` as a profile, or returns every problem found, in line order.
pub fn check(text: &str) -> Result<Profile, Vec<ProfileProblem>> {
    let table: toml::Table = match toml::from_str(text) {
        Ok(table) => table,
        Err(e) => {
            return Err(vec![ProfileProblem {
                key: String::new(),
                line: e.span().map(|s| line_of_offset(text, s.start)),
                message: e.message().trim().to_owned(),
            }])
        }
    };
    let tree = Tree::parse(text);
    let line_of = |key: &str| tree.as_ref().and_then(|t| t.line_of_path(key));
    let problem = |key: &str, message: String| ProfileProblem {
        key: key.to_owned(),
        line: line_of(key),
        message,
    };
    let mut problems = Vec::new();
    // A vendor framing's decoder fixes where the specimen and the test code are.
    let vendor = table.get("protocol").and_then(toml::Value::as_str) == Some("vendor");
    let required = if vendor {
        &REQUIRED[..3]
    } else {
        &REQUIRED[..]
    };
    for key in required {
        if !table.contains_key(*key) {
            problems.push(problem("", format!("missing key `{key}`")));
        }
    }
    // A base that reads is a build defect if it does not: then only the whole-file pass runs.
    let base: Option<toml::Table> = toml::from_str(BASE).ok();
    for (key, value) in &table {
        let Some(mut alone) = base.clone() else {
            break;
        };
        alone.insert(key.clone(), value.clone());
        if let Err(e) = toml::Value::Table(alone).try_into::<Profile>() {
            problems.push(problem(key, e.message().trim().to_owned()));
        }
    }
    if !problems.is_empty() {
        // The whole-file reader knows the exact line and nested key of its first problem.
        if let Err(e) = toml::from_str::<Profile>(text) {
            if let Some(span) = e.span() {
                let key = tree.as_ref().map(|t| t.path_at(span.start));
                let top = key
                    .as_deref()
                    .and_then(|k| k.split(['.', '[']).next())
                    .unwrap_or_default()
                    .to_owned();
                if let Some(p) = problems.iter_mut().find(|p| p.key == top) {
                    p.key = key.unwrap_or(top);
                    p.line = Some(line_of_offset(text, span.start));
                }
            }
        }
        problems.sort_by_key(|p| p.line.unwrap_or(0));
        return Err(problems);
    }
    let profile: Profile = match toml::Value::Table(table).try_into() {
        Ok(profile) => profile,
        Err(e) => return Err(vec![problem("", e.message().trim().to_owned())]),
    };
    let mut problems: Vec<ProfileProblem> = profile
        .problems()
        .into_iter()
        .map(|p| match p {
            ProfileError::Invalid { field, reason, .. } => problem(&field, reason),
            other => problem("", other.to_string()),
        })
        .collect();
    if problems.is_empty() {
        Ok(profile)
    } else {
        problems.sort_by_key(|p| p.line.unwrap_or(0));
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_profile_reads() {
        let text = "name = \"lab-chem\"\nprotocol = \"astm\"\nframing = \"e1381\"\n\
specimen = [\"O-3.1\"]\ntest_code = [\"R-3.4\"]\n";
        let profile = check(text).unwrap();
        assert_eq!(profile.name, "lab-chem");
    }

    #[test]
    fn every_problem_is_reported_with_its_line_and_key() {
        // Line 2: a framing that does not exist; line 4: an unknown key; line 5: a wrong type;
        // `test_code` missing. One run must name all four.
        let text = "name = \"lab-chem\"\nframing = \"carrier-pigeon\"\nprotocol = \"astm\"\n\
speciman = [\"O-3\"]\nmax_frame_len = \"big\"\n";
        let problems = check(text).unwrap_err();
        let lines: Vec<(Option<usize>, &str)> =
            problems.iter().map(|p| (p.line, p.key.as_str())).collect();
        assert!(lines.contains(&(Some(2), "framing")), "{problems:?}");
        assert!(lines.contains(&(Some(4), "speciman")), "{problems:?}");
        assert!(lines.contains(&(Some(5), "max_frame_len")), "{problems:?}");
        let all = problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(all.contains("missing key `test_code`"), "{all}");
        assert!(all.contains("missing key `specimen`"), "{all}");
        assert!(all.contains("carrier-pigeon"), "{all}");
    }

    #[test]
    fn consistency_problems_all_come_back_with_their_key() {
        // An HL7 location in an ASTM profile (line 4) and a frame length out of range (line 6).
        let text = "name = \"x\"\nprotocol = \"astm\"\nframing = \"e1381\"\n\
specimen = [\"SPM-2\"]\ntest_code = [\"R-3\"]\nmax_frame_len = 4\n";
        let problems = check(text).unwrap_err();
        let keys: Vec<(Option<usize>, &str)> =
            problems.iter().map(|p| (p.line, p.key.as_str())).collect();
        assert_eq!(
            keys,
            [(Some(4), "specimen"), (Some(6), "max_frame_len")],
            "{problems:?}"
        );
    }

    #[test]
    fn supplementary_rule_problems_come_back_with_their_key_and_line() {
        // Rule 0 (line 7) has no `when` and no name; rule 1 (line 10) names an HL7 location in
        // an ASTM profile. Both are reported, with the index of the rule.
        let text = "name = \"x\"\nprotocol = \"astm\"\nframing = \"e1381\"\n\
specimen = [\"O-3\"]\ntest_code = [\"R-3.4\"]\nkeep = [{ field = \"R-3.8\", equals = [\"DOSE\"] }]\n\
[[supplementary]]\nwhen = []\n\n\
[[supplementary]]\nwhen = [{ field = \"R-3.8\", equals = [\"RLU\"] }]\nname_from = \"OBX-3.8\"\n";
        let problems = check(text).unwrap_err();
        let all = problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert!(keys.contains(&"supplementary[0].when"), "{all}");
        assert!(keys.contains(&"supplementary[0]"), "{all}");
        assert!(keys.contains(&"supplementary[1].name_from"), "{all}");
        assert!(all.contains("give `name_from`"), "{all}");
        assert!(
            all.contains("`OBX-3.8` is not a location in an ASTM message"),
            "{all}"
        );
        for p in &problems {
            assert!(p.line.is_some(), "{p}");
        }
        let line = |key: &str| problems.iter().find(|p| p.key == key).and_then(|p| p.line);
        assert_eq!(line("supplementary[0].when"), Some(8), "{all}");
        assert_eq!(line("supplementary[1].name_from"), Some(12), "{all}");
    }

    #[test]
    fn supplementary_rules_need_keep_or_skip_to_act_on() {
        let text = "name = \"x\"\nprotocol = \"astm\"\nframing = \"e1381\"\n\
specimen = [\"O-3\"]\ntest_code = [\"R-3.4\"]\n\
[[supplementary]]\nwhen = [{ field = \"R-3.8\", equals = [\"RLU\"] }]\nname = \"RLU\"\n";
        let problems = check(text).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].key, "supplementary");
        assert!(problems[0].message.contains("neither"), "{problems:?}");
    }

    #[test]
    fn a_syntax_error_has_its_line() {
        let problems = check("name = \"x\"\nprotocol = = \"astm\"\n").unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, Some(2));
    }
}
