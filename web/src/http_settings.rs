//! [`HttpSettings`]: how `lis serve` answers HTTP, read from the lab config's optional `[http]`
//! table ([`HttpSettings::from_table`]); without one, plain HTTP with the defaults below.
//!
//! ```toml
//! [http]
//! tls_cert = "/etc/lis/lis.crt"      # PEM certificate chain; with tls_key, serve HTTPS only
//! tls_key = "/etc/lis/lis.key"       # PEM private key (PKCS#8, PKCS#1 or SEC1)
//! request_timeout_secs = 30          # 1..=3600; a slower request is answered 503
//! max_concurrent_requests = 256      # 1..=65536; more wait for a free place
//! public_base_url = "https://lis.hospital.vn"  # what clients use; FHIR links start with it
//! ```

use std::path::PathBuf;
use std::time::Duration;

/// Default for `request_timeout_secs`: longer than any store call the API makes.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Default for `max_concurrent_requests`: far above what a lab's HIS and workstations send,
/// low enough that a flood queues instead of exhausting the blocking pool and SQLite.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 256;

/// How long a client may take to send a request's headers (slowloris protection); fixed.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Largest `request_timeout_secs`.
const MAX_REQUEST_TIMEOUT_SECS: u64 = 3600;

/// Largest `max_concurrent_requests`.
const MAX_CONCURRENT_REQUESTS: usize = 65_536;

/// The certificate and key files of HTTPS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// PEM certificate chain, the server's certificate first.
    pub cert: PathBuf,
    /// PEM private key of that certificate.
    pub key: PathBuf,
}

/// The HTTP listener's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpSettings {
    /// HTTPS when set; plain HTTP otherwise.
    pub tls: Option<TlsFiles>,
    /// Longest time a request (other than a streaming one) may take before it is answered 503.
    pub request_timeout: Duration,
    /// Most requests served at once; further ones wait.
    pub max_concurrent_requests: usize,
    /// Longest time a client may take to send the headers of a request.
    pub header_read_timeout: Duration,
    /// The absolute `http(s)://host[:port][/path]` clients reach the LIS at, without a trailing
    /// slash; FHIR's absolute links start with it. `None`: built from each request's `Host`.
    pub public_base_url: Option<String>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            tls: None,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
            header_read_timeout: HEADER_READ_TIMEOUT,
            public_base_url: None,
        }
    }
}

/// A problem in the `[http]` table, naming the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[http] {key}: {message}")]
pub struct HttpSettingsError {
    /// The key at fault (`tls_key`, `request_timeout_secs`...).
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl HttpSettingsError {
    fn new(key: &str, message: impl Into<String>) -> Self {
        Self {
            key: key.to_owned(),
            message: message.into(),
        }
    }
}

impl HttpSettings {
    /// Reads the lab config's `[http]` table; `None` (no table) gives the defaults. An unknown
    /// key, a value of the wrong type or range, or only one of `tls_cert` and `tls_key` is an
    /// error naming the key.
    pub fn from_table(table: Option<&toml::Table>) -> Result<Self, HttpSettingsError> {
        let mut settings = Self::default();
        let Some(table) = table else {
            return Ok(settings);
        };
        let (mut cert, mut key) = (None, None);
        for (name, value) in table {
            match name.as_str() {
                "tls_cert" => cert = Some(path(name, value)?),
                "tls_key" => key = Some(path(name, value)?),
                "request_timeout_secs" => {
                    let secs = whole(name, value, MAX_REQUEST_TIMEOUT_SECS)?;
                    settings.request_timeout = Duration::from_secs(secs);
                }
                "max_concurrent_requests" => {
                    let most = whole(name, value, MAX_CONCURRENT_REQUESTS as u64)?;
                    // `whole` keeps it within MAX_CONCURRENT_REQUESTS, which fits in usize.
                    settings.max_concurrent_requests =
                        usize::try_from(most).unwrap_or(MAX_CONCURRENT_REQUESTS);
                }
                "public_base_url" => settings.public_base_url = Some(base_url(name, value)?),
                other => {
                    return Err(HttpSettingsError::new(
                        other,
                        "unknown key; known: tls_cert, tls_key, request_timeout_secs, \
                         max_concurrent_requests, public_base_url",
                    ))
                }
            }
        }
        settings.tls = match (cert, key) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            (Some(_), None) => {
                return Err(HttpSettingsError::new(
                    "tls_key",
                    "missing: tls_cert is set, and HTTPS needs the certificate's key too",
                ))
            }
            (None, Some(_)) => {
                return Err(HttpSettingsError::new(
                    "tls_cert",
                    "missing: tls_key is set, and HTTPS needs the certificate too",
                ))
            }
        };
        Ok(settings)
    }
}

