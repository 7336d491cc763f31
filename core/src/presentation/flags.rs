//! How a result's flags are shown to people and sent to the HIS: a stable code, the HL7 code
//! (v2.5.1 table 0078 for OBX-8, the same letters in HL7 v3 ObservationInterpretation for FHIR),
//! a word in English and in Vietnamese, and a text symbol so that no flag is shown by colour
//! alone.
//!
//! "Normal" is not a [`Flag`] (the checks raise flags only for what is wrong); it is a mark of its
//! own, [`NORMAL`], given only when the result was positively judged normal (its reference-range
//! check passed). A result with no flag and no such judgement (no range configured, no value, a
//! range check that did not apply) is neither flagged nor normal: OBX-8 stays empty.

use super::Language;
use crate::validation::Flag;

/// How one flag (or [`NORMAL`]) is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagLabel {
    /// The flag, or `None` for [`NORMAL`].
    pub flag: Option<Flag>,
    /// The lab's stable code ([`Flag::code`], or `N` for normal): for URLs, CSS classes, tests.
    pub code: &'static str,
    /// The HL7 abnormal-flag code (v2.5.1 table 0078, OBX-8; the same code in the HL7 v3
    /// ObservationInterpretation code system FHIR uses), when the flag has one. Flags of the
    /// lab's own (delta, instrument flag, QC, missing, rejected specimen) have none: their
    /// letters mean other things in table 0078 (`D` a significant change down, `I`
    /// intermediate, `R` resistant), so they are never sent as abnormal flags.
    pub hl7_code: Option<&'static str>,
    /// The display of `hl7_code` in HL7 v3 ObservationInterpretation (FHIR `Coding.display`).
    pub hl7_display: Option<&'static str>,
    /// The word in English.
    pub english: &'static str,
    /// The word in Vietnamese.
    pub vietnamese: &'static str,
    /// A text symbol shown beside the word (never colour alone).
    pub symbol: &'static str,
}

impl FlagLabel {
    /// The word in `language`.
    pub fn word(&self, language: Language) -> &'static str {
        match language {
            Language::En => self.english,
            Language::Vi => self.vietnamese,
        }
    }

    /// Whether this mark says how the value compares with its range or limits (L, H, LL, HH, <,
    /// >, A, N): the marks HL7 carries in OBX-8 and FHIR in `Observation.interpretation`.
    pub fn is_interpretation(&self) -> bool {
        self.hl7_code.is_some()
    }
}

/// The mark of a result judged normal: HL7 table 0078 `N`.
pub const NORMAL: FlagLabel = FlagLabel {
    flag: None,
    code: "N",
    hl7_code: Some("N"),
    hl7_display: Some("Normal"),
    english: "Normal",
    vietnamese: "Bình thường",
    symbol: "✓",
};

/// One label per flag, in [`Flag::ALL`] order.
const LABELS: [FlagLabel; 12] = [
    FlagLabel {
        flag: Some(Flag::Low),
        code: "L",
        hl7_code: Some("L"),
        hl7_display: Some("Low"),
        english: "Low",
        vietnamese: "Thấp",
        symbol: "↓",
    },
    FlagLabel {
        flag: Some(Flag::High),
        code: "H",
        hl7_code: Some("H"),
        hl7_display: Some("High"),
        english: "High",
        vietnamese: "Cao",
        symbol: "↑",
    },
    FlagLabel {
        flag: Some(Flag::CriticalLow),
        code: "LL",
        hl7_code: Some("LL"),
        hl7_display: Some("Critical low"),
        english: "Critical low",
        vietnamese: "Nguy hiểm thấp",
        symbol: "⇊",
    },
    FlagLabel {
        flag: Some(Flag::CriticalHigh),
        code: "HH",
        hl7_code: Some("HH"),
        hl7_display: Some("Critical high"),
        english: "Critical high",
        vietnamese: "Nguy hiểm cao",
        symbol: "⇈",
    },
    FlagLabel {
        flag: Some(Flag::BelowMeasurementRange),
        code: "<",
        hl7_code: Some("<"),
        hl7_display: Some("Off scale low"),
        english: "Below measurement range",
        vietnamese: "Dưới ngưỡng đo",
        symbol: "⤓",
    },
    FlagLabel {
        flag: Some(Flag::AboveMeasurementRange),
        code: ">",
        hl7_code: Some(">"),
        hl7_display: Some("Off scale high"),
        english: "Above measurement range",
        vietnamese: "Trên ngưỡng đo",
        symbol: "⤒",
    },
    FlagLabel {
        flag: Some(Flag::Delta),
        code: "D",
        hl7_code: None,
        hl7_display: None,
        english: "Delta check failed",
        vietnamese: "Thay đổi lớn so với lần trước",
        symbol: "Δ",
    },
    FlagLabel {
        flag: Some(Flag::Abnormal),
        code: "A",
        hl7_code: Some("A"),
        hl7_display: Some("Abnormal"),
        english: "Abnormal",
        vietnamese: "Bất thường",
        symbol: "!",
    },
    FlagLabel {
        flag: Some(Flag::InstrumentFlag),
        code: "I",
        hl7_code: None,
        hl7_display: None,
        english: "Instrument flag",
        vietnamese: "Máy xét nghiệm cảnh báo",
        symbol: "⚑",
    },
    FlagLabel {
        flag: Some(Flag::QcFailed),
        code: "Q",
        hl7_code: None,
        hl7_display: None,
        english: "QC failed",
        vietnamese: "Nội kiểm không đạt",
        symbol: "✗",
    },
    FlagLabel {
        flag: Some(Flag::Missing),
        code: "M",
        hl7_code: None,
        hl7_display: None,
        english: "No value",
        vietnamese: "Không có kết quả",
        symbol: "∅",
    },
    FlagLabel {
        flag: Some(Flag::SpecimenRejected),
        code: "R",
        hl7_code: None,
        hl7_display: None,
        english: "Specimen rejected",
        vietnamese: "Mẫu bị từ chối",
        symbol: "⊘",
    },
];

