//! The QC pages through the whole app (`oneshot`) over the embedded demo lab, whose QC is the
//! issue's: "Demo Chemistry Control" lot DC-2026 on DEMO-CHEM, level 1 glucose with target mean
//! 5.50 and SD 0.20 mmol/L. Values typed through the entry form on four mornings, 5.50, 5.70,
//! 5.30 and 6.25, have z = (x − 5.50) / 0.20 = 0, +1, −1 and +3.75 (by hand); the last breaks
//! 1-3s and rejects its run.

use axum::http::StatusCode;
use lis_core::model::Actor;

use crate::ui::page_tests::{lab, Lab};
use crate::ui::testing::assert_no_inline_code;
use crate::ui::testing::browser::{get_page, send, Browser};
use crate::ui::testing::lab::{ingest, patient_order};

const CHART: &str = "/qc/chart?instrument=DEMO-CHEM&test=GLU&level=1";

/// Types one level 1 glucose value measured at `at` through the form, as `who`.
async fn enter(
    lab: &Lab,
    who: &Browser,
    value: &str,
    at: &str,
) -> crate::ui::testing::browser::Answer {
    who.post(
        &lab.app,
        "/qc/enter",
        &[
            ("pair", "DEMO-CHEM GLU"),
            ("level", "1"),
            ("lot", ""),
            ("value", value),
            ("at", at),
        ],
    )
    .await
}

/// The demo lab after the four glucose QC values, typed by the technician.
async fn rejected_glucose() -> (Lab, Browser) {
    let lab = lab();
    let tech = Browser::sign_in(&lab.app, "tech").await;
    for (value, at) in [
        ("5.50", "01/12/2026 08:00"),
        ("5.70", "02/12/2026 08:00"),
        ("5.30", "03/12/2026 08:00"),
        ("6.25", "04/12/2026 08:00"),
    ] {
        let answer = enter(&lab, &tech, value, at).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    }
    (lab, tech)
}

/// The text of the element that starts at the first `marker`, up to `end`.
fn section<'a>(html: &'a str, marker: &str, end: &str) -> &'a str {
    let from = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in the page"));
    let rest = &html[from..];
    &rest[..rest.find(end).map_or(rest.len(), |e| e + end.len())]
}

#[tokio::test]
async fn guards_sign_in_roles_and_form_tokens() {
    let lab = lab();
    for page in ["/qc", CHART, "/qc/enter", "/qc/targets"] {
        let answer = send(&lab.app, get_page(page, "")).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{page}");
        assert!(answer.location().starts_with("/login?next="), "{page}");
    }
    // An administrator has no QC rights; a technician reads and enters QC but manages nothing.
    let admin = Browser::sign_in(&lab.app, "admin").await;
    for page in ["/qc", CHART, "/qc/enter", "/qc/targets"] {
        assert_eq!(
            admin.get(&lab.app, page).await.status,
            StatusCode::FORBIDDEN,
            "{page}"
        );
    }
    let tech = Browser::sign_in(&lab.app, "tech").await;
    let page = tech.get(&lab.app, "/qc").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page
        .body
        .contains("<a href=\"/qc\" aria-current=\"page\">QC</a>"));
    assert!(!page.body.contains("/qc/targets"));
    assert_eq!(
        tech.get(&lab.app, "/qc/targets").await.status,
        StatusCode::FORBIDDEN
    );
    for (uri, form) in [
        (
            "/qc/override",
            vec![
                ("instrument", "DEMO-CHEM"),
                ("test", "GLU"),
                ("run", "1"),
                ("reason", "x"),
            ],
        ),
        (
            "/qc/recheck",
            vec![("result", "1"), ("run", "1"), ("note", "x")],
        ),
    ] {
        assert_eq!(
            tech.post(&lab.app, uri, &form).await.status,
            StatusCode::FORBIDDEN,
            "{uri}"
        );
    }
    // A form without the session's token changes nothing.
    let forged = send(
        &lab.app,
        crate::ui::testing::browser::post_form(
            "/qc/enter",
            &tech.cookie,
            &[("pair", "DEMO-CHEM GLU"), ("level", "1"), ("value", "9.9")],
        ),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(lab.store.qc_standing("DEMO-CHEM", "GLU").unwrap().is_none());
}

