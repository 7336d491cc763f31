//! How a flag, a check, a QC state, a result state and a patient's sex look on a page: a symbol, a word from the catalog
//! and a CSS class, so that nothing is told by colour alone.
//!
//! The matches below are exhaustive over core's enums: a new flag, rule or state does not
//! compile until it has its words here.

use lis_core::config::RuleName;
use lis_core::lifecycle::ResultState;
use lis_core::model::Sex;
use lis_core::presentation;
use lis_core::validation::{Flag, Outcome, QcStatus};

use super::i18n::{Lang, Msg, Text};

/// One flag as a badge: `↑ High`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagBadge {
    /// The CSS class (`flag flag-h`).
    pub class: &'static str,
    /// A symbol that reads without colour (`↑`).
    pub symbol: &'static str,
    /// The printed code (`H`), as on the report and in HL7 OBX-8.
    pub code: &'static str,
    /// The word in the page's language.
    pub word: &'static str,
}

impl FlagBadge {
    /// The badge for a flag: its symbol and word are core's ([`presentation::flag_label`], the
    /// one source the report, the HL7 message and FHIR also use); only the class is the page's.
    pub fn from_flag(flag: Flag, lang: Lang) -> Self {
        let class = match flag {
            Flag::Low => "flag flag-l",
            Flag::High => "flag flag-h",
            Flag::CriticalLow => "flag flag-ll",
            Flag::CriticalHigh => "flag flag-hh",
            Flag::BelowMeasurementRange | Flag::AboveMeasurementRange => "flag flag-range",
            Flag::Delta => "flag flag-delta",
            Flag::Abnormal => "flag flag-abn",
            Flag::InstrumentFlag => "flag flag-instr",
            Flag::QcFailed => "flag flag-qc",
            Flag::Missing => "flag flag-missing",
            Flag::SpecimenRejected => "flag flag-rejected",
        };
        let label = presentation::flag_label(flag);
        Self {
            class,
            symbol: label.symbol,
            code: label.code,
            word: label.word(lang),
        }
    }

    /// The badge for a result that has no reference range to compare with.
    pub fn no_range(lang: Lang) -> Self {
        Self {
            class: "flag no-range",
            symbol: "–",
            code: "",
            word: Msg::NoRange.text(lang),
        }
    }

    /// Whether the flag is a critical one (`LL`, `HH`).
    pub fn is_critical(&self) -> bool {
        self.class.ends_with("flag-ll") || self.class.ends_with("flag-hh")
    }
}

/// The words for an automatic check, by rule (what passing it means).
pub fn rule_msg(rule: RuleName) -> Msg {
    match rule {
        RuleName::ValuePresent => Msg::RuleValuePresent,
        RuleName::Unit => Msg::RuleUnit,
        RuleName::ReferenceRange => Msg::RuleReferenceRange,
        RuleName::Critical => Msg::RuleCritical,
        RuleName::MeasurementRange => Msg::RuleMeasurementRange,
        RuleName::Delta => Msg::RuleDelta,
        RuleName::InstrumentFlags => Msg::RuleInstrumentFlags,
        RuleName::Qc => Msg::RuleQc,
        RuleName::SpecimenAcceptable => Msg::RuleSpecimenAcceptable,
    }
}

/// A check outcome as a symbol, a word and a CSS class.
pub fn outcome_badge(outcome: Outcome, lang: Lang) -> (&'static str, &'static str, &'static str) {
    match outcome {
        Outcome::Passed => ("check check-passed", "✓", Msg::CheckPassed.text(lang)),
        Outcome::Failed => ("check check-failed", "✗", Msg::CheckFailed.text(lang)),
        Outcome::NotApplicable => ("check check-na", "–", Msg::CheckNotApplicable.text(lang)),
    }
}

/// A QC state as a CSS class, a symbol and a word (out of control adds the QC rule's detail).
pub fn qc_badge(qc: &QcStatus, lang: Lang) -> (&'static str, &'static str, String) {
    match qc {
        QcStatus::InControl => ("qc qc-passed", "✓", Msg::QcPassed.text(lang).to_owned()),
        QcStatus::OutOfControl(detail) if detail.is_empty() => {
            ("qc qc-failed", "!", Msg::QcFailed.text(lang).to_owned())
        }
        QcStatus::OutOfControl(detail) => (
            "qc qc-failed",
            "!",
            format!("{}: {detail}", Msg::QcFailed.text(lang)),
        ),
        QcStatus::Unknown => ("qc qc-none", "–", Msg::QcNone.text(lang).to_owned()),
    }
}

/// The words for a patient's sex.
pub fn sex_msg(sex: Sex) -> Msg {
    match sex {
        Sex::Male => Msg::SexMale,
        Sex::Female => Msg::SexFemale,
        Sex::Unknown => Msg::SexUnknown,
    }
}

