//! RS-232 through tokio-serial.
//!
//! The character format defaults to the LIS1-A one: 8 data bits, no parity, 1 stop bit, 9600 baud
//! [LIS1-A §5.2.2.5, §5.2.3.1]. Each analyzer's manual says what it actually uses; the lab config
//! overrides any of the fields.

use std::fmt;
use std::io;
use std::time::Duration;

use serde::Deserialize;
use tokio_serial::SerialStream;

use super::{Backoff, Connection, Retry, Transport};
use crate::link::LinkState;

/// Serial port settings, as written in an instrument's `[instruments.connection]` table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SerialSettings {
    /// The device: `/dev/ttyUSB0`, `/dev/ttyS0`, `COM3`.
    pub path: String,
    /// Bits per second. Default 9600, the preferred LIS1-A rate [LIS1-A §5.2.3.1].
    #[serde(default = "SerialSettings::default_baud")]
    pub baud: u32,
    /// Data bits per character. Default 8 [LIS1-A §5.2.2.5].
    #[serde(default)]
    pub data_bits: DataBits,
    /// Parity. Default none [LIS1-A §5.2.2.5].
    #[serde(default)]
    pub parity: Parity,
    /// Stop bits. Default 1 [LIS1-A §5.2.2.5].
    #[serde(default)]
    pub stop_bits: StopBits,
    /// Flow control. Default none: LIS1-A uses no hardware or software handshake.
    #[serde(default)]
    pub flow_control: FlowControl,
}

impl SerialSettings {
    /// LIS1-A's preferred rate [LIS1-A §5.2.3.1].
    pub const DEFAULT_BAUD: u32 = 9600;

    fn default_baud() -> u32 {
        Self::DEFAULT_BAUD
    }

    /// Settings for `path` with every other field at its LIS1-A default (9600 8N1, no flow control).
    pub fn new(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            baud: Self::DEFAULT_BAUD,
            data_bits: DataBits::default(),
            parity: Parity::default(),
            stop_bits: StopBits::default(),
            flow_control: FlowControl::default(),
        }
    }

    /// The tokio-serial builder for these settings.
    pub fn builder(&self) -> tokio_serial::SerialPortBuilder {
        tokio_serial::new(self.path.as_str(), self.baud)
            .data_bits(self.data_bits.into())
            .parity(self.parity.into())
            .stop_bits(self.stop_bits.into())
            .flow_control(self.flow_control.into())
    }

    /// Opens the port. Must run inside a tokio runtime (the stream registers with its reactor).
    pub fn open(&self) -> io::Result<SerialStream> {
        SerialStream::open(&self.builder()).map_err(|e| {
            let kind = match e.kind {
                tokio_serial::ErrorKind::NoDevice => io::ErrorKind::NotFound,
                tokio_serial::ErrorKind::InvalidInput => io::ErrorKind::InvalidInput,
                tokio_serial::ErrorKind::Io(kind) => kind,
                tokio_serial::ErrorKind::Unknown => io::ErrorKind::Other,
            };
            io::Error::new(
                kind,
                format!("cannot open serial port {}: {}", self.path, e.description),
            )
        })
    }
}

impl fmt::Display for SerialSettings {
    /// `/dev/ttyUSB0 9600 8N1`, plus the flow control when there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bits = match self.data_bits {
            DataBits::Five => 5,
            DataBits::Six => 6,
            DataBits::Seven => 7,
            DataBits::Eight => 8,
        };
        let parity = match self.parity {
            Parity::None => 'N',
            Parity::Odd => 'O',
            Parity::Even => 'E',
        };
        let stop = match self.stop_bits {
            StopBits::One => 1,
            StopBits::Two => 2,
        };
        write!(f, "{} {} {bits}{parity}{stop}", self.path, self.baud)?;
        match self.flow_control {
            FlowControl::None => Ok(()),
            FlowControl::Software => f.write_str(" xon/xoff"),
            FlowControl::Hardware => f.write_str(" rts/cts"),
        }
    }
}

