//! Graphs and images through the real links (issue 14): each model's corpus trace played to the
//! LIS, and what the store keeps checked against values written by hand. The Yumizen's numbers
//! were computed independently, once, with python3 (`zlib.decompress(data, -15)` and
//! `struct.unpack('<Nf', ...)` on the frames' text joined), and written here by hand.

use std::time::Duration;

use lis_core::model::{GraphContent, StoredGraph};

use super::{corpus, frames_text, messages, Lis};
use crate::simulator::session::{AstmInstrument, MllpAnalyzer};
use crate::simulator::Delivery;

const LIMIT: Duration = Duration::from_secs(20);

/// A 4x2 24-bit BMP written by hand from the BMP file format: BITMAPFILEHEADER (14 bytes),
/// BITMAPINFOHEADER (40 bytes), two rows of four BGR pixels, bottom row first.
pub(crate) const BMP_4X2: [u8; 78] = [
    0x42, 0x4D, 0x4E, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x36, 0x00, 0x00,
    0x00, // file header
    0x28, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x18, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x13, 0x0B, 0x00, 0x00, 0x13, 0x0B, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // info header
    0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0x00, 0xFF, 0xFF,
    0xFF, // red green blue white
    0x00, 0x00, 0x00, 0x40, 0x40, 0x40, 0x80, 0x80, 0x80, 0xC0, 0xC0, 0xC0, // four greys
];

/// `BMP_4X2` in base64 (python3 `base64.b64encode`).
pub(crate) const BMP_4X2_BASE64: &str =
    "Qk1OAAAAAAAAADYAAAAoAAAABAAAAAIAAAABABgAAAAAABgAAAATCwAAEwsAAAAAAAAAAAAAAAD/AP8A/wAA////AAAAQEBAgICAwMDA";

fn names(graphs: &[StoredGraph]) -> Vec<(&str, &str)> {
    graphs
        .iter()
        .map(|g| (g.graph.name.as_str(), g.graph.content.kind()))
        .collect()
}

/// What the link's state says last went wrong.
fn last_error(lis: &Lis) -> String {
    lis.status
        .snapshot()
        .last_error
        .map(|(_, e)| e)
        .unwrap_or_default()
}

fn hl7(path: &str) -> String {
    String::from_utf8_lossy(&corpus(path))
        .replace("\r\n", "\r")
        .replace('\n', "\r")
        .trim_end()
        .to_owned()
}

async fn send_hl7(lis: &Lis, messages: &[String]) {
    let io = lis.connect().await;
    let mut analyzer = MllpAnalyzer::new(io);
    for m in messages {
        analyzer.write(m.as_bytes()).await.unwrap();
        let ack = String::from_utf8(analyzer.receive(LIMIT).await.unwrap().unwrap()).unwrap();
        assert!(ack.contains("\rMSA|AA|"), "{ack}");
    }
}

async fn send_astm(lis: &Lis, messages: &[String]) {
    let io = lis.connect().await;
    let mut analyzer = AstmInstrument::framed(io, 64_000);
    for m in messages {
        assert_eq!(
            analyzer.send(m, LIMIT).await.unwrap(),
            Delivery::Acknowledged
        );
    }
    analyzer.settle(LIMIT).await.unwrap();
}

#[tokio::test]
async fn bc5380_manual_placeholders_are_kept_undecodable_and_said() {
    let lis = Lis::start("BC5380", "mindray-bc5380");
    send_hl7(
        &lis,
        &[hl7(
            "hl7/mindray-bc5380/bc5380_manual_c33_oru_r01_patient_lf.hl7",
        )],
    )
    .await;
    let graphs = lis.store.specimen_graphs("20071207011").unwrap();
    assert_eq!(
        names(&graphs),
        [
            ("WBC Histogram. BMP", "undecodable"),
            ("RBC Histogram. BMP", "undecodable"),
            ("PLT Histogram. BMP", "undecodable"),
            ("WBC DIFF Scattergram. BMP", "undecodable"),
        ]
    );
    let GraphContent::Undecodable { raw, reason } = &graphs[0].graph.content else {
        panic!("undecodable");
    };
    // OBX 38's field as sent, its components joined again.
    assert_eq!(raw, "^Image^BMP^Base64^… … WBC Histogram bmp data……");
    assert!(reason.starts_with("BMP image: base64:"), "{reason}");
    assert_eq!(graphs[0].graph.row, "OBX 38");
    // The link says so, naming the row.
    let said = last_error(&lis);
    assert!(
        said.contains("graph `WBC DIFF Scattergram. BMP` kept as sent"),
        "{said}"
    );
    // The results are stored as before, the graphs are not results.
    let stored = lis.unmatched();
    assert!(!stored
        .iter()
        .any(|u| u.instrument_test_code.starts_with("15008")));
    lis.stop().await;
}

