//! Quality control end to end, in Debian's Chromium against the real `lis serve`, as a
//! technician on the night shift whose chemistry analyzer's link is down, so QC is typed by hand:
//!
//! - The lab runs the demo lab's QC (core/src/config/default_lab.toml): material "Demo
//!   Chemistry Control", lot DC-2026, level 1 glucose with target mean 5.50 and SD 0.20 mmol/L
//!   on DEMO-CHEM. The technician enters four level 1 glucose values on four mornings through
//!   the manual entry form: 5.50, 5.70, 5.30 and 6.25. By hand: z = (x − 5.50) / 0.20 = 0, +1,
//!   −1 and +3.75; the last is beyond +3 SD, so 1-3s rejects its run, and the form's notice
//!   says the run is rejected and the glucose results held.
//! - The chart renders in the browser: four points in run order, read back from the SVG's
//!   `<title>`s and data attributes, at the heights the z-scores give, the last one named
//!   "1-3s" beside it; the table beside the chart has the same values and z-scores.
//! - The QC page lists glucose on DEMO-CHEM as rejected, first, with the rule in words.
//! - A patient's glucose that arrives afterwards waits on the worklist with a red "QC
//!   REJECTED" marker naming the test and the instrument, and the specimen page says why it
//!   cannot be released.
//!
//! The screenshots `qc.png` (the QC page) and `qc-chart.png` (the chart) go to
//! `LIS_SCREENSHOTS`, like the other journeys'.

use std::net::TcpStream;

use lis_tests::analyzer::{connect, e1381_send};
use lis_tests::browser::{screenshot_dir, Browser};
use lis_tests::lab::Lab;
use lis_tests::lab_config::{LabConfig, Link, Protocol};
use lis_tests::server::{wait_for, Lis, TIMEOUT};
use serde_json::Value;

const USERNAME: &str = "lan";
const NAME: &str = "Phạm Thị Lan";
const PASSWORD: &str = "Ky-thuat-vien-2026";

/// The demo lab's QC section, as the embedded default lab writes it: from its `[qc]` table up
/// to the `[his]` section that follows it.
fn demo_qc_section() -> String {
    let text = lis_core::DEFAULT_LAB_TOML;
    let start = text
        .find("\n[qc]")
        .expect("the demo lab has a [qc] section");
    let end = text[start..]
        .find("\n# [his]")
        .or_else(|| text[start..].find("\n[his]"))
        .map_or(text.len(), |at| start + at);
    text[start..end].to_owned()
}

/// The lab: the demo catalog, the demo chemistry analyzer DEMO-CHEM (glucose and creatinine
/// mapped), the demo lab's QC, a technician reading English, and an order for tube S100
/// (glucose).
struct Bench {
    _dir: tempfile::TempDir,
    _lab: Lab,
    lis: Lis,
}

impl Bench {
    fn open() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let chem = Link::tcp_server(
            "DEMO-CHEM",
            "Demo chemistry and immunoassay analyzer",
            "generic-astm",
            Protocol::AstmE1381,
        )
        .maps("GLU", "GLU")
        .maps("CREA", "CREA");
        let lab = LabConfig::default_catalog()
            .link(&chem)
            .section(&demo_qc_section())
            .write(dir.path());
        let (code, _, err) = lab.run_with_input(
            &[
                "user",
                "add",
                "--username",
                USERNAME,
                "--name",
                NAME,
                "--role",
                "technician",
                "--lang",
                "en",
                "--password-stdin",
            ],
            &format!("{PASSWORD}\n"),
        );
        assert_eq!(code, 0, "lis user add: {err}");
        lab.add_order("S100", "GLU", "BN100");
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

    /// The analyzer sends a patient's glucose for `specimen` on its open connection.
    fn analyzer_sends(&self, line: &mut TcpStream, specimen: &str, value: &str) {
        let records = [
            r"H|\^&|||DEMO-CHEM|||||||P|LIS2-A2|20261205080000".to_owned(),
            "P|1".to_owned(),
            format!("O|1|{specimen}||^^^GLU|R"),
            format!("R|1|^^^GLU|{value}|mmol/L|||||F||||20261205080000"),
            "L|1|N".to_owned(),
        ];
        let records: Vec<&str> = records.iter().map(String::as_str).collect();
        e1381_send(line, &records).unwrap_or_else(|e| panic!("{e}\n{}", self.lis.log()));
    }
}

fn sign_in(browser: &Browser, bench: &Bench) {
    browser.goto(&bench.url("/login?lang=en"));
    browser.fill("#username", USERNAME);
    browser.fill("#password", PASSWORD);
    browser.click("form.stacked button[type=submit]");
    wait_for("the worklist after signing in", TIMEOUT, || {
        (browser.url() == bench.url("/")).then_some(())
    });
    browser.wait_for_text(NAME, TIMEOUT);
}

