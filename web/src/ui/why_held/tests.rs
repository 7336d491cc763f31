//! Reasons in words from a real store ([`crate::ui::testing::specimen_lab`]): the embedded
//! demo lab holds FT4 above 22 pmol/L as high and TNTHS above 52 ng/L as critical (the lab
//! file's `critical_high = 52`); TSH is never autoverified.

use jiff::tz::TimeZone;
use lis_core::config::ReviewSteps;
use lis_core::model::{ReasonCode, SpecimenReview};
use lis_core::Store;

use super::*;
use crate::ui::testing::specimen_lab::{lab, BARCODE};

fn review() -> (std::sync::Arc<Store>, SpecimenReview) {
    let lab = lab(ReviewSteps::Two);
    let review = lab.store.specimen_review(BARCODE).unwrap();
    (lab.store, review)
}

/// Every reason of the test `code`, in `lang`.
fn words(store: &Store, review: &SpecimenReview, code: &str, lang: Lang) -> Vec<String> {
    let r = review.results.iter().find(|r| r.test_code == code).unwrap();
    let test = store.config().test(code);
    r.reasons
        .iter()
        .map(|w| reason_words(r, w, test, lang, &TimeZone::UTC))
        .collect()
}

#[test]
fn a_high_and_a_critical_value_are_told_in_each_language() {
    let (store, review) = review();
    let ft4 = review
        .results
        .iter()
        .find(|r| r.test_code == "FT4")
        .unwrap();
    let range = ft4.range.as_ref().unwrap().text.clone();
    assert!(
        words(&store, &review, "FT4", Lang::Vi)
            .contains(&format!("30.0 cao hơn khoảng tham chiếu {range}")),
        "{:?}",
        words(&store, &review, "FT4", Lang::Vi)
    );
    assert!(words(&store, &review, "FT4", Lang::En)
        .contains(&format!("30.0 is above the reference range {range}")));
    assert!(
        words(&store, &review, "TNTHS", Lang::Vi)
            .contains(&"60.0 vượt ngưỡng nguy hiểm trên 52".to_owned()),
        "{:?}",
        words(&store, &review, "TNTHS", Lang::Vi)
    );
    assert!(words(&store, &review, "TNTHS", Lang::En)
        .contains(&"60.0 is above the critical limit 52".to_owned()));
    assert_eq!(
        words(&store, &review, "TSH", Lang::Vi),
        ["Xét nghiệm này luôn cần người duyệt"]
    );
    // No stored English sentence reaches the Vietnamese page.
    for code in ["TSH", "FT4", "TNTHS"] {
        for line in words(&store, &review, code, Lang::Vi) {
            assert!(
                !line.contains("above") && !line.contains("autoverification"),
                "{line}"
            );
        }
    }
}

#[test]
fn a_reason_this_version_does_not_know_keeps_its_stored_sentence() {
    let (store, review) = review();
    let r = &review.results[0];
    let odd = WaitReason {
        code: ReasonCode::Other,
        text: "held by a rule of the future".into(),
    };
    let test = store.config().test(&r.test_code);
    assert_eq!(
        reason_words(r, &odd, test, Lang::Vi, &TimeZone::UTC),
        "held by a rule of the future"
    );
}
