//! The OpenAPI 3 document of the REST API, generated from the handlers' `#[utoipa::path]`
//! annotations and the request/response types, served at `/api/openapi.json`.

use axum::extract::State;
use axum::Json;
use lis_core::LabConfig;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api::{deliveries, instruments, orders, results};
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "LIS HIS API",
        description = "Orders in and released results out for the hospital information system. \
            Every route needs `Authorization: Bearer <token>` (created with `lis token create`) \
            with the scope named in its security requirement.",
    ),
    paths(
        orders::place,
        orders::cancel,
        orders::status,
        results::list,
        deliveries::list,
        instruments::download
    ),
    components(schemas(
        ErrorBody,
        orders::OrderIn,
        orders::PatientIn,
        orders::SpecimenIn,
        orders::OrderOut,
        orders::OrderedTestOut,
        orders::CancelIn,
        orders::SexIn,
        orders::PriorityIn,
        results::ResultStatus,
        deliveries::DeliveryStateFilter,
        results::ResultsOut,
        results::ResultOut,
        results::TestOut,
        results::RangeOut,
        results::SupplementOut,
        results::IsolateOut,
        results::SusceptibilityOut,
        deliveries::DeliveriesOut,
        deliveries::DeliveryOut,
        instruments::DownloadOut,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "orders", description = "Placing and cancelling orders (scope orders:write)"),
        (name = "results", description = "Released results (scope results:read)"),
        (name = "instruments", description = "Work-list downloads to analyzers (scope orders:write)"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// `GET /api/openapi.json`: [`ApiDoc`] with the lab's catalog as the enum of the test codes an
/// order takes (LIS codes and LOINC codes), so the document says exactly what this server
/// accepts.
pub async fn document(State(state): State<AppState>) -> Result<Json<serde_json::Value>, AppError> {
    lab_document(&state.config).map(Json)
}

/// The document for a lab: [`ApiDoc`] with `SpecimenIn.tests` items limited to its catalog.
pub fn lab_document(lab: &LabConfig) -> Result<serde_json::Value, AppError> {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).map_err(|e| AppError::internal(&e))?;
    let mut codes: Vec<&str> = Vec::new();
    for t in &lab.tests {
        for code in std::iter::once(t.code.as_str()).chain(t.loinc.as_deref()) {
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
    }
    let items = &mut doc["components"]["schemas"]["SpecimenIn"]["properties"]["tests"]["items"];
    if !items.is_object() {
        return Err(AppError::internal(
            &"SpecimenIn.tests.items is not in the document",
        ));
    }
    items["enum"] = serde_json::json!(codes);
    Ok(doc)
}

#[cfg(test)]
mod tests;