#[tokio::test]
async fn bc5380_bmp_is_stored_byte_for_byte() {
    let lis = Lis::start("BC5380", "mindray-bc5380");
    let message = hl7("hl7/mindray-bc5380/bc5380_manual_c33_oru_r01_patient_lf.hl7").replace(
        "^Image^BMP^Base64^ … … WBC Histogram bmp data……",
        &format!("^Image^BMP^Base64^{BMP_4X2_BASE64}"),
    );
    send_hl7(&lis, &[message]).await;
    let graphs = lis.store.specimen_graphs("20071207011").unwrap();
    assert_eq!(graphs.len(), 4);
    assert_eq!(
        graphs[0].graph.content,
        GraphContent::Image {
            media_type: "image/bmp".to_owned(),
            bytes: BMP_4X2.to_vec()
        }
    );
    assert_eq!(
        lis.store
            .specimen_image("20071207011", graphs[0].id)
            .unwrap(),
        Some(("image/bmp".to_owned(), BMP_4X2.to_vec()))
    );
    assert_eq!(graphs[1].graph.content.kind(), "undecodable");
    lis.stop().await;
}

#[tokio::test]
async fn bc5380_qc_graphs_are_kept_with_the_qc_message() {
    let lis = Lis::start("BC5380", "mindray-bc5380");
    send_hl7(
        &lis,
        &[hl7(
            "hl7/mindray-bc5380/bc5380_manual_c33_xr_qc_oru_r01_lf.hl7",
        )],
    )
    .await;
    // Three PID/OBR groups; the manual's example sends four ED rows in two of them.
    let graphs = lis.store.message_graphs(1).unwrap();
    assert_eq!(graphs.len(), 8);
    assert!(graphs.iter().all(|g| g.graph.is_qc));
    assert_eq!(graphs[0].graph.name, "WBC Histogram. BMP");
    // OBR-3, where a patient message has the sample id, is the QC file number `6` here.
    assert_eq!(graphs[0].graph.specimen_id, "6");
    assert!(
        lis.store.specimen_graphs("6").unwrap().is_empty(),
        "QC is not a patient's"
    );
    lis.stop().await;
}

/// The patient CBC of the wire-frames capture: its long M records span ETB frames.
#[tokio::test]
async fn yumizen_h500_patient_histograms_and_lmne_matrix_across_etb_frames() {
    let lis = Lis::start("H500", "horiba-yumizen-h500");
    let capture = corpus("astm/horiba-yumizen-h500/yumizen_h500_wire_frames_etb.astm");
    let frames = super::profiles_a::wire_frames(&capture);
    super::profiles_a::play_wire(&lis, &frames).await;
    let graphs = lis.store.specimen_graphs("CL-BL-23-0003").unwrap();
    assert_eq!(
        names(&graphs),
        [
            ("RbcAlongRes", "histogram"),
            ("PltAlongRes", "histogram"),
            ("LMNEResAbs", "scattergram"),
        ]
    );
    let GraphContent::Histogram(rbc) = &graphs[0].graph.content else {
        panic!("histogram")
    };
    // python: box 0..278 x 0..788, ticks 50, 100, 150; 254 channels; the highest count 788 at
    // channel 70 (77.17391204833984 fL); the counts add up to 22553; no markers.
    assert_eq!((rbc.plot.x_max, rbc.plot.y_max), (278.0, 788.0));
    assert_eq!(rbc.x_ticks, [50.0, 100.0, 150.0]);
    assert_eq!((rbc.x.len(), rbc.y.len()), (254, 254));
    assert_eq!(rbc.y[70], 788.0);
    assert!((rbc.x[70] - 77.173_91).abs() < 1e-4);
    assert_eq!(rbc.y.iter().sum::<f32>(), 22553.0);
    assert!(rbc.markers.is_empty());
    let GraphContent::Histogram(plt) = &graphs[1].graph.content else {
        panic!("histogram")
    };
    // python: markers 3.2875001430511475, 24.32750129699707, 11.309000015258789; 255
    // channels, the highest 36 at channel 46 (6.196721076965332 fL), the sum 2228.
    assert_eq!(plt.markers.len(), 3);
    assert!((plt.markers[1] - 24.3275).abs() < 1e-5);
    assert_eq!(plt.x.len(), 255);
    assert_eq!(plt.y[46], 36.0);
    assert_eq!(plt.y.iter().sum::<f32>(), 2228.0);
    let GraphContent::Scattergram(lmne) = &graphs[2].graph.content else {
        panic!("scattergram")
    };
    // python: 4 columns of 4680 events; x starts 613, 729, 806; y 416, 324, 368.
    assert_eq!(
        (lmne.x.len(), lmne.y.len(), lmne.extra.len()),
        (4680, 4680, 2)
    );
    assert_eq!(&lmne.x[..3], &[613.0, 729.0, 806.0]);
    assert_eq!(&lmne.y[..3], &[416.0, 324.0, 368.0]);
    assert!(graphs
        .iter()
        .all(|g| g.instrument == "H500" && !g.graph.is_qc));
    // The REAGENT record is no graph, and the 20 results are stored as before.
    assert_eq!(lis.unmatched().len(), 20);
    lis.stop().await;
}

