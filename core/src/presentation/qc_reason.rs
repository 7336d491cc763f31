//! Why a QC run was judged as it was, in words, in Vietnamese or English: "1-3s on level 1 (GLU
//! z = +3.50) in run 12", or with points of earlier runs "2-2s on level 1 (GLU z = +2.30 in run
//! 11, +2.10 in run 12)". The store records the English words with the run (the audit trail and
//! the API read them); the pages write the same words in the reader's language from the same
//! parts ([`crate::Store::qc_fired_rules`]).

use super::Language;
use crate::model::{QcRunId, QcVerdict};

/// A Westgard rule a run fired, with the points it judged.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FiredRule {
    /// The rule's name (`1-3s`, `2-2s`...).
    pub rule: String,
    /// Whether it only warns (1-2s).
    pub warning: bool,
    /// The points it judged, in the order it named them.
    pub points: Vec<FiredPoint>,
}

/// One point a fired rule judged.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FiredPoint {
    /// The run the point belongs to.
    pub run_id: QcRunId,
    /// The control level.
    pub level: u8,
    /// Its z-score against its lot's target.
    pub z: f64,
}

/// "levels 1 and 2", "level 1" ("mức 1 và 2", "mức 1").
fn levels_words(lang: Language, levels: &[u8]) -> String {
    let mut levels = levels.to_vec();
    levels.sort_unstable();
    levels.dedup();
    let names: Vec<String> = levels.iter().map(u8::to_string).collect();
    let (one_word, many_word, and, none) = match lang {
        Language::En => ("level", "levels", "and", "no level"),
        Language::Vi => ("mức", "mức", "và", "không mức nào"),
    };
    match names.as_slice() {
        [one] => format!("{one_word} {one}"),
        [init @ .., last] => format!("{many_word} {} {and} {last}", init.join(", ")),
        [] => none.to_owned(),
    }
}

/// One fired rule of run `run_id` in words.
pub fn violation_words(lang: Language, test_code: &str, run_id: QcRunId, f: &FiredRule) -> String {
    let (on, in_run) = match lang {
        Language::En => ("on", "in run"),
        Language::Vi => ("ở", "trong lượt"),
    };
    let levels: Vec<u8> = f.points.iter().map(|p| p.level).collect();
    let across = f.points.iter().any(|p| p.run_id != run_id);
    let zs: Vec<String> = f
        .points
        .iter()
        .map(|p| {
            if across {
                format!("{:+.2} {in_run} {}", p.z, p.run_id)
            } else {
                format!("{:+.2}", p.z)
            }
        })
        .collect();
    let head = format!(
        "{} {on} {} ({test_code} z = {})",
        f.rule,
        levels_words(lang, &levels),
        zs.join(", ")
    );
    if across {
        head
    } else {
        format!("{head} {in_run} {run_id}")
    }
}

/// A run's reason: the rejecting rules in words for a rejected run, the warnings for one
/// accepted with a warning, "no rule fired" otherwise.
pub fn reason_words(
    lang: Language,
    test_code: &str,
    run_id: QcRunId,
    verdict: QcVerdict,
    fired: &[FiredRule],
) -> String {
    let words = |warning: bool| -> Vec<String> {
        fired
            .iter()
            .filter(|f| f.warning == warning)
            .map(|f| violation_words(lang, test_code, run_id, f))
            .collect()
    };
    match (verdict, lang) {
        (QcVerdict::Rejected, _) => words(false).join("; "),
        (QcVerdict::Warning, Language::En) => format!("warning: {}", words(true).join("; ")),
        (QcVerdict::Warning, Language::Vi) => format!("cảnh báo: {}", words(true).join("; ")),
        (QcVerdict::Accepted, Language::En) => format!("no rule fired in run {run_id}"),
        (QcVerdict::Accepted, Language::Vi) => {
            format!("không quy tắc nào vi phạm trong lượt {run_id}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fired(rule: &str, warning: bool, points: &[(i64, u8, f64)]) -> FiredRule {
        FiredRule {
            rule: rule.to_owned(),
            warning,
            points: points
                .iter()
                .map(|&(run_id, level, z)| FiredPoint { run_id, level, z })
                .collect(),
        }
    }

    #[test]
    fn a_rule_within_the_run_names_its_levels_and_the_run() {
        let f = fired("2-2s", false, &[(12, 1, 2.3), (12, 2, 2.104)]);
        let run: QcRunId = 12;
        assert_eq!(
            reason_words(
                Language::En,
                "GLU",
                run,
                QcVerdict::Rejected,
                std::slice::from_ref(&f)
            ),
            "2-2s on levels 1 and 2 (GLU z = +2.30, +2.10) in run 12"
        );
        assert_eq!(
            reason_words(Language::Vi, "GLU", run, QcVerdict::Rejected, &[f]),
            "2-2s ở mức 1 và 2 (GLU z = +2.30, +2.10) trong lượt 12"
        );
    }

    #[test]
    fn a_rule_across_runs_names_each_points_run() {
        let f = fired("2-2s", false, &[(11, 1, 2.3), (12, 1, 2.1)]);
        assert_eq!(
            violation_words(Language::En, "GLU", 12, &f),
            "2-2s on level 1 (GLU z = +2.30 in run 11, +2.10 in run 12)"
        );
        assert_eq!(
            violation_words(Language::Vi, "GLU", 12, &f),
            "2-2s ở mức 1 (GLU z = +2.30 trong lượt 11, +2.10 trong lượt 12)"
        );
    }

    #[test]
    fn a_warning_and_an_accepted_run() {
        let w = fired("1-2s", true, &[(4, 1, -2.25)]);
        assert_eq!(
            reason_words(Language::Vi, "CREA", 4, QcVerdict::Warning, &[w]),
            "cảnh báo: 1-2s ở mức 1 (CREA z = -2.25) trong lượt 4"
        );
        assert_eq!(
            reason_words(Language::En, "CREA", 5, QcVerdict::Accepted, &[]),
            "no rule fired in run 5"
        );
    }
}
