//! The technicians' UI end to end, in Debian's Chromium driven over WebDriver, against the real
//! `lis serve`: each test is one journey of the lab's staff, step by step, as a person does it
//! and sees it.
//!
//! - A panel from order to the HIS, in English and again in Vietnamese: the HIS orders a STAT
//!   chemistry panel over MLLP (ORM^O01); a technician signs in; the analyzer sends the results
//!   over E1381 and the specimen appears in the open worklist without a reload; the technician
//!   sees the high and the critical flags and why each result is held, and verifies the panel;
//!   a supervisor releases the clear and the high results, is refused the critical potassium
//!   until the call-back is recorded, records it and releases it; the HIS receives the ORU^R01
//!   messages with the flags; the specimen's history shows each step and who took it.
//! - One review with the keyboard alone: j/k to the row, Enter opens it, v verifies, and the
//!   focus stays on the page's work.
//!
//! The English journey saves screenshots of the worklist and the specimen at 1366×768 into
//! `LIS_SCREENSHOTS` (the README's are regenerated with
//! `LIS_SCREENSHOTS=docs/screenshots cargo test -p lis-tests --test tests ui_journey`).
//!
//! Expected values come from the demo catalog (core/src/config/default_lab.toml): for a man of
//! 56, creatinine 62–106 umol/L (150 is high), potassium 3.5–5.1 mmol/L with a critical high of
//! 6.2 (7.0 is critical), glucose 3.9–6.4 and urea 2.5–7.5 mmol/L; and from HL7 v2.5.1 table 0078
//! for OBX-8 (`H` above the high limit, `HH` above the upper panic limit, `N` normal). The words
//! are the catalog's (web/src/ui/i18n.rs), written out here as a person reads them.

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use lis_tests::analyzer::{connect, e1381_send, mllp_block, mllp_read};
use lis_tests::browser::Browser;
use lis_tests::lab::Lab;
use lis_tests::lab_config::{chemistry, LabConfig};
use lis_tests::server::{wait_for, Lis, TIMEOUT};
use serde_json::Value;

mod pages;

use pages::{
    history, next_page, press, results_table, screenshot, sign_in, sign_out, strings, tick_only,
    worklist_row,
};

/// The words of the UI a person reads on the way, in one language.
struct Words {
    /// `<html lang>`.
    code: &'static str,
    worklist: &'static str,
    nothing_waiting: &'static str,
    stat: &'static str,
    critical: &'static str,
    held: &'static str,
    high: &'static str,
    critically_high: &'static str,
    always_review: &'static str,
    /// The worklist's reasons (by the check that held a result).
    reason_range: &'static str,
    reason_critical: &'static str,
    reason_review: &'static str,
    verify: &'static str,
    release: &'static str,
    awaiting_verification: &'static str,
    verified: &'static str,
    released: &'static str,
    not_told: &'static str,
    told: &'static str,
    callback_required: &'static str,
    told_read_back: &'static str,
    signed_out: &'static str,
    sign_out: &'static str,
    technician: &'static str,
    supervisor: &'static str,
    male: &'static str,
}

const ENGLISH: Words = Words {
    code: "en",
    worklist: "Worklist",
    nothing_waiting: "No results are waiting for you.",
    stat: "STAT",
    critical: "‼ Critical",
    held: "■ Held",
    high: "↑ High",
    critically_high: "⇈ Critical high",
    always_review: "This test always needs a person's review",
    reason_range: "↑↓ Outside the reference range, or none applies",
    reason_critical: "‼ Critical",
    reason_review: "✎ This test always needs a person's review",
    verify: "Verify",
    release: "Release",
    awaiting_verification: "Awaiting verification",
    verified: "Verified, awaiting release",
    released: "Released",
    not_told: "‼ Not told yet",
    told: "✓ Told",
    callback_required: "Record the call-back before you release a critical result.",
    told_read_back: "Told, with read-back",
    signed_out: "You have signed out.",
    sign_out: "Sign out",
    technician: "Technician",
    supervisor: "Supervisor",
    male: "Male",
};

