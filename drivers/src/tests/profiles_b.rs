//! The profiles of Access 2, ADVIA Centaur XP, EUROIMMUN Analyzer I, m2000, GeneXpert, IH-1000,
//! Galileo, cobas 6800/8800, cobas 8000 via cITm and cobas pro:
//! each model's real trace from the corpus through the real link into core, the stored values
//! written by hand from the trace; the host query or order download where the corpus shows one;
//! and each profile's simulator stored as sent.

use std::collections::BTreeSet;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{corpus, frames_text, messages, row, rows, sup, supplements_of, triples, Lis};
use crate::download::Outgoing;
use crate::simulator::session::{AstmInstrument, MllpAnalyzer};
use crate::simulator::{self, Delivery};

/// Catalog tests and instruments these tests add to the test lab: the analyzers whose host query
/// or order download is tested need their codes mapped to the lab's tests.
pub(super) const LAB: &str = r#"
[[tests]]
code = "VITD"
name_vi = "Vitamin D (25-OH)"
name_en = "Vitamin D, 25-hydroxy"
unit = "ng/mL"
decimals = 2
specimen = "serum"
section = "immunology"
ranges = [{ sex = "any", low = 30.0, high = 100.0 }]

[[tests]]
code = "ABOD"
name_vi = "Nhóm máu ABO/RhD"
name_en = "ABO/RhD blood group"
specimen = "blood"
section = "immunology"
kind = "text"

[[instruments]]
id = "CENTAUR"
name = "ADVIA Centaur XP"
profile = "siemens-advia-centaur-xp"
test_map = [{ code = "VitD", test = "VITD", unit = "ng/mL" }]

[[instruments]]
id = "GALILEO"
name = "Immucor Galileo"
profile = "immucor-galileo"
test_map = [{ code = "ABOD Full", test = "ABOD" }]

[[instruments]]
id = "COBASPRO"
name = "cobas pro"
profile = "roche-cobas-pro"
test_map = [{ code = "20490", test = "CRP", unit = "mg/L" }]
"#;

const LIMIT: Duration = Duration::from_secs(20);

/// Plays ASTM messages as the instrument (E1381, frames up to 64,000 characters) and returns how
/// each ended.
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

/// The records of a capture stored as text (LF or CR), without the lines around them that are
/// not records (a URL, a developer's annotation): a record is a type letter and `|`.
fn records_only(bytes: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(bytes)
        .split(['\r', '\n'])
        .filter(|l| {
            let b = l.as_bytes();
            b.len() > 1 && b"HPOQRCML".contains(&b[0]) && b[1] == b'|'
        })
        .flat_map(|l| format!("{l}\r").into_bytes())
        .collect()
}

/// The HL7 messages of a capture stored with LF or CR, each as CR-separated segments; lines that
/// are not segments (a developer's headings) are left out.
fn hl7_messages(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut out: Vec<String> = Vec::new();
    for line in text.split(['\r', '\n']) {
        let b = line.as_bytes();
        let segment = b.len() > 3
            && b[..3]
                .iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && b[3] == b'|';
        if !segment {
            continue;
        }
        if line.starts_with("MSH|") {
            out.push(String::new());
        }
        if let Some(m) = out.last_mut() {
            m.push_str(line);
            m.push('\r');
        }
    }
    out
}

/// Sends each HL7 message over MLLP and returns the acknowledgements.
async fn play_hl7(lis: &Lis, messages: &[String]) -> Vec<String> {
    let io = lis.connect().await;
    let mut analyzer = MllpAnalyzer::new(io);
    let mut acks = Vec::new();
    for m in messages {
        analyzer.write(m.as_bytes()).await.unwrap();
        let ack = analyzer.receive(LIMIT).await.unwrap().unwrap();
        acks.push(String::from_utf8(ack).unwrap());
    }
    acks
}

