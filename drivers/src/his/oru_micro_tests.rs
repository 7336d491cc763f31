//! A microbiology isolate in the ORU^R01, against HL7 v2.5.1 §7.3.1 and §7.4.2 and the parent /
//! child structure for culture and susceptibility: the organism OBX (CWE, OBX-4 the isolate's
//! label) in the culture test's order, then a child order whose OBR-26 names that OBX and OBR-29
//! the parent order, one OBX per antibiotic (SN MIC, µg/mL, table 0078 S/I/R). Expected segments
//! written by hand.

use lis_core::model::{
    AnalyzerMessage, IngestOutcome, Interpretation, Isolate, MessageKind, Observation, Protocol,
    StoredObservation, Susceptibility,
};

use super::oru_tests::{field, next_oru, order_in, release, store};

const ORM_CULTURE: &str =
    "MSH|^~\\&|HIS|BV|LIS|LAB|20250301080000||ORM^O01|M1|P|2.5.1|||||||UNICODE UTF-8\r\
PID|1||BN300||Lê^Mai||19700101|F\r\
ORC|NW|PL-300||||||||||BS02^Võ^Lan\r\
OBR|1|PL-300|BC300|ORG-A^Culture^L\r";

fn ab(code: &str, name: &str, mic: &str, i: Option<Interpretation>, sent: &str) -> Susceptibility {
    Susceptibility {
        antibiotic_code: code.into(),
        antibiotic_name: name.into(),
        mic: mic.into(),
        interpretation: i,
        interpretation_sent: sent.into(),
    }
}

#[test]
fn an_isolate_goes_out_as_its_organism_and_a_child_order_with_one_obx_per_antibiotic() {
    let s = store();
    order_in(&s, ORM_CULTURE);
    let out = s
        .ingest(AnalyzerMessage {
            instrument: String::from("DEMO-MICRO"),
            link: String::from("micro"),
            received_at: "2025-03-01T02:00:00Z".parse().unwrap(),
            protocol: Protocol::Astm,
            raw: b"isolate".to_vec(),
            graphs: Vec::new(),
            kind: MessageKind::Results,
            observations: vec![Observation {
                specimen_id: String::from("BC300"),
                instrument_test_code: String::from("ISOLATE-A"),
                value: String::from("Escherichia coli"),
                status: String::from("F"),
                observed_at: Some(jiff::civil::datetime(2025, 3, 1, 8, 45, 0, 0)),
                isolate: Some(Isolate {
                    label: String::from("A"),
                    organism_code: String::from("E.COL"),
                    organism_name: String::from("Escherichia coli"),
                    susceptibilities: vec![
                        ab(
                            "AMPICI",
                            "Ampicillin",
                            ">16.0000",
                            Some(Interpretation::Resistant),
                            "RESIST",
                        ),
                        ab(
                            "AMIKAC",
                            "Amikacin",
                            "<=8.0000",
                            Some(Interpretation::Susceptible),
                            "SUSC",
                        ),
                        ab("NITRO", "Nitrofurantoin", ">64.0000", None, "NOINTP"),
                        ab(
                            "AZTREO",
                            "Aztreonam",
                            "2.0000",
                            Some(Interpretation::Susceptible),
                            "SUSC",
                        ),
                    ],
                }),
                ..Default::default()
            }],
            patient_hint: None,
        })
        .unwrap();
    let IngestOutcome::Stored { observations, .. } = out else {
        panic!("not stored: {out:?}")
    };
    let [StoredObservation::Result(id)] = observations.as_slice() else {
        panic!("not one result: {observations:?}")
    };
    // A text result without normal texts is held for a person.
    release(&s, *id);
    let msg = next_oru(&s);
    let text = String::from_utf8(msg.clone()).unwrap();
    let ids: Vec<&str> = text.split('\r').filter_map(|s| s.get(..3)).collect();
    assert_eq!(
        ids,
        [
            "MSH", "PID", "ORC", "OBR", "OBX", "SPM", "ORC", "OBR", "OBX", "OBX", "OBX", "OBX",
            "SPM"
        ],
        "{text}"
    );
    let culture = "11475-1^Organism identified, isolate A (susceptibility)^LN^ORG-A^\
Vi khuẩn phân lập, chủng A (kháng sinh đồ)^L";
    // The organism: CWE, OBX-4 the isolate's label.
    assert_eq!(field(&msg, "OBX", 1, 2), "CWE");
    assert_eq!(field(&msg, "OBX", 1, 3), culture);
    assert_eq!(field(&msg, "OBX", 1, 4), "A");
    assert_eq!(field(&msg, "OBX", 1, 5), "E.COL^Escherichia coli^L");
    // The child order: the susceptibility panel, its parent the organism OBX and the order.
    assert_eq!(field(&msg, "OBR", 2, 1), "2");
    assert_eq!(field(&msg, "OBR", 2, 2), "PL-300");
    assert_eq!(
        field(&msg, "OBR", 2, 4),
        "29576-6^Bacterial susceptibility panel^LN"
    );
    assert_eq!(
        field(&msg, "OBR", 2, 26),
        "11475-1&Organism identified, isolate A (susceptibility)&LN&ORG-A&\
Vi khuẩn phân lập, chủng A (kháng sinh đồ)&L^A^Escherichia coli"
    );
    // OBR-29: the parent's placer and filler numbers (the lab's accession, in the parent's OBR-3).
    let filler = field(&msg, "OBR", 1, 3);
    assert!(!filler.is_empty());
    assert_eq!(field(&msg, "OBR", 2, 3), filler);
    assert_eq!(field(&msg, "OBR", 2, 29), format!("PL-300^{filler}"));
    let obx: Vec<&str> = text.split('\r').filter(|s| s.starts_with("OBX|")).collect();
    assert_eq!(
        obx[1..],
        [
            "OBX|1|SN|AMPICI^Ampicillin^L|A|>^16.0000|ug/mL^ug/mL^UCUM||R|||F|||20250301084500+0700||||DEMO-MICRO",
            "OBX|2|SN|AMIKAC^Amikacin^L|A|<=^8.0000|ug/mL^ug/mL^UCUM||S|||F|||20250301084500+0700||||DEMO-MICRO",
            "OBX|3|SN|NITRO^Nitrofurantoin^L|A|>^64.0000|ug/mL^ug/mL^UCUM|||||F|||20250301084500+0700||||DEMO-MICRO",
            "OBX|4|SN|AZTREO^Aztreonam^L|A|^2.0000|ug/mL^ug/mL^UCUM||S|||F|||20250301084500+0700||||DEMO-MICRO",
        ]
    );
    assert_eq!(field(&msg, "SPM", 2, 2), "BC300");
}
