//! The vendor text profiles (ADVIA 2120, mini VIDAS, Spotchem EL): each model's real capture
//! played through the real link into core, the link-level answers checked byte by byte, and the
//! stored values checked against values read by hand off the capture's bytes; then bad input
//! kept with its error while the link carries on, and the simulator of each profile.

use std::time::Duration;

use lis_vendor::{advia, vidas};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

use super::{corpus, profile, row, rows, Lis};
use crate::ingest::vendor::read_message;
use crate::simulator::{self, SimOptions};

const ADVIA_LOG: &str = "astm/siemens-advia2120/advia2120_native_hostspec79_results_log.txt";
const VIDAS: &str = "astm/biomerieux-mini-vidas/mini_vidas_native_nonastm.raw";
const SPOTCHEM: &str = "astm/arkray-spotchem-el/spotchem_el_native_nonastm.raw";

/// The blocks the ADVIA host logged as "RESULT FROM INSTRUMENT:", as they were on the wire: the
/// log writes STX, CR, LF and ETX as `<STX>` `<CR>` `<LF>` `<ETX>` and the BCC byte raw.
fn advia_blocks() -> Vec<Vec<u8>> {
    String::from_utf8_lossy(&corpus(ADVIA_LOG))
        .lines()
        .filter_map(|l| l.strip_prefix("RESULT FROM INSTRUMENT: "))
        .map(|l| {
            l.replace("<STX>", "\u{2}")
                .replace("<ETX>", "\u{3}")
                .replace("<CR>", "\r")
                .replace("<LF>", "\n")
                .into_bytes()
        })
        .collect()
}

/// Reads exactly `n` bytes from the LIS (or fails the test after 10 s).
async fn read_n(io: &mut DuplexStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    tokio::time::timeout(Duration::from_secs(10), io.read_exact(&mut buf))
        .await
        .expect("the LIS answered in time")
        .unwrap();
    buf
}

/// Nothing from the LIS for a moment.
async fn silent(io: &mut DuplexStream) {
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(Duration::from_millis(300), io.read(&mut buf)).await;
    assert!(read.is_err(), "the LIS wrote {read:?}");
}