#[tokio::test]
async fn access2_frames_from_the_serial_log_one_record_each() {
    let lis = Lis::start("ACCESS2", "beckman-access2");
    // The second transmission of the monitor log (the first one's O frame is split out of order
    // by the monitor), as the analyzer framed it: one record per frame, frame numbers 1 to 5,
    // the log's checksums.
    let frames: [&[u8]; 5] = [
        b"\x021H|\\^&|||ACCESS^575707|||||LIS||P|1|20250701185020\r\x032E\r\n",
        b"\x022P|1|\r\x03BB\r\n",
        b"\x023O|1|25020053|^1316^4|^^^HCG5^1|||||||||||Serum||||||||||F\r\x032D\r\n",
        b"\x024R|1|^^^HCG5^1|108.66|mIU/mL||N||F||||20250701182626|575707\r\x0386\r\n",
        b"\x025L|1|F\r\x0300\r\n",
    ];
    let log = String::from_utf8_lossy(&corpus(
        "astm/beckman-access2/access2_serial_monitor_log_frames.txt",
    ))
    .replace('\n', "")
    .replace(" - [ACK]", "")
    .replace("[STX]", "\x02")
    .replace("[ETX]", "\x03")
    .replace("[CR]", "\r")
    .replace("[LF]", "\n");
    for f in frames {
        assert!(
            log.contains(std::str::from_utf8(f).unwrap()),
            "{f:?} is in the log"
        );
    }
    let mut io = lis.connect().await;
    let mut reply = [0u8; 1];
    let mut exchange = vec![&b"\x05"[..]];
    exchange.extend(frames);
    for bytes in exchange {
        io.write_all(bytes).await.unwrap();
        tokio::time::timeout(LIMIT, io.read_exact(&mut reply))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(reply, [0x06], "{bytes:?} acknowledged");
    }
    io.write_all(&[0x04]).await.unwrap();
    assert_eq!(
        rows(&lis.unmatched()),
        vec![row("25020053", "HCG5", "108.66", "mIU/mL")]
    );
    lis.stop().await;
}

#[tokio::test]
async fn centaur_keeps_the_dose_and_the_interpretation_rows() {
    let lis = Lis::start("CENTAUR-T", "siemens-advia-centaur-xp");
    let msgs: Vec<String> = [
        "astm/siemens-advia-centaur-xp/centaurxp_result_vitd_rlu_coff_dose_1.astm",
        "astm/siemens-advia-centaur-xp/centaurxp_result_syph_comments_5.astm",
    ]
    .iter()
    .flat_map(|f| messages(&corpus(f)))
    .collect();
    assert_eq!(msgs.len(), 2);
    assert_eq!(
        play_astm(&lis, &msgs).await,
        vec![Delivery::Acknowledged; 2]
    );
    // VitD: RLU 611793 and COFF 1.00 are supplementary, DOSE 25.22 ng/mL the result. SYPH: RLU,
    // COFF and INDX 0.14 supplementary, INTR `NR` the result (no unit).
    assert_eq!(
        rows(&lis.unmatched()),
        vec![
            row("000004300798", "VitD", "25.22", "ng/mL"),
            row("000004301090", "SYPH", "NR", ""),
        ]
    );
    // Each kept with its result, named by R-3 component 8, units as sent (R-5).
    assert_eq!(
        supplements_of(&lis, "000004300798", "VitD"),
        vec![sup("RLU", "611793", ""), sup("COFF", "1.00", "ng/mL")]
    );
    assert_eq!(
        supplements_of(&lis, "000004301090", "SYPH"),
        vec![
            sup("RLU", "8149", ""),
            sup("COFF", "1.00", "Index"),
            sup("INDX", "0.14", "Index"),
        ]
    );
    lis.stop().await;
}

