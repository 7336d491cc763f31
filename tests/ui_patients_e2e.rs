//! The patient, turnaround and users pages end to end, in Debian's Chromium over WebDriver,
//! against the real `lis serve`, as the lab's head and its administrator use them:
//!
//! - The supervisor types a patient's name without Vietnamese marks ("nguyen van an") and
//!   finds NGUYỄN VĂN AN (but not Trần Thị Bích Ngọc), opens the cumulative report and sees both
//!   glucose results and the trend chart with its reference band (saved as `patient.png`).
//! - The supervisor opens the turnaround dashboard: glucose on three specimens received today,
//!   two released, and the critical glucose of the third still without a call-back. The page is
//!   saved as `dashboard.png` at 1366×768 in `LIS_SCREENSHOTS` (the README's is made with
//!   `LIS_SCREENSHOTS=docs/screenshots cargo test -p lis-tests --test tests ui_patients`).
//! - The administrator creates a technician on the users page; the page shows the one-time
//!   password once; the new technician signs in with it, is made to choose a new password, and
//!   lands on the worklist with their name in the header.
//!
//! Expected values come from the demo catalog (core/src/config/default_lab.toml): glucose
//! 3.9–6.4 mmol/L for adults, critical below 2.5, autoverified and released when normal;
//! biochemistry's turnaround target is 2 hours.

use lis_tests::analyzer::{connect, e1381_send};
use lis_tests::browser::{screenshot_dir, Browser};
use lis_tests::lab::Lab;
use lis_tests::lab_config::{chemistry, LabConfig};
use lis_tests::server::{wait_for, Lis, TIMEOUT};

/// The lab: the demo catalog, the chemistry analyzer measuring glucose, a supervisor and an
/// administrator in English, and three orders placed at reception (received now).
struct Bench {
    _dir: tempfile::TempDir,
    _lab: Lab,
    lis: Lis,
}

const SUPERVISOR: (&str, &str, &str) = ("hoa", "Trần Thị Hoa", "Giam-sat-vien-2026");
const ADMIN: (&str, &str, &str) = ("quantri", "Quản trị viên", "Quan-tri-vien-2026");

impl Bench {
    fn open() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let lab = LabConfig::default_catalog()
            .link(&chemistry(&["GLU"]))
            .write(dir.path());
        for ((username, name, password), role) in [(SUPERVISOR, "supervisor"), (ADMIN, "admin")] {
            let (code, _, err) = lab.run_with_input(
                &[
                    "user",
                    "add",
                    "--username",
                    username,
                    "--name",
                    name,
                    "--role",
                    role,
                    "--lang",
                    "en",
                    "--password-stdin",
                ],
                &format!("{password}\n"),
            );
            assert_eq!(code, 0, "lis user add {username}: {err}");
        }
        for (specimen, patient, name, sex, birth) in [
            ("S-301", "BN301", "NGUYỄN VĂN AN", "M", "1970-03-15"),
            ("S-302", "BN302", "Trần Thị Bích Ngọc", "F", "1985-06-20"),
            ("S-303", "BN301", "NGUYỄN VĂN AN", "M", "1970-03-15"),
        ] {
            let (code, out, err) = lab.run(&[
                "order",
                "add",
                "--specimen",
                specimen,
                "--tests",
                "GLU",
                "--patient",
                patient,
                "--name",
                name,
                "--sex",
                sex,
                "--birth",
                birth,
            ]);
            assert_eq!(code, 0, "lis order add {specimen}: {out}{err}");
        }
        let lis = lab.serve();
        Self {
            _dir: dir,
            _lab: lab,
            lis,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.lis.http())
    }

    /// The analyzer sends one glucose over E1381, every frame acknowledged.
    fn glucose(&self, specimen: &str, value: &str) {
        let now = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(7)))
            .strftime("%Y%m%d%H%M%S")
            .to_string();
        let records = [
            format!(r"H|\^&|||CHEM-1|||||||P|LIS2-A2|{now}"),
            "P|1".to_owned(),
            format!("O|1|{specimen}||^^^GLU|R"),
            format!("R|1|^^^GLU|{value}|mmol/L|||||F||||{now}"),
            "L|1|N".to_owned(),
        ];
        let records: Vec<&str> = records.iter().map(String::as_str).collect();
        let mut line = connect(self.lis.link_addr("CHEM"));
        e1381_send(&mut line, &records).unwrap_or_else(|e| panic!("{e}\n{}", self.lis.log()));
    }

    /// Signs in through the form and waits to leave the sign-in page.
    fn sign_in(&self, browser: &Browser, username: &str, password: &str) {
        browser.goto(&self.url("/login?lang=en"));
        browser.fill("#username", username);
        browser.fill("#password", password);
        browser.click("form.stacked button[type=submit]");
        wait_for("leaving the sign-in page", TIMEOUT, || {
            (!browser.url().contains("/login")).then_some(())
        });
    }

    fn sign_out(&self, browser: &Browser) {
        browser.click(".sign-out button");
        browser.wait_for_text("You have signed out.", TIMEOUT);
    }
}

/// The cells of the table rows matching `css`, each as its text with single spaces.
fn rows(browser: &Browser, css: &str) -> Vec<Vec<String>> {
    let value = browser.script(&format!(
        "return Array.prototype.map.call(document.querySelectorAll({}), function (tr) {{
           return Array.prototype.map.call(tr.children, function (c) {{
             return c.textContent.replace(/\\s+/g, ' ').trim();
           }});
         }});",
        serde_json::to_string(css).unwrap_or_default()
    ));
    serde_json::from_value(value).unwrap_or_default()
}

