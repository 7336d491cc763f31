//! An analyzer simulator per profile: it behaves as that analyzer would on the line (E1381 as the
//! instrument, raw records, or HL7 over MLLP), optionally asks the LIS for each specimen's tests
//! first, measures them with values drawn deterministically from a seed, sends the results at its
//! own rate, and reports what the LIS acknowledged. `lis simulate` calls [`run`]; tests call
//! [`play`] over an in-memory stream.
//!
//! - [`build`]: the messages, placed at the profile's own locations.
//! - `session`: the protocol sides.
//! - `vendor`: the Siemens Dimension and Sysmex class A sides (`lis-vendor` framings).
//! - `vendor_text`: the ADVIA 2120, mini VIDAS and Spotchem EL sides (`lis-vendor` framings).

pub mod build;
pub(crate) mod session;
pub(crate) mod vendor;
mod vendor_text;

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};

use self::build::SimResult;
pub use self::session::Delivery;
use self::session::{AstmInstrument, MllpAnalyzer};
use self::vendor::{DimensionAnalyzer, SysmexAnalyzer};
use self::vendor_text::VendorTextAnalyzer;
use crate::profile::{Framing, Profile, SimulatedTest};
use crate::transport::serial::SerialSettings;

/// Where the simulated analyzer meets the LIS.
#[derive(Debug, Clone)]
pub enum SimTarget {
    /// Connect to the LIS at `host:port` (the LIS is a TCP server).
    Connect(String),
    /// Listen on `host:port` and serve the first connection (the LIS is a TCP client).
    Listen(String),
    /// A serial port (or one end of a pseudo-terminal pair).
    Serial(SerialSettings),
}

/// What to simulate.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// How many specimens.
    pub specimens: usize,
    /// Specimens per second; 0: as fast as the LIS acknowledges.
    pub rate: f64,
    /// Ask the LIS for each specimen's tests first, and run only those.
    pub query: bool,
    /// The specimen ids; default `SIM0001`, `SIM0002`...
    pub specimen_ids: Option<Vec<String>>,
    /// Seed of the generated values.
    pub seed: u64,
    /// Send QC results (marked as the profile's QC rule says) instead of patient results.
    pub qc: bool,
    /// How long to wait for an acknowledgement or an answer.
    pub reply_timeout: Duration,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            specimens: 1,
            rate: 0.0,
            query: false,
            specimen_ids: None,
            seed: 1,
            qc: false,
            reply_timeout: Duration::from_secs(30),
        }
    }
}

/// What happened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimReport {
    /// Result messages sent.
    pub sent: usize,
    /// Result messages the LIS acknowledged.
    pub acknowledged: usize,
    /// Result messages the LIS refused.
    pub rejected: usize,
    /// Result messages left unanswered.
    pub timed_out: usize,
    /// Host queries sent.
    pub queries: usize,
    /// Host queries answered (with tests or with "no information").
    pub queries_answered: usize,
    /// For each specimen, the tests the LIS ordered (when querying).
    pub ordered: Vec<(String, Vec<String>)>,
    /// For each specimen, the results sent.
    pub results: Vec<(String, Vec<SimResult>)>,
    /// For each specimen, the tests the LIS asked for that this profile cannot perform.
    pub not_performed: Vec<(String, Vec<String>)>,
}

/// Why the simulator stopped.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Reading or writing the line failed.
    #[error("line: {0}")]
    Io(#[from] std::io::Error),
    /// A message could not be built or sent.
    #[error("message: {0}")]
    Message(String),
    /// The profile cannot be simulated.
    #[error("profile {profile}: {reason}")]
    Profile {
        /// The profile.
        profile: String,
        /// Why.
        reason: String,
    },
}

/// Runs the simulator against a real LIS.
pub async fn run(
    profile: &Profile,
    target: SimTarget,
    options: SimOptions,
) -> Result<SimReport, SimError> {
    match target {
        SimTarget::Connect(addr) => {
            let stream = tokio::net::TcpStream::connect(&addr).await?;
            stream.set_nodelay(true)?;
            play(profile, stream, options).await
        }
        SimTarget::Listen(addr) => {
            let listener = tokio::net::TcpListener::bind(&addr).await?;
            let (stream, _) = listener.accept().await?;
            stream.set_nodelay(true)?;
            play(profile, stream, options).await
        }
        SimTarget::Serial(settings) => {
            let port = settings.open()?;
            play(profile, port, options).await
        }
    }
}