#[tokio::test]
async fn centaur_query_from_the_corpus_is_answered_with_the_ordered_assay() {
    let lis = Lis::start("CENTAUR", "siemens-advia-centaur-xp");
    lis.order("K403911", &["VITD"]);
    let query = String::from_utf8(corpus(
        "astm/siemens-advia-centaur-xp/centaurxp_query_request_1.astm",
    ))
    .unwrap();
    assert!(query.contains("Q|1|^K403911^0024^A|"), "{query}");
    let io = lis.connect().await;
    let mut analyzer = AstmInstrument::framed(io, 247);
    assert_eq!(
        analyzer.send(&query, LIMIT).await.unwrap(),
        Delivery::Acknowledged
    );
    let answer = String::from_utf8(analyzer.receive(LIMIT).await.unwrap().unwrap()).unwrap();
    let order = answer
        .split('\r')
        .find(|r| r.starts_with("O|"))
        .unwrap_or_else(|| panic!("no O record: {answer}"));
    let fields: Vec<&str> = order.split('|').collect();
    // As the host's reply in the corpus: O-3 the sample id, O-5 `^^^VitD`, O-6 `R`; O-26 `Q`
    // (the corpus's host wrote `O\Q`).
    assert_eq!(fields[2], "K403911", "{order}");
    assert_eq!(fields[4], "^^^VitD", "{order}");
    assert_eq!(fields[5], "R", "{order}");
    assert_eq!(fields.get(25), Some(&"Q"), "{order}");
    assert!(answer.ends_with("L|1|F\r"), "{answer}");
    lis.stop().await;
}

#[tokio::test]
async fn euroimmun_batch_reads_the_sample_id_from_p4_and_keeps_decimal_commas() {
    let lis = Lis::start("EUROIMMUN", "euroimmun-analyzer-i");
    let msgs = messages(&corpus(
        "astm/euroimmun-analyzer-i/euroimmun_sarscov2_decimal_comma.astm",
    ));
    assert_eq!(msgs.len(), 1);
    assert_eq!(play_astm(&lis, &msgs).await, vec![Delivery::Acknowledged]);
    let c = "SARSCOV2IGA";
    let u = "Ratio";
    assert_eq!(
        rows(&lis.unmatched()),
        vec![
            row("TEST-27-011-5-1", c, "2,02", u),
            row("TEST-27-014-5-1", c, ">8", u),
            row("TEST-27-015-5-1", c, "8,04", u),
            row("TEST-27-019-5-1", c, "6,77", u),
            row("TEST-27-026-5-1  57", c, ">8", u),
            row("TEST-27-027-5-1", c, "8,11", u),
            row("TEST-27-031-5-1", c, "5,64", u),
            row("TEST-27-037-5-1", c, "4,65", u),
            row("TEST-27-062-5-1", c, ">8", u),
            row("TEST-27-065-5-1", c, "7,51", u),
            row("TEST-27-070-5-1", c, "6,37", u),
            row("TEST-27-071-5-1", c, "6,11", u),
            row("TEST-27-073-5-1", c, "3,40", u),
            row("TEST-27-074-5-1", c, ">8", u),
            row("TEST-27-077-5-1", c, "7,41", u),
            row("TEST-27-079-5-1", c, ">8", u),
            row("TEST-27-081-5-1", c, ">8", u),
            row("TEST-27-086-5-1", c, ">8", u),
            row("TEST-27-089-5-1", c, ">8", u),
            row("TEST-27-110-5-1", c, ">8", u),
        ]
    );
    lis.stop().await;
}

#[tokio::test]
async fn m2000_keeps_the_final_rows_with_their_interpretation_and_cycle_number() {
    let lis = Lis::start("M2000", "abbott-m2000");
    let msgs = messages(&records_only(&corpus(
        "astm/abbott-m2000/m2000_hiv_vl_results_lf.astm",
    )));
    assert_eq!(msgs.len(), 7);
    assert_eq!(
        play_astm(&lis, &msgs).await,
        vec![Delivery::Acknowledged; 7]
    );
    // One F row per sample is the result, the I (`Target not detected`) and P (cycle number)
    // rows its supplementary values. `90,410` copies/mL is 90410.
    let c = "HIV0.6ml";
    let u = "Copies / mL";
    assert_eq!(
        rows(&lis.unmatched()),
        vec![
            row("BP23-06554", c, "90410", u),
            row("BP23-06570", c, "53779", u),
            row("BP23-07117", c, "Not detected", u),
            row("BP23-07118", c, "Not detected", u),
            row("BP23-07119", c, "Not detected", u),
            row("BP23-07120", c, "96", u),
            row("BP23-07367", c, "86", u),
        ]
    );
    assert_eq!(
        supplements_of(&lis, "BP23-07117", c),
        vec![
            sup("Interpretation", "Target not detected", ""),
            sup("Cycle number", "-1.00", "cycle number"),
        ]
    );
    assert_eq!(
        supplements_of(&lis, "BP23-06554", c),
        vec![sup("Cycle number", "17.47", "cycle number")]
    );
    lis.stop().await;
}

