//! Orders as JSON: the REST twin of the HL7 ORM^O01/OML^O21 listener, with the same checks.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use lis_core::config::LabConfig;
use lis_core::model::{NewOrder, NewPatient, NewSpecimen, Priority, Sex};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{OrdersWrite, RequireScope, ResultsRead};
use crate::error::{AppError, ErrorBody};
use crate::request::{blocking, timestamp_param, JsonBody};
use crate::state::AppState;

/// A patient's sex as the API takes it: exactly one of these spellings (the OpenAPI document's
/// enum is this type, and the server reads the field through it, so the two cannot differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub enum SexIn {
    /// Male.
    M,
    /// Female.
    F,
    /// Unknown.
    U,
    /// Male.
    #[serde(rename = "male")]
    MaleWord,
    /// Female.
    #[serde(rename = "female")]
    FemaleWord,
    /// Unknown.
    #[serde(rename = "unknown")]
    UnknownWord,
    /// Male, in Vietnamese.
    Nam,
    /// Female, in Vietnamese.
    #[serde(rename = "Nữ")]
    Nu,
}

impl SexIn {
    fn sex(self) -> Sex {
        match self {
            Self::M | Self::MaleWord | Self::Nam => Sex::Male,
            Self::F | Self::FemaleWord | Self::Nu => Sex::Female,
            Self::U | Self::UnknownWord => Sex::Unknown,
        }
    }
}

/// An order's priority as the API takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PriorityIn {
    /// Routine.
    Routine,
    /// Urgent.
    Stat,
}

/// Reads `value` as one of the spellings of `T` (an enum of the OpenAPI document), or refuses
/// it with 422 naming `field` and the spellings `expected`.
fn spelling<T: serde::de::DeserializeOwned>(
    field: &str,
    value: &str,
    expected: &str,
) -> Result<T, AppError> {
    serde_json::from_value(serde_json::Value::String(value.to_owned()))
        .map_err(|_| AppError::invalid_field(field, format!("{value:?} is not {expected}")))
}

/// The patient of an order.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatientIn {
    /// The HIS's patient id (not blank).
    #[schema(min_length = 1, pattern = r"\S")]
    pub id: String,
    /// Full name as written in Vietnamese (family, middle, given), UTF-8 (not blank).
    #[schema(min_length = 1, pattern = r"\S")]
    pub name: String,
    /// `M`, `F` or `U` (also `male`, `female`, `unknown`, `Nam`, `Nữ`), exactly so; absent or
    /// null is unknown; anything else is refused (422).
    #[serde(default)]
    #[schema(value_type = Option<SexIn>)]
    pub sex: Option<String>,
    /// Birth date, `YYYY-MM-DD`.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub birth_date: Option<String>,
}

/// One tube and its tests.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecimenIn {
    /// The tube's barcode (not blank).
    #[schema(min_length = 1, pattern = r"\S")]
    pub barcode: String,
    /// Specimen type; the first test's catalog specimen when absent.
    #[serde(default, rename = "type")]
    pub specimen_type: Option<String>,
    /// When collected, RFC 3339.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub collected_at: Option<String>,
    /// Tests by LIS code (`GLU`) or LOINC (`14749-6`) of the lab's catalog (the served document
    /// lists them as an enum).
    #[schema(min_items = 1)]
    pub tests: Vec<String>,
}

/// A new order.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderIn {
    /// The HIS's order number, unique (not blank).
    #[schema(min_length = 1, pattern = r"\S")]
    pub placer_number: String,
    /// The patient (created or updated by HIS id).
    pub patient: PatientIn,
    /// Requesting doctor.
    #[serde(default)]
    pub requesting_doctor: String,
    /// Requesting department.
    #[serde(default)]
    pub department: String,
    /// `routine` (default) or `stat`.
    #[serde(default)]
    #[schema(value_type = Option<PriorityIn>)]
    pub priority: Option<String>,
    /// When ordered, RFC 3339; now when absent.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ordered_at: Option<String>,
    /// The tubes.
    #[schema(min_items = 1)]
    pub specimens: Vec<SpecimenIn>,
}

/// A stored order.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct OrderOut {
    /// The LIS row id.
    pub order_id: i64,
    /// The HIS's order number.
    pub placer_number: String,
    /// The LIS accession number.
    pub accession: String,
    /// `ordered`, `in_progress`, `resulted`, `released` or `cancelled`.
    pub status: String,
    /// The ordered tests.
    pub tests: Vec<OrderedTestOut>,
}