/// How `flag` is written.
pub fn flag_label(flag: Flag) -> &'static FlagLabel {
    // An exhaustive match over constant indices into a fixed-size array: a new flag without its
    // label does not compile, and no flag can fall back to another's words.
    match flag {
        Flag::Low => &LABELS[0],
        Flag::High => &LABELS[1],
        Flag::CriticalLow => &LABELS[2],
        Flag::CriticalHigh => &LABELS[3],
        Flag::BelowMeasurementRange => &LABELS[4],
        Flag::AboveMeasurementRange => &LABELS[5],
        Flag::Delta => &LABELS[6],
        Flag::Abnormal => &LABELS[7],
        Flag::InstrumentFlag => &LABELS[8],
        Flag::QcFailed => &LABELS[9],
        Flag::Missing => &LABELS[10],
        Flag::SpecimenRejected => &LABELS[11],
    }
}

/// Every mark a result shows, in the order of its flags: each flag's label, then [`NORMAL`]
/// when the result was judged normal and no flag says its value is outside its range or limits.
///
/// `judged_normal` is [`judged_normal`](super::judged_normal) of the result's checks: its
/// reference-range check passed. Without that judgement an unflagged result has no mark.
pub fn result_marks(flags: &[Flag], judged_normal: bool) -> Vec<&'static FlagLabel> {
    let mut marks: Vec<&'static FlagLabel> = flags.iter().map(|f| flag_label(*f)).collect();
    if judged_normal && !marks.iter().any(|m| m.is_interpretation()) {
        marks.push(&NORMAL);
    }
    marks
}

