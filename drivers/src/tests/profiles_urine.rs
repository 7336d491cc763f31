//! The urinalysis profile `biomaxima-urine-strip`: the BioMaxima strip reader's printout of
//! `testdata/corpus/biomaxima-urine` written to the link in the pieces it arrived in, the stored
//! values read by hand off the printout; a printout that does not read kept with its error while
//! the link carries on; a graded pad on an order; the profile's simulator stored as sent.

use std::path::PathBuf;
use std::time::Duration;

use lis_core::validation::Flag;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

use super::{profile, row, rows, sup, supplements_of, triples, Lis};
use crate::ingest::vendor::read_message;
use crate::simulator::{self, SimOptions};

/// The strip reader of the test lab: four pads mapped to the default catalog's urinalysis
/// tests (their units as the catalog's: SG and pH are printed with none).
pub(super) const LAB: &str = r#"
[[instruments]]
id = "URINE"
name = "BioMaxima urine strip reader"
profile = "biomaxima-urine-strip"
test_map = [
  { code = "BIL", test = "U-BIL" }, { code = "LEU", test = "U-LEU" }, { code = "SG", test = "U-SG" },
  { code = "pH", test = "U-PH" },
]
"#;

fn printout() -> Vec<u8> {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/corpus/biomaxima-urine/urine_strip_printout_2024-10-29.raw");
    std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// Writes the printout in the five pieces it arrived in (see SOURCES.md), a moment apart.
async fn write_in_pieces(io: &mut DuplexStream, bytes: &[u8]) {
    let mut rest = bytes;
    for len in [133, 104, 104, 102] {
        let (piece, tail) = rest.split_at(len);
        io.write_all(piece).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        rest = tail;
    }
    io.write_all(rest).await.unwrap();
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

/// Nothing from the LIS for a moment: a printer port is never answered.
async fn silent(io: &mut DuplexStream) {
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(Duration::from_millis(300), io.read(&mut buf)).await;
    assert!(read.is_err(), "the LIS wrote {read:?}");
}

#[tokio::test]
async fn strip_printout_in_pieces_is_stored_pad_by_pad_with_each_grade_s_concentration() {
    let lis = Lis::start("URINE-T", "biomaxima-urine-strip");
    let mut io = lis.connect().await;
    write_in_pieces(&mut io, &printout()).await;
    let id = "1210009192";
    // Read off the printout (`ID:1210009192`): a graded pad's grade with no unit, any other
    // pad's value with its unit; `Color:` and `Clarity:` were empty. Sorted by code.
    assert_eq!(
        stored(&lis, 15).await,
        vec![
            row(id, "ACR", "3.4~33.9", "mg/mmol"),
            row(id, "BIL", "+2", ""),
            row(id, "BLD", "-", ""),
            row(id, "CR", ">=26.4", "mmol/L"),
            row(id, "Ca", "5.0", "mmol/L"),
            row(id, "GLU", "-", ""),
            row(id, "KET", "-", ""),
            row(id, "LEU", "-", ""),
            row(id, "MA", ">=150", "mg/L"),
            row(id, "NIT", "-", ""),
            row(id, "PRO", "+-", ""),
            row(id, "SG", "1.015", ""),
            row(id, "URO", "Normal", ""),
            row(id, "Vc", "-", ""),
            row(id, "pH", "6.5", ""),
        ]
    );
    // The concentration printed beside each grade stays with it; NIT (grade only) and SG (no
    // grade) have none. `*BIL` is abnormal: the concentration keeps the flag, mapped `A`.
    assert_eq!(
        supplements_of(&lis, id, "BIL"),
        vec![sup("concentration", "33", "umol/L")]
    );
    assert_eq!(
        supplements_of(&lis, id, "LEU"),
        vec![sup("concentration", "0", "CELL/uL")]
    );
    assert_eq!(
        supplements_of(&lis, id, "PRO"),
        vec![sup("concentration", "0.15", "g/L")]
    );
    assert!(supplements_of(&lis, id, "NIT").is_empty());
    assert!(supplements_of(&lis, id, "SG").is_empty());
    silent(&mut io).await;
    lis.stop().await;
}

#[test]
fn the_printout_s_time_and_abnormal_marks_are_read() {
    let reading = read_message(&printout(), None, &profile("biomaxima-urine-strip")).unwrap();
    let o = &reading.observations;
    assert_eq!(o.len(), 15);
    // `2024-10-29` on the `NO.006068` line, `15:54:27` below it.
    assert!(o
        .iter()
        .all(|o| o.observed_at == Some(jiff::civil::date(2024, 10, 29).at(15, 54, 27, 0))));
    // `*` in column 0 of BIL, PRO, MA, CR and ACR: flag `A`, on the concentration too.
    let abnormal: Vec<&str> = o
        .iter()
        .filter(|o| o.flags == ["A"])
        .map(|o| o.instrument_test_code.as_str())
        .collect();
    assert_eq!(abnormal, ["BIL", "PRO", "MA", "CR", "ACR"]);
    assert!(o.iter().filter(|o| o.flags.is_empty()).count() == 10);
    assert_eq!(o[4].supplementary[0].flags, ["A"]);
}

#[tokio::test]
async fn a_printout_that_does_not_read_is_kept_and_the_next_is_stored() {
    let lis = Lis::start("URINE-T", "biomaxima-urine-strip");
    let mut io = lis.connect().await;
    // The `ID:` line lost (the printout starts at `NO.`).
    io.write_all(b"\x02\x11\r\nNO.006069  2024-10-29\r\n             15:56:02\r\n LEU -       0CELL/uL\r\n\x03")
        .await
        .unwrap();
    write_in_pieces(&mut io, &printout()).await;
    assert_eq!(stored(&lis, 15).await.len(), 15);
    let journal = lis.journal();
    assert_eq!(journal.len(), 2, "{journal:?}");
    let error = journal[0].1.as_deref().unwrap_or_default();
    assert!(
        error.contains("line 1 (byte 4): expected `ID:` and the sample id"),
        "{error}"
    );
    assert_eq!(journal[1].1, None);
    silent(&mut io).await;
    lis.stop().await;
}

#[tokio::test]
async fn a_graded_pad_on_an_order_keeps_its_grade_mark_and_concentration() {
    let lis = Lis::start("URINE", "biomaxima-urine-strip");
    let order = lis.order("1210009192", &["U-BIL", "U-LEU", "U-SG", "U-PH"]);
    let mut io = lis.connect().await;
    write_in_pieces(&mut io, &printout()).await;
    // The eleven pads the test map does not name wait in the unmatched queue.
    assert_eq!(stored(&lis, 11).await.len(), 11);
    let mut results = lis.store.results_for_order(order).unwrap();
    results.sort_by(|a, b| a.test_code.cmp(&b.test_code));
    let got: Vec<(&str, &str, &[String])> = results
        .iter()
        .map(|r| {
            (
                r.test_code.as_str(),
                r.value_sent.as_str(),
                r.instrument_flags.as_slice(),
            )
        })
        .collect();
    let a = ["A".to_owned()];
    assert_eq!(
        got,
        vec![
            ("U-BIL", "+2", &a[..]),
            ("U-LEU", "-", &[][..]),
            ("U-PH", "6.5", &[][..]),
            ("U-SG", "1.015", &[][..]),
        ]
    );
    // A qualitative test reads the grades as words: `+2` is not the number 2, and the negative
    // `-` is the word `-`, not "no value".
    for r in &results[..2] {
        assert_eq!(
            (r.value_kind.as_str(), r.value.as_str()),
            ("text", r.value_sent.as_str())
        );
        assert!(
            !r.flags.contains(&Flag::Missing),
            "{}: {:?}",
            r.test_code,
            r.flags
        );
    }
    assert_eq!(
        triples(&lis.store.supplements(results[0].id).unwrap()),
        vec![sup("concentration", "33", "umol/L")]
    );
    lis.stop().await;
}

#[tokio::test]
async fn strip_reader_simulator_is_stored_as_sent() {
    let lis = Lis::start("URINE-SIM", "biomaxima-urine-strip");
    let io = lis.connect().await;
    let options = SimOptions {
        specimen_ids: Some(vec!["U100".to_owned(), "U101".to_owned()]),
        seed: 7,
        ..SimOptions::default()
    };
    let report = simulator::play(&lis.profile, io, options).await.unwrap();
    assert_eq!((report.sent, report.acknowledged), (2, 2));
    let mut sent: Vec<_> = report
        .results
        .iter()
        .flat_map(|(s, results)| results.iter().map(|r| row(s, &r.code, &r.value, &r.units)))
        .collect();
    sent.sort();
    assert_eq!(sent.len(), 14);
    assert_eq!(stored(&lis, sent.len()).await, sent);
    lis.stop().await;
}
