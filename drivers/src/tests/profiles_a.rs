//! The profiles of issue 14 built from the corpus (profiles-a): each model's real trace through the
//! real link into core, the stored values checked against values written by hand from the trace;
//! the host queries the corpus shows (Beckman DxH, BioSystems BA400); and every one of these
//! profiles simulated (results stored as sent, QC routed to QC).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{corpus, frames_text, messages, profile, row, rows, Lis};
use crate::simulator::session::{AstmInstrument, MllpAnalyzer};
use crate::simulator::{self, Delivery, SimOptions};

const LIMIT: Duration = Duration::from_secs(20);

/// The instruments of these tests that need a test map (the host queries).
pub(super) const INSTRUMENTS: &str = r#"
[[instruments]]
id = "DXH"
name = "Beckman Coulter DxH 800"
profile = "beckman-dxh"
test_map = [
  { code = "WBC", test = "WBC", unit = "10^9/L" }, { code = "HGB", test = "HGB", unit = "g/L" },
  { code = "PLT", test = "PLT", unit = "10^9/L" },
]

[[instruments]]
id = "BA400"
name = "BioSystems BA400"
profile = "biosystems-ba400"
test_map = [
  { code = "GLUCOSE", test = "GLU", unit = "mg/dL" }, { code = "CREATININE", test = "CREA", unit = "mg/dL" },
  { code = "CHOLESTEROL", test = "CHOL", unit = "mg/dL" },
]
"#;

/// Plays ASTM messages as the instrument (the LIS's E1381 link, frames re-cut by the simulator).
async fn play_astm(lis: &Lis, messages: &[String]) -> Vec<Delivery> {
    let io = lis.connect().await;
    let mut analyzer = AstmInstrument::framed(io, 64_000);
    let mut out = Vec::new();
    for m in messages {
        out.push(analyzer.send(m, LIMIT).await.unwrap());
    }
    analyzer.settle(LIMIT).await.unwrap();
    out
}

/// The E1381 frames of a capture as the analyzer sent them: from each STX to the two checksum
/// characters after ETX/ETB, each ended with CR LF (LIS1-A §6.3.1; some captures dropped them).
pub(super) fn wire_frames(capture: &[u8]) -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    let mut i = 0;
    while let Some(start) = capture[i..].iter().position(|&b| b == 0x02).map(|p| p + i) {
        let end = capture[start..]
            .iter()
            .position(|&b| b == 0x03 || b == 0x17)
            .map(|p| p + start)
            .expect("every frame of the capture ends with ETX or ETB");
        let mut frame = capture[start..end + 3].to_vec();
        frame.extend_from_slice(b"\r\n");
        frames.push(frame);
        i = end + 3;
    }
    frames
}

/// Sends captured frames byte for byte (their own frame numbers and checksums): ENQ, each frame,
/// EOT; every frame must be answered ACK (the last one once the message is stored).
pub(super) async fn play_wire(lis: &Lis, frames: &[Vec<u8>]) {
    let mut io = lis.connect().await;
    io.write_all(&[0x05]).await.unwrap();
    assert_eq!(reply(&mut io).await, 0x06, "ENQ answered ACK");
    for (n, frame) in frames.iter().enumerate() {
        io.write_all(frame).await.unwrap();
        assert_eq!(
            reply(&mut io).await,
            0x06,
            "frame {n} ({:?}) answered ACK",
            String::from_utf8_lossy(&frame[..frame.len().min(40)])
        );
    }
    io.write_all(&[0x04]).await.unwrap();
    io.flush().await.unwrap();
}

/// The LIS's one-byte answer.
async fn reply(io: &mut tokio::io::DuplexStream) -> u8 {
    let mut byte = [0u8; 1];
    tokio::time::timeout(LIMIT, io.read_exact(&mut byte))
        .await
        .expect("the LIS answers in time")
        .expect("the line stays open");
    byte[0]
}

