//! The OpenAPI 3 document of the REST API, generated from the handlers' `#[utoipa::path]`
//! annotations and the request/response types, served at `/api/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api::{deliveries, instruments, orders, results};
use crate::error::ErrorBody;

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
        results::ResultsOut,
        results::ResultOut,
        results::TestOut,
        results::RangeOut,
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

/// `GET /api/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