/// Types one level 1 glucose QC value measured at `at` and sends the form; returns the notice.
fn enter_qc(browser: &Browser, bench: &Bench, value: &str, at: &str) -> String {
    browser.goto(&bench.url("/qc/enter"));
    browser.wait_for_text("Enter a QC result by hand", TIMEOUT);
    let chosen = browser.script(
        "var pair = document.querySelector('#qc-pair');
         pair.value = 'DEMO-CHEM GLU';
         document.querySelector('#qc-level').value = '1';
         return pair.value;",
    );
    assert_eq!(chosen, Value::String("DEMO-CHEM GLU".into()));
    browser.fill("#qc-value", value);
    browser.fill("#qc-at", at);
    browser.click("form.qc-enter button[type=submit]");
    wait_for("the entry's notice", TIMEOUT, || {
        let text = browser.text("#notices");
        text.contains(value).then_some(text)
    })
}

/// Each drawn point of the chart, in document (run) order: its data and its mark's centre.
fn chart_points(browser: &Browser) -> Vec<Value> {
    let points = browser.script(
        "return Array.prototype.map.call(document.querySelectorAll('#lj-chart g.lj-point'),
           function (g) {
             var mark = g.querySelector('circle, polygon');
             var box = mark.getBBox();
             var rule = g.querySelector('text.lj-rule');
             return {
               value: g.getAttribute('data-value'),
               z: g.getAttribute('data-z'),
               rules: g.getAttribute('data-rules'),
               kind: g.getAttribute('class'),
               title: g.querySelector('title').textContent,
               x: box.x + box.width / 2,
               y: box.y + box.height / 2,
               label: rule ? rule.textContent : ''
             };
           });",
    );
    serde_json::from_value(points).unwrap_or_default()
}

/// The table's rows: each cell's text.
fn table_rows(browser: &Browser, css: &str) -> Vec<Vec<String>> {
    let rows = browser.script(&format!(
        "return Array.prototype.map.call(document.querySelectorAll({}), function (tr) {{
           return Array.prototype.map.call(tr.children, function (c) {{
             return c.textContent.replace(/\\s+/g, ' ').trim();
           }});
         }});",
        serde_json::to_string(css).unwrap_or_default()
    ));
    serde_json::from_value(rows).unwrap_or_default()
}

fn screenshot(browser: &Browser, name: &str) {
    let path = screenshot_dir().join(name);
    browser.screenshot(&path);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    assert!(size > 10_000, "{} is only {size} bytes", path.display());
}

