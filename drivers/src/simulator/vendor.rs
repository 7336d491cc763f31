//! The simulator's side of the vendor framings: a Siemens Dimension (ENQ first, polls, sample
//! queries, results, request acceptance, each message repeated on NAK) and a Sysmex XS in class
//! A output (`D1U` then `D2U` per sample, each waiting for its ACK). Messages are written with
//! the `lis-vendor` encoders, stamped with the simulator's own clock.

use std::collections::VecDeque;
use std::time::Duration;

use lis_vendor::dimension::analyzer::{self as dim, TestResult};
use lis_vendor::dimension::host::{self, HostMessage};
use lis_vendor::stx_frame::{Piece, StxFrameDecoder, ACK, ENQ, NAK};
use lis_vendor::sysmex_text::{self, AnalysedAt, Common, SampleHeader};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use super::build::SimResult;
use super::{Delivery, SimError};
use crate::profile::Profile;

/// Times a NAKed message is sent, as the Dimension repeats its own.
const ATTEMPTS: u32 = 6;

/// The vendor line: reads pieces and writes bytes.
struct Line<Io> {
    io: Io,
    decoder: StxFrameDecoder,
    buf: Vec<u8>,
    pieces: VecDeque<Piece>,
    closed: bool,
}

impl<Io: AsyncRead + AsyncWrite + Unpin> Line<Io> {
    fn new(io: Io) -> Self {
        Self {
            io,
            decoder: StxFrameDecoder::new(64 * 1024),
            buf: vec![0; 4096],
            pieces: VecDeque::new(),
            closed: false,
        }
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), SimError> {
        self.io.write_all(bytes).await?;
        self.io.flush().await?;
        Ok(())
    }

    /// The next piece from the LIS, or `None` at `deadline` or when the LIS closed.
    async fn next(&mut self, deadline: Instant) -> Result<Option<Piece>, SimError> {
        loop {
            if let Some(p) = self.pieces.pop_front() {
                return Ok(Some(p));
            }
            if self.closed {
                return Ok(None);
            }
            tokio::select! {
                read = self.io.read(&mut self.buf) => match read? {
                    0 => self.closed = true,
                    n => {
                        self.decoder.push(self.buf.get(..n).unwrap_or_default());
                        while let Some(p) = self.decoder.next_piece() {
                            self.pieces.push_back(p);
                        }
                    }
                },
                () = tokio::time::sleep_until(deadline) => return Ok(None),
            }
        }
    }

    /// The next ACK or NAK (other pieces are dropped): `Some(true)` for ACK.
    async fn answer(&mut self, deadline: Instant) -> Result<Option<bool>, SimError> {
        while let Some(p) = self.next(deadline).await? {
            if let Piece::Control { byte, .. } = p {
                match byte {
                    ACK => return Ok(Some(true)),
                    NAK => return Ok(Some(false)),
                    _ => {}
                }
            }
        }
        Ok(None)
    }
}

/// The Dimension's end of the line.
pub(crate) struct DimensionAnalyzer<Io> {
    line: Line<Io>,
    instrument: String,
    started: bool,
}

/// What became of one Dimension message.
enum Outcome {
    /// ACKed, and the host's answer (none asked or none came).
    Answered(Option<HostMessage>),
    /// NAKed every time.
    Refused,
    /// No ACK or NAK in time.
    Silent,
}

impl<Io: AsyncRead + AsyncWrite + Unpin> DimensionAnalyzer<Io> {
    pub(crate) fn new(io: Io, profile: &Profile) -> Self {
        let instrument = if profile.simulator.sender.is_empty() {
            "DIM1".to_owned()
        } else {
            profile.simulator.sender.clone()
        };
        Self {
            line: Line::new(io),
            instrument,
            started: false,
        }
    }

    /// ENQ (answered ACK) and the first poll, as the analyzer starts.
    async fn start(&mut self, limit: Duration) -> Result<(), SimError> {
        if self.started {
            return Ok(());
        }
        self.started = true;
        self.line.write(&[ENQ]).await?;
        self.line.answer(Instant::now() + limit).await?;
        let poll = dim::encode_poll(&self.instrument, true).map_err(message)?;
        if let Outcome::Answered(Some(HostMessage::SampleRequest(_))) =
            self.send(&poll, true, limit).await?
        {
            // A download answers the poll: the analyzer takes it.
            let accept = dim::encode_request_acceptance(true, "", "42").map_err(message)?;
            self.send(&accept, false, limit).await?;
        }
        Ok(())
    }

    /// Sends `bytes`, repeating on NAK; after the ACK, reads the host's answer when `answered`
    /// (and ACKs it, or NAKs one that does not read).
    async fn send(
        &mut self,
        bytes: &[u8],
        answered: bool,
        limit: Duration,
    ) -> Result<Outcome, SimError> {
        let deadline = Instant::now() + limit;
        let mut acked = false;
        for _ in 0..ATTEMPTS {
            self.line.write(bytes).await?;
            match self.line.answer(deadline).await? {
                Some(true) => {
                    acked = true;
                    break;
                }
                Some(false) => continue,
                None => return Ok(Outcome::Silent),
            }
        }
        if !acked {
            return Ok(Outcome::Refused);
        }
        if !answered {
            return Ok(Outcome::Answered(None));
        }
        while let Some(p) = self.line.next(deadline).await? {
            if let Piece::Block { body, .. } = p {
                return Ok(Outcome::Answered(match host::decode(&body) {
                    Ok(m) => {
                        self.line.write(&[ACK]).await?;
                        Some(m)
                    }
                    Err(_) => {
                        self.line.write(&[NAK]).await?;
                        None
                    }
                }));
            }
        }
        Ok(Outcome::Answered(None))
    }

