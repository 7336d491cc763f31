//! Reception, labels (and, through the same harness, the report) through the real app
//! (`oneshot`), as a browser sees them: status, `Location`, the page's words, and what the store
//! holds afterwards (the tube's receipt, its rejection, the audit entries).
//!
//! In the embedded demo lab TSH waits for a person even when normal; FT4 above 22 pmol/L is
//! high (H). Users read English pages.

use axum::http::StatusCode;
use axum::Router;
use jiff::Timestamp;
use lis_core::model::{Actor, AnalyzerMessage, NewOrder, Role};

pub(crate) use crate::ui::testing::browser::{get_page, post_form, send, Answer, Browser};
pub(crate) use crate::ui::testing::lab::Lab;
use crate::ui::testing::lab::{demo_store, ingest_message, patient_order, results_message};

/// A tube with results (TSH waiting, FT4 high), on order `HIS-88`.
pub(crate) const BARCODE: &str = "2612070051";
/// A tube not yet received, without results, on order `HIS-89`, with no collection time.
pub(crate) const NEW_TUBE: &str = "2612070052";

/// A lab with `tech`, `sup` and `admin` reading English, a tube with results and a new tube.
pub(crate) fn lab() -> Lab {
    let store = demo_store(&[
        ("tech", "Trần Thị B", Role::Technician),
        ("sup", "Lê Văn C", Role::Supervisor),
        ("admin", "Quản trị", Role::Admin),
    ]);
    store
        .place_order(
            order("HIS-88", BARCODE, true, &["TSH", "FT4"]),
            &Actor::System,
        )
        .unwrap();
    store
        .place_order(order("HIS-89", NEW_TUBE, false, &["GLU"]), &Actor::System)
        .unwrap();
    let results = results_message(
        BARCODE,
        "2026-12-07T02:00:00Z",
        &[("TSH", "2.0"), ("FT4", "30")],
    );
    ingest_message(
        &store,
        AnalyzerMessage {
            graphs: Vec::new(),
            link: "chem-1".into(),
            raw: b"H|\\^&|||DEMO\rL|1\r".to_vec(),
            ..results
        },
    );
    Lab::over(store)
}

/// Order `placer` of patient `P-{placer}` for tube `barcode`, ordered (and, when `collected`,
/// collected) at 2026-12-07T01:00:00Z by "BS. Trần" of "Nội tổng hợp".
fn order(placer: &str, barcode: &str, collected: bool, tests: &[&str]) -> NewOrder {
    let at: Timestamp = "2026-12-07T01:00:00Z".parse().unwrap();
    let mut order = patient_order(
        placer,
        &format!("P-{placer}"),
        "Nguyễn Văn An",
        barcode,
        tests,
    );
    order.requesting_doctor = "BS. Trần".into();
    order.department = "Nội tổng hợp".into();
    order.ordered_at = at;
    order.specimens[0].collected_at = collected.then_some(at);
    order
}

impl Lab {
    /// How many audit entries have `action`.
    pub(crate) fn audits(&self, action: &str) -> usize {
        let mut n = 0;
        let mut after = 0;
        loop {
            let page = self.store.changes_since(after, 500).unwrap();
            if page.is_empty() {
                break;
            }
            for c in &page {
                after = c.seq;
                if c.action == action {
                    n += 1;
                }
            }
        }
        n
    }
}

/// Signs `username` in.
pub(crate) async fn sign_in(app: &Router, username: &str) -> Browser {
    Browser::sign_in(app, username).await
}

/// Posts the reception's reject form for `barcode` as `who`, with the reason's free words
/// `other` when given.
async fn reject(
    lab: &Lab,
    who: &Browser,
    barcode: &str,
    reason: &str,
    other: Option<&str>,
) -> Answer {
    let mut fields = vec![("specimen_id", barcode), ("reason", reason)];
    fields.extend(other.map(|words| ("other", words)));
    who.post(&lab.app, "/reception/reject", &fields).await
}

