//! Quality control end to end, in Debian's Chromium against the real `lis serve`, as a
//! supervisor lives a morning of glucose QC on the demo chemistry analyzer:
//!
//! - The lab runs the demo lab's QC (core/src/config/default_lab.toml): material "Demo
//!   Chemistry Control", lot DC-2026, level 1 glucose with target mean 5.50 and SD 0.20 mmol/L
//!   on DEMO-CHEM, whose QC specimens are `QC1-…` (level 1). Runs more than 30 minutes apart
//!   are separate runs.
//! - Level 1 glucose, five runs an hour apart. By hand, z = (x − 5.50) / 0.20:
//!
//!   | run | from | value | z | verdict |
//!   |---|---|---|---|---|
//!   | 1 | the analyzer, 4 h ago | 5.50 | 0.00 / 0.20 = +0.00 | accepted |
//!   | 2 | the analyzer, 3 h ago | 5.95 | +0.45 / 0.20 = +2.25 | accepted with the 1-2s warning |
//!   | 3 | the analyzer, 2 h ago | 5.40 | −0.10 / 0.20 = −0.50 | accepted |
//!   | 4 | typed in the browser, 1 h ago | 6.15 | +0.65 / 0.20 = +3.25 | rejected: 1-3s |
//!   | 5 | the analyzer, now | 5.45 | −0.05 / 0.20 = −0.25 | accepted |
//!
//!   No other rule of the demo lab's (2-2s, R-4s, 4-1s, 10-x) can fire: no two consecutive
//!   points are beyond 2 SD on one side (+2.25 is followed by −0.50), no four beyond 1 SD, and
//!   there are only five points. Run 4 is beyond +2 SD as well, so its 1-2s warning is
//!   recorded with the 1-3s rejection.
//! - After run 4 the QC page reads glucose on DEMO-CHEM as rejected, in words, with the rule; a
//!   patient's glucose that arrives then waits on the worklist with a red "QC REJECTED" marker.
//!   After run 5 the page reads accepted and the marker is gone.
//! - The chart draws one point per QC result in run order, with the values sent, the rejected
//!   one a red diamond named "1-3s", the warning an amber triangle named "1-2s", and the mean
//!   and ±1/2/3 SD lines; the table beside it has the same values.
//!
//! The screenshots `qc.png` (the QC page while glucose is rejected) and `qc-chart.png` (the
//! chart with the violation) go to `LIS_SCREENSHOTS`, like the other journeys'.

use std::net::SocketAddr;

use jiff::{SignedDuration, Timestamp, Zoned};
use lis_tests::browser::{screenshot_dir, Browser};
use lis_tests::lab::Lab;
use lis_tests::lab_config::{LabConfig, Link, Protocol};
use lis_tests::server::{wait_for, Lis, TIMEOUT};
use lis_tests::simulation::Simulation;
use serde_json::Value;

const USERNAME: &str = "minh";
const NAME: &str = "Lê Văn Minh";
const PASSWORD: &str = "Giam-sat-vien-2026";

/// The lab's time zone (the demo lab's), which the analyzer's clock is set to as well.
const LAB_ZONE: &str = "Asia/Ho_Chi_Minh";

/// The demo lab's QC section, as the embedded default lab writes it: from its `[qc]` table up
/// to the `[his]` section that follows it.
fn demo_qc_section() -> String {
    let text = lis_core::DEFAULT_LAB_TOML;
    let start = text
        .find("\n[qc]\n")
        .expect("the demo lab has a [qc] section");
    let end = text[start..]
        .find("\n# [his]")
        .map_or(text.len(), |at| start + at);
    text[start..end].to_owned()
}

/// The lab: the demo catalog, the demo chemistry analyzer DEMO-CHEM (glucose and creatinine
/// mapped, its QC specimens `QC{level}-…` as in the demo lab), the demo lab's QC, a supervisor
/// reading English, and an order for tube S100 (glucose).
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
        .maps("CREA", "CREA")
        .toml()
        .replace(
            "]\n[instruments.connection]",
            "]\nqc_specimen_pattern = \"QC{level}-*\"\n[instruments.connection]",
        );
        assert!(chem.contains("qc_specimen_pattern"), "{chem}");
        let lab = LabConfig::default_catalog()
            .section(&chem)
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
                "supervisor",
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

    fn analyzer(&self) -> SocketAddr {
        self.lis.link_addr("DEMO-CHEM")
    }
}