#[tokio::test]
async fn genexpert_keeps_the_three_reportable_rows_of_mtb_rif() {
    let lis = Lis::start("GENEXPERT", "cepheid-genexpert");
    let text = frames_text(&String::from_utf8_lossy(&corpus(
        "astm/cepheid-genexpert/genexpert_mtb_rif.astm",
    )));
    let msgs = messages(&text);
    assert_eq!(msgs.len(), 1);
    assert!(msgs[0].starts_with("H|@^\\|"), "non-default delimiters");
    assert_eq!(play_astm(&lis, &msgs).await, vec![Delivery::Acknowledged]);
    // Of 84 R records, the three with a status: MTB `NOT DETECTED` (R-4 `NOT DETECTED^`), and the
    // Trace and RIF Resistance rows, sent empty (`^`) because nothing was detected.
    assert_eq!(
        rows(&lis.unmatched()),
        vec![
            row("PR25A137", "RIF", "", ""),
            row("PR25A137", "Trace", "", ""),
            row("PR25A137", "Xpert", "NOT DETECTED", ""),
        ]
    );
    // Every other row is a probe value of the result before it (R-3 component 4): records 2-19
    // of Xpert, 21-38 of Trace, 40-84 of RIF, named analyte and kind, the value from R-4
    // component 1 (qualitative) or 2 (Ct, end point). Record 17 names no analyte.
    let probes = |analyte: &str, qualitative: &str, ct: &str, end: &str| {
        vec![
            sup(analyte, qualitative, ""),
            sup(&format!("{analyte} Ct"), ct, ""),
            sup(&format!("{analyte} EndPt"), end, ""),
        ]
    };
    let mut xpert = Vec::new();
    for (analyte, end) in [
        ("rpoB1", "-2.0"),
        ("rpoB2", "4.0"),
        ("rpoB3", "8.0"),
        ("rpoB4", "8.0"),
    ] {
        xpert.extend(probes(analyte, "INVALID", "0.0", end));
    }
    xpert.extend(probes("SPC", "PASS", "24.7", "159.0"));
    xpert.extend([
        sup("probe", "FAIL", ""),
        sup("IS1081-IS6110 Ct", "0.0", ""),
        sup("IS1081-IS6110 EndPt", "3.0", ""),
    ]);
    assert_eq!(supplements_of(&lis, "PR25A137", "Xpert"), xpert);
    // Trace: the same probes, record 36 naming its analyte (and record 21's cut R-3 still
    // `Trace` in component 4).
    let mut trace = xpert[..15].to_vec();
    trace.extend(probes("IS1081-IS6110", "FAIL", "0.0", "3.0"));
    assert_eq!(supplements_of(&lis, "PR25A137", "Trace"), trace);
    // RIF: 15 probes of three rows each (45, records 40-84); the melt probes are sent empty.
    let rif = supplements_of(&lis, "PR25A137", "RIF");
    assert_eq!(rif.len(), 45);
    assert_eq!(rif[..12], xpert[..12]);
    assert_eq!(
        rif[12..15],
        [
            sup("rpoB1 melt", "", ""),
            sup("rpoB1 melt Ct", "0.0", ""),
            sup("rpoB1 melt EndPt", "0.0", "")
        ]
    );
    assert_eq!(
        rif[39..],
        probes("SPC", "PASS", "24.7", "159.0")
            .into_iter()
            .chain(probes("IS1081-IS6110", "FAIL", "0.0", "3.0"))
            .collect::<Vec<_>>()[..]
    );
    lis.stop().await;
}