/// The kinds of the journal's entries, in order.
fn kinds(lis: &Lis) -> Vec<String> {
    lis.journal().into_iter().map(|(k, _)| k).collect()
}

/// A QC row as a profile reads it: (control id, code, value, lot, level).
type QcRow = (String, String, String, Option<String>, Option<String>);

/// The QC rows a profile reads from ASTM text.
fn astm_qc_rows(name: &str, text: &str) -> Vec<QcRow> {
    let (message, _) = lis_astm::message::Message::parse(text.as_bytes()).unwrap();
    let reading = crate::ingest::astm::read_message(&message, &profile(name));
    reading
        .observations
        .into_iter()
        .map(|o| {
            assert!(o.is_qc, "{name}: {o:?} is QC");
            (
                o.specimen_id,
                o.instrument_test_code,
                o.value,
                o.qc_lot,
                o.qc_level,
            )
        })
        .collect()
}

#[tokio::test]
async fn beckman_dxh_cbc_with_its_own_delimiters() {
    let lis = Lis::start("DXH", "beckman-dxh");
    let order = lis.order("000004287888", &["WBC", "HGB"]);
    let msgs = messages(&corpus("astm/beckman-dxh/dxh_cbc_result_1.astm"));
    assert_eq!(msgs.len(), 1);
    assert_eq!(play_astm(&lis, &msgs).await, vec![Delivery::Acknowledged]);
    // WBC and HGB on the order; `146!  H ` is the value 146 with the DxH's `H`, beside R-7's `A`.
    let mut results: Vec<(String, String, Vec<String>)> = lis
        .store
        .results_for_order(order)
        .unwrap()
        .into_iter()
        .map(|r| (r.test_code, r.value_sent, r.instrument_flags))
        .collect();
    results.sort();
    assert_eq!(
        results,
        vec![
            (
                "HGB".to_owned(),
                "146".to_owned(),
                vec!["A".to_owned(), "H".to_owned()]
            ),
            ("WBC".to_owned(), "7.4".to_owned(), vec![]),
        ]
    );
    let stored = rows(&lis.unmatched());
    // 28 R records, 2 of them on the order; the `@` research parameters are stored under their
    // own code.
    assert_eq!(stored.len(), 26, "{stored:?}");
    let s = "000004287888";
    assert!(stored.iter().all(|r| r.0 == s));
    for expected in [
        // `^` in the unit is data with these delimiters.
        row(s, "RBC", "4.65", "10^12/L"),
        row(s, "HCT", "42.2", "%"),
        row(s, "PLT", "378", "10^9/L"),
        row(s, "@PCT", "0.312", "%"),
        row(s, "@PDW", "16.9", ""),
        row(s, "NRBC#", "0.00", "10^9/L"),
        row(s, "@EGC#", "0.0", "10^9/L"),
    ] {
        assert!(stored.contains(&expected), "{expected:?} missing");
    }
    lis.stop().await;
}

#[tokio::test]
async fn beckman_dxh_query_is_answered_in_its_delimiters_echoing_h3() {
    let lis = Lis::start("DXH", "beckman-dxh");
    lis.order("000004287888", &["WBC", "PLT"]);
    let query = String::from_utf8(corpus("astm/beckman-dxh/dxh_query_request_1.astm")).unwrap();
    assert!(query.contains("Q|1|!000004287888||ALL||||||||O\r"));
    let io = lis.connect().await;
    let mut analyzer = AstmInstrument::framed(io, 247);
    assert_eq!(
        analyzer.send(&query, LIMIT).await.unwrap(),
        Delivery::Acknowledged
    );
    let answer = String::from_utf8(analyzer.receive(LIMIT).await.unwrap().unwrap()).unwrap();
    let records: Vec<&str> = answer.split('\r').filter(|r| !r.is_empty()).collect();
    // As the host reply of the corpus: the DxH delimiters `|\!~` and the query's H-3 echoed.
    assert!(
        records[0].starts_with("H|\\!~|(0:0-144795890#123476669, 571)||LIS|"),
        "{answer}"
    );
    assert_eq!(records[1], "P|1", "{answer}");
    // O-3 the specimen, O-5 the tests as `!!!code` repeats, O-6 R, O-12 N, O-26 Q.
    assert_eq!(
        records[2],
        format!(
            "O|1|000004287888||!!!WBC\\!!!PLT|R{}N{}Q",
            "|".repeat(6),
            "|".repeat(14)
        ),
        "{answer}"
    );
    assert_eq!(records[3], "L|1|F", "{answer}");
    assert_eq!(records.len(), 4, "{answer}");
    analyzer.settle(LIMIT).await.unwrap();
    lis.stop().await;
}

