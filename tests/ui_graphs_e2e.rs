//! Analyzer graphs end to end, in Debian's Chromium against the real `lis serve` (issue 14), as
//! a technician reviews a blood count:
//!
//! - Tube H-4401 is ordered for a blood count (WBC, RBC, HGB, PLT). The Horiba Yumizen H500
//!   sends its run over E1381: the corpus's patient CBC (astm/horiba-yumizen-h500/
//!   yumizen_h500_wire_frames_etb.astm, its frames' text joined) with the sample id changed to
//!   H-4401, carrying the RBC and PLT histograms and the LMNE matrix as M records.
//! - The Mindray BC-5380 sends its run of the same tube over MLLP with its WBC histogram as an
//!   `ED` OBX: a 4x2 BMP written by hand from the BMP file format, in base64.
//! - The specimen page shows, under "Graphs and images from the analyzer", both runs: the
//!   histograms drawn as SVG with their text alternatives (RBC: 254 channels, the highest count
//!   788 at 77.17 fL, computed with python3's zlib and struct from the capture), the PLT
//!   histogram's three discriminator lines, the LMNE scattergram, and the BMP as an image whose
//!   bytes the browser fetched (its natural size 4 x 2 pixels).
//! - The page is saved as `graphs.png` in `LIS_SCREENSHOTS` (the README's is made with
//!   `LIS_SCREENSHOTS=docs/screenshots cargo test -p lis-tests --test tests ui_graphs`).

use lis_tests::analyzer::{connect, e1381_send, mllp_send};
use lis_tests::browser::{screenshot_dir, Browser};
use lis_tests::corpus;
use lis_tests::lab::Lab;
use lis_tests::lab_config::{LabConfig, Link, Protocol};
use lis_tests::server::{wait_for, Lis, TIMEOUT};

const USERNAME: &str = "lan";
const NAME: &str = "Nguyễn Thị Lan";
const PASSWORD: &str = "Ky-thuat-vien-2026";
const TUBE: &str = "H-4401";

/// The hand-written 4x2 24-bit BMP (78 bytes: 14-byte file header, 40-byte info header, two
/// rows of four BGR pixels) in base64, computed with python3's `base64.b64encode`.
const BMP_BASE64: &str =
    "Qk1OAAAAAAAAADYAAAAoAAAABAAAAAIAAAABABgAAAAAABgAAAATCwAAEwsAAAAAAAAAAAAAAAD/AP8A/wAA////AAAAQEBAgICAwMDA";

struct Bench {
    _dir: tempfile::TempDir,
    _lab: Lab,
    lis: Lis,
}

impl Bench {
    fn open() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let h500 = Link::tcp_server(
            "H500",
            "Horiba Yumizen H500",
            "horiba-yumizen-h500",
            Protocol::AstmE1381,
        )
        .maps("WBC", "WBC")
        .maps("RBC", "RBC")
        .maps("HGB", "HGB")
        .maps("PLT", "PLT");
        let bc = Link::tcp_server(
            "BC5380",
            "Mindray BC-5380",
            "mindray-bc5380",
            Protocol::Hl7Mllp,
        )
        .maps("6690-2", "WBC");
        let lab = LabConfig::default_catalog()
            .link(&h500)
            .link(&bc)
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
        lab.add_order(TUBE, "WBC,RBC,HGB,PLT", "BN4401");
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
}