#[tokio::test]
async fn ih1000_keeps_the_result_row_with_the_whole_typing() {
    let lis = Lis::start("IH1000", "biorad-ih1000");
    let msgs = messages(&corpus("astm/biorad-ih1000-ihcom/ihcom52_bloodtype.astm"));
    assert_eq!(msgs.len(), 1);
    assert_eq!(play_astm(&lis, &msgs).await, vec![Delivery::Acknowledged]);
    // AntiA 40, AntiB 0 and AntiD 0 are reaction rows; the Result row of card MO10 is the typing.
    assert_eq!(
        rows(&lis.unmatched()),
        vec![row("1122206642", "MO10", "A^NEG^NEG^ccee^K-^NEG^^^", "C")]
    );
    // The reaction rows stay with the typing: name R-3 component 4, strength R-4 component 1,
    // R-5 `C` as sent.
    assert_eq!(
        supplements_of(&lis, "1122206642", "MO10"),
        vec![
            sup("AntiA", "40", "C"),
            sup("AntiB", "0", "C"),
            sup("AntiD", "0", "C")
        ]
    );
    lis.stop().await;
}

#[tokio::test]
async fn galileo_order_download_then_its_interpretations_are_stored_on_the_order() {
    let lis = Lis::start("GALILEO", "immucor-galileo");
    let order = lis.order("0651439A", &["ABOD"]);
    // The LIS downloads the order as the corpus's host did (`O|1|0651439A||^^^Crossmatch|R...`).
    let download =
        crate::query::astm_order_download(&lis.store, "GALILEO", &lis.profile, &BTreeSet::new())
            .unwrap()
            .unwrap();
    let io = lis.connect().await;
    let mut analyzer = AstmInstrument::framed(io, 247);
    lis.astm_outbox
        .as_ref()
        .unwrap()
        .send(Outgoing {
            message: download.message,
            tests: download.tests,
        })
        .await
        .unwrap();
    let received = String::from_utf8(analyzer.receive(LIMIT).await.unwrap().unwrap()).unwrap();
    let o = received
        .split('\r')
        .find(|r| r.starts_with("O|"))
        .unwrap_or_else(|| panic!("no O record: {received}"));
    let fields: Vec<&str> = o.split('|').collect();
    assert_eq!((fields[2], fields[4]), ("0651439A", "^^^ABOD Full"), "{o}");
    // The analyzer's results for the sample (ABO/D and a screen the LIS did not order).
    let msgs = messages(&corpus("astm/immucor-galileo/galileo_result_abo.astm"));
    assert_eq!(
        analyzer.send(&msgs[0], LIMIT).await.unwrap(),
        Delivery::Acknowledged
    );
    analyzer.settle(LIMIT).await.unwrap();
    let results = lis.store.results_for_order(order).unwrap();
    let stored: Vec<(&str, &str)> = results
        .iter()
        .map(|r| (r.test_code.as_str(), r.value_sent.as_str()))
        .collect();
    assert_eq!(stored, vec![("ABOD", "B Pos")]);
    // The eight reaction rows of ABOD Full are its supplementary values, grades whole.
    assert_eq!(
        triples(&lis.store.supplements(results[0].id).unwrap()),
        vec![
            sup("Rh Ctrl", "0^0^0", ""),
            sup("Anti-A", "0^0^0", ""),
            sup("Anti-B", "3+^3+^45", ""),
            sup("Anti-AB", "3+^3+^45", ""),
            sup("Anti-D1", "3+^3+^29", ""),
            sup("Anti-D2", "3+^3+^40", ""),
            sup("A1 Cells", "2+^2+^17", ""),
            sup("B Cells", "0^0^0", ""),
        ]
    );
    // The screen's interpretation has no ordered test: unmatched, with its four reaction rows.
    assert_eq!(
        rows(&lis.unmatched()),
        vec![row("0651439A", "Screen", "Pos", "")]
    );
    assert_eq!(
        supplements_of(&lis, "0651439A", "Screen"),
        vec![
            sup("Screen 1", "4+^4+^100", ""),
            sup("Screen 2", "4+^4+^99", ""),
            sup("Screen 3", "4+^4+^100", ""),
            sup("Pos Ctrl", "4+^4+^100", ""),
        ]
    );
    lis.stop().await;
}