#[test]
fn qc_typed_by_hand_breaks_1_3s_and_the_chart_the_qc_page_and_the_worklist_say_so() {
    let bench = Bench::open();
    let browser = Browser::start();
    sign_in(&browser, &bench);

    // The navigation has the QC entry for a technician.
    browser.click("header.top nav a[href='/qc']");
    browser.wait_for_text("QC state by instrument and test", TIMEOUT);

    // Four mornings of level 1 glucose QC, typed by hand; each is its own run (a day apart,
    // beyond the 30-minute run window).
    for (value, at) in [
        ("5.50", "01/12/2026 08:00"),
        ("5.70", "02/12/2026 08:00"),
        ("5.30", "03/12/2026 08:00"),
    ] {
        let notice = enter_qc(&browser, &bench, value, at);
        assert!(
            notice.contains("Stored QC GLU level 1 on DEMO-CHEM")
                && notice.contains("The run is accepted."),
            "{notice}"
        );
    }
    let notice = enter_qc(&browser, &bench, "6.25", "04/12/2026 08:00");
    assert!(
        notice.contains("THE RUN IS REJECTED: patient results of GLU on DEMO-CHEM are held."),
        "{notice}"
    );

    // The chart, from the entry page's link.
    browser.click("#qc-entered-chart");
    browser.wait_for_text("Levey-Jennings chart", TIMEOUT);
    let points = chart_points(&browser);
    assert_eq!(points.len(), 4, "{points:?}");
    let field = |p: &Value, k: &str| p[k].as_str().unwrap_or_default().to_owned();
    let values: Vec<String> = points.iter().map(|p| field(p, "value")).collect();
    assert_eq!(values, ["5.5", "5.7", "5.3", "6.25"]);
    let zs: Vec<String> = points.iter().map(|p| field(p, "z")).collect();
    assert_eq!(zs, ["+0.00", "+1.00", "-1.00", "+3.75"]);
    let rules: Vec<String> = points.iter().map(|p| field(p, "rules")).collect();
    // 6.25 is beyond +2 SD as well as +3 SD: the 1-2s warning fires with the 1-3s rejection.
    assert_eq!(rules, ["", "", "", "1-3s, 1-2s"]);
    // The violation is a red diamond named "1-3s", and its title says the whole point.
    assert!(field(&points[3], "kind").contains("lj-reject"));
    assert_eq!(field(&points[3], "label"), "1-3s");
    let title = field(&points[3], "title");
    assert!(
        title.contains("6.25 mmol/L") && title.contains("z +3.75") && title.contains("1-3s"),
        "{title}"
    );
    assert!(title.contains("Lot DC-2026") && title.contains("04/12/2026 08:00"));
    // Where the browser drew them (SVG user units of the chart's documented scale: the plot
    // spans ±4 SD, one SD 36 high, its top at 44, points 28 apart from x = 78): y = 44 +
    // (4 − z) × 36 = 188, 152, 224 and 53.
    let at = |p: &Value, k: &str| p[k].as_f64().unwrap_or(f64::NAN);
    for (i, (x, y)) in [(78.0, 188.0), (106.0, 152.0), (134.0, 224.0), (162.0, 53.0)]
        .into_iter()
        .enumerate()
    {
        assert!(
            (at(&points[i], "x") - x).abs() < 0.5 && (at(&points[i], "y") - y).abs() < 0.5,
            "point {i} at ({}, {}), expected ({x}, {y})",
            at(&points[i], "x"),
            at(&points[i], "y")
        );
    }
    // The mean and SD lines are drawn and labelled, the lot named with its target.
    let chart_text = browser.text("#lj-chart");
    for needle in [
        "Mean",
        "+3 SD",
        "-3 SD",
        "6.10",
        "4.90",
        "Lot DC-2026 · 5.50 ± 0.20",
    ] {
        assert!(chart_text.contains(needle), "{needle} not in {chart_text}");
    }
    // The table beside it: date, run, lot, value, z, rules, the same four points.
    let rows = table_rows(&browser, "#lj-points tbody tr");
    assert_eq!(rows.len(), 4, "{rows:?}");
    let cells: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r[3].as_str(), r[4].as_str(), r[5].as_str()))
        .collect();
    assert_eq!(
        cells,
        [
            ("5.5", "+0.00", "●"),
            ("5.7", "+1.00", "●"),
            ("5.3", "-1.00", "●"),
            ("6.25", "+3.75", "◆ 1-3s, 1-2s")
        ]
    );
    assert_eq!(rows[0][0], "01/12/2026 08:00");
    // The state line above the chart says it in words.
    let state = browser.text("#qc-chart-state");
    assert!(state.contains("REJECTED — results held"), "{state}");
    assert!(state.contains("1-3s"), "{state}");
    screenshot(&browser, "qc-chart.png");

    // A patient's glucose arrives after the rejection: it waits, marked on the worklist.
    let mut line = connect(bench.lis.link_addr("DEMO-CHEM"));
    bench.analyzer_sends(&mut line, "S100", "5.4");
    browser.goto(&bench.url("/"));
    wait_for("S100 on the worklist", TIMEOUT, || {
        browser
            .script("return !!document.querySelector('tbody tr[data-id=\"S100\"]')")
            .as_bool()
            .filter(|b| *b)
    });
    let row = browser.text("tbody tr[data-id=\"S100\"]");
    assert!(row.contains("QC REJECTED"), "{row}");
    assert!(row.contains("QC rejected: GLU on DEMO-CHEM"), "{row}");
    browser.goto(&bench.url("/specimens/S100"));
    let result = browser.text("table.results tbody tr");
    assert!(result.contains("QC REJECTED"), "{result}");
    assert!(
        result.contains("QC of GLU on DEMO-CHEM is rejected (")
            && result.contains("cannot be released until an accepted QC run"),
        "{result}"
    );

    // The QC page: glucose on DEMO-CHEM first, rejected, with the rule; creatinine has none.
    browser.goto(&bench.url("/qc"));
    let headline = browser.text("#qc-headline");
    assert!(
        headline.contains("QC rejected: 1 — patient results held"),
        "{headline}"
    );
    let rows = table_rows(&browser, "#qc-states tbody tr");
    assert!(rows.len() >= 2, "{rows:?}");
    assert_eq!(rows[0][0], "DEMO-CHEM");
    assert!(rows[0][1].starts_with("GLU"), "{:?}", rows[0]);
    assert_eq!(rows[0][2], "✕ REJECTED — results held");
    assert!(rows[0][4].contains("1-3s"), "{:?}", rows[0]);
    let crea = rows
        .iter()
        .find(|r| r[1].starts_with("CREA"))
        .expect("creatinine's row");
    assert_eq!(crea[2], "– No QC recorded");
    screenshot(&browser, "qc.png");
}
