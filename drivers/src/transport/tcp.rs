//! TCP transports: the LIS as server (the analyzer connects) or as client (the LIS connects).

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};

use super::allow::AllowFrom;
use super::{Backoff, Connection, Retry, Transport};
use crate::link::{LinkState, LinkStatusHandle};

/// What a TCP server link does when the analyzer connects again while a connection is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConnectionPolicy {
    /// The new connection replaces the old one, which is closed (with a log line). The default:
    /// an analyzer that reconnects has usually lost the old connection without the LIS noticing
    /// (cable pulled, analyzer rebooted), and waiting for the old one to time out would lose results.
    #[default]
    Replace,
    /// The old connection is kept and the new one is closed at once (with a log line).
    Keep,
}

/// The LIS listens; the analyzer connects. One analyzer connection at a time per link.
#[derive(Debug)]
pub struct TcpServerTransport {
    listener: TcpListener,
    local: SocketAddr,
    policy: ConnectionPolicy,
    allow: AllowFrom,
    /// Where refused peers are counted (the link's errors counter and last error).
    status: Option<LinkStatusHandle>,
}

impl TcpServerTransport {
    /// Delay after a failed `accept` (out of file descriptors and the like) before trying again.
    const ACCEPT_RETRY: Duration = Duration::from_secs(1);

    /// Binds the listening socket.
    pub async fn bind(addr: impl ToSocketAddrs, policy: ConnectionPolicy) -> io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        Ok(Self {
            listener,
            local,
            policy,
            allow: AllowFrom::any(),
            status: None,
        })
    }

    /// Serves only peers in `allow`; any other is logged, counted and closed at once, so a host
    /// that reaches the port cannot take the analyzer's place.
    pub fn with_allow_from(mut self, allow: AllowFrom) -> Self {
        self.allow = allow;
        self
    }

    /// Counts refused peers in `status` (its errors counter, with the peer as its last error).
    pub fn report_refusals_to(&mut self, status: LinkStatusHandle) {
        self.status = Some(status);
    }

    /// The address actually bound (useful after binding port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The next connection from an allowed peer.
    async fn accept(&self) -> io::Result<Connection<TcpStream>> {
        let (io, peer) = loop {
            let (io, peer) = self.listener.accept().await?;
            if self.allow.allows(peer.ip()) {
                break (io, peer);
            }
            let text = format!(
                "connection from {peer} refused: not in allow_from ({})",
                self.allow
            );
            tracing::warn!(listen = %self.local, %peer, "{text}");
            if let Some(status) = &self.status {
                status.report_error(text);
            }
            drop(io);
        };
        // Link protocols exchange single control characters (ACK, NAK): do not let Nagle hold them.
        io.set_nodelay(true)?;
        Ok(Connection {
            io,
            peer: peer.to_string(),
        })
    }
}

impl Transport for TcpServerTransport {
    type Io = TcpStream;

    fn describe(&self) -> String {
        format!("tcp-server {}", self.local)
    }

    fn waiting_state(&self) -> LinkState {
        LinkState::Listening
    }

    async fn establish(&mut self) -> io::Result<Connection<TcpStream>> {
        self.accept().await
    }

    fn retry_delay(&mut self, why: Retry) -> Duration {
        match why {
            Retry::AfterFailure => Self::ACCEPT_RETRY,
            Retry::AfterSession { .. } => Duration::ZERO,
        }
    }

    async fn replacement(&mut self) -> Connection<TcpStream> {
        loop {
            match self.accept().await {
                Ok(conn) => match self.policy {
                    ConnectionPolicy::Replace => {
                        tracing::warn!(
                            listen = %self.local,
                            peer = %conn.peer,
                            "new connection from the analyzer replaces the open one"
                        );
                        return conn;
                    }
                    ConnectionPolicy::Keep => {
                        tracing::warn!(
                            listen = %self.local,
                            peer = %conn.peer,
                            "connection refused: the link already has an analyzer connected"
                        );
                        drop(conn);
                    }
                },
                Err(error) => {
                    tracing::warn!(listen = %self.local, %error, "accept failed");
                    tokio::time::sleep(Self::ACCEPT_RETRY).await;
                }
            }
        }
    }
}

/// The LIS connects to the analyzer, and reconnects with [`Backoff`] when the connection fails or ends
/// (see [`Backoff::delay_for`] for when the backoff starts over).
#[derive(Debug, Clone)]
pub struct TcpClientTransport {
    target: String,
    backoff: Backoff,
    connect_timeout: Option<Duration>,
}

impl TcpClientTransport {
    /// Default bound on one connection attempt.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

    /// A client for `target` (`"host:port"`), with the default backoff (1 s doubling to 30 s) and
    /// connect timeout (10 s).
    pub fn new(target: impl Into<String>) -> Self {
        Self {
            target: target.into(),
            backoff: Backoff::default(),
            connect_timeout: Some(Self::DEFAULT_CONNECT_TIMEOUT),
        }
    }

    /// Replaces the reconnection backoff.
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Replaces the bound on one connection attempt (`None`: as long as the OS takes).
    pub fn with_connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The `host:port` this client connects to.
    pub fn target(&self) -> &str {
        &self.target
    }
}

impl Transport for TcpClientTransport {
    type Io = TcpStream;

    fn describe(&self) -> String {
        format!("tcp-client {}", self.target)
    }

    fn waiting_state(&self) -> LinkState {
        LinkState::Connecting
    }

    async fn establish(&mut self) -> io::Result<Connection<TcpStream>> {
        let connect = TcpStream::connect(self.target.as_str());
        let io = match self.connect_timeout {
            Some(limit) => tokio::time::timeout(limit, connect).await.map_err(|_| {
                io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no answer from {} within {limit:?}", self.target),
                )
            })??,
            None => connect.await?,
        };
        io.set_nodelay(true)?;
        let peer = io
            .peer_addr()
            .map_or_else(|_| self.target.clone(), |a| a.to_string());
        Ok(Connection { io, peer })
    }

    fn retry_delay(&mut self, why: Retry) -> Duration {
        self.backoff.delay_for(why)
    }
}
