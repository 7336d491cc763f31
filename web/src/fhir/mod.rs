//! FHIR R4 read and search over the lab's released results, at `/fhir/r4`, in JSON
//! (`application/fhir+json`), scope `fhir:read`.
//!
//! - `Patient/{id}`; `Patient?identifier=` (the HIS id).
//! - `Observation/{id}` (a released result version); `Observation?patient|subject=&code=&date=&_lastUpdated=&_count=`.
//! - `DiagnosticReport/{id}` (an order's released results); `DiagnosticReport?patient|subject=&date=&_lastUpdated=`.
//! - `ServiceRequest/{id}` (an order); `ServiceRequest?patient|subject=`.
//! - `metadata`: a minimal CapabilityStatement (no token needed).
//!
//! `patient`/`subject` take `123` or `Patient/123`; `patient.identifier` / `subject:identifier`
//! take the HIS id (`[system|]value`). `code` takes `[system|]code`, LOINC or the lab's code.
//! `date` and `_lastUpdated` take the prefixes `eq` (default), `ge`, `gt`, `le`, `lt` on a date
//! (a day in the lab's time zone) or an RFC 3339 time. Nothing unreleased is ever served: an
//! Observation of a result not released is 404, a DiagnosticReport holds released results only.
//! Errors are OperationOutcomes.

pub mod resources;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use jiff::Timestamp;
use lis_core::lifecycle::ResultState;
use lis_core::model::{
    Order, OrderStatus, OrderedTestStatus, Patient as CorePatient, Priority, Sex,
};
use lis_core::store::{ReleasedFilter, ReleasedResult};
use lis_core::validation::Flag;
use lis_core::LabConfig;
use lis_drivers::his::oru::{name_parts, reference_range, ucum_code};
use serde::Serialize;

use self::resources::*;
use crate::api::HisState;
use crate::auth::{require, Scope};
use crate::error::AppError;

/// Most entries one search returns.
pub const MAX_COUNT: usize = 1000;

/// An [`AppError`] answered as an OperationOutcome.
#[derive(Debug)]
pub struct FhirError(pub AppError);

impl From<AppError> for FhirError {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

impl From<lis_core::StoreError> for FhirError {
    fn from(e: lis_core::StoreError) -> Self {
        Self(AppError::from(e))
    }
}

impl IntoResponse for FhirError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let code = match status {
            StatusCode::UNAUTHORIZED => "login",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::NOT_FOUND => "not-found",
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => "invalid",
            _ => "exception",
        };
        let body = OperationOutcome {
            resource_type: "OperationOutcome",
            issue: vec![Issue {
                severity: "error",
                code,
                diagnostics: self.0.to_string(),
            }],
        };
        let mut response = fhir_json(status, &body);
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"lis\""),
            );
        }
        response
    }
}

fn fhir_json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(header::CONTENT_TYPE, "application/fhir+json; charset=utf-8")],
            bytes,
        )
            .into_response(),
        Err(e) => AppError::internal(&e).into_response(),
    }
}

type FhirResult = Result<Response, FhirError>;

/// The FHIR routes (merged by [`crate::api::his_routes`]).
pub fn routes() -> Router<HisState> {
    Router::new()
        .route("/fhir/r4/metadata", get(metadata))
        .route("/fhir/r4/Patient", get(search_patients))
        .route("/fhir/r4/Patient/{id}", get(read_patient))
        .route("/fhir/r4/Observation", get(search_observations))
        .route("/fhir/r4/Observation/{id}", get(read_observation))
        .route("/fhir/r4/DiagnosticReport", get(search_reports))
        .route("/fhir/r4/DiagnosticReport/{id}", get(read_report))
        .route("/fhir/r4/ServiceRequest", get(search_requests))
        .route("/fhir/r4/ServiceRequest/{id}", get(read_request))
}

fn rfc3339(t: Timestamp) -> String {
    t.to_string()
}

fn id_param(kind: &str, id: &str) -> Result<i64, FhirError> {
    id.parse::<i64>()
        .map_err(|_| FhirError(AppError::NotFound(format!("{kind}/{id} not found"))))
}

