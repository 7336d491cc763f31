//! [`AnyTransport`]: the transport a link's config names, as one type, so `lis serve` can run every
//! configured link through the same [`Link`](crate::link::Link) type.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_serial::SerialStream;

use super::serial::SerialTransport;
use super::tcp::{TcpClientTransport, TcpServerTransport};
use super::{Connection, Retry, Transport};
use crate::config::TransportConfig;
use crate::link::LinkState;

/// One of the transports, chosen by the config.
#[derive(Debug)]
pub enum AnyTransport {
    /// The LIS listens.
    TcpServer(TcpServerTransport),
    /// The LIS connects.
    TcpClient(TcpClientTransport),
    /// RS-232.
    Serial(SerialTransport),
}

impl AnyTransport {
    /// Builds the transport `config` describes. A TCP server binds its port here, so a port already in
    /// use is reported at startup; clients and serial ports connect later, in the link task.
    pub async fn open(config: &TransportConfig) -> io::Result<Self> {
        Ok(match config {
            TransportConfig::TcpServer {
                address,
                port,
                on_new_connection,
                allow_from,
            } => Self::TcpServer(
                TcpServerTransport::bind((address.as_str(), *port), *on_new_connection)
                    .await?
                    .with_allow_from(allow_from.clone()),
            ),
            TransportConfig::TcpClient {
                address,
                port,
                backoff,
                connect_timeout,
            } => Self::TcpClient(
                TcpClientTransport::new(format!("{address}:{port}"))
                    .with_backoff(backoff.clone())
                    .with_connect_timeout(Some(*connect_timeout)),
            ),
            TransportConfig::Serial(settings) => {
                Self::Serial(SerialTransport::new(settings.clone()))
            }
        })
    }
}

/// The byte stream of an [`AnyTransport`] connection.
#[derive(Debug)]
pub enum AnyIo {
    /// A TCP connection.
    Tcp(TcpStream),
    /// A serial port.
    Serial(SerialStream),
}

impl Transport for AnyTransport {
    type Io = AnyIo;

    fn describe(&self) -> String {
        match self {
            Self::TcpServer(t) => t.describe(),
            Self::TcpClient(t) => t.describe(),
            Self::Serial(t) => t.describe(),
        }
    }

    fn waiting_state(&self) -> LinkState {
        match self {
            Self::TcpServer(t) => t.waiting_state(),
            Self::TcpClient(t) => t.waiting_state(),
            Self::Serial(t) => t.waiting_state(),
        }
    }

    async fn establish(&mut self) -> io::Result<Connection<AnyIo>> {
        Ok(match self {
            Self::TcpServer(t) => tcp(t.establish().await?),
            Self::TcpClient(t) => tcp(t.establish().await?),
            Self::Serial(t) => {
                let c = t.establish().await?;
                Connection {
                    io: AnyIo::Serial(c.io),
                    peer: c.peer,
                }
            }
        })
    }

    fn retry_delay(&mut self, why: Retry) -> Duration {
        match self {
            Self::TcpServer(t) => t.retry_delay(why),
            Self::TcpClient(t) => t.retry_delay(why),
            Self::Serial(t) => t.retry_delay(why),
        }
    }

    async fn replacement(&mut self) -> Connection<AnyIo> {
        match self {
            Self::TcpServer(t) => tcp(t.replacement().await),
            Self::TcpClient(_) | Self::Serial(_) => std::future::pending().await,
        }
    }
}

fn tcp(c: Connection<TcpStream>) -> Connection<AnyIo> {
    Connection {
        io: AnyIo::Tcp(c.io),
        peer: c.peer,
    }
}

impl AsyncRead for AnyIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Self::Serial(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for AnyIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Self::Serial(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_flush(cx),
            Self::Serial(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Self::Serial(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::transport::tcp::ConnectionPolicy;

    #[tokio::test]
    async fn a_configured_tcp_server_accepts_and_carries_bytes() {
        let config = TransportConfig::TcpServer {
            address: "127.0.0.1".to_owned(),
            port: 0,
            on_new_connection: ConnectionPolicy::Replace,
            allow_from: crate::transport::allow::AllowFrom::any(),
        };
        let mut t = AnyTransport::open(&config).await.unwrap();
        let AnyTransport::TcpServer(server) = &t else {
            panic!("{t:?}");
        };
        let addr = server.local_addr();
        assert_eq!(t.describe(), format!("tcp-server {addr}"));
        assert_eq!(t.waiting_state(), LinkState::Listening);
        let mut analyzer = TcpStream::connect(addr).await.unwrap();
        let mut conn = t.establish().await.unwrap();
        analyzer.write_all(b"\x05").await.unwrap();
        let mut b = [0u8; 1];
        conn.io.read_exact(&mut b).await.unwrap();
        assert_eq!(b, [0x05]);
        conn.io.write_all(b"\x06").await.unwrap();
        analyzer.read_exact(&mut b).await.unwrap();
        assert_eq!(b, [0x06]);
    }

    #[tokio::test]
    async fn a_port_in_use_is_reported_when_the_server_opens() {
        let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let config = TransportConfig::TcpServer {
            address: "127.0.0.1".to_owned(),
            port: taken.local_addr().unwrap().port(),
            on_new_connection: ConnectionPolicy::Replace,
            allow_from: crate::transport::allow::AllowFrom::any(),
        };
        let err = AnyTransport::open(&config).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
    }
}
