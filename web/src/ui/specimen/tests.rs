use askama::Template;
use lis_core::model::Role;
use lis_core::validation::Flag;

use super::*;
use crate::ui::i18n::Lang;
use crate::ui::layout::SignedInUser;
use crate::ui::testing::assert_no_inline_code;

fn line(id: i64, test: &str, value: &str) -> ResultLine {
    ResultLine {
        id,
        version: 1,
        test_name: test.into(),
        test_code: test.into(),
        value: value.into(),
        unit: "mmol/L".into(),
        range: Some("3.5–5.1".into()),
        flags: vec![],
        delta: None,
        state: ResultState::PendingReview,
        reasons: vec![],
        qc_marker: None,
        qc_notes: Vec::new(),
        qc: QcStatus::InControl,
        instrument: "AU480".into(),
        critical: false,
        callbacks: vec![],
        actionable: true,
        checked: true,
        raw_message_url: Some("/journal/17".into()),
        editable: false,
        correctable: false,
        supplements: vec![],
        antibiogram: None,
    }
}

fn page(lang: Lang, results: Vec<ResultLine>, allowed: Allowed) -> SpecimenPage {
    let mut layout = Layout::visitor(lang, "Lab", "csrf-9");
    layout.user = Some(SignedInUser {
        display_name: "Trần Thị B".into(),
        role: Role::Technician,
    });
    SpecimenPage {
        layout,
        specimen: SpecimenFacts {
            specimen_id: "2612070041".into(),
            patient_name: "Trần Văn Đức".into(),
            stat: true,
            ..SpecimenFacts::default()
        },
        results,
        allowed,
        dilutions: vec!["1:2".into(), "1:10".into()],
        tests_without_result: vec![],
        previous: vec![],
        history: vec![],
        comments: vec![],
        graphs: Default::default(),
    }
}

const TECHNICIAN: Allowed = Allowed {
    verify: true,
    release: false,
    verify_release: false,
    rerun: true,
    reject: true,
    comment: true,
    callback: true,
    enter: true,
    correct: false,
};

#[test]
fn the_review_form_carries_each_result_with_its_version() {
    let mut k = line(7, "K", "6.8");
    k.version = 3;
    let html = page(Lang::En, vec![k, line(8, "NA", "140")], TECHNICIAN)
        .render()
        .unwrap();
    assert!(html
        .contains("<form id=\"review\" method=\"post\" action=\"/specimens/2612070041/verify\">"));
    assert!(html.contains("name=\"result\" value=\"7:3\""));
    assert!(html.contains("name=\"result\" value=\"8:1\""));
    assert!(html.contains("<input type=\"hidden\" name=\"csrf\" value=\"csrf-9\">"));
    assert!(html.contains("Version 3"));
    assert!(html.contains("<a class=\"raw\" href=\"/journal/17\" title=\"Raw message\">Raw</a>"));
    // Only a later version says its number.
    assert_eq!(html.matches("Version ").count(), 1);
    assert_no_inline_code(&html);
}

#[test]
fn every_action_is_a_labelled_button_with_its_key() {
    let html = page(Lang::Vi, vec![line(1, "GLU", "5.6")], TECHNICIAN)
        .render()
        .unwrap();
    for (key, word, action) in [
        ("v", "Xác nhận", "verify"),
        ("e", "Chạy lại", "rerun"),
        ("x", "Từ chối", "reject"),
        ("c", "Thêm ghi chú", "comment"),
    ] {
        let at = html
            .find(&format!("data-key=\"{key}\""))
            .unwrap_or_else(|| panic!("no button for {key}"));
        let button = &html[at..at + html[at..].find("</button>").unwrap()];
        assert!(
            button.contains(&format!("formaction=\"/specimens/2612070041/{action}\"")),
            "{button}"
        );
        assert!(button.ends_with(&format!(">{word}")), "{button}");
    }
    // Reasons are textareas the keys focus, and each names its own send button.
    assert!(html.contains("<textarea id=\"reject_reason\" name=\"reject_reason\" rows=\"2\" data-submit=\"send-reject\">"));
    assert!(html.contains("data-reason=\"reject_reason\""));
    assert!(html.contains("<option value=\"1:10\">1:10</option>"));
    // A technician in a two-step lab is not offered release.
    assert!(!html.contains("data-key=\"r\""));
    assert!(!html.contains("/release\""));
}

