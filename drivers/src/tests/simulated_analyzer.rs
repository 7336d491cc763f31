//! The simulator as an analyzer: it stamps what it sends with its own clock at the time it sends
//! it, sends chosen patient values, and sends QC runs with chosen values per level, marked the way
//! its profile marks QC. What the LIS stored is read back from the journal through the profile.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::tz::TimeZone;
use jiff::Timestamp;
use lis_core::model::Observation;

use super::{rows, Lis};
use crate::ingest::{astm, hl7, Reading};
use crate::simulator::{self, QcValue, SimClock, SimError, SimOptions};

/// Every journaled message read through the link's profile.
fn stored(lis: &Lis) -> Vec<Reading> {
    lis.store
        .journal_since(0, 1000)
        .unwrap()
        .into_iter()
        .map(|e| {
            let raw = e.unwrap().raw;
            match lis.profile.protocol {
                crate::profile::MessageProtocol::Astm => {
                    let (m, _) = lis_astm::message::Message::parse(&raw).unwrap();
                    astm::read_message(&m, &lis.profile)
                }
                crate::profile::MessageProtocol::Hl7 => {
                    let (m, _) = lis_hl7::Message::parse(&raw).unwrap();
                    hl7::read_message(&m, &lis.profile)
                }
                crate::profile::MessageProtocol::Vendor => {
                    panic!("the QC simulator tests use ASTM and HL7 profiles only")
                }
            }
        })
        .collect()
}

/// (specimen, code, value, is QC, lot, level, observed at).
type Row = (
    String,
    String,
    String,
    bool,
    Option<String>,
    Option<String>,
    String,
);

fn row(o: &Observation) -> Row {
    (
        o.specimen_id.clone(),
        o.instrument_test_code.clone(),
        o.value.clone(),
        o.is_qc,
        o.qc_lot.clone(),
        o.qc_level.clone(),
        o.observed_at.map(|t| t.to_string()).unwrap_or_default(),
    )
}