#[tokio::test]
async fn horiba_pentra_xlr_frames_with_their_checksums() {
    let lis = Lis::start("PENTRA", "horiba-pentra-xlr");
    let frames = wire_frames(&corpus("astm/horiba-pentra-xlr/pentra_xlr_cbc_flags.astm"));
    // One record per frame: H, P, O, 21 R, 3 C, L.
    assert_eq!(frames.len(), 28);
    play_wire(&lis, &frames).await;
    let stored = rows(&lis.unmatched());
    assert_eq!(stored.len(), 21, "{stored:?}");
    let s = "S1234";
    for expected in [
        row(s, "WBC", "8.5", "1"),
        row(s, "MON#", "0.15", "1"),
        // Not measured (R-9 `X`): kept with its dashes, never dropped.
        row(s, "BAS#", "-----", "1"),
        row(s, "HGB", "14.0", "1"),
        row(s, "PLT", "234", "1"),
        row(s, "RDWSD", "43", "1"),
    ] {
        assert!(stored.contains(&expected), "{expected:?} missing");
    }
    assert_eq!(kinds(&lis), vec!["results"]);
    lis.stop().await;
}

#[tokio::test]
async fn horiba_yumizen_h500_etb_frames_and_its_qc_run() {
    let lis = Lis::start("H500", "horiba-yumizen-h500");
    let frames = wire_frames(&corpus(
        "astm/horiba-yumizen-h500/yumizen_h500_wire_frames_etb.astm",
    ));
    assert_eq!(frames.len(), 137);
    play_wire(&lis, &frames).await;
    let stored = rows(&lis.unmatched());
    // 20 R records; the M records (histograms) are not results.
    assert_eq!(stored.len(), 20, "{stored:?}");
    let s = "CL-BL-23-0003";
    for expected in [
        row(s, "NEU#", "2.03", "10E3/uL"),
        row(s, "MCV", "82.0", "um3"),
        row(s, "WBC", "7.06", "10E3/uL"),
        row(s, "PLT", "269", "10E3/uL"),
        row(s, "HGB", "14.3", "g/dL"),
        row(s, "EOS%", "18.4", "%"),
    ] {
        assert!(stored.contains(&expected), "{expected:?} missing");
    }

    // The QC capture's M frames were re-joined by the capture (frame numbers 5 then 1), so its
    // records are re-framed.
    let qc = frames_text(&String::from_utf8_lossy(&corpus(
        "astm/horiba-yumizen-h500/yumizen_h500_qc_histograms.astm",
    )));
    let qc = messages(&qc);
    assert_eq!(qc.len(), 1);
    assert_eq!(play_astm(&lis, &qc).await, vec![Delivery::Acknowledged]);
    assert_eq!(kinds(&lis), vec!["results", "qc"]);
    assert_eq!(lis.unmatched().len(), 20, "QC is not a patient result");
    let read = astm_qc_rows("horiba-yumizen-h500", &qc[0]);
    assert_eq!(read.len(), 21);
    let lot = Some("PX440N".to_owned());
    let level = Some("CTRL MEDIUM".to_owned());
    assert!(read.contains(&(
        "PX440N".to_owned(),
        "PLT".to_owned(),
        "308".to_owned(),
        lot.clone(),
        level.clone()
    )));
    assert!(read.contains(&(
        "PX440N".to_owned(),
        "MCV".to_owned(),
        "90.6".to_owned(),
        lot,
        level
    )));
    lis.stop().await;
}

