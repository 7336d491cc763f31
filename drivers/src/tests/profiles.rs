//! Every shipped profile: a realistic trace of that model (from the corpus where there is one)
//! through the real link into core, and the stored values checked by hand against the source bytes.

use std::time::Duration;

use super::{corpus, frames_text, messages, row, rows, sup, supplements_of, Lis};
use crate::simulator::session::{AstmInstrument, MllpAnalyzer};
use crate::simulator::{self, Delivery, SimOptions};

const LIMIT: Duration = Duration::from_secs(20);

/// Plays ASTM messages as the instrument (E1381, frames up to 64,000 characters as these analyzers
/// send) and returns how each ended.
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

#[tokio::test]
async fn sysmex_xn550_cbc_is_stored_with_the_o4_sample_number() {
    let lis = Lis::start("XN", "sysmex-xn");
    let text = frames_text(&String::from_utf8_lossy(&corpus(
        "astm/sysmex-xn550/xn550_cbc.astm",
    )));
    let msgs = messages(&text);
    assert_eq!(msgs.len(), 1);
    assert_eq!(play_astm(&lis, &msgs).await, vec![Delivery::Acknowledged]);
    let stored = rows(&lis.unmatched());
    // 41 R records, of which 4 are images (SCAT_WDF, SCAT_WDF-CBC, DIST_RBC, DIST_PLT).
    assert_eq!(stored.len(), 37);
    assert!(stored.iter().all(|r| r.0 == "27"));
    for expected in [
        row("27", "WBC", "8.13", "10*3/uL"),
        row("27", "HGB", "8.0", "g/dL"),
        row("27", "HCT", "22.7", "%"),
        row("27", "PLT", "99", "10*3/uL"),
        row("27", "EO%", "22.1", "%"),
        row("27", "MPV", "8.1", "fL"),
    ] {
        assert!(stored.contains(&expected), "{expected:?} missing");
    }
    assert!(!stored
        .iter()
        .any(|r| r.1.starts_with("SCAT_") || r.1.starts_with("DIST_")));
    assert_eq!(lis.status.snapshot().counters.messages_in, 1);
    lis.stop().await;
}

#[tokio::test]
async fn cobas_c311_reads_the_padded_barcode_and_cuts_the_slash() {
    let lis = Lis::start("C311", "roche-cobas-c311");
    let text = frames_text(&String::from_utf8_lossy(&corpus(
        "astm/roche-cobas-c311/c311_multi_result_single_frame.astm",
    )));
    let msgs = messages(&text);
    assert_eq!(play_astm(&lis, &msgs).await, vec![Delivery::Acknowledged]);
    let stored = rows(&lis.unmatched());
    let s = "CL-PL-24-0370";
    assert_eq!(
        stored,
        vec![
            row(s, "158", "301", "U/l"),
            row(s, "685", "22.4", "U/l"),
            row(s, "687", "15.0", "U/l"),
            row(s, "690", "34", "umol/l"),
            row(s, "712", "4.1", "umol/l"),
            row(s, "717", "5.85", "mmol/l"),
            row(s, "735", "1.6", "umol/l"),
        ]
    );
    lis.stop().await;
}

