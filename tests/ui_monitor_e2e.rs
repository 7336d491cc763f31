//! The monitoring pages end to end, in Debian's Chromium against the real `lis serve`, as a
//! supervisor at the start of a shift:
//!
//! - The instruments page is open; the chemistry analyzer connects and its row says so without
//!   a reload; it sends a result for a tube the LIS has no order for, and the row counts the
//!   message and the unmatched result; the analyzer is switched off (its connection closes) and
//!   the row turns to disconnected, still without a reload. The link's trace shows the ENQ,
//!   the frames and the EOT by name.
//! - The unmatched queue shows that result with its reason in words; the supervisor searches
//!   the order by the tube's id, attaches the result to it, and the specimen appears on the
//!   worklist (the glucose, 12.0 mmol/L, is above the catalog's adult range, so it waits for a
//!   person). The audit trail shows the attach, by whom and from which address.
//!
//! The screenshots (instruments, unmatched, audit) go to `LIS_SCREENSHOTS`, like the journeys'.

use std::net::TcpStream;

use lis_tests::analyzer::{connect, e1381_send};
use lis_tests::browser::{screenshot_dir, Browser};
use lis_tests::lab::Lab;
use lis_tests::lab_config::{chemistry, LabConfig};
use lis_tests::server::{wait_for, Lis, TIMEOUT};
use serde_json::Value;

const USERNAME: &str = "hoa";
const NAME: &str = "Trần Thị Hoa";
const PASSWORD: &str = "Giam-sat-vien-2026";

/// The lab: the chemistry analyzer CHEM (E1381, GLU mapped), a supervisor in English, and an
/// order for tube S100 (glucose) of NGUYEN VAN AN.
struct Bench {
    _dir: tempfile::TempDir,
    _lab: Lab,
    lis: Lis,
}

impl Bench {
    fn open() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let lab = LabConfig::default_catalog()
            .link(&chemistry(&["GLU"]))
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