const VIETNAMESE: Words = Words {
    code: "vi",
    worklist: "Danh sách chờ duyệt",
    nothing_waiting: "Không có kết quả nào đang chờ bạn xử lý.",
    stat: "Cấp cứu",
    critical: "‼ Nguy hiểm",
    held: "■ Bị giữ lại",
    high: "↑ Cao",
    critically_high: "⇈ Nguy hiểm cao",
    always_review: "Xét nghiệm này luôn cần người duyệt",
    reason_range: "↑↓ Ngoài khoảng tham chiếu hoặc không có khoảng",
    reason_critical: "‼ Nguy hiểm",
    reason_review: "✎ Xét nghiệm này luôn cần người duyệt",
    verify: "Xác nhận",
    release: "Trả kết quả",
    awaiting_verification: "Chờ xác nhận",
    verified: "Đã xác nhận, chờ trả",
    released: "Đã trả kết quả",
    not_told: "‼ Chưa báo",
    told: "✓ Đã báo",
    callback_required: "Phải ghi nhận đã báo giá trị nguy hiểm trước khi trả kết quả.",
    told_read_back: "Đã báo, có đọc lại",
    signed_out: "Bạn đã đăng xuất.",
    sign_out: "Đăng xuất",
    technician: "Kỹ thuật viên",
    supervisor: "Kỹ thuật viên trưởng",
    male: "Nam",
};

/// A person with an account.
struct Person {
    username: &'static str,
    name: &'static str,
    role: &'static str,
    password: &'static str,
}

const TECHNICIAN: Person = Person {
    username: "lan",
    name: "Nguyễn Thị Lan",
    role: "technician",
    password: "Xet-nghiem-2026",
};

const SUPERVISOR: Person = Person {
    username: "hoa",
    name: "Trần Thị Hoa",
    role: "supervisor",
    password: "Giam-sat-vien-2026",
};

/// The chemistry panel of these journeys, as the HIS orders it (LOINC) and the lab codes it.
const PANEL: [(&str, &str, &str); 4] = [
    ("GLU", "14749-6", "Glucose"),
    ("UREA", "22664-7", "Urea"),
    ("CREA", "14682-9", "Creatinine"),
    ("K", "2823-3", "Potassium"),
];

/// A lab whose chemistry analyzer (CHEM, E1381) measures the panel, none of whose tests is
/// autoverified (each waits for a person), two-step review as by default, and an HIS that
/// orders over MLLP and receives results at `his`; the people's accounts made before it starts.
struct Bench {
    _dir: tempfile::TempDir,
    lab: Lab,
    lis: Lis,
    his: FakeHis,
}

