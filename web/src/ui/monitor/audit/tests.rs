//! The audit trail through the whole app: guards (technicians refused, supervisors and admins
//! read, only admins see the chain check), filters, keyset pages, per-specimen history with the
//! client address, and the CSV export's bytes.

use axum::http::StatusCode;
use lis_core::config::Language;
use lis_core::model::Actor;
use lis_core::store::ClientAddress;

use super::Csv;
use crate::ui::monitor::test_lab::{get, lab, send, signed_in, CLIENT};

#[tokio::test]
async fn without_a_session_every_route_goes_to_sign_in() {
    let lab = lab();
    for uri in [
        "/audit",
        "/audit.csv",
        "/audit/specimens/S1",
        "/audit/results/1",
    ] {
        let a = send(&lab.app, get(uri, "")).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{uri}");
        assert!(a.location().starts_with("/login?next="), "{uri}");
    }
}

#[tokio::test]
async fn technicians_may_not_read_it_supervisors_and_admins_may() {
    let lab = lab();
    let (tech, _) = signed_in(&lab.app, "tech").await;
    for uri in [
        "/audit",
        "/audit.csv",
        "/audit/specimens/S1",
        "/audit/results/1",
    ] {
        assert_eq!(
            send(&lab.app, get(uri, &tech)).await.status,
            StatusCode::FORBIDDEN,
            "{uri}"
        );
    }
    for user in ["boss", "admin"] {
        let (cookie, _) = signed_in(&lab.app, user).await;
        let page = send(&lab.app, get("/audit", &cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{user}");
        crate::ui::testing::assert_no_inline_code(&page.body);
        assert!(page.body.contains("Order received"));
        assert_eq!(
            send(&lab.app, get("/audit/specimens/S1", &cookie))
                .await
                .status,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn only_admins_see_whether_the_chain_is_intact() {
    let lab = lab();
    let (admin, _) = signed_in(&lab.app, "admin").await;
    let page = send(&lab.app, get("/audit", &admin)).await;
    assert!(page.body.contains("href=\"/audit?verify=1\""));
    let checked = send(&lab.app, get("/audit?verify=1", &admin)).await;
    let entries = lab.store.verify_audit().unwrap().entries;
    // The check itself writes nothing, so the count is the trail's.
    assert!(
        checked.body.contains(&format!(
            "The audit chain is intact: {entries} entries checked."
        )),
        "{}",
        checked.body
    );
    let (boss, _) = signed_in(&lab.app, "boss").await;
    let page = send(&lab.app, get("/audit?verify=1", &boss)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("href=\"/audit?verify=1\""));
    assert!(!page.body.contains("The audit chain is"));
}

#[tokio::test]
async fn filters_and_pages_newest_first() {
    let lab = lab();
    let boss_id = lab
        .store
        .list_users()
        .unwrap()
        .iter()
        .find(|u| u.username == "boss")
        .unwrap()
        .id;
    // 120 language changes by the supervisor: more than a page.
    for i in 0..120 {
        let lang = if i % 2 == 0 {
            Language::Vi
        } else {
            Language::En
        };
        lab.store
            .set_language(boss_id, lang, &Actor::User(boss_id))
            .unwrap();
    }
    let (cookie, _) = signed_in(&lab.app, "boss").await;
    let first = send(
        &lab.app,
        get(
            &format!("/audit?user=user%3A{boss_id}&action=user.language"),
            &cookie,
        ),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK);
    let seqs = |body: &str| -> Vec<i64> {
        body.match_indices("data-seq=\"")
            .map(|(i, m)| {
                let rest = &body[i + m.len()..];
                rest[..rest.find('"').unwrap()].parse().unwrap()
            })
            .collect()
    };
    let page1 = seqs(&first.body);
    assert_eq!(page1.len(), 100);
    assert!(page1.windows(2).all(|w| w[0] > w[1]));
    let older = format!(
        "/audit?user=user%3A{boss_id}&#38;action=user.language&#38;before={}",
        page1[99]
    );
    assert!(first.body.contains(&older), "{}", first.body);
    let second = send(&lab.app, get(&older.replace("&#38;", "&"), &cookie)).await;
    let page2 = seqs(&second.body);
    assert_eq!(page2.len(), 20);
    assert!(page2[0] < page1[99]);
    assert!(!second.body.contains("Older entries"));
    // A day range that ends before anything happened shows nothing; a bad date is named.
    let none = send(&lab.app, get("/audit?until=01%2F01%2F2001", &cookie)).await;
    assert!(none.body.contains("No entries match the filters."));
    let bad = send(&lab.app, get("/audit?from=31%2F02%2F2025", &cookie)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("31/02/2025"));
}

#[tokio::test]
async fn a_specimens_history_shows_who_what_and_from_where() {
    let lab = lab();
    let (cookie, csrf) = signed_in(&lab.app, "boss").await;
    // A comment on S1 from this client.
    let commented = send(
        &lab.app,
        crate::ui::monitor::test_lab::post(
            "/specimens/S1/comment",
            &cookie,
            &[("csrf", &csrf), ("comment", "tube slightly haemolysed")],
        ),
    )
    .await;
    assert_eq!(
        commented.status,
        StatusCode::SEE_OTHER,
        "{}",
        commented.body
    );
    let page = send(&lab.app, get("/audit/specimens/S1", &cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Audit trail of specimen S1"));
    assert!(page.body.contains("Order received"));
    assert!(page.body.contains("boss name"));
    assert!(
        page.body
            .contains(&format!("<td class=\"code\">{CLIENT}</td>")),
        "{}",
        page.body
    );
    let missing = send(&lab.app, get("/audit/specimens/NOPE", &cookie)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_csv_is_quoted_utf8_with_a_bom_for_excel() {
    let lab = lab();
    let id = lab.store.unmatched_page(None, 1).unwrap()[0].item.id;
    let boss = lab
        .store
        .list_users()
        .unwrap()
        .into_iter()
        .find(|u| u.username == "boss")
        .unwrap();
    ClientAddress::scope(Some("10.1.2.3".into()), || {
        lab.store.discard_unmatched(
            id,
            "Ống \"S9\", tan máu\nlần 2",
            &Actor::User(boss.id),
            jiff::Timestamp::now(),
        )
    })
    .unwrap();
    let (cookie, _) = signed_in(&lab.app, "admin").await;
    let csv = send(
        &lab.app,
        get("/audit.csv?action=unmatched.discard", &cookie),
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.content_type(), "text/csv; charset=utf-8");
    assert!(csv
        .disposition()
        .starts_with("attachment; filename=\"audit-"));
    assert_eq!(&csv.bytes[..3], &[0xEF, 0xBB, 0xBF]);
    let text = std::str::from_utf8(&csv.bytes[3..]).unwrap();
    let mut records = text.split("\r\n");
    assert_eq!(
        records.next(),
        Some("No.,Time,Who,What,Action,Object,old,new,Reason,From address")
    );
    let record = records.next().unwrap();
    assert!(
        record.contains(",boss name,Unmatched result discarded,unmatched.discard,"),
        "{record}"
    );
    assert!(
        record.ends_with(",\"Ống \"\"S9\"\", tan máu\nlần 2\",10.1.2.3"),
        "{record}"
    );
    assert_eq!(records.next(), Some(""));
    assert_eq!(records.next(), None);
}

#[test]
fn csv_fields_are_quoted_only_when_needed_and_formulas_are_defused() {
    let mut csv = Csv::new();
    csv.row(&[
        "plain",
        "a,b",
        "say \"hi\"",
        "two\nlines",
        "=1+1",
        "-3",
        "Nguyễn",
    ]);
    assert_eq!(
        csv.finish(),
        "\u{feff}plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",'=1+1,'-3,Nguyễn\r\n"
    );
}

#[test]
fn long_values_are_shortened_on_the_page_by_characters() {
    let long = "ă".repeat(super::SHOWN_VALUE_CHARS + 5);
    let short = super::shortened(&long);
    assert_eq!(short.chars().count(), super::SHOWN_VALUE_CHARS + 1);
    assert!(short.ends_with('…'));
    assert_eq!(
        super::shortened("{\"state\":\"open\"}"),
        "{\"state\":\"open\"}"
    );
}
