//! A released microbiology isolate as the HIS reads it: REST `isolate` (organism and panel, S/I/R
//! as table 0078 codes) and the FHIR Observation (the organism as `valueCodeableConcept`, one
//! component per antibiotic with the MIC as a quantity with its comparator and the
//! interpretation from v3-ObservationInterpretation). Expected values written by hand.

use lis_core::model::{
    Actor, AnalyzerMessage, Interpretation, Isolate, MessageKind, NewOrder, NewPatient,
    NewSpecimen, Observation, Priority, Protocol, Sex, Susceptibility,
};

use super::*;

fn ab(code: &str, name: &str, mic: &str, i: Option<Interpretation>, sent: &str) -> Susceptibility {
    Susceptibility {
        antibiotic_code: code.into(),
        antibiotic_name: name.into(),
        mic: mic.into(),
        interpretation: i,
        interpretation_sent: sent.into(),
    }
}

/// The lab with an E. coli isolate of urine M1 released.
fn lab_with_isolate() -> (Lab, i64) {
    let lab = lab();
    let store = &lab.state.store;
    store
        .place_order(
            NewOrder {
                placer_number: String::from("PL-M1"),
                patient: NewPatient {
                    his_id_authority: Default::default(),
                    his_id_type: String::new(),
                    name_parts: None,
                    his_id: String::from("BN001"),
                    name: String::from("Nguyễn Văn An"),
                    sex: Sex::Male,
                    birth_date: Some(jiff::civil::date(1980, 5, 1)),
                },
                requesting_doctor: String::new(),
                requesting_doctor_id: String::new(),
                requesting_doctor_name: None,
                department: String::new(),
                priority: Priority::Routine,
                ordered_at: "2025-03-01T01:00:00Z".parse().unwrap(),
                specimens: vec![NewSpecimen {
                    barcode: String::from("M1"),
                    specimen_type: String::from("urine"),
                    collected_at: None,
                    received_at: None,
                    tests: vec![String::from("ORG-A")],
                }],
            },
            &Actor::System,
        )
        .unwrap();
    let out = store
        .ingest(AnalyzerMessage {
            instrument: String::from("DEMO-MICRO"),
            link: String::from("micro"),
            received_at: "2025-03-01T02:00:00Z".parse().unwrap(),
            protocol: Protocol::Astm,
            raw: b"isolate".to_vec(),
            graphs: Vec::new(),
            kind: MessageKind::Results,
            observations: vec![Observation {
                specimen_id: String::from("M1"),
                instrument_test_code: String::from("ISOLATE-A"),
                value: String::from("Escherichia coli"),
                status: String::from("F"),
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
                    ],
                }),
                ..Default::default()
            }],
            patient_hint: None,
        })
        .unwrap();
    let lis_core::model::IngestOutcome::Stored { observations, .. } = out else {
        panic!("not stored")
    };
    let Some(lis_core::model::StoredObservation::Result(id)) = observations.first() else {
        panic!("not a result: {observations:?}")
    };
    store.verify(*id, &Actor::System).unwrap();
    store.release(*id, &Actor::System).unwrap();
    (lab, *id)
}

#[tokio::test]
async fn rest_results_carry_the_isolate_and_its_panel() {
    let (lab, id) = lab_with_isolate();
    let (s, _, v) = call(
        &lab,
        Method::GET,
        "/api/v1/results?specimen=M1",
        Some(RESULTS),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let r = &v["results"][0];
    assert_eq!(r["id"], id);
    assert_eq!(r["value"], "Escherichia coli");
    assert_eq!(
        r["isolate"],
        json!({
            "label": "A",
            "organism_code": "E.COL",
            "organism_name": "Escherichia coli",
            "susceptibilities": [
                {"antibiotic_code": "AMPICI", "antibiotic_name": "Ampicillin", "mic": ">16.0000",
                 "interpretation": "R", "interpretation_sent": "RESIST"},
                {"antibiotic_code": "AMIKAC", "antibiotic_name": "Amikacin", "mic": "<=8.0000",
                 "interpretation": "S", "interpretation_sent": "SUSC"},
                {"antibiotic_code": "NITRO", "antibiotic_name": "Nitrofurantoin", "mic": ">64.0000",
                 "interpretation": null, "interpretation_sent": "NOINTP"}
            ]
        })
    );
    // Other results carry no isolate at all.
    let (_, _, v) = call(
        &lab,
        Method::GET,
        "/api/v1/results?specimen=S1",
        Some(RESULTS),
        None,
    )
    .await;
    assert!(v["results"][0].get("isolate").is_none(), "{v}");
}

#[tokio::test]
async fn the_fhir_observation_is_the_organism_with_one_component_per_antibiotic() {
    let (lab, id) = lab_with_isolate();
    let uri = format!("/fhir/r4/Observation/{id}");
    let (s, _, o) = call(&lab, Method::GET, &uri, Some(FHIR), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        o["valueCodeableConcept"],
        json!({
            "coding": [{"system": "urn:lis:analyzer-organism", "code": "E.COL",
                        "display": "Escherichia coli"}],
            "text": "Escherichia coli"
        })
    );
    assert!(o.get("valueString").is_none(), "{o}");
    assert_eq!(o["code"]["coding"][0]["code"], "11475-1");
    let interpretation = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
    assert_eq!(
        o["component"],
        json!([
            {
                "code": {"coding": [{"system": "urn:lis:analyzer-antibiotic", "code": "AMPICI",
                                     "display": "Ampicillin"}], "text": "Ampicillin"},
                "valueQuantity": {"value": 16.0, "comparator": ">", "unit": "ug/mL",
                                  "system": "http://unitsofmeasure.org", "code": "ug/mL"},
                "interpretation": [{"coding": [{"system": interpretation, "code": "R",
                                                "display": "Resistant"}]}]
            },
            {
                "code": {"coding": [{"system": "urn:lis:analyzer-antibiotic", "code": "AMIKAC",
                                     "display": "Amikacin"}], "text": "Amikacin"},
                "valueQuantity": {"value": 8.0, "comparator": "<=", "unit": "ug/mL",
                                  "system": "http://unitsofmeasure.org", "code": "ug/mL"},
                "interpretation": [{"coding": [{"system": interpretation, "code": "S",
                                                "display": "Susceptible"}]}]
            },
            {
                "code": {"coding": [{"system": "urn:lis:analyzer-antibiotic", "code": "NITRO",
                                     "display": "Nitrofurantoin"}], "text": "Nitrofurantoin"},
                "valueQuantity": {"value": 64.0, "comparator": ">", "unit": "ug/mL",
                                  "system": "http://unitsofmeasure.org", "code": "ug/mL"}
            }
        ])
    );
}
