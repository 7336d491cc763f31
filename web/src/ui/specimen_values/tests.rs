//! Manual entry, edit and correction through the real app (`oneshot`): who may, the form's
//! checks, stale versions and illegal transitions, the result and its audit entries afterwards,
//! the notice after the redirect, the history, and for a correction the ORU^R01 the HIS is
//! sent (OBX-11 `C`). Also the notice of a multi-result action refused part way.
//!
//! The lab is [`crate::ui::testing::specimen_lab`]: TSH clear, FT4 30 high, TNTHS 60
//! critical, GLU ordered without a result (critical above 25 mmol/L). Users read English.

use axum::http::StatusCode;
use jiff::Timestamp;
use lis_core::config::{Language, ReviewSteps};
use lis_core::lifecycle::ResultState;
use lis_core::model::{Actor, ResultId};
use lis_core::presentation::{judged_normal, release_progress};
use lis_drivers::his::oru::{oru_r01, ReportedResult, ResultReport};

use crate::ui::testing::browser::{post_form, send, Browser};
use crate::ui::testing::specimen_lab::{at, lab, Lab, BARCODE};

/// The result of `code` the specimen reports now.
fn reported(lab: &Lab, code: &str) -> lis_core::model::ReviewResult {
    lab.store
        .specimen_review(BARCODE)
        .unwrap()
        .results
        .into_iter()
        .find(|r| r.test_code == code && r.reported)
        .unwrap()
}

/// The result's audit entries as `(action, who, reason)`, oldest first.
fn audit(lab: &Lab, id: ResultId) -> Vec<(String, String, String)> {
    lab.store
        .result_history(id)
        .unwrap()
        .into_iter()
        .filter(|h| h.entity == "result" && h.entity_id == id.to_string())
        .map(|h| {
            (
                h.action,
                h.actor.display_name.unwrap_or(h.actor.stored),
                h.reason.unwrap_or_default(),
            )
        })
        .collect()
}

/// A form's fields as the browser helpers take them.
fn refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// The notice of the page an answer redirects to.
async fn notice(lab: &Lab, who: &Browser, location: &str) -> String {
    let page = who.get(&lab.app, location).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let start = page.body.find("class=\"notice").expect("a notice");
    let text = &page.body[start..];
    let text = &text[text.find("</span>").unwrap() + "</span>".len()..text.find("</p>").unwrap()];
    text.trim().to_owned()
}

