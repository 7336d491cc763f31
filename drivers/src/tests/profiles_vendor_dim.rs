//! The vendor framings' profiles (`siemens-dimension`, `sysmex-xs500i-text`): each model's real
//! trace played through the real link into core, byte for byte as the analyzer sent it, with
//! the LIS's answers checked on the wire and the stored values written by hand from the trace.

use std::collections::{BTreeSet, VecDeque};
use std::time::Duration;

use lis_core::model::LabResult;
use lis_vendor::dimension::host::{self, HostMessage};
use lis_vendor::stx_frame::{Piece, StxFrameDecoder, ACK, ETX, NAK, STX};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

use super::{corpus, lab_config, row, rows, Lis};
use crate::download::Outgoing;

const LIMIT: Duration = Duration::from_secs(20);
const DIM: &str = "astm/siemens-dimension/";
const XS: &str = "astm/sysmex-xs500i/xs500i_native_class_a_d1u_d2u_host_log_2018-07-26_extract.txt";

/// The LIS's "no request": `<STX>N<FS>6A<ETX>` (N 78 + FS 28 = 106 = 0x6A).
const NO_REQUEST: &[u8] = b"N\x1c6A";
/// The LIS's result acceptance: `<STX>M<FS>A<FS><FS>E2<ETX>` (77 + 28 + 65 + 28 + 28 = 0xE2).
const ACCEPTED: &[u8] = b"M\x1cA\x1c\x1cE2";

/// Every piece of a corpus log (its own text lines come out as junk).
fn pieces(path: &str) -> Vec<Piece> {
    let mut d = StxFrameDecoder::new(64 * 1024);
    d.push(&corpus(path));
    std::iter::from_fn(|| d.next_piece()).collect()
}

fn blocks(path: &str) -> Vec<Vec<u8>> {
    pieces(path)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Block { body, .. } => Some(body),
            _ => None,
        })
        .collect()
}

fn framed(body: &[u8]) -> Vec<u8> {
    [&[STX][..], body, &[ETX]].concat()
}

/// The analyzer's end of the line.
struct Wire {
    io: DuplexStream,
    decoder: StxFrameDecoder,
    pieces: VecDeque<Piece>,
}

impl Wire {
    async fn new(lis: &Lis) -> Self {
        Self {
            io: lis.connect().await,
            decoder: StxFrameDecoder::new(64 * 1024),
            pieces: VecDeque::new(),
        }
    }

    async fn write(&mut self, bytes: &[u8]) {
        self.io.write_all(bytes).await.unwrap();
    }

    async fn piece(&mut self) -> Piece {
        let mut buf = [0u8; 1024];
        loop {
            if let Some(p) = self.pieces.pop_front() {
                return p;
            }
            let n = tokio::time::timeout(LIMIT, self.io.read(&mut buf))
                .await
                .expect("the LIS answered in time")
                .unwrap();
            assert!(n > 0, "the LIS closed the line");
            self.decoder.push(&buf[..n]);
            self.pieces
                .extend(std::iter::from_fn(|| self.decoder.next_piece()));
        }
    }

    async fn control(&mut self) -> u8 {
        match self.piece().await {
            Piece::Control { byte, .. } => byte,
            other => panic!("expected ACK or NAK, got {other:?}"),
        }
    }

    async fn block(&mut self) -> Vec<u8> {
        match self.piece().await {
            Piece::Block { body, .. } => body,
            other => panic!("expected a message, got {other:?}"),
        }
    }

    /// Sends one Dimension message as the analyzer: the LIS must ACK it and, unless it is a
    /// request acceptance (`M`), answer it; the answer is ACKed and returned.
    async fn dimension(&mut self, body: &[u8]) -> Option<Vec<u8>> {
        self.write(&framed(body)).await;
        assert_eq!(
            self.control().await,
            ACK,
            "{}",
            String::from_utf8_lossy(body)
        );
        if body.first() == Some(&b'M') {
            return None;
        }
        let answer = self.block().await;
        self.write(&[ACK]).await;
        Some(answer)
    }
}