/// Posts the reception's scan form with `fields` as `who`.
async fn scan(lab: &Lab, who: &Browser, fields: &[(&str, &str)]) -> Answer {
    who.post(&lab.app, "/reception/scan", fields).await
}

/// The tube's rejection reason as stored.
fn rejected_reason(lab: &Lab, barcode: &str) -> Option<String> {
    lab.store
        .specimen_review(barcode)
        .unwrap()
        .specimen
        .rejected_reason
}

fn received_at(lab: &Lab, barcode: &str) -> Option<Timestamp> {
    lab.store
        .specimen_review(barcode)
        .unwrap()
        .specimen
        .received_at
}

#[tokio::test]
async fn without_a_session_every_route_sends_to_sign_in() {
    let lab = lab();
    for uri in ["/reception", "/specimens/2612070051/label"] {
        let a = send(&lab.app, get_page(uri, "")).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{uri}");
        assert!(a.location().starts_with("/login?next="), "{uri}");
    }
    for uri in ["/reception/scan", "/reception/reject"] {
        let a = send(
            &lab.app,
            post_form(uri, "", &[("specimen_id", NEW_TUBE), ("reason", "clotted")]),
        )
        .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{uri}");
        assert!(a.location().starts_with("/login"), "{uri}");
    }
    assert_eq!(received_at(&lab, NEW_TUBE), None);
}

#[tokio::test]
async fn a_scan_receives_the_tube_once_and_says_so() {
    let lab = lab();
    let tech = sign_in(&lab.app, "tech").await;
    let page = tech.get(&lab.app, "/reception").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("autofocus"));
    crate::ui::testing::assert_no_inline_code(&page.body);

    let before = Timestamp::now();
    let a = scan(
        &lab,
        &tech,
        &[
            ("specimen_id", " 2612070052 "),
            ("collected", "07/12/2026 07:30"),
        ],
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert!(a
        .location()
        .starts_with("/reception?scan=2612070052&outcome=received"));
    let at = received_at(&lab, NEW_TUBE).expect("received");
    assert!(
        at.as_millisecond() >= before.as_millisecond() && at <= Timestamp::now(),
        "the server's time"
    );
    // 07:30 in Ho Chi Minh City (UTC+7) is 00:30 UTC.
    assert_eq!(
        lab.store
            .specimen_review(NEW_TUBE)
            .unwrap()
            .specimen
            .collected_at,
        Some("2026-12-07T00:30:00Z".parse().unwrap())
    );
    assert_eq!(lab.audits("specimen.receive"), 1);
    let shown = tech.get(&lab.app, a.location()).await;
    assert!(
        shown.body.contains("RECEIVED specimen 2612070052"),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("Nguyễn Văn An"));
    assert!(shown.body.contains("/specimens/2612070052/label"));

    // The second scan changes nothing and says so.
    let again = scan(&lab, &tech, &[("specimen_id", NEW_TUBE)]).await;
    assert!(again.location().contains("outcome=already"));
    assert_eq!(received_at(&lab, NEW_TUBE), Some(at));
    assert_eq!(lab.audits("specimen.receive"), 1);
    let shown = tech.get(&lab.app, again.location()).await;
    assert!(shown.body.contains("ALREADY RECEIVED"));

    let unknown = scan(&lab, &tech, &[("specimen_id", "NO-SUCH-1")]).await;
    assert!(unknown.location().contains("outcome=unknown"));
    let shown = tech.get(&lab.app, unknown.location()).await;
    assert!(shown.body.contains("UNKNOWN specimen NO-SUCH-1"));
}