#[tokio::test]
async fn horiba_yumizen_h550_qc_has_its_lot_and_level() {
    let lis = Lis::start("H550", "horiba-yumizen-h550");
    // Stored with doubled backslashes: `H|\\^&` is `H|\^&` on the wire.
    let text = String::from_utf8(corpus(
        "astm/horiba-yumizen-h550/yumizen_h550_qc_m_records.astm",
    ))
    .unwrap()
    .replace("\\\\", "\\");
    let msgs = messages(text.as_bytes());
    assert_eq!(msgs.len(), 1);
    assert_eq!(play_astm(&lis, &msgs).await, vec![Delivery::Acknowledged]);
    assert_eq!(kinds(&lis), vec!["qc"]);
    assert!(lis.unmatched().is_empty());
    let read = astm_qc_rows("horiba-yumizen-h550", &msgs[0]);
    assert_eq!(read.len(), 20);
    let lot = Some("PX449L".to_owned());
    let level = Some("CTRLLOW".to_owned());
    for (code, value) in [
        ("MCV", "78.4"),
        ("WBC", "3.22"),
        ("HGB", "6.0"),
        ("EOS%", "8.4"),
    ] {
        let expected = (
            "PX449L".to_owned(),
            code.to_owned(),
            value.to_owned(),
            lot.clone(),
            level.clone(),
        );
        assert!(read.contains(&expected), "{expected:?} missing");
    }
    lis.stop().await;
}

#[tokio::test]
async fn sysmex_xp100_padded_values_and_o4_sample_number() {
    let lis = Lis::start("XP100", "sysmex-xp100");
    let frames = wire_frames(&corpus("astm/sysmex-xp100/xp100_cbc.astm"));
    assert_eq!(frames.len(), 1);
    play_wire(&lis, &frames).await;
    let stored = rows(&lis.unmatched());
    assert_eq!(stored.len(), 20, "{stored:?}");
    let s = "113";
    for expected in [
        // `|  5.5|`: the padding is not part of the value.
        row(s, "WBC", "5.5", "10*3/uL"),
        row(s, "RBC", "2.87", "10*6/uL"),
        row(s, "MCHC", "41.7", "g/dL"),
        row(s, "PLT", "170", "10*3/uL"),
        row(s, "PCT", "0.17", "%"),
    ] {
        assert!(stored.contains(&expected), "{expected:?} missing");
    }
    lis.stop().await;
}

#[tokio::test]
async fn sysmex_xs500i_frame_per_record_log() {
    let lis = Lis::start("XS500I", "sysmex-xs500i");
    let log = String::from_utf8_lossy(&corpus(
        "astm/sysmex-xs500i/xs500i_host_log_frames_acks_2021.log",
    ))
    .into_owned();
    let from_analyzer: String = log
        .lines()
        .filter(|l| l.contains("H<-M: "))
        .collect::<Vec<_>>()
        .join("\n");
    let records = String::from_utf8(frames_text(&from_analyzer)).unwrap();
    assert!(records.starts_with("R|1|^^^^WBC^1|8.98|"));
    // The log starts at R|1 and has no L: the H, P and O frames before it and the L after are
    // written here as the XS sends them (the XN layout; sample number 85098 from the image names).
    let message = format!(
        "H|\\^&|||XS-500i^00-11^19045^^^^CH642457||||||||E1394-97\rP|1\rO|1||^^               85098^B|^^^^WBC\\^^^^RBC|||||||N||||||||||||||F\r{records}L|1|N\r"
    );
    assert_eq!(
        play_astm(&lis, &[message]).await,
        vec![Delivery::Acknowledged]
    );
    let stored = rows(&lis.unmatched());
    // 39 R records, 3 of them images.
    assert_eq!(stored.len(), 36, "{stored:?}");
    let s = "85098";
    for expected in [
        row(s, "WBC", "8.98", "10*3/uL"),
        row(s, "HGB", "12.4", "g/dL"),
        row(s, "PLT", "302", "10*3/uL"),
        row(s, "MONO#", "0.77", "10*3/uL"),
        row(s, "PLT_Clumps?", "30", ""),
    ] {
        assert!(stored.contains(&expected), "{expected:?} missing");
    }
    assert!(!stored.iter().any(|r| r.1.starts_with("SCAT_")));
    lis.stop().await;
}

