//! The report through the real app (`oneshot`): who may read and print it, the audit entry of
//! a print, and what a released order's report says (values, units, ranges, flags in words,
//! who verified and released, the status, page n of N, a correction).

use axum::http::StatusCode;
use lis_core::model::Actor;

use crate::ui::reception_routes::tests::{get_page, lab, post_form, send, sign_in, Lab, BARCODE};

/// Verifies (tech) and releases (sup) every result of the tube with results.
async fn release_all(lab: &Lab) {
    let review = lab.store.specimen_review(BARCODE).unwrap();
    let tech = lab.store.user_by_username("tech").unwrap().unwrap().id;
    let sup = lab.store.user_by_username("sup").unwrap().unwrap().id;
    for r in &review.results {
        let v = lab
            .store
            .verify_result(r.id, r.rev, &Actor::User(tech))
            .unwrap();
        lab.store
            .release_result(r.id, v.rev, &Actor::User(sup))
            .unwrap();
    }
}

#[tokio::test]
async fn without_a_session_or_the_role_nothing_is_shown_or_audited() {
    let lab = lab();
    let a = send(&lab.app, get_page("/orders/HIS-88/report", "")).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert!(a.location().starts_with("/login?next="));
    let a = send(&lab.app, get_page("/report/logo", "")).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let a = send(
        &lab.app,
        post_form("/orders/HIS-88/report/print", "", &[("paper", "a4")]),
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert!(a.location().starts_with("/login"));
    let admin = sign_in(&lab.app, "admin").await;
    assert_eq!(
        admin.get(&lab.app, "/orders/HIS-88/report").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        admin.get(&lab.app, "/report/logo").await.status,
        StatusCode::FORBIDDEN
    );
    let a = admin
        .post(&lab.app, "/orders/HIS-88/report/print", &[("paper", "a4")])
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(lab.audits("report.print"), 0);
}

#[tokio::test]
async fn the_print_button_is_audited_and_a_forged_form_is_not() {
    let lab = lab();
    let tech = sign_in(&lab.app, "tech").await;
    let forged = send(
        &lab.app,
        post_form(
            "/orders/HIS-88/report/print",
            &tech.cookie,
            &[("csrf", "nope"), ("paper", "a4")],
        ),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(lab.audits("report.print"), 0);
    let a = tech
        .post(&lab.app, "/orders/HIS-88/report/print", &[("paper", "a5")])
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert_eq!(a.location(), "/orders/HIS-88/report?paper=a5&print=1");
    assert_eq!(lab.audits("report.print"), 1);
    let page = tech.get(&lab.app, a.location()).await;
    assert!(page.body.contains("data-autoprint"));
    let bad = tech
        .post(
            &lab.app,
            "/orders/HIS-88/report/print",
            &[("paper", "letter")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let unknown = tech
        .post(&lab.app, "/orders/NOPE/report/print", &[("paper", "a4")])
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(lab.audits("report.print"), 1);
}

#[tokio::test]
async fn a_released_order_reads_as_a_final_report() {
    let lab = lab();
    let tech = sign_in(&lab.app, "tech").await;
    let before = tech.get(&lab.app, "/orders/HIS-88/report").await;
    assert_eq!(before.status, StatusCode::OK);
    assert!(before.body.contains("PRELIMINARY"));
    assert!(before.body.contains("No result has been released yet."));
    release_all(&lab).await;
    let a = tech.get(&lab.app, "/orders/HIS-88/report").await;
    assert_eq!(a.status, StatusCode::OK);
    crate::ui::testing::assert_no_inline_code(&a.body);
    let body = &a.body;
    assert!(body.contains("LABORATORY RESULT REPORT"));
    assert!(body.contains("Nguyễn Văn An"));
    assert!(body.contains(">FINAL<"), "status");
    // FT4 30 pmol/L is above the demo lab's 12-22: high, in words.
    assert!(body.contains(">30.0</td>"), "{body}");
    assert!(body.contains("pmol/L"));
    assert!(body.contains("↑ H High"), "{body}");
    assert!(body.contains("Verified: Trần Thị B"));
    assert!(body.contains("Released: Lê Văn C"));
    assert!(body.contains("Page 1 of 1"));
    assert!(body.contains("Report no.: HIS-88"));
    let a5 = tech.get(&lab.app, "/orders/HIS-88/report?paper=a5").await;
    assert!(a5.body.contains("sheet sheet-a5"));
    let bad = tech.get(&lab.app, "/orders/HIS-88/report?paper=b5").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        tech.get(&lab.app, "/orders/NOPE/report").await.status,
        StatusCode::NOT_FOUND
    );
    // Reading is not printing: nothing is audited.
    assert_eq!(lab.audits("report.print"), 0);
}

#[tokio::test]
async fn a_corrected_result_shows_what_it_replaced() {
    let lab = lab();
    release_all(&lab).await;
    let review = lab.store.specimen_review(BARCODE).unwrap();
    let ft4 = review
        .results
        .iter()
        .find(|r| r.test_code == "FT4")
        .unwrap();
    let sup = lab.store.user_by_username("sup").unwrap().unwrap().id;
    lab.store
        .correct(ft4.id, "18", "wrong tube position", &Actor::User(sup))
        .unwrap();
    let tech = sign_in(&lab.app, "tech").await;
    let a = tech.get(&lab.app, "/orders/HIS-88/report").await;
    assert!(a.body.contains(">CORRECTED<"), "{}", a.body);
    assert!(a.body.contains(">18.0</td>"));
    assert!(a.body.contains("replaces the result 30.0"), "{}", a.body);
}

#[tokio::test]
async fn a_critical_result_prints_with_its_call_back() {
    let lab = lab();
    // TNTHS above 52 ng/L is critical in the demo lab: it needs a call-back before release.
    lab.store
        .place_order(
            lis_core::model::NewOrder {
                placer_number: "HIS-90".into(),
                specimens: vec![lis_core::model::NewSpecimen {
                    barcode: "2612070053".into(),
                    specimen_type: "serum".into(),
                    collected_at: None,
                    received_at: None,
                    tests: vec!["TNTHS".into()],
                }],
                ..order_like()
            },
            &Actor::System,
        )
        .unwrap();
    lab.store
        .ingest(lis_core::model::AnalyzerMessage {
            graphs: Vec::new(),
            instrument: "DEMO-CHEM".into(),
            link: "chem-1".into(),
            received_at: "2026-12-07T02:00:00Z".parse().unwrap(),
            protocol: lis_core::model::Protocol::Astm,
            raw: b"H|\\^&|||DEMO\rR|1|^^^TNTHS|60\rL|1\r".to_vec(),
            kind: lis_core::model::MessageKind::Results,
            observations: vec![lis_core::model::Observation {
                specimen_id: "2612070053".into(),
                instrument_test_code: "TNTHS".into(),
                value: "60".into(),
                status: "F".into(),
                ..Default::default()
            }],
            patient_hint: None,
        })
        .unwrap();
    let r = &lab.store.specimen_review("2612070053").unwrap().results[0];
    let tech = Actor::User(lab.store.user_by_username("tech").unwrap().unwrap().id);
    let sup = Actor::User(lab.store.user_by_username("sup").unwrap().unwrap().id);
    let v = lab.store.verify_result(r.id, r.rev, &tech).unwrap();
    lab.store
        .record_callback(
            r.id,
            &lis_core::model::NewCallback {
                told_name: "BS. Hùng".into(),
                told_role: "doctor".into(),
                location: "Cardiology, ext. 214".into(),
                read_back: true,
                outcome: lis_core::model::CallbackOutcome::ToldReadBack,
            },
            &tech,
        )
        .unwrap();
    lab.store.release_result(r.id, v.rev, &sup).unwrap();
    let browser = sign_in(&lab.app, "tech").await;
    let a = browser.get(&lab.app, "/orders/HIS-90/report").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.contains("⇈ HH Critical high"), "{}", a.body);
    assert!(
        a.body.contains("Critical value call-back:")
            && a.body.contains(
                "told BS. Hùng (doctor), Cardiology, ext. 214; told, read back; by Trần Thị B"
            ),
        "{}",
        a.body
    );
}

#[tokio::test]
async fn an_isolate_prints_its_antibiogram_under_the_organism() {
    use lis_core::model::{Interpretation, Isolate, Susceptibility};

    let lab = lab();
    lab.store
        .place_order(
            lis_core::model::NewOrder {
                placer_number: "HIS-91".into(),
                specimens: vec![lis_core::model::NewSpecimen {
                    barcode: "2612070054".into(),
                    specimen_type: "urine".into(),
                    collected_at: None,
                    received_at: None,
                    tests: vec!["ORG-A".into()],
                }],
                ..order_like()
            },
            &Actor::System,
        )
        .unwrap();
    let row = |code: &str, name: &str, mic: &str, i| Susceptibility {
        antibiotic_code: code.into(),
        antibiotic_name: name.into(),
        mic: mic.into(),
        interpretation: i,
        interpretation_sent: String::new(),
    };
    lab.store
        .ingest(lis_core::model::AnalyzerMessage {
            instrument: "DEMO-MICRO".into(),
            link: "micro".into(),
            received_at: "2026-12-07T02:00:00Z".parse().unwrap(),
            protocol: lis_core::model::Protocol::Astm,
            raw: b"isolate".to_vec(),
            graphs: Vec::new(),
            kind: lis_core::model::MessageKind::Results,
            observations: vec![lis_core::model::Observation {
                specimen_id: "2612070054".into(),
                instrument_test_code: "ISOLATE-A".into(),
                value: "Escherichia coli".into(),
                status: "F".into(),
                isolate: Some(Isolate {
                    label: "A".into(),
                    organism_code: "E.COL".into(),
                    organism_name: "Escherichia coli".into(),
                    susceptibilities: vec![
                        row(
                            "AMIKAC",
                            "Amikacin",
                            "<=8.0000",
                            Some(Interpretation::Susceptible),
                        ),
                        row(
                            "CIPROF",
                            "Ciprofloxacin",
                            ">2.0000",
                            Some(Interpretation::Resistant),
                        ),
                    ],
                }),
                ..Default::default()
            }],
            patient_hint: None,
        })
        .unwrap();
    let r = &lab.store.specimen_review("2612070054").unwrap().results[0];
    let tech = Actor::User(lab.store.user_by_username("tech").unwrap().unwrap().id);
    let sup = Actor::User(lab.store.user_by_username("sup").unwrap().unwrap().id);
    let v = lab.store.verify_result(r.id, r.rev, &tech).unwrap();
    lab.store.release_result(r.id, v.rev, &sup).unwrap();
    let browser = sign_in(&lab.app, "tech").await;
    let a = browser.get(&lab.app, "/orders/HIS-91/report").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        a.body
            .contains("Antibiogram · Isolate A: <i>Escherichia coli</i>"),
        "{}",
        a.body
    );
    assert!(
        a.body.contains(
            "<tr class=\"r-ab interp-r\"><td>Ciprofloxacin</td><td class=\"num\">&#62;2.0000</td>\
<td></td><td></td><td><b>R ⚠ Resistant</b></td></tr>"
        ),
        "{}",
        a.body
    );
    assert!(a.body.contains("<td>S Susceptible</td>"), "{}", a.body);
}

/// An order's patient and doctor as the harness's orders have them.
fn order_like() -> lis_core::model::NewOrder {
    lis_core::model::NewOrder {
        placer_number: String::new(),
        patient: lis_core::model::NewPatient {
            his_id_authority: Default::default(),
            his_id_type: String::new(),
            name_parts: None,
            his_id: "P-HIS-90".into(),
            name: "Nguyễn Văn An".into(),
            sex: lis_core::model::Sex::Male,
            birth_date: Some(jiff::civil::date(1980, 5, 1)),
        },
        requesting_doctor: "BS. Trần".into(),
        requesting_doctor_id: String::new(),
        requesting_doctor_name: None,
        department: "Nội tổng hợp".into(),
        priority: lis_core::model::Priority::Routine,
        ordered_at: "2026-12-07T01:00:00Z".parse().unwrap(),
        specimens: Vec::new(),
    }
}