#[tokio::test]
async fn a_collection_time_that_cannot_be_read_changes_nothing() {
    let lab = lab();
    let tech = sign_in(&lab.app, "tech").await;
    let a = scan(
        &lab,
        &tech,
        &[("specimen_id", NEW_TUBE), ("collected", "yesterday")],
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(
        a.body.contains("yesterday") && a.body.contains("cannot be read"),
        "{}",
        a.body
    );
    let a = scan(
        &lab,
        &tech,
        &[("specimen_id", NEW_TUBE), ("collected", "01/01/2099 07:30")],
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert_eq!(received_at(&lab, NEW_TUBE), None);
    assert_eq!(lab.audits("specimen.receive"), 0);
}

#[tokio::test]
async fn an_admin_may_not_receive_reject_or_print_labels() {
    let lab = lab();
    let admin = sign_in(&lab.app, "admin").await;
    assert_eq!(
        admin.get(&lab.app, "/reception").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        admin
            .get(&lab.app, "/specimens/2612070051/label")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let a = scan(&lab, &admin, &[("specimen_id", NEW_TUBE)]).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = reject(&lab, &admin, NEW_TUBE, "clotted", None).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(received_at(&lab, NEW_TUBE), None);
    assert!(rejected_reason(&lab, NEW_TUBE).is_none());
}

#[tokio::test]
async fn a_form_without_the_session_s_token_changes_nothing() {
    let lab = lab();
    let tech = sign_in(&lab.app, "tech").await;
    for (uri, fields) in [
        ("/reception/scan", vec![("specimen_id", NEW_TUBE)]),
        (
            "/reception/reject",
            vec![("specimen_id", NEW_TUBE), ("reason", "clotted")],
        ),
    ] {
        let mut wrong = vec![("csrf", "0000")];
        wrong.extend(fields.iter().copied());
        let a = send(&lab.app, post_form(uri, &tech.cookie, &wrong)).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{uri}");
        let a = send(&lab.app, post_form(uri, &tech.cookie, &fields)).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{uri} without a token");
    }
    assert_eq!(received_at(&lab, NEW_TUBE), None);
    assert!(rejected_reason(&lab, NEW_TUBE).is_none());
    assert_eq!(
        lab.audits("specimen.receive") + lab.audits("specimen.reject"),
        0
    );
}

#[tokio::test]
async fn a_rejected_tube_holds_its_results_and_the_page_says_why() {
    let lab = lab();
    let tech = sign_in(&lab.app, "tech").await;
    let a = reject(&lab, &tech, BARCODE, "haemolysed", None).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert!(
        a.location().contains("outcome=rejected&held=2"),
        "{}",
        a.location()
    );
    let shown = tech.get(&lab.app, a.location()).await;
    assert!(
        shown
            .body
            .contains("REJECTED specimen 2612070051: Haemolysed. 2 results are held."),
        "{}",
        shown.body
    );
    assert_eq!(lab.audits("specimen.reject"), 1);
    // A second rejection is refused and keeps the first reason.
    let again = reject(&lab, &tech, BARCODE, "clotted", None).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(
        rejected_reason(&lab, BARCODE).as_deref(),
        Some("haemolysed")
    );
    // An unknown reason, and "other" without words, change nothing.
    let bad = reject(&lab, &tech, NEW_TUBE, "dropped", None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let empty = reject(&lab, &tech, NEW_TUBE, "other", Some(" ")).await;
    assert_eq!(empty.status, StatusCode::CONFLICT);
    let other = reject(&lab, &tech, NEW_TUBE, "other", Some("tube cracked")).await;
    assert_eq!(other.status, StatusCode::SEE_OTHER);
    assert_eq!(
        rejected_reason(&lab, NEW_TUBE).as_deref(),
        Some("other: tube cracked")
    );
    assert_eq!(lab.audits("specimen.reject"), 2);
}

#[tokio::test]
async fn the_label_page_draws_the_tube_s_label() {
    let lab = lab();
    let tech = sign_in(&lab.app, "tech").await;
    let a = tech.get(&lab.app, "/specimens/2612070051/label").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.contains("width=\"50mm\" height=\"25mm\""));
    assert!(a.body.contains(">2612070051</text>"));
    assert!(a.body.contains(">Nguyễn Văn An</text>"));
    assert!(
        a.body.contains("Male, 46 y · Serum · 07/12/2026"),
        "{}",
        a.body
    );
    crate::ui::testing::assert_no_inline_code(&a.body);
    let missing = tech.get(&lab.app, "/specimens/NOPE/label").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