/// The words for a result state.
pub fn state_msg(state: ResultState) -> Msg {
    match state {
        ResultState::Received => Msg::StateReceived,
        ResultState::PendingReview => Msg::StatePendingReview,
        ResultState::AutoVerified => Msg::StateAutoVerified,
        ResultState::Verified => Msg::StateVerified,
        ResultState::Released => Msg::StateReleased,
        ResultState::Corrected => Msg::StateCorrected,
        ResultState::Rejected => Msg::StateRejected,
        ResultState::RerunRequested => Msg::StateRerunRequested,
    }
}

/// The CSS class of a result state (`state state-pending`).
pub fn state_class(state: ResultState) -> &'static str {
    match state {
        ResultState::Received | ResultState::PendingReview => "state state-pending",
        ResultState::AutoVerified | ResultState::Verified => "state state-verified",
        ResultState::Released => "state state-released",
        ResultState::Corrected => "state state-corrected",
        ResultState::Rejected => "state state-rejected",
        ResultState::RerunRequested => "state state-rerun",
    }
}

/// One side (old or new) of an audit entry in words: a result's state in the catalog's words
/// with its value, else the value alone, else the stored JSON; empty when there is none. The
/// specimen's history and the audit trail both write it this way.
pub(crate) fn audit_side_words(side: Option<&serde_json::Value>, lang: Lang) -> String {
    let Some(v) = side else {
        return String::new();
    };
    let value = v.get("value").and_then(serde_json::Value::as_str);
    let state = v
        .get("state")
        .and_then(serde_json::Value::as_str)
        .and_then(ResultState::parse);
    match (state, value) {
        (Some(state), Some(value)) if !value.is_empty() => {
            format!("{} · {value}", state_msg(state).text(lang))
        }
        (Some(state), _) => state_msg(state).text(lang).to_owned(),
        (None, Some(value)) => value.to_owned(),
        (None, None) => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flag_has_a_symbol_a_word_and_a_class() {
        for flag in Flag::ALL {
            for lang in [Lang::Vi, Lang::En] {
                let badge = FlagBadge::from_flag(flag, lang);
                assert!(!badge.symbol.is_empty(), "{flag:?}");
                assert!(!badge.word.is_empty(), "{flag:?}");
                assert!(badge.class.starts_with("flag flag-"), "{flag:?}");
                assert_eq!(badge.code, flag.code());
            }
        }
    }

    #[test]
    fn critical_flags_read_as_critical_in_both_languages() {
        let hh = FlagBadge::from_flag(Flag::CriticalHigh, Lang::Vi);
        assert_eq!((hh.symbol, hh.code, hh.word), ("⇈", "HH", "Nguy hiểm cao"));
        assert!(hh.is_critical());
        let ll = FlagBadge::from_flag(Flag::CriticalLow, Lang::En);
        assert_eq!((ll.symbol, ll.code, ll.word), ("⇊", "LL", "Critical low"));
        assert!(ll.is_critical());
        assert!(!FlagBadge::from_flag(Flag::High, Lang::En).is_critical());
        assert!(!FlagBadge::no_range(Lang::En).is_critical());
    }

    #[test]
    fn high_and_low_differ_by_symbol_not_only_by_colour() {
        let h = FlagBadge::from_flag(Flag::High, Lang::En);
        let l = FlagBadge::from_flag(Flag::Low, Lang::En);
        assert_ne!(h.symbol, l.symbol);
        assert_eq!((h.word, l.word), ("High", "Low"));
        assert_eq!(
            FlagBadge::no_range(Lang::Vi).word,
            "Không có khoảng tham chiếu"
        );
    }

    #[test]
    fn every_rule_and_state_has_words() {
        for rule in RuleName::ALL {
            assert!(!rule_msg(rule).text(Lang::Vi).is_empty());
        }
        assert_eq!(
            state_msg(ResultState::Released).text(Lang::Vi),
            "Đã trả kết quả"
        );
        assert_eq!(
            state_class(ResultState::PendingReview),
            "state state-pending"
        );
        assert_eq!(outcome_badge(Outcome::Failed, Lang::Vi).2, "Không đạt");
        let failed = qc_badge(&QcStatus::OutOfControl("1-3s on level 2".into()), Lang::En);
        assert_eq!(
            failed,
            ("qc qc-failed", "!", "QC failed: 1-3s on level 2".to_owned())
        );
        assert_eq!(qc_badge(&QcStatus::Unknown, Lang::Vi).2, "Chưa có QC");
        assert_eq!(sex_msg(Sex::Female).text(Lang::Vi), "Nữ");
    }
}