/// The resource of a stored patient.
pub fn patient_resource(p: &CorePatient) -> Patient {
    let (family, given, middle) = name_parts(&p.name);
    Patient {
        resource_type: "Patient",
        id: p.id.to_string(),
        identifier: vec![Identifier {
            system: HIS_PATIENT_IDS.to_owned(),
            value: p.his_id.clone(),
        }],
        name: vec![HumanName {
            text: p.name.clone(),
            family: Some(family).filter(|f| !f.is_empty()),
            given: [middle, given]
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

fn interpretation(flag: Flag) -> Option<(&'static str, &'static str)> {
    Some(match flag {
        Flag::Low => ("L", "Low"),
        Flag::High => ("H", "High"),
        Flag::CriticalLow => ("LL", "Critical low"),
        Flag::CriticalHigh => ("HH", "Critical high"),
        Flag::BelowMeasurementRange => ("<", "Off scale low"),
        Flag::AboveMeasurementRange => (">", "Off scale high"),
        Flag::Abnormal => ("A", "Abnormal"),
        _ => return None,
    })
}

/// The Observation of a released result.
pub fn observation_resource(lab: &LabConfig, r: &ReleasedResult) -> Observation {
    let res = &r.result;
    let observed = res.observed_at.unwrap_or(res.received_at);
    let (value_quantity, value_string) = match (res.value_kind.as_str(), res.numeric) {
        ("numeric", Some(n)) => (Some(quantity(n, &res.unit, None)), None),
        ("censored_lt", Some(n)) => (Some(quantity(n, &res.unit, Some("<"))), None),
        ("censored_gt", Some(n)) => (Some(quantity(n, &res.unit, Some(">"))), None),
        _ => (None, Some(res.value.clone()).filter(|v| !v.is_empty())),
    };
    let mut interpretation_codes: Vec<CodeableConcept> = res
        .flags
        .iter()
        .filter_map(|f| interpretation(*f))
        .map(|(code, display)| CodeableConcept {
            coding: vec![Coding::new(INTERPRETATION, code, Some(display))],
            text: None,
        })
        .collect();
    if interpretation_codes.is_empty() && value_quantity.is_some() {
        interpretation_codes.push(CodeableConcept {
            coding: vec![Coding::new(INTERPRETATION, "N", Some("Normal"))],
            text: None,
        });
    }
    let range = lab
        .test(&res.test_code)
        .and_then(|t| reference_range(t, &r.patient, observed, lab.time_zone()))
        .map(|(low, high, text)| ReferenceRange {
            low: low.map(|v| quantity(v, &res.unit, None)),
            high: high.map(|v| quantity(v, &res.unit, None)),
            text: Some(text),
        });
    Observation {
        resource_type: "Observation",
        id: res.id.to_string(),
        meta: Meta {
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
        value_quantity,
        value_string,
        interpretation: interpretation_codes,
        reference_range: range.into_iter().collect(),
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

fn request_resource(state: &HisState, order: &Order) -> Result<ServiceRequest, FhirError> {
    let lab = state.store.config();
    let tests = state.store.ordered_tests(order.id)?;
    Ok(ServiceRequest {
        resource_type: "ServiceRequest",
        id: order.id.to_string(),
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

/// Released results of an order and whether every test of it is released.
fn released_of_order(
    state: &HisState,
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

/// A comparison on a time: prefix and the interval the value names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TimeParam {
    prefix: &'static str,
    start: Timestamp,
    end: Timestamp,
}

impl TimeParam {
    fn parse(name: &str, raw: &str, lab: &LabConfig) -> Result<Self, FhirError> {
        let (prefix, value) = ["ge", "gt", "le", "lt", "eq"]
            .iter()
            .find_map(|p| raw.strip_prefix(p).map(|v| (*p, v)))
            .unwrap_or(("eq", raw));
        let bad = || {
            FhirError(AppError::bad_field(
                name,
                format!("{raw:?} is not [eq|ge|gt|le|lt]YYYY-MM-DD or an RFC 3339 time"),
            ))
        };
        if let Ok(t) = value.parse::<Timestamp>() {
            return Ok(Self {
                prefix,
                start: t,
                end: t,
            });
        }
        let date: jiff::civil::Date = value.parse().map_err(|_| bad())?;
        let start = date
            .to_zoned(lab.time_zone().clone())
            .map_err(|_| bad())?
            .timestamp();
        let end = date
            .tomorrow()
            .and_then(|d| d.to_zoned(lab.time_zone().clone()))
            .map_err(|_| bad())?
            .timestamp();
        Ok(Self { prefix, start, end })
    }

    fn matches(&self, t: Timestamp) -> bool {
        let point = self.start == self.end;
        match self.prefix {
            "ge" => t >= self.start,
            "gt" => {
                if point {
                    t > self.start
                } else {
                    t >= self.end
                }
            }
            "le" => {
                if point {
                    t <= self.start
                } else {
                    t < self.end
                }
            }
            "lt" => t < self.start,
            _ => {
                if point {
                    t == self.start
                } else {
                    t >= self.start && t < self.end
                }
            }
        }
    }
}

/// Parsed search parameters shared by the searches.
#[derive(Debug, Default)]
struct Search {
    patient_his_id: Option<String>,
    patient_unknown: bool,
    code: Option<String>,
    date: Vec<TimeParam>,
    last_updated: Vec<TimeParam>,
    count: usize,
}

fn parse_search(
    state: &HisState,
    raw: Option<&str>,
    allowed: &[&str],
) -> Result<Search, FhirError> {
    let lab = state.store.config();
    let mut s = Search {
        count: 100,
        ..Search::default()
    };
    for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = crate::api::decode_component(k);
        let v = crate::api::decode_component(v);
        if !allowed.contains(&k.as_str()) && !["_count", "_format"].contains(&k.as_str()) {
            return Err(FhirError(AppError::bad_field(
                k,
                format!(
                    "unsupported search parameter; supported: {}",
                    allowed.join(", ")
                ),
            )));
        }
        match k.as_str() {
            "patient" | "subject" => {
                let id = v.strip_prefix("Patient/").unwrap_or(&v);
                match id.parse::<i64>().ok().map(|id| state.store.patient(id)) {
                    Some(Ok(p)) => s.patient_his_id = Some(p.his_id),
                    Some(Err(lis_core::StoreError::NotFound { .. })) | None => {
                        s.patient_unknown = true
                    }
                    Some(Err(e)) => return Err(e.into()),
                }
            }
            "patient.identifier" | "subject:identifier" | "identifier" => {
                let value = v.rsplit_once('|').map_or(v.as_str(), |(_, v)| v);
                s.patient_his_id = Some(value.to_owned());
            }
            "code" => {
                let value = v.rsplit_once('|').map_or(v.as_str(), |(_, v)| v);
                let code = lab
                    .test(value)
                    .or_else(|| lab.tests.iter().find(|t| t.loinc.as_deref() == Some(value)))
                    .map(|t| t.code.clone());
                match code {
                    Some(c) => s.code = Some(c),
                    None => s.patient_unknown = true,
                }
            }
            "date" => s.date.push(TimeParam::parse("date", &v, lab)?),
            "_lastUpdated" => s
                .last_updated
                .push(TimeParam::parse("_lastUpdated", &v, lab)?),
            "_count" => {
                s.count = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_COUNT).contains(n))
                    .ok_or_else(|| {
                        FhirError(AppError::bad_field(
                            "_count",
                            format!("{v:?} is not 1 to {MAX_COUNT}"),
                        ))
                    })?;
            }
            _ => {}
        }
    }
    Ok(s)
}

fn bundle(kind: &str, raw: Option<&str>, resources: Vec<(String, serde_json::Value)>) -> Bundle {
    Bundle {
        resource_type: "Bundle",
        bundle_type: "searchset",
        total: resources.len(),
        link: vec![BundleLink {
            relation: "self",
            url: match raw {
                Some(q) if !q.is_empty() => format!("{kind}?{q}"),
                _ => kind.to_owned(),
            },
        }],
        entry: resources
            .into_iter()
            .map(|(full_url, resource)| BundleEntry {
                full_url,
                resource,
                search: serde_json::json!({ "mode": "match" }),
            })
            .collect(),
    }
}

fn to_value<T: Serialize>(v: &T) -> Result<serde_json::Value, FhirError> {
    serde_json::to_value(v).map_err(|e| FhirError(AppError::internal(&e)))
}

async fn metadata() -> Response {
    let types = [
        "Patient",
        "Observation",
        "DiagnosticReport",
        "ServiceRequest",
    ];
    let body = serde_json::json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-23",
        "kind": "instance",
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [{
            "mode": "server",
            "security": { "description": "Bearer token with scope fhir:read (lis token create)" },
            "resource": types.iter().map(|t| serde_json::json!({
                "type": t,
                "interaction": [{ "code": "read" }, { "code": "search-type" }],
            })).collect::<Vec<_>>(),
        }],
    });
    fhir_json(StatusCode::OK, &body)
}

async fn read_patient(
    State(state): State<HisState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> FhirResult {
    require(&state.store, &headers, Scope::FhirRead)?;
    let p = state.store.patient(id_param("Patient", &id)?)?;
    Ok(fhir_json(StatusCode::OK, &patient_resource(&p)))
}

async fn search_patients(
    State(state): State<HisState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> FhirResult {
    require(&state.store, &headers, Scope::FhirRead)?;
    let s = parse_search(&state, raw.as_deref(), &["identifier"])?;
    let mut found = Vec::new();
    if let Some(his) = &s.patient_his_id {
        if let Some(p) = state.store.patient_by_his_id(his)? {
            found.push((
                format!("Patient/{}", p.id),
                to_value(&patient_resource(&p))?,
            ));
        }
    }
    Ok(fhir_json(
        StatusCode::OK,
        &bundle("Patient", raw.as_deref(), found),
    ))
}

/// A released result by id (`None` when it is not released).
fn released_result(state: &HisState, id: i64) -> Result<Option<ReleasedResult>, FhirError> {
    let result = match state.store.result(id) {
        Ok(r) => r,
        Err(lis_core::StoreError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if result.state != ResultState::Released {
        return Ok(None);
    }
    let Some(released_at) = state.store.released_at(id)? else {
        return Ok(None);
    };
    let order = state.store.order(result.order_id)?;
    let patient = state.store.patient(order.patient_id)?;
    Ok(Some(ReleasedResult {
        result,
        released_at,
        placer_number: order.placer_number,
        accession: order.accession,
        patient,
    }))
}

async fn read_observation(
    State(state): State<HisState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> FhirResult {
    require(&state.store, &headers, Scope::FhirRead)?;
    let r = released_result(&state, id_param("Observation", &id)?)?
        .ok_or_else(|| FhirError(AppError::NotFound(format!("Observation/{id} not found"))))?;
    Ok(fhir_json(
        StatusCode::OK,
        &observation_resource(state.store.config(), &r),
    ))
}

async fn search_observations(
    State(state): State<HisState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> FhirResult {
    require(&state.store, &headers, Scope::FhirRead)?;
    let s = parse_search(
        &state,
        raw.as_deref(),
        &[
            "patient",
            "subject",
            "patient.identifier",
            "subject:identifier",
            "code",
            "date",
            "_lastUpdated",
        ],
    )?;
    let lab = state.store.config();
    let mut found = Vec::new();
    if !s.patient_unknown {
        let since = s
            .last_updated
            .iter()
            .filter(|p| matches!(p.prefix, "ge" | "gt" | "eq"))
            .map(|p| p.start)
            .max();
        let rows = state.store.released_results(&ReleasedFilter {
            patient: s.patient_his_id.clone(),
            test_code: s.code.clone(),
            since,
            limit: MAX_COUNT,
            ..ReleasedFilter::default()
        })?;
        for r in rows {
            let observed = r.result.observed_at.unwrap_or(r.result.received_at);
            if s.date.iter().all(|d| d.matches(observed))
                && s.last_updated.iter().all(|d| d.matches(r.released_at))
            {
                found.push((
                    format!("Observation/{}", r.result.id),
                    to_value(&observation_resource(lab, &r))?,
                ));
            }
            if found.len() >= s.count {
                break;
            }
        }
    }
    Ok(fhir_json(
        StatusCode::OK,
        &bundle("Observation", raw.as_deref(), found),
    ))
}

async fn read_report(
    State(state): State<HisState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> FhirResult {
    require(&state.store, &headers, Scope::FhirRead)?;
    let not_found = || {
        FhirError(AppError::NotFound(format!(
            "DiagnosticReport/{id} not found"
        )))
    };
    let order = match state.store.order(id_param("DiagnosticReport", &id)?) {
        Ok(o) => o,
        Err(lis_core::StoreError::NotFound { .. }) => return Err(not_found()),
        Err(e) => return Err(e.into()),
    };
    let (released, all) = released_of_order(&state, &order)?;
    let report = report_resource(&order, &released, all).ok_or_else(not_found)?;
    Ok(fhir_json(StatusCode::OK, &report))
}

async fn search_reports(
    State(state): State<HisState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> FhirResult {
    require(&state.store, &headers, Scope::FhirRead)?;
    let s = parse_search(
        &state,
        raw.as_deref(),
        &[
            "patient",
            "subject",
            "patient.identifier",
            "subject:identifier",
            "date",
            "_lastUpdated",
        ],
    )?;
    let mut found = Vec::new();
    if !s.patient_unknown {
        for id in state
            .store
            .order_ids(s.patient_his_id.as_deref(), MAX_COUNT)?
        {
            let order = state.store.order(id)?;
            let (released, all) = released_of_order(&state, &order)?;
            let Some(report) = report_resource(&order, &released, all) else {
                continue;
            };
            let effective = released
                .iter()
                .map(|r| r.result.observed_at.unwrap_or(r.result.received_at))
                .min();
            let updated = released.iter().map(|r| r.released_at).max();
            let date_ok = s
                .date
                .iter()
                .all(|d| effective.is_some_and(|t| d.matches(t)));
            let updated_ok = s
                .last_updated
                .iter()
                .all(|d| updated.is_some_and(|t| d.matches(t)));
            if date_ok && updated_ok {
                found.push((format!("DiagnosticReport/{id}"), to_value(&report)?));
            }
            if found.len() >= s.count {
                break;
            }
        }
    }
    Ok(fhir_json(
        StatusCode::OK,
        &bundle("DiagnosticReport", raw.as_deref(), found),
    ))
}

async fn read_request(
    State(state): State<HisState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> FhirResult {
    require(&state.store, &headers, Scope::FhirRead)?;
    let order = match state.store.order(id_param("ServiceRequest", &id)?) {
        Ok(o) => o,
        Err(lis_core::StoreError::NotFound { .. }) => {
            return Err(FhirError(AppError::NotFound(format!(
                "ServiceRequest/{id} not found"
            ))))
        }
        Err(e) => return Err(e.into()),
    };
    Ok(fhir_json(
        StatusCode::OK,
        &request_resource(&state, &order)?,
    ))
}

async fn search_requests(
    State(state): State<HisState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> FhirResult {
    require(&state.store, &headers, Scope::FhirRead)?;
    let s = parse_search(
        &state,
        raw.as_deref(),
        &[
            "patient",
            "subject",
            "patient.identifier",
            "subject:identifier",
        ],
    )?;
    let mut found = Vec::new();
    if !s.patient_unknown {
        for id in state
            .store
            .order_ids(s.patient_his_id.as_deref(), s.count)?
        {
            let order = state.store.order(id)?;
            found.push((
                format!("ServiceRequest/{id}"),
                to_value(&request_resource(&state, &order)?)?,
            ));
        }
    }
    Ok(fhir_json(
        StatusCode::OK,
        &bundle("ServiceRequest", raw.as_deref(), found),
    ))
}