fn qc_value(text: &str) -> QcValue {
    text.parse().unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_simulated_analyzer_stamps_each_result_with_its_clock_when_it_sends_it() {
    // The analyzer's clock shows 10:15:00 in Ho Chi Minh City (03:15:00 UTC) when the run starts;
    // one specimen a second, so the second is sent, and stamped, one second later.
    let start: Timestamp = "2026-12-07T03:15:00Z".parse().unwrap();
    let zone = TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
    for (instrument, profile) in [("DEMO-CHEM", "generic-astm"), ("DEMO-HEMA", "generic-hl7")] {
        let lis = Lis::start(instrument, profile);
        let io = lis.connect().await;
        let options = SimOptions {
            specimen_ids: Some(vec!["T1".to_owned(), "T2".to_owned()]),
            rate: 1.0,
            clock: SimClock::starting_at(start, zone.clone()),
            ..SimOptions::default()
        };
        let report = simulator::play(&lis.profile, io, options).await.unwrap();
        assert_eq!(report.acknowledged, 2, "{profile}");
        let times: Vec<(String, String)> = stored(&lis)
            .iter()
            .flat_map(|r| r.observations.iter().map(row))
            .map(|r| (r.0, r.6))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(
            times,
            vec![
                ("T1".to_owned(), "2026-12-07T10:15:00".to_owned()),
                ("T2".to_owned(), "2026-12-07T10:15:01".to_owned()),
            ],
            "{profile}"
        );
        lis.stop().await;
    }
}

#[tokio::test]
async fn the_default_clock_is_the_machines_clock_now() {
    let lis = Lis::start("DEMO-CHEM", "generic-astm");
    let io = lis.connect().await;
    let zone = TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
    let local = |t: Timestamp| t.to_zoned(zone.clone()).datetime().to_string();
    // Stamps have whole seconds: the time before the run, cut to its second.
    let before = local(Timestamp::from_second(Timestamp::now().as_second()).unwrap());
    let options = SimOptions {
        clock: SimClock::system(zone.clone()),
        ..SimOptions::default()
    };
    let report = simulator::play(&lis.profile, io, options).await.unwrap();
    let after = local(Timestamp::now());
    assert_eq!(report.acknowledged, 1);
    let readings = stored(&lis);
    let stamped = row(&readings[0].observations[0]).6;
    // ISO 8601 local times of the same length compare as text.
    assert!(
        before <= stamped && stamped <= after,
        "{before} <= {stamped} <= {after}"
    );
    lis.stop().await;
}

#[tokio::test]
async fn chosen_patient_values_are_sent_as_given() {
    let lis = Lis::start("DEMO-CHEM", "generic-astm");
    let io = lis.connect().await;
    let options = SimOptions {
        specimen_ids: Some(vec!["P1".to_owned()]),
        values: BTreeMap::from([("GLU".to_owned(), "5.2".to_owned())]),
        ..SimOptions::default()
    };
    let report = simulator::play(&lis.profile, io, options).await.unwrap();
    assert_eq!(report.acknowledged, 1);
    let glu: Vec<_> = rows(&lis.unmatched())
        .into_iter()
        .filter(|r| r.1 == "GLU")
        .collect();
    assert_eq!(
        glu,
        vec![(
            "P1".to_owned(),
            "GLU".to_owned(),
            "5.2".to_owned(),
            "mmol/L".to_owned()
        )]
    );
    lis.stop().await;
}

#[tokio::test]
async fn a_generic_astm_qc_run_has_chosen_values_per_level_marked_by_o12_q() {
    let lis = Lis::start("DEMO-CHEM", "generic-astm");
    let io = lis.connect().await;
    let options = SimOptions {
        qc: true,
        qc_values: vec![qc_value("GLU:1=6.25"), qc_value("GLU:2=16.0")],
        ..SimOptions::default()
    };
    let report = simulator::play(&lis.profile, io, options).await.unwrap();
    assert_eq!((report.sent, report.acknowledged), (2, 2));
    // Stored as QC, nothing for patients.
    let kinds: Vec<String> = lis.journal().into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, vec!["qc", "qc"]);
    assert!(lis.unmatched().is_empty());
    let got: Vec<(String, String, String, bool)> = stored(&lis)
        .iter()
        .flat_map(|r| r.observations.iter().map(row))
        .map(|r| (r.0, r.1, r.2, r.3))
        .collect();
    // One sample per level, the demo lab's QC ids, only the chosen test.
    assert_eq!(
        got,
        vec![
            ("QC1-0001".into(), "GLU".into(), "6.25".into(), true),
            ("QC2-0001".into(), "GLU".into(), "16.0".into(), true),
        ]
    );
    // The mark is O-12 `Q` (the profile's first QC rule): `O|1|QC1-0001|...|Q|`.
    let raw = lis
        .store
        .journal_since(0, 1)
        .unwrap()
        .remove(0)
        .unwrap()
        .raw;
    let text = String::from_utf8(raw).unwrap();
    let order = text.split('\r').find(|r| r.starts_with("O|")).unwrap();
    assert_eq!(order.split('|').nth(11), Some("Q"), "{order}");
    assert_eq!(order.split('|').nth(2), Some("QC1-0001"), "{order}");
    lis.stop().await;
}

#[tokio::test]
async fn a_bs240_qc_run_goes_in_o_records_with_lot_and_level() {
    let lis = Lis::start("BS240", "mindray-bs240");
    let io = lis.connect().await;
    let options = SimOptions {
        qc: true,
        qc_values: vec![qc_value("SGPT:1=53.66"), qc_value("UREA:1=30.1")],
        qc_lot: Some("059325001".to_owned()),
        specimen_ids: Some(vec!["C1".to_owned()]),
        ..SimOptions::default()
    };
    let report = simulator::play(&lis.profile, io, options).await.unwrap();
    assert_eq!(report.acknowledged, 1);
    let readings = stored(&lis);
    assert!(
        readings[0].problems.is_empty(),
        "{:?}",
        readings[0].problems
    );
    let got: Vec<_> = readings[0]
        .observations
        .iter()
        .map(row)
        .map(|r| (r.1, r.2, r.3, r.4, r.5))
        .collect();
    let lot = Some("059325001".to_owned());
    let level = Some("1".to_owned());
    assert_eq!(
        got,
        vec![
            (
                "SGPT".into(),
                "53.66".into(),
                true,
                lot.clone(),
                level.clone()
            ),
            ("UREA".into(), "30.1".into(), true, lot, level),
        ]
    );
    // No R record, as the BS-240 sends its QC.
    let raw = lis
        .store
        .journal_since(0, 1)
        .unwrap()
        .remove(0)
        .unwrap()
        .raw;
    assert!(!String::from_utf8(raw).unwrap().contains("\rR|"));
    assert!(lis.status.snapshot().last_error.is_none());
    lis.stop().await;
}

