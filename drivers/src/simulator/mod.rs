//! An analyzer simulator per profile: it behaves as that analyzer would on the line (E1381 as the
//! instrument, raw records, or HL7 over MLLP), optionally asks the LIS for each specimen's tests
//! first, measures them with values drawn deterministically from a seed, sends the results at its
//! own rate, and reports what the LIS acknowledged. Each message is stamped with the simulated
//! analyzer's clock ([`SimClock`]) when it is built, as a real analyzer stamps its results. Values
//! may be chosen instead of drawn, and a QC run sent with chosen values per control level.
//! `lis simulate` calls [`run`]; tests call [`play`] over an in-memory stream.
//!
//! - [`build`]: the messages, placed at the profile's own locations.
//! - [`clock`]: the analyzer's clock.
//! - `session`: the protocol sides.
//! - `vendor`: the Siemens Dimension and Sysmex class A sides (`lis-vendor` framings).
//! - `vendor_text`: the ADVIA 2120, mini VIDAS and Spotchem EL sides (`lis-vendor` framings).

pub mod build;
pub mod clock;
mod microbiology;
pub(crate) mod session;
pub(crate) mod vendor;
mod vendor_text;

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};

use self::build::{QcMark, SimResult};
pub use self::clock::SimClock;
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
    /// Send QC results (marked as the profile's QC rule says) instead of patient results. Each
    /// specimen is then one control level, the first level 1, the second level 2...; the default
    /// ids are `QC1-0001`, `QC2-0001`...
    pub qc: bool,
    /// QC values chosen per test and level; when any is given, each level's sample carries only
    /// the tests chosen for it.
    pub qc_values: Vec<QcValue>,
    /// The control material's lot, sent where the profile reads a QC lot (`qc_lot`).
    pub qc_lot: Option<String>,
    /// Patient values chosen per test code (sent instead of drawn ones).
    pub values: BTreeMap<String, String>,
    /// The analyzer's clock, read when each message is built.
    pub clock: SimClock,
    /// How long to wait for an acknowledgement or an answer.
    pub reply_timeout: Duration,
}

/// A QC value chosen for one test on one control level (`GLU:1=6.25`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QcValue {
    /// The instrument's test code.
    pub code: String,
    /// The control level, from 1.
    pub level: usize,
    /// The value sent.
    pub value: String,
}

impl std::str::FromStr for QcValue {
    type Err = String;

    /// Reads `TEST:LEVEL=VALUE`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad =
            |why: &str| format!("`{text}`: {why} (expected TEST:LEVEL=VALUE, e.g. GLU:1=6.25)");
        let (key, value) = text.split_once('=').ok_or_else(|| bad("no `=`"))?;
        let (code, level) = key
            .rsplit_once(':')
            .ok_or_else(|| bad("no `:` before the level"))?;
        let level = level
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|&l| l > 0)
            .ok_or_else(|| bad("the level must be a number from 1"))?;
        let (code, value) = (code.trim(), value.trim());
        if code.is_empty() || value.is_empty() {
            return Err(bad("the test and the value must not be empty"));
        }
        Ok(Self {
            code: code.to_owned(),
            level,
            value: value.to_owned(),
        })
    }
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
            qc_values: Vec::new(),
            qc_lot: None,
            values: BTreeMap::new(),
            clock: SimClock::default(),
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
    /// The options ask for something the profile cannot send.
    #[error("{0}")]
    Options(String),
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

/// The specimen ids of a run: the given ones, else `SIM0001`, `SIM0002`... or, for QC, one per
/// level `QC1-0001`, `QC2-0001`... (as many as the highest chosen level, else `specimens`).
pub fn specimen_ids(options: &SimOptions) -> Vec<String> {
    if let Some(ids) = &options.specimen_ids {
        return ids.clone();
    }
    if options.qc {
        let levels = options
            .qc_values
            .iter()
            .map(|v| v.level)
            .max()
            .unwrap_or(options.specimens);
        return (1..=levels).map(|n| format!("QC{n}-0001")).collect();
    }
    (1..=options.specimens)
        .map(|n| format!("SIM{n:04}"))
        .collect()
}