/// One ordered test.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct OrderedTestOut {
    /// LIS code.
    pub code: String,
    /// Tube barcode.
    pub specimen: String,
    /// `pending`, `sent`, `resulted`, `cancelled`...
    pub status: String,
}

/// Why an order is cancelled.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelIn {
    /// The reason, kept in the audit trail (not blank).
    #[schema(min_length = 1, pattern = r"\S")]
    pub reason: String,
}

fn required(field: &str, value: &str) -> Result<(), AppError> {
    if value.trim().is_empty() {
        Err(AppError::invalid_field(field, "must not be empty"))
    } else {
        Ok(())
    }
}

/// The LIS code of a test given by LIS code or LOINC.
fn test_code(lab: &LabConfig, given: &str) -> Option<String> {
    let g = given;
    lab.test(g)
        .or_else(|| lab.tests.iter().find(|t| t.loinc.as_deref() == Some(g)))
        .map(|t| t.code.clone())
}

/// Checks an order and turns it into core's.
pub fn to_new_order(lab: &LabConfig, o: &OrderIn) -> Result<NewOrder, AppError> {
    required("placer_number", &o.placer_number)?;
    required("patient.id", &o.patient.id)?;
    required("patient.name", &o.patient.name)?;
    // A date as the document's `format: date` says (RFC 3339 full-date), or null / absent.
    let birth_date = match &o.patient.birth_date {
        Some(b) => Some(b.parse().map_err(|_| {
            AppError::invalid_field(
                "patient.birth_date",
                format!("{b:?} is not a date YYYY-MM-DD"),
            )
        })?),
        None => None,
    };
    // Only the documented spellings (the document's enum): anything else would be stored as
    // "unknown" and change which reference ranges apply, so it is refused instead.
    let sex = match o.patient.sex.as_deref() {
        None => Sex::Unknown,
        Some(given) => spelling::<SexIn>(
            "patient.sex",
            given,
            "M, F, U, male, female, unknown, Nam or Nữ",
        )?
        .sex(),
    };
    let priority = match o.priority.as_deref() {
        None => Priority::Routine,
        Some(given) => match spelling::<PriorityIn>("priority", given, "routine or stat")? {
            PriorityIn::Routine => Priority::Routine,
            PriorityIn::Stat => Priority::Stat,
        },
    };
    let ordered_at = match &o.ordered_at {
        Some(t) => timestamp_param("ordered_at", t)?,
        None => jiff::Timestamp::now(),
    };
    if o.specimens.is_empty() {
        return Err(AppError::invalid_field(
            "specimens",
            "an order needs at least one specimen",
        ));
    }
    let mut specimens = Vec::new();
    for (i, s) in o.specimens.iter().enumerate() {
        required(&format!("specimens[{i}].barcode"), &s.barcode)?;
        if s.tests.is_empty() {
            return Err(AppError::invalid_field(
                format!("specimens[{i}].tests"),
                "a specimen needs at least one test",
            ));
        }
        let mut tests = Vec::new();
        for (j, t) in s.tests.iter().enumerate() {
            let code = test_code(lab, t).ok_or_else(|| {
                AppError::invalid_field(
                    format!("specimens[{i}].tests[{j}]"),
                    format!("unknown test {t:?}: not a LIS code or LOINC code of the catalog"),
                )
            })?;
            if !tests.contains(&code) {
                tests.push(code);
            }
        }
        let collected_at = match &s.collected_at {
            Some(t) => Some(timestamp_param(&format!("specimens[{i}].collected_at"), t)?),
            None => None,
        };
        let specimen_type = s
            .specimen_type
            .clone()
            .filter(|t| !t.trim().is_empty())
            .or_else(|| {
                tests
                    .first()
                    .and_then(|c| lab.test(c))
                    .map(|t| t.specimen.clone())
            })
            .unwrap_or_default();
        specimens.push(NewSpecimen {
            barcode: s.barcode.trim().to_owned(),
            specimen_type,
            collected_at,
            received_at: None,
            tests,
        });
    }
    Ok(NewOrder {
        placer_number: o.placer_number.trim().to_owned(),
        patient: NewPatient {
            his_id_authority: Default::default(),
            his_id_type: String::new(),
            name_parts: None,
            his_id: o.patient.id.trim().to_owned(),
            name: o.patient.name.trim().to_owned(),
            sex,
            birth_date,
        },
        requesting_doctor: o.requesting_doctor.trim().to_owned(),
        requesting_doctor_id: String::new(),
        requesting_doctor_name: None,
        department: o.department.trim().to_owned(),
        priority,
        ordered_at,
        specimens,
    })
}

