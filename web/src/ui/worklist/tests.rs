use askama::Template;
use lis_core::model::Role;
use lis_core::validation::Flag;

use super::*;
use crate::ui::layout::{Nav, SignedInUser};
use crate::ui::testing::assert_no_inline_code;

fn row(id: &str) -> WorklistRow {
    WorklistRow {
        specimen_id: id.into(),
        patient_name: "Nguyễn Văn An".into(),
        sex_age: "Nam, 45 tuổi".into(),
        department: "Khoa Cấp cứu".into(),
        stat: false,
        waiting: 3,
        reasons: vec![],
        held: false,
        qc_held: vec![],
        critical_waiting: None,
        received: "07/12/2026 08:30".into(),
        since_received: "2 giờ 05 phút".into(),
        overdue: false,
    }
}

fn page(lang: Lang, rows: Vec<WorklistRow>) -> WorklistPage {
    let mut layout = Layout::visitor(lang, "Khoa Xét nghiệm", "csrf-123");
    layout.user = Some(SignedInUser {
        display_name: "Trần Thị B".into(),
        role: Role::Supervisor,
    });
    layout.nav = Nav::Worklist;
    layout.rights.worklist = true;
    layout.path = "/?priority=stat".into();
    WorklistPage {
        layout,
        filters: WorklistFilters {
            priorities: vec![
                Choice {
                    value: "stat".into(),
                    label: Msg::PriorityStat.text(lang).into(),
                    selected: true,
                },
                Choice {
                    value: "routine".into(),
                    label: Msg::PriorityRoutine.text(lang).into(),
                    selected: false,
                },
            ],
            ..WorklistFilters::default()
        },
        table: WorklistTable {
            lang,
            rows,
            filtered: true,
        },
        filter_query: "priority=stat".into(),
        next_page: None,
        can_verify: true,
        can_release: false,
    }
}

fn row_of<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("data-id=\"{id}\""))
        .unwrap_or_else(|| panic!("no row {id}"));
    let end = html[start..].find("</tr>").unwrap() + start;
    &html[start..end]
}

#[test]
fn a_critical_row_says_so_by_symbol_word_and_class() {
    let mut critical = row("S-CRIT");
    critical.critical_waiting = Some("1 giờ 05 phút".into());
    critical.held = true;
    critical.reasons = vec![FlagBadge::from_flag(Flag::CriticalHigh, Lang::Vi)];
    let html = page(Lang::Vi, vec![critical, row("S-CLEAR")])
        .render()
        .unwrap();
    let crit = row_of(&html, "S-CRIT");
    assert!(html.contains("<tr class=\"row-critical\" data-href=\"/specimens/S-CRIT\""));
    assert!(crit.contains("‼</span> Nguy hiểm"));
    assert!(crit.contains("⇈</span> Nguy hiểm cao"));
    assert!(crit.contains("Giá trị nguy hiểm đã chờ 1 giờ 05 phút"));
    let clear = row_of(&html, "S-CLEAR");
    assert!(!clear.contains("Nguy hiểm") && !clear.contains("Bị giữ"));
    assert!(html.contains("<tr class=\"row-clear\" data-href=\"/specimens/S-CLEAR\""));
}

#[test]
fn a_held_stat_overdue_row_shows_each_in_words() {
    let mut held = row("S-HELD");
    held.held = true;
    held.stat = true;
    held.overdue = true;
    held.reasons = vec![
        FlagBadge::from_flag(Flag::High, Lang::En),
        FlagBadge::from_flag(Flag::Delta, Lang::En),
        FlagBadge::no_range(Lang::En),
    ];
    let html = page(Lang::En, vec![held]).render().unwrap();
    let r = row_of(&html, "S-HELD");
    assert!(html.contains("<tr class=\"row-held row-stat\""));
    assert!(r.contains("■</span> Held"));
    assert!(r.contains("<span class=\"badge badge-stat\">STAT</span>"));
    assert!(r.contains(
        "<li class=\"flag flag-h\"><span class=\"sym\" aria-hidden=\"true\">↑</span> High</li>"
    ));
    assert!(r.contains("<li class=\"flag flag-delta\">"));
    assert!(r.contains("<li class=\"flag no-range\">"));
    assert!(r.contains("class=\"nowrap tat-overdue\""));
    assert!(r.contains("!</span> Overdue"));
    // The specimen id is a real link, so the row opens without the script.
    assert!(r.contains("<a href=\"/specimens/S-HELD\">S-HELD</a>"));
}