/// The lab's local time `minutes_ago` minutes ago.
fn lab_time(minutes_ago: i64) -> Zoned {
    Timestamp::now()
        .checked_sub(SignedDuration::from_mins(minutes_ago))
        .expect("a time")
        .to_zoned(jiff::tz::TimeZone::get(LAB_ZONE).expect("zone"))
}

/// `lis simulate --qc`: the analyzer runs its level 1 control `specimen` with glucose at `value`,
/// its clock set `minutes_ago` minutes back.
fn analyzer_qc(bench: &Bench, specimen: &str, value: &str, minutes_ago: i64) {
    let addr = bench.analyzer().to_string();
    let start = lab_time(minutes_ago).datetime().to_string();
    let glu = format!("GLU:1={value}");
    let run = Simulation::run(&[
        "--profile",
        "generic-astm",
        "--connect",
        &addr,
        "--qc",
        "--specimen-id",
        specimen,
        "--qc-value",
        &glu,
        "--time-zone",
        LAB_ZONE,
        "--clock-start",
        &start,
    ]);
    assert_eq!(
        (run.code, run.report()),
        (
            Some(0),
            "sent=1 acknowledged=1 rejected=0 timed_out=0 queries=0 answered=0"
        ),
        "{}{}\n{}",
        run.stdout,
        run.stderr,
        bench.lis.log()
    );
}

/// `lis simulate --query`: the analyzer asks for the tests of a patient's tube and sends glucose
/// `value`.
fn analyzer_patient(bench: &Bench, specimen: &str, value: &str) {
    let glu = format!("GLU={value}");
    let run = Simulation::run(&[
        "--profile",
        "generic-astm",
        "--connect",
        &bench.analyzer().to_string(),
        "--query",
        "--specimen-id",
        specimen,
        "--value",
        &glu,
        "--time-zone",
        LAB_ZONE,
    ]);
    assert_eq!(
        (run.code, run.report()),
        (
            Some(0),
            "sent=1 acknowledged=1 rejected=0 timed_out=0 queries=1 answered=1"
        ),
        "{}{}",
        run.stdout,
        run.stderr
    );
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

/// Types one level 1 glucose QC value of lot DC-2026 measured at `at` (`dd/mm/yyyy HH:mm`) into
/// the manual entry form and sends it; returns the notice it comes back with.
fn enter_qc(browser: &Browser, bench: &Bench, value: &str, at: &str) -> String {
    browser.goto(&bench.url("/qc/enter"));
    browser.wait_for_text("Enter a QC result by hand", TIMEOUT);
    let chosen = browser.script(
        "var pair = document.querySelector('#qc-pair');
         pair.value = 'DEMO-CHEM GLU';
         document.querySelector('#qc-level').value = '1';
         document.querySelector('#qc-lot').value = 'DC-2026';
         return [pair.value, document.querySelector('#qc-level').value,
                 document.querySelector('#qc-lot').value];",
    );
    let chosen: Vec<String> = serde_json::from_value(chosen).unwrap_or_default();
    assert_eq!(chosen, ["DEMO-CHEM GLU", "1", "DC-2026"]);
    browser.fill("#qc-value", value);
    browser.fill("#qc-at", at);
    browser.click("form.qc-enter button[type=submit]");
    wait_for("the entry's notice", TIMEOUT, || {
        let text = browser.text("#notices");
        text.contains(value).then_some(text)
    })
}

/// Each drawn point of the chart, in document order: its data, its mark's shape and centre,
/// and the words written beside it.
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
               shape: mark.tagName + (mark.tagName === 'polygon'
                 ? mark.getAttribute('points').split(' ').length : ''),
               title: g.querySelector('title').textContent,
               x: box.x + box.width / 2,
               y: box.y + box.height / 2,
               label: rule ? rule.textContent : ''
             };
           });",
    );
    serde_json::from_value(points).unwrap_or_default()
}

/// The rows of the table matching `css`: each cell's text, single-spaced.
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