fn tz() -> jiff::tz::TimeZone {
    lab_config().time_zone().clone()
}

/// The lab's instant of a local date and time.
fn local(y: i16, mo: i8, d: i8, h: i8, mi: i8, s: i8) -> jiff::Timestamp {
    jiff::civil::date(y, mo, d)
        .at(h, mi, s, 0)
        .to_zoned(tz())
        .unwrap()
        .timestamp()
}

fn result<'r>(results: &'r [LabResult], code: &str) -> &'r LabResult {
    results
        .iter()
        .find(|r| r.test_code == code)
        .unwrap_or_else(|| panic!("no {code} in {results:#?}"))
}

/// Waits (up to 5 s) until `done` holds: marking tests sent runs beside the link.
async fn eventually(what: &str, done: impl Fn() -> bool) {
    for _ in 0..100 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: not after 5 s");
}

#[tokio::test]
async fn dimension_results_log_stores_patients_apart_from_controls_and_each_message_once() {
    let lis = Lis::start("DIM", "siemens-dimension");
    // `R * YASUVI 54 1 "" 0 301218180718 1 1 1 RCRP 0.2 mg/L 3`: CRP 0.2 mg/L, error code 3.
    let order = lis.order("54", &["CRP"]);
    let file = format!("{DIM}dimension_host_log_2018-07-21_results_qc_cal_extract.txt");
    let all = blocks(&file);
    let mut wire = Wire::new(&lis).await;
    for body in &all {
        let answer = wire.dimension(body).await.unwrap();
        let expected = if body[0] == b'P' {
            NO_REQUEST
        } else {
            ACCEPTED
        };
        assert_eq!(answer, expected, "{}", String::from_utf8_lossy(body));
    }
    // Each distinct message once: the controls resent (QC18.7.18 twice, others) are not
    // journaled again.
    let distinct: BTreeSet<&Vec<u8>> = all.iter().collect();
    assert_eq!(lis.journal().len(), distinct.len());

    let stored = rows(&lis.unmatched());
    // `R * DINARI Dimension 1 "" 0 441021170718 1 1 4 NA 139 mmol/L "" K 4.1 ... CRE2 1.02`.
    for expected in [
        row("Dimension", "NA", "139", "mmol/L"),
        row("Dimension", "K", "4.1", "mmol/L"),
        row("Dimension", "CL", "101", "mmol/L"),
        row("Dimension", "CRE2", "1.02", "mg/dL"),
        // `R * LALITHA 31 ... BUN 34 mg/dL 2`: the value, whatever its error code.
        row("31", "BUN", "34", "mg/dL"),
        // `R * VIDANA 03 ... A/G 1.1 ______`: a ratio without units.
        row("03", "A/G", "1.1", "______"),
    ] {
        assert!(stored.contains(&expected), "{expected:?} missing");
    }
    // Failed tests (`RCRP "" "" 10`) carry no value and are not results.
    assert!(stored.iter().all(|r| !r.2.is_empty()));
    // Controls (priority 3 or 4, or named `QC ...`) are QC, not patients' results.
    for control in ["CHE1.18.7.18", "HORMON 1", "THY1.18.7.18", "18.7.18CRP"] {
        assert!(!stored.iter().any(|r| r.0 == control), "{control}");
    }
    assert!(lis.journal().iter().any(|(kind, _)| kind == "qc"));

    let results = lis.store.results_for_order(order).unwrap();
    let crp = result(&results, "CRP");
    assert_eq!(crp.value_sent, "0.2");
    assert_eq!(crp.instrument_flags, vec!["3".to_owned()]);
    // 301218180718: 30 s, 12 min, 18 h on 18/07/18.
    assert_eq!(crp.observed_at, Some(local(2018, 7, 18, 18, 12, 30)));
    lis.stop().await;
}

