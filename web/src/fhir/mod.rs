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
//! A token's system must match when given (FHIR R4 search §3.1.1.4.9): `urn:lis:his-patient-id`
//! for identifiers, `http://loinc.org` or `urn:lis:test-code` for codes; any other, or `|value`
//! (no system), matches nothing.
//! `date` and `_lastUpdated` take the prefixes `eq` (default), `ge`, `gt`, `le`, `lt` on a date
//! (a day in the lab's time zone) or an RFC 3339 time. Nothing unreleased is ever served: an
//! Observation of a result not released is 404, a DiagnosticReport holds released results only.
//! Errors are OperationOutcomes.

mod answer;
mod build;
pub mod resources;
mod search;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use lis_core::lifecycle::ResultState;
use lis_core::presentation::judged_normal;
use lis_core::store::{ReleasedFilter, ReleasedResult};

use self::answer::{fhir_json, FhirResult};
pub use self::answer::{FhirError, FhirRead, MAX_COUNT};
use self::build::{id_param, released_of_order, request_resource};
pub use self::build::{observation_resource, patient_resource, report_resource};
use self::search::SearchType;
use crate::auth::RequireScope;
use crate::error::AppError;
use crate::request::blocking;
use crate::state::AppState;

/// The FHIR routes, for [`crate::app::app`] to merge.
pub fn routes() -> Router<AppState> {
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
        .route("/fhir/r4/{kind}", get(unknown_type))
        .route("/fhir/r4/{kind}/{id}", get(unknown_type))
}

/// Any other resource type: 404 with an OperationOutcome saying which types this server has
/// (FHIR R4 http.html: an unsupported type is answered with an OperationOutcome), never an empty
/// body. The static routes above win over this one.
async fn unknown_type(Path(params): Path<Vec<(String, String)>>) -> FhirError {
    let kind = params
        .iter()
        .find(|(k, _)| k == "kind")
        .map_or("", |(_, v)| v.as_str());
    FhirError(AppError::NotFound(format!(
        "resource type {kind:?} is not served here; this server has Patient, Observation, \
         DiagnosticReport and ServiceRequest"
    )))
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
    _auth: RequireScope<FhirRead>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> FhirResult {
    blocking(move || {
        let p = state.store.patient(id_param("Patient", &id)?)?;
        Ok(fhir_json(StatusCode::OK, &patient_resource(&p)))
    })
    .await
}

async fn search_patients(
    _auth: RequireScope<FhirRead>,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> FhirResult {
    let patients = SearchType {
        kind: "Patient",
        params: &["identifier"],
    };
    patients
        .run(
            state,
            raw,
            |state, s| match &s.patient_his_id {
                Some(his) => Ok(state.store.patient_by_his_id(his)?.into_iter().collect()),
                None => Ok(Vec::new()),
            },
            |_, _, p| Ok(Some((p.id, patient_resource(&p)))),
        )
        .await
}

/// A released result by id (`None` when it is not released).
fn released_result(state: &AppState, id: i64) -> Result<Option<ReleasedResult>, FhirError> {
    let (result, checks) = match state.store.result_with_checks(id) {
        Ok(r) => (r.result, r.checks),
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
        judged_normal: judged_normal(&checks),
    }))
}

async fn read_observation(
    _auth: RequireScope<FhirRead>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> FhirResult {
    blocking(move || {
        let r = released_result(&state, id_param("Observation", &id)?)?
            .ok_or_else(|| FhirError(AppError::NotFound(format!("Observation/{id} not found"))))?;
        Ok(fhir_json(
            StatusCode::OK,
            &observation_resource(state.store.config(), &r),
        ))
    })
    .await
}

async fn search_observations(
    _auth: RequireScope<FhirRead>,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> FhirResult {
    let observations = SearchType {
        kind: "Observation",
        params: &[
            "patient",
            "subject",
            "patient.identifier",
            "subject:identifier",
            "code",
            "date",
            "_lastUpdated",
        ],
    };
    observations
        .run(
            state,
            raw,
            |state, s| {
                let since = s
                    .last_updated
                    .iter()
                    .filter(|p| matches!(p.prefix, "ge" | "gt" | "eq"))
                    .map(|p| p.start)
                    .max();
                Ok(state.store.released_results(&ReleasedFilter {
                    patient: s.patient_his_id.clone(),
                    test_code: s.code.clone(),
                    since,
                    limit: MAX_COUNT,
                    ..ReleasedFilter::default()
                })?)
            },
            |state, s, r| {
                let observed = r.result.observed_at.unwrap_or(r.result.received_at);
                let matches = s.date.iter().all(|d| d.matches(observed))
                    && s.last_updated.iter().all(|d| d.matches(r.released_at));
                Ok(matches.then(|| (r.result.id, observation_resource(state.store.config(), &r))))
            },
        )
        .await
}

async fn read_report(
    _auth: RequireScope<FhirRead>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> FhirResult {
    blocking(move || {
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
    })
    .await
}

async fn search_reports(
    _auth: RequireScope<FhirRead>,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> FhirResult {
    let reports = SearchType {
        kind: "DiagnosticReport",
        params: &[
            "patient",
            "subject",
            "patient.identifier",
            "subject:identifier",
            "date",
            "_lastUpdated",
        ],
    };
    reports
        .run(
            state,
            raw,
            |state, s| {
                Ok(state
                    .store
                    .order_ids(s.patient_his_id.as_deref(), MAX_COUNT)?)
            },
            |state, s, id| {
                let order = state.store.order(id)?;
                let (released, all) = released_of_order(state, &order)?;
                let Some(report) = report_resource(&order, &released, all) else {
                    return Ok(None);
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
                Ok((date_ok && updated_ok).then_some((id, report)))
            },
        )
        .await
}

async fn read_request(
    _auth: RequireScope<FhirRead>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> FhirResult {
    blocking(move || {
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
    })
    .await
}

async fn search_requests(
    _auth: RequireScope<FhirRead>,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> FhirResult {
    let requests = SearchType {
        kind: "ServiceRequest",
        params: &[
            "patient",
            "subject",
            "patient.identifier",
            "subject:identifier",
        ],
    };
    requests
        .run(
            state,
            raw,
            |state, s| {
                Ok(state
                    .store
                    .order_ids(s.patient_his_id.as_deref(), s.count)?)
            },
            |state, _, id| {
                let order = state.store.order(id)?;
                Ok(Some((id, request_resource(state, &order)?)))
            },
        )
        .await
}

#[cfg(test)]
mod tests;
