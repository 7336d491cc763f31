//! The coagulation profile `sysmex-cs`: the Sysmex CS-2500 and CS-1600 traffic of
//! `testdata/corpus/sysmex-cs2500` played frame by frame through the real link into core, the
//! stored values written by hand from the trace; and the profile's simulator stored as sent.

use std::path::PathBuf;
use std::time::Duration;

use lis_core::validation::Flag;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{row, rows, Lis};

/// The coagulation tests of the test lab and the CS-2500 with its parameter codes (the codes of
/// the Lithuanian lab's CS-2500 in the trace; a CS-1600 numbers INR and fibrinogen one higher).
pub(super) const LAB: &str = r#"
[[tests]]
code = "PT"
name_vi = "Thời gian prothrombin (PT)"
name_en = "Prothrombin time"
unit = "s"
decimals = 1
specimen = "plasma"
section = "coagulation"
ranges = [{ sex = "any", low = 9.4, high = 12.5 }]

[[tests]]
code = "PT-PCT"
name_vi = "Tỷ lệ prothrombin"
name_en = "Prothrombin activity"
unit = "%"
decimals = 1
specimen = "plasma"
section = "coagulation"
ranges = [{ sex = "any", low = 70.0, high = 140.0 }]

[[tests]]
code = "INR"
name_vi = "INR"
name_en = "INR"
unit = "{INR}"
decimals = 2
specimen = "plasma"
section = "coagulation"
ranges = [{ sex = "any", low = 0.8, high = 1.2 }]

[[tests]]
code = "FIB"
name_vi = "Fibrinogen"
name_en = "Fibrinogen"
unit = "g/L"
decimals = 1
specimen = "plasma"
section = "coagulation"
ranges = [{ sex = "any", low = 2.0, high = 4.0 }]

[[tests]]
code = "APTT"
name_vi = "Thời gian thromboplastin từng phần hoạt hoá (APTT)"
name_en = "Activated partial thromboplastin time"
unit = "s"
decimals = 1
specimen = "plasma"
section = "coagulation"
ranges = [{ sex = "any", low = 25.0, high = 37.0 }]

[[instruments]]
id = "CS2500"
name = "Sysmex CS-2500"
profile = "sysmex-cs"
test_map = [
  { code = "041", test = "PT", unit = "sec" }, { code = "042", test = "PT-PCT", unit = "%" },
  { code = "043", test = "INR" }, { code = "044", test = "FIB", unit = "g/L" },
  { code = "051", test = "APTT", unit = "sec" },
]
"#;

const LIMIT: Duration = Duration::from_secs(20);

/// A file of this repository's `testdata/corpus` (captures not in the shared corpus).
fn local_corpus(path: &str) -> String {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/corpus")
        .join(path);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// The messages of a trace kept as one line per frame (the frame number, then the record as the
/// analyzer framed it), messages apart by a blank line; each message as its E1381 frames: STX,
/// the line, the record's CR, ETX, the checksum of LIS1-A §6.3.3 (the sum of the bytes from the
/// frame number through ETX, modulo 256, two uppercase hex digits), CR LF.
fn framed_messages(trace: &str) -> Vec<Vec<Vec<u8>>> {
    trace
        .split("\n\n")
        .map(|message| {
            message
                .lines()
                .filter(|l| !l.is_empty())
                .map(|line| {
                    let mut body = line.as_bytes().to_vec();
                    body.extend_from_slice(b"\r\x03");
                    let sum = body.iter().fold(0u8, |s, &b| s.wrapping_add(b));
                    let mut frame = vec![0x02];
                    frame.extend_from_slice(&body);
                    frame.extend_from_slice(format!("{sum:02X}\r\n").as_bytes());
                    frame
                })
                .collect()
        })
        .filter(|frames: &Vec<Vec<u8>>| !frames.is_empty())
        .collect()
}

/// Sends each message's frames as the analyzer did: ENQ, every frame, EOT; every one of them
/// must be answered ACK (the last frame's once the message is stored).
async fn play_frames(lis: &Lis, messages: &[Vec<Vec<u8>>]) {
    let mut io = lis.connect().await;
    let mut reply = [0u8; 1];
    for frames in messages {
        let mut exchange = vec![&b"\x05"[..]];
        exchange.extend(frames.iter().map(Vec::as_slice));
        for bytes in exchange {
            io.write_all(bytes).await.unwrap();
            tokio::time::timeout(LIMIT, io.read_exact(&mut reply))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                reply,
                [0x06],
                "{:?} acknowledged",
                String::from_utf8_lossy(bytes)
            );
        }
        io.write_all(&[0x04]).await.unwrap();
    }
}

fn cs_trace() -> Vec<Vec<Vec<u8>>> {
    let messages = framed_messages(&local_corpus(
        "sysmex-cs2500/cs2500_cs1600_results_frames_2024.txt",
    ));
    // Two CS-2500 messages of 14 frames and one CS-1600 message of 8.
    let sizes: Vec<usize> = messages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [14, 14, 8]);
    messages
}