#[tokio::test]
async fn cobas_6800_keeps_the_99roc_result_of_each_sample_with_its_ct_and_loinc_rows() {
    let lis = Lis::start("C6800", "roche-cobas-6800");
    let msgs = hl7_messages(&corpus(
        "hl7/roche-cobas-6800-8800/cobas6800_oul_r22_hiv_law_annotated.hl7",
    ));
    assert_eq!(msgs.len(), 3);
    let acks = play_hl7(&lis, &msgs).await;
    for (ack, id) in acks.iter().zip([
        "13968052-baa9-474c-91bb-f7cf19d988fe",
        "a4140045-5f6b-4500-bc9d-610b3bfe50c4",
        "07e5e62c-ae19-4e53-9c1d-b3b4f6667ba3",
    ]) {
        assert!(ack.contains(&format!("\rMSA|AA|{id}")), "{ack}");
    }
    // The Ct row (S_OTHER) and the two LOINC interpretation rows are supplementary.
    assert_eq!(
        rows(&lis.unmatched()),
        vec![
            row("BP23-02424", "HIV", "894", "10*-1.{Copies}/mL"),
            row("BP23-04444", "HIV", "ValueNotSet", ""),
            row("BP23-04466", "HIV", "ValueNotSet", ""),
        ]
    );
    // Each keeps its Ct values (target, internal control: `41.47^^37.53`; no target Ct when
    // nothing was detected, `^^37.31`) and its two LOINC rows.
    assert_eq!(
        supplements_of(&lis, "BP23-04444", "HIV"),
        vec![
            sup("Ct target", "41.47", ""),
            sup("Ct internal control", "37.53", ""),
            sup("70241-5 1/1", "ValueNotSet", ""),
            sup("70241-5 1/2", "< Titer min", ""),
        ]
    );
    assert_eq!(
        supplements_of(&lis, "BP23-04466", "HIV"),
        vec![
            sup("Ct target", "", ""),
            sup("Ct internal control", "37.31", ""),
            sup("70241-5 1/1", "ValueNotSet", ""),
            sup("70241-5 1/2", "Target Not Detected", ""),
        ]
    );
    assert_eq!(
        supplements_of(&lis, "BP23-02424", "HIV"),
        vec![
            sup("Ct target", "36.39", ""),
            sup("Ct internal control", "37.71", ""),
            sup("70241-5 1/1", "ValueNotSet", ""),
            sup("70241-5 1/2", "Titer", ""),
        ]
    );
    // The reactivity of the first LOINC row is its flag (OBX-8 `RR`, `NR`), as sent.
    let reactivity: Vec<Vec<String>> = msgs
        .iter()
        .flat_map(|m| {
            let (message, _) = lis_hl7::Message::parse(m.as_bytes()).unwrap();
            crate::ingest::hl7::read_message(&message, &lis.profile).observations
        })
        .map(|o| o.supplementary[2].flags.clone())
        .collect();
    assert_eq!(
        reactivity,
        vec![
            vec!["RR".to_owned()],
            vec!["NR".to_owned()],
            vec!["RR".to_owned()]
        ]
    );
    // Without a number, OBX-8 says why: `BT` (below the titer range) or `ND` (not detected).
    let flags: Vec<Vec<String>> = msgs
        .iter()
        .flat_map(|m| {
            let (message, _) = lis_hl7::Message::parse(m.as_bytes()).unwrap();
            crate::ingest::hl7::read_message(&message, &lis.profile).observations
        })
        .map(|o| o.flags)
        .collect();
    assert_eq!(
        flags,
        vec![vec!["BT".to_owned()], vec!["ND".to_owned()], vec![]]
    );
    lis.stop().await;
}

