//! The listener over real loopback sockets: `/healthz` over TLS with a self-signed certificate
//! made here (rcgen) and a rustls client that trusts only it, plain HTTP, the header-read
//! timeout, and startup errors that name the certificate or key file.

use std::sync::Arc;
use std::time::Duration;

use lis_core::{LabConfig, Store};
use lis_drivers::link::LinkRegistry;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;
use tokio_util::sync::CancellationToken;

use super::tls::{crypto_provider, server_config};
use super::Listener;
use crate::app::app;
use crate::http_settings::{HttpSettings, TlsFiles};
use crate::state::AppState;

/// A self-signed certificate for `localhost`, written as PEM files into a temporary directory.
struct SelfSigned {
    dir: tempfile::TempDir,
    cert_pem: String,
}

impl SelfSigned {
    fn new() -> Self {
        let certified =
            rcgen::generate_simple_self_signed(vec![String::from("localhost")]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cert_pem = certified.cert.pem();
        std::fs::write(dir.path().join("lis.crt"), &cert_pem).unwrap();
        std::fs::write(
            dir.path().join("lis.key"),
            certified.signing_key.serialize_pem(),
        )
        .unwrap();
        Self { dir, cert_pem }
    }

    fn files(&self) -> TlsFiles {
        TlsFiles {
            cert: self.dir.path().join("lis.crt"),
            key: self.dir.path().join("lis.key"),
        }
    }
}

fn state() -> AppState {
    let store = Arc::new(Store::open_in_memory(LabConfig::embedded_default().unwrap()).unwrap());
    AppState::new(store, LinkRegistry::new())
}

/// Binds 127.0.0.1:0 with `settings` and serves the real app until the token is cancelled.
async fn start(
    settings: &HttpSettings,
) -> (
    std::net::SocketAddr,
    CancellationToken,
    tokio::task::JoinHandle<()>,
) {
    let tls = settings.tls.as_ref().map(|f| server_config(f).unwrap());
    let listener = Listener::bind("127.0.0.1:0", tls, settings).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(listener.serve(app(state()), shutdown.clone()));
    (addr, shutdown, task)
}

/// Sends one `GET path` that closes the connection and returns the whole answer as text.
async fn get<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .unwrap()
        .unwrap();
    String::from_utf8(answer).unwrap()
}

#[tokio::test]
async fn healthz_answers_200_over_tls_to_a_client_that_trusts_the_certificate() {
    let cert = SelfSigned::new();
    let settings = HttpSettings {
        tls: Some(cert.files()),
        ..HttpSettings::default()
    };
    let (addr, shutdown, task) = start(&settings).await;

    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(cert.cert_pem.as_bytes()).unwrap())
        .unwrap();
    let config = ClientConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let tls = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    let answer = get(tls, "/healthz").await;
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("\"status\":\"ok\""), "{answer}");
    assert!(answer.contains("x-frame-options: DENY\r\n"), "{answer}");

    // Plain HTTP to the TLS port gets no answer from the app.
    let plain = get(TcpStream::connect(addr).await.unwrap(), "/healthz").await;
    assert!(!plain.contains("200 OK"), "{plain}");

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn plain_http_is_the_default_and_slow_headers_are_cut_off() {
    let settings = HttpSettings {
        header_read_timeout: Duration::from_millis(300),
        ..HttpSettings::default()
    };
    let (addr, shutdown, task) = start(&settings).await;
    let answer = get(TcpStream::connect(addr).await.unwrap(), "/healthz").await;
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");

    // A client that starts a request and never finishes its headers is disconnected.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: local")
        .await
        .unwrap();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the connection was still open after 5 s");
    assert!(!String::from_utf8_lossy(&rest).contains("200 OK"));

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap();
}

#[test]
fn an_unreadable_or_unusable_certificate_or_key_is_an_error_naming_the_file() {
    let cert = SelfSigned::new();
    let missing = cert.dir.path().join("missing.crt");
    let e = server_config(&TlsFiles {
        cert: missing.clone(),
        key: cert.files().key,
    })
    .unwrap_err();
    let message = e.to_string();
    assert!(
        message.starts_with(&format!(
            "cannot read the TLS certificate {}: ",
            missing.display()
        )),
        "{message}"
    );

    // The certificate given as the key: read, but it holds no private key.
    let e = server_config(&TlsFiles {
        cert: cert.files().cert,
        key: cert.files().cert,
    })
    .unwrap_err();
    let message = e.to_string();
    assert!(
        message.starts_with(&format!(
            "the TLS key {} is not usable: ",
            cert.files().cert.display()
        )),
        "{message}"
    );
}