/// The QC page's row of glucose on DEMO-CHEM, and the page's headline.
fn glucose_state(browser: &Browser, bench: &Bench) -> (Vec<String>, String) {
    browser.goto(&bench.url("/qc"));
    browser.wait_for_text("QC state by instrument and test", TIMEOUT);
    let row = table_rows(
        browser,
        "#qc-states tbody tr[data-instrument='DEMO-CHEM'][data-test='GLU']",
    );
    assert_eq!(row.len(), 1, "{row:?}");
    (row[0].clone(), browser.text("#qc-headline"))
}

/// The worklist row of `specimen`, once it is on the worklist.
fn worklist_row(browser: &Browser, bench: &Bench, specimen: &str) -> String {
    browser.goto(&bench.url("/"));
    let css = format!("tbody tr[data-id=\"{specimen}\"]");
    wait_for(&format!("{specimen} on the worklist"), TIMEOUT, || {
        browser
            .script(&format!(
                "return !!document.querySelector({})",
                serde_json::to_string(&css).unwrap_or_default()
            ))
            .as_bool()
            .filter(|b| *b)
    });
    browser.text(&css)
}

/// Texts read as numbers, to compare a value shown with the value sent.
fn numbers<S: AsRef<str>>(texts: &[S]) -> Vec<f64> {
    texts
        .iter()
        .map(|t| {
            t.as_ref()
                .parse()
                .unwrap_or_else(|e| panic!("{:?} is not a number: {e}", t.as_ref()))
        })
        .collect()
}

fn screenshot(browser: &Browser, name: &str) {
    let path = screenshot_dir().join(name);
    browser.screenshot(&path);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    assert!(size > 10_000, "{} is only {size} bytes", path.display());
}

