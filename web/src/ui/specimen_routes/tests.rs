//! The specimen page and its actions through the real app (`oneshot`), as a browser sees them:
//! status, `Location`, the page's words, and what the store holds afterwards (the result's
//! state, its row version and its audit entries).
//!
//! In the embedded demo lab TSH and FT4 wait for a person even when normal; FT4 above 22 pmol/L
//! is high (H); TNTHS above 52 ng/L is critical (HH). Users see English pages.

use axum::http::StatusCode;
use lis_core::config::ReviewSteps;
use lis_core::lifecycle::ResultState;
use lis_core::model::ResultId;

use crate::ui::testing::browser::{get_page, post_form, send, Browser};
use crate::ui::testing::specimen_lab::{at, lab, BARCODE};

async fn sign_in(app: &axum::Router, username: &str) -> Browser {
    Browser::sign_in(app, username).await
}

const ACTIONS: [&str; 10] = [
    "verify",
    "release",
    "verify-release",
    "rerun",
    "reject",
    "comment",
    "callback",
    "enter",
    "edit",
    "correct",
];

#[tokio::test]
async fn without_a_session_every_route_goes_to_sign_in() {
    let lab = lab(ReviewSteps::Two);
    let page = send(&lab.app, get_page(&format!("/specimens/{BARCODE}"), "")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login?next=%2Fspecimens%2F2612070041");
    let journal = send(&lab.app, get_page("/journal/1", "")).await;
    assert_eq!(journal.location(), "/login?next=%2Fjournal%2F1");
    let key = lab.key(lab.tsh);
    for action in ACTIONS {
        let answer = send(
            &lab.app,
            post_form(
                &format!("/specimens/{BARCODE}/{action}"),
                "",
                &[("csrf", "x"), ("result", &key)],
            ),
        )
        .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{action}");
        assert_eq!(answer.location(), "/login", "{action}");
    }
    assert_eq!(lab.result(lab.tsh).0, ResultState::PendingReview);
}

#[tokio::test]
async fn the_page_shows_flags_in_words_reasons_and_the_raw_message() {
    let lab = lab(ReviewSteps::Two);
    let tech = sign_in(&lab.app, "tech").await;
    let page = send(
        &lab.app,
        get_page(&format!("/specimens/{BARCODE}"), &tech.cookie),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let html = &page.body;
    assert!(html.contains("Nguyễn Văn A"));
    assert!(html.contains("Free T4") || html.contains("FT4"));
    // FT4 30 is high and TNTHS 60 critically high: symbol, code and word, not colour alone.
    let row = |id: ResultId| {
        let at = html.find(&format!("id=\"result-{id}\"")).unwrap();
        &html[at..at + html[at..].find("</tr>").unwrap()]
    };
    // The words and symbols are core's (`presentation::flag_label`), as on the report.
    assert!(row(lab.ft4).contains("↑</span> High"), "{}", row(lab.ft4));
    assert!(
        row(lab.tnths).contains("⇈</span> Critical high"),
        "{}",
        row(lab.tnths)
    );
    assert!(
        row(lab.tnths).contains("Not told yet"),
        "{}",
        row(lab.tnths)
    );
    // Each held result says why in words, built from its values (the range that applied).
    let review = lab.store.specimen_review(BARCODE).unwrap();
    let ft4 = review.results.iter().find(|r| r.id == lab.ft4).unwrap();
    let range = &ft4.range.as_ref().unwrap().text;
    assert!(
        row(lab.ft4).contains(&format!("30.0 is above the reference range {range}")),
        "{}",
        row(lab.ft4)
    );
    assert!(
        row(lab.tnths).contains("60.0 is above the critical limit 52"),
        "{}",
        row(lab.tnths)
    );
    assert!(
        row(lab.tsh).contains("This test always needs a person&#39;s review"),
        "{}",
        row(lab.tsh)
    );
    // The clear TSH starts checked; the flagged ones do not.
    let (_, tsh_rev) = lab.result(lab.tsh);
    assert!(row(lab.tsh).contains(&format!("value=\"{}:{tsh_rev}\" aria-label", lab.tsh)));
    assert!(row(lab.tsh).contains(" checked>"), "{}", row(lab.tsh));
    assert!(!row(lab.ft4).contains(" checked>"), "{}", row(lab.ft4));
    // A technician in a two-step lab is offered verify, never release.
    assert!(html.contains(&format!("formaction=\"/specimens/{BARCODE}/verify\"")));
    assert!(!html.contains(&format!("/specimens/{BARCODE}/release\"")));
    // The raw message link opens the bytes with control characters named.
    let journal = lab.store.specimen_review(BARCODE).unwrap().results[0]
        .journal_id
        .unwrap();
    assert!(html.contains(&format!("href=\"/journal/{journal}\"")));
    let raw = send(
        &lab.app,
        get_page(&format!("/journal/{journal}"), &tech.cookie),
    )
    .await;
    assert_eq!(raw.status, StatusCode::OK);
    assert!(
        raw.body.contains("R|1|^^^TNTHS|60&#60;CR&#62;"),
        "{}",
        raw.body
    );
    assert!(raw.body.contains("&#60;ETX&#62;"), "{}", raw.body);
    let missing = send(&lab.app, get_page("/journal/999999", &tech.cookie)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let unknown = send(&lab.app, get_page("/specimens/NO-SUCH", &tech.cookie)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_admin_without_a_lab_role_cannot_view_or_act() {
    let lab = lab(ReviewSteps::Two);
    let admin = sign_in(&lab.app, "admin").await;
    let page = send(
        &lab.app,
        get_page(&format!("/specimens/{BARCODE}"), &admin.cookie),
    )
    .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let journal = send(&lab.app, get_page("/journal/1", &admin.cookie)).await;
    assert_eq!(journal.status, StatusCode::FORBIDDEN);
    let key = lab.key(lab.tsh);
    for action in ACTIONS {
        let answer = admin
            .post(
                &lab.app,
                &at(action),
                &[
                    ("result", &key),
                    ("reject_reason", "x"),
                    ("rerun_reason", "x"),
                    ("comment", "x"),
                ],
            )
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{action}");
    }
    assert_eq!(lab.result(lab.tsh).0, ResultState::PendingReview);
    assert_eq!(lab.key(lab.tsh), key);
}

#[tokio::test]
async fn verify_then_release_by_another_supervisor_with_audit_entries() {
    let lab = lab(ReviewSteps::Two);
    let tech = sign_in(&lab.app, "tech").await;
    let key = lab.key(lab.tsh);
    // A technician may not release in a two-step lab, nor verify-and-release.
    for action in ["release", "verify-release"] {
        let refused = tech.post(&lab.app, &at(action), &[("result", &key)]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{action}");
    }
    assert_eq!(lab.key(lab.tsh), key);
    let verified = tech
        .post(&lab.app, &at("verify"), &[("result", &key)])
        .await;
    assert_eq!(verified.status, StatusCode::SEE_OTHER, "{}", verified.body);
    assert_eq!(
        verified.location(),
        format!("/specimens/{BARCODE}?done=verify&n=1#result-{}", lab.tsh)
    );
    assert_eq!(lab.result(lab.tsh).0, ResultState::Verified);
    assert_eq!(lab.actions(lab.tsh).last().unwrap(), "result.verify");
    let sup = sign_in(&lab.app, "sup").await;
    let released = sup
        .post(&lab.app, &at("release"), &[("result", &lab.key(lab.tsh))])
        .await;
    assert_eq!(released.status, StatusCode::SEE_OTHER, "{}", released.body);
    assert_eq!(lab.result(lab.tsh).0, ResultState::Released);
    assert_eq!(lab.actions(lab.tsh).last().unwrap(), "result.release");
    // A released result cannot be rejected: 409 with the reason, nothing changed.
    let key = lab.key(lab.tsh);
    let rejected = sup
        .post(
            &lab.app,
            &at("reject"),
            &[("result", &key), ("reject_reason", "haemolysed")],
        )
        .await;
    assert_eq!(rejected.status, StatusCode::CONFLICT, "{}", rejected.body);
    assert!(rejected.body.contains("Not possible"), "{}", rejected.body);
    assert_eq!(lab.key(lab.tsh), key);
}

#[tokio::test]
async fn a_supervisor_cannot_release_what_they_verified() {
    let lab = lab(ReviewSteps::Two);
    let sup = sign_in(&lab.app, "sup").await;
    let verified = sup
        .post(&lab.app, &at("verify"), &[("result", &lab.key(lab.tsh))])
        .await;
    assert_eq!(verified.status, StatusCode::SEE_OTHER);
    let key = lab.key(lab.tsh);
    let refused = sup
        .post(&lab.app, &at("release"), &[("result", &key)])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(lab.result(lab.tsh).0, ResultState::Verified);
    assert_eq!(lab.key(lab.tsh), key);
}

#[tokio::test]
async fn a_missing_or_wrong_form_token_changes_nothing() {
    let lab = lab(ReviewSteps::Two);
    let tech = sign_in(&lab.app, "tech").await;
    let key = lab.key(lab.tsh);
    for action in ACTIONS {
        let uri = format!("/specimens/{BARCODE}/{action}");
        let fields = [
            ("result", key.as_str()),
            ("reject_reason", "x"),
            ("rerun_reason", "x"),
            ("comment", "x"),
        ];
        let missing = send(&lab.app, post_form(&uri, &tech.cookie, &fields)).await;
        assert_eq!(missing.status, StatusCode::FORBIDDEN, "{action}");
        let mut wrong = vec![("csrf", "not-the-token")];
        wrong.extend_from_slice(&fields);
        let wrong = send(&lab.app, post_form(&uri, &tech.cookie, &wrong)).await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN, "{action}");
    }
    assert_eq!(lab.result(lab.tsh).0, ResultState::PendingReview);
    assert_eq!(lab.key(lab.tsh), key);
    assert!(lab
        .actions(lab.tsh)
        .iter()
        .all(|a| a != "result.verify" && a != "result.reject"));
    assert!(lab
        .store
        .specimen_review(BARCODE)
        .unwrap()
        .comments
        .is_empty());
}

#[tokio::test]
async fn a_stale_version_is_409_naming_who_changed_it() {
    let lab = lab(ReviewSteps::Two);
    let tech = sign_in(&lab.app, "tech").await;
    let seen = lab.key(lab.tsh);
    let commented = tech
        .post(
            &lab.app,
            &at("rerun"),
            &[("result", &lab.key(lab.ft4)), ("rerun_reason", "clotted")],
        )
        .await;
    assert_eq!(commented.status, StatusCode::SEE_OTHER);
    let verified = tech
        .post(&lab.app, &at("verify"), &[("result", &seen)])
        .await;
    assert_eq!(verified.status, StatusCode::SEE_OTHER);
    let sup = sign_in(&lab.app, "sup").await;
    // The supervisor's page was read before the technician verified: its version is stale.
    let stale = sup
        .post(
            &lab.app,
            &at("reject"),
            &[("result", &seen), ("reject_reason", "x")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(
        stale.body.contains("Trần Thị B changed this result at"),
        "{}",
        stale.body
    );
    assert_eq!(lab.result(lab.tsh).0, ResultState::Verified);
}

#[tokio::test]
async fn rerun_reject_and_comment_record_their_reasons() {
    let lab = lab(ReviewSteps::Two);
    let tech = sign_in(&lab.app, "tech").await;
    let ft4 = lab.key(lab.ft4);
    // Reasons are required, pairs must be id:version.
    let no_reason = tech
        .post(
            &lab.app,
            &at("reject"),
            &[("result", &ft4), ("reject_reason", " ")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    assert!(no_reason.body.contains("Please give a reason."));
    let no_reason = tech.post(&lab.app, &at("rerun"), &[("result", &ft4)]).await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    let bad_pair = tech
        .post(&lab.app, &at("verify"), &[("result", "12-x")])
        .await;
    assert_eq!(bad_pair.status, StatusCode::BAD_REQUEST);
    assert!(bad_pair.body.contains("12-x"), "{}", bad_pair.body);
    let none = tech.post(&lab.app, &at("verify"), &[]).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert_eq!(lab.key(lab.ft4), ft4);

    let rerun = tech
        .post(
            &lab.app,
            &at("rerun"),
            &[
                ("result", &ft4),
                ("rerun_reason", "lipaemic"),
                ("dilution", ""),
            ],
        )
        .await;
    assert_eq!(rerun.status, StatusCode::SEE_OTHER, "{}", rerun.body);
    assert_eq!(lab.result(lab.ft4).0, ResultState::RerunRequested);
    let history = lab.store.result_history(lab.ft4).unwrap();
    let last = history.iter().rev().find(|h| h.entity == "result").unwrap();
    assert_eq!(last.action, "result.request_rerun");
    assert_eq!(last.reason.as_deref(), Some("lipaemic"));

    let tsh = lab.key(lab.tsh);
    let rejected = tech
        .post(
            &lab.app,
            &at("reject"),
            &[("result", &tsh), ("reject_reason", "haemolysed")],
        )
        .await;
    assert_eq!(rejected.status, StatusCode::SEE_OTHER, "{}", rejected.body);
    assert_eq!(lab.result(lab.tsh).0, ResultState::Rejected);
    let history = lab.store.result_history(lab.tsh).unwrap();
    let last = history.iter().rev().find(|h| h.entity == "result").unwrap();
    assert_eq!(
        (last.action.as_str(), last.reason.as_deref()),
        ("result.reject", Some("haemolysed"))
    );

    let empty = tech
        .post(&lab.app, &at("comment"), &[("comment", "  ")])
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    let commented = tech
        .post(&lab.app, &at("comment"), &[("comment", "Mẫu đến muộn")])
        .await;
    assert_eq!(commented.status, StatusCode::SEE_OTHER);
    assert_eq!(
        commented.location(),
        format!("/specimens/{BARCODE}?done=comment&n=1")
    );
    let on_result = tech
        .post(
            &lab.app,
            &at("comment"),
            &[
                ("result", &lab.key(lab.tnths)),
                ("comment", "Báo bác sĩ trực"),
            ],
        )
        .await;
    assert_eq!(on_result.status, StatusCode::SEE_OTHER);
    let page = send(
        &lab.app,
        get_page(&format!("/specimens/{BARCODE}"), &tech.cookie),
    )
    .await;
    assert!(page.body.contains("Mẫu đến muộn"));
    assert!(page.body.contains("Báo bác sĩ trực"));
}

#[tokio::test]
async fn a_critical_result_is_released_only_after_a_told_call_back() {
    let lab = lab(ReviewSteps::Two);
    let tech = sign_in(&lab.app, "tech").await;
    let verified = tech
        .post(&lab.app, &at("verify"), &[("result", &lab.key(lab.tnths))])
        .await;
    assert_eq!(verified.status, StatusCode::SEE_OTHER, "{}", verified.body);
    let sup = sign_in(&lab.app, "sup").await;
    let key = lab.key(lab.tnths);
    let refused = sup
        .post(&lab.app, &at("release"), &[("result", &key)])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused
        .body
        .contains("Record the call-back before you release"));
    assert_eq!(lab.key(lab.tnths), key);
    // A bad outcome is refused; "could not reach" is recorded but does not allow release.
    let callback = |outcome: &'static str| {
        let key = key.clone();
        let sup = &sup;
        let app = &lab.app;
        async move {
            sup.post(
                app,
                &at("callback"),
                &[
                    ("result", &key),
                    ("who", "BS. Phạm Minh"),
                    ("role", "doctor"),
                    ("ward_or_phone", "Cấp cứu 0912"),
                    ("outcome", outcome),
                ],
            )
            .await
        }
    };
    assert_eq!(callback("maybe").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(callback("not_reached").await.status, StatusCode::SEE_OTHER);
    let refused = sup
        .post(&lab.app, &at("release"), &[("result", &lab.key(lab.tnths))])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let told = callback("told_read_back").await;
    assert_eq!(told.status, StatusCode::SEE_OTHER, "{}", told.body);
    assert_eq!(
        told.location(),
        format!(
            "/specimens/{BARCODE}?done=callback&n=1#result-{}",
            lab.tnths
        )
    );
    let review = lab.store.specimen_review(BARCODE).unwrap();
    let r = review.results.iter().find(|r| r.id == lab.tnths).unwrap();
    let last = r.callbacks.last().unwrap();
    assert_eq!(
        (
            last.told_name.as_str(),
            last.read_back,
            last.outcome.as_str()
        ),
        ("BS. Phạm Minh", true, "told_read_back")
    );
    let released = sup
        .post(&lab.app, &at("release"), &[("result", &lab.key(lab.tnths))])
        .await;
    assert_eq!(released.status, StatusCode::SEE_OTHER, "{}", released.body);
    assert_eq!(lab.result(lab.tnths).0, ResultState::Released);
    assert_eq!(lab.actions(lab.tnths).last().unwrap(), "result.release");
}

#[tokio::test]
async fn verify_and_release_is_one_action_only_in_one_step_labs() {
    let lab = lab(ReviewSteps::One);
    let tech = sign_in(&lab.app, "tech").await;
    let key = lab.key(lab.tsh);
    // In a one-step lab the technician's verification is the release: one action, and the
    // page offers no separate verify or release.
    let page = send(
        &lab.app,
        get_page(&format!("/specimens/{BARCODE}"), &tech.cookie),
    )
    .await;
    assert!(page.body.contains(&format!(
        "formaction=\"/specimens/{BARCODE}/verify-release\""
    )));
    assert!(!page
        .body
        .contains(&format!("formaction=\"/specimens/{BARCODE}/verify\"")));
    let done = tech
        .post(&lab.app, &at("verify-release"), &[("result", &key)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(lab.result(lab.tsh).0, ResultState::Released);
    let actions = lab.actions(lab.tsh);
    assert_eq!(
        &actions[actions.len() - 2..],
        ["result.verify", "result.release"]
    );
}

#[tokio::test]
async fn supplementary_values_show_under_their_result() {
    use lis_core::model::{Actor, Role, Supplement};

    use crate::ui::testing::lab::{
        demo_store, ingest_message, patient_order, results_message, Lab,
    };

    let store = demo_store(&[("tech", "Trần Thị B", Role::Technician)]);
    store
        .place_order(
            patient_order(
                "HIS-88",
                "P-88",
                "Nguyễn Văn E",
                "2612070088",
                &["TSH", "FT4"],
            ),
            &Actor::System,
        )
        .unwrap();
    // A TSH from an immunoassay analyzer with its light units and cut-off, as a Centaur sends.
    let mut message = results_message(
        "2612070088",
        "2026-12-07T02:00:00Z",
        &[("TSH", "2.0"), ("FT4", "15")],
    );
    message.observations[0].supplementary = vec![
        Supplement {
            name: "RLU".into(),
            value: "48211".into(),
            units: String::new(),
            flags: vec![],
        },
        Supplement {
            name: "COFF".into(),
            value: "1.00".into(),
            units: "mIU/L".into(),
            flags: vec![],
        },
    ];
    let ids = ingest_message(&store, message);
    let lab = Lab::over(store);
    let tech = sign_in(&lab.app, "tech").await;
    let page = send(&lab.app, get_page("/specimens/2612070088", &tech.cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let html = &page.body;
    let tsh = html.find(&format!("id=\"result-{}\"", ids[0])).unwrap();
    let list = html
        .find(&format!("id=\"supplements-{}\"", ids[0]))
        .unwrap_or_else(|| panic!("no supplementary values: {html}"));
    assert!(tsh < list);
    let list = &html[list..list + html[list..].find("</table>").unwrap()];
    assert!(
        list.contains("Supplementary values the analyzer sent with the result"),
        "{list}"
    );
    assert!(
        list.contains("<tr><th scope=\"row\">RLU</th><td class=\"num\">48211</td><td></td></tr>"),
        "{list}"
    );
    assert!(
        list.contains(
            "<tr><th scope=\"row\">COFF</th><td class=\"num\">1.00</td><td>mIU/L</td></tr>"
        ),
        "{list}"
    );
    // FT4 came without any.
    assert!(!html.contains(&format!("id=\"supplements-{}\"", ids[1])));
}

#[tokio::test]
async fn an_isolate_shows_its_organism_and_antibiogram_with_resistance_in_words() {
    use lis_core::model::{Actor, Interpretation, Isolate, Role, Susceptibility};

    use crate::ui::testing::lab::{
        demo_store, ingest_message, patient_order, results_message, Lab,
    };

    let store = demo_store(&[("tech", "Trần Thị B", Role::Technician)]);
    store
        .place_order(
            patient_order("HIS-89", "P-89", "Lê Văn F", "2612070089", &["ORG-A"]),
            &Actor::System,
        )
        .unwrap();
    let mut message = results_message(
        "2612070089",
        "2026-12-07T02:00:00Z",
        &[("ISOLATE-A", "Escherichia coli")],
    );
    message.instrument = "DEMO-MICRO".into();
    let row = |code: &str, name: &str, mic: &str, i, sent: &str| Susceptibility {
        antibiotic_code: code.into(),
        antibiotic_name: name.into(),
        mic: mic.into(),
        interpretation: i,
        interpretation_sent: sent.into(),
    };
    message.observations[0].isolate = Some(Isolate {
        label: "A".into(),
        organism_code: "E.COL".into(),
        organism_name: "Escherichia coli".into(),
        susceptibilities: vec![
            row(
                "AMIKAC",
                "Amikacin",
                "<=8.0000",
                Some(Interpretation::Susceptible),
                "SUSC",
            ),
            row(
                "CIPROF",
                "Ciprofloxacin",
                ">2.0000",
                Some(Interpretation::Resistant),
                "RESIST",
            ),
            row("TIGECY", "Tigecycline", "<=1.0000", None, "NOINTP"),
        ],
    });
    let ids = ingest_message(&store, message);
    let lab = Lab::over(store);
    let tech = sign_in(&lab.app, "tech").await;
    let page = send(&lab.app, get_page("/specimens/2612070089", &tech.cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let html = &page.body;
    let start = html
        .find(&format!("id=\"antibiogram-{}\"", ids[0]))
        .unwrap_or_else(|| panic!("no antibiogram: {html}"));
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    assert!(table.contains("Antibiogram · Isolate A"), "{table}");
    assert!(
        table.contains("<span class=\"organism\">Escherichia coli</span>"),
        "{table}"
    );
    assert!(
        table.contains(
            "<tr class=\"interp-r\"><th scope=\"row\">Ciprofloxacin <span class=\"code\">CIPROF</span></th>\
<td class=\"num\">&#62;2.0000</td><td><strong><span class=\"sym\">R ⚠</span> Resistant</strong></td></tr>"
        ),
        "{table}"
    );
    assert!(
        table.contains("<span class=\"sym\">S</span> Susceptible"),
        "{table}"
    );
    assert!(table.contains("No interpretation (NOINTP)"), "{table}");
    assert!(table.contains("Antibiotics resisted: 1"), "{table}");
}