/// The records of the H500 capture: each frame's text (after STX and the frame number, up to
/// ETB or ETX) joined, then cut at CR; the sample id set to the tube's.
fn h500_records() -> Vec<String> {
    let capture = std::fs::read(corpus(
        "astm/horiba-yumizen-h500/yumizen_h500_wire_frames_etb.astm",
    ))
    .expect("the corpus capture");
    let mut text = Vec::new();
    let mut rest = capture.as_slice();
    while let Some(stx) = rest.iter().position(|&b| b == 0x02) {
        let after = &rest[stx + 2..];
        let end = after
            .iter()
            .position(|&b| b == 0x03 || b == 0x17)
            .expect("each frame ends with ETX or ETB");
        text.extend_from_slice(&after[..end]);
        rest = &after[end..];
    }
    String::from_utf8_lossy(&text)
        .replace("O|1|CL-BL-23-0003|", &format!("O|1|{TUBE}|"))
        .split('\r')
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A BC-5380 run of the tube (HL7 v2.3.1 as in the manual's appendix C.3.3) with a WBC count
/// and the WBC histogram as a BMP.
fn bc5380_segments() -> Vec<String> {
    vec![
        "MSH|^~\\&|BC-5380|Mindray|||20261207090000||ORU^R01|77|P|2.3.1||||||UNICODE".to_owned(),
        "PID|1||BN4401^^^^MR||NGUYEN^VAN AN".to_owned(),
        format!("OBR|1||{TUBE}|00001^Automated Count^99MRC|||20261207085500"),
        "OBX|1|NM|6690-2^WBC^LN||7.10|10*9/L|4.00-10.00|N|||F".to_owned(),
        format!("OBX|2|ED|15008^WBC Histogram. BMP^99MRC||^Image^BMP^Base64^{BMP_BASE64}||||||F"),
    ]
}

fn sign_in(browser: &Browser, bench: &Bench) {
    browser.goto(&bench.url("/login?lang=en"));
    browser.fill("#username", USERNAME);
    browser.fill("#password", PASSWORD);
    browser.click("form.stacked button[type=submit]");
    wait_for("the worklist after signing in", TIMEOUT, || {
        (browser.url() == bench.url("/")).then_some(())
    });
}

#[test]
fn the_specimen_page_shows_the_analyzers_histograms_scattergram_and_image() {
    let bench = Bench::open();
    let records = h500_records();
    let refs: Vec<&str> = records.iter().map(String::as_str).collect();
    let mut h500 = connect(bench.lis.link_addr("H500"));
    e1381_send(&mut h500, &refs).expect("the H500's run acknowledged");
    let mut bc = connect(bench.lis.link_addr("BC5380"));
    let segments = bc5380_segments();
    let refs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let ack = mllp_send(&mut bc, &refs).expect("the BC-5380's run answered");
    assert!(ack.contains("MSA|AA|77"), "{ack}");
    bench.lis.wait_counter("H500", "messages_in", 1);

    let browser = Browser::start();
    sign_in(&browser, &bench);
    browser.goto(&bench.url(&format!("/specimens/{TUBE}")));
    browser.wait_for_text("Graphs and images from the analyzer", TIMEOUT);

    // Two runs, newest (the BC-5380's) first.
    let runs = browser.script(
        "return Array.prototype.map.call(document.querySelectorAll('#graphs h3.graph-run'),
           function (h) { return h.textContent; });",
    );
    let runs: Vec<String> = serde_json::from_value(runs).unwrap_or_default();
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert!(runs[0].starts_with("Run on BC5380 at "), "{runs:?}");
    assert!(runs[1].starts_with("Run on H500 at "), "{runs:?}");

    // The histograms, drawn, with their words.
    let svgs = browser.script(
        "return Array.prototype.map.call(document.querySelectorAll('#graphs svg.graph'),
           function (s) { return [s.querySelector('title').textContent,
                                  s.querySelector('desc').textContent,
                                  s.querySelectorAll('line.marker').length,
                                  s.querySelectorAll('rect.cell').length > 0]; });",
    );
    let svgs: Vec<(String, String, usize, bool)> = serde_json::from_value(svgs).unwrap_or_default();
    assert_eq!(svgs.len(), 3, "{svgs:?}");
    assert_eq!(svgs[0].0, "RbcAlongRes");
    assert_eq!(
        svgs[0].1,
        "RbcAlongRes: 254 channels from 0 to 278; highest count 788 at 77.17."
    );
    assert_eq!(svgs[1].0, "PltAlongRes");
    assert!(
        svgs[1]
            .1
            .ends_with("Discriminator lines at 3.29, 24.33, 11.31."),
        "{svgs:?}"
    );
    assert_eq!(svgs[1].2, 3, "three discriminator lines drawn");
    assert_eq!(svgs[2].0, "LMNEResAbs");
    assert_eq!(svgs[2].1, "LMNEResAbs: 4680 events.");
    assert!(svgs[2].3, "the scattergram's cells are drawn");

    // The BMP, fetched by the browser from its route and decoded: 4 x 2 pixels.
    let image = wait_for("the BMP loaded", TIMEOUT, || {
        let v = browser.script(
            "var i = document.querySelector('#graphs img.graph-img');
             return i && i.complete && i.naturalWidth > 0
               ? [i.naturalWidth, i.naturalHeight, i.getAttribute('alt')] : null;",
        );
        serde_json::from_value::<(u32, u32, String)>(v).ok()
    });
    assert_eq!(
        image,
        (
            4,
            2,
            "WBC Histogram. BMP, image from the analyzer".to_owned()
        )
    );

    browser.script("document.getElementById('graphs').scrollIntoView(); return null;");
    let path = screenshot_dir().join("graphs.png");
    browser.screenshot(&path);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    assert!(size > 10_000, "{} is only {size} bytes", path.display());
}
