//! The "QC rejected" markers of the worklist and the specimen page: a result whose instrument
//! and test have rejected QC gets a red badge with the words "QC REJECTED" and, beside it, why
//! and what ends the hold (an accepted QC run or a supervisor's override); an overridden
//! rejection says who overrode it and why. Read from `Store::qc_rejections` when the page is
//! built, so a page shows the state at that moment, not the state the result arrived under; the
//! reason is written in the reader's language from the rules its run recorded
//! (`Store::qc_fired_rules`), the store's English words only when those are not at hand.

use std::collections::HashMap;

use lis_core::model::{QcResultNote, QcRunId, QcStanding};
use lis_core::presentation::qc_reason::FiredRule;

use super::texts::reason_in;
use super::QcMsg;
use crate::ui::dates;
use crate::ui::i18n::{Lang, Text};

/// The rejected QC states of a page's instruments and tests.
#[derive(Debug, Clone, Default)]
pub struct QcRejections {
    standings: Vec<QcStanding>,
    fired: HashMap<QcRunId, Vec<FiredRule>>,
}

/// One result's QC marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QcMarker {
    /// Whether the result is held (rejected, not overridden): the red badge.
    pub held: bool,
    /// The badge's words ("QC REJECTED").
    pub badge: &'static str,
    /// Why, and what ends the hold, in words.
    pub detail: String,
}

impl QcRejections {
    /// The rejected states (overridden or not), from `Store::qc_rejections`.
    pub fn new(standings: Vec<QcStanding>) -> Self {
        Self {
            standings: standings
                .into_iter()
                .filter(|s| s.verdict == lis_core::model::QcVerdict::Rejected)
                .collect(),
            fired: HashMap::new(),
        }
    }

    /// The same, with the rules each state's run recorded (`Store::qc_fired_rules`), so the
    /// markers' reasons are written in the reader's language.
    pub fn with_reasons(
        standings: Vec<QcStanding>,
        fired: HashMap<QcRunId, Vec<FiredRule>>,
    ) -> Self {
        Self {
            fired,
            ..Self::new(standings)
        }
    }

    /// The runs whose rules a page needs to word its markers.
    pub fn runs(standings: &[QcStanding]) -> Vec<QcRunId> {
        let mut runs: Vec<QcRunId> = standings
            .iter()
            .filter(|s| s.verdict == lis_core::model::QcVerdict::Rejected)
            .map(|s| s.run_id)
            .collect();
        runs.sort_unstable();
        runs.dedup();
        runs
    }

    /// The rejected state of `test` on `instrument`, if it is rejected.
    pub fn of(&self, instrument: &str, test: &str) -> Option<&QcStanding> {
        self.standings
            .iter()
            .find(|s| s.instrument == instrument && s.test_code == test)
    }

    /// The marker of a result of `test` on `instrument`; none when its QC is not rejected.
    pub fn marker(&self, instrument: &str, test: &str, lang: Lang) -> Option<QcMarker> {
        let s = self.of(instrument, test)?;
        let reason = reason_in(s, self.fired.get(&s.run_id), lang);
        let args = [
            ("test", s.test_code.as_str()),
            ("instrument", s.instrument.as_str()),
            ("reason", reason.as_str()),
        ];
        Some(match &s.override_record {
            None => QcMarker {
                held: true,
                badge: QcMsg::QcRejectedMarker.text(lang),
                detail: QcMsg::QcHoldDetail.fill(lang, &args),
            },
            Some(o) => {
                let mut all = args.to_vec();
                all.push(("who", &o.by.display_name));
                all.push(("why", &o.reason));
                QcMarker {
                    held: false,
                    badge: QcMsg::StateOverridden.text(lang),
                    detail: QcMsg::QcOverriddenDetail.fill(lang, &all),
                }
            }
        })
    }

    /// "QC rejected: GLU on DEMO-CHEM" for each held state of one of `instruments` (a worklist
    /// row's instruments), in test order.
    pub fn held_on(&self, instruments: &[String], lang: Lang) -> Vec<String> {
        let mut out: Vec<(&str, &str)> = self
            .standings
            .iter()
            .filter(|s| s.holds() && instruments.contains(&s.instrument))
            .map(|s| (s.test_code.as_str(), s.instrument.as_str()))
            .collect();
        out.sort_unstable();
        out.into_iter()
            .map(|(test, instrument)| {
                QcMsg::QcRejectedOn.fill(lang, &[("test", test), ("instrument", instrument)])
            })
            .collect()
    }
}