#[tokio::test]
async fn dimension_resent_result_is_stored_once_and_a_nak_of_the_answer_repeats_it() {
    let lis = Lis::start("DIM", "siemens-dimension");
    let file = format!("{DIM}dimension_host_log_2018-07-20_bad_accept_nak_retransmit_extract.txt");
    let all = blocks(&file);
    // 16 polls and the same R 14 times: the analyzer repeated it because its host answered
    // `<STX>0<ETX>`. This LIS answers `M A`; the first time, the analyzer NAKs that answer.
    assert_eq!(all.len(), 30);
    let mut wire = Wire::new(&lis).await;
    let mut first_result = true;
    for body in &all {
        if body[0] == b'R' && first_result {
            first_result = false;
            wire.write(&framed(body)).await;
            assert_eq!(wire.control().await, ACK);
            assert_eq!(wire.block().await, ACCEPTED);
            wire.write(&[NAK]).await;
            // The same answer again.
            assert_eq!(wire.block().await, ACCEPTED);
            wire.write(&[ACK]).await;
            continue;
        }
        let answer = wire.dimension(body).await.unwrap();
        assert_eq!(
            answer,
            if body[0] == b'P' {
                NO_REQUEST
            } else {
                ACCEPTED
            }
        );
    }
    // One poll and one result in the journal.
    assert_eq!(lis.journal().len(), 2);
    assert_eq!(
        rows(&lis.unmatched()),
        vec![
            row("Dimension", "CL", "101", "mmol/L"),
            row("Dimension", "CRE2", "1.02", "mg/dL"),
            row("Dimension", "K", "4.1", "mmol/L"),
            row("Dimension", "NA", "139", "mmol/L"),
        ]
    );
    let counters = lis.status.snapshot().counters;
    assert_eq!(counters.messages_in, 30);
    assert_eq!(counters.naks_received, 1);
    lis.stop().await;
}

#[tokio::test]
async fn dimension_query_is_answered_with_the_ordered_tests_and_the_result_is_stored() {
    let lis = Lis::start("DIM", "siemens-dimension");
    // The corpus's sample 00109320 was asked for and run for GLUC; 00108832 has no order here.
    let order = lis.order("00109320", &["GLU"]);
    let file = format!("{DIM}dimension_host_log_2018-07-26_query_I_host_D_order_extract.txt");
    let mut wire = Wire::new(&lis).await;
    let mut answers = Vec::new();
    for body in blocks(&file) {
        match wire.dimension(&body).await {
            Some(answer) if body[0] == b'P' => assert_eq!(answer, NO_REQUEST),
            Some(answer) => answers.push((body[0], answer)),
            None => {
                // After the analyzer accepted the request, the test is sent.
                eventually("GLU sent", || {
                    lis.store
                        .pending_orders_for_instrument("DIM")
                        .unwrap()
                        .is_empty()
                })
                .await;
            }
        }
    }
    // The order for 00109320, by hand: D, carrier 0, load list 0, A (add), the patient folded
    // to `NGUYEN VAN A`, the sample, type 1, no location, priority 0, 1 cup, position `**`,
    // dilution 1, 1 test, GLUC. Checksum: D 68 + 14 FS 392 + 0 48 + 0 48 + A 65 +
    // NGUYEN VAN A 828 + 00109320 399 + 1 49 + 0 48 + 1 49 + ** 84 + 1 49 + 1 49 + GLUC 299
    // = 2475 = 9 * 256 + 171 = 0xAB.
    let order_message =
        b"D\x1c0\x1c0\x1cA\x1cNGUYEN VAN A\x1c00109320\x1c1\x1c\x1c0\x1c1\x1c**\x1c1\x1c1\x1cGLUC\x1cAB";
    assert_eq!(
        answers,
        vec![
            (b'I', order_message.to_vec()),
            (b'R', ACCEPTED.to_vec()),
            (b'I', NO_REQUEST.to_vec()),
            (b'R', ACCEPTED.to_vec()),
        ]
    );
    // `R 0 G.D.AYESHA 00109320 2 "" 0 002114260718 1 1 1 GLUC 121 mg/dL`: 121 mg/dL is
    // 121 x 0.0555 = 6.7155 mmol/L, 6.7 at the catalog's one decimal; run 14:21:00 on 26/07/18.
    let results = lis.store.results_for_order(order).unwrap();
    let glu = result(&results, "GLU");
    assert_eq!(glu.value_sent, "121");
    assert_eq!(glu.value, "6.7");
    assert_eq!(glu.unit, "mmol/L");
    assert_eq!(glu.observed_at, Some(local(2018, 7, 26, 14, 21, 0)));
    // 00108832, asked and run without an order: its GLUC 134 mg/dL waits in the unmatched queue.
    assert_eq!(
        rows(&lis.unmatched()),
        vec![row("00108832", "GLUC", "134", "mg/dL")]
    );
    lis.stop().await;
}

