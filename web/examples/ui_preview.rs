//! Writes the UI's pages, rendered from their templates with a sample of every row state and
//! flag, into a folder with the assets beside them, to look at in a browser or screenshot:
//!
//! ```text
//! cargo run -p lis-web --example ui_preview -- /tmp/lis-ui
//! chromium --headless --window-size=1366,768 --screenshot=/tmp/worklist.png file:///tmp/lis-ui/worklist-vi.html
//! ```

use std::path::PathBuf;

use askama::Template;
use axum::http::StatusCode;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use lis_core::lifecycle::ResultState;
use lis_core::model::Role;
use lis_core::validation::Flag;
use lis_core::validation::QcStatus;
use lis_web::ui::dates;
use lis_web::ui::error_page::ErrorPage;
use lis_web::ui::flags::FlagBadge;
use lis_web::ui::layout::{Nav, Notice, NoticeKind, SignedInUser};
use lis_web::ui::login::LoginPage;
use lis_web::ui::result_texts::ResultMsg;
use lis_web::ui::specimen::{
    Allowed, CallbackLine, CallbackOutcome, HistoryEntry, PreviousResult, ResultLine,
    SpecimenFacts, SpecimenPage,
};
use lis_web::ui::worklist::{Choice, WorklistFilters, WorklistPage, WorklistRow, WorklistTable};
use lis_web::ui::{assets, Lang, Layout, Msg, Text};

fn main() -> anyhow::Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "/tmp/lis-ui".into()),
    );
    std::fs::create_dir_all(dir.join("assets"))?;
    for (url, _, bytes) in assets::all() {
        std::fs::write(dir.join(url.trim_start_matches('/')), bytes)?;
    }
    let write = |name: &str, html: String| {
        // The pages link /assets/...; beside the files that is assets/...
        std::fs::write(dir.join(name), html.replace("\"/assets/", "\"assets/"))
    };
    for lang in Lang::ALL {
        let code = lang.code();
        let mut login = LoginPage {
            layout: Layout::visitor(lang, "Khoa Xét nghiệm – Bệnh viện Đa khoa", "preview"),
            username: String::new(),
            problem: None,
            next: "/".into(),
        };
        write(&format!("login-{code}.html"), login.render()?)?;
        login.username = "ktv.lan".into();
        login.problem = Some(Msg::WrongCredentials.text(lang).into());
        write(&format!("login-problem-{code}.html"), login.render()?)?;
        write(&format!("worklist-{code}.html"), worklist(lang).render()?)?;
        write(&format!("specimen-{code}.html"), specimen(lang).render()?)?;
        let error = ErrorPage::new(signed_in(lang), StatusCode::FORBIDDEN, Msg::ErrorForbidden);
        write(&format!("error-{code}.html"), error.render()?)?;
    }
    Ok(())
}

fn signed_in(lang: Lang) -> Layout {
    let mut layout = Layout::visitor(lang, "Khoa Xét nghiệm – Bệnh viện Đa khoa", "preview");
    layout.user = Some(SignedInUser {
        display_name: "Nguyễn Thị Lan".into(),
        role: Role::Technician,
    });
    layout.nav = Nav::Worklist;
    layout.path = "/".into();
    layout
}