/// Waits until `n` unmatched rows are stored (a printer port has no acknowledgement to wait on).
async fn stored(lis: &Lis, n: usize) -> Vec<(String, String, String, String)> {
    for _ in 0..200 {
        let r = rows(&lis.unmatched());
        if r.len() >= n {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    rows(&lis.unmatched())
}

#[tokio::test]
async fn advia2120_captured_blocks_are_acknowledged_by_toggle_and_stored() {
    let lis = Lis::start("ADVIA", "siemens-advia2120");
    let blocks = advia_blocks();
    assert_eq!(blocks.len(), 2);
    let mut io = lis.connect().await;
    io.write_all(&blocks[0]).await.unwrap();
    // The capture's host answered "MT 69": the block's toggle `E` (0x45) sent back.
    assert_eq!(read_n(&mut io, 1).await, vec![0x45]);
    io.write_all(&blocks[1]).await.unwrap();
    // The second block's toggle is `S` (0x53).
    assert_eq!(read_n(&mut io, 1).await, vec![0x53]);
    let stored = rows(&lis.unmatched());
    // 21 cells in the first block, 52 in the second (see lis_vendor::advia's tests).
    assert_eq!(stored.len(), 21 + 52);
    // SID `00000009208100` without its zero padding; parameter and value read off the cells
    // `  1 7.47 `, ` 10  204 `, `19154.24 `; no units are sent.
    for expected in [
        row("9208100", "1", "7.47", ""),
        row("9208100", "10", "204", ""),
        row("9208100", "191", "54.24", ""),
        row("9208100", "25", "4.4", ""),
        // SID `000000KALACHEV`; cells `  112.83 `, ` 27-11.0 `, ` 42    + `.
        row("KALACHEV", "1", "12.83", ""),
        row("KALACHEV", "27", "-11.0", ""),
        row("KALACHEV", "42", "+", ""),
    ] {
        assert!(stored.contains(&expected), "{expected:?} missing");
    }
    let journal = lis.journal();
    assert_eq!(journal.len(), 2);
    assert!(journal
        .iter()
        .all(|(kind, error)| kind == "results" && error.is_none()));
    assert_eq!(lis.status.snapshot().counters.messages_in, 2);
    lis.stop().await;
}

#[tokio::test]
async fn advia2120_bad_bcc_is_naked_kept_and_the_block_comes_again() {
    let lis = Lis::start("ADVIA", "siemens-advia2120");
    let good = advia_blocks().remove(0);
    let mut bad = good.clone();
    // Column 11 of the SID: `9` becomes `8`, so the exclusive OR no longer matches the BCC.
    bad[11] = b'8';
    let mut io = lis.connect().await;
    io.write_all(&bad).await.unwrap();
    assert_eq!(read_n(&mut io, 1).await, vec![0x15]); // NAK
                                                      // The NAK comes only once the damaged block is journaled.
    assert_eq!(lis.journal().len(), 1, "{:?}", lis.journal());
    io.write_all(&good).await.unwrap();
    assert_eq!(read_n(&mut io, 1).await, vec![0x45]); // `E`
                                                      // A token transfer with toggle `F`: acknowledged, and the LIS hands the line back with its
                                                      // own `S` block, toggle `0`; the ADVIA's echo of `0` ends it.
    io.write_all(&advia::token_transfer(b'F')).await.unwrap();
    let mut expected = vec![b'F'];
    expected.extend_from_slice(&advia::token_transfer(b'0'));
    assert_eq!(read_n(&mut io, expected.len()).await, expected);
    io.write_all(b"0").await.unwrap();
    silent(&mut io).await;
    assert_eq!(rows(&lis.unmatched()).len(), 21);
    // The journal keeps the order of the line: the damaged block first, kept raw with what
    // was wrong and where, then the good block's results.
    let journal = lis.journal();
    assert_eq!(journal.len(), 2, "{journal:?}");
    let error = journal[0].1.as_deref().unwrap_or_default();
    assert!(
        error.contains("stream offset 0") && error.contains("BCC 0x17"),
        "{error}"
    );
    assert_eq!(journal[1], ("results".to_owned(), None), "{journal:?}");
    let snapshot = lis.status.snapshot();
    assert_eq!(snapshot.counters.checksum_errors, 1);
    assert_eq!(snapshot.counters.messages_in, 1);
    lis.stop().await;
}

#[tokio::test]
async fn mini_vidas_captured_message_in_a_session_is_acked_and_stored() {
    let lis = Lis::start("VIDAS", "biomerieux-mini-vidas");
    let mut io = lis.connect().await;
    io.write_all(&[vidas::ENQ]).await.unwrap();
    assert_eq!(read_n(&mut io, 1).await, vec![vidas::ACK]);
    io.write_all(&corpus(VIDAS)).await.unwrap();
    assert_eq!(read_n(&mut io, 1).await, vec![vidas::ACK]);
    io.write_all(&[vidas::EOT]).await.unwrap();
    silent(&mut io).await;
    // `ciZ1G021SCR`, `rtHBCT`, `qn0.05`, no `y3`.
    assert_eq!(
        rows(&lis.unmatched()),
        vec![row("Z1G021SCR", "HBCT", "0.05", "")]
    );
    let results = lis.store.unmatched().unwrap();
    let journal = lis.store.journal_since(0, 10).unwrap();
    assert_eq!(journal.len(), 1);
    let entry = journal[0].as_ref().unwrap();
    assert_eq!(
        (entry.protocol.as_str(), entry.kind.as_str()),
        ("vidas", "results")
    );
    assert_eq!(entry.raw, corpus(VIDAS));
    assert_eq!(results[0].journal_id, entry.id);
    lis.stop().await;
}

#[test]
fn mini_vidas_interpretation_is_a_mapped_flag_and_the_time_is_the_analyzers() {
    let reading = read_message(&corpus(VIDAS), None, &profile("biomerieux-mini-vidas")).unwrap();
    let o = &reading.observations[0];
    // `qlPositif` goes with the value `0.05` as the analyzer's flag, `A` by the profile's map.
    assert_eq!(o.flags, vec!["A".to_owned()]);
    // `td10/25/24`, `tt18:35`.
    assert_eq!(
        o.observed_at,
        Some(jiff::civil::date(2024, 10, 25).at(18, 35, 0, 0))
    );
    // ADVIA: `09/29/14 15:23:16`; Spotchem: `24/10/29 13:08`.
    let advia = read_message(&advia_blocks()[0], None, &profile("siemens-advia2120")).unwrap();
    assert_eq!(
        advia.observations[0].observed_at,
        Some(jiff::civil::date(2014, 9, 29).at(15, 23, 16, 0))
    );
    let spot = corpus(SPOTCHEM);
    let spot = read_message(
        &spot[..spot.len() - 1],
        None,
        &profile("arkray-spotchem-el"),
    )
    .unwrap();
    assert_eq!(
        spot.observations[0].observed_at,
        Some(jiff::civil::date(2024, 10, 29).at(13, 8, 0, 0))
    );
}

#[tokio::test]
async fn mini_vidas_bad_checksum_is_naked_and_kept() {
    let lis = Lis::start("VIDAS", "biomerieux-mini-vidas");
    let mut bad = corpus(VIDAS);
    let at = bad.windows(7).position(|w| w == b"Positif").unwrap();
    bad[at] = b'Q'; // the sum moves from 0xB0 to 0xB1
    let mut io = lis.connect().await;
    // The damaged message and the good one in one write: the good one's store waits for the
    // damaged one's journal, and its ACK for the NAK.
    let mut both = bad.clone();
    both.extend_from_slice(&corpus(VIDAS));
    io.write_all(&both).await.unwrap();
    assert_eq!(read_n(&mut io, 2).await, vec![vidas::NAK, vidas::ACK]);
    let journal = lis.journal();
    assert_eq!(journal.len(), 2, "{journal:?}");
    assert_eq!(journal[1], ("results".to_owned(), None), "{journal:?}");
    let error = journal[0].1.as_deref().unwrap_or_default();
    assert!(
        error.contains("checksum `b0`") && error.contains("b1"),
        "{error}"
    );
    assert_eq!(rows(&lis.unmatched()).len(), 1);
    lis.stop().await;
}

#[tokio::test]
async fn spotchem_printout_is_stored_and_never_answered() {
    let lis = Lis::start("SPOT", "arkray-spotchem-el");
    let mut io = lis.connect().await;
    io.write_all(&corpus(SPOTCHEM)).await.unwrap();
    // Read off the printout: `ID# 1DC042FP`, `Na 131 mmol/L`, `K 9.7 mmol/L`, `Cl 96 mmol/L`.
    assert_eq!(
        stored(&lis, 3).await,
        vec![
            row("1DC042FP", "Cl", "96", "mmol/L"),
            row("1DC042FP", "K", "9.7", "mmol/L"),
            row("1DC042FP", "Na", "131", "mmol/L"),
        ]
    );
    silent(&mut io).await;
    // A printout that does not read (no `ID#`): kept raw with the byte where reading stopped;
    // the next good one is still stored.
    io.write_all(b"\x0224/10/29 13:09 XX 2 [B] Na 140 mmol/L\x03\n")
        .await
        .unwrap();
    // The capture again with sample id `1DC042GP` (its `F`, the only one, made a `G`).
    let again: Vec<u8> = corpus(SPOTCHEM)
        .into_iter()
        .map(|b| if b == b'F' { b'G' } else { b })
        .collect();
    io.write_all(&again).await.unwrap();
    let after = stored(&lis, 6).await;
    assert!(after.contains(&row("1DC042GP", "Na", "131", "mmol/L")));
    let journal = lis.journal();
    assert_eq!(journal.len(), 3, "{journal:?}");
    let error = journal[1].1.as_deref().unwrap_or_default();
    assert!(error.contains("byte 16: expected `ID#`"), "{error}");
    silent(&mut io).await;
    lis.stop().await;
}

#[tokio::test]
async fn each_vendor_text_simulator_is_stored_as_sent() {
    for (instrument, name, messages_per_specimen) in [
        ("ADVIA", "siemens-advia2120", 1),
        ("VIDAS", "biomerieux-mini-vidas", 2),
        ("SPOT", "arkray-spotchem-el", 1),
    ] {
        let lis = Lis::start(instrument, name);
        let io = lis.connect().await;
        let options = SimOptions {
            specimen_ids: Some(vec!["A100".to_owned(), "A101".to_owned()]),
            seed: 7,
            ..SimOptions::default()
        };
        let report = simulator::play(&lis.profile, io, options).await.unwrap();
        assert_eq!((report.sent, report.acknowledged), (2, 2), "{name}");
        let mut sent: Vec<_> = report
            .results
            .iter()
            .flat_map(|(s, results)| {
                results.iter().map(|r| {
                    // The ADVIA sends no units (the profile's are for the catalog).
                    let units = if name == "siemens-advia2120" {
                        ""
                    } else {
                        &r.units
                    };
                    row(s, &r.code, &r.value, units)
                })
            })
            .collect();
        sent.sort();
        assert_eq!(stored(&lis, sent.len()).await, sent, "{name}");
        assert_eq!(
            lis.status.snapshot().counters.messages_in,
            2 * messages_per_specimen,
            "{name}"
        );
        lis.stop().await;
    }
}

#[tokio::test(start_paused = true)]
async fn each_vendor_text_simulator_stamps_with_the_analyzers_clock() {
    // The analyzer's clock shows 10:15:00 in Ho Chi Minh City (03:15:00 UTC) when it sends. The
    // ADVIA writes seconds (`12/07/26 10:15:00`), the mini VIDAS and the Spotchem EL only hours
    // and minutes (`td12/07/26`, `tt10:15`; `26/12/07 10:15`).
    let start: jiff::Timestamp = "2026-12-07T03:15:00Z".parse().unwrap();
    let zone = jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
    let ten_fifteen = jiff::civil::date(2026, 12, 7).at(10, 15, 0, 0);
    for (instrument, name) in [
        ("ADVIA", "siemens-advia2120"),
        ("VIDAS", "biomerieux-mini-vidas"),
        ("SPOT", "arkray-spotchem-el"),
    ] {
        let lis = Lis::start(instrument, name);
        let io = lis.connect().await;
        let options = SimOptions {
            specimen_ids: Some(vec!["A100".to_owned()]),
            clock: simulator::SimClock::starting_at(start, zone.clone()),
            ..SimOptions::default()
        };
        let report = simulator::play(&lis.profile, io, options).await.unwrap();
        assert_eq!(report.sent, 1, "{name}");
        let results = report.results.iter().map(|(_, r)| r.len()).sum::<usize>();
        stored(&lis, results).await;
        let stamps: Vec<_> = lis
            .store
            .journal_since(0, 100)
            .unwrap()
            .into_iter()
            .filter_map(|e| read_message(&e.unwrap().raw, None, &lis.profile).ok())
            .flat_map(|r| r.observations)
            .map(|o| o.observed_at)
            .collect();
        assert!(!stamps.is_empty(), "{name}");
        assert!(
            stamps.iter().all(|t| *t == Some(ten_fifteen)),
            "{name}: {stamps:?}"
        );
        lis.stop().await;
    }
}

#[tokio::test]
async fn messages_in_flight_when_the_analyzer_hangs_up_are_still_stored_in_order() {
    let lis = Lis::start("VIDAS", "biomerieux-mini-vidas");
    let mut io = lis.connect().await;
    // Three results in one write, then the line is dropped before any answer.
    let mut input = Vec::new();
    for (ci, qn) in [("S1", "0.11"), ("S2", "0.22"), ("S3", "0.33")] {
        input.extend_from_slice(&vidas::encode_packet(&[
            ("mt", "rsl"),
            ("ci", ci),
            ("rt", "HBCT"),
            ("qn", qn),
        ]));
    }
    io.write_all(&input).await.unwrap();
    drop(io);
    assert_eq!(
        stored(&lis, 3).await,
        vec![
            row("S1", "HBCT", "0.11", ""),
            row("S2", "HBCT", "0.22", ""),
            row("S3", "HBCT", "0.33", ""),
        ]
    );
    // Journaled in the order they came.
    let journal = lis.store.journal_since(0, 10).unwrap();
    let raws: Vec<Vec<u8>> = journal.into_iter().map(|e| e.unwrap().raw).collect();
    assert_eq!(raws.len(), 3);
    for (raw, ci) in raws.iter().zip(["S1", "S2", "S3"]) {
        assert!(
            raw.windows(4).any(|w| w == format!("ci{ci}").as_bytes()),
            "{ci}: {:?}",
            String::from_utf8_lossy(raw)
        );
    }
    lis.stop().await;
}

#[test]
fn an_advia_measurement_can_be_a_supplementary_value_of_another() {
    // A profile written for the test: the ADVIA 2120's own, with parameter 9 (HDW, the spread
    // of the cells' haemoglobin) left out and given to parameter 3 (HGB) as a supplementary
    // value. The capture's first block: `3 11.6`, `9 2.05`, 21 parameters in all.
    let profile = crate::profile::Profile::from_toml(
        "name = \"advia-hdw\"\nprotocol = \"vendor\"\nframing = \"advia\"\n\
         skip = [{ field = \"M-2\", equals = [\"9\"] }]\n\
         [[supplementary]]\nwhen = [{ field = \"M-2\", equals = [\"9\"] }]\n\
         name = \"HDW\"\ntest = \"3\"\n",
        "advia-hdw.toml",
    )
    .unwrap();
    let reading = read_message(&advia_blocks()[0], None, &profile).unwrap();
    assert_eq!(reading.observations.len(), 20);
    let hgb = reading
        .observations
        .iter()
        .find(|o| o.instrument_test_code == "3")
        .unwrap();
    assert_eq!(hgb.value, "11.6");
    assert_eq!(
        hgb.supplementary,
        vec![lis_core::model::Supplement {
            name: "HDW".into(),
            value: "2.05".into(),
            units: String::new(),
            flags: vec![],
        }]
    );
    assert!(!reading
        .observations
        .iter()
        .any(|o| o.instrument_test_code == "9"));
    assert!(reading.skipped.is_empty(), "{:?}", reading.skipped);
    assert!(reading.problems.is_empty(), "{:?}", reading.problems);
}