#[tokio::test]
async fn dimension_poll_is_answered_with_a_queued_download() {
    let lis = Lis::start("DIM", "siemens-dimension");
    lis.order("S77", &["GLU", "CREA"]);
    let download = crate::dimension_orders::order_download(
        &lis.store,
        "DIM",
        &lis.profile,
        &Default::default(),
    )
    .unwrap()
    .unwrap();
    let tests = download.tests.clone();
    lis.vendor_outbox
        .as_ref()
        .unwrap()
        .send(Outgoing {
            message: download.message,
            tests,
        })
        .await
        .unwrap();
    let mut wire = Wire::new(&lis).await;
    // The corpus's conversational poll: `P DIM1 0 1 0`, checksum 0x78.
    let answer = wire
        .dimension(b"P\x1cDIM1\x1c0\x1c1\x1c0\x1c78")
        .await
        .unwrap();
    let Ok(HostMessage::SampleRequest(request)) = host::decode(&answer) else {
        panic!("not a sample request: {}", String::from_utf8_lossy(&answer))
    };
    assert_eq!(request.sample_id, "S77");
    assert_eq!(request.tests, vec!["GLUC".to_owned(), "CRE2".to_owned()]);
    assert_eq!(
        lis.store
            .pending_orders_for_instrument("DIM")
            .unwrap()
            .len(),
        2
    );
    // The analyzer accepts it (the corpus's `M A "" A 1 42`, checksum 0x0E): sent.
    assert_eq!(
        wire.dimension(b"M\x1cA\x1c\x1cA\x1c1\x1c42\x1c0E").await,
        None
    );
    let next = wire
        .dimension(b"P\x1cDIM1\x1c0\x1c1\x1c0\x1c78")
        .await
        .unwrap();
    assert_eq!(next, NO_REQUEST);
    eventually("S77 sent", || {
        lis.store
            .pending_orders_for_instrument("DIM")
            .unwrap()
            .is_empty()
    })
    .await;
    lis.stop().await;
}

#[tokio::test]
async fn a_dimension_message_with_a_wrong_checksum_is_nakked_and_not_stored() {
    let lis = Lis::start("DIM", "siemens-dimension");
    let mut wire = Wire::new(&lis).await;
    // The poll's bytes sum to 0x79; `7A` is wrong.
    wire.write(&framed(b"P\x1cDIM1\x1c1\x1c1\x1c0\x1c7A")).await;
    assert_eq!(wire.control().await, NAK);
    // The analyzer sends it again, right this time.
    let answer = wire
        .dimension(b"P\x1cDIM1\x1c1\x1c1\x1c0\x1c79")
        .await
        .unwrap();
    assert_eq!(answer, NO_REQUEST);
    assert_eq!(lis.journal().len(), 1);
    let snapshot = lis.status.snapshot();
    assert_eq!(snapshot.counters.checksum_errors, 1);
    assert!(snapshot
        .last_error
        .unwrap()
        .1
        .contains("checksum mismatch: sent 7A, computed 79"));
    lis.stop().await;
}

