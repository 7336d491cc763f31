//! The antibiogram under a microbiology isolate's result (specimen page, printed report): the
//! organism, then one row per antibiotic with its MIC as sent and its interpretation as a symbol
//! and a word (`presentation::microbiology`, the one place); a resistant antibiotic stands out by
//! its symbol (`R ⚠`) and its word in bold, never by colour alone.

use lis_core::model::Interpretation;
use lis_core::model::Isolate;
use lis_core::presentation::interpretation_label;

use super::i18n::{catalog, Lang, Text};

catalog! {
    /// The words of the antibiogram.
    pub enum MicroMsg {
        Antibiogram => ("Kháng sinh đồ", "Antibiogram"),
        Organism => ("Vi khuẩn", "Organism"),
        Isolate => ("Chủng", "Isolate"),
        Antibiotic => ("Kháng sinh", "Antibiotic"),
        Mic => ("MIC (µg/mL)", "MIC (µg/mL)"),
        Interpretation => ("Kết luận", "Interpretation"),
        NoInterpretation => ("Không có kết luận", "No interpretation"),
        NoPanel => ("Chưa có kháng sinh đồ", "No susceptibility results yet"),
        ResistantCount => ("Số kháng sinh bị kháng: {count}", "Antibiotics resisted: {count}"),
    }
}

/// An isolate as the page shows it, in the page's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AntibiogramView {
    /// The isolate's label (`A`).
    pub label: String,
    /// The organism's name (or code).
    pub organism: String,
    /// The organism's code as sent.
    pub organism_code: String,
    /// The rows, in the order sent.
    pub rows: Vec<AntibiogramRow>,
    /// How many antibiotics it resists, in words (`Antibiotics resisted: 9`), when any.
    pub resistant_summary: Option<String>,
}

/// One antibiotic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AntibiogramRow {
    /// Its name (or code).
    pub antibiotic: String,
    /// Its code as sent.
    pub code: String,
    /// The MIC as sent (`<=8.0000`).
    pub mic: String,
    /// The interpretation's symbol (`S`, `I`, `R ⚠`, `–`).
    pub symbol: &'static str,
    /// The interpretation's word in the page's language, with the analyzer's word when it gave
    /// no S / I / R (`No interpretation (NOINTP)`).
    pub word: String,
    /// `interp-s`, `interp-i`, `interp-r` or `interp-none`: for the stylesheet and tests.
    pub class: &'static str,
    /// Whether the antibiotic is resistant.
    pub resistant: bool,
}

/// The antibiogram of `isolate` in `lang`.
pub fn antibiogram(isolate: &Isolate, lang: Lang) -> AntibiogramView {
    let rows: Vec<AntibiogramRow> = isolate
        .susceptibilities
        .iter()
        .map(|s| {
            let name = s.antibiotic_name.trim();
            let (symbol, word, class) = match s.interpretation {
                Some(i) => {
                    let label = interpretation_label(i);
                    let class = match i {
                        Interpretation::Susceptible => "interp-s",
                        Interpretation::Intermediate => "interp-i",
                        Interpretation::Resistant => "interp-r",
                    };
                    (label.symbol, label.word(lang).to_owned(), class)
                }
                None => {
                    let none = MicroMsg::NoInterpretation.text(lang);
                    let sent = s.interpretation_sent.trim();
                    let word = if sent.is_empty() {
                        none.to_owned()
                    } else {
                        format!("{none} ({sent})")
                    };
                    ("–", word, "interp-none")
                }
            };
            AntibiogramRow {
                antibiotic: if name.is_empty() {
                    s.antibiotic_code.clone()
                } else {
                    name.to_owned()
                },
                code: s.antibiotic_code.clone(),
                mic: s.mic.clone(),
                symbol,
                word,
                class,
                resistant: s.interpretation == Some(Interpretation::Resistant),
            }
        })
        .collect();
    let resistant = rows.iter().filter(|r| r.resistant).count();
    AntibiogramView {
        label: isolate.label.clone(),
        organism: isolate.organism().to_owned(),
        organism_code: isolate.organism_code.clone(),
        resistant_summary: (resistant > 0).then(|| {
            MicroMsg::ResistantCount
                .text(lang)
                .replace("{count}", &resistant.to_string())
        }),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use lis_core::model::Susceptibility;

    use super::*;

    fn isolate() -> Isolate {
        let row = |code: &str, name: &str, mic: &str, i, sent: &str| Susceptibility {
            antibiotic_code: code.into(),
            antibiotic_name: name.into(),
            mic: mic.into(),
            interpretation: i,
            interpretation_sent: sent.into(),
        };
        Isolate {
            label: "A".into(),
            organism_code: "P.AER".into(),
            organism_name: "Pseudomonas aeruginosa".into(),
            susceptibilities: vec![
                row(
                    "AMIKAC",
                    "Amikacin",
                    "<=8.0000",
                    Some(Interpretation::Susceptible),
                    "SUSC",
                ),
                row(
                    "AMPICI",
                    "Ampicillin",
                    ">16.0000",
                    Some(Interpretation::Resistant),
                    "RESIST",
                ),
                row("NITRO", "Nitrofurantoin", ">64.0000", None, "NOINTP"),
            ],
        }
    }

    #[test]
    fn a_resistant_antibiotic_is_told_by_symbol_and_word_in_both_languages() {
        let vi = antibiogram(&isolate(), Lang::Vi);
        assert_eq!(vi.organism, "Pseudomonas aeruginosa");
        let r = &vi.rows[1];
        assert_eq!(
            (r.symbol, r.word.as_str(), r.class),
            ("R ⚠", "Kháng", "interp-r")
        );
        assert_eq!(vi.rows[0].word, "Nhạy");
        assert_eq!(vi.rows[2].word, "Không có kết luận (NOINTP)");
        assert_eq!(
            vi.resistant_summary.as_deref(),
            Some("Số kháng sinh bị kháng: 1")
        );
        let en = antibiogram(&isolate(), Lang::En);
        assert_eq!(en.rows[1].word, "Resistant");
        assert_eq!(en.rows[2].symbol, "–");
        assert_eq!(
            en.resistant_summary.as_deref(),
            Some("Antibiotics resisted: 1")
        );
    }
}