#[tokio::test]
async fn esr_analyzer_result() {
    let lis = Lis::start("ESR", "esr-analyzer");
    let msgs = messages(&corpus("astm/esr-analyzer-unknown/esr_result.astm"));
    assert_eq!(msgs.len(), 1);
    assert_eq!(play_astm(&lis, &msgs).await, vec![Delivery::Acknowledged]);
    assert_eq!(
        rows(&lis.unmatched()),
        vec![row("231", "ESR", "11", "mm/h")]
    );
    lis.stop().await;
}

#[tokio::test]
async fn roche_cobas_c111_record_per_frame_with_m_records() {
    let lis = Lis::start("C111", "roche-cobas-c111");
    let frames = wire_frames(&corpus(
        "astm/roche-cobas-c111/c111_wire_frames_from_test.astm",
    ));
    assert_eq!(frames.len(), 7);
    play_wire(&lis, &frames).await;
    let other = frames_text(&String::from_utf8_lossy(&corpus(
        "astm/roche-cobas-c111/c111_result_with_M_record.astm",
    )));
    assert_eq!(
        play_astm(&lis, &messages(&other)).await,
        vec![Delivery::Acknowledged]
    );
    // One R per message; the C and M (absorbance curve) records are not results.
    assert_eq!(
        rows(&lis.unmatched()),
        vec![
            row("T20 10134GA D28", "413", "40.13", "g/L"),
            row("T20-10143GA D07", "550", "95.2", "U/L"),
        ]
    );
    lis.stop().await;
}

#[tokio::test]
async fn abbott_afinion2_id_from_p4() {
    let lis = Lis::start("AFINION", "abbott-afinion2");
    let frames = wire_frames(&corpus("astm/abbott-afinion2/afinion2_hba1c.astm"));
    assert_eq!(frames.len(), 1);
    play_wire(&lis, &frames).await;
    let stored = lis.unmatched();
    assert_eq!(rows(&stored), vec![row("3643", "HbA1c", "5.9", "%")]);
    lis.stop().await;
}

#[tokio::test]
async fn siemens_dca_vantage_albumin_creatinine_ratio() {
    let lis = Lis::start("DCA", "siemens-dca-vantage");
    let frames = wire_frames(&corpus("astm/siemens-dca-vantage/dca_vantage_acr.astm"));
    assert_eq!(frames.len(), 1);
    play_wire(&lis, &frames).await;
    let s = "BU24R554";
    assert_eq!(
        rows(&lis.unmatched()),
        vec![
            row(s, "Alb", "63.7", "mg/L"),
            row(s, "Crt", "230.8", "mg/dL"),
            row(s, "Ratio", "27.6", "mg/g"),
        ]
    );
    lis.stop().await;
}