/// Text the simulator writes into a message as given: no delimiter or control character, which
/// would change the message's structure.
fn check_text(what: &str, text: &str) -> Result<(), SimError> {
    match text
        .chars()
        .find(|c| c.is_control() || matches!(c, '|' | '^' | '&' | '\\' | '~'))
    {
        Some(c) => Err(SimError::Options(format!(
            "{what} `{}`: {c:?} is a delimiter or control character in the messages",
            text.escape_debug()
        ))),
        None => Ok(()),
    }
}

/// Checks the chosen values against the profile and the specimens.
fn check_options(profile: &Profile, options: &SimOptions, ids: &[String]) -> Result<(), SimError> {
    let measures = |code: &str| {
        profile
            .simulator
            .tests
            .iter()
            .chain(&profile.simulator.on_request)
            .any(|t| t.code == code)
    };
    let unknown = |code: &str| {
        SimError::Options(format!(
            "profile {} does not measure `{code}` (its tests: {})",
            profile.name,
            profile
                .simulator
                .tests
                .iter()
                .chain(&profile.simulator.on_request)
                .map(|t| t.code.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    };
    for (code, value) in &options.values {
        if !measures(code) {
            return Err(unknown(code));
        }
        check_text(&format!("the value of {code}"), value)?;
    }
    if !options.qc_values.is_empty() && !options.qc {
        return Err(SimError::Options(
            "QC values are sent only in a QC run (--qc)".to_owned(),
        ));
    }
    for v in &options.qc_values {
        if !measures(&v.code) {
            return Err(unknown(&v.code));
        }
        check_text(
            &format!("the QC value of {} level {}", v.code, v.level),
            &v.value,
        )?;
        if v.level > ids.len() {
            return Err(SimError::Options(format!(
                "QC value {}:{}: level {} is the run's specimen number {}, but only {} specimen \
                 id(s) are given",
                v.code,
                v.level,
                v.level,
                v.level,
                ids.len()
            )));
        }
    }
    if !options.qc_values.is_empty() {
        for (n, id) in ids.iter().enumerate() {
            if !options.qc_values.iter().any(|v| v.level == n + 1) {
                return Err(SimError::Options(format!(
                    "specimen {id} is QC level {} but no QC value is chosen for that level",
                    n + 1
                )));
            }
        }
    }
    if let Some(lot) = &options.qc_lot {
        check_text("the QC lot", lot)?;
    }
    for id in ids {
        check_text("the specimen id", id)?;
    }
    Ok(())
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
    let ids = specimen_ids(&options);
    check_options(profile, &options, &ids)?;
    let chosen_qc = options.qc && !options.qc_values.is_empty();
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
        Framing::Advia | Framing::Vidas | Framing::Spotchem | Framing::UrineStrip => {
            Line::VendorText(VendorTextAnalyzer::new(io, profile.framing))
        }
        Framing::Dimension => Line::Dimension(Box::new(DimensionAnalyzer::new(io, profile))),
        Framing::SysmexText => Line::SysmexText(Box::new(SysmexAnalyzer::new(io, profile))),
    };
    let mut next_at = tokio::time::Instant::now();
    for (n, specimen) in ids.into_iter().enumerate() {
        let seq = n as u64 + 1;
        let level = n + 1;
        if let Some(interval) = interval {
            tokio::time::sleep_until(next_at).await;
            next_at += interval;
        }
        let measured = |code: &str| {
            profile
                .simulator
                .tests
                .iter()
                .chain(&profile.simulator.on_request)
                .find(|t| t.code == code)
        };
        let tests: Vec<&SimulatedTest> = if chosen_qc {
            options
                .qc_values
                .iter()
                .filter(|v| v.level == level)
                .filter_map(|v| measured(&v.code))
                .collect()
        } else if options.query && profile.query.supported {
            report.queries += 1;
            let ordered = line
                .query(
                    profile,
                    &specimen,
                    seq,
                    &options.clock,
                    options.reply_timeout,
                )
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
        let mut results: Vec<SimResult> = tests
            .iter()
            .map(|t| {
                // A value is drawn for every test, chosen or not, so choosing one value leaves
                // the others as the seed gives them.
                let drawn = values.value(t);
                let chosen = if options.qc {
                    options
                        .qc_values
                        .iter()
                        .find(|v| v.level == level && v.code == t.code)
                        .map(|v| v.value.clone())
                } else {
                    options.values.get(&t.code).cloned()
                };
                SimResult {
                    code: t.code.clone(),
                    value: chosen.unwrap_or(drawn),
                    units: t.units.clone(),
                }
            })
            .collect();
        // A microbiology system sends each isolate's panel: the antibiotics are drawn after
        // the isolates, sent with them, and not reported as results of their own.
        let reported = results.clone();
        if let (Some(section), false) = (&profile.microbiology, options.qc) {
            for t in &profile.simulator.antibiotics {
                let word = values.value(t);
                results.push(SimResult {
                    code: t.code.clone(),
                    units: microbiology::mic_for(section, t, &word),
                    value: word,
                });
            }
        }
        let mark = options.qc.then(|| QcMark {
            level: Some(level.to_string()),
            lot: options.qc_lot.clone(),
        });
        report.sent += 1;
        match line
            .results(profile, &specimen, &results, mark.as_ref(), seq, &options)
            .await?
        {
            Delivery::Acknowledged => report.acknowledged += 1,
            Delivery::Rejected => report.rejected += 1,
            Delivery::TimedOut => report.timed_out += 1,
        }
        report.results.push((specimen, reported));
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
        clock: &SimClock,
        limit: Duration,
    ) -> Result<Option<Vec<String>>, SimError> {
        match self {
            Self::Astm(line) => {
                let q = build::astm_query(profile, specimen, &clock.stamp());
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
                line.write(&build::hl7_query(profile, specimen, seq, &clock.stamp()))
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
                            line.write(&build::hl7_ack_for(
                                &control_id,
                                "Q03",
                                seq,
                                &clock.stamp(),
                            ))
                            .await?;
                            return Ok(Some(codes));
                        }
                        build::Hl7Reply::OrderMessage {
                            codes: c,
                            control_id,
                        } => {
                            codes.extend(c);
                            line.write(&build::hl7_ack_for(
                                &control_id,
                                "O33",
                                seq,
                                &clock.stamp(),
                            ))
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
        qc: Option<&QcMark>,
        seq: u64,
        options: &SimOptions,
    ) -> Result<Delivery, SimError> {
        // The analyzer's clock is read as the message is made: the time it sends is the time
        // it stamps.
        let at = options.clock.stamp();
        let limit = options.reply_timeout;
        match self {
            Self::Astm(line) => {
                let text = match (&profile.microbiology, qc) {
                    (Some(section), None) => {
                        let (isolates, antibiotics): (Vec<_>, Vec<_>) = results
                            .iter()
                            .partition(|r| section.label_of(&r.code).is_some());
                        let isolates: Vec<(String, SimResult)> = isolates
                            .into_iter()
                            .filter_map(|r| Some((section.label_of(&r.code)?, r.clone())))
                            .collect();
                        let antibiotics: Vec<SimResult> =
                            antibiotics.into_iter().cloned().collect();
                        microbiology::astm_isolates(
                            profile,
                            section,
                            specimen,
                            &isolates,
                            &antibiotics,
                            &at,
                        )
                    }
                    _ => build::astm_results(profile, specimen, results, qc, &at),
                };
                line.send(&text, limit).await
            }
            Self::Mllp(line) => {
                line.write(&build::hl7_results(
                    profile, specimen, results, qc, seq, &at,
                ))
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
            Self::VendorText(line) => {
                line.results(profile, specimen, results, limit, &options.clock)
                    .await
            }
            Self::Dimension(line) => {
                let now = options.clock.now();
                line.results(specimen, results, qc.is_some(), now, limit)
                    .await
            }
            Self::SysmexText(_) if qc.is_some() => Err(SimError::Profile {
                profile: profile.name.clone(),
                reason: "class A QC output is not in the corpus and is not simulated".to_owned(),
            }),
            Self::SysmexText(line) => {
                let now = options.clock.now();
                line.results(specimen, results, seq, now, limit).await
            }
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