#[tokio::test]
async fn cobas_e411_log_results_and_a_retransmission_stored_once() {
    let lis = Lis::start("E411", "roche-cobas-e411");
    let log = String::from_utf8_lossy(&corpus(
        "astm/roche-cobas-e411/e411_host_log_2015_query_download_results.log",
    ))
    .into_owned();
    // Lines 1 to 8: results for sample 51, then sample 18 sent twice (the first EOT was lost).
    // The log printer dropped the repeat delimiter: `H|^&` is `H|\^&` on the wire.
    let from_analyzer: String = log
        .lines()
        .take(8)
        .filter(|l| l.contains("H<-M"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("H|^&|", "H|\\^&|");
    let msgs = messages(&frames_text(&from_analyzer));
    assert_eq!(msgs.len(), 3);
    let outcomes = play_astm(&lis, &msgs).await;
    assert!(outcomes.iter().all(|d| *d == Delivery::Acknowledged));
    assert_eq!(
        rows(&lis.unmatched()),
        vec![
            row("18", "140", "<0.100", "mIU/ml"),
            row("51", "140", "55.16", "mIU/ml"),
        ]
    );
    lis.stop().await;
}

#[tokio::test]
async fn architect_keeps_the_final_value_with_its_interpretation_and_rlu() {
    let lis = Lis::start("ARCH", "abbott-architect");
    let msgs = messages(&corpus(
        "astm/abbott-architect-i1000sr/architect_5_messages_lf.astm",
    ));
    assert_eq!(msgs.len(), 5);
    let outcomes = play_astm(&lis, &msgs).await;
    assert_eq!(outcomes, vec![Delivery::Acknowledged; 5]);
    // One F row per assay is the result; the I (Nonreactive) and P (RLU) rows are its
    // supplementary values.
    assert_eq!(
        rows(&lis.unmatched()),
        vec![
            row("276056250158121", "580", "0.15", "S/CO"),
            row("70225954624I", "531", "0.0", "AU/mL"),
            row("AA5XVA2BT9", "133", "2.87", "mIU/mL"),
            row("AA5XVA2BT9", "580", "0.17", "S/CO"),
            row("CL5X1A30VH", "281", "0.11", "S/CO"),
        ]
    );
    assert_eq!(
        supplements_of(&lis, "276056250158121", "580"),
        vec![
            sup("Interpretation", "Nonreactive", ""),
            sup("RLU", "1277", "RLU")
        ]
    );
    assert_eq!(
        supplements_of(&lis, "70225954624I", "531"),
        vec![
            sup("Interpretation", "Nonreactive", ""),
            sup("RLU", "326", "RLU")
        ]
    );
    // Anti-HBs sends no I row: its RLU alone.
    assert_eq!(
        supplements_of(&lis, "AA5XVA2BT9", "133"),
        vec![sup("RLU", "3685", "RLU")]
    );
    lis.stop().await;
}

#[tokio::test]
async fn mindray_bs240_reads_code_in_component_1_and_barcode_in_o4() {
    let lis = Lis::start("BS240", "mindray-bs240");
    let text = frames_text(&String::from_utf8_lossy(&corpus(
        "astm/mindray-bs240/bs240_astm_monitor_log.txt",
    )));
    let msgs = messages(&text);
    assert!(msgs.len() >= 10);
    let outcomes = play_astm(&lis, &msgs[..1]).await;
    assert_eq!(outcomes, vec![Delivery::Acknowledged]);
    let stored = rows(&lis.unmatched());
    // 17 coded tests; the calculated `^Glo^^`, `^A/G^^`, `^AST/ALT^^`, `^IBIL-D ?^^` have no code.
    assert_eq!(stored.len(), 17, "{stored:?}");
    assert!(stored.iter().all(|r| r.0 == "25059239" && !r.1.is_empty()));
    for expected in [
        row("25059239", "P", "2.837141", "mg/dL"),
        row("25059239", "CA", "9.578342", "mg/dL"),
        row("25059239", "SGPT", "36.351162", "U/L"),
        row("25059239", "UREA", "18.027394", "mg/dL"),
    ] {
        assert!(stored.contains(&expected), "{expected:?} missing");
    }
    let status = lis.status.snapshot();
    assert!(
        status.last_error.is_some(),
        "rows without a code are reported"
    );
    lis.stop().await;
}

#[tokio::test]
async fn mindray_bc5380_patient_results_and_qc_by_msh11() {
    let lis = Lis::start("BC5380", "mindray-bc5380");
    let patient = String::from_utf8_lossy(&corpus(
        "hl7/mindray-bc5380/bc5380_manual_c33_oru_r01_patient_lf.hl7",
    ))
    .replace("\r\n", "\r")
    .replace('\n', "\r");
    let qc = String::from_utf8_lossy(&corpus(
        "hl7/mindray-bc5380/bc5380_manual_c33_xr_qc_oru_r01_lf.hl7",
    ))
    .replace("\r\n", "\r")
    .replace('\n', "\r");
    let io = lis.connect().await;
    let mut analyzer = MllpAnalyzer::new(io);
    for message in [patient.trim_end(), qc.trim_end()] {
        analyzer.write(message.as_bytes()).await.unwrap();
        let ack = analyzer.receive(LIMIT).await.unwrap().unwrap();
        let ack = String::from_utf8(ack).unwrap();
        // MSA-1 AA, MSA-2 the analyzer's MSH-10 (`1` in both manual examples).
        assert!(ack.contains("\rMSA|AA|1"), "{ack}");
        assert!(ack.contains("|ACK^R01|"), "{ack}");
    }
    let stored = rows(&lis.unmatched());
    let s = "20071207011";
    for expected in [
        row(s, "6690-2", "9.81", "10*9/L"),
        row(s, "718-7", "65", "g/L"),
        row(s, "777-3", "212", "10*9/L"),
        row(s, "10002", "1.40", "mL/L"),
    ] {
        assert!(stored.contains(&expected), "{expected:?} missing");
    }
    // Settings (IS), age and histogram lines are not results; nothing of the QC message is a
    // patient result.
    assert!(!stored
        .iter()
        .any(|r| r.1 == "08001" || r.1 == "30525-0" || r.1 == "15001"));
    assert!(stored.iter().all(|r| r.0 == s));
    let kinds: Vec<String> = lis.journal().into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, vec!["results", "qc"]);
    lis.stop().await;
}

#[tokio::test]
async fn mindray_cl_manual_result_and_its_legacy_query() {
    let lis = Lis::start("CL", "mindray-cl");
    let oru = String::from_utf8_lossy(&corpus(
        "hl7/mindray-cl-series/cl_manual_oru_r01_polish_site.hl7",
    ))
    .replace("\r\n", "\r")
    .replace('\n', "\r");
    let io = lis.connect().await;
    let mut analyzer = MllpAnalyzer::new(io);
    analyzer.write(oru.trim_end().as_bytes()).await.unwrap();
    let ack = String::from_utf8(analyzer.receive(LIMIT).await.unwrap().unwrap()).unwrap();
    assert!(ack.contains("\rMSA|AA|1410"), "{ack}");
    // OBR-2 bar code, OBX-3 test number, OBX-5 value, OBX-6 units.
    assert_eq!(
        rows(&lis.unmatched()),
        vec![row("256122-55", "25", "57.000000", "mg/dL")]
    );
    drop(analyzer);
    lis.order("CL77", &["TSH"]);
    let io = lis.connect().await;
    let options = SimOptions {
        specimen_ids: Some(vec!["CL77".to_owned()]),
        query: true,
        ..SimOptions::default()
    };
    let report = simulator::play(&lis.profile, io, options).await.unwrap();
    // QRY^Q02 -> QCK^Q02 (OK) -> DSR^Q03 with test 1 (TSH) -> ACK^Q03, then the result.
    assert_eq!(
        report.ordered,
        vec![("CL77".to_owned(), vec!["1".to_owned()])]
    );
    assert_eq!(report.acknowledged, 1);
    lis.stop().await;
}

/// The instrument of the test lab for each shipped profile.
const SHIPPED: &[(&str, &str)] = &[
    ("DEMO-CHEM", "generic-astm"),
    ("DEMO-HEMA", "generic-hl7"),
    ("XN", "sysmex-xn"),
    ("C311", "roche-cobas-c311"),
    ("E411", "roche-cobas-e411"),
    ("ARCH", "abbott-architect"),
    ("BC5380", "mindray-bc5380"),
    ("BS240", "mindray-bs240"),
    ("CL", "mindray-cl"),
];

#[tokio::test]
async fn every_shipped_profile_simulated_results_are_stored_as_sent() {
    for &(instrument, name) in SHIPPED {
        let (lis, _) = super::simulated_two_specimens(instrument, name, ["A100", "A101"]).await;
        assert_eq!(lis.status.snapshot().counters.messages_in, 2, "{name}");
        lis.stop().await;
    }
}

#[tokio::test]
async fn every_shipped_profile_routes_its_qc_to_qc() {
    for &(instrument, name) in SHIPPED {
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
        let kinds: Vec<String> = lis.journal().into_iter().map(|(k, _)| k).collect();
        assert_eq!(kinds, vec!["qc"], "{name}");
        lis.stop().await;
    }
}

#[tokio::test(start_paused = true)]
async fn the_simulator_keeps_its_rate() {
    let lis = Lis::start("DEMO-HEMA", "generic-hl7");
    let io = lis.connect().await;
    let started = tokio::time::Instant::now();
    let options = SimOptions {
        specimens: 4,
        rate: 2.0,
        ..SimOptions::default()
    };
    let report = simulator::play(&lis.profile, io, options).await.unwrap();
    assert_eq!(report.acknowledged, 4);
    // Four specimens at two per second: the fourth starts 1.5 s after the first.
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        report
            .results
            .iter()
            .map(|(s, _)| s.as_str())
            .collect::<Vec<_>>(),
        vec!["SIM0001", "SIM0002", "SIM0003", "SIM0004"]
    );
    lis.stop().await;
}