/// The HL7 abnormal flags of a result (OBX-8, v2.5.1 table 0078): `L`, `H`, `LL`, `HH`, `<`,
/// `>`, `A` from its flags, `N` when none of those applies and the result was judged normal,
/// and nothing otherwise (an empty OBX-8: "no range defined, or normal ranges don't apply").
pub fn abnormal_flags(flags: &[Flag], judged_normal: bool) -> Vec<&'static str> {
    result_marks(flags, judged_normal)
        .into_iter()
        .filter_map(|m| m.hl7_code)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flag_has_its_own_label_in_order() {
        for (flag, label) in Flag::ALL.iter().zip(LABELS.iter()) {
            assert_eq!(label.flag, Some(*flag));
            assert_eq!(
                label.code,
                flag.code(),
                "the stable code is the stored code"
            );
            assert_eq!(flag_label(*flag), label);
            assert!(!label.symbol.is_empty() && !label.english.is_empty());
            assert!(!label.vietnamese.is_empty());
        }
        assert_eq!(LABELS.len(), Flag::ALL.len());
    }

    #[test]
    fn words_and_symbols_for_people() {
        let cases = [
            (Flag::High, "High", "Cao", "↑"),
            (Flag::Low, "Low", "Thấp", "↓"),
            (Flag::CriticalHigh, "Critical high", "Nguy hiểm cao", "⇈"),
            (Flag::CriticalLow, "Critical low", "Nguy hiểm thấp", "⇊"),
            (Flag::Abnormal, "Abnormal", "Bất thường", "!"),
        ];
        for (flag, en, vi, symbol) in cases {
            let l = flag_label(flag);
            assert_eq!(l.word(Language::En), en);
            assert_eq!(l.word(Language::Vi), vi);
            assert_eq!(l.symbol, symbol);
        }
        assert_eq!(NORMAL.word(Language::En), "Normal");
        assert_eq!(NORMAL.word(Language::Vi), "Bình thường");
        // No two marks share a symbol: a symbol alone tells them apart.
        let mut symbols: Vec<&str> = LABELS.iter().map(|l| l.symbol).collect();
        symbols.push(NORMAL.symbol);
        let count = symbols.len();
        symbols.sort_unstable();
        symbols.dedup();
        assert_eq!(symbols.len(), count);
    }

    /// HL7 v2.5.1 table 0078 (Abnormal flags): L "Below low normal", H "Above high normal",
    /// LL "Below lower panic limits", HH "Above upper panic limits", < "Below absolute low-off
    /// instrument scale", > "Above absolute high-off instrument scale", N "Normal", A
    /// "Abnormal". D is "Significant change down", I "Intermediate", R "Resistant": the lab's
    /// delta, instrument and rejected-specimen flags must not be sent under those letters.
    #[test]
    fn hl7_table_0078_codes() {
        let expected = [
            (Flag::Low, Some("L")),
            (Flag::High, Some("H")),
            (Flag::CriticalLow, Some("LL")),
            (Flag::CriticalHigh, Some("HH")),
            (Flag::BelowMeasurementRange, Some("<")),
            (Flag::AboveMeasurementRange, Some(">")),
            (Flag::Delta, None),
            (Flag::Abnormal, Some("A")),
            (Flag::InstrumentFlag, None),
            (Flag::QcFailed, None),
            (Flag::Missing, None),
            (Flag::SpecimenRejected, None),
        ];
        for (flag, code) in expected {
            assert_eq!(flag_label(flag).hl7_code, code, "{flag:?}");
        }
        assert_eq!(NORMAL.hl7_code, Some("N"));
    }

    /// HL7 v3 ObservationInterpretation displays (the FHIR R4 code system
    /// `http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation`).
    #[test]
    fn fhir_interpretation_displays() {
        let expected = [
            (Flag::Low, "Low"),
            (Flag::High, "High"),
            (Flag::CriticalLow, "Critical low"),
            (Flag::CriticalHigh, "Critical high"),
            (Flag::BelowMeasurementRange, "Off scale low"),
            (Flag::AboveMeasurementRange, "Off scale high"),
            (Flag::Abnormal, "Abnormal"),
        ];
        for (flag, display) in expected {
            assert_eq!(flag_label(flag).hl7_display, Some(display));
        }
        assert_eq!(NORMAL.hl7_display, Some("Normal"));
    }

    #[test]
    fn obx_8_is_empty_unless_flagged_or_judged_normal() {
        // No flag, range check passed: N.
        assert_eq!(abnormal_flags(&[], true), ["N"]);
        // No flag, no judgement (no range, no value, an unreadable check): empty, never N.
        assert!(abnormal_flags(&[], false).is_empty());
        // Flags go out as themselves, in order; the lab's own flags are not sent.
        assert_eq!(
            abnormal_flags(&[Flag::CriticalHigh, Flag::High, Flag::Delta], false),
            ["HH", "H"]
        );
        assert_eq!(abnormal_flags(&[Flag::BelowMeasurementRange], false), ["<"]);
        // Only a lab flag, value within range: the value is normal.
        assert_eq!(abnormal_flags(&[Flag::Delta], true), ["N"]);
        assert!(abnormal_flags(&[Flag::InstrumentFlag], false).is_empty());
    }

    #[test]
    fn marks_show_every_flag_and_normal_only_when_judged() {
        let codes = |flags: &[Flag], normal| -> Vec<&str> {
            result_marks(flags, normal)
                .into_iter()
                .map(|m| m.code)
                .collect()
        };
        assert_eq!(codes(&[Flag::Delta], true), ["D", "N"]);
        assert_eq!(codes(&[Flag::High, Flag::Delta], false), ["H", "D"]);
        assert!(codes(&[], false).is_empty());
    }
}
