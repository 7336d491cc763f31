//! Accepting HTTP connections for `lis serve`: plain TCP, or HTTPS with rustls ([`tls`]) when
//! the settings name a certificate and key. Each connection is served by hyper (HTTP/1.1) with a
//! header-read timeout, so a client that opens connections and sends nothing (slowloris) holds
//! none for long; a TLS handshake has the same limit.
//!
//! [`Listener::serve`] stops accepting when its token is cancelled and returns once every open
//! connection has finished the request it was serving.

pub mod tls;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use crate::http_settings::HttpSettings;

/// How long to wait before accepting again after `accept` failed (out of file descriptors).
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// A bound HTTP or HTTPS listener, not yet serving.
pub struct Listener {
    tcp: TcpListener,
    tls: Option<TlsAcceptor>,
    header_read_timeout: Duration,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener")
            .field("tcp", &self.tcp)
            .field("tls", &self.tls.is_some())
            .field("header_read_timeout", &self.header_read_timeout)
            .finish()
    }
}

impl Listener {
    /// Binds `address`; connections are TLS with `tls` (from [`tls::server_config`], read before
    /// anything starts) and plain HTTP without.
    pub async fn bind(
        address: &str,
        tls: Option<Arc<ServerConfig>>,
        settings: &HttpSettings,
    ) -> std::io::Result<Self> {
        Ok(Self {
            tcp: TcpListener::bind(address).await?,
            tls: tls.map(TlsAcceptor::from),
            header_read_timeout: settings.header_read_timeout,
        })
    }

    /// The address bound (the real port when port 0 was asked for).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.tcp.local_addr()
    }

    /// Whether connections are TLS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Serves `router` on every connection until `shutdown` is cancelled, then waits for the
    /// open connections to finish their requests.
    pub async fn serve(self, router: Router, shutdown: CancellationToken) {
        let graceful = GracefulShutdown::new();
        let mut http = http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout);
        let http = Arc::new(http);
        loop {
            let (stream, peer) = tokio::select! {
                accepted = self.tcp.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        tracing::warn!(%error, "http accept failed");
                        tokio::time::sleep(ACCEPT_RETRY).await;
                        continue;
                    }
                },
                () = shutdown.cancelled() => break,
            };
            let connection = Connection {
                http: Arc::clone(&http),
                tls: self.tls.clone(),
                router: router.clone(),
                peer,
                handshake_timeout: self.header_read_timeout,
            };
            tokio::spawn(connection.run(stream, graceful.watcher()));
        }
        drop(self.tcp);
        graceful.shutdown().await;
    }
}

/// What serving one connection needs.
struct Connection {
    http: Arc<http1::Builder>,
    tls: Option<TlsAcceptor>,
    router: Router,
    /// The client's address, given to every request as `ConnectInfo` (the audit of UI actions
    /// records it).
    peer: SocketAddr,
    handshake_timeout: Duration,
}

impl Connection {
    async fn run(self, stream: TcpStream, watcher: hyper_util::server::graceful::Watcher) {
        let peer = self.peer;
        let router = self.router.map_request(
            move |mut request: axum::http::Request<hyper::body::Incoming>| {
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                request
            },
        );
        let service = TowerToHyperService::new(router);
        let served = match self.tls {
            None => {
                let conn = self.http.serve_connection(TokioIo::new(stream), service);
                watcher.watch(conn).await
            }
            Some(acceptor) => {
                let stream =
                    match tokio::time::timeout(self.handshake_timeout, acceptor.accept(stream))
                        .await
                    {
                        Ok(Ok(stream)) => stream,
                        Ok(Err(error)) => {
                            tracing::debug!(%error, "tls handshake failed");
                            return;
                        }
                        Err(_) => {
                            tracing::debug!("tls handshake timed out");
                            return;
                        }
                    };
                let conn = self.http.serve_connection(TokioIo::new(stream), service);
                watcher.watch(conn).await
            }
        };
        if let Err(error) = served {
            tracing::debug!(%error, "http connection ended with an error");
        }
    }
}

#[cfg(test)]
mod tests;
