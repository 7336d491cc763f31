//! Building the FHIR resources from the lab's records.

use jiff::Timestamp;
use lis_core::model::{
    Order, OrderStatus, OrderedTestStatus, Patient as CorePatient, Priority, Sex, Supplement,
};
use lis_core::presentation::{
    patient_name, reference_range, result_marks, result_value, ucum_code, ResultValue,
};
use lis_core::store::{ReleasedFilter, ReleasedResult};
use lis_core::LabConfig;

use super::answer::{FhirError, MAX_COUNT};
use super::resources::*;
use crate::state::AppState;

fn rfc3339(t: Timestamp) -> String {
    t.to_string()
}

pub(crate) fn id_param(kind: &str, id: &str) -> Result<i64, FhirError> {
    id.parse::<i64>().map_err(|_| {
        FhirError(crate::error::AppError::NotFound(format!(
            "{kind}/{id} not found"
        )))
    })
}

/// The resource of a stored patient, last changed at `last_updated` (its latest audited change).
pub fn patient_resource(p: &CorePatient, last_updated: Option<Timestamp>) -> Patient {
    let name = patient_name(p);
    Patient {
        resource_type: "Patient",
        id: p.id.to_string(),
        meta: Meta {
            version_id: None,
            last_updated: last_updated.map(rfc3339),
        },
        identifier: vec![Identifier {
            system: HIS_PATIENT_IDS.to_owned(),
            value: p.his_id.clone(),
        }],
        name: vec![HumanName {
            text: p.name.clone(),
            family: Some(name.family).filter(|f| !f.is_empty()),
            given: [name.middle, name.given]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect(),
        }],
        gender: match p.sex {
            Sex::Male => "male",
            Sex::Female => "female",
            Sex::Unknown => "unknown",
        },
        birth_date: p.birth_date.map(|d| d.to_string()),
    }
}

fn test_concept(lab: &LabConfig, code: &str) -> CodeableConcept {
    let test = lab.test(code);
    let mut coding = Vec::new();
    if let Some(loinc) = test.and_then(|t| t.loinc.as_deref()) {
        coding.push(Coding::new(LOINC, loinc, test.map(|t| t.name_en.as_str())));
    }
    coding.push(Coding::new(
        LIS_TEST_CODES,
        code,
        test.map(|t| t.name_vi.as_str()),
    ));
    CodeableConcept {
        coding,
        text: test.map(|t| t.name_vi.clone()),
    }
}

fn quantity(value: f64, unit: &str, comparator: Option<&str>) -> Quantity {
    let has_unit = !unit.is_empty();
    Quantity {
        value,
        comparator: comparator.map(str::to_owned),
        unit: unit.to_owned(),
        system: has_unit.then(|| UCUM.to_owned()),
        code: has_unit.then(|| ucum_code(unit)),
    }
}

/// The Observation of a released result.
pub fn observation_resource(lab: &LabConfig, r: &ReleasedResult) -> Observation {
    let res = &r.result;
    let observed = res.observed_at.unwrap_or(res.received_at);
    let (value_quantity, value_string) = match result_value(res) {
        ResultValue::Numeric { value, .. } => (Some(quantity(value, &res.unit, None)), None),
        ResultValue::Censored {
            comparator, value, ..
        } => (Some(quantity(value, &res.unit, Some(comparator))), None),
        ResultValue::Text(text) => (None, Some(text.to_owned())),
        ResultValue::Missing => (None, None),
    };
    // `N` only for a result judged normal (its reference-range check passed), never by default.
    let interpretation_codes: Vec<CodeableConcept> = result_marks(&res.flags, r.judged_normal)
        .into_iter()
        .filter_map(|m| Some((m.hl7_code?, m.hl7_display)))
        .map(|(code, display)| CodeableConcept {
            coding: vec![Coding::new(INTERPRETATION, code, display)],
            text: None,
        })
        .collect();
    let range = lab
        .test(&res.test_code)
        .and_then(|t| reference_range(t, &r.patient, observed, lab.time_zone()))
        .map(|range| ReferenceRange {
            low: range.low.map(|v| quantity(v, &res.unit, None)),
            high: range.high.map(|v| quantity(v, &res.unit, None)),
            text: Some(range.text),
        });
    Observation {
        resource_type: "Observation",
        id: res.id.to_string(),
        meta: Meta {
            version_id: None,
            last_updated: Some(rfc3339(r.released_at)),
        },
        status: if res.corrects.is_some() {
            "corrected"
        } else {
            "final"
        },
        category: vec![CodeableConcept {
            coding: vec![Coding::new(
                OBSERVATION_CATEGORY,
                "laboratory",
                Some("Laboratory"),
            )],
            text: None,
        }],
        code: test_concept(lab, &res.test_code),
        subject: Reference {
            reference: format!("Patient/{}", r.patient.id),
            display: Some(r.patient.name.clone()),
        },
        based_on: vec![Reference {
            reference: format!("ServiceRequest/{}", res.order_id),
            display: None,
        }],
        effective_date_time: Some(rfc3339(observed)),
        issued: rfc3339(r.released_at),
        value_quantity: value_quantity.filter(|_| r.isolate.is_none()),
        value_string: value_string.filter(|_| r.isolate.is_none()),
        value_codeable_concept: r.isolate.as_ref().map(super::microbiology::organism),
        interpretation: interpretation_codes,
        reference_range: range.into_iter().collect(),
        component: r
            .isolate
            .iter()
            .flat_map(super::microbiology::susceptibilities)
            .chain(r.supplements.iter().map(component))
            .collect(),
    }
}

