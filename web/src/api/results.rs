//! Released results as JSON, for HISs that poll.

// utoipa's expansion of `params(ResultsQuery)` in `#[utoipa::path]` writes a qualified path that
// this module's imports make redundant; the lint fires on generated code only.
#![allow(unused_qualifications)]

use axum::extract::State;
use axum::Json;
use lis_core::presentation::{abnormal_flags, interpretation_label, reference_range, ucum_code};
use lis_core::store::{ReleasedFilter, ReleasedResult};
use lis_core::LabConfig;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{RequireScope, ResultsRead};
use crate::error::{AppError, ErrorBody};
use crate::request::{blocking, timestamp_param, QueryParams};
use crate::state::AppState;

/// Most rows one call returns.
pub const MAX_LIMIT: usize = 1000;

/// Filters of `GET /api/v1/results` (all optional, combined with AND).
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// Placer number or accession of the order.
    pub order: Option<String>,
    /// Specimen barcode.
    pub specimen: Option<String>,
    /// The patient's HIS id.
    pub patient: Option<String>,
    /// `final` (first releases) or `corrected` (corrections); both when absent.
    #[param(value_type = Option<ResultStatus>)]
    pub status: Option<String>,
    /// Released at or after this RFC 3339 time (inclusive). To poll without ever reading a
    /// page twice, follow `next`, or pass the last row's `released_at` and `id` as `since` and
    /// `after_id`.
    #[param(value_type = Option<String>, format = DateTime)]
    pub since: Option<String>,
    /// Only results after the result with this id in release order: released after `since`, or
    /// at `since` with a larger id; without `since`, from that result's own release time (404
    /// when it is not a released result).
    #[param(value_type = Option<i64>)]
    pub after_id: Option<String>,
    /// LIS test code.
    pub test: Option<String>,
    /// At most this many rows (default 100, at most 1000).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
}

/// The `status` filter's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ResultStatus {
    /// First releases.
    Final,
    /// Corrections.
    Corrected,
}

/// The test of a result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TestOut {
    /// LIS code.
    pub code: String,
    /// LOINC, when the catalog has one.
    pub loinc: Option<String>,
    /// Vietnamese name.
    pub name: String,
}

/// A reference range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RangeOut {
    /// Lower limit.
    pub low: Option<f64>,
    /// Upper limit.
    pub high: Option<f64>,
    /// As HL7 OBX-7 writes it (`3.9-6.4`).
    pub text: String,
}

/// One released result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResultOut {
    /// Result version id (stable; use it to de-duplicate).
    pub id: i64,
    /// The order's placer number.
    pub order: String,
    /// The order's accession number.
    pub accession: String,
    /// Tube barcode.
    pub specimen: String,
    /// The patient's HIS id.
    pub patient: String,
    /// The test.
    pub test: TestOut,
    /// The value as reported.
    pub value: String,
    /// The number, when there is one.
    pub numeric: Option<f64>,
    /// Unit as written in the catalog.
    pub unit: String,
    /// UCUM code of the unit.
    pub ucum: String,
    /// Reference range for this patient.
    pub reference_range: Option<RangeOut>,
    /// HL7 table 0078 flags: `N` only when the result was judged normal (its reference-range
    /// check passed), empty when no range applied.
    pub flags: Vec<String>,
    /// `final`, or `corrected` for a correction.
    pub status: String,
    /// Version of this test's result (a rerun or a correction adds one).
    pub version: i64,
    /// The result id this one corrects.
    pub corrects: Option<i64>,
    /// When measured, RFC 3339.
    pub observed_at: Option<String>,
    /// When released, RFC 3339.
    pub released_at: String,
    /// The analyzer's supplementary values (RLU, cut-off index, Ct, reaction grades), as sent,
    /// in the order sent; empty for most results.
    pub supplementary: Vec<SupplementOut>,
    /// For a microbiology isolate result (its value the organism): the isolate and its
    /// susceptibility panel; absent for other results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isolate: Option<IsolateOut>,
}