/// A small deterministic generator (SplitMix64), so a seed gives the same values everywhere.
#[derive(Debug, Clone)]
struct Values(u64);

impl Values {
    fn next_unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // 53 random bits as a fraction in [0, 1).
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    fn value(&mut self, t: &SimulatedTest) -> String {
        let unit = self.next_unit();
        if !t.texts.is_empty() {
            // `unit` is in [0, 1), so the index is below the length.
            let i = ((t.texts.len() as f64) * unit) as usize;
            return t
                .texts
                .get(i)
                .or_else(|| t.texts.last())
                .cloned()
                .unwrap_or_default();
        }
        let v = t.low + (t.high - t.low) * unit;
        format!("{v:.*}", usize::from(t.decimals))
    }
}

/// The specimen ids of a run.
pub fn specimen_ids(options: &SimOptions) -> Vec<String> {
    match &options.specimen_ids {
        Some(ids) => ids.clone(),
        None => (1..=options.specimens)
            .map(|n| format!("SIM{n:04}"))
            .collect(),
    }
}

/// Plays the analyzer over `io`.
pub async fn play<Io>(profile: &Profile, io: Io, options: SimOptions) -> Result<SimReport, SimError>
where
    Io: AsyncRead + AsyncWrite + Unpin,
{
    if profile.simulator.tests.is_empty() {
        return Err(SimError::Profile {
            profile: profile.name.clone(),
            reason: "no [simulator] tests".to_owned(),
        });
    }
    let mut values = Values(options.seed);
    let mut report = SimReport::default();
    let interval = (options.rate > 0.0).then(|| Duration::from_secs_f64(1.0 / options.rate));
    let mut line = match profile.framing {
        Framing::E1381 => Line::Astm(Box::new(AstmInstrument::framed_as(
            io,
            profile.max_frame_len,
            profile.frame_format.into(),
        ))),
        Framing::Raw => Line::Astm(Box::new(AstmInstrument::raw(io))),
        Framing::Mllp => Line::Mllp(MllpAnalyzer::new(io)),
        Framing::Advia | Framing::Vidas | Framing::Spotchem => {
            Line::VendorText(VendorTextAnalyzer::new(io, profile.framing))
        }
        Framing::Dimension => Line::Dimension(Box::new(DimensionAnalyzer::new(io, profile))),
        Framing::SysmexText => Line::SysmexText(Box::new(SysmexAnalyzer::new(io, profile))),
    };
    let mut next_at = tokio::time::Instant::now();
    for (n, specimen) in specimen_ids(&options).into_iter().enumerate() {
        let seq = n as u64 + 1;
        if let Some(interval) = interval {
            tokio::time::sleep_until(next_at).await;
            next_at += interval;
        }
        let tests: Vec<&SimulatedTest> = if options.query && profile.query.supported {
            report.queries += 1;
            let ordered = line
                .query(profile, &specimen, seq, options.reply_timeout)
                .await?;
            let Some(codes) = ordered else {
                continue;
            };
            report.queries_answered += 1;
            report.ordered.push((specimen.clone(), codes.clone()));
            let performed: Vec<&SimulatedTest> = profile
                .simulator
                .tests
                .iter()
                .chain(&profile.simulator.on_request)
                .filter(|t| codes.contains(&t.code))
                .collect();
            let missing: Vec<String> = codes
                .iter()
                .filter(|c| !performed.iter().any(|t| &t.code == *c))
                .cloned()
                .collect();
            if !missing.is_empty() {
                report.not_performed.push((specimen.clone(), missing));
            }
            performed
        } else {
            profile.simulator.tests.iter().collect()
        };
        if tests.is_empty() {
            continue;
        }
        let results: Vec<SimResult> = tests
            .iter()
            .map(|t| SimResult {
                code: t.code.clone(),
                value: values.value(t),
                units: t.units.clone(),
            })
            .collect();
        report.sent += 1;
        match line
            .results(
                profile,
                &specimen,
                &results,
                options.qc,
                seq,
                options.reply_timeout,
            )
            .await?
        {
            Delivery::Acknowledged => report.acknowledged += 1,
            Delivery::Rejected => report.rejected += 1,
            Delivery::TimedOut => report.timed_out += 1,
        }
        report.results.push((specimen, results));
    }
    line.settle().await?;
    Ok(report)
}