fn order_out(state: &AppState, placer: &str) -> Result<OrderOut, AppError> {
    let order = state
        .store
        .order_by_placer(placer)?
        .ok_or_else(|| AppError::NotFound(format!("order {placer:?} not found")))?;
    let specimens = state.store.specimens_for_order(order.id)?;
    let tests = state
        .store
        .ordered_tests(order.id)?
        .into_iter()
        .map(|t| OrderedTestOut {
            specimen: specimens
                .iter()
                .find(|s| s.id == t.specimen_id)
                .map(|s| s.barcode.clone())
                .unwrap_or_default(),
            status: serde_json::to_value(t.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            code: t.test_code,
        })
        .collect();
    Ok(OrderOut {
        order_id: order.id,
        placer_number: order.placer_number,
        accession: order.accession,
        status: order.status.as_str().to_owned(),
        tests,
    })
}

/// Places an order.
#[utoipa::path(
    post,
    path = "/api/v1/orders",
    operation_id = "place_order",
    tag = "orders",
    request_body = OrderIn,
    responses(
        (status = 201, description = "Stored", body = OrderOut),
        (status = 400, description = "Not readable JSON; `field` names the place", body = ErrorBody),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 403, description = "The token lacks orders:write", body = ErrorBody),
        (status = 409, description = "Placer number or barcode already used", body = ErrorBody),
        (status = 422, description = "Unknown test or a bad field", body = ErrorBody),
    ),
    security(("bearer" = ["orders:write"]))
)]
pub async fn place(
    auth: RequireScope<OrdersWrite>,
    State(state): State<AppState>,
    JsonBody(input): JsonBody<OrderIn>,
) -> Result<(StatusCode, Json<OrderOut>), AppError> {
    blocking(move || {
        let order = to_new_order(state.store.config(), &input)?;
        state.store.place_order(order, &auth.principal.actor())?;
        Ok((
            StatusCode::CREATED,
            Json(order_out(&state, input.placer_number.trim())?),
        ))
    })
    .await
}

/// Cancels an order: every test, and results not yet released are rejected. An order with a
/// released result is not cancelled (409 naming the tests; correct a wrong result instead).
#[utoipa::path(
    post,
    path = "/api/v1/orders/{placer}/cancel",
    operation_id = "cancel_order",
    tag = "orders",
    params(("placer" = String, Path, description = "The HIS's placer number")),
    request_body = CancelIn,
    responses(
        (status = 200, description = "Cancelled", body = OrderOut),
        (status = 400, description = "Not readable JSON", body = ErrorBody),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 403, description = "The token lacks orders:write", body = ErrorBody),
        (status = 404, description = "No such order", body = ErrorBody),
        (status = 409, description = "Already cancelled, or a test has a released result (named)", body = ErrorBody),
        (status = 422, description = "Empty reason", body = ErrorBody),
    ),
    security(("bearer" = ["orders:write"]))
)]
pub async fn cancel(
    auth: RequireScope<OrdersWrite>,
    State(state): State<AppState>,
    Path(placer): Path<String>,
    JsonBody(input): JsonBody<CancelIn>,
) -> Result<Json<OrderOut>, AppError> {
    blocking(move || {
        required("reason", &input.reason)?;
        let order = state
            .store
            .order_by_placer(&placer)?
            .ok_or_else(|| AppError::NotFound(format!("order {placer:?} not found")))?;
        state
            .store
            .cancel_order(order.id, input.reason.trim(), &auth.principal.actor())?;
        Ok(Json(order_out(&state, &placer)?))
    })
    .await
}

/// An order's status and tests.
#[utoipa::path(
    get,
    path = "/api/v1/orders/{placer}",
    operation_id = "order_status",
    tag = "orders",
    params(("placer" = String, Path, description = "The HIS's placer number")),
    responses(
        (status = 200, description = "The order", body = OrderOut),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 403, description = "The token lacks results:read", body = ErrorBody),
        (status = 404, description = "No such order", body = ErrorBody),
    ),
    security(("bearer" = ["results:read"]))
)]
pub async fn status(
    _auth: RequireScope<ResultsRead>,
    State(state): State<AppState>,
    Path(placer): Path<String>,
) -> Result<Json<OrderOut>, AppError> {
    blocking(move || Ok(Json(order_out(&state, &placer)?))).await
}