fn worklist(lang: Lang) -> WorklistPage {
    let tz = TimeZone::get("Asia/Ho_Chi_Minh").unwrap_or(TimeZone::UTC);
    let now: Timestamp = "2026-12-07T20:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let badge = |f| FlagBadge::from_flag(f, lang);
    let years = |n: u32| Msg::AgeYears.fill(lang, &[("n", &n.to_string())]);
    let male = Msg::SexMale.text(lang);
    let female = Msg::SexFemale.text(lang);
    let sample = [
        (
            "2612070041",
            "Trần Văn Đức",
            format!("{male}, {}", years(67)),
            "Hồi sức tích cực",
            true,
            4,
            vec![
                badge(Flag::CriticalHigh),
                badge(Flag::Delta),
                badge(Flag::High),
            ],
            true,
            Some(25),
            95,
            true,
        ),
        (
            "2612070038",
            "Lê Thị Hồng Nhung",
            format!("{female}, {}", years(34)),
            "Cấp cứu",
            true,
            2,
            vec![badge(Flag::High), badge(Flag::InstrumentFlag)],
            true,
            None,
            70,
            true,
        ),
        (
            "2612070017",
            "Phạm Quốc Bảo",
            format!("{male}, {}", years(8)),
            "Nhi",
            false,
            6,
            vec![badge(Flag::CriticalLow)],
            true,
            Some(50),
            180,
            false,
        ),
        (
            "2612070022",
            "Võ Thị Ánh",
            format!("{female}, {}", years(52)),
            "Nội tiết",
            false,
            3,
            vec![badge(Flag::Low), badge(Flag::QcFailed)],
            true,
            None,
            150,
            true,
        ),
        (
            "2612070025",
            "Đặng Minh Khôi",
            format!("{male}, {}", years(45)),
            "Tim mạch",
            false,
            12,
            vec![],
            false,
            None,
            130,
            false,
        ),
        (
            "2612070029",
            "Bùi Thị Thu",
            format!("{female}, {}", years(29)),
            "Sản",
            false,
            5,
            vec![
                badge(Flag::AboveMeasurementRange),
                FlagBadge::no_range(lang),
            ],
            true,
            None,
            110,
            false,
        ),
        (
            "2612070031",
            "Hoàng Văn Tú",
            format!("{male}, {}", years(71)),
            "Thận nhân tạo",
            false,
            8,
            vec![],
            false,
            None,
            100,
            false,
        ),
        (
            "2612070033",
            "Ngô Thị Mai",
            format!("{female}, {}", years(60)),
            "Nội tổng hợp",
            false,
            4,
            vec![badge(Flag::Delta)],
            true,
            None,
            85,
            false,
        ),
    ];
    let rows = sample
        .into_iter()
        .map(
            |(
                id,
                name,
                sex_age,
                dept,
                stat,
                waiting,
                reasons,
                held,
                critical,
                minutes,
                overdue,
            )| {
                let received = now - (minutes as i64).minutes();
                WorklistRow {
                    specimen_id: id.into(),
                    patient_name: name.into(),
                    sex_age,
                    department: dept.into(),
                    stat,
                    waiting,
                    reasons,
                    held,
                    qc_held: vec![],
                    critical_waiting: critical
                        .map(|m: i64| dates::waited(now - m.minutes(), now, lang)),
                    received: dates::date_time(received, &tz),
                    since_received: dates::waited(received, now, lang),
                    overdue,
                }
            },
        )
        .collect();
    let mut layout = signed_in(lang);
    layout.notice = Some(Notice {
        kind: NoticeKind::Done,
        text: Msg::NoticeVerified.fill(lang, &[("count", "12")]),
    });
    let choice = |value: &str, msg: Msg| Choice {
        value: value.into(),
        label: msg.text(lang).into(),
        selected: false,
    };
    WorklistPage {
        layout,
        filters: WorklistFilters {
            sections: vec![],
            instruments: vec![],
            priorities: vec![
                choice("stat", Msg::PriorityStat),
                choice("routine", Msg::PriorityRoutine),
            ],
            states: vec![
                choice("pending", Msg::StatePendingReview),
                choice("verified", Msg::StateVerified),
            ],
            date: String::new(),
        },
        table: WorklistTable {
            lang,
            rows,
            filtered: false,
        },
        filter_query: String::new(),
        next_page: None,
        can_verify: true,
        can_release: false,
    }
}