/// The messages of the MAGLUMI monitor log as the analyzer framed them: the text between each
/// `[STX]` and `[ETX]`, the log's line breaks (the monitor's read chunks, not data) removed.
fn maglumi_messages() -> Vec<Vec<u8>> {
    let log = String::from_utf8_lossy(&corpus(
        "astm/snibe-maglumi/maglumi_thyroid_serial_monitor_log.txt",
    ))
    .replace('\n', "")
    .replace("[CR]", "\r");
    log.split("[STX]")
        .skip(1)
        .map(|m| {
            m.split("[ETX]")
                .next()
                .unwrap_or_default()
                .as_bytes()
                .to_vec()
        })
        .collect()
}

#[tokio::test]
async fn snibe_maglumi_bare_frames_are_acknowledged_and_stored_once() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let lis = Lis::start("MAGLUMI", "snibe-maglumi");
    let msgs = maglumi_messages();
    // 26 transmissions in the log, 3 of them the same bytes sent again.
    assert_eq!(msgs.len(), 26);
    let mut io = lis.connect().await;
    let mut reply = [0u8; 1];
    for m in &msgs {
        // ENQ, then <STX> records <ETX> with no frame number and no checksum, then EOT; the LIS
        // answers each with ACK (after the message is stored).
        io.write_all(&[0x05]).await.unwrap();
        tokio::time::timeout(LIMIT, io.read_exact(&mut reply))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(reply, [0x06], "ENQ answered");
        let mut frame = vec![0x02];
        frame.extend_from_slice(m);
        frame.push(0x03);
        io.write_all(&frame).await.unwrap();
        tokio::time::timeout(LIMIT, io.read_exact(&mut reply))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(reply, [0x06], "message acknowledged");
        io.write_all(&[0x04]).await.unwrap();
    }
    // Every ACK came after its message was stored. The resent copies are stored once: 23 journal entries, 53 R records among them.
    assert_eq!(lis.journal().len(), 23);
    let stored = rows(&lis.unmatched());
    assert_eq!(stored.len(), 53);
    for expected in [
        row("25059232", "TT3 II", "1.171", "ng/mL"),
        row("25059232", "TT4 II", "10.78", "ug/dL"),
        row("25059232", "TSH II", "3.007", "uIU/mL"),
        // R-13 split over two monitor lines in the log.
        row("25059649", "TSH II", "3.53", "uIU/mL"),
        row("25061215", "TT4 II", "9.363", "ug/dL"),
    ] {
        assert!(stored.contains(&expected), "{expected:?} missing");
    }
    let counters = lis.status.snapshot().counters;
    assert_eq!(counters.messages_in, 26);
    lis.stop().await;
}
