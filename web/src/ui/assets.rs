//! The UI's static files (stylesheet, script, icon), embedded in the binary and served at URLs
//! that carry a hash of their bytes, so a browser may keep them for a year and still sees a new
//! file the moment the binary changes.
//!
//! Only the exact hashed names are served: anything else under `/assets/`, including
//! `..` paths, is a 404. Nothing is read from disk at run time.

use std::sync::LazyLock;

use axum::extract::rejection::PathRejection;
use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};

/// Where the assets are mounted.
pub const PREFIX: &str = "/assets";

/// The caching every asset gets: its URL changes with its bytes, so it never goes stale.
pub const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// One embedded file.
#[derive(Debug)]
struct Asset {
    /// The name before the hash (`app`).
    stem: &'static str,
    /// The extension after the hash (`css`).
    extension: &'static str,
    /// The `Content-Type` it is served with.
    content_type: &'static str,
    /// The file.
    bytes: &'static [u8],
}

/// Every embedded file.
const FILES: [Asset; 3] = [
    Asset {
        stem: "app",
        extension: "css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/app.css"),
    },
    Asset {
        stem: "app",
        extension: "js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/app.js"),
    },
    Asset {
        stem: "icon",
        extension: "svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../../assets/icon.svg"),
    },
];

/// The served file name of each entry of [`FILES`], same order: `app.<12 hex>.css`.
static NAMES: LazyLock<[String; 3]> = LazyLock::new(|| FILES.each_ref().map(hashed_name));

fn hashed_name(asset: &Asset) -> String {
    let digest = Sha256::digest(asset.bytes);
    let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("{}.{hex}.{}", asset.stem, asset.extension)
}

fn url(index: usize) -> String {
    format!("{PREFIX}/{}", NAMES[index])
}

static CSS_URL: LazyLock<String> = LazyLock::new(|| url(0));
static JS_URL: LazyLock<String> = LazyLock::new(|| url(1));
static ICON_URL: LazyLock<String> = LazyLock::new(|| url(2));

/// The stylesheet's URL (`/assets/app.<hash>.css`).
pub fn css_url() -> &'static str {
    &CSS_URL
}

/// The script's URL (`/assets/app.<hash>.js`).
pub fn js_url() -> &'static str {
    &JS_URL
}

/// The icon's URL (`/assets/icon.<hash>.svg`).
pub fn icon_url() -> &'static str {
    &ICON_URL
}

/// Every asset URL with its content type (for tests and for a page-weight check).
pub fn all() -> impl Iterator<Item = (String, &'static str, &'static [u8])> {
    FILES
        .iter()
        .enumerate()
        .map(|(i, a)| (url(i), a.content_type, a.bytes))
}

/// The routes that serve the assets under [`PREFIX`]; they need no state and no session.
pub fn statics_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new().route(&format!("{PREFIX}/{{file}}"), get(asset_get))
}

async fn asset_get(file: Result<Path<String>, PathRejection>) -> Response {
    let Ok(Path(file)) = file else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(index) = NAMES.iter().position(|n| *n == file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let asset = &FILES[index];
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static(CACHE_CONTROL),
            ),
        ],
        asset.bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    async fn fetch(uri: &str) -> Response {
        statics_router::<()>()
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn every_asset_is_served_with_its_type_and_a_year_of_caching() {
        let served: Vec<_> = all().collect();
        assert_eq!(served.len(), 3);
        for (url, content_type, bytes) in served {
            let resp = fetch(&url).await;
            assert_eq!(resp.status(), StatusCode::OK, "{url}");
            assert_eq!(resp.headers()[header::CONTENT_TYPE], content_type, "{url}");
            assert_eq!(
                resp.headers()[header::CACHE_CONTROL],
                "public, max-age=31536000, immutable"
            );
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(&body[..], bytes, "{url}");
        }
        assert!(css_url().starts_with("/assets/app.") && css_url().ends_with(".css"));
        assert!(js_url().starts_with("/assets/app.") && js_url().ends_with(".js"));
        assert_eq!(
            fetch(icon_url()).await.headers()[header::CONTENT_TYPE],
            "image/svg+xml"
        );
    }

    #[test]
    fn the_url_carries_the_hash_of_the_bytes() {
        // FIPS 180-2 appendix B.1: SHA-256("abc") = ba7816bf 8f01cfea ...; the name keeps 6 bytes.
        let probe = Asset {
            stem: "x",
            extension: "css",
            content_type: "text/css",
            bytes: b"abc",
        };
        assert_eq!(hashed_name(&probe), "x.ba7816bf8f01.css");
        let other = Asset {
            bytes: b"abd",
            ..probe
        };
        assert_ne!(hashed_name(&other), "x.ba7816bf8f01.css");
    }

    #[tokio::test]
    async fn unknown_names_and_traversal_are_refused() {
        let css_file = css_url().trim_start_matches("/assets/").to_owned();
        for uri in [
            "/assets/app.css".to_owned(),
            "/assets/app.000000000000.css".to_owned(),
            "/assets/".to_owned(),
            "/assets/../Cargo.toml".to_owned(),
            "/assets/..%2FCargo.toml".to_owned(),
            "/assets/%2e%2e%2f%2e%2e%2fCargo.toml".to_owned(),
            "/assets/../../../../etc/passwd".to_owned(),
            "/assets/%ff%fe".to_owned(),
            format!("/assets/{css_file}/"),
            format!("/assets/x/../{css_file}"),
            "/assets/src/ui/assets.rs".to_owned(),
        ] {
            let resp = fetch(&uri).await;
            assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{uri}");
        }
    }

    #[test]
    fn the_assets_are_small() {
        // The first page, with every asset, must stay under 100 KB; the assets get at most 40.
        let total: usize = all().map(|(_, _, b)| b.len()).sum();
        assert!(total < 40 * 1024, "assets weigh {total} bytes");
        let js = all().find(|(u, _, _)| u.ends_with(".js")).unwrap().2;
        // 10 KiB: the live worklist, the keyboard and printing (the report and the label).
        assert!(js.len() < 10 * 1024, "app.js weighs {} bytes", js.len());
    }
}