#[tokio::test]
async fn radiometer_abl90_qc_runs_with_level_and_lot() {
    let lis = Lis::start("ABL90", "radiometer-abl90-flex");
    let msgs = messages(&corpus(
        "astm/radiometer-abl90-flex/abl90_flex_qc_2017-02-16_records_cr_rebuilt.astm",
    ));
    assert_eq!(msgs.len(), 2);
    assert_eq!(
        play_astm(&lis, &msgs).await,
        vec![Delivery::Acknowledged; 2]
    );
    assert_eq!(kinds(&lis), vec!["qc", "qc"]);
    assert!(lis.unmatched().is_empty());
    let first = astm_qc_rows("radiometer-abl90-flex", &msgs[0]);
    // 17 R records, one of them the entered temperature `T` (`^^^T^I`).
    assert_eq!(first.len(), 16);
    let level = |l: &str| Some(l.to_owned());
    let lot = Some("638472".to_owned());
    let qc = |code: &str, value: &str, lvl: &str| {
        (
            "QC #".to_owned(),
            code.to_owned(),
            value.to_owned(),
            lot.clone(),
            level(lvl),
        )
    };
    for expected in [
        qc("K+", "1.7", "S9050"),
        qc("pH(T)", "7.499", "S9050"),
        qc("pO2(T)", "12.3", "S9050"),
    ] {
        assert!(first.contains(&expected), "{expected:?} missing");
    }
    assert!(!first.iter().any(|r| r.1 == "T"));
    let second = astm_qc_rows("radiometer-abl90-flex", &msgs[1]);
    assert_eq!(second.len(), 11);
    for expected in [qc("tHb", "-0.01", "S9030"), qc("pO2(T)", "177", "S9030")] {
        assert!(second.contains(&expected), "{expected:?} missing");
    }
    lis.stop().await;
}

/// The complete ORU^R01 messages on lines 7 and 12 of the ELite 580 monitor log (each on one
/// line, `[VT]` to `[FS][CR]`), as the bytes between the MLLP start and end blocks.
fn elite580_messages() -> Vec<String> {
    let log = String::from_utf8_lossy(&corpus(
        "hl7/erba-elite580/elite580_oru_ack_monitor_log.txt",
    ))
    .into_owned();
    let lines: Vec<&str> = log.lines().collect();
    [7, 12]
        .iter()
        .map(|&n| {
            let line = lines[n - 1];
            let body = line
                .strip_prefix("[VT]")
                .and_then(|l| l.strip_suffix("[FS][CR]"))
                .expect("a whole message on the line");
            body.replace("[CR]", "\r")
        })
        .collect()
}

#[tokio::test]
async fn erba_elite580_results_from_its_monitor_log() {
    let lis = Lis::start("ELITE", "erba-elite580");
    let io = lis.connect().await;
    let mut analyzer = MllpAnalyzer::new(io);
    for (message, control_id) in elite580_messages().iter().zip([
        "ac84fae48b0e475996af764673f793fb",
        "d7e83c08d8a949ea9edc7012412a741c",
    ]) {
        analyzer.write(message.as_bytes()).await.unwrap();
        let ack = String::from_utf8(analyzer.receive(LIMIT).await.unwrap().unwrap()).unwrap();
        assert!(ack.contains(&format!("\rMSA|AA|{control_id}")), "{ack}");
    }
    let stored = rows(&lis.unmatched());
    // 36 and 37 OBX: settings, age and flag rows (IS) are not results; 30 each are.
    assert_eq!(stored.len(), 60, "{stored:?}");
    for expected in [
        row("25059143", "6690-2", "6.75", "10*3/uL"),
        row("25059143", "718-7", "12.9", "g/dL"),
        row("25059143", "11003", "0.208", "%"),
        row("25059143", "34167-7", "57", "10*9/L"),
        row("25058641", "6690-2", "17.37", "10*3/uL"),
        row("25058641", "718-7", "9.7", "g/dL"),
        row("25058641", "777-3", "369", "10*3/uL"),
    ] {
        assert!(stored.contains(&expected), "{expected:?} missing");
    }
    assert!(!stored
        .iter()
        .any(|r| r.1 == "13103" || r.1 == "02001" || r.1 == "30525-0"));
    lis.stop().await;
}

/// The messages of a BA400 capture: the middleware log kept each one without its MLLP start
/// block and with the end block `<FS><CR>`; the text between is the message.
fn ba400_messages(path: &str) -> Vec<Vec<u8>> {
    corpus(path)
        .split(|&b| b == 0x1C)
        .map(|m| m.strip_prefix(b"\r").unwrap_or(m).to_vec())
        .filter(|m| m.starts_with(b"MSH|"))
        .collect()
}

