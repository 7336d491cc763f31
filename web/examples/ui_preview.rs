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
use lis_core::model::Role;
use lis_core::validation::Flag;
use lis_web::ui::dates;
use lis_web::ui::error_page::ErrorPage;
use lis_web::ui::flags::FlagBadge;
use lis_web::ui::layout::{Nav, Notice, NoticeKind, SignedInUser};
use lis_web::ui::login::LoginPage;
use lis_web::ui::worklist::{Choice, WorklistFilters, WorklistPage, WorklistRow, WorklistTable};
use lis_web::ui::{assets, Lang, Layout, Msg};

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