#[tokio::test]
async fn each_entry_says_the_runs_verdict_and_the_fourth_is_rejected_by_1_3s() {
    let lab = lab();
    let tech = Browser::sign_in(&lab.app, "tech").await;
    let first = enter(&lab, &tech, "5.50", "01/12/2026 08:00").await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let notice = tech.get(&lab.app, first.location()).await;
    assert!(
        notice
            .body
            .contains("Stored QC GLU level 1 on DEMO-CHEM: 5.50. The run is accepted."),
        "{}",
        notice.body
    );
    assert_no_inline_code(&notice.body);
    for (value, at) in [("5.70", "02/12/2026 08:00"), ("5.30", "03/12/2026 08:00")] {
        enter(&lab, &tech, value, at).await;
    }
    let last = enter(&lab, &tech, "6.25", "04/12/2026 08:00").await;
    let page = tech.get(&lab.app, last.location()).await;
    assert!(page.body.contains(
        "<p class=\"notice notice-problem\"><span class=\"sym\" aria-hidden=\"true\">!</span> \
         Stored QC GLU level 1 on DEMO-CHEM: 6.25. THE RUN IS REJECTED: patient results of GLU \
         on DEMO-CHEM are held.</p>"
    ));
    // The form keeps the instrument, test and level for the next value, and links the chart.
    assert!(page
        .body
        .contains("<option value=\"DEMO-CHEM GLU\" selected>"));
    assert!(page.body.contains(
        "id=\"qc-entered-chart\" href=\"/qc/chart?instrument=DEMO-CHEM&#38;test=GLU&#38;level=1\""
    ));
    let standing = lab.store.qc_standing("DEMO-CHEM", "GLU").unwrap().unwrap();
    assert!(standing.holds());
    assert!(standing.reason.contains("1-3s"), "{}", standing.reason);
}

#[tokio::test]
async fn bad_entries_are_400_naming_the_field_and_store_nothing() {
    let lab = lab();
    let tech = Browser::sign_in(&lab.app, "tech").await;
    for (form, needle) in [
        (
            vec![("pair", "DEMO-CHEM GLU"), ("level", "1"), ("value", "abc")],
            "value: \"abc\" is not a number.",
        ),
        (
            vec![("pair", "DEMO-CHEM GLU"), ("level", "1"), ("value", "")],
            "value: required.",
        ),
        (
            vec![("pair", "DEMO-HEMA WBC"), ("level", "1"), ("value", "5")],
            "pair: \"DEMO-HEMA WBC\" is not one of this page's choices.",
        ),
        (
            vec![("pair", "DEMO-CHEM GLU"), ("level", "7"), ("value", "5")],
            "level: \"7\" is not one of this page's choices.",
        ),
        (
            vec![
                ("pair", "DEMO-CHEM GLU"),
                ("level", "1"),
                ("value", "5"),
                ("at", "31/02/2026 08:00"),
            ],
            "at: \"31/02/2026 08:00\" cannot be read",
        ),
    ] {
        let answer = tech.post(&lab.app, "/qc/enter", &form).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{needle}");
        let body = answer.body.replace("&#34;", "\"").replace("&#39;", "'");
        assert!(body.contains(needle), "{needle}: {body}");
    }
    assert!(lab.store.qc_standing("DEMO-CHEM", "GLU").unwrap().is_none());
}