#[tokio::test]
async fn a_manual_entry_is_checked_like_an_analyzer_value_and_audited() {
    let lab = lab(ReviewSteps::Two);
    let tech = Browser::sign_in(&lab.app, "tech").await;
    let page = tech.get(&lab.app, &format!("/specimens/{BARCODE}")).await;
    assert!(page.body.contains(&format!("action=\"{}\"", at("enter"))));
    assert!(page
        .body
        .contains("<option value=\"GLU\">Glucose (GLU)</option>"));
    // The form is checked before core is asked.
    let empty = tech
        .post(&lab.app, &at("enter"), &[("test", "GLU"), ("value", " ")])
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    let admin = Browser::sign_in(&lab.app, "admin").await;
    let refused = admin
        .post(&lab.app, &at("enter"), &[("test", "GLU"), ("value", "5.0")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(lab
        .store
        .specimen_review(BARCODE)
        .unwrap()
        .tests_without_result
        .contains(&"GLU".to_owned()));

    // 30 mmol/L is above GLU's critical limit 25: held, flagged, never released at once.
    let entered = tech
        .post(&lab.app, &at("enter"), &[("test", "GLU"), ("value", "30")])
        .await;
    assert_eq!(entered.status, StatusCode::SEE_OTHER, "{}", entered.body);
    let glu = reported(&lab, "GLU");
    assert_eq!(
        entered.location(),
        format!("/specimens/{BARCODE}?done=enter&n=1#result-{}", glu.id)
    );
    assert_eq!(
        (glu.value.as_str(), glu.instrument.as_str(), glu.state),
        ("30.0", "manual", ResultState::PendingReview)
    );
    assert!(glu.critical);
    assert_eq!(
        audit(&lab, glu.id).first().unwrap(),
        &(
            "result.enter".to_owned(),
            "Trần Thị B".to_owned(),
            String::new()
        )
    );
    assert_eq!(
        notice(&lab, &tech, entered.location()).await,
        "Result entered by hand."
    );
    let page = tech.get(&lab.app, &format!("/specimens/{BARCODE}")).await;
    let row_at = page
        .body
        .find(&format!("id=\"result-{}\"", glu.id))
        .unwrap();
    let row = &page.body[row_at..row_at + page.body[row_at..].find("</tr>").unwrap()];
    assert!(row.contains("⇈</span> Critical high"), "{row}");
    assert!(row.contains("30.0 is above the critical limit 25"), "{row}");
    assert!(page.body.contains("Result entered by hand"));

    // A test that has a result, is not ordered, or is not in the catalog: 409, nothing new.
    for (test, value) in [("GLU", "5.0"), ("CREA", "80"), ("NOPE", "1")] {
        let again = tech
            .post(&lab.app, &at("enter"), &[("test", test), ("value", value)])
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{test}: {}", again.body);
    }
    assert_eq!(reported(&lab, "GLU").id, glu.id);
}

#[tokio::test]
async fn an_edit_is_a_new_version_with_its_reason_in_the_history() {
    let lab = lab(ReviewSteps::Two);
    let tech = Browser::sign_in(&lab.app, "tech").await;
    let seen = lab.key(lab.ft4);
    let no_reason = tech
        .post(
            &lab.app,
            &at("edit"),
            &[("result", &seen), ("new_value", "18"), ("edit_reason", "")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    let admin = Browser::sign_in(&lab.app, "admin").await;
    let forbidden = admin
        .post(
            &lab.app,
            &at("edit"),
            &[("result", &seen), ("new_value", "18"), ("edit_reason", "x")],
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_eq!(lab.key(lab.ft4), seen);

    let edited = tech
        .post(
            &lab.app,
            &at("edit"),
            &[
                ("result", &seen),
                ("new_value", "18"),
                ("edit_reason", "typed from the wrong tube"),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.body);
    let new = reported(&lab, "FT4");
    assert_ne!(new.id, lab.ft4);
    assert_eq!(
        edited.location(),
        format!("/specimens/{BARCODE}?done=edit&n=1#result-{}", new.id)
    );
    // The old version is kept, rejected with the reason; the new one is checked (18 is within
    // FT4's range) and waits for a person, as FT4 always does in this lab.
    assert_eq!(lab.result(lab.ft4).0, ResultState::Rejected);
    assert_eq!(
        (new.value.as_str(), new.state, new.flags.is_empty()),
        ("18.0", ResultState::PendingReview, true)
    );
    assert_eq!(
        audit(&lab, lab.ft4).last().unwrap(),
        &(
            "result.edit".to_owned(),
            "Trần Thị B".to_owned(),
            "typed from the wrong tube".to_owned()
        )
    );
    assert!(audit(&lab, new.id)
        .iter()
        .any(|(action, _, reason)| action == "result.edit_version"
            && reason == "typed from the wrong tube"));
    assert_eq!(
        notice(&lab, &tech, edited.location()).await,
        "New value saved as a new version."
    );
    let page = tech.get(&lab.app, &format!("/specimens/{BARCODE}")).await;
    assert!(
        page.body.contains("Value edited (old version)"),
        "{}",
        page.body
    );
    assert!(page.body.contains("typed from the wrong tube"));

    // The page the technician edited from is stale now: 409 naming who changed it.
    let stale = tech
        .post(
            &lab.app,
            &at("edit"),
            &[("result", &seen), ("new_value", "19"), ("edit_reason", "x")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(stale.body.contains("Trần Thị B changed this result at"));

    // A released result is not edited: that is a correction (409, nothing changed).
    let verified = tech
        .post(&lab.app, &at("verify"), &[("result", &lab.key(lab.tsh))])
        .await;
    assert_eq!(verified.status, StatusCode::SEE_OTHER);
    let sup = Browser::sign_in(&lab.app, "sup").await;
    let released = sup
        .post(&lab.app, &at("release"), &[("result", &lab.key(lab.tsh))])
        .await;
    assert_eq!(released.status, StatusCode::SEE_OTHER);
    let key = lab.key(lab.tsh);
    let refused = tech
        .post(
            &lab.app,
            &at("edit"),
            &[("result", &key), ("new_value", "2.1"), ("edit_reason", "x")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert_eq!(lab.key(lab.tsh), key);
}

/// The ORU^R01 the HIS sender builds for an outbox row (as `lis_drivers::his::sender` does).
fn oru_for(lab: &Lab, outbox: &lis_core::store::OutboxItem) -> String {
    let store = &lab.store;
    let order = store.order(outbox.order_id).unwrap();
    let patient = store.patient(order.patient_id).unwrap();
    let results: Vec<ReportedResult> = outbox
        .result_ids
        .iter()
        .map(|id| {
            let r = store.result_with_checks(*id).unwrap();
            ReportedResult {
                judged_normal: judged_normal(&r.checks),
                result: r.result,
                specimen_type: "serum".into(),
                supplements: Vec::new(),
                isolate: None,
            }
        })
        .collect();
    let progress = release_progress(
        &order,
        &store.ordered_tests(outbox.order_id).unwrap(),
        &store.results_for_order(outbox.order_id).unwrap(),
    );
    let bytes = oru_r01(
        store.config(),
        &ResultReport {
            sending_application: "LIS",
            sending_facility: "LAB",
            receiving_application: "HIS",
            receiving_facility: "HOSP",
            control_id: "LIS1",
            now: Timestamp::now(),
            order: &order,
            patient: &patient,
            results: &results,
            progress,
            correction: outbox.kind == "correction",
        },
    );
    String::from_utf8(bytes).unwrap()
}

#[tokio::test]
async fn a_supervisor_corrects_a_released_result_and_the_his_is_sent_a_correction() {
    let lab = lab(ReviewSteps::Two);
    let tech = Browser::sign_in(&lab.app, "tech").await;
    let sup = Browser::sign_in(&lab.app, "sup").await;
    tech.post(&lab.app, &at("verify"), &[("result", &lab.key(lab.tsh))])
        .await;
    let released = sup
        .post(&lab.app, &at("release"), &[("result", &lab.key(lab.tsh))])
        .await;
    assert_eq!(released.status, StatusCode::SEE_OTHER, "{}", released.body);
    let key = lab.key(lab.tsh);
    // Only a supervisor is offered and allowed the correction.
    let page = tech.get(&lab.app, &format!("/specimens/{BARCODE}")).await;
    assert!(!page.body.contains(&at("correct")));
    let page = sup.get(&lab.app, &format!("/specimens/{BARCODE}")).await;
    assert!(page.body.contains(&format!("action=\"{}\"", at("correct"))));
    let fields = |reason: &'static str| {
        let key = key.clone();
        move || {
            vec![
                ("result".to_owned(), key.clone()),
                ("new_value".to_owned(), "3.1".to_owned()),
                ("correct_reason".to_owned(), reason.to_owned()),
            ]
        }
    };
    let by_tech = tech
        .post(&lab.app, &at("correct"), &refs(&fields("wrong tube")()))
        .await;
    assert_eq!(by_tech.status, StatusCode::FORBIDDEN);
    let no_reason = sup
        .post(&lab.app, &at("correct"), &refs(&fields(" ")()))
        .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    let no_token = send(
        &lab.app,
        post_form(&at("correct"), &sup.cookie, &refs(&fields("wrong tube")())),
    )
    .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert_eq!(lab.key(lab.tsh), key);
    let outbox_before = lab.store.outbox_pending(100).unwrap().len();

    let corrected = sup
        .post(&lab.app, &at("correct"), &refs(&fields("wrong tube")()))
        .await;
    assert_eq!(
        corrected.status,
        StatusCode::SEE_OTHER,
        "{}",
        corrected.body
    );
    let new = reported(&lab, "TSH");
    assert_eq!(
        corrected.location(),
        format!("/specimens/{BARCODE}?done=correct&n=1#result-{}", new.id)
    );
    assert_eq!(lab.result(lab.tsh).0, ResultState::Corrected);
    assert_eq!(
        (new.value.as_str(), new.state, new.corrects),
        ("3.100", ResultState::Released, Some(lab.tsh))
    );
    assert_eq!(
        audit(&lab, lab.tsh).last().unwrap(),
        &(
            "result.correct".to_owned(),
            "Lê Văn C".to_owned(),
            "wrong tube".to_owned()
        )
    );

    // The HIS's outbox has the correction, and its ORU^R01 says C in OBX-11 with the new value.
    let outbox = lab.store.outbox_pending(100).unwrap();
    assert_eq!(outbox.len(), outbox_before + 1);
    let row = outbox.last().unwrap();
    assert_eq!(
        (row.kind.as_str(), row.result_ids.clone()),
        ("correction", vec![new.id])
    );
    let oru = oru_for(&lab, row);
    let obx: Vec<&str> = oru.split('\r').filter(|s| s.starts_with("OBX|")).collect();
    assert_eq!(obx.len(), 1, "{oru}");
    let obx: Vec<&str> = obx[0].split('|').collect();
    assert_eq!((obx[5], obx[11]), ("3.100", "C"), "{obx:?}");

    // The page says what was done, and the history shows the replaced value and the new one.
    assert_eq!(
        notice(&lab, &sup, corrected.location()).await,
        "Released result corrected and sent again to the HIS."
    );
    let page = sup.get(&lab.app, &format!("/specimens/{BARCODE}")).await;
    assert!(
        page.body
            .contains("<td>2.000</td><td>Released · 3.100</td><td>wrong tube</td>"),
        "{}",
        page.body
    );
    // The corrected version cannot be corrected again (409); nothing changed.
    let again = sup
        .post(&lab.app, &at("correct"), &refs(&fields("again")()))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert_eq!(lab.store.outbox_pending(100).unwrap().len(), outbox.len());
}

#[tokio::test]
async fn a_release_refused_part_way_says_what_was_done_and_why_in_each_language() {
    let lab = lab(ReviewSteps::Two);
    let tech = Browser::sign_in(&lab.app, "tech").await;
    let both = [("result", lab.key(lab.tsh)), ("result", lab.key(lab.tnths))];
    let both: Vec<(&str, &str)> = both.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let verified = tech.post(&lab.app, &at("verify"), &both).await;
    assert_eq!(
        verified.location(),
        format!("/specimens/{BARCODE}?done=verify&n=2#result-{}", lab.tsh)
    );
    assert_eq!(
        notice(&lab, &tech, verified.location()).await,
        "Results verified: 2."
    );
    // The supervisor releases both: TSH goes, the critical TNTHS waits for its call-back.
    let sup = Browser::sign_in(&lab.app, "sup").await;
    let both = [("result", lab.key(lab.tsh)), ("result", lab.key(lab.tnths))];
    let both: Vec<(&str, &str)> = both.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let released = sup.post(&lab.app, &at("release"), &both).await;
    assert_eq!(released.status, StatusCode::SEE_OTHER, "{}", released.body);
    assert_eq!(
        released.location(),
        format!(
            "/specimens/{BARCODE}?done=release&n=1&refused={}-callback#result-{}",
            lab.tnths, lab.tsh
        )
    );
    assert_eq!(lab.result(lab.tsh).0, ResultState::Released);
    assert_eq!(lab.result(lab.tnths).0, ResultState::Verified);
    let tnths = lab.store.config().test("TNTHS").unwrap().clone();
    assert_eq!(
        notice(&lab, &sup, released.location()).await,
        format!(
            "Results released: 1. Not done: {} (no call-back recorded yet).",
            tnths.name_en
        )
    );
    let sup_id = lab.store.user_by_username("sup").unwrap().unwrap().id;
    lab.store
        .set_language(sup_id, Language::Vi, &Actor::System)
        .unwrap();
    assert_eq!(
        notice(&lab, &sup, released.location()).await,
        format!(
            "Đã trả 1 kết quả. Không thực hiện: {} (chưa ghi nhận đã báo giá trị nguy hiểm).",
            tnths.name_vi
        )
    );
}