/// Data bits per character, written as a number (5 to 8) in the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(try_from = "u8")]
pub enum DataBits {
    /// 5 bits.
    Five,
    /// 6 bits.
    Six,
    /// 7 bits (some older analyzers, usually with even parity).
    Seven,
    /// 8 bits, the LIS1-A default.
    #[default]
    Eight,
}

impl TryFrom<u8> for DataBits {
    type Error = String;

    fn try_from(n: u8) -> Result<Self, Self::Error> {
        match n {
            5 => Ok(Self::Five),
            6 => Ok(Self::Six),
            7 => Ok(Self::Seven),
            8 => Ok(Self::Eight),
            other => Err(format!("data_bits must be 5, 6, 7 or 8, got {other}")),
        }
    }
}

impl From<DataBits> for tokio_serial::DataBits {
    fn from(d: DataBits) -> Self {
        match d {
            DataBits::Five => Self::Five,
            DataBits::Six => Self::Six,
            DataBits::Seven => Self::Seven,
            DataBits::Eight => Self::Eight,
        }
    }
}

/// Parity, written `"none"`, `"odd"` or `"even"` in the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Parity {
    /// No parity bit, the LIS1-A default.
    #[default]
    None,
    /// Odd parity.
    Odd,
    /// Even parity.
    Even,
}

impl From<Parity> for tokio_serial::Parity {
    fn from(p: Parity) -> Self {
        match p {
            Parity::None => Self::None,
            Parity::Odd => Self::Odd,
            Parity::Even => Self::Even,
        }
    }
}

/// Stop bits, written as a number (1 or 2) in the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(try_from = "u8")]
pub enum StopBits {
    /// One stop bit, the LIS1-A default.
    #[default]
    One,
    /// Two stop bits.
    Two,
}

impl TryFrom<u8> for StopBits {
    type Error = String;

    fn try_from(n: u8) -> Result<Self, Self::Error> {
        match n {
            1 => Ok(Self::One),
            2 => Ok(Self::Two),
            other => Err(format!("stop_bits must be 1 or 2, got {other}")),
        }
    }
}

impl From<StopBits> for tokio_serial::StopBits {
    fn from(s: StopBits) -> Self {
        match s {
            StopBits::One => Self::One,
            StopBits::Two => Self::Two,
        }
    }
}

/// Flow control, written `"none"`, `"software"` (XON/XOFF) or `"hardware"` (RTS/CTS) in the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlowControl {
    /// None, the LIS1-A default.
    #[default]
    None,
    /// XON/XOFF. Unusual for ASTM, whose data may not carry DC1/DC3 as text.
    Software,
    /// RTS/CTS.
    Hardware,
}

impl From<FlowControl> for tokio_serial::FlowControl {
    fn from(f: FlowControl) -> Self {
        match f {
            FlowControl::None => Self::None,
            FlowControl::Software => Self::Software,
            FlowControl::Hardware => Self::Hardware,
        }
    }
}

/// A serial link: opens the port, and reopens it with [`Backoff`] when it fails (a USB adapter
/// unplugged, a port held by another program).
#[derive(Debug, Clone)]
pub struct SerialTransport {
    settings: SerialSettings,
    backoff: Backoff,
}

impl SerialTransport {
    /// A transport for `settings` with the default backoff (1 s doubling to 30 s).
    pub fn new(settings: SerialSettings) -> Self {
        Self {
            settings,
            backoff: Backoff::default(),
        }
    }

    /// Replaces the reopening backoff.
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The port settings.
    pub fn settings(&self) -> &SerialSettings {
        &self.settings
    }
}

impl Transport for SerialTransport {
    type Io = SerialStream;

    fn describe(&self) -> String {
        format!("serial {}", self.settings)
    }

    fn waiting_state(&self) -> LinkState {
        LinkState::Connecting
    }

    async fn establish(&mut self) -> io::Result<Connection<SerialStream>> {
        let io = self.settings.open()?;
        Ok(Connection {
            io,
            peer: self.settings.path.clone(),
        })
    }

    fn retry_delay(&mut self, why: Retry) -> Duration {
        self.backoff.delay_for(why)
    }
}

