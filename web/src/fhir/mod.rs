//! FHIR R4 read and search over the lab's released results, at `/fhir/r4`, in JSON
//! (`application/fhir+json`), scope `fhir:read`.
//!
//! - `Patient/{id}`; `Patient` (every patient) or `Patient?identifier=` (the HIS id).
//! - `Observation/{id}` (a released result version); `Observation?patient|subject=&code=&date=&_lastUpdated=`.
//! - `DiagnosticReport/{id}` (an order's released results); `DiagnosticReport?patient|subject=&date=&_lastUpdated=`.
//! - `ServiceRequest/{id}` (an order); `ServiceRequest?patient|subject=`.
//! - `metadata`: the CapabilityStatement (no token needed), its search parameters read from the
//!   same tables the searches use (`search::SEARCH_TYPES`).
//!
//! Every search is paged (`search`): `total` counts all matches, `next`/`previous` links carry a
//! keyset `_cursor`, `_count` (default 100) above [`MAX_COUNT`] gives [`MAX_COUNT`]. Links and
//! `fullUrl` are absolute ([`FhirBase`]: `[http] public_base_url`, else the request's `Host`).
//! Every resource has `meta.versionId` (a digest of its content) and `meta.lastUpdated`; a read
//! answers `ETag: W/"<versionId>"` and `304` to a matching `If-None-Match`.
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
mod base;
mod build;
mod capability;
pub mod microbiology;
pub mod resources;
mod search;

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;
use lis_core::lifecycle::ResultState;
use lis_core::presentation::judged_normal;
use lis_core::store::{ObservationSearch, ReleasedResult, ReportSearch};

use self::answer::{read_answer, versioned, FhirResult};
pub use self::answer::{FhirError, FhirRead, MAX_COUNT};
pub use self::base::FhirBase;
use self::build::{id_param, patient_with_meta, released_of_order, request_resource};
pub use self::build::{observation_resource, patient_resource, report_resource};
use self::search::{entries, OBSERVATIONS, PATIENTS, REPORTS, REQUESTS};
use crate::auth::RequireScope;
use crate::error::AppError;
use crate::request::blocking;
use crate::state::AppState;

/// The FHIR routes, for [`crate::app::app`] to merge.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/fhir/r4/metadata", get(capability::metadata))
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

async fn read_patient(
    _auth: RequireScope<FhirRead>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> FhirResult {
    blocking(move || {
        let p = state.store.patient(id_param("Patient", &id)?)?;
        Ok(read_answer(
            &versioned(&patient_with_meta(&state, &p)?)?,
            &headers,
        ))
    })
    .await
}

/// `GET /fhir/r4/Patient`: every patient, or the one with the HIS id, paged like every search.
async fn search_patients(
    _auth: RequireScope<FhirRead>,
    State(state): State<AppState>,
    base: FhirBase,
    RawQuery(raw): RawQuery,
) -> FhirResult {
    PATIENTS
        .run(state, base, raw, |state, s| {
            let page = state
                .store
                .page_patients(s.patient_his_id.as_deref(), s.keyset, s.count)?;
            entries(page, |p| {
                Ok((p.id, versioned(&patient_with_meta(state, &p)?)?))
            })
        })
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
    let supplements = state.store.supplements(id)?;
    let isolate = state.store.isolate(id)?;
    Ok(Some(ReleasedResult {
        result,
        released_at,
        placer_number: order.placer_number,
        accession: order.accession,
        patient,
        judged_normal: judged_normal(&checks),
        supplements,
        isolate,
    }))
}

async fn read_observation(
    _auth: RequireScope<FhirRead>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> FhirResult {
    blocking(move || {
        let r = released_result(&state, id_param("Observation", &id)?)?
            .ok_or_else(|| FhirError(AppError::NotFound(format!("Observation/{id} not found"))))?;
        let resource = versioned(&observation_resource(state.store.config(), &r))?;
        Ok(read_answer(&resource, &headers))
    })
    .await
}

async fn search_observations(
    _auth: RequireScope<FhirRead>,
    State(state): State<AppState>,
    base: FhirBase,
    RawQuery(raw): RawQuery,
) -> FhirResult {
    OBSERVATIONS
        .run(state, base, raw, |state, s| {
            let search = ObservationSearch {
                patient: s.patient_his_id.clone(),
                test_code: s.code.clone(),
                observed: s.date,
                released: s.last_updated,
            };
            let page = state
                .store
                .search_observations(&search, s.keyset, s.count)?;
            let lab = state.store.config();
            entries(page, |r| {
                Ok((r.result.id, versioned(&observation_resource(lab, &r))?))
            })
        })
        .await
}

async fn read_report(
    _auth: RequireScope<FhirRead>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
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
        Ok(read_answer(&versioned(&report)?, &headers))
    })
    .await
}

async fn search_reports(
    _auth: RequireScope<FhirRead>,
    State(state): State<AppState>,
    base: FhirBase,
    RawQuery(raw): RawQuery,
) -> FhirResult {
    REPORTS
        .run(state, base, raw, |state, s| {
            let search = ReportSearch {
                patient: s.patient_his_id.clone(),
                effective: s.date,
                released: s.last_updated,
            };
            let page = state.store.search_reports(&search, s.keyset, s.count)?;
            entries(page, |id| {
                let order = state.store.order(id)?;
                let (released, all) = released_of_order(state, &order)?;
                // The search found a released result of this order, so the report exists.
                let report = report_resource(&order, &released, all).ok_or_else(|| {
                    FhirError(AppError::NotFound(format!(
                        "DiagnosticReport/{id} not found"
                    )))
                })?;
                Ok((id, versioned(&report)?))
            })
        })
        .await
}

async fn read_request(
    _auth: RequireScope<FhirRead>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
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
        Ok(read_answer(
            &versioned(&request_resource(&state, &order)?)?,
            &headers,
        ))
    })
    .await
}

async fn search_requests(
    _auth: RequireScope<FhirRead>,
    State(state): State<AppState>,
    base: FhirBase,
    RawQuery(raw): RawQuery,
) -> FhirResult {
    REQUESTS
        .run(state, base, raw, |state, s| {
            let page = state
                .store
                .search_orders(s.patient_his_id.as_deref(), s.keyset, s.count)?;
            entries(page, |id| {
                let order = state.store.order(id)?;
                Ok((id, versioned(&request_resource(state, &order)?)?))
            })
        })
        .await
}

#[cfg(test)]
mod tests;