#[tokio::test]
async fn the_chart_draws_the_points_where_their_z_scores_put_them() {
    let (lab, tech) = rejected_glucose().await;
    let page = tech.get(&lab.app, CHART).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_no_inline_code(&page.body);
    let svg = section(&page.body, "<svg", "</svg>");
    // The documented scale (ui::qc::chart): ±4 SD, y = 44 + (4 − z) × 36, x = 78 + 28 i.
    for mark in [
        "<circle cx=\"78.0\" cy=\"188.0\" r=\"5\"/>",
        "<circle cx=\"106.0\" cy=\"152.0\" r=\"5\"/>",
        "<circle cx=\"134.0\" cy=\"224.0\" r=\"5\"/>",
        "<polygon points=\"162.0,44.0 171.0,53.0 162.0,62.0 153.0,53.0\"/>",
    ] {
        assert!(svg.contains(mark), "{mark}");
    }
    assert!(
        svg.contains("data-value=\"6.25\" data-z=\"+3.75\" data-rules=\"1-3s, 1-2s\""),
        "{svg}"
    );
    // A point beyond 3 SD is beyond 2 SD too: 1-2s fires with 1-3s; the chart names the
    // rejection beside it.
    assert!(svg.contains("text-anchor=\"middle\">1-3s</text>"));
    assert!(svg.contains(">Lot DC-2026 · 5.50 ± 0.20</text>"));
    // The table beside it, in run order.
    let table = section(&page.body, "id=\"lj-points\"", "</table>");
    let rows: Vec<&str> = table.split("<tr").skip(2).collect();
    assert_eq!(rows.len(), 4, "{table}");
    for (row, (value, z)) in rows.iter().zip([
        ("5.5", "+0.00"),
        ("5.7", "+1.00"),
        ("5.3", "-1.00"),
        ("6.25", "+3.75"),
    ]) {
        assert!(
            row.contains(&format!(
                "<td class=\"num\">{value}</td><td class=\"num\">{z}</td>"
            )),
            "{row}"
        );
    }
    assert!(rows[3].starts_with(" class=\"lj-reject\""), "{}", rows[3]);
    assert!(rows[3].contains("◆</span> 1-3s, 1-2s"));
    // The state above the chart, in words.
    let state = section(&page.body, "id=\"qc-chart-state\"", "</p>");
    assert!(state.contains("REJECTED — results held"), "{state}");
    // The monthly summary of December 2026: the rejected run's 6.25 is left out, so n = 3,
    // mean (5.50 + 5.70 + 5.30) / 3 = 5.50, sample SD √((0 + 0.04 + 0.04) / 2) = 0.20,
    // CV 0.20 / 5.50 = 3.6 %, bias 0.0 % and SDI 0.00 against the target 5.50 / 0.20.
    let summary = section(&page.body, "id=\"qc-summary-1\"", "</table>");
    assert!(
        summary.contains(
            "<th scope=\"row\">12/2026</th><td class=\"num\">3</td><td class=\"num\">5.50</td>\
             <td class=\"num\">0.20</td><td class=\"num\">3.6</td>"
        ),
        "{summary}"
    );
    assert!(summary.contains("<td class=\"num\">+0.0</td><td class=\"num\">+0.00</td>"));
    // Sigma advice from the demo lab's TEa 8 % and bias 1 %: (8 − 1) / 3.64 = 1.9.
    let sigma = section(&page.body, "id=\"qc-sigma\"", "</ul>");
    assert!(sigma.contains("sigma 1.9"), "{sigma}");
    // A test without QC, a level without a target: not found, bad request.
    let none = tech
        .get(&lab.app, "/qc/chart?instrument=DEMO-CHEM&test=ALT&level=1")
        .await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    let level = tech
        .get(&lab.app, "/qc/chart?instrument=DEMO-CHEM&test=GLU&level=3")
        .await;
    assert_eq!(level.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_qc_page_puts_the_rejection_first_and_a_supervisor_overrides_it_with_a_reason() {
    let (lab, tech) = rejected_glucose().await;
    let page = tech.get(&lab.app, "/qc").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_no_inline_code(&page.body);
    assert!(page
        .body
        .contains("✕</span> QC rejected: 1 — patient results held</a>"));
    let states = section(&page.body, "id=\"qc-states\"", "</table>");
    let first = section(states, "<tbody>", "</tr>");
    assert!(
        first.contains(
            "<tr class=\"row-critical\" data-instrument=\"DEMO-CHEM\" data-test=\"GLU\">"
        ),
        "{first}"
    );
    assert!(first.contains("✕</span> REJECTED — results held</span>"));
    assert!(first.contains("1-3s"));
    assert!(first.contains(
        "<a href=\"/qc/chart?instrument=DEMO-CHEM&#38;test=GLU&#38;level=1\">Level 1</a>"
    ));
    assert!(states.contains("data-test=\"CREA\""));
    // The technician sees no override form.
    assert!(!page.body.contains("Override the rejected QC"));

    let boss = Browser::sign_in(&lab.app, "boss").await;
    let page = boss.get(&lab.app, "/qc").await;
    assert!(page.body.contains("Override the rejected QC"));
    let run = lab
        .store
        .qc_standing("DEMO-CHEM", "GLU")
        .unwrap()
        .unwrap()
        .run_id
        .to_string();
    let form = |reason: &'static str| {
        vec![
            ("instrument", "DEMO-CHEM"),
            ("test", "GLU"),
            ("run", run.as_str()),
            ("reason", reason),
        ]
    };
    let empty = boss.post(&lab.app, "/qc/override", &form("  ")).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    let done = boss
        .post(
            &lab.app,
            "/qc/override",
            &form("control vial was warm; new vial in range"),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = boss.get(&lab.app, done.location()).await;
    assert!(page
        .body
        .contains("Override recorded for GLU on DEMO-CHEM."));
    assert!(page.body.contains("Rejected — overridden"));
    assert!(page
        .body
        .contains(": control vial was warm; new vial in range"));
    assert!(page.body.contains("Overridden by boss (display) at "));
    // Audited by core, and a second override of the same run is a conflict.
    let audited = crate::ui::page_tests::audit(&lab.store);
    assert!(audited.iter().any(|e| e.action == "qc.override"));
    let again = boss.post(&lab.app, "/qc/override", &form("again")).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_held_result_is_marked_on_the_worklist_and_the_specimen_page() {
    let (lab, _) = rejected_glucose().await;
    let order = patient_order("PL-1", "BN-1", "Lê Văn An", "S1", &["GLU"]);
    lab.store.place_order(order, &Actor::System).unwrap();
    ingest(&lab.store, "S1", "2026-12-05T01:00:00Z", &[("GLU", "5.4")]);
    let boss = Browser::sign_in(&lab.app, "boss").await;
    let worklist = boss.get(&lab.app, "/").await;
    let row = section(&worklist.body, "data-id=\"S1\"", "</tr>");
    assert!(row.contains("✕</span> QC REJECTED</span>"), "{row}");
    assert!(row.contains("QC rejected: GLU on DEMO-CHEM</li>"), "{row}");
    let page = boss.get(&lab.app, "/specimens/S1").await;
    assert_eq!(page.status, StatusCode::OK);
    let result = section(&page.body, "<tr id=\"result-", "</tr>");
    assert!(result.contains("QC REJECTED</span>"), "{result}");
    assert!(
        result.contains("QC of GLU on DEMO-CHEM is rejected (")
            && result.contains(
                "). The result cannot be released until an accepted QC run or a supervisor&#39;s override."
            ),
        "{result}"
    );
}

#[tokio::test]
async fn the_reason_is_written_in_the_readers_language() {
    let (lab, tech) = rejected_glucose().await;
    let page = tech.get(&lab.app, "/qc").await;
    assert!(page
        .body
        .contains("1-3s on level 1 (GLU z = +3.75) in run 4"));
    let answer = tech.post(&lab.app, "/language", &[("lang", "vi")]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    // z = (6.25 − 5.50) / 0.20 = +3.75, the fourth run.
    let reason = "1-3s ở mức 1 (GLU z = +3.75) trong lượt 4";
    let page = tech.get(&lab.app, "/qc").await;
    assert!(page.body.contains(reason), "{}", page.body);
    assert!(!page.body.contains("on level 1"));
    let chart = tech.get(&lab.app, CHART).await;
    assert!(chart.body.contains(reason), "{}", chart.body);
}

#[tokio::test]
async fn a_controls_supplementary_values_are_listed_with_its_point() {
    // A Centaur-like control run read from the analyzer's bytes through a profile written for
    // the test: O-12 `Q` is QC, the `DOSE` row is the result and the `RLU` row before it is its
    // supplementary value. QC1-0001 is level 1 by the demo lab's pattern; 5.70 against 5.50 ±
    // 0.20 is z = +1.00 (by hand).
    let profile = lis_drivers::profile::Profile::from_toml(
        "name = \"centaur-like\"\nprotocol = \"astm\"\nframing = \"e1381\"\n\
         specimen = \"O-3.1\"\ntest_code = \"R-3.4\"\n\
         keep = [{ field = \"R-3.8\", equals = [\"DOSE\"] }]\n\
         qc = [{ field = \"O-12\", equals = [\"Q\"] }]\n\
         [[supplementary]]\nwhen = [{ field = \"R-3.8\", equals = [\"RLU\"] }]\n\
         name_from = \"R-3.8\"\n",
        "centaur-like.toml",
    )
    .unwrap();
    let bytes = "H|\\^&|||DEMO-CHEM|||||||P|LIS2-A2|20261201080000\r\
                 P|1\r\
                 O|1|QC1-0001||^^^GLU|||||||Q\r\
                 R|1|^^^GLU^^^1^RLU|611793|||||F\r\
                 R|2|^^^GLU^^^1^DOSE|5.70|mmol/L||||F\r\
                 L|1|N\r";
    let (message, _) = lis_astm::message::Message::parse(bytes.as_bytes()).unwrap();
    let reading = lis_drivers::ingest::astm::read_message(&message, &profile);
    let lab = lab();
    lab.store
        .ingest(lis_core::model::AnalyzerMessage {
            instrument: "DEMO-CHEM".into(),
            link: "chem".into(),
            received_at: "2026-12-01T01:00:00Z".parse().unwrap(),
            protocol: lis_core::model::Protocol::Astm,
            raw: bytes.as_bytes().to_vec(),
            kind: reading.message_kind(),
            observations: reading.observations,
            patient_hint: None,
        })
        .unwrap();
    let tech = Browser::sign_in(&lab.app, "tech").await;
    let page = tech.get(&lab.app, CHART).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let table = section(&page.body, "id=\"lj-points\"", "</table>");
    assert!(
        table.contains("<th scope=\"col\">Supplementary values</th>"),
        "{table}"
    );
    let rows: Vec<&str> = table.split("<tr").skip(2).collect();
    assert_eq!(rows.len(), 1, "{table}");
    assert!(
        rows[0].contains("<td class=\"num\">5.7</td><td class=\"num\">+1.00</td>"),
        "{}",
        rows[0]
    );
    assert!(rows[0].contains("<td>RLU 611793</td>"), "{}", rows[0]);
}
