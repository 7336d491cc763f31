//! Reading requests, shared by every JSON route: the body ([`JsonBody`], limited to
//! [`MAX_BODY_BYTES`], a bad field named by its path), the query string ([`QueryParams`], a bad
//! parameter named), RFC 3339 time parameters ([`timestamp_param`]) and running store calls off
//! the async workers ([`blocking`]). Every failure is an [`AppError`].

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// Largest request body the API reads (an order is a few kilobytes).
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// A JSON body read into `T`. Empty or unreadable JSON is a 400 naming the field at fault
/// (`specimens[0].tests`); a body over [`MAX_BODY_BYTES`] is a 413. It reads the body, so it is
/// the last argument of a handler, after the auth extractor.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::TooLarge {
                    limit: MAX_BODY_BYTES,
                }
            } else {
                AppError::BadRequest {
                    field: None,
                    message: format!("the request body could not be read: {e}"),
                }
            }
        })?;
        json_body(&bytes).map(Self)
    }
}

/// Reads a JSON body, naming the field at fault when it cannot.
pub fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::BadRequest {
            field: None,
            message: String::from("the request body is empty; a JSON object is expected"),
        });
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        AppError::BadRequest {
            field: (path != ".").then_some(path),
            message: format!("invalid JSON: {inner}"),
        }
    })?;
    de.end().map_err(|e| AppError::BadRequest {
        field: None,
        message: format!("invalid JSON: {e}"),
    })?;
    Ok(value)
}

/// The query string read into `T` (a struct of `Option<String>` fields, usually with
/// `deny_unknown_fields`). A parameter given twice or that `T` refuses is a 400 naming it.
#[derive(Debug, Clone)]
pub struct QueryParams<T>(pub T);

impl<T, S> FromRequestParts<S> for QueryParams<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        query(parts.uri.query()).map(Self)
    }
}

/// The decoded `name=value` pairs of a query string, in order (`+` and `%XX` decoded as in an
/// HTML form; a malformed escape is kept as written).
pub fn query_pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, AppError> {
    serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|e| AppError::BadRequest {
        field: None,
        message: format!("invalid query: {e}"),
    })
}

/// Reads the query string into `T`, naming the parameter at fault when it cannot.
pub fn query<T: DeserializeOwned>(raw: Option<&str>) -> Result<T, AppError> {
    let mut map = serde_json::Map::new();
    for (name, value) in query_pairs(raw)? {
        if map.contains_key(&name) {
            return Err(AppError::bad_field(
                name,
                "given more than once; give each parameter once",
            ));
        }
        map.insert(name, serde_json::Value::String(value));
    }
    serde_path_to_error::deserialize(serde_json::Value::Object(map)).map_err(|e| {
        let path = e.path().to_string();
        AppError::BadRequest {
            field: (path != ".").then_some(path),
            message: format!("invalid query: {}", e.into_inner()),
        }
    })
}

/// Parses an RFC 3339 time given as a parameter.
pub fn timestamp_param(field: &str, value: &str) -> Result<jiff::Timestamp, AppError> {
    value.parse().map_err(|e| {
        AppError::bad_field(
            field,
            format!("{value:?} is not an RFC 3339 time such as 2025-03-01T08:00:00Z: {e}"),
        )
    })
}

tokio::task_local! {
    /// The address of the client whose request is being served ([`with_client_address`]).
    static CLIENT_ADDRESS: Option<String>;
}

/// Middleware of the UI's pages: the client's address (from the connection's
/// [`ConnectInfo`](axum::extract::ConnectInfo), set by the listener) is carried with the request,
/// so [`blocking`] records it in every audit entry the handler's store calls write
/// ([`lis_core::store::ClientAddress`]).
pub async fn with_client_address(
    request: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let address = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip().to_string());
    CLIENT_ADDRESS.scope(address, next.run(request)).await
}

/// Runs a handler's body on the blocking pool: store calls wait for SQLite (a durable commit
/// syncs the disk) and must not hold up the async workers that serve the links and the HIS.
/// Inside a UI request ([`with_client_address`]) the audit entries it writes record the
/// client's address.
pub async fn blocking<T, E>(f: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, E>
where
    T: Send + 'static,
    E: From<AppError> + Send + 'static,
{
    let address = CLIENT_ADDRESS.try_with(Clone::clone).ok().flatten();
    let f = move || lis_core::store::ClientAddress::scope(address, f);
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result,
        Err(e) => Err(E::from(AppError::internal(&e))),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Filter {
        status: Option<String>,
        since: Option<String>,
    }

    #[test]
    fn query_decodes_form_escapes_and_names_the_bad_parameter() {
        let f: Filter = query(Some("status=final+x&since=2025-03-01T08%3A00%3A00Z")).unwrap();
        assert_eq!(
            f,
            Filter {
                status: Some(String::from("final x")),
                since: Some(String::from("2025-03-01T08:00:00Z")),
            }
        );
        // A malformed escape is kept as written.
        let f: Filter = query(Some("status=100%")).unwrap();
        assert_eq!(f.status.as_deref(), Some("100%"));
        let f: Filter = query(None).unwrap();
        assert_eq!(
            f,
            Filter {
                status: None,
                since: None
            }
        );

        let e = query::<Filter>(Some("status=final&status=corrected")).unwrap_err();
        assert_eq!(e.body().field.as_deref(), Some("status"));
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        let e = query::<Filter>(Some("colour=red")).unwrap_err();
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        assert!(e.to_string().contains("unknown field `colour`"), "{e}");
    }

    #[test]
    fn json_body_names_the_field_and_refuses_trailing_text() {
        #[derive(Debug, Deserialize)]
        struct Order {
            tests: Vec<String>,
        }
        let o = json_body::<Order>(br#"{"tests": ["GLU"]} "#).unwrap();
        assert_eq!(o.tests, ["GLU"]);
        let e = json_body::<Order>(br#"{"tests": "GLU"}"#).unwrap_err();
        assert_eq!(e.body().field.as_deref(), Some("tests"));
        let e = json_body::<Order>(b"  \n").unwrap_err();
        assert!(e.to_string().contains("empty"), "{e}");
        let e = json_body::<Order>(br#"{"tests": []} x"#).unwrap_err();
        assert!(e.to_string().starts_with("invalid JSON"), "{e}");
    }

    #[test]
    fn timestamp_param_names_the_parameter() {
        assert_eq!(
            timestamp_param("since", "2025-03-01T08:00:00Z").unwrap(),
            "2025-03-01T08:00:00Z".parse::<jiff::Timestamp>().unwrap()
        );
        // The OpenAPI document says `format: date-time` (RFC 3339 date-time, no spaces around
        // it): what it does not allow is refused, so a client generated from it is told.
        let e = timestamp_param("since", " 2025-03-01T08:00:00Z ").unwrap_err();
        assert_eq!(e.body().field.as_deref(), Some("since"));
        let e = timestamp_param("since", "yesterday").unwrap_err();
        assert_eq!(e.body().field.as_deref(), Some("since"));
    }
}