#[cfg(test)]
mod tests {
    use std::fs::File;
    use std::io::{Read, Write};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[test]
    fn defaults_are_9600_8n1_without_flow_control() {
        let s: SerialSettings = toml::from_str(r#"path = "/dev/ttyUSB0""#).unwrap();
        assert_eq!(s, SerialSettings::new("/dev/ttyUSB0"));
        assert_eq!(s.to_string(), "/dev/ttyUSB0 9600 8N1");
    }

    #[test]
    fn every_field_can_be_set() {
        let s: SerialSettings = toml::from_str(
            r#"
            path = "/dev/ttyS1"
            baud = 19200
            data_bits = 7
            parity = "even"
            stop_bits = 2
            flow_control = "hardware"
            "#,
        )
        .unwrap();
        assert_eq!(s.baud, 19200);
        assert_eq!(s.data_bits, DataBits::Seven);
        assert_eq!(s.parity, Parity::Even);
        assert_eq!(s.stop_bits, StopBits::Two);
        assert_eq!(s.flow_control, FlowControl::Hardware);
        assert_eq!(s.to_string(), "/dev/ttyS1 19200 7E2 rts/cts");
    }

    #[test]
    fn bad_values_are_refused_with_the_field_in_the_message() {
        let err = toml::from_str::<SerialSettings>("path = \"x\"\ndata_bits = 9").unwrap_err();
        assert!(
            err.to_string()
                .contains("data_bits must be 5, 6, 7 or 8, got 9"),
            "{err}"
        );
        let err = toml::from_str::<SerialSettings>("path = \"x\"\nparity = \"mark\"").unwrap_err();
        assert!(err.to_string().contains("mark"), "{err}");
        let err = toml::from_str::<SerialSettings>("path = \"x\"\nbaud_rate = 9600").unwrap_err();
        assert!(err.to_string().contains("baud_rate"), "{err}");
    }

    /// Opens the slave side of a pseudo-terminal through [`SerialSettings::open`] (the code path a real
    /// port takes) and moves bytes both ways against the master side.
    #[tokio::test]
    async fn bytes_flow_both_ways_through_a_pseudo_terminal() {
        let pty = nix::pty::openpty(None, None).unwrap();
        let slave_path = nix::unistd::ttyname(&pty.slave).unwrap();
        let settings = SerialSettings::new(slave_path.to_string_lossy());
        let mut port = settings.open().unwrap();
        // The serial port is open (and put in raw mode) through its path; the fd from openpty can go.
        drop(pty.slave);
        let mut master = File::from(pty.master);
        let mut master_reader = master.try_clone().unwrap();

        // Analyzer (master) to LIS (serial port): ENQ, then a frame with bytes a cooked tty would mangle.
        let to_lis = b"\x05\x021H|\\^&\r\x03\x7f\x00\x11\x13".to_vec();
        master.write_all(&to_lis).unwrap();
        let mut got = vec![0u8; to_lis.len()];
        tokio::time::timeout(
            Duration::from_secs(5),
            AsyncReadExt::read_exact(&mut port, &mut got),
        )
        .await
        .expect("bytes from the master side arrive")
        .unwrap();
        assert_eq!(got, to_lis);

        // LIS (serial port) to analyzer (master): ACK then EOT.
        AsyncWriteExt::write_all(&mut port, b"\x06\x04")
            .await
            .unwrap();
        AsyncWriteExt::flush(&mut port).await.unwrap();
        let back = tokio::task::spawn_blocking(move || {
            let mut buf = [0u8; 2];
            master_reader.read_exact(&mut buf).map(|()| buf)
        });
        let back = tokio::time::timeout(Duration::from_secs(5), back)
            .await
            .expect("bytes from the serial port arrive")
            .unwrap()
            .unwrap();
        assert_eq!(back, *b"\x06\x04");
    }

    #[tokio::test]
    async fn opening_a_missing_port_names_it() {
        let mut t = SerialTransport::new(SerialSettings::new("/dev/lis-no-such-port"));
        let err = t.establish().await.unwrap_err();
        assert!(err.to_string().contains("/dev/lis-no-such-port"), "{err}");
        assert_eq!(t.retry_delay(Retry::AfterFailure), Duration::from_secs(1));
        assert_eq!(t.retry_delay(Retry::AfterFailure), Duration::from_secs(2));
    }
}