#[tokio::test]
async fn citm_reads_the_value_before_its_escaped_component() {
    let lis = Lis::start("CITM", "roche-cobas-8000-citm");
    let msgs: Vec<String> = [
        "hl7/roche-cobas-8000-citm/citm_oru_r01_v23_decimal_comma.hl7",
        "hl7/roche-cobas-8000-citm/citm_oul_r21_2024_hiv_escapes_zsegs.hl7",
        // `<13>` in place of the CR after MSH, as a log rendered it.
        "hl7/roche-cobas-8000-citm/citm_oul_r21_2022_lt13gt_artifact.hl7",
    ]
    .iter()
    .flat_map(|f| hl7_messages(&corpus(f)))
    .collect();
    assert_eq!(msgs.len(), 3);
    let acks = play_hl7(&lis, &msgs).await;
    assert!(acks[0].contains("\rMSA|AA|68516"), "{}", acks[0]);
    assert!(acks[1].contains("\rMSA|AA|248627524"), "{}", acks[1]);
    assert!(acks[2].contains("\rMSA|AA|107737129"), "{}", acks[2]);
    let stored = rows(&lis.unmatched());
    // The 2022 message is read in spite of its `<13>`: `-1\S\2.14` is -1.
    assert!(
        stored.contains(&row("AA4F1A1A6J", "AHBC2-R", "-1", "")),
        "{stored:?}"
    );
    // The v2.3 example: OBR-2 the sample, decimal commas as sent.
    for expected in [
        row("20020604101", "21", "101,0", "mmol/L"),
        row("20020604101", "82", "5,7", "mmol/L"),
        row("20020604101", "89", "162,0", "mmol/L"),
    ] {
        assert!(
            stored.contains(&expected),
            "{expected:?} missing: {stored:?}"
        );
    }
    // The HIV Duo panel: SAC-3 the container, 16 OBX; `34\S\` is 34, `1\S\2.14` is 1,
    // `-1\S\0.0515` is -1, `???\S\???` is `???`.
    let s = "AA5OEB6WYN";
    let panel: Vec<_> = stored.iter().filter(|r| r.0 == s).collect();
    assert_eq!(panel.len(), 16, "{panel:?}");
    for expected in [
        row(s, "HIVDUO-R", "34", ""),
        row(s, "HIVAG_01", "1", ""),
        row(s, "AHIV_02", "-1", ""),
        row(s, "HIVAG-3", "???", ""),
        row(s, "HIVAG-!", "???", ""),
        row(s, "HIVDuo_02", "1", ""),
    ] {
        assert!(
            stored.contains(&expected),
            "{expected:?} missing: {stored:?}"
        );
    }
    lis.stop().await;
}