#[tokio::test]
async fn cs2500_and_cs1600_keep_every_pt_parameter_as_its_own_row() {
    let lis = Lis::start("CS2500", "sysmex-cs");
    play_frames(&lis, &cs_trace()).await;
    // No orders: every row waits in the unmatched queue under the sample number of O-4
    // component 3, trimmed, and the parameter code of R-3 component 4. The C records (calibration
    // curve, reagent lot) are no rows.
    assert_eq!(
        rows(&lis.unmatched()),
        vec![
            row("1200014336", "041", "40.6", "sec"),
            row("1200014336", "042", "12.8", "%"),
            row("1200014336", "044", "4.22", ""),
            row("1200014336", "045", "5.0", "g/L"),
            row("6550049257", "041", "11.8", "sec"),
            row("6550049257", "042", "88.7", "%"),
            row("6550049257", "043", "1.05", ""),
            row("6550049257", "044", "5.0", "g/L"),
            row("6550049257", "051", "26.1", "sec"),
            row("6550049260", "041", "10.6", "sec"),
            row("6550049260", "042", "117.2", "%"),
            row("6550049260", "043", "0.93", ""),
            row("6550049260", "044", "5.0", "g/L"),
            row("6550049260", "051", "25.4", "sec"),
        ]
    );
    lis.stop().await;
}

#[tokio::test]
async fn cs2500_pt_inr_fibrinogen_and_aptt_go_to_the_order_with_the_over_range_mark() {
    let lis = Lis::start("CS2500", "sysmex-cs");
    let order = lis.order("6550049260", &["PT", "PT-PCT", "INR", "FIB", "APTT"]);
    let first = cs_trace().into_iter().take(1).collect::<Vec<_>>();
    play_frames(&lis, &first).await;
    let stored = lis.store.results_for_order(order).unwrap();
    // The analyzer's `>` holds the fibrinogen for a person (the instrument-flag check fails);
    // the results it marked `N` raise no instrument flag.
    for r in &stored {
        let flagged = r.flags.contains(&Flag::InstrumentFlag);
        assert_eq!(
            flagged,
            r.test_code == "FIB",
            "{}: {:?}",
            r.test_code,
            r.flags
        );
    }
    let mut results: Vec<(String, String, String, Vec<String>)> = stored
        .into_iter()
        .map(|r| (r.test_code, r.value_sent, r.unit, r.instrument_flags))
        .collect();
    results.sort();
    let n = || vec!["N".to_owned()];
    // PT 10.6 s, 117.2 %, INR 0.93 (no unit sent), derived fibrinogen 5.0 g/L marked `>` (above
    // the measuring range), APTT 25.4 s; each in the catalog's unit (`sec` is the test map's
    // spelling of the catalog's `s`), the analyzer's R-7 kept.
    assert_eq!(
        results,
        vec![
            ("APTT".into(), "25.4".into(), "s".into(), n()),
            (
                "FIB".into(),
                "5.0".into(),
                "g/L".into(),
                vec![">".to_owned()]
            ),
            ("INR".into(), "0.93".into(), "{INR}".into(), n()),
            ("PT".into(), "10.6".into(), "s".into(), n()),
            ("PT-PCT".into(), "117.2".into(), "%".into(), n()),
        ]
    );
    assert!(lis.unmatched().is_empty());
    lis.stop().await;
}

#[tokio::test]
async fn cs2500_host_query_is_acknowledged_kept_and_shown_unanswered() {
    let lis = Lis::start("CS2500", "sysmex-cs");
    lis.order("7010123815", &["PT", "APTT"]);
    // The source's imitation of the CS-2500's query, its frame numbers 1, 2, 4 renumbered 1 to 3
    // as LIS1-A §6.3.2.1 numbers frames (modulo 8, the first 1). It asks by order code (040 PT,
    // 050 APTT), which the test map (parameter codes 041 to 051) cannot answer: the profile does
    // not answer queries, so the query is stored and the link says why nothing was sent.
    let trace = local_corpus("sysmex-cs2500/cs2500_host_query_imitation.txt");
    let renumbered: String = trace
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{}{}\n", i + 1, &l[1..]))
        .collect();
    assert!(renumbered
        .contains("2Q|1|000002^01^     7010123815^B||^^^040^PT-INN-cal\\^^^050^APTT-FS|0|"));
    play_frames(&lis, &framed_messages(&renumbered)).await;
    let journal = lis.journal();
    assert_eq!(journal.len(), 1, "{journal:?}");
    assert_eq!(journal[0], ("query".to_owned(), None));
    let error = lis
        .status
        .snapshot()
        .last_error
        .map(|e| e.1)
        .unwrap_or_default();
    assert!(error.contains("does not answer queries"), "{error}");
    lis.stop().await;
}

#[tokio::test]
async fn cs_simulated_results_are_stored_as_sent() {
    let (lis, sent) = super::simulated_two_specimens("CS-SIM", "sysmex-cs", ["C100", "C101"]).await;
    // Five parameters per sample, INR without a unit.
    assert_eq!(sent.len(), 10);
    assert!(sent.iter().any(|r| r.1 == "043" && r.3.is_empty()));
    lis.stop().await;
}
