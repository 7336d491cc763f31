//! The security headers of every response, as one middleware ([`security_headers`]) that
//! [`crate::app::app`] puts around every route, the 404 fallback included, so no handler has to
//! remember them.
//!
//! The Content-Security-Policy is the UI's ([`crate::ui::CONTENT_SECURITY_POLICY`], one constant
//! for the pages and the middleware): nothing by default and then only the LIS's own scripts,
//! styles, images, fetches and form targets: no inline script, no framing, no `<base>`. A
//! handler's own header of the same name is replaced.

use axum::extract::Request;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// Adds `Content-Security-Policy`, `X-Frame-Options: DENY`, `X-Content-Type-Options: nosniff`
/// and `Referrer-Policy: same-origin` to the response.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(crate::ui::CONTENT_SECURITY_POLICY),
    );
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::body::Body;
    use axum::http::{Method, Request, StatusCode};
    use lis_core::{LabConfig, Store};
    use lis_drivers::link::LinkRegistry;
    use tower::ServiceExt;

    use crate::app::app;
    use crate::state::AppState;

    /// Every kind of answer carries the four headers with exactly these values: a page of JSON,
    /// a 401, a FHIR OperationOutcome, a metrics text, the sign-in page, the redirect to it, a
    /// 404 of no route and a 405.
    #[tokio::test]
    async fn every_response_carries_the_security_headers() {
        let store =
            Arc::new(Store::open_in_memory(LabConfig::embedded_default().unwrap()).unwrap());
        let app = app(AppState::new(store, LinkRegistry::new()));
        for (method, uri, status) in [
            (Method::GET, "/healthz", StatusCode::OK),
            (Method::GET, "/api/v1/results", StatusCode::UNAUTHORIZED),
            (Method::GET, "/fhir/r4/Patient/1", StatusCode::UNAUTHORIZED),
            (Method::GET, "/metrics", StatusCode::OK),
            (Method::GET, "/login", StatusCode::OK),
            (Method::GET, "/password", StatusCode::SEE_OTHER),
            (Method::GET, "/no/such/page", StatusCode::NOT_FOUND),
            (Method::DELETE, "/healthz", StatusCode::METHOD_NOT_ALLOWED),
        ] {
            let response = app
                .clone()
                .oneshot(
                    Request::builder()
                        .method(&method)
                        .uri(uri)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            assert_eq!(response.status(), status, "{method} {uri}");
            let h = response.headers();
            let header = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
            assert_eq!(
                header("content-security-policy").as_deref(),
                Some(
                    "default-src 'none'; script-src 'self'; style-src 'self'; \
                     img-src 'self'; connect-src 'self'; form-action 'self'; \
                     frame-ancestors 'none'; base-uri 'none'"
                ),
                "{method} {uri}"
            );
            assert_eq!(header("x-frame-options").as_deref(), Some("DENY"), "{uri}");
            assert_eq!(
                header("x-content-type-options").as_deref(),
                Some("nosniff"),
                "{uri}"
            );
            assert_eq!(
                header("referrer-policy").as_deref(),
                Some("same-origin"),
                "{uri}"
            );
        }
    }
}