#[tokio::test]
async fn cobas_pro_results_keep_the_nm_row_and_its_query_gets_the_order() {
    let lis = Lis::start("COBASPRO", "roche-cobas-pro");
    let msgs: Vec<String> = [
        "hl7/roche-cobas-pro/cobas_pro_c503_oul_r22_result_middot_lf.hl7",
        "hl7/roche-cobas-pro/cobas_pro_e801_oul_r22_raw_supplemental_cr.hl7",
    ]
    .iter()
    .flat_map(|f| hl7_messages(&corpus(f)))
    .collect();
    assert_eq!(msgs.len(), 2);
    let acks = play_hl7(&lis, &msgs).await;
    assert!(acks[0].contains("\rMSA|AA|97"), "{}", acks[0]);
    assert!(acks[1].contains("\rMSA|AA|2019"), "{}", acks[1]);
    // The NM rows are the results; the (empty) CE rows are left out; the S_OTHER and S_RAW
    // rows that follow each result are its supplementary values, named by OBX-3 component 2,
    // as sent (the c 503 file's middle dots included).
    assert_eq!(
        rows(&lis.unmatched()),
        vec![
            row("022", "20490", "32.2", "mg/L"),
            row("140799", "10020", "112", "ng/dL"),
        ]
    );
    assert_eq!(
        supplements_of(&lis, "022", "20490"),
        vec![
            sup("Pipetting_Time", "20180222145824", ""),
            sup("CalibrationID", "23", ""),
            sup("QC·Test·ID", "62~67", ""),
            sup("QC·Status", "2", ""),
            sup("TR_TECHNICALLIMIT", "0.300·-·350", ""),
            sup("TR_REPEATLIMIT", "-99999·-·999999", ""),
            sup("TR_EXPECTEDVALUES", "-99999·-·999999", ""),
        ]
    );
    let e801 = supplements_of(&lis, "140799", "10020");
    assert_eq!(e801.len(), 7 + 4, "{e801:?}");
    assert_eq!(
        e801[7..].to_vec(),
        vec![
            sup("10020_EFS", "42399.210", "COUNT"),
            sup("10020_EFV", "-116.3324", "COUNT"),
            sup("10020_EFC", "254.4396", "COUNT"),
            sup("10020_PMT", "13773", "COUNT"),
        ]
    );

    lis.order("123", &["CRP"]);
    let query = hl7_messages(&corpus(
        "hl7/roche-cobas-pro/cobas_pro_qbp_q11_host_query_registered_sign_lf.hl7",
    ));
    let answers = play_hl7(&lis, &query).await;
    let answer = &answers[0];
    let segments: Vec<&str> = answer.split('\r').collect();
    assert!(segments[0].contains("|RSP^K11"), "{answer}");
    // MSA-2 the query's MSH-10; QAK-1 the query tag `query1233`, QAK-2 OK; the order for
    // sample 123 with the cobas pro's code for CRP.
    assert!(segments.contains(&"MSA|AA|1233"), "{answer}");
    assert!(
        segments.iter().any(|s| s.starts_with("QAK|query1233|OK")),
        "{answer}"
    );
    let obr = segments
        .iter()
        .find(|s| s.starts_with("OBR|"))
        .unwrap_or_else(|| panic!("no OBR: {answer}"));
    assert_eq!(
        obr.split('|').nth(4).map(|f| f.split('^').next()),
        Some(Some("20490")),
        "{answer}"
    );
    assert!(answer.contains("123"), "{answer}");
    lis.stop().await;
}

/// The profiles of this file with an instrument id for the test lab.
const PROFILES: &[(&str, &str)] = &[
    ("ACCESS2", "beckman-access2"),
    ("CENTAUR", "siemens-advia-centaur-xp"),
    ("EUROIMMUN", "euroimmun-analyzer-i"),
    ("M2000", "abbott-m2000"),
    ("GENEXPERT", "cepheid-genexpert"),
    ("IH1000", "biorad-ih1000"),
    ("GALILEO-SIM", "immucor-galileo"),
    ("MICRO", "microbiology-mic"),
    ("C6800", "roche-cobas-6800"),
    ("CITM", "roche-cobas-8000-citm"),
    ("COBASPRO-SIM", "roche-cobas-pro"),
];

#[tokio::test]
async fn each_profile_simulated_results_are_stored_as_sent() {
    for &(instrument, name) in PROFILES {
        let (lis, sent) = super::simulated_two_specimens(instrument, name, ["B100", "B101"]).await;
        assert_eq!(
            sent.len(),
            2 * lis.profile.simulator.tests.len(),
            "{name}: every test of the profile"
        );
        lis.stop().await;
    }
}

#[tokio::test]
async fn simulated_genexpert_declares_its_own_delimiters_and_is_read_by_them() {
    let lis = Lis::start("GENEXPERT", "cepheid-genexpert");
    let text = simulator::build::astm_results(
        &lis.profile,
        "G1",
        &[simulator::build::SimResult {
            code: "Xpert".to_owned(),
            value: "DETECTED LOW".to_owned(),
            units: String::new(),
        }],
        None,
        "20250301080001",
    );
    assert!(text.starts_with("H|@^\\|"), "{text}");
    assert_eq!(play_astm(&lis, &[text]).await, vec![Delivery::Acknowledged]);
    assert_eq!(
        rows(&lis.unmatched()),
        vec![row("G1", "Xpert", "DETECTED LOW", "")]
    );
    lis.stop().await;
}