/// A microbiology isolate, as the analyzer reported it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IsolateOut {
    /// The isolate's label within its specimen (`A`).
    pub label: String,
    /// The organism's code as sent (`E.COL`).
    pub organism_code: String,
    /// The organism's name as sent (`Escherichia coli`).
    pub organism_name: String,
    /// The susceptibility panel, one row per antibiotic, in the order sent.
    pub susceptibilities: Vec<SusceptibilityOut>,
}

/// One antibiotic of an isolate's panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SusceptibilityOut {
    /// The antibiotic's code as sent (`AMIKAC`).
    pub antibiotic_code: String,
    /// The antibiotic's name as sent (`Amikacin`).
    pub antibiotic_name: String,
    /// The MIC as sent, comparator included (`<=8.0000`), in µg/mL; empty when none was sent.
    pub mic: String,
    /// `S`, `I` or `R` (HL7 table 0078), or null when the analyzer gave no interpretation.
    pub interpretation: Option<String>,
    /// The interpretation as the analyzer sent it (`SUSC`, `NOINTP`).
    pub interpretation_sent: String,
}

/// A supplementary value sent with a result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SupplementOut {
    /// What it is, as the analyzer names it (`RLU`, `COFF`, `rpoB1 Ct`).
    pub name: String,
    /// The value as sent.
    pub value: String,
    /// Units as sent (not UCUM; may be empty).
    pub units: String,
    /// Flags as sent.
    pub flags: Vec<String>,
}

/// The answer of `GET /api/v1/results`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResultsOut {
    /// The results, in release order.
    pub results: Vec<ResultOut>,
    /// When the page is full: the path and query of the next page (the same filter, from the
    /// last row: `since` its release time, `after_id` its id). Absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Turns a stored released result into its JSON form.
pub fn result_out(lab: &LabConfig, r: &ReleasedResult) -> ResultOut {
    let test = lab.test(&r.result.test_code);
    let observed = r.result.observed_at.unwrap_or(r.result.received_at);
    ResultOut {
        id: r.result.id,
        order: r.placer_number.clone(),
        accession: r.accession.clone(),
        specimen: r.result.specimen_id.clone(),
        patient: r.patient.his_id.clone(),
        test: TestOut {
            code: r.result.test_code.clone(),
            loinc: test.and_then(|t| t.loinc.clone()),
            name: test.map(|t| t.name_vi.clone()).unwrap_or_default(),
        },
        value: r.result.value.clone(),
        numeric: r.result.numeric,
        unit: r.result.unit.clone(),
        ucum: ucum_code(&r.result.unit),
        reference_range: test
            .and_then(|t| reference_range(t, &r.patient, observed, lab.time_zone()))
            .map(|r| RangeOut {
                low: r.low,
                high: r.high,
                text: r.text,
            }),
        flags: abnormal_flags(&r.result.flags, r.judged_normal)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        status: if r.result.corrects.is_some() {
            "corrected"
        } else {
            "final"
        }
        .to_owned(),
        version: r.result.version,
        corrects: r.result.corrects,
        observed_at: r.result.observed_at.map(|t| t.to_string()),
        released_at: r.released_at.to_string(),
        supplementary: r
            .supplements
            .iter()
            .map(|s| SupplementOut {
                name: s.name.clone(),
                value: s.value.clone(),
                units: s.units.clone(),
                flags: s.flags.clone(),
            })
            .collect(),
        isolate: r.isolate.as_ref().map(|i| IsolateOut {
            label: i.label.clone(),
            organism_code: i.organism_code.clone(),
            organism_name: i.organism_name.clone(),
            susceptibilities: i
                .susceptibilities
                .iter()
                .map(|s| SusceptibilityOut {
                    antibiotic_code: s.antibiotic_code.clone(),
                    antibiotic_name: s.antibiotic_name.clone(),
                    mic: s.mic.clone(),
                    interpretation: s
                        .interpretation
                        .map(|i| interpretation_label(i).hl7_code.to_owned()),
                    interpretation_sent: s.interpretation_sent.clone(),
                })
                .collect(),
        }),
    }
}