/// A supplementary value as an Observation component: a plain number (`611793`, `1.00`) as a
/// quantity with the unit as sent, anything else (`<1.0`, `NEG`, `3+^3+^45`) as text.
fn component(s: &Supplement) -> ObservationComponent {
    let number = s.value.trim().parse::<f64>().ok().filter(|v| v.is_finite());
    ObservationComponent {
        code: CodeableConcept {
            coding: Vec::new(),
            text: Some(s.name.clone()),
        },
        value_quantity: number.map(|value| Quantity {
            value,
            comparator: None,
            unit: s.units.clone(),
            system: None,
            code: None,
        }),
        value_string: number.is_none().then(|| s.value.clone()),
        interpretation: Vec::new(),
    }
}

fn lab_report_code() -> CodeableConcept {
    CodeableConcept {
        coding: vec![Coding::new(LOINC, "11502-2", Some("Laboratory report"))],
        text: Some(String::from("Phiếu kết quả xét nghiệm")),
    }
}

/// The DiagnosticReport of an order, from its released results (`None` when none is released).
pub fn report_resource(
    order: &Order,
    released: &[ReleasedResult],
    all_released: bool,
) -> Option<DiagnosticReport> {
    let first = released.first()?;
    let issued = released.iter().map(|r| r.released_at).max()?;
    let effective = released
        .iter()
        .map(|r| r.result.observed_at.unwrap_or(r.result.received_at))
        .min();
    let status = if !all_released {
        "partial"
    } else if released.iter().any(|r| r.result.corrects.is_some()) {
        "corrected"
    } else {
        "final"
    };
    Some(DiagnosticReport {
        resource_type: "DiagnosticReport",
        id: order.id.to_string(),
        meta: Meta {
            version_id: None,
            last_updated: Some(rfc3339(issued)),
        },
        identifier: vec![Identifier {
            system: LIS_ACCESSIONS.to_owned(),
            value: order.accession.clone(),
        }],
        based_on: vec![Reference {
            reference: format!("ServiceRequest/{}", order.id),
            display: None,
        }],
        status,
        category: vec![CodeableConcept {
            coding: vec![Coding::new(V2_0074, "LAB", Some("Laboratory"))],
            text: None,
        }],
        code: lab_report_code(),
        subject: Reference {
            reference: format!("Patient/{}", first.patient.id),
            display: Some(first.patient.name.clone()),
        },
        effective_date_time: effective.map(rfc3339),
        issued: rfc3339(issued),
        result: released
            .iter()
            .map(|r| Reference {
                reference: format!("Observation/{}", r.result.id),
                display: None,
            })
            .collect(),
    })
}

pub(crate) fn request_resource(
    state: &AppState,
    order: &Order,
) -> Result<ServiceRequest, FhirError> {
    let lab = state.store.config();
    let tests = state.store.ordered_tests(order.id)?;
    // Placing, changing, cancelling and each status move of an order are audited on it.
    let changed = state
        .store
        .latest_change_of(&[("order", order.id.to_string())])?
        .map_or(order.ordered_at, |(_, at)| at);
    Ok(ServiceRequest {
        resource_type: "ServiceRequest",
        id: order.id.to_string(),
        meta: Meta {
            version_id: None,
            last_updated: Some(rfc3339(changed)),
        },
        identifier: vec![
            Identifier {
                system: HIS_PLACER_NUMBERS.to_owned(),
                value: order.placer_number.clone(),
            },
            Identifier {
                system: LIS_ACCESSIONS.to_owned(),
                value: order.accession.clone(),
            },
        ],
        status: match order.status {
            OrderStatus::Cancelled => "revoked",
            OrderStatus::Released => "completed",
            _ => "active",
        },
        intent: "order",
        priority: match order.priority {
            Priority::Stat => "stat",
            Priority::Routine => "routine",
        },
        code: CodeableConcept {
            coding: vec![Coding::new(
                LOINC,
                "26436-6",
                Some("Laboratory studies (set)"),
            )],
            text: None,
        },
        order_detail: tests
            .iter()
            .filter(|t| t.status != OrderedTestStatus::Cancelled)
            .map(|t| test_concept(lab, &t.test_code))
            .collect(),
        subject: Reference {
            reference: format!("Patient/{}", order.patient_id),
            display: None,
        },
        authored_on: rfc3339(order.ordered_at),
        // A display-only reference: the LIS keeps the doctor's name, not a Practitioner.
        requester: Some(order.requesting_doctor.clone())
            .filter(|d| !d.is_empty())
            .map(|d| Reference {
                reference: String::new(),
                display: Some(d),
            }),
    })
}

/// The patient resource of a stored patient, with the time of its latest audited change.
pub(crate) fn patient_with_meta(state: &AppState, p: &CorePatient) -> Result<Patient, FhirError> {
    let changed = state
        .store
        .latest_change_of(&[("patient", p.id.to_string())])?
        .map(|(_, at)| at);
    Ok(patient_resource(p, changed))
}

/// Released results of an order and whether every test of it is released.
pub(crate) fn released_of_order(
    state: &AppState,
    order: &Order,
) -> Result<(Vec<ReleasedResult>, bool), FhirError> {
    let released = state.store.released_results(&ReleasedFilter {
        order: Some(order.placer_number.clone()),
        limit: MAX_COUNT,
        ..ReleasedFilter::default()
    })?;
    let tests = state.store.ordered_tests(order.id)?;
    let all = tests
        .iter()
        .filter(|t| t.status != OrderedTestStatus::Cancelled)
        .all(|t| {
            t.reported_result_id
                .is_some_and(|id| released.iter().any(|r| r.result.id == id))
        });
    Ok((released, all))
}
