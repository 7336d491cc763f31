//! Reception and the printed report end to end, in Debian's Chromium over WebDriver against the
//! real `lis serve`, as the bench and the front desk do it:
//!
//! - A technician opens the reception page and a barcode scanner (a keyboard wedge: it types
//!   the id and Enter into the focused field) scans a tube: the page says RECEIVED with the
//!   server's time; the same tube scanned again says ALREADY RECEIVED and the receipt time does
//!   not move.
//! - The analyzer sends the panel, the technician verifies it and a supervisor releases it; the
//!   order's report at `/orders/{placer}/report` printed to PDF by Chromium (WebDriver's Print
//!   Page, read back with `pdftotext` and `pdfinfo` from poppler-utils) carries the lab's name,
//!   the patient, every released result with its unit and reference range, the high flag in
//!   words, who verified and who released, and "Page 1 of N" with N the PDF's page count; the
//!   same on A5 in Vietnamese ("Trang 1/N"); after `lis correct` the report says CORRECTED with
//!   the value it replaced.
//!
//! Screenshots of the reception page and the A4 report at 1366×768 go to `LIS_SCREENSHOTS`
//! (the README's: `LIS_SCREENSHOTS=docs/screenshots cargo test -p lis-tests --test tests
//! ui_reception`).
//!
//! Expected values come from the demo catalog (core/src/config/default_lab.toml) for a man
//! born in 1970: glucose 3.9-6.4 mmol/L, urea 2.5-7.5 mmol/L, creatinine 62-106 umol/L (150 is
//! high: HL7 table 0078 `H`), potassium 3.5-5.1 mmol/L. The words are the catalogs'
//! (web/src/ui/reception/texts.rs, web/src/ui/report/texts.rs), written out as a person reads
//! them.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;

use lis_tests::analyzer::{connect, e1381_send, mllp_block, mllp_read};
use lis_tests::browser::{screenshot_dir, Browser};
use lis_tests::lab::Lab;
use lis_tests::lab_config::{chemistry, LabConfig};
use lis_tests::server::{wait_for, Lis, TIMEOUT};

const TUBE: &str = "2612070901";
const PANEL: [&str; 4] = ["GLU", "UREA", "CREA", "K"];
/// The panel's LOINC codes, as the HIS orders them.
const LOINC: [&str; 4] = ["14749-6", "22664-7", "14682-9", "2823-3"];

struct Person {
    username: &'static str,
    name: &'static str,
    role: &'static str,
    lang: &'static str,
    password: &'static str,
}

const TECHNICIAN: Person = Person {
    username: "lan",
    name: "Nguyễn Thị Lan",
    role: "technician",
    lang: "en",
    password: "Xet-nghiem-2026",
};

const SUPERVISOR: Person = Person {
    username: "hoa",
    name: "Trần Thị Hoa",
    role: "supervisor",
    lang: "vi",
    password: "Giam-sat-vien-2026",
};

struct Bench {
    _dir: tempfile::TempDir,
    lab: Lab,
    lis: Lis,
}