#[tokio::test]
async fn biosystems_ba400_oul_r22_results() {
    let lis = Lis::start("BA400-RESULTS", "biosystems-ba400");
    let msgs =
        ba400_messages("hl7/biosystems-ba400/ba400_oul_r22_lab29_results_2023_from_b64_log.hl7");
    assert_eq!(msgs.len(), 5);
    let io = lis.connect().await;
    let mut analyzer = MllpAnalyzer::new(io);
    for m in &msgs {
        analyzer.write(m).await.unwrap();
        let ack = String::from_utf8(analyzer.receive(LIMIT).await.unwrap().unwrap()).unwrap();
        assert!(ack.contains("\rMSA|AA|"), "{ack}");
    }
    let stored = lis.unmatched();
    // Messages 3 and 4 are the same results sent again with a new MSH-7 and MSH-10: different
    // bytes, so both are kept (a person sees the repeat).
    let (c, d) = ("SMPLC000032988998", "SMPLD000000033003529");
    assert_eq!(
        rows(&stored),
        vec![
            row("SMPLA001", "CREATININE", "1.11651742", "mg/dL"),
            row("SMPLB000002", "GLUCOSE", "512.628113", "mg/dL"),
            row(c, "CHOL HDL DIRECT", "60.9779778", "mg/dL"),
            row(c, "CHOLESTEROL", "177.710159", "mg/dL"),
            row(c, "TRIGLYCERIDES", "52.4089546", "mg/dL"),
            row(d, "ALBUMIN-MAU", "14.0575142", "mg/L"),
            row(d, "ALBUMIN-MAU", "14.0575142", "mg/L"),
            row(d, "CREATININE", "69.4413376", "mg/dL"),
            row(d, "CREATININE", "69.4413376", "mg/dL"),
        ]
    );
    assert_eq!(kinds(&lis), vec!["results"; 5]);
    lis.stop().await;
}

#[tokio::test]
async fn biosystems_ba400_qbp_q11_gets_rsp_k11_with_the_work_order() {
    let lis = Lis::start("BA400", "biosystems-ba400");
    lis.order("32971968", &["GLU", "CREA"]);
    let queries = ba400_messages("hl7/biosystems-ba400/ba400_qbp_q11_lab27_host_queries_2023.hl7");
    assert_eq!(queries.len(), 5);
    let io = lis.connect().await;
    let mut analyzer = MllpAnalyzer::new(io);
    // The first query: sample 32971968, MSH-10 `105c0474-b00b-4c72-8492-fba65c1563d6`, QPD-2
    // the same without dashes.
    analyzer.write(&queries[0]).await.unwrap();
    let rsp = String::from_utf8(analyzer.receive(LIMIT).await.unwrap().unwrap()).unwrap();
    assert!(rsp.contains("|RSP^K11"), "{rsp}");
    assert!(
        rsp.contains("\rMSA|AA|105c0474-b00b-4c72-8492-fba65c1563d6"),
        "{rsp}"
    );
    assert!(
        rsp.contains("\rQAK|105c0474b00b4c728492fba65c1563d6|OK"),
        "{rsp}"
    );
    assert!(
        rsp.contains(
            "\rQPD|WOS^Work Order Step^IHE_LABTF|105c0474b00b4c728492fba65c1563d6|32971968"
        ),
        "{rsp}"
    );
    // The work order LAB-27 asks for (which the corpus's host left out): SPM with the sample,
    // an OBR per test in the BA400's codes.
    assert!(rsp.contains("\rSPM|1|32971968"), "{rsp}");
    assert!(rsp.contains("|GLUCOSE"), "{rsp}");
    assert!(rsp.contains("|CREATININE"), "{rsp}");
    // The third query asks for 33032646, which has no order: "no data found".
    analyzer.write(&queries[2]).await.unwrap();
    let rsp = String::from_utf8(analyzer.receive(LIMIT).await.unwrap().unwrap()).unwrap();
    assert!(
        rsp.contains("\rQAK|7e3fe271b7af415b996ea9e142014521|NF"),
        "{rsp}"
    );
    assert!(!rsp.contains("\rOBR|"), "{rsp}");
    drop(analyzer);

    // The simulated BA400 asks the same way and runs only what it was told.
    lis.order("BA77", &["CHOL"]);
    let io = lis.connect().await;
    let options = SimOptions {
        specimen_ids: Some(vec!["BA77".to_owned()]),
        query: true,
        ..SimOptions::default()
    };
    let report = simulator::play(&lis.profile, io, options).await.unwrap();
    assert_eq!(
        report.ordered,
        vec![("BA77".to_owned(), vec!["CHOLESTEROL".to_owned()])]
    );
    assert_eq!(report.acknowledged, 1);
    lis.stop().await;
}