/// A non-empty file path.
fn path(key: &str, value: &toml::Value) -> Result<PathBuf, HttpSettingsError> {
    match value.as_str().map(str::trim) {
        Some(p) if !p.is_empty() => Ok(PathBuf::from(p)),
        Some(_) => Err(HttpSettingsError::new(key, "must not be empty")),
        None => Err(HttpSettingsError::new(
            key,
            format!("expected a file path in quotes, got {value}"),
        )),
    }
}

/// An absolute http or https URL without query or fragment, its trailing slash removed.
fn base_url(key: &str, value: &toml::Value) -> Result<String, HttpSettingsError> {
    let text = value.as_str().map(str::trim).unwrap_or_default();
    let uri: Option<axum::http::Uri> = text.parse().ok();
    match uri {
        Some(u)
            if matches!(u.scheme_str(), Some("http" | "https"))
                && u.authority().is_some()
                && u.query().is_none()
                && !text.contains('#') =>
        {
            Ok(text.trim_end_matches('/').to_owned())
        }
        _ => Err(HttpSettingsError::new(
            key,
            format!("expected an absolute http:// or https:// URL without query, got {value}"),
        )),
    }
}

/// A whole number from 1 to `max`.
fn whole(key: &str, value: &toml::Value, max: u64) -> Result<u64, HttpSettingsError> {
    value
        .as_integer()
        .and_then(|n| u64::try_from(n).ok())
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| {
            HttpSettingsError::new(
                key,
                format!("expected a whole number from 1 to {max}, got {value}"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<HttpSettings, HttpSettingsError> {
        let table: toml::Table = text.parse().unwrap();
        HttpSettings::from_table(Some(&table))
    }

    #[test]
    fn no_table_or_an_empty_one_is_plain_http_with_the_defaults() {
        let defaults = HttpSettings {
            tls: None,
            request_timeout: Duration::from_secs(30),
            max_concurrent_requests: 256,
            header_read_timeout: Duration::from_secs(10),
            public_base_url: None,
        };
        assert_eq!(HttpSettings::from_table(None).unwrap(), defaults);
        assert_eq!(read("").unwrap(), defaults);
    }

    #[test]
    fn every_key_is_read() {
        let s = read(
            "tls_cert = \"/etc/lis/lis.crt\"\ntls_key = \"/etc/lis/lis.key\"\n\
             request_timeout_secs = 5\nmax_concurrent_requests = 16\n",
        )
        .unwrap();
        assert_eq!(
            s.tls,
            Some(TlsFiles {
                cert: PathBuf::from("/etc/lis/lis.crt"),
                key: PathBuf::from("/etc/lis/lis.key"),
            })
        );
        assert_eq!(s.request_timeout, Duration::from_secs(5));
        assert_eq!(s.max_concurrent_requests, 16);
        let s = read("public_base_url = \"https://lis.hospital.vn/lab/\"").unwrap();
        assert_eq!(
            s.public_base_url.as_deref(),
            Some("https://lis.hospital.vn/lab")
        );
    }

    #[test]
    fn bad_values_name_the_key() {
        for (text, key, message) in [
            (
                "tls_cert = \"a.crt\"",
                "tls_key",
                "missing: tls_cert is set, and HTTPS needs the certificate's key too",
            ),
            (
                "tls_key = \"a.key\"",
                "tls_cert",
                "missing: tls_key is set, and HTTPS needs the certificate too",
            ),
            (
                "tls_cert = 3\ntls_key = \"k\"",
                "tls_cert",
                "expected a file path in quotes, got 3",
            ),
            (
                "tls_cert = \" \"\ntls_key = \"k\"",
                "tls_cert",
                "must not be empty",
            ),
            (
                "request_timeout_secs = 0",
                "request_timeout_secs",
                "expected a whole number from 1 to 3600, got 0",
            ),
            (
                "request_timeout_secs = \"30\"",
                "request_timeout_secs",
                "expected a whole number from 1 to 3600, got \"30\"",
            ),
            (
                "max_concurrent_requests = 70000",
                "max_concurrent_requests",
                "expected a whole number from 1 to 65536, got 70000",
            ),
            (
                "port = 443",
                "port",
                "unknown key; known: tls_cert, tls_key, request_timeout_secs, \
                 max_concurrent_requests, public_base_url",
            ),
            (
                "public_base_url = \"lis.hospital.vn\"",
                "public_base_url",
                "expected an absolute http:// or https:// URL without query, got \
                 \"lis.hospital.vn\"",
            ),
            (
                "public_base_url = \"ftp://lis.hospital.vn\"",
                "public_base_url",
                "expected an absolute http:// or https:// URL without query, got \
                 \"ftp://lis.hospital.vn\"",
            ),
        ] {
            let e = read(text).unwrap_err();
            assert_eq!(
                (e.key.as_str(), e.message.as_str()),
                (key, message),
                "{text}"
            );
            assert_eq!(e.to_string(), format!("[http] {key}: {message}"));
        }
    }
}