impl Bench {
    fn open(people: &[&Person], lang: &Words) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let listener = TcpListener::bind("127.0.0.1:0").expect("the HIS's results port");
        let his_addr = listener.local_addr().expect("its address");
        let config = PANEL
            .iter()
            .fold(LabConfig::default_catalog(), |c, (code, ..)| {
                c.edit_test(
                    code,
                    "autoverify = true\nauto_release = true",
                    "autoverify = false\nauto_release = false",
                )
            });
        let lab = config
            .link(&chemistry(&["GLU", "UREA", "CREA", "K"]))
            .section(&format!(
                r#"[his]
orders_listen = "127.0.0.1:0"
ack_timeout_ms = 2000
retry_initial_ms = 100
retry_max_ms = 400
poll_ms = 50

[[his.results]]
name = "his"
address = "{his_addr}"
"#
            ))
            .write(dir.path());
        for person in people {
            let (code, _, err) = lab.run_with_input(
                &[
                    "user",
                    "add",
                    "--username",
                    person.username,
                    "--name",
                    person.name,
                    "--role",
                    person.role,
                    "--lang",
                    lang.code,
                    "--password-stdin",
                ],
                &format!("{}\n", person.password),
            );
            assert_eq!(code, 0, "lis user add {}: {err}", person.username);
        }
        let his = FakeHis::serve(listener);
        let lis = lab.serve();
        Self {
            _dir: dir,
            lab,
            lis,
            his,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.lis.http())
    }

    /// The HIS places an order over MLLP and gets `AA`.
    fn his_orders(&self, order: &Order<'_>) {
        let addr: SocketAddr = wait_for("the HIS orders listener", TIMEOUT, || {
            self.lis
                .log()
                .lines()
                .find_map(|l| l.strip_prefix("lis: his orders listening on "))
                .and_then(|a| a.trim().parse().ok())
        });
        let mut stream = TcpStream::connect(addr).expect("connect to the orders listener");
        stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
        stream
            .write_all(&mllp_block(&order.orm()))
            .expect("send the order");
        let ack = mllp_read(&mut stream).expect("an ACK");
        assert_eq!(field(&ack, "MSA", 1), "AA", "{ack}\n{}", self.lis.log());
    }

    /// The analyzer sends one specimen's results over E1381, every frame acknowledged.
    fn analyzer_sends(&self, specimen: &str, results: &[(&str, &str, &str)]) {
        let now = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(7)))
            .strftime("%Y%m%d%H%M%S")
            .to_string();
        let mut records = vec![
            format!(r"H|\^&|||CHEM-1|||||||P|LIS2-A2|{now}"),
            "P|1".to_owned(),
            format!("O|1|{specimen}||^^^{}|R", results[0].0),
        ];
        for (i, (code, value, unit)) in results.iter().enumerate() {
            records.push(format!(
                "R|{}|^^^{code}|{value}|{unit}|||||F||||{now}",
                i + 1
            ));
        }
        records.push("L|1|N".to_owned());
        let records: Vec<&str> = records.iter().map(String::as_str).collect();
        let mut line = connect(self.lis.link_addr("CHEM"));
        e1381_send(&mut line, &records).unwrap_or_else(|e| panic!("{e}\n{}", self.lis.log()));
    }
}

/// An order as the HIS sends it: one ORC/OBR pair per test, the tube's barcode in OBR-3.
struct Order<'a> {
    control: &'a str,
    placer: &'a str,
    barcode: &'a str,
    /// PID-3, PID-5 (family^given^middle), PID-7, PID-8.
    patient: (&'a str, &'a str, &'a str, &'a str),
    stat: bool,
    tests: &'a [(&'a str, &'a str, &'a str)],
}

impl Order<'_> {
    fn orm(&self) -> String {
        let (id, name, birth, sex) = self.patient;
        let mut message = format!(
            "MSH|^~\\&|HIS|BV|LIS|LAB|20261207080000||ORM^O01|{}|P|2.5.1||||||UNICODE UTF-8\r\
             PID|1||{id}^^^BV^PI||{name}||{birth}|{sex}\r\
             PV1|1|I|NOI\r",
            self.control
        );
        for (i, (_, loinc, name)) in self.tests.iter().enumerate() {
            let priority = if self.stat { "S" } else { "R" };
            message.push_str(&format!(
                "ORC|NW|{placer}||||||||||BS01^Lê^Minh|||||NOI^Khoa Nội\r\
                 OBR|{}|{placer}|{barcode}|{loinc}^{name}^LN|{priority}\r",
                i + 1,
                placer = self.placer,
                barcode = self.barcode,
            ));
        }
        message
    }
}

/// The STAT panel of Mr Nguyễn Văn An, born 1970.
fn stat_panel<'a>(control: &'a str, placer: &'a str, barcode: &'a str) -> Order<'a> {
    Order {
        control,
        placer,
        barcode,
        patient: ("BN700", "Nguyễn^An^Văn", "19700315", "M"),
        stat: true,
        tests: &PANEL,
    }
}

/// A routine glucose and urea of Mrs Lê Thị Mai, born 1985.
fn routine_order<'a>(control: &'a str, placer: &'a str, barcode: &'a str) -> Order<'a> {
    Order {
        control,
        placer,
        barcode,
        patient: ("BN701", "Lê^Mai^Thị", "19850620", "F"),
        stat: false,
        tests: &PANEL[..2],
    }
}

/// The analyzer's results for the STAT panel: glucose and urea normal, creatinine high for an
/// adult man, potassium critical.
const PANEL_RESULTS: [(&str, &str, &str); 4] = [
    ("GLU", "5.2", "mmol/L"),
    ("UREA", "5.0", "mmol/L"),
    ("CREA", "150", "umol/L"),
    ("K", "7.0", "mmol/L"),
];