#[test]
fn a_1_3s_glucose_run_is_rejected_on_the_qc_page_the_chart_and_the_worklist_until_a_good_run() {
    let bench = Bench::open();
    let browser = Browser::start();
    sign_in(&browser, &bench);

    // The navigation has the QC entry; no QC has arrived yet.
    browser.click("header.top nav a[href='/qc']");
    let (row, _) = glucose_state(&browser, &bench);
    assert_eq!(row[2], "– No QC recorded", "{row:?}");

    // Runs 1 to 3 from the analyzer's link: 5.50 (z +0.00), 5.95 (z +2.25, 1-2s), 5.40 (z −0.50).
    analyzer_qc(&bench, "QC1-0001", "5.50", 240);
    analyzer_qc(&bench, "QC1-0002", "5.95", 180);
    let (row, headline) = glucose_state(&browser, &bench);
    assert_eq!(row[2], "▲ Warning", "after the 1-2s run: {row:?}");
    assert!(row[4].contains("1-2s"), "{row:?}");
    assert!(headline.contains("No QC is rejected"), "{headline}");
    analyzer_qc(&bench, "QC1-0003", "5.40", 120);
    let (row, _) = glucose_state(&browser, &bench);
    assert_eq!(row[2], "✓ Accepted", "{row:?}");

    // Run 4, typed by hand an hour ago: 6.15, z = (6.15 − 5.50) / 0.20 = +3.25, beyond 3 SD.
    let typed_at = lab_time(60).strftime("%d/%m/%Y %H:%M").to_string();
    let notice = enter_qc(&browser, &bench, "6.15", &typed_at);
    assert!(
        notice.contains("Stored QC GLU level 1 on DEMO-CHEM")
            && notice
                .contains("THE RUN IS REJECTED: patient results of GLU on DEMO-CHEM are held."),
        "{notice}"
    );

    // The QC page says it in words: glucose on DEMO-CHEM is rejected, by 1-3s, results held.
    let (row, headline) = glucose_state(&browser, &bench);
    assert_eq!(row[0], "DEMO-CHEM");
    assert!(row[1].starts_with("GLU"), "{row:?}");
    assert_eq!(row[2], "✕ REJECTED — results held", "{row:?}");
    assert!(row[4].contains("1-3s"), "{row:?}");
    assert!(
        row[4].contains("1-3s: one control value beyond 3 SD of its target mean"),
        "the rule in words: {row:?}"
    );
    assert!(
        headline.contains("QC rejected: 1 — patient results held"),
        "{headline}"
    );
    let first = table_rows(&browser, "#qc-states tbody tr");
    assert_eq!(
        (first[0][0].as_str(), &first[0][1][..3]),
        ("DEMO-CHEM", "GLU"),
        "the rejected state comes first: {first:?}"
    );
    screenshot(&browser, "qc.png");

    // A patient's glucose (5.2 mmol/L, inside the adult range, so it would autoverify) arrives
    // while glucose QC is rejected: it waits on the worklist with the red QC marker.
    analyzer_patient(&bench, "S100", "5.2");
    let row = worklist_row(&browser, &bench, "S100");
    assert!(row.contains("QC REJECTED"), "{row}");
    assert!(row.contains("QC rejected: GLU on DEMO-CHEM"), "{row}");

    // The chart of level 1, from the QC page's link.
    browser.goto(&bench.url("/qc"));
    browser.click("#qc-states tr[data-test='GLU'] a[href*='level=1']");
    browser.wait_for_text("Levey-Jennings chart", TIMEOUT);
    let state = browser.text("#qc-chart-state");
    assert!(
        state.contains("REJECTED — results held") && state.contains("1-3s"),
        "{state}"
    );
    assert_eq!(
        browser.text("#qc-chart-meaning"),
        "1-3s: one control value beyond 3 SD of its target mean"
    );
    let points = chart_points(&browser);
    let field = |p: &Value, k: &str| p[k].as_str().unwrap_or_default().to_owned();
    let column = |k: &str| -> Vec<String> { points.iter().map(|p| field(p, k)).collect() };
    // One point per QC result, in run order, with the values sent. The store keeps a QC value
    // as a number and the page writes it with at least the catalog's decimals for glucose (1)
    // and every decimal it has: 5.50 → "5.5", 5.95 → "5.95", 5.40 → "5.4", 6.15 → "6.15".
    let sent = ["5.50", "5.95", "5.40", "6.15"];
    assert_eq!(column("value"), ["5.5", "5.95", "5.4", "6.15"]);
    assert_eq!(numbers(&column("value")), numbers(&sent));
    assert_eq!(column("z"), ["+0.00", "+2.25", "-0.50", "+3.25"]);
    assert_eq!(column("rules"), ["", "1-2s", "", "1-3s, 1-2s"]);
    // The warning is an amber triangle named 1-2s; the rejection a red diamond named 1-3s (its
    // 1-2s in its title and the table, not beside it).
    assert_eq!(
        column("shape"),
        ["circle", "polygon3", "circle", "polygon4"]
    );
    assert!(field(&points[1], "kind").contains("lj-warn"));
    assert_eq!(field(&points[1], "label"), "1-2s");
    assert!(field(&points[3], "kind").contains("lj-reject"));
    assert_eq!(field(&points[3], "label"), "1-3s");
    let title = field(&points[3], "title");
    assert!(
        title.starts_with(&typed_at)
            && title.contains("Lot DC-2026")
            && title.contains("6.15 mmol/L")
            && title.contains("z +3.25")
            && title.contains("1-3s"),
        "{title}"
    );
    // Where the browser drew them, in the chart's documented scale (web/src/ui/qc/chart.rs):
    // the plot spans ±R SD with R = the largest |z| rounded up but at least 4, here
    // ceil(3.25) = 4 → 4; one SD is 36 high, the plot's top at 44, so y(z) = 44 + (4 − z) × 36;
    // points 28 apart from x = 64 + 14 = 78. Circles and diamonds are centred on the point; the
    // triangle spans y − 7 to y + 5, so its box's centre is 1 higher.
    //   run 1: z +0.00 → y = 44 + 4.00 × 36 = 188
    //   run 2: z +2.25 → y = 44 + 1.75 × 36 = 107, box centre 106
    //   run 3: z −0.50 → y = 44 + 4.50 × 36 = 206
    //   run 4: z +3.25 → y = 44 + 0.75 × 36 = 71
    let at = |p: &Value, k: &str| p[k].as_f64().unwrap_or(f64::NAN);
    for (i, (x, y)) in [(78.0, 188.0), (106.0, 106.0), (134.0, 206.0), (162.0, 71.0)]
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
    // The mean and ±1/2/3 SD lines, at y(k) = 44 + (4 − k) × 36, labelled in SD on the left and
    // in mmol/L on the right: 5.50 + k × 0.20.
    let lines = browser.script(
        "return Array.prototype.map.call(
           document.querySelectorAll('#lj-chart line.lj-mean, #lj-chart line.lj-sd1, \
                                      #lj-chart line.lj-sd2, #lj-chart line.lj-sd3'),
           function (l) { return [l.getAttribute('class'), l.getAttribute('y1')]; });",
    );
    let lines: Vec<(String, String)> = serde_json::from_value(lines).unwrap_or_default();
    let expected: Vec<(String, String)> = [
        ("lj-sd3", "296.0"),  // −3 SD: 44 + 7 × 36
        ("lj-sd2", "260.0"),  // −2 SD: 44 + 6 × 36
        ("lj-sd1", "224.0"),  // −1 SD: 44 + 5 × 36
        ("lj-mean", "188.0"), // mean:  44 + 4 × 36
        ("lj-sd1", "152.0"),  // +1 SD: 44 + 3 × 36
        ("lj-sd2", "116.0"),  // +2 SD: 44 + 2 × 36
        ("lj-sd3", "80.0"),   // +3 SD: 44 + 1 × 36
    ]
    .iter()
    .map(|(c, y)| ((*c).to_owned(), (*y).to_owned()))
    .collect();
    assert_eq!(lines, expected);
    let chart_text = browser.text("#lj-chart");
    for needle in [
        "Mean",
        "+1 SD",
        "+2 SD",
        "+3 SD",
        "-1 SD",
        "-2 SD",
        "-3 SD", // on the left
        "5.50",
        "5.70",
        "5.90",
        "6.10",
        "5.30",
        "5.10",
        "4.90", // on the right
        "Lot DC-2026 · 5.50 ± 0.20",
    ] {
        assert!(chart_text.contains(needle), "{needle} not in {chart_text}");
    }
    // The accessible table beside it: date, run, lot, value, z, rules, the same four points.
    let rows = table_rows(&browser, "#lj-points tbody tr");
    let cells: Vec<(&str, &str, &str, &str)> = rows
        .iter()
        .map(|r| (r[2].as_str(), r[3].as_str(), r[4].as_str(), r[5].as_str()))
        .collect();
    assert_eq!(
        cells,
        [
            ("DC-2026", "5.5", "+0.00", "●"),
            ("DC-2026", "5.95", "+2.25", "▲ 1-2s"),
            ("DC-2026", "5.4", "-0.50", "●"),
            ("DC-2026", "6.15", "+3.25", "◆ 1-3s, 1-2s"),
        ]
    );
    let table_values: Vec<String> = rows.iter().map(|r| r[3].clone()).collect();
    assert_eq!(numbers(&table_values), numbers(&sent));
    assert_eq!(rows[3][0], typed_at, "the typed run's time");
    screenshot(&browser, "qc-chart.png");

    // Run 5 from the analyzer, now: 5.45, z = (5.45 − 5.50) / 0.20 = −0.25, accepted.
    analyzer_qc(&bench, "QC1-0005", "5.45", 0);
    let (row, headline) = glucose_state(&browser, &bench);
    assert_eq!(row[2], "✓ Accepted", "{row:?}");
    assert!(headline.contains("No QC is rejected"), "{headline}");
    // The worklist no longer marks the waiting glucose as held by QC.
    let row = worklist_row(&browser, &bench, "S100");
    assert!(!row.contains("QC REJECTED"), "{row}");

    // The chart has the fifth point, last, in control.
    browser.goto(&bench.url("/qc/chart?instrument=DEMO-CHEM&test=GLU&level=1"));
    let points = chart_points(&browser);
    let values: Vec<String> = points.iter().map(|p| field(p, "value")).collect();
    assert_eq!(values, ["5.5", "5.95", "5.4", "6.15", "5.45"]);
    assert_eq!(field(&points[4], "z"), "-0.25");
    assert!(field(&points[4], "kind").contains("lj-ok"));
}
