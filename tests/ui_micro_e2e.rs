//! A microbiology result end to end, in Debian's Chromium over WebDriver, against the real
//! `lis serve`: the ID/AST system (profile `microbiology-mic`) sends an E. coli isolate of a urine
//! over E1381 as it does (identification O with the FINALID comment, MIC panel O with MIC-BP and
//! INTERP rows); the supervisor opens the specimen and sees the organism and the antibiogram,
//! the resistant antibiotics marked `R ⚠ Resistant` (symbol and word, not colour alone), an
//! antibiotic without interpretation said so with the analyzer's word. The page is saved as
//! `microbiology.png` in `LIS_SCREENSHOTS` (the README's is made with
//! `LIS_SCREENSHOTS=docs/screenshots cargo test -p lis-tests --test tests ui_micro`).
//!
//! Expected values are the records below (taken from the corpus trace's second patient,
//! XID00113027-01) and the demo catalog's ORG-A (default_lab.toml).

use lis_tests::analyzer::{connect, e1381_send};
use lis_tests::browser::{screenshot_dir, Browser};
use lis_tests::lab_config::{LabConfig, Link, Protocol};
use lis_tests::server::{wait_for, TIMEOUT};

const SUPERVISOR: (&str, &str, &str) = ("hoa", "Trần Thị Hoa", "Giam-sat-vien-2026");