#[test]
fn a_row_held_by_rejected_qc_says_so_in_red_words() {
    let mut held = row("S-QC");
    held.held = true;
    held.qc_held = vec![String::from("QC rejected: GLU on DEMO-CHEM")];
    let html = page(Lang::En, vec![held]).render().unwrap();
    let r = row_of(&html, "S-QC");
    // The state cell's badge is the QC one (a cross and the words), not the plain "Held".
    assert!(r.contains(
        "<span class=\"badge badge-critical\"><span aria-hidden=\"true\">✕</span> QC REJECTED</span>"
    ));
    assert!(!r.contains("■</span> Held"));
    assert!(r.contains(
        "<ul class=\"qc-held\"><li><span class=\"sym\" aria-hidden=\"true\">✕</span> QC rejected: GLU on DEMO-CHEM</li></ul>"
    ));
    let vi = page(Lang::Vi, vec![row_qc()]).render().unwrap();
    assert!(vi.contains("QC BỊ LOẠI"));
}

fn row_qc() -> WorklistRow {
    let mut r = row("S-QC");
    r.qc_held = vec![String::from("QC bị loại: GLU trên DEMO-CHEM")];
    r
}

#[test]
fn the_page_wires_the_live_refresh_and_keeps_the_filter() {
    let html = page(Lang::Vi, vec![row("S1")]).render().unwrap();
    assert!(html.contains(
        "<tbody id=\"worklist-rows\" data-live-url=\"/worklist/events\" \
         data-refresh-url=\"/worklist/rows?priority=stat\">"
    ));
    assert!(html.contains("<option value=\"stat\" selected>Cấp cứu</option>"));
    assert!(html.contains("<option value=\"routine\">Thường quy</option>"));
    assert!(html.contains("action=\"/worklist/verify-clear?priority=stat\""));
    assert!(html.contains(">Xác nhận mọi kết quả bình thường</button>"));
    // A role that may not release is not shown the release button.
    assert!(!html.contains("/worklist/release-clear"));
    assert!(html.contains("aria-current=\"page\""));
    assert!(html.contains("data-text-off=\"Mất cập nhật trực tiếp"));
    // The day is typed as the lab writes dates (dd/mm/yyyy), not in the browser's own locale.
    assert!(html.contains("name=\"date\" inputmode=\"numeric\" placeholder=\"dd/mm/yyyy\""));
    assert!(!html.contains("type=\"date\""));
    assert_no_inline_code(&html);
}

#[test]
fn the_fragment_renders_the_same_rows_as_the_page() {
    let mut r = row("S7");
    r.held = true;
    let page_html = page(Lang::Vi, vec![r.clone()]).render().unwrap();
    let fragment = WorklistRowsFragment {
        table: WorklistTable {
            lang: Lang::Vi,
            rows: vec![r],
            filtered: false,
        },
    }
    .render()
    .unwrap();
    assert!(fragment.trim_start().starts_with("<tr class=\"row-held\""));
    assert!(!fragment.contains("<html"));
    assert!(page_html.contains(fragment.trim()));
}

#[test]
fn empty_worklist_says_why() {
    let html = page(Lang::En, vec![]).render().unwrap();
    assert!(html.contains("<td colspan=\"10\">No results match the filters.</td>"));
    let fragment = WorklistRowsFragment {
        table: WorklistTable {
            lang: Lang::Vi,
            rows: vec![],
            filtered: false,
        },
    }
    .render()
    .unwrap();
    assert!(fragment.contains("Không có kết quả nào đang chờ bạn xử lý."));
}

#[test]
fn row_text_is_escaped() {
    let mut r = row("S<1>");
    r.patient_name = "<img src=x onerror=alert(1)>".into();
    let html = page(Lang::En, vec![r]).render().unwrap();
    assert!(!html.contains("<img"));
    assert!(html.contains("href=\"/specimens/S%3C1%3E\""));
}

#[test]
fn a_full_first_page_with_its_assets_stays_under_100_kb() {
    let rows = (0..PAGE_SIZE)
        .map(|i| {
            let mut r = row(&format!("S26-{i:06}"));
            r.held = i % 3 == 0;
            r.critical_waiting = (i % 10 == 0).then(|| "1 giờ 05 phút".to_owned());
            r.reasons = vec![
                FlagBadge::from_flag(Flag::CriticalHigh, Lang::Vi),
                FlagBadge::from_flag(Flag::Delta, Lang::Vi),
                FlagBadge::from_flag(Flag::InstrumentFlag, Lang::Vi),
            ];
            r
        })
        .collect();
    let html = page(Lang::Vi, rows).render().unwrap();
    let assets: usize = crate::ui::assets::all().map(|(_, _, b)| b.len()).sum();
    let total = html.len() + assets;
    assert!(total < 100 * 1024, "the first page weighs {total} bytes");
}