enum Line<Io> {
    Astm(Box<AstmInstrument<Io>>),
    Mllp(MllpAnalyzer<Io>),
    VendorText(VendorTextAnalyzer<Io>),
    Dimension(Box<DimensionAnalyzer<Io>>),
    SysmexText(Box<SysmexAnalyzer<Io>>),
}

impl<Io: AsyncRead + AsyncWrite + Unpin> Line<Io> {
    /// Asks for a specimen's tests; `Some(codes)` when the LIS answered (empty: no information).
    async fn query(
        &mut self,
        profile: &Profile,
        specimen: &str,
        seq: u64,
        limit: Duration,
    ) -> Result<Option<Vec<String>>, SimError> {
        match self {
            Self::Astm(line) => {
                let q = build::astm_query(profile, specimen);
                if line.send(&q, limit).await? != Delivery::Acknowledged {
                    return Ok(None);
                }
                while let Some(text) = line.receive(limit).await? {
                    if let Some(codes) = build::astm_ordered_tests(profile, &text) {
                        return Ok(Some(codes));
                    }
                }
                Ok(None)
            }
            Self::Mllp(line) => {
                line.write(&build::hl7_query(profile, specimen, seq))
                    .await?;
                let mut codes = Vec::new();
                while let Some(reply) = line.receive(limit).await? {
                    match build::read_hl7_reply(&reply) {
                        build::Hl7Reply::Orders { codes: c, more } => {
                            codes.extend(c);
                            if !more {
                                return Ok(Some(codes));
                            }
                        }
                        build::Hl7Reply::Display {
                            codes: c,
                            control_id,
                        } => {
                            codes.extend(c);
                            line.write(&build::hl7_ack_for(&control_id, "Q03", seq))
                                .await?;
                            return Ok(Some(codes));
                        }
                        build::Hl7Reply::OrderMessage {
                            codes: c,
                            control_id,
                        } => {
                            codes.extend(c);
                            line.write(&build::hl7_ack_for(&control_id, "O33", seq))
                                .await?;
                            return Ok(Some(codes));
                        }
                        build::Hl7Reply::Ack(code) if code != "AA" && code != "CA" => {
                            return Ok(None)
                        }
                        build::Hl7Reply::Ack(_) | build::Hl7Reply::Other => {}
                    }
                }
                Ok(None)
            }
            // These analyzers send no host queries (their profiles cannot enable them).
            Self::VendorText(_) => Ok(None),
            Self::Dimension(line) => line.query(specimen, limit).await,
            // Class A output asks nothing (the profile's query is off).
            Self::SysmexText(_) => Ok(None),
        }
    }

    async fn results(
        &mut self,
        profile: &Profile,
        specimen: &str,
        results: &[SimResult],
        qc: bool,
        seq: u64,
        limit: Duration,
    ) -> Result<Delivery, SimError> {
        match self {
            Self::Astm(line) => {
                let text = build::astm_results(profile, specimen, results, qc, seq);
                line.send(&text, limit).await
            }
            Self::Mllp(line) => {
                line.write(&build::hl7_results(profile, specimen, results, qc, seq))
                    .await?;
                while let Some(reply) = line.receive(limit).await? {
                    if let build::Hl7Reply::Ack(code) = build::read_hl7_reply(&reply) {
                        return Ok(if code == "AA" || code == "CA" {
                            Delivery::Acknowledged
                        } else {
                            Delivery::Rejected
                        });
                    }
                }
                Ok(Delivery::TimedOut)
            }
            Self::VendorText(line) => line.results(profile, specimen, results, limit).await,
            Self::Dimension(line) => line.results(specimen, results, qc, limit).await,
            Self::SysmexText(_) if qc => Err(SimError::Profile {
                profile: profile.name.clone(),
                reason: "class A QC output is not in the corpus and is not simulated".to_owned(),
            }),
            Self::SysmexText(line) => line.results(specimen, results, seq, limit).await,
        }
    }

    async fn settle(&mut self) -> Result<(), SimError> {
        match self {
            Self::Astm(line) => line.settle(Duration::from_secs(20)).await,
            Self::Mllp(_) | Self::VendorText(_) | Self::Dimension(_) | Self::SysmexText(_) => {
                Ok(())
            }
        }
    }
}