/// The isolate as the analyzer sends it (records from the trace, the specimen id the LIS's).
pub(crate) const RECORDS: [&str; 25] = [
    r"H|\^&|||OrgName|||||||P|NCCLS LIS2-A|20220917004124",
    "P|1",
    "O|1|S-401^A^|1122^1129|^^^ID2^GNID G-ve/Auto 18Hr ID|R||||||N|||20220917003303|U^Urine|^|||HUMAN^Human||||||F",
    "C|9|L|FINALID^E.COL^Escherichia coli^E.coli",
    "R|1|^^^ID^ORG1|K.CRY^Kluyvera cryocrescens^K.cryocresce",
    "R|2|^^^ID^ORG2|E.COL^Escherichia coli^E.coli",
    "O|2|S-401^A^|1122^1129|^^^EZP7^GN7F GRAM NEGATIVE 24H MIC/BP|R||||||N|||20220917004120|U^Urine|^|||HUMAN^Human||||||F",
    "C|9|L|FINALID^E.COL^Escherichia coli^E.coli",
    "R|1|^^^AMIKAC^Amikacin^Amikacin^MIC-BP|<=8.0000^1",
    "R|2|^^^AMIKAC^Amikacin^Amikacin^INTERP|SUSC^Susceptible",
    "R|1|^^^AMPICI^Ampicillin^Ampicillin^MIC-BP|<=8.0000^1",
    "R|2|^^^AMPICI^Ampicillin^Ampicillin^INTERP|SUSC^Susceptible",
    "R|1|^^^CIPROF^Ciprofloxacin^Ciproflox^MIC-BP|>2.0000^0",
    "R|2|^^^CIPROF^Ciprofloxacin^Ciproflox^INTERP|RESIST^Resistant",
    "R|1|^^^LEVOFL^Levofloxacin^Levofloxacin^MIC-BP|8.0000^0",
    "R|2|^^^LEVOFL^Levofloxacin^Levofloxacin^INTERP|RESIST^Resistant",
    "R|1|^^^MEROPE^Meropenem^Meropenem^MIC-BP|<=0.5000^0",
    "R|2|^^^MEROPE^Meropenem^Meropenem^INTERP|SUSC^Susceptible",
    "R|1|^^^POSCTL^Positive Growth Control^Positive Ctl^MIC-BP|2700.6667^1",
    "R|2|^^^POSCTL^Positive Growth Control^Positive Ctl^INTERP|OKCTRL^Valid Growth Control",
    "R|1|^^^TETRA^Tetracycline^Tetracycline^MIC-BP|>8.0000^1",
    "R|2|^^^TETRA^Tetracycline^Tetracycline^INTERP|RESIST^Resistant",
    "R|1|^^^TIGECY^Tigecycline^Tigecycline^MIC-BP|<=1.0000^0",
    "R|2|^^^TIGECY^Tigecycline^Tigecycline^INTERP|NOINTP^No Interpretation",
    "L|1|N",
];

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
fn the_supervisor_sees_the_organism_and_the_resistant_antibiotics_marked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let micro = Link::tcp_server(
        "MICRO",
        "ID/AST system",
        "microbiology-mic",
        Protocol::AstmE1381,
    )
    .maps("ISOLATE-A", "ORG-A");
    let lab = LabConfig::default_catalog().link(&micro).write(dir.path());
    let (username, name, password) = SUPERVISOR;
    let (code, _, err) = lab.run_with_input(
        &[
            "user",
            "add",
            "--username",
            username,
            "--name",
            name,
            "--role",
            "supervisor",
            "--lang",
            "en",
            "--password-stdin",
        ],
        &format!("{password}\n"),
    );
    assert_eq!(code, 0, "lis user add: {err}");
    let (code, out, err) = lab.run(&[
        "order",
        "add",
        "--specimen",
        "S-401",
        "--tests",
        "ORG-A",
        "--patient",
        "BN401",
        "--name",
        "Lê Thị Mai",
        "--sex",
        "F",
        "--birth",
        "1962-04-02",
    ]);
    assert_eq!(code, 0, "lis order add: {out}{err}");
    let lis = lab.serve();
    let mut line = connect(lis.link_addr("MICRO"));
    e1381_send(&mut line, &RECORDS).unwrap_or_else(|e| panic!("{e}\n{}", lis.log()));

    let browser = Browser::start();
    browser.goto(&format!("http://{}/login?lang=en", lis.http()));
    browser.fill("#username", username);
    browser.fill("#password", password);
    browser.click("form.stacked button[type=submit]");
    wait_for("leaving the sign-in page", TIMEOUT, || {
        (!browser.url().contains("/login")).then_some(())
    });
    // The result arrives: the specimen page shows it once it is stored.
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        browser.goto(&format!("http://{}/specimens/S-401", lis.http()));
        let text = browser.page_text();
        if text.contains("Antibiogram") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no antibiogram:\n{text}\n{}",
            lis.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    let caption = browser.text("table.antibiogram caption");
    assert!(
        caption.contains("Isolate A: Escherichia coli E.COL"),
        "{caption}"
    );
    assert!(caption.contains("⚠ Antibiotics resisted: 3"), "{caption}");
    let table = rows(&browser, "table.antibiogram tbody tr");
    assert_eq!(
        table,
        [
            ["Amikacin AMIKAC", "<=8.0000", "S Susceptible"],
            ["Ampicillin AMPICI", "<=8.0000", "S Susceptible"],
            ["Ciprofloxacin CIPROF", ">2.0000", "R ⚠ Resistant"],
            ["Levofloxacin LEVOFL", "8.0000", "R ⚠ Resistant"],
            ["Meropenem MEROPE", "<=0.5000", "S Susceptible"],
            ["Tetracycline TETRA", ">8.0000", "R ⚠ Resistant"],
            [
                "Tigecycline TIGECY",
                "<=1.0000",
                "– No interpretation (NOINTP)"
            ],
        ]
        .map(|r| r.map(str::to_owned).to_vec())
        .to_vec(),
    );
    // The resistant rows are marked by a word in bold as well as by colour.
    assert_eq!(
        browser
            .find_all("table.antibiogram tr.interp-r strong")
            .len(),
        3
    );
    // The isolate's result is the organism.
    let value = browser.text("table.results td.value");
    assert_eq!(value, "Escherichia coli");
    browser.script("document.querySelector('table.results').scrollIntoView(); window.scrollBy(0, -60); return null;");
    browser.screenshot(&screenshot_dir().join("microbiology.png"));
}