#[tokio::test]
async fn xs500i_class_a_log_is_stored_per_sample_with_its_decimals_flags_and_time() {
    let lis = Lis::start("XS", "sysmex-xs500i-text");
    let order = lis.order("00109558", &["WBC", "MCV", "PLT", "NEUT%"]);
    let mut wire = Wire::new(&lis).await;
    let mut texts = 0;
    for piece in pieces(XS) {
        match piece {
            // The line noise the host logged before two headers goes on the line too.
            Piece::Junk { bytes, .. } if bytes.ends_with(b"??") => {
                let noise: Vec<u8> = bytes.into_iter().rev().take_while(|b| *b == b'?').collect();
                wire.write(&noise).await;
            }
            Piece::Block { body, .. } => {
                wire.write(&framed(&body)).await;
                assert_eq!(wire.control().await, ACK);
                texts += 1;
            }
            _ => {}
        }
    }
    assert_eq!(texts, 12);
    // Twelve texts journaled: six headers (kind other) and six results.
    let journal = lis.journal();
    assert_eq!(journal.len(), 12);
    assert_eq!(journal.iter().filter(|(k, _)| k == "results").count(), 6);

    // Sample 00109558, D2U from character 47: WBC 01117|0 -> 11.17 10*3/uL, MCV 0946|0 -> 94.6
    // fL, PLT 0202|0 -> 202 10*3/uL, NEUT% 0807|1 -> 80.7 % flag 1 (high); D1U time
    // 20180726145900. Units are the catalog's (10^9/L is 10*3/uL).
    let results = lis.store.results_for_order(order).unwrap();
    let at = Some(local(2018, 7, 26, 14, 59, 0));
    for (code, value, unit, flags) in [
        ("WBC", "11.17", "10^9/L", vec![]),
        ("MCV", "94.6", "fL", vec![]),
        ("PLT", "202", "10^9/L", vec![]),
        ("NEUT%", "80.7", "%", vec!["H".to_owned()]),
    ] {
        let r = result(&results, code);
        assert_eq!(
            (r.value_sent.as_str(), r.unit.as_str(), &r.instrument_flags),
            (value, unit, &flags),
            "{code}"
        );
        assert_eq!(r.observed_at, at, "{code}");
    }
    let stored = rows(&lis.unmatched());
    // 24 reported parameters per sample (the six reticulocyte places skipped), less the four
    // ordered: 6 * 24 - 4.
    assert_eq!(stored.len(), 140);
    assert!(!stored
        .iter()
        .any(|r| r.1.starts_with("RET") || r.1 == "IRF"));
    for expected in [
        // 00109738: MCV 07482 -> 74.8, MCH 02382 -> 23.8, PCT 00361 -> 0.36.
        row("00109738", "MCV", "74.8", "fL"),
        row("00109738", "MCH", "23.8", "pg"),
        row("00109738", "PCT", "0.36", "%"),
        // 00109558: LYMPH# 001100 -> 1.10, BASO% 00030 -> 0.3.
        row("00109558", "LYMPH#", "1.10", "10*3/uL"),
        row("00109558", "BASO%", "0.3", "%"),
        // 00109653, whose header came after `???????`: WBC 006730 -> 6.73.
        row("00109653", "WBC", "6.73", "10*3/uL"),
    ] {
        assert!(stored.contains(&expected), "{expected:?} missing");
    }
    let error = lis.status.snapshot().last_error.unwrap().1;
    assert!(error.contains("bytes outside any message"), "{error}");
    lis.stop().await;
}

#[tokio::test]
async fn simulated_dimension_asks_for_its_tests_and_delivers_them() {
    let lis = Lis::start("DIM", "siemens-dimension");
    let order = lis.order("SIMD1", &["GLU"]);
    let options = crate::simulator::SimOptions {
        specimen_ids: Some(vec!["SIMD1".to_owned(), "NONE".to_owned()]),
        query: true,
        ..Default::default()
    };
    let report = crate::simulator::play(&lis.profile, lis.connect().await, options)
        .await
        .unwrap();
    // SIMD1 is told GLUC (GLU through the test map); NONE is answered "no request".
    assert_eq!(
        report.ordered,
        vec![
            ("SIMD1".to_owned(), vec!["GLUC".to_owned()]),
            ("NONE".to_owned(), vec![]),
        ]
    );
    assert_eq!((report.sent, report.acknowledged), (1, 1));
    let sent = &report.results[0].1[0];
    let results = lis.store.results_for_order(order).unwrap();
    assert_eq!(result(&results, "GLU").value_sent, sent.value);
    lis.stop().await;
}