#[tokio::test]
async fn yumizen_qc_runs_keep_their_graphs_and_the_h550s_broken_curves_are_said() {
    let lis = Lis::start("H500", "horiba-yumizen-h500");
    let qc = frames_text(&String::from_utf8_lossy(&corpus(
        "astm/horiba-yumizen-h500/yumizen_h500_qc_histograms.astm",
    )));
    send_astm(&lis, &messages(&qc)).await;
    let graphs = lis.store.message_graphs(1).unwrap();
    assert_eq!(
        names(&graphs),
        [
            ("RbcAlongRes", "histogram"),
            ("PltAlongRes", "histogram"),
            ("LMNEResAbs", "scattergram"),
        ]
    );
    assert!(graphs
        .iter()
        .all(|g| g.graph.is_qc && g.graph.specimen_id == "PX440N"));
    lis.stop().await;

    let lis = Lis::start("H550", "horiba-yumizen-h550");
    let text = String::from_utf8(corpus(
        "astm/horiba-yumizen-h550/yumizen_h550_qc_m_records.astm",
    ))
    .unwrap()
    .replace("\\\\", "\\");
    send_astm(&lis, &messages(text.as_bytes())).await;
    let graphs = lis.store.message_graphs(1).unwrap();
    // The capture's curve fields stop being valid deflate after about 100 bytes (python's zlib
    // fails on both); they are kept as sent, with the reason, and the link says so.
    assert_eq!(
        names(&graphs),
        [
            ("PltAlongRes", "undecodable"),
            ("LMNEResAbs", "undecodable")
        ]
    );
    let GraphContent::Undecodable { raw, reason } = &graphs[0].graph.content else {
        panic!("undecodable")
    };
    assert!(
        raw.starts_with("FLOATLE-stream/deflate:base64^Y2AAAQ4nMMXQA6Idg"),
        "{raw}"
    );
    assert!(reason.starts_with("float32 stream: deflate:"), "{reason}");
    let said = last_error(&lis);
    assert!(
        said.contains("record 5 (M): graph `LMNEResAbs` kept as sent"),
        "{said}"
    );
    assert_eq!(
        lis.journal()[0].0,
        "qc",
        "the QC results are stored all the same"
    );
    lis.stop().await;
}

#[tokio::test]
async fn sysmex_png_names_are_references_on_the_analyzer_never_results() {
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
    // The H, P, O and L records the log does not show, written as the XS sends them.
    let message = format!(
        "H|\\^&|||XS-500i^00-11^19045^^^^CH642457||||||||E1394-97\rP|1\rO|1||^^               85098^B|^^^^WBC\\^^^^RBC|||||||N||||||||||||||F\r{records}L|1|N\r"
    );
    send_astm(&lis, &[message]).await;
    let graphs = lis.store.specimen_graphs("85098").unwrap();
    let refs: Vec<(&str, &str)> = graphs
        .iter()
        .map(|g| match &g.graph.content {
            GraphContent::FileReference { path } => (g.graph.name.as_str(), path.as_str()),
            other => panic!("a file reference, not {other:?}"),
        })
        .collect();
    // `&R&` is the escaped repeat delimiter `\`.
    assert_eq!(
        refs,
        [
            ("SCAT_DIFF", r"PNG\20210414\2021_04_14_14_56_85098_DIFF.PNG"),
            ("DIST_RBC", r"PNG\20210414\2021_04_14_14_56_85098_RBC.PNG"),
            ("DIST_PLT", r"PNG\20210414\2021_04_14_14_56_85098_PLT.PNG"),
        ]
    );
    assert!(!lis
        .unmatched()
        .iter()
        .any(|u| u.instrument_test_code.starts_with("SCAT_") || u.value.contains("PNG")));
    lis.stop().await;

    let lis = Lis::start("XN", "sysmex-xn");
    let text = frames_text(&String::from_utf8_lossy(&corpus(
        "astm/sysmex-xn550/xn550_cbc.astm",
    )));
    send_astm(&lis, &messages(&text)).await;
    let graphs = lis.store.specimen_graphs("27").unwrap();
    assert_eq!(
        names(&graphs),
        [
            ("SCAT_WDF", "file_reference"),
            ("SCAT_WDF-CBC", "file_reference"),
            ("DIST_RBC", "file_reference"),
            ("DIST_PLT", "file_reference"),
        ]
    );
    lis.stop().await;
}