impl Bench {
    /// The demo lab with the panel waiting for a person, the lab's address and phone for the
    /// report, the two people, and one order for `TUBE` placed before it starts.
    fn open() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = PANEL
            .iter()
            .fold(LabConfig::default_catalog(), |c, code| {
                c.edit_test(
                    code,
                    "autoverify = true\nauto_release = true",
                    "autoverify = false\nauto_release = false",
                )
            })
            .edit(
                "address = \"Số 1 Đường Trần Phú, Thành phố (demo)\"",
                "address = \"12 Lê Lợi, Phường 1, TP Huế\"",
            )
            .edit("phone = \"0203 000 000\"", "phone = \"0234 3822 222\"");
        let lab = config
            .link(&chemistry(&PANEL))
            .section("[his]\norders_listen = \"127.0.0.1:0\"\n")
            .write(dir.path());
        for p in [&TECHNICIAN, &SUPERVISOR] {
            let (code, _, err) = lab.run_with_input(
                &[
                    "user",
                    "add",
                    "--username",
                    p.username,
                    "--name",
                    p.name,
                    "--role",
                    p.role,
                    "--lang",
                    p.lang,
                    "--password-stdin",
                ],
                &format!("{}\n", p.password),
            );
            assert_eq!(code, 0, "lis user add {}: {err}", p.username);
        }
        let lis = lab.serve();
        let bench = Self {
            _dir: dir,
            lab,
            lis,
        };
        bench.his_orders();
        bench
    }

    /// The HIS orders the panel for Mr NGUYEN VAN AN (born 1970-01-02) over MLLP (ORM^O01),
    /// with the collection time in OBR-7 and no receipt: the tube is still to arrive.
    fn his_orders(&self) {
        let addr: SocketAddr = wait_for("the HIS orders listener", TIMEOUT, || {
            self.lis
                .log()
                .lines()
                .find_map(|l| l.strip_prefix("lis: his orders listening on "))
                .and_then(|a| a.trim().parse().ok())
        });
        let mut message = String::from(
            "MSH|^~\\&|HIS|BV|LIS|LAB|20261207080000||ORM^O01|RC1|P|2.5.1||||||UNICODE UTF-8\r\
             PID|1||BN900^^^BV^PI||NGUYEN^AN^VAN||19700102|M\r\
             PV1|1|I|NOI\r",
        );
        for (i, (code, loinc)) in PANEL.iter().zip(LOINC).enumerate() {
            message.push_str(&format!(
                "ORC|NW|{TUBE}||||||||||BS01^Lê^Minh|||||NOI^Khoa Nội\r\
                 OBR|{}|{TUBE}|{TUBE}|{loinc}^{code}^LN|R||20261207070000\r",
                i + 1
            ));
        }
        let mut stream = TcpStream::connect(addr).expect("connect to the orders listener");
        stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
        stream
            .write_all(&mllp_block(&message))
            .expect("send the order");
        let ack = mllp_read(&mut stream).expect("an ACK");
        assert!(ack.contains("MSA|AA"), "{ack}\n{}", self.lis.log());
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.lis.http())
    }

    fn sign_in(&self, browser: &Browser, person: &Person) {
        browser.goto(&self.url("/login"));
        browser.fill("#username", person.username);
        browser.fill("#password", person.password);
        browser.click("form.stacked button[type=submit]");
        wait_for("the worklist after signing in", TIMEOUT, || {
            (browser.url() == self.url("/")).then_some(())
        });
        browser.wait_for_text(person.name, TIMEOUT);
    }

    fn sign_out(&self, browser: &Browser) {
        browser.click(".sign-out button");
        wait_for("the sign-in page", TIMEOUT, || {
            browser.url().starts_with(&self.url("/login")).then_some(())
        });
    }

    /// The analyzer sends the panel over E1381.
    fn analyzer_sends(&self, results: &[(&str, &str, &str)]) {
        let now = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(7)))
            .strftime("%Y%m%d%H%M%S")
            .to_string();
        let mut records = vec![
            format!(r"H|\^&|||CHEM-1|||||||P|LIS2-A2|{now}"),
            "P|1".to_owned(),
            format!("O|1|{TUBE}||^^^GLU|R"),
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

    /// Ticks every result on the specimen page and presses the action with key `key`.
    fn act_on_all(&self, browser: &Browser, key: &str) {
        browser.goto(&self.url(&format!("/specimens/{TUBE}")));
        browser.find("table.results tbody tr");
        browser.script(
            "document.querySelectorAll('input[name=result]').forEach(function (b) { b.checked = true; }); return null;",
        );
        browser.script("window.beforeAction = true; return null;");
        browser.click(&format!(".action-bar button[data-key={key}]"));
        wait_for("the page after the action", TIMEOUT, || {
            let done = browser.script(
                "return document.readyState === 'complete' && window.beforeAction === undefined",
            );
            (done == true).then_some(())
        });
    }
}