/// What a result's QC note (re-check flags, release under an override) says, in words.
pub fn note_lines(note: &QcResultNote, lang: Lang, tz: &jiff::tz::TimeZone) -> Vec<String> {
    let mut lines = Vec::new();
    if !note.recheck_runs.is_empty() {
        let runs: Vec<String> = note.recheck_runs.iter().map(i64::to_string).collect();
        lines.push(QcMsg::RecheckFlag.fill(lang, &[("runs", &runs.join(", "))]));
    }
    if let Some(o) = &note.released_under {
        lines.push(QcMsg::ReleasedUnderOverride.fill(
            lang,
            &[
                (
                    "who",
                    &format!("{} ({})", o.by.display_name, dates::date_time(o.at, tz)),
                ),
                ("reason", &o.reason),
            ],
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use lis_core::model::{QcOverrideRecord, QcVerdict, UserName};

    use super::*;

    fn standing(test: &str, verdict: QcVerdict, overridden: bool) -> QcStanding {
        QcStanding {
            instrument: String::from("DEMO-CHEM"),
            test_code: test.to_owned(),
            verdict,
            run_id: 4,
            reason: String::from("1-3s on level 1 (GLU z = +3.75) in run 4"),
            since: Timestamp::UNIX_EPOCH,
            override_record: overridden.then(|| QcOverrideRecord {
                id: 1,
                run_id: 4,
                reason: String::from("reagent lot checked"),
                by: UserName {
                    id: 2,
                    display_name: String::from("Hoa"),
                },
                at: Timestamp::UNIX_EPOCH,
            }),
        }
    }

    #[test]
    fn a_held_result_is_marked_in_words_and_an_overridden_one_says_by_whom() {
        let marks = QcRejections::new(vec![
            standing("GLU", QcVerdict::Rejected, false),
            standing("CREA", QcVerdict::Rejected, true),
            standing("UREA", QcVerdict::Accepted, false),
        ]);
        let glu = marks.marker("DEMO-CHEM", "GLU", Lang::En).unwrap();
        assert!(glu.held);
        assert_eq!(glu.badge, "QC REJECTED");
        assert_eq!(
            glu.detail,
            "QC of GLU on DEMO-CHEM is rejected (1-3s on level 1 (GLU z = +3.75) in run 4). \
             The result cannot be released until an accepted QC run or a supervisor's override."
        );
        let crea = marks.marker("DEMO-CHEM", "CREA", Lang::En).unwrap();
        assert!(!crea.held);
        assert!(crea
            .detail
            .ends_with("but Hoa overrode it: reagent lot checked"));
        assert!(marks.marker("DEMO-CHEM", "UREA", Lang::En).is_none());
        assert!(marks.marker("OTHER", "GLU", Lang::En).is_none());
        assert_eq!(
            marks.held_on(&[String::from("DEMO-CHEM")], Lang::En),
            ["QC rejected: GLU on DEMO-CHEM"]
        );
        assert!(marks
            .held_on(&[String::from("DEMO-HEMA")], Lang::En)
            .is_empty());
    }

    #[test]
    fn a_held_results_reason_is_written_in_the_readers_language() {
        use lis_core::presentation::qc_reason::FiredPoint;
        let fired = FiredRule {
            rule: String::from("1-3s"),
            warning: false,
            points: vec![FiredPoint {
                run_id: 4,
                level: 1,
                z: 3.75,
            }],
        };
        let marks = QcRejections::with_reasons(
            vec![standing("GLU", QcVerdict::Rejected, false)],
            HashMap::from([(4, vec![fired])]),
        );
        assert_eq!(
            marks.marker("DEMO-CHEM", "GLU", Lang::Vi).unwrap().detail,
            "QC của GLU trên DEMO-CHEM bị loại (1-3s ở mức 1 (GLU z = +3.75) trong lượt 4). \
             Không thể trả kết quả cho đến khi có lượt QC đạt hoặc trưởng khoa cho phép."
        );
        assert!(marks
            .marker("DEMO-CHEM", "GLU", Lang::En)
            .unwrap()
            .detail
            .contains("(1-3s on level 1 (GLU z = +3.75) in run 4)"));
        assert_eq!(
            QcRejections::runs(&[
                standing("GLU", QcVerdict::Rejected, false),
                standing("CREA", QcVerdict::Rejected, true),
                standing("UREA", QcVerdict::Accepted, false)
            ]),
            [4]
        );
    }
}