#[tokio::test]
async fn a_bc5380_qc_run_sends_its_lot_in_pid3_and_its_level_row() {
    let lis = Lis::start("BC5380", "mindray-bc5380");
    let io = lis.connect().await;
    let options = SimOptions {
        qc: true,
        qc_values: vec![qc_value("6690-2:2=7.10")],
        qc_lot: Some("6666666".to_owned()),
        specimen_ids: Some(vec!["Q-L".to_owned(), "Q-M".to_owned()]),
        ..SimOptions::default()
    };
    let err = simulator::play(&lis.profile, lis.connect().await, options.clone())
        .await
        .unwrap_err();
    // Specimen Q-L is level 1, for which nothing was chosen.
    assert!(
        matches!(&err, SimError::Options(m) if m.contains("Q-L") && m.contains("level 1")),
        "{err}"
    );
    let options = SimOptions {
        qc_values: vec![qc_value("6690-2:1=3.05"), qc_value("6690-2:2=7.10")],
        ..options
    };
    let report = simulator::play(&lis.profile, io, options).await.unwrap();
    assert_eq!(report.acknowledged, 2);
    let got: Vec<_> = stored(&lis)
        .iter()
        .flat_map(|r| r.observations.iter().map(row))
        .map(|r| (r.0, r.2, r.3, r.4, r.5))
        .collect();
    let lot = Some("6666666".to_owned());
    assert_eq!(
        got,
        vec![
            (
                "Q-L".into(),
                "3.05".into(),
                true,
                lot.clone(),
                Some("1".into())
            ),
            ("Q-M".into(), "7.10".into(), true, lot, Some("2".into())),
        ]
    );
    // On the line the levels are the BC-5380's words: L for level 1, M for level 2.
    let raw = lis
        .store
        .journal_since(0, 1)
        .unwrap()
        .remove(0)
        .unwrap()
        .raw;
    assert!(String::from_utf8(raw).unwrap().contains("|IS|05001||L|"));
    lis.stop().await;
}

#[tokio::test]
async fn impossible_choices_are_refused_before_anything_is_sent() {
    let lis = Lis::start("DEMO-CHEM", "generic-astm");
    let cases: Vec<(SimOptions, &str)> = vec![
        (
            SimOptions {
                qc: true,
                qc_values: vec![qc_value("XYZ:1=1")],
                ..SimOptions::default()
            },
            "does not measure `XYZ`",
        ),
        (
            SimOptions {
                qc: true,
                qc_values: vec![qc_value("GLU:2=16.0")],
                specimen_ids: Some(vec!["QC1-0009".to_owned()]),
                ..SimOptions::default()
            },
            "only 1 specimen id",
        ),
        (
            SimOptions {
                qc_values: vec![qc_value("GLU:1=6.25")],
                ..SimOptions::default()
            },
            "only in a QC run",
        ),
        (
            SimOptions {
                values: BTreeMap::from([("GLU".to_owned(), "5|2".to_owned())]),
                ..SimOptions::default()
            },
            "delimiter",
        ),
    ];
    for (options, why) in cases {
        let io = lis.connect().await;
        let err = simulator::play(&lis.profile, io, options)
            .await
            .unwrap_err();
        assert!(err.to_string().contains(why), "{err} lacks {why}");
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(lis.journal().is_empty());
    for bad in ["GLU=6.25", "GLU:0=6.25", "GLU:x=1", ":1=2", "GLU:1="] {
        assert!(bad.parse::<QcValue>().is_err(), "{bad}");
    }
    assert_eq!(
        qc_value("6690-2:2=7.10"),
        QcValue {
            code: "6690-2".to_owned(),
            level: 2,
            value: "7.10".to_owned()
        }
    );
    lis.stop().await;
}