/// A simulated HIS results endpoint: records every message and acknowledges it with `AA`.
#[derive(Clone, Default)]
struct FakeHis(Arc<Mutex<Vec<String>>>);

impl FakeHis {
    fn serve(listener: TcpListener) -> Self {
        let his = Self::default();
        let seen = his.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let seen = seen.clone();
                std::thread::spawn(move || {
                    while let Ok(message) = mllp_read(&mut stream) {
                        let control = field(&message, "MSH", 9);
                        seen.0
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push(message);
                        let ack = format!(
                            "MSH|^~\\&|HIS|BV|LIS|LAB|20261207100000||ACK^R01^ACK|A{control}|P|2.5.1\rMSA|AA|{control}\r"
                        );
                        if stream.write_all(&mllp_block(&ack)).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        his
    }

    fn messages(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Every OBX the HIS received, with its message's type (MSH-9).
    fn observations(&self) -> Vec<(String, Vec<String>)> {
        self.messages()
            .iter()
            .flat_map(|m| {
                let kind = field(m, "MSH", 8);
                m.split('\r')
                    .filter(|s| s.starts_with("OBX|"))
                    .map(|s| (kind.clone(), s.split('|').map(str::to_owned).collect()))
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

/// Field `n` of the first `segment` of an HL7 message (MSH counted as HL7 counts it: the field
/// separator is MSH-1, so `split` index `n` is MSH-(n+1)).
fn field(message: &str, segment: &str, n: usize) -> String {
    message
        .split('\r')
        .find(|s| s.starts_with(segment))
        .and_then(|s| s.split('|').nth(n))
        .unwrap_or_default()
        .to_owned()
}

// ------------------------------------------------------------------------------ the journeys

/// The whole panel journey in one language; `shots` names the screenshots' suffix when taken.
fn panel_from_order_to_the_his(words: &Words, shots: Option<&str>) {
    let bench = Bench::open(&[&TECHNICIAN, &SUPERVISOR], words);
    // Earlier in the shift: a routine order whose glucose came back high waits on the worklist.
    bench.his_orders(&routine_order("ORD1", "PL-7001", "S7001"));
    bench.analyzer_sends(
        "S7001",
        &[("GLU", "7.9", "mmol/L"), ("UREA", "4.1", "mmol/L")],
    );
    // The emergency department orders a STAT panel for Mr An.
    bench.his_orders(&stat_panel("ORD2", "PL-7002", "S7002"));

    // The technician signs in: the worklist shows the routine specimen, not the STAT one whose
    // tube has not been measured yet.
    let tech = Browser::start();
    sign_in(&tech, &bench, &TECHNICIAN, words);
    assert!(
        tech.text(".top .user").contains(words.technician),
        "{}",
        tech.text(".top .user")
    );
    tech.wait_for_text("S7001", TIMEOUT);
    assert_eq!(worklist_row(&tech, "S7002"), Value::Null);
    assert!(!tech.page_text().contains(words.nothing_waiting));
    let worklist_url = tech.url();
    tech.script("window.journeyMark = 'the page before the results'; return null;");

    // The analyzer sends the STAT panel; the row appears on the open page by itself.
    bench.analyzer_sends("S7002", &PANEL_RESULTS);
    tech.wait_for_text("S7002", TIMEOUT);
    assert_eq!(tech.url(), worklist_url, "the page moved");
    assert_eq!(
        tech.script("return window.journeyMark || null"),
        "the page before the results",
        "the page was reloaded"
    );
    let row = wait_for("the STAT row with all four results", TIMEOUT, || {
        let row = worklist_row(&tech, "S7002");
        (row["waiting"] == "4").then_some(row)
    });
    assert_eq!(row["index"], 0, "STAT first: {row}");
    assert_eq!(row["state"], words.critical, "{row}");
    assert_eq!(row["priority"], words.stat, "{row}");
    assert_eq!(row["patient"], "Nguyễn Văn An", "{row}");
    assert!(
        row["sex_age"]
            .as_str()
            .unwrap_or_default()
            .contains(words.male),
        "{row}"
    );
    assert_eq!(
        strings(&row["reasons"]),
        [
            words.reason_range,
            words.reason_critical,
            words.reason_review
        ],
        "{row}"
    );
    assert!(
        !row["critical_wait"].as_str().unwrap_or_default().is_empty(),
        "{row}"
    );
    let routine = worklist_row(&tech, "S7001");
    assert_eq!(routine["index"], 1, "{routine}");
    assert_eq!(routine["state"], words.held, "{routine}");
    assert_eq!(
        strings(&routine["reasons"]),
        [words.reason_range, words.reason_review],
        "{routine}"
    );
    if let Some(suffix) = shots {
        screenshot(&tech, &format!("worklist{suffix}.png"));
    }

    // The technician opens the specimen: each flag in words beside its symbol, and why each
    // result waits for a person.
    tech.click("tr[data-id=S7002] th a");
    wait_for("the specimen page", TIMEOUT, || {
        (tech.url() == bench.url("/specimens/S7002")).then_some(())
    });
    let results = results_table(&tech);
    for (code, value) in [
        ("GLU", "5.2"),
        ("UREA", "5.0"),
        ("CREA", "150"),
        ("K", "7.0"),
    ] {
        let r = &results[code];
        assert_eq!(r["value"], value, "{results}");
        assert_eq!(r["state"], words.awaiting_verification, "{code}: {results}");
        assert!(
            strings(&r["why"]).contains(&words.always_review),
            "{code}: {results}"
        );
    }
    assert_eq!(results["GLU"]["range"], "3.9-6.4", "{results}");
    assert_eq!(results["CREA"]["range"], "62-106", "{results}");
    assert!(strings(&results["GLU"]["flags"]).is_empty(), "{results}");
    assert!(strings(&results["UREA"]["flags"]).is_empty(), "{results}");
    assert_eq!(
        strings(&results["CREA"]["flags"]),
        [words.high],
        "{results}"
    );
    assert!(
        strings(&results["K"]["flags"]).contains(&words.critically_high),
        "{results}"
    );
    assert_eq!(results["K"]["callback"], words.not_told, "{results}");
    assert_eq!(results["CREA"]["callback"], "", "{results}");
    if let Some(suffix) = shots {
        screenshot(&tech, &format!("specimen{suffix}.png"));
    }
    // A technician releases nothing.
    assert!(tech.find_all(".action-bar button[data-key=r]").is_empty());
    tick_only(&tech, &["GLU", "UREA", "CREA", "K"]);
    press(&tech, "v", words.verify);
    let results = results_table(&tech);
    for (code, _, _) in PANEL {
        assert_eq!(results[code]["state"], words.verified, "{code}: {results}");
    }

    // The supervisor signs in at another workstation and opens the verified panel.
    let sup = Browser::start();
    sign_in(&sup, &bench, &SUPERVISOR, words);
    assert!(sup.text(".top .user").contains(words.supervisor));
    sup.wait_for_text("S7002", TIMEOUT);
    sup.click("tr[data-id=S7002] th a");
    wait_for("the specimen page", TIMEOUT, || {
        (sup.url() == bench.url("/specimens/S7002")).then_some(())
    });
    // The clear ones and the high creatinine are released.
    tick_only(&sup, &["GLU", "UREA", "CREA"]);
    press(&sup, "r", words.release);
    let results = results_table(&sup);
    for code in ["GLU", "UREA", "CREA"] {
        assert_eq!(results[code]["state"], words.released, "{code}: {results}");
    }

    // Releasing the critical potassium before anyone was told is refused, and says why.
    tick_only(&sup, &["K"]);
    sup.click(".action-bar button[data-key=r]");
    sup.wait_for_text("409", TIMEOUT);
    assert!(
        sup.page_text().contains(words.callback_required),
        "{}",
        sup.page_text()
    );
    sup.goto(&bench.url("/specimens/S7002"));
    let results = results_table(&sup);
    assert_eq!(results["K"]["state"], words.verified, "{results}");
    assert_eq!(results["K"]["callback"], words.not_told, "{results}");

    // The supervisor phones the ward, is read the value back, and records it.
    let k_row = results["K"]["row"].as_str().unwrap_or_default();
    let callback = format!("#callback-{}", k_row.trim_start_matches("result-"));
    let form = format!("{callback} form");
    sup.fill(&format!("{form} input[name=who]"), "BS Phạm Văn Đức");
    sup.fill(&format!("{form} input[name=role]"), "Bác sĩ trực");
    sup.fill(
        &format!("{form} input[name=ward_or_phone]"),
        "Khoa Cấp cứu, máy lẻ 215",
    );
    sup.click(&format!("{form} input[name=outcome][value=told_read_back]"));
    next_page(&sup, || sup.click(&format!("{form} button[type=submit]")));
    let recorded = sup.text(&format!("{callback} table"));
    for part in [
        "BS Phạm Văn Đức",
        "Bác sĩ trực",
        "Khoa Cấp cứu, máy lẻ 215",
        words.told_read_back,
        SUPERVISOR.name,
    ] {
        assert!(recorded.contains(part), "{part:?} not in {recorded}");
    }
    let results = results_table(&sup);
    assert_eq!(results["K"]["callback"], words.told, "{results}");
    tick_only(&sup, &["K"]);
    press(&sup, "r", words.release);
    let results = results_table(&sup);
    assert_eq!(results["K"]["state"], words.released, "{results}");
    assert_eq!(results["K"]["callback"], words.told, "{results}");

    // The HIS has every result of the panel, each once, final, with the lab's flags.
    let observations = wait_for("the four results at the HIS", TIMEOUT, || {
        let obx = bench.his.observations();
        PANEL
            .iter()
            .all(|(code, ..)| obx.iter().any(|(_, o)| o[3].contains(&format!("^{code}^"))))
            .then_some(obx)
    });
    for (kind, _) in &observations {
        assert_eq!(kind, "ORU^R01^ORU_R01");
    }
    let obx = |code: &str| -> Vec<String> {
        let found: Vec<&Vec<String>> = observations
            .iter()
            .map(|(_, o)| o)
            .filter(|o| o[3].contains(&format!("^{code}^")))
            .collect();
        assert_eq!(found.len(), 1, "{code} sent once: {observations:?}");
        found[0].clone()
    };
    for (code, loinc, _) in PANEL {
        let o = obx(code);
        assert!(o[3].starts_with(&format!("{loinc}^")), "{o:?}");
        assert_eq!(o[11], "F", "{o:?}");
    }
    assert_eq!(obx("GLU")[5], "5.2");
    assert_eq!(obx("GLU")[8], "N");
    assert_eq!(obx("UREA")[8], "N");
    assert_eq!(obx("CREA")[5], "150");
    assert_eq!(obx("CREA")[8], "H");
    assert_eq!(obx("K")[5], "7.0");
    assert!(obx("K")[8].split('~').any(|f| f == "HH"), "{:?}", obx("K"));

    // The specimen's history: the technician verified, the supervisor recorded the call-back
    // and released.
    let steps = history(&sup);
    let by = |who: &str| -> Vec<String> {
        steps
            .iter()
            .filter(|s| s.get(1).is_some_and(|w| w == who))
            .map(|s| s.join(" | "))
            .collect()
    };
    let technician = by(TECHNICIAN.name);
    let supervisor = by(SUPERVISOR.name);
    assert_eq!(
        technician
            .iter()
            .filter(|s| s.contains(words.verified))
            .count(),
        4,
        "{steps:?}"
    );
    assert_eq!(
        supervisor
            .iter()
            .filter(|s| s.contains(words.released))
            .count(),
        4,
        "{steps:?}"
    );
    assert!(
        supervisor.iter().any(|s| s.contains("BS Phạm Văn Đức")),
        "{steps:?}"
    );

    // The ward calls back: creatinine was diluted twice. The supervisor corrects the released
    // value with a reason, and the HIS receives the correction (OBX-11 C) with the new value.
    let results = results_table(&sup);
    let crea_row = results["CREA"]["row"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let crea_id = crea_row.trim_start_matches("result-");
    sup.click("#correct summary");
    sup.click(&format!("#correct option[value^=\"{crea_id}:\"]"));
    sup.fill("#correct input[name=new_value]", "300");
    sup.fill(
        "#correct textarea[name=correct_reason]",
        "dilution 1:2 not applied",
    );
    next_page(&sup, || sup.click("#correct button[type=submit]"));
    let corrected = wait_for("the correction at the HIS", TIMEOUT, || {
        bench
            .his
            .observations()
            .into_iter()
            .find(|(_, o)| o[3].contains("^CREA^") && o[11] == "C")
    });
    assert_eq!(corrected.1[5], "300", "{corrected:?}");
    let steps = history(&sup);
    assert!(
        steps
            .iter()
            .any(|s| s.iter().any(|c| c == "dilution 1:2 not applied")),
        "{steps:?}"
    );
    drop(sup);

    // The technician's shift ends: she signs out, and the sign-in page says so in her language.
    sign_out(&tech, &bench, words);
    drop(tech);

    let (code, log) = bench.lis.stop();
    assert_eq!(code, Some(0), "{log}");
    let (code, out, err) = bench.lab.run(&["audit", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn a_technician_and_a_supervisor_take_a_panel_from_order_to_the_his() {
    panel_from_order_to_the_his(&ENGLISH, Some(""));
}

#[test]
fn the_same_panel_with_the_ui_in_vietnamese() {
    panel_from_order_to_the_his(&VIETNAMESE, Some("-vi"));
}

#[test]
fn a_technician_reviews_a_specimen_with_the_keyboard_alone() {
    let words = &ENGLISH;
    let bench = Bench::open(&[&TECHNICIAN], words);
    bench.his_orders(&stat_panel("ORD1", "PL-7101", "S7101"));
    bench.his_orders(&routine_order("ORD2", "PL-7102", "S7102"));
    bench.analyzer_sends("S7101", &PANEL_RESULTS);
    bench.analyzer_sends(
        "S7102",
        &[("GLU", "5.5", "mmol/L"), ("UREA", "6.0", "mmol/L")],
    );

    let tech = Browser::start();
    sign_in(&tech, &bench, &TECHNICIAN, words);
    tech.wait_for_text("S7102", TIMEOUT);
    tech.wait_for_text("S7101", TIMEOUT);
    let selected = || {
        tech.script(
        "var r = document.querySelector('tbody tr.selected[data-href]'); return r ? r.dataset.id : null;",
    )
    };
    // j selects the first row (the STAT one), j again the routine one, k back, j again.
    tech.keys("j");
    assert_eq!(selected(), "S7101");
    tech.keys("j");
    assert_eq!(selected(), "S7102");
    tech.keys("k");
    assert_eq!(selected(), "S7101");
    tech.keys("j");
    assert_eq!(selected(), "S7102");
    // Enter opens it.
    tech.enter();
    wait_for("the specimen page", TIMEOUT, || {
        (tech.url() == bench.url("/specimens/S7102")).then_some(())
    });
    let results = results_table(&tech);
    for code in ["GLU", "UREA"] {
        assert_eq!(
            results[code]["state"], words.awaiting_verification,
            "{results}"
        );
        assert_eq!(
            results[code]["checked"], true,
            "{code} is not ticked: {results}"
        );
    }
    // v verifies the ticked results; the page after it keeps the focus on the work.
    next_page(&tech, || tech.keys("v"));
    let results = results_table(&tech);
    for code in ["GLU", "UREA"] {
        assert_eq!(results[code]["state"], words.verified, "{results}");
    }
    let focus = tech.script(
        "var a = document.activeElement; \
         return a && a !== document.body ? (a.id || a.tagName) : null;",
    );
    assert_ne!(focus, Value::Null, "the focus was lost to the page's body");
    // The keys still work where the focus is: ? shows the help.
    tech.keys("?");
    assert_eq!(
        tech.script("return !document.getElementById('keyboard-help').hidden"),
        true
    );
}
