//! RS-232 end to end over a pseudo-terminal pair made by socat (CI installs it in .ci/run): `lis
//! serve` holds one end as a `kind = "serial"` link (9600 8N1, ASTM E1381, Sysmex XN profile), and
//! `lis simulate --serial` plays the analyzer on the other end.

use lis_tests::lab_config::{LabConfig, Link, Protocol};
use lis_tests::path_arg;
use lis_tests::server::{pty_pair, wait_for, TIMEOUT};
use lis_tests::simulation::Simulation;

#[test]
fn sysmex_xn_over_a_serial_line_is_stored_with_unit_conversions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_socat, lis_end, analyzer_end) = pty_pair(dir.path(), "xn");
    // Sysmex sends conventional units; the map converts to the catalog's SI units:
    // 10*3/uL = 10^9/L and 10*6/uL = 10^12/L (same numbers), g/dL x 10 = g/L, % x 0.01 = L/L.
    let xn = Link::serial(
        "XN",
        "Sysmex XN-550 on a serial port",
        "sysmex-xn",
        Protocol::AstmE1381,
        &lis_end,
    )
    .maps_in_unit("WBC", "WBC", "10*3/uL")
    .maps_in_unit("RBC", "RBC", "10*6/uL")
    .maps_scaled("HGB", "HGB", 10.0, "g/dL")
    .maps_scaled("HCT", "HCT", 0.01, "%")
    .maps("MCV", "MCV")
    .maps_in_unit("PLT", "PLT", "10*3/uL");
    let lab = LabConfig::default_catalog().link(&xn).write(dir.path());
    lab.add_order("XN0001", "WBC,RBC,HGB,HCT,MCV,PLT", "PID004");
    let lis = lab.serve();
    wait_for("the serial link to open", TIMEOUT, || {
        (lis.link("XN")["state"] == "connected").then_some(())
    });

    let run = Simulation::run(&[
        "--profile",
        "sysmex-xn",
        "--serial",
        path_arg(&analyzer_end),
        "--specimen-id",
        "XN0001",
        "--seed",
        "3",
        "--json",
    ]);
    let stdout = &run.stdout;
    assert_eq!(run.code, Some(0), "{stdout}{}\n{}", run.stderr, lis.log());
    let mut lines = stdout.lines();
    assert_eq!(
        lines.next(),
        Some("sent=1 acknowledged=1 rejected=0 timed_out=0 queries=0 answered=0")
    );
    let detail = run.detail();
    let sent = |code: &str| -> f64 {
        detail["results"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["code"] == code))
            .and_then(|r| r["value"].as_str())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{code} not sent: {detail}"))
    };
    let (code, log) = lis.stop();
    assert_eq!(code, Some(0), "{log}");

    let stored = lab.results("XN0001");
    assert_eq!(stored.len(), 6, "{stored:#?}");
    let value = |test: &str| -> (String, String) {
        let r = stored
            .iter()
            .find(|r| r["test_code"] == test)
            .unwrap_or_else(|| panic!("no {test}: {stored:#?}"));
        (
            r["value"].as_str().unwrap_or_default().to_owned(),
            r["unit"].as_str().unwrap_or_default().to_owned(),
        )
    };
    // Catalog decimals: WBC 2, RBC 2, HGB 0, HCT 3, MCV 1, PLT 0.
    assert_eq!(
        value("WBC"),
        (format!("{:.2}", sent("WBC")), "10^9/L".to_owned())
    );
    assert_eq!(
        value("RBC"),
        (format!("{:.2}", sent("RBC")), "10^12/L".to_owned())
    );
    assert_eq!(
        value("HGB"),
        (format!("{:.0}", sent("HGB") * 10.0), "g/L".to_owned())
    );
    assert_eq!(
        value("HCT"),
        (format!("{:.3}", sent("HCT") * 0.01), "L/L".to_owned())
    );
    assert_eq!(
        value("MCV"),
        (format!("{:.1}", sent("MCV")), "fL".to_owned())
    );
    assert_eq!(
        value("PLT"),
        (format!("{:.0}", sent("PLT")), "10^9/L".to_owned())
    );
}