#[test]
fn a_name_without_marks_the_dashboard_and_a_new_user_who_signs_in() {
    let bench = Bench::open();
    bench.glucose("S-301", "5.0");
    bench.glucose("S-303", "5.8");
    bench.glucose("S-302", "1.9"); // below 2.5: critical, held
    let browser = Browser::start();

    // The supervisor finds Mr An by his name typed without marks.
    let (hoa, hoa_name, hoa_password) = SUPERVISOR;
    bench.sign_in(&browser, hoa, hoa_password);
    browser.wait_for_text(hoa_name, TIMEOUT);
    browser.click("nav a[href='/patients']");
    browser.fill("#patient-q", "nguyen van an");
    browser.enter();
    browser.wait_for_text("patients match", TIMEOUT);
    let found = rows(&browser, "table.patients tbody tr");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0][0], "NGUYỄN VĂN AN");
    assert_eq!(found[0][1], "BN301");
    assert_eq!(found[0][5], "name");
    assert!(!browser.page_text().contains("Bích Ngọc"));

    // His cumulative report: both glucose values on their specimens, and the trend chart.
    browser.click("table.patients tbody a");
    browser.wait_for_text("Cumulative report", TIMEOUT);
    let table = rows(&browser, "table.cumulative tbody tr");
    assert_eq!(table.len(), 1, "{table:?}");
    assert_eq!(table[0][0], "Glucose");
    assert_eq!(table[0][1], "mmol/L");
    assert_eq!(table[0][2], "3.9-6.4");
    // Newest specimen first: S-303 (5.8) then S-301 (5.0), both within the range.
    assert_eq!(table[0][3..], ["5.8", "5.0"]);
    assert_eq!(browser.find_all("svg.trend-chart").len(), 1);
    assert_eq!(
        browser.find_all("svg.trend-chart circle.trend-mark").len(),
        2
    );
    assert_eq!(browser.find_all("svg.trend-chart rect.trend-band").len(), 1);
    let path = screenshot_dir().join("patient.png");
    browser.screenshot(&path);

    // The turnaround dashboard for today.
    browser.click("nav a[href='/turnaround']");
    browser.wait_for_text("Turnaround times", TIMEOUT);
    let headline = browser.text("#tat-headline");
    assert!(
        headline.contains("✓ Tests past their target: 0"),
        "{headline}"
    );
    assert!(
        headline.contains("‼ Critical results not yet told: 1"),
        "{headline}"
    );
    let sections = rows(&browser, "#tat-sections tbody tr");
    assert_eq!(sections.len(), 1, "{sections:?}");
    assert_eq!(sections[0][..3], ["Biochemistry", "3", "2"]);
    let tests = rows(&browser, "#tat-tests tbody tr");
    assert_eq!(
        tests[0][..5],
        ["GLU · Glucose", "Biochemistry", "2 h 00 min", "3", "2"]
    );
    // Released within minutes of receipt: the median and P90 are under the target.
    assert!(
        tests[0][5].ends_with(" min") && !tests[0][5].contains(" h "),
        "{tests:?}"
    );
    let critical = rows(&browser, "#tat-critical tbody tr");
    assert_eq!(critical.len(), 1, "{critical:?}");
    assert_eq!(critical[0][..3], ["S-302", "GLU", "1.9 mmol/L"]);
    assert!(critical[0][4].contains("no call-back yet"), "{critical:?}");
    browser.script("window.scrollTo(0, 0); return null;");
    let path = screenshot_dir().join("dashboard.png");
    browser.screenshot(&path);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    assert!(size > 10_000, "{} is only {size} bytes", path.display());
    bench.sign_out(&browser);

    // The administrator creates a technician and reads the one-time password once.
    let (admin, _, admin_password) = ADMIN;
    bench.sign_in(&browser, admin, admin_password);
    browser.goto(&bench.url("/admin/users"));
    browser.wait_for_text("Create a user", TIMEOUT);
    browser.fill("input[name=username]", "binh");
    browser.fill("input[name=display_name]", "Phạm Văn Bình");
    browser.click("form.filters input[name=role][value=technician]");
    browser.script(
        "document.querySelector('form.filters select[name=language]').value = 'en'; return null;",
    );
    browser.click("form.filters button[type=submit]");
    browser.wait_for_text("User binh created.", TIMEOUT);
    let one_time = browser.text("#one-time-password");
    assert_eq!(one_time.chars().count(), 16, "{one_time}");
    browser.goto(&bench.url("/admin/users"));
    assert!(!browser.page_text().contains(&one_time), "shown only once");
    let users = rows(&browser, "table.users tbody tr");
    let binh = users.iter().find(|u| u[0] == "binh").expect("binh listed");
    assert_eq!(binh[1], "Phạm Văn Bình");
    assert!(binh[2].contains("must change password"), "{binh:?}");
    bench.sign_out(&browser);

    // Bình signs in with it, must choose a new password, and reaches the worklist.
    bench.sign_in(&browser, "binh", &one_time);
    wait_for("the password page", TIMEOUT, || {
        browser.url().ends_with("/password").then_some(())
    });
    browser.fill("#current_password", &one_time);
    browser.fill("#new_password", "Ky-thuat-vien-2026");
    browser.fill("#confirm_password", "Ky-thuat-vien-2026");
    browser.click("form.stacked button[type=submit]");
    browser.wait_for_text("Phạm Văn Bình", TIMEOUT);
    wait_for("the worklist", TIMEOUT, || {
        (browser.url() == bench.url("/")).then_some(())
    });
    assert_eq!(browser.text("main h1"), "Worklist");
}