/// The reception page's answer and the tube's receipt time as the page shows them.
fn scan(browser: &Browser, id: &str) -> (String, String) {
    browser.script("window.beforeScan = true; return null;");
    // The scan field has the focus: the scanner types into it and presses Enter.
    assert_eq!(
        browser.script("return document.activeElement && document.activeElement.id"),
        "scan"
    );
    browser.keys(id);
    browser.enter();
    wait_for("the reception page after the scan", TIMEOUT, || {
        let done = browser
            .script("return document.readyState === 'complete' && window.beforeScan === undefined");
        (done == true).then_some(())
    });
    let answer = browser.text("#scan-result");
    let received = browser
        .script(
            "var dts = document.querySelectorAll('.scanned .facts dt'); \
             for (var i = 0; i < dts.length; i++) { if (dts[i].textContent === 'Received') \
             return dts[i].nextElementSibling.textContent; } return '';",
        )
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (answer, received)
}

/// The page printed to PDF on this paper, as text (`pdftotext -layout`) and page count.
fn print(browser: &Browser, width_cm: f64, height_cm: f64, name: &str) -> (String, usize) {
    let pdf = browser.print_pdf(width_cm, height_cm);
    let path = std::env::temp_dir().join(format!("lis-{}-{name}", std::process::id()));
    std::fs::write(&path, &pdf).expect("write the PDF");
    let text = run("pdftotext", &["-layout", path_str(&path), "-"]);
    let info = run("pdfinfo", &[path_str(&path)]);
    let pages = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in {info}"));
    let _ = std::fs::remove_file(&path);
    (text, pages)
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
}

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} (poppler-utils; .ci/run installs it): {e}"));
    assert!(
        out.status.success(),
        "{program}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Text with runs of spaces squeezed, so a phrase split by the PDF's layout still reads.
fn squeezed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn ui_reception_scan_and_the_printed_report() {
    let bench = Bench::open();
    let browser = Browser::start();
    bench.sign_in(&browser, &TECHNICIAN);

    // Reception: the first scan receives the tube at the server's time.
    browser.click("header.top nav a[href='/reception']");
    browser.wait_for_text("Specimen reception", TIMEOUT);
    let (answer, received) = scan(&browser, TUBE);
    assert!(
        answer.starts_with("✓ RECEIVED specimen 2612070901 at "),
        "{answer}"
    );
    assert!(!received.is_empty() && received != "—", "{received}");
    assert!(answer.contains(&received), "{answer} / {received}");
    // The collection time is the HIS's (OBR-7, the lab's local time).
    let facts = squeezed(&browser.text(".scanned .facts"));
    assert!(facts.contains("Collected 07/12/2026 07:00"), "{facts}");
    screenshot(&browser, "reception.png");
    // The same tube again: nothing changes, and the page says so.
    let (again, received_again) = scan(&browser, TUBE);
    assert!(
        again.starts_with("↺ ALREADY RECEIVED: 2612070901 was received at "),
        "{again}"
    );
    assert_eq!(received_again, received);
    // An id no tube has.
    let (unknown, _) = scan(&browser, "2612079999");
    assert!(
        unknown.starts_with("✗ UNKNOWN specimen 2612079999"),
        "{unknown}"
    );

    // The tube's label prints on one 50 × 25 mm label with the id and the patient.
    browser.goto(&bench.url(&format!("/specimens/{TUBE}/label")));
    browser.wait_for_text("Label 2612070901", TIMEOUT);
    let (label, pages) = print(&browser, 5.0, 2.5, "label.pdf");
    assert_eq!(pages, 1, "{label}");
    let label = squeezed(&label);
    for expected in [
        "NGUYEN VAN AN",
        "Male, 56 y · Serum · 07/12/2026",
        "2612070901",
    ] {
        assert!(
            label.contains(expected),
            "{expected:?} not on the label: {label}"
        );
    }
    assert!(
        !label.contains("Specimen reception"),
        "the page's frame printed: {label}"
    );

    // The analyzer sends the panel; the technician verifies, the supervisor releases.
    bench.analyzer_sends(&[
        ("GLU", "5.2", "mmol/L"),
        ("UREA", "6.1", "mmol/L"),
        ("CREA", "150", "umol/L"),
        ("K", "4.2", "mmol/L"),
    ]);
    wait_for("the results on the specimen page", TIMEOUT, || {
        browser.goto(&bench.url(&format!("/specimens/{TUBE}")));
        (browser.find_all("table.results tbody tr").len() == 4).then_some(())
    });
    bench.act_on_all(&browser, "v");
    bench.sign_out(&browser);
    bench.sign_in(&browser, &SUPERVISOR);
    bench.act_on_all(&browser, "r");

    // The report on A4, read by the technician in English.
    bench.sign_out(&browser);
    bench.sign_in(&browser, &TECHNICIAN);
    browser.goto(&bench.url(&format!("/orders/{TUBE}/report")));
    browser.wait_for_text("LABORATORY RESULT REPORT", TIMEOUT);
    screenshot(&browser, "report.png");
    let (text, pages) = print(&browser, 21.0, 29.7, "a4.pdf");
    let flat = squeezed(&text);
    for expected in [
        "Khoa Xét nghiệm - Bệnh viện Đa khoa Tỉnh (demo)",
        "12 Lê Lợi, Phường 1, TP Huế",
        "0234 3822 222",
        "LABORATORY RESULT REPORT",
        "NGUYEN VAN AN",
        "BN900",
        "FINAL",
        "Glucose 5.2 mmol/L 3.9-6.4",
        "Urea 6.1 mmol/L 2.5-7.5",
        "Creatinine 150 umol/L 62-106 ↑ H High",
        "Potassium 4.2 mmol/L 3.5-5.1",
        "Verified: Nguyễn Thị Lan",
        "Released: Trần Thị Hoa",
        &format!("Page 1 of {pages}"),
        &format!("Page {pages} of {pages}"),
    ] {
        assert!(
            flat.contains(expected),
            "{expected:?} not in the A4 PDF:\n{text}"
        );
    }
    assert!(
        !flat.contains(&format!("of {}", pages + 1)),
        "more pages than printed:\n{text}"
    );

    // The same report on A5, read by the supervisor in Vietnamese.
    bench.sign_out(&browser);
    bench.sign_in(&browser, &SUPERVISOR);
    browser.goto(&bench.url(&format!("/orders/{TUBE}/report?paper=a5")));
    browser.wait_for_text("PHIẾU KẾT QUẢ XÉT NGHIỆM", TIMEOUT);
    let (text, pages) = print(&browser, 14.8, 21.0, "a5.pdf");
    let flat = squeezed(&text);
    assert!(pages >= 2, "the A5 report is {pages} page(s):\n{text}");
    for expected in [
        "PHIẾU KẾT QUẢ XÉT NGHIỆM",
        "NGUYEN VAN AN",
        "CHÍNH THỨC",
        "150",
        "↑ H Cao",
        "62-106",
        "umol/L",
        "Duyệt: Nguyễn Thị Lan",
        "Trả: Trần Thị Hoa",
        &format!("Trang 1/{pages}"),
        &format!("Trang {pages}/{pages}"),
    ] {
        assert!(
            flat.contains(expected),
            "{expected:?} not in the A5 PDF:\n{text}"
        );
    }

    // A correction of the creatinine, with the command line, shows on the report.
    let results = bench.lab.results(TUBE);
    let crea = results
        .iter()
        .find(|r| r["test_code"] == "CREA")
        .and_then(|r| r["id"].as_i64())
        .expect("the creatinine result");
    let (code, out, err) = bench.lab.run(&[
        "correct",
        "--result",
        &crea.to_string(),
        "--value",
        "98",
        "--reason",
        "sample swapped on the rack",
    ]);
    assert_eq!(code, 0, "lis correct: {out}{err}");
    browser.goto(&bench.url(&format!("/orders/{TUBE}/report")));
    let (text, _) = print(&browser, 21.0, 29.7, "corrected.pdf");
    let flat = squeezed(&text);
    for expected in ["ĐÃ ĐÍNH CHÍNH", "Creatinin 98", "thay cho kết quả 150"] {
        assert!(
            flat.contains(expected),
            "{expected:?} not in the corrected PDF:\n{text}"
        );
    }
}

fn screenshot(browser: &Browser, name: &str) {
    let path = screenshot_dir().join(name);
    browser.screenshot(&path);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    assert!(size > 10_000, "{} is only {size} bytes", path.display());
}