    /// Asks for a sample's tests (`I`); on a `D`, accepts it (`M`) and returns its tests;
    /// `Some(empty)` on `N`.
    pub(crate) async fn query(
        &mut self,
        specimen: &str,
        limit: Duration,
    ) -> Result<Option<Vec<String>>, SimError> {
        self.start(limit).await?;
        let query = dim::encode_query(specimen).map_err(message)?;
        match self.send(&query, true, limit).await? {
            Outcome::Answered(Some(HostMessage::SampleRequest(r))) => {
                let accept = dim::encode_request_acceptance(true, "", "42").map_err(message)?;
                self.send(&accept, false, limit).await?;
                Ok(Some(r.tests))
            }
            Outcome::Answered(Some(HostMessage::NoRequest)) => Ok(Some(Vec::new())),
            _ => Ok(None),
        }
    }

    /// Sends a result message (`R`) and waits for the host's result acceptance (`M`).
    pub(crate) async fn results(
        &mut self,
        specimen: &str,
        results: &[SimResult],
        qc: bool,
        at: jiff::civil::DateTime,
        limit: Duration,
    ) -> Result<Delivery, SimError> {
        self.start(limit).await?;
        let tests: Vec<TestResult> = results
            .iter()
            .map(|r| TestResult {
                name: r.code.clone(),
                value: r.value.clone(),
                units: r.units.clone(),
                error_code: String::new(),
            })
            .collect();
        let run_at = at.strftime("%S%M%H%d%m%y").to_string();
        // A control runs as sample type 5, priority 3, named after itself (the corpus's
        // `HORMON 1`, `CRP 1`).
        let (patient, sample_type, priority) = if qc {
            (specimen, "5", "3")
        } else {
            ("", "1", "0")
        };
        let r = dim::encode_result(&dim::ResultToSend {
            patient,
            sample_id: specimen,
            sample_type,
            priority,
            run_at: &run_at,
            tests: &tests,
        })
        .map_err(message)?;
        Ok(match self.send(&r, true, limit).await? {
            Outcome::Answered(Some(HostMessage::ResultAcceptance { accepted: true })) => {
                Delivery::Acknowledged
            }
            Outcome::Answered(Some(_)) | Outcome::Refused => Delivery::Rejected,
            Outcome::Answered(None) | Outcome::Silent => Delivery::TimedOut,
        })
    }
}

/// A Sysmex XS in class A output.
pub(crate) struct SysmexAnalyzer<Io> {
    line: Line<Io>,
    instrument: String,
}

impl<Io: AsyncRead + AsyncWrite + Unpin> SysmexAnalyzer<Io> {
    pub(crate) fn new(io: Io, profile: &Profile) -> Self {
        let instrument = if profile.simulator.sender.is_empty() {
            "XS-500i^00001".to_owned()
        } else {
            profile.simulator.sender.clone()
        };
        Self {
            line: Line::new(io),
            instrument,
        }
    }

    async fn send(&mut self, bytes: &[u8], limit: Duration) -> Result<Delivery, SimError> {
        self.line.write(bytes).await?;
        Ok(match self.line.answer(Instant::now() + limit).await? {
            Some(true) => Delivery::Acknowledged,
            Some(false) => Delivery::Rejected,
            None => Delivery::TimedOut,
        })
    }

    /// Sends a sample's `D1U` and `D2U`, each waiting for its ACK.
    pub(crate) async fn results(
        &mut self,
        specimen: &str,
        results: &[SimResult],
        seq: u64,
        now: jiff::civil::DateTime,
        limit: Duration,
    ) -> Result<Delivery, SimError> {
        let common = Common {
            instrument: self.instrument.clone(),
            sequence: format!("{:010}000", seq % 10_000_000_000),
            sample_no: specimen.to_owned(),
        };
        let small = |n: i8| u8::try_from(n).unwrap_or(0);
        let header = SampleHeader {
            common: common.clone(),
            analysed_at: AnalysedAt {
                year: u16::try_from(now.year()).unwrap_or(0),
                month: small(now.month()),
                day: small(now.day()),
                hour: small(now.hour()),
                minute: small(now.minute()),
                second: small(now.second()),
            },
            // Status and flag digits all `0` (no positive, no error), then the analyzer's name.
            rest: format!(
                "{:6}{:06}{:14}{}{}",
                "",
                0,
                "",
                "0".repeat(80),
                self.instrument
            ),
        };
        let d1u = sysmex_text::encode_sample_header(&header).map_err(message)?;
        let values: Vec<(&str, &str, char)> = results
            .iter()
            .map(|r| (r.code.as_str(), r.value.as_str(), '0'))
            .collect();
        let trailer = format!(
            "{}{:11}{}{}",
            "0".repeat(12),
            "",
            "0".repeat(5),
            self.instrument
        );
        let d2u = sysmex_text::encode_results(&common, &values, &trailer).map_err(message)?;
        match self.send(&d1u, limit).await? {
            Delivery::Acknowledged => self.send(&d2u, limit).await,
            other => Ok(other),
        }
    }
}

fn message(e: impl std::fmt::Display) -> SimError {
    SimError::Message(e.to_string())
}