/// The profiles of this file, each with an instrument id of the test lab.
const PROFILES_A: &[(&str, &str)] = &[
    ("DXH", "beckman-dxh"),
    ("PENTRA", "horiba-pentra-xlr"),
    ("H500", "horiba-yumizen-h500"),
    ("H550", "horiba-yumizen-h550"),
    ("XP100", "sysmex-xp100"),
    ("XS500I", "sysmex-xs500i"),
    ("ESR", "esr-analyzer"),
    ("C111", "roche-cobas-c111"),
    ("AFINION", "abbott-afinion2"),
    ("DCA", "siemens-dca-vantage"),
    ("ABL90", "radiometer-abl90-flex"),
    ("ELITE", "erba-elite580"),
    ("BA400", "biosystems-ba400"),
];

#[tokio::test]
async fn every_profile_a_simulated_results_are_stored_as_sent() {
    for &(instrument, name) in PROFILES_A {
        let (lis, _) = super::simulated_two_specimens(instrument, name, ["A100", "A101"]).await;
        assert_eq!(kinds(&lis), vec!["results"; 2], "{name}");
        lis.stop().await;
    }
}

#[tokio::test]
async fn every_profile_a_routes_its_qc_to_qc() {
    for &(instrument, name) in PROFILES_A {
        let lis = Lis::start(instrument, name);
        let io = lis.connect().await;
        let options = SimOptions {
            specimen_ids: Some(vec!["QC-LOT1".to_owned()]),
            qc: true,
            ..SimOptions::default()
        };
        let report = simulator::play(&lis.profile, io, options).await.unwrap();
        assert_eq!(report.acknowledged, 1, "{name}");
        assert!(lis.unmatched().is_empty(), "{name}: QC went to patients");
        assert_eq!(kinds(&lis), vec!["qc"], "{name}");
        lis.stop().await;
    }
}

#[test]
fn the_simulated_dxh_writes_its_fields_one_place_later() {
    let results = [simulator::build::SimResult {
        code: "WBC".to_owned(),
        value: "7.4".to_owned(),
        units: "10^9/L".to_owned(),
    }];
    let text = simulator::build::astm_results(
        &profile("beckman-dxh"),
        "D1",
        &results,
        None,
        "20250301080000",
    );
    let r = text
        .split('\r')
        .find(|r| r.starts_with("R|"))
        .expect("an R record");
    // R-5 units, R-6 and R-7 empty, R-8 the flag, R-10 the status, R-14 the time (see the
    // profile).
    let fields: Vec<&str> = r.split('|').collect();
    assert_eq!(
        fields[..13],
        ["R", "1", "^^^WBC", "7.4", "10^9/L", "", "", "N", "", "F", "", "", ""],
        "{text}"
    );
    assert!(
        fields.len() == 14
            && fields[13].len() == 14
            && fields[13].bytes().all(|b| b.is_ascii_digit()),
        "{text}"
    );
}