/// Reads `limit`, defaulting to 100 and capped at [`MAX_LIMIT`].
pub(crate) fn limit_param(field: &str, value: Option<&str>) -> Result<usize, AppError> {
    match value {
        None => Ok(100),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(AppError::bad_field(
                field,
                format!("{v:?} is not a number from 1 to {MAX_LIMIT}"),
            )),
        },
    }
}

/// Released results, filtered.
#[utoipa::path(
    get,
    path = "/api/v1/results",
    operation_id = "list_results",
    tag = "results",
    params(ResultsQuery),
    responses(
        (status = 200, description = "Released results only, in release order", body = ResultsOut),
        (status = 400, description = "A bad parameter; `field` names it", body = ErrorBody),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 403, description = "The token lacks results:read", body = ErrorBody),
        (status = 404, description = "`after_id` without `since` names no released result", body = ErrorBody),
    ),
    security(("bearer" = ["results:read"]))
)]
pub async fn list(
    _auth: RequireScope<ResultsRead>,
    State(state): State<AppState>,
    QueryParams(q): QueryParams<ResultsQuery>,
) -> Result<Json<ResultsOut>, AppError> {
    blocking(move || {
        let corrected = match q.status.as_deref() {
            None => None,
            Some("final") => Some(false),
            Some("corrected") => Some(true),
            Some(other) => {
                return Err(AppError::bad_field(
                    "status",
                    format!(
                        "{other:?} is not final or corrected (only released results are served)"
                    ),
                ))
            }
        };
        let since = match &q.since {
            Some(s) => Some(timestamp_param("since", s)?),
            None => None,
        };
        let after_id = match q.after_id.as_deref() {
            None => None,
            Some(id) => Some(id.parse::<i64>().map_err(|_| {
                AppError::bad_field("after_id", format!("{id:?} is not a result id"))
            })?),
        };
        // `after_id` alone means after that result in release order: from its release time.
        let since = match (since, after_id) {
            (None, Some(id)) => Some(
                match state.store.released_at(id) {
                    Ok(at) => at,
                    Err(lis_core::StoreError::NotFound { .. }) => None,
                    Err(e) => return Err(e.into()),
                }
                .ok_or_else(|| {
                    AppError::NotFound(format!("after_id: result {id} is not a released result"))
                })?,
            ),
            (since, _) => since,
        };
        let filter = ReleasedFilter {
            order: q.order.clone().filter(|s| !s.is_empty()),
            specimen: q.specimen.clone().filter(|s| !s.is_empty()),
            patient: q.patient.clone().filter(|s| !s.is_empty()),
            test_code: q.test.clone().filter(|s| !s.is_empty()),
            corrected,
            since,
            after_id,
            limit: limit_param("limit", q.limit.as_deref())?,
        };
        let lab = state.store.config();
        let released = state.store.released_results(&filter)?;
        let next = match released.last() {
            Some(last) if released.len() == filter.limit => {
                let mut pairs: Vec<(&str, String)> = Vec::new();
                for (key, value) in [
                    ("order", &q.order),
                    ("specimen", &q.specimen),
                    ("patient", &q.patient),
                    ("status", &q.status),
                    ("test", &q.test),
                ] {
                    if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
                        pairs.push((key, v.clone()));
                    }
                }
                pairs.push(("since", last.released_at.to_string()));
                pairs.push(("after_id", last.result.id.to_string()));
                pairs.push(("limit", filter.limit.to_string()));
                let query =
                    serde_urlencoded::to_string(&pairs).map_err(|e| AppError::internal(&e))?;
                Some(format!("/api/v1/results?{query}"))
            }
            _ => None,
        };
        let results = released.iter().map(|r| result_out(lab, r)).collect();
        Ok(Json(ResultsOut { results, next }))
    })
    .await
}