    /// The analyzer sends a glucose for `specimen` on its open connection.
    fn analyzer_sends(&self, line: &mut TcpStream, specimen: &str, value: &str) {
        let records = [
            r"H|\^&|||CHEM-1|||||||P|LIS2-A2|20261207080000".to_owned(),
            "P|1".to_owned(),
            format!("O|1|{specimen}||^^^GLU|R"),
            format!("R|1|^^^GLU|{value}|mmol/L|||||F||||20261207080000"),
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

/// The instruments row of `link` as it reads now: each cell's text, single-spaced.
fn link_row(browser: &Browser, link: &str) -> Vec<String> {
    let cells = browser.script(&format!(
        "var tr = document.querySelector('#instrument-rows tr[data-id={}]');
         if (!tr) return [];
         return Array.prototype.map.call(tr.children, function (c) {{
           return c.textContent.replace(/\\s+/g, ' ').trim();
         }});",
        serde_json::to_string(link).unwrap_or_default()
    ));
    serde_json::from_value(cells).unwrap_or_default()
}

/// Waits until the row of `link` has `state` in its state cell and `check` holds, on the same
/// page (a marker set on the page must still be there: nothing reloaded it).
fn wait_row(browser: &Browser, what: &str, link: &str, check: impl Fn(&[String]) -> bool) {
    wait_for(what, TIMEOUT, || {
        let row = link_row(browser, link);
        (!row.is_empty() && check(&row)).then_some(())
    });
    assert_eq!(
        browser.script("return window.monitorMarker === 'still here'"),
        Value::Bool(true),
        "the page was reloaded"
    );
}

fn screenshot(browser: &Browser, name: &str) {
    let path = screenshot_dir().join(name);
    browser.screenshot(&path);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    assert!(size > 10_000, "{} is only {size} bytes", path.display());
}

#[test]
fn a_link_goes_live_and_down_and_its_unmatched_result_is_attached() {
    let bench = Bench::open();
    let browser = Browser::start();
    sign_in(&browser, &bench);

    // The instruments page: CHEM listens, nothing received yet.
    browser.goto(&bench.url("/instruments"));
    browser.wait_for_text("Instruments and links", TIMEOUT);
    browser.script("window.monitorMarker = 'still here'; return null;");
    let row = link_row(&browser, "CHEM");
    assert_eq!(row[1], "◌ Listening", "{row:?}");
    assert_eq!(row[3], "Nothing yet", "{row:?}");

    // The analyzer connects: the row says so without a reload.
    let mut line = connect(bench.lis.link_addr("CHEM"));
    wait_row(&browser, "CHEM connected", "CHEM", |r| {
        r[1] == "● Connected"
    });
    assert!(link_row(&browser, "CHEM")[2].starts_with("127.0.0.1:"));

    // A glucose for a tube the LIS has no order for: one message today, no result stored,
    // one unmatched.
    bench.analyzer_sends(&mut line, "S999", "12.0");
    wait_row(&browser, "CHEM counts the message", "CHEM", |r| {
        r[4] == "1" && r[5] == "0" && r[8] == "1"
    });
    screenshot(&browser, "instruments.png");

    // The analyzer is switched off: the row turns to disconnected, still without a reload.
    drop(line);
    wait_row(&browser, "CHEM disconnected", "CHEM", |r| {
        r[1] == "✕ Disconnected (waiting for the analyzer to connect again)"
    });
    assert_eq!(
        link_row(&browser, "CHEM")[2],
        "",
        "no peer once disconnected"
    );

    // The trace, for the vendor: the E1381 exchange by name.
    browser.goto(&bench.url("/instruments/CHEM/trace"));
    let trace = browser.page_text();
    for needle in [
        "<ENQ>",
        "<ACK>",
        "<STX>1H|",
        "<ETX>",
        "<EOT>",
        "Analyzer → LIS",
    ] {
        assert!(
            trace.contains(needle),
            "{needle} not in the trace:\n{trace}"
        );
    }

    // The unmatched queue says why in words and leads to the raw message.
    browser.goto(&bench.url("/unmatched"));
    browser.wait_for_text("Waiting: 1", TIMEOUT);
    let queue = browser.text("#unmatched-rows tr");
    assert!(
        queue.contains("S999") && queue.contains("No specimen has this id"),
        "{queue}"
    );
    assert!(browser
        .attribute("#unmatched-rows tr a[href^='/journal/']", "href")
        .is_some());
    screenshot(&browser, "unmatched.png");

    // The supervisor finds the order by the tube's id and attaches the result to it.
    browser.click("#unmatched-rows tr a.btn");
    browser.wait_for_text("Find the order to attach to", TIMEOUT);
    browser.fill("input[name=q]", "S100");
    browser.click("form.filters button[type=submit]");
    browser.wait_for_text("NGUYEN VAN AN", TIMEOUT);
    assert_eq!(
        browser.script("return document.querySelector('form.attach select').value"),
        Value::String("GLU".into()),
        "the analyzer's code is preselected as its test"
    );
    browser.click("form.attach button[type=submit]");
    browser.wait_for_text("Attached to specimen S100", TIMEOUT);
    browser.wait_for_text("Waiting: 0", TIMEOUT);

    // It went through matching and validation: the specimen waits on the worklist.
    browser.goto(&bench.url("/"));
    wait_for("S100 on the worklist", TIMEOUT, || {
        browser
            .script("return !!document.querySelector('tbody tr[data-id=\"S100\"]')")
            .as_bool()
            .filter(|b| *b)
    });

    // The audit trail shows the attach: who, and from this browser's address.
    browser.goto(&bench.url("/audit?action=unmatched.attach"));
    let audit = browser.text("#audit-rows tr");
    assert!(audit.contains(NAME), "{audit}");
    assert!(audit.contains("Unmatched result attached"), "{audit}");
    assert!(audit.contains("127.0.0.1"), "{audit}");
    browser.goto(&bench.url("/audit"));
    screenshot(&browser, "audit.png");
}