fn specimen(lang: Lang) -> SpecimenPage {
    let badge = |f| FlagBadge::from_flag(f, lang);
    // A 20-test chemistry panel: one critical, two held, the rest clear.
    let panel: [(&str, &str, &str, &str, Option<&str>); 20] = [
        ("Glucose", "GLU", "5.6", "mmol/L", Some("3.9–6.4")),
        ("Urea", "URE", "6.1", "mmol/L", Some("2.5–7.5")),
        ("Creatinine", "CRE", "412", "µmol/L", Some("62–106")),
        ("Sodium", "NA", "138", "mmol/L", Some("135–145")),
        ("Potassium", "K", "6.9", "mmol/L", Some("3.5–5.1")),
        ("Chloride", "CL", "101", "mmol/L", Some("98–107")),
        ("Calcium", "CA", "2.31", "mmol/L", Some("2.15–2.55")),
        ("AST (GOT)", "AST", "31", "U/L", Some("≤ 37")),
        ("ALT (GPT)", "ALT", "28", "U/L", Some("≤ 40")),
        ("GGT", "GGT", "44", "U/L", Some("11–50")),
        ("Bilirubin total", "TBIL", "12.3", "µmol/L", Some("≤ 17")),
        ("Albumin", "ALB", "38", "g/L", Some("35–52")),
        ("Protein total", "TP", "70", "g/L", Some("66–87")),
        ("Cholesterol", "CHOL", "5.1", "mmol/L", Some("3.9–5.2")),
        ("Triglyceride", "TG", "1.9", "mmol/L", Some("0.46–1.88")),
        ("HDL-C", "HDL", "1.2", "mmol/L", Some("≥ 0.9")),
        ("LDL-C", "LDL", "3.1", "mmol/L", Some("≤ 3.4")),
        ("Uric acid", "UA", "402", "µmol/L", Some("202–416")),
        ("CRP", "CRP", "3.2", "mg/L", None),
        ("Amylase", "AMY", "72", "U/L", Some("28–100")),
    ];
    let results = panel
        .into_iter()
        .enumerate()
        .map(|(i, (name, code, value, unit, range))| {
            let mut line = ResultLine {
                id: 100 + i as i64,
                version: 1,
                test_name: name.into(),
                test_code: code.into(),
                value: value.into(),
                unit: unit.into(),
                range: range.map(str::to_owned),
                flags: vec![],
                delta: None,
                state: ResultState::PendingReview,
                reasons: vec![],
                qc: QcStatus::InControl,
                qc_marker: None,
                qc_notes: vec![],
                instrument: "AU480".into(),
                critical: false,
                callbacks: vec![],
                actionable: true,
                checked: true,
                raw_message_url: Some(format!("/journal/{}", 5000 + i)),
                editable: true,
                correctable: false,
                supplements: vec![],
                antibiogram: None,
            };
            match code {
                "K" => {
                    line.critical = true;
                    line.flags = vec![badge(Flag::CriticalHigh)];
                    line.reasons = vec![ResultMsg::WhyCriticalHigh
                        .fill(lang, &[("value", value), ("limit", "6.5")])];
                    line.callbacks = vec![CallbackLine {
                        told_at: "08/12/2026 02:40".into(),
                        who: "BS. Lê Văn Cường".into(),
                        role: "Bác sĩ trực".into(),
                        ward_or_phone: "Hồi sức tích cực, 2105".into(),
                        outcome: CallbackOutcome::NotReached,
                        recorded_by: "Nguyễn Thị Lan".into(),
                    }];
                }
                "CRE" => {
                    line.flags = vec![badge(Flag::High), badge(Flag::Delta)];
                    line.delta = Some(Msg::DeltaDetail.fill(
                        lang,
                        &[
                            ("previous", "180"),
                            ("date", "05/12/2026"),
                            ("change", "+129 %"),
                        ],
                    ));
                    let delta = line.delta.clone().unwrap_or_default();
                    line.reasons = vec![
                        ResultMsg::WhyAboveRange
                            .fill(lang, &[("value", value), ("range", range.unwrap_or(""))]),
                        ResultMsg::WhyDelta.fill(lang, &[("detail", &delta)]),
                    ];
                }
                "TG" => {
                    line.flags = vec![badge(Flag::High), badge(Flag::InstrumentFlag)];
                    line.reasons =
                        vec![ResultMsg::WhyInstrumentFlags.fill(lang, &[("flags", "LIPEMIA")])];
                }
                _ => {}
            }
            line
        })
        .collect();
    SpecimenPage {
        layout: signed_in(lang),
        specimen: SpecimenFacts {
            specimen_id: "2612070041".into(),
            patient_name: "Trần Văn Đức".into(),
            patient_id: "BN-0042117".into(),
            sex: Msg::SexMale.text(lang).into(),
            age: Msg::AgeYears.fill(lang, &[("n", "67")]),
            placer_number: "CD-26-118842".into(),
            doctor: "BS. Phạm Thu Hà".into(),
            department: "Hồi sức tích cực".into(),
            stat: true,
            collected: "08/12/2026 01:10".into(),
            received: "08/12/2026 01:25".into(),
        },
        results,
        allowed: Allowed {
            verify: true,
            rerun: true,
            reject: true,
            comment: true,
            callback: true,
            ..Allowed::default()
        },
        dilutions: vec!["1:2".into(), "1:5".into(), "1:10".into()],
        tests_without_result: Vec::new(),
        previous: vec![PreviousResult {
            test_name: "Creatinine".into(),
            when: "05/12/2026 07:30".into(),
            value: "180".into(),
            unit: "µmol/L".into(),
            flags: vec![badge(Flag::High)],
        }],
        history: vec![HistoryEntry {
            when: "08/12/2026 01:52".into(),
            who: "AU480".into(),
            what: Msg::StatePendingReview.text(lang).into(),
            before: String::new(),
            after: "6.9".into(),
            reason: String::new(),
        }],
        comments: vec![],
        graphs: Default::default(),
    }
}