#[test]
fn a_critical_result_needs_its_call_back() {
    let mut k = line(7, "K", "6.9");
    k.critical = true;
    k.flags = vec![FlagBadge::from_flag(Flag::CriticalHigh, Lang::Vi)];
    k.reasons = vec!["Giá trị vượt ngưỡng nguy hiểm 6.5".into()];
    let html = page(Lang::Vi, vec![k.clone()], TECHNICIAN)
        .render()
        .unwrap();
    assert!(html.contains("<tr id=\"result-7\" class=\"row-critical\">"));
    assert!(html.contains("⇈</span> Nguy hiểm cao"));
    assert!(html.contains("‼</span> Chưa báo"));
    assert!(html.contains("<li>Giá trị vượt ngưỡng nguy hiểm 6.5</li>"));
    assert!(html.contains("Phải ghi nhận đã báo giá trị nguy hiểm trước khi trả kết quả."));
    assert!(html.contains("action=\"/specimens/2612070041/callback\""));
    for name in ["who", "role", "ward_or_phone"] {
        assert!(
            html.contains(&format!("name=\"{name}\" required")),
            "{name}"
        );
    }
    for outcome in ["told_read_back", "told_no_read_back", "not_reached"] {
        assert!(html.contains(&format!("name=\"outcome\" value=\"{outcome}\" required")));
    }

    // Could not reach is not "told"; told with read-back is.
    let mut called = k;
    called.callbacks = vec![CallbackLine {
        told_at: "07/12/2026 08:40".into(),
        who: "BS. Lê Văn C".into(),
        role: "Bác sĩ trực".into(),
        ward_or_phone: "Hồi sức, 1234".into(),
        outcome: CallbackOutcome::NotReached,
        recorded_by: "Trần Thị B".into(),
    }];
    let html = page(Lang::Vi, vec![called.clone()], TECHNICIAN)
        .render()
        .unwrap();
    assert!(html.contains("‼</span> Chưa báo"));
    assert!(html.contains("<td>Không liên lạc được</td>"));
    called.callbacks[0].outcome = CallbackOutcome::ToldReadBack;
    let html = page(Lang::Vi, vec![called], TECHNICIAN).render().unwrap();
    assert!(html.contains("✓</span> Đã báo"));
    assert!(html.contains("<td>Đã báo, có đọc lại</td>"));
    assert!(!html.contains("Phải ghi nhận đã báo"));
}

#[test]
fn no_range_and_manual_entry_are_said_in_words() {
    let mut manual = line(3, "ESR", "12");
    manual.range = None;
    manual.instrument = String::new();
    manual.raw_message_url = None;
    manual.qc = QcStatus::Unknown;
    let html = page(Lang::En, vec![manual], TECHNICIAN).render().unwrap();
    assert!(html.contains("<span class=\"flag no-range\"><span class=\"sym\" aria-hidden=\"true\">–</span> No reference range</span>"));
    assert!(html.contains("Entered by hand"));
    assert!(html.contains("No QC recorded"));
    assert!(html.contains("No previous result of this patient for this test."));
}

#[test]
fn nothing_actionable_shows_no_action_buttons() {
    let mut released = line(1, "GLU", "5.6");
    released.actionable = false;
    released.state = ResultState::Released;
    let html = page(Lang::En, vec![released], TECHNICIAN).render().unwrap();
    assert!(!html.contains("data-key="));
    assert!(!html.contains("name=\"result\""));
    assert!(html.contains("<span class=\"state state-released\">Released</span>"));
}

#[test]
fn callback_outcomes_round_trip_through_their_form_values() {
    for o in CallbackOutcome::ALL {
        assert_eq!(CallbackOutcome::parse(o.value()), Some(o));
    }
    assert_eq!(CallbackOutcome::parse("told"), None);
}

#[test]
fn supplementary_values_are_listed_under_their_result_in_both_languages() {
    let mut vitd = line(5, "VITD", "25.22");
    vitd.test_name = "Vitamin D".into();
    vitd.supplements = vec![
        SupplementLine {
            name: "RLU".into(),
            value: "611793".into(),
            units: String::new(),
        },
        SupplementLine {
            name: "COFF".into(),
            value: "1.00".into(),
            units: "ng/mL".into(),
        },
    ];
    for (lang, caption, name) in [
        (
            Lang::En,
            "Supplementary values the analyzer sent with the result: Vitamin D",
            "Name",
        ),
        (
            Lang::Vi,
            "Giá trị bổ sung máy gửi kèm kết quả: Vitamin D",
            "Thành phần",
        ),
    ] {
        let html = page(lang, vec![vitd.clone(), line(6, "GLU", "5.6")], TECHNICIAN)
            .render()
            .unwrap();
        // The list comes right after its result's row, before the next result.
        let result = html.find("id=\"result-5\"").unwrap();
        let list = html.find("id=\"supplements-5\"").unwrap();
        let next = html.find("id=\"result-6\"").unwrap();
        assert!(result < list && list < next, "{html}");
        assert!(
            html.contains(&format!("<caption>{caption}</caption>")),
            "{html}"
        );
        assert!(
            html.contains(&format!("<th scope=\"col\">{name}</th>")),
            "{html}"
        );
        assert!(html
            .contains("<tr><th scope=\"row\">RLU</th><td class=\"num\">611793</td><td></td></tr>"));
        assert!(html.contains(
            "<tr><th scope=\"row\">COFF</th><td class=\"num\">1.00</td><td>ng/mL</td></tr>"
        ));
        // A result without any has no list.
        assert!(!html.contains("id=\"supplements-6\""));
        assert_no_inline_code(&html);
    }
}