#[tokio::test]
async fn simulated_xs500i_sends_both_texts_of_each_sample() {
    let lis = Lis::start("XS", "sysmex-xs500i-text");
    let order = lis.order("SIMX1", &["WBC", "PLT"]);
    let options = crate::simulator::SimOptions {
        specimen_ids: Some(vec!["SIMX1".to_owned()]),
        ..Default::default()
    };
    let report = crate::simulator::play(&lis.profile, lis.connect().await, options)
        .await
        .unwrap();
    assert_eq!((report.sent, report.acknowledged), (1, 1));
    let sent = &report.results[0].1;
    let value = |code: &str| sent.iter().find(|r| r.code == code).unwrap().value.clone();
    let results = lis.store.results_for_order(order).unwrap();
    assert_eq!(result(&results, "WBC").value_sent, value("WBC"));
    assert_eq!(result(&results, "PLT").value_sent, value("PLT"));
    // The header and the values: two texts journaled.
    assert_eq!(lis.journal().len(), 2);
    lis.stop().await;
}

/// Runs `profile`'s simulator on one pseudo-terminal against the LIS link on another (both
/// through `SerialSettings`, as on a real RS-232 port), bridged like a null modem cable, and
/// returns the store and the simulator's report.
async fn over_a_null_modem<M, H>(
    instrument: &str,
    profile_name: &str,
    new_machine: impl FnMut() -> M + Send + 'static,
    handler: impl FnOnce(crate::ingest::LabLink) -> H,
    specimens: &[&str],
) -> (std::sync::Arc<lis_core::Store>, crate::simulator::SimReport)
where
    M: crate::link::LinkMachine<Outbound = Outgoing<Vec<u8>>>,
    H: crate::link::LinkHandler<M>,
{
    use crate::transport::serial::{SerialSettings, SerialTransport};
    let analyzer_side = nix::pty::openpty(None, None).unwrap();
    let lis_side = nix::pty::openpty(None, None).unwrap();
    let analyzer_path = nix::unistd::ttyname(&analyzer_side.slave).unwrap();
    let lis_path = nix::unistd::ttyname(&lis_side.slave).unwrap();
    super::serial::bridge(&analyzer_side.master, &lis_side.master);
    super::serial::bridge(&lis_side.master, &analyzer_side.master);
    let store = std::sync::Arc::new(lis_core::Store::open_in_memory(lab_config()).unwrap());
    let profile = super::profile(profile_name);
    let status = crate::link::LinkStatusHandle::detached(instrument);
    let shutdown = tokio_util::sync::CancellationToken::new();
    let (_outbox, rx) = tokio::sync::mpsc::channel::<Outgoing<Vec<u8>>>(1);
    let lab = crate::ingest::LabLink {
        instrument: instrument.to_owned(),
        link: instrument.to_owned(),
        profile: std::sync::Arc::clone(&profile),
        store: std::sync::Arc::clone(&store),
        ingestor: None,
        status: Some(status.clone()),
        in_flight: Default::default(),
    };
    let link = crate::link::Link::new(
        instrument,
        SerialTransport::new(SerialSettings::new(lis_path.to_string_lossy())),
        new_machine,
        handler(lab),
        status,
        rx,
        shutdown.clone(),
    );
    let task = tokio::spawn(link.run());
    let report = crate::simulator::run(
        &profile,
        crate::simulator::SimTarget::Serial(SerialSettings::new(analyzer_path.to_string_lossy())),
        crate::simulator::SimOptions {
            specimen_ids: Some(specimens.iter().map(|s| (*s).to_owned()).collect()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    shutdown.cancel();
    task.await.unwrap();
    drop((analyzer_side.slave, lis_side.slave));
    (store, report)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dimension_over_a_serial_null_modem() {
    let (store, report) = over_a_null_modem(
        "DIM",
        "siemens-dimension",
        || {
            crate::machine::VendorMachine::for_framing(crate::profile::Framing::Dimension, 1 << 20)
                .unwrap()
        },
        crate::ingest::VendorHandler::new,
        &["2001", "2002"],
    )
    .await;
    assert_eq!((report.sent, report.acknowledged), (2, 2));
    // Four tests per specimen in the profile's simulator section, none ordered.
    let stored = store.unmatched().unwrap();
    assert_eq!(stored.len(), 8);
    assert!(stored
        .iter()
        .any(|u| u.specimen_id == "2002" && u.instrument_test_code == "CRE2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xs500i_text_over_a_serial_null_modem() {
    let (store, report) = over_a_null_modem(
        "XS",
        "sysmex-xs500i-text",
        || {
            crate::machine::VendorMachine::for_framing(crate::profile::Framing::SysmexText, 1 << 20)
                .unwrap()
        },
        crate::ingest::VendorHandler::new,
        &["3001"],
    )
    .await;
    assert_eq!((report.sent, report.acknowledged), (1, 1));
    // The profile simulates the analyzer's 24 reported parameters.
    assert_eq!(store.unmatched().unwrap().len(), 24);
}

#[test]
fn a_dimension_ratio_row_is_a_supplementary_value_of_its_hdl_result() {
    // A profile written for the test: the Dimension's own, with `RISK` (the CHOL/HDL ratio the
    // analyzer sends after `AHDL`, units `______`) left out and given to the HDL result.
    let profile = crate::profile::Profile::from_toml(
        "name = \"dimension-risk\"\nprotocol = \"vendor\"\nframing = \"dimension\"\n\
         specimen = \"R-3\"\ntest_code = \"T-1\"\nvalue = \"T-2\"\nunits = \"T-3\"\n\
         flags = \"T-4\"\n\
         skip = [{ field = \"T-1\", equals = [\"RISK\"] }]\n\
         [[supplementary]]\nwhen = [{ field = \"T-1\", equals = [\"RISK\"] }]\n\
         name_from = \"T-1\"\ntest = \"AHDL\"\n",
        "dimension-risk.toml",
    )
    .unwrap();
    // The corpus's first R message of sample 493708180718 (patient DAYASEELI): TSHL 4.666,
    // AHDL 42 mg/dL, RISK 3.8 ______, TGL 245, CHOL 161, LDL 70.0 (checksum F6).
    let log = corpus(&format!(
        "{DIM}dimension_host_log_2018-07-21_results_qc_cal_extract.txt"
    ));
    let start = log
        .windows(12)
        .position(|w| w == b"493708180718")
        .and_then(|at| log[..at].iter().rposition(|&b| b == 0x02))
        .unwrap();
    let end = start + log[start..].iter().position(|&b| b == 0x03).unwrap();
    let reading = crate::ingest::vendor::read_message(&log[start..=end], None, &profile).unwrap();
    let codes: Vec<&str> = reading
        .observations
        .iter()
        .map(|o| o.instrument_test_code.as_str())
        .collect();
    assert_eq!(codes, ["TSHL", "AHDL", "TGL", "CHOL", "LDL"]);
    assert_eq!(
        reading.observations[1].supplementary,
        vec![lis_core::model::Supplement {
            name: "RISK".into(),
            value: "3.8".into(),
            units: "______".into(),
            flags: vec![],
        }]
    );
    assert!(reading.observations[0].supplementary.is_empty());
    assert!(reading.skipped.is_empty(), "{:?}", reading.skipped);
    assert!(reading.problems.is_empty(), "{:?}", reading.problems);
}
