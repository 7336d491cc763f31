//! `lis simulate`: an analyzer of a profile, over TCP or a serial port (the drivers' simulator).
//!
//! Prints `sent=N acknowledged=N rejected=N timed_out=N queries=N answered=N` on stdout; with
//! `--json`, then one JSON line per specimen with the tests the LIS ordered (when querying) and
//! the results sent. A test the LIS asked for that the profile cannot perform is named on stderr
//! (and in the JSON line as `not_performed`). Exits 0 when every result message was acknowledged,
//! every query answered and every asked-for test performed, 1 otherwise.
//!
//! The simulated analyzer stamps its results with the machine's clock, shown in `--time-zone`
//! (default the machine's zone), when it sends them. `--value GLU=5.2` sends a chosen patient
//! value; `--qc` sends QC, one specimen per control level (default ids `QC1-0001`,
//! `QC2-0001`...), and `--qc-value GLU:1=6.25` chooses a level's value (each level then sends
//! only its chosen tests); `--qc-lot` puts the lot where the profile reads one. `--clock-start`
//! sets the analyzer's clock to another time, which then runs on.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::{ArgGroup, Args};
use jiff::tz::TimeZone;
use lis_drivers::simulator::{self, QcValue, SimClock, SimOptions, SimTarget};
use lis_drivers::transport::serial::SerialSettings;
use serde_json::json;

use crate::lab::profiles;

/// Arguments of `lis simulate`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["connect", "listen", "serial"])))]
pub(crate) struct SimulateArgs {
    /// The analyzer profile to simulate (`generic-astm`, `sysmex-xn`, ...).
    #[arg(long)]
    profile: String,
    /// Connect to the LIS at HOST:PORT (the LIS listens).
    #[arg(long, value_name = "HOST:PORT")]
    connect: Option<String>,
    /// Listen on HOST:PORT and serve the first connection (the LIS connects).
    #[arg(long, value_name = "HOST:PORT")]
    listen: Option<String>,
    /// A serial device (or one end of a pseudo-terminal pair), 9600 8N1 unless told otherwise.
    #[arg(long, value_name = "DEVICE")]
    serial: Option<String>,
    /// Serial speed.
    #[arg(long, default_value_t = SerialSettings::DEFAULT_BAUD)]
    baud: u32,
    /// How many specimens (ignored with --specimen-id).
    #[arg(long, default_value_t = 1)]
    specimens: usize,
    /// Specimens per second; 0: as fast as the LIS acknowledges.
    #[arg(long, default_value_t = 0.0)]
    rate: f64,
    /// Ask the LIS for each specimen's tests first and run only those.
    #[arg(long)]
    query: bool,
    /// Specimen ids (repeat, or comma separated); default SIM0001, SIM0002...
    #[arg(long = "specimen-id", value_delimiter = ',')]
    specimen_ids: Vec<String>,
    /// Seed of the generated values (the same seed sends the same values).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Send QC results instead of patient results, marked the profile's way: each specimen is
    /// one control level, in order (default ids QC1-0001, QC2-0001...).
    #[arg(long)]
    qc: bool,
    /// With --qc: the value of TEST on the control of LEVEL (repeat: GLU:1=6.25 GLU:2=16.0);
    /// each level then sends only the tests chosen for it.
    #[arg(long = "qc-value", value_name = "TEST:LEVEL=VALUE")]
    qc_values: Vec<QcValue>,
    /// With --qc: the control material's lot, sent where the profile reads a QC lot.
    #[arg(long, value_name = "LOT")]
    qc_lot: Option<String>,
    /// A patient value chosen instead of drawn (repeat: GLU=5.2).
    #[arg(long = "value", value_name = "TEST=VALUE", value_parser = chosen_value)]
    values: Vec<(String, String)>,
    /// The time zone the analyzer's clock is set to (IANA name, e.g. Asia/Ho_Chi_Minh); its
    /// results are stamped with the local time there. Default: the machine's time zone.
    #[arg(long, value_name = "ZONE")]
    time_zone: Option<String>,
    /// The local time the analyzer's clock shows when the run starts (2026-12-07T08:00:00), then
    /// running on; default: the machine's clock.
    #[arg(long, value_name = "DATETIME")]
    clock_start: Option<String>,
    /// Seconds to wait for each acknowledgement or answer.
    #[arg(long, default_value_t = 30)]
    reply_timeout: u64,
    /// Also print one JSON line per specimen: what was ordered and what was sent.
    #[arg(long)]
    json: bool,
}

/// Reads `TEST=VALUE`.
fn chosen_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((code, value)) if !code.trim().is_empty() && !value.trim().is_empty() => {
            Ok((code.trim().to_owned(), value.trim().to_owned()))
        }
        _ => Err(format!("`{text}`: expected TEST=VALUE, e.g. GLU=5.2")),
    }
}

pub(crate) fn run(args: SimulateArgs) -> anyhow::Result<ExitCode> {
    super::init_logging();
    let set = profiles().map_err(anyhow::Error::msg)?;
    let Some(profile) = set.get(&args.profile) else {
        anyhow::bail!(
            "unknown profile `{}` (known: {})",
            args.profile,
            set.names().collect::<Vec<_>>().join(", ")
        );
    };
    let target = match (&args.connect, &args.listen, &args.serial) {
        (Some(addr), _, _) => SimTarget::Connect(addr.clone()),
        (_, Some(addr), _) => SimTarget::Listen(addr.clone()),
        (_, _, Some(device)) => {
            let mut settings = SerialSettings::new(device.clone());
            settings.baud = args.baud;
            SimTarget::Serial(settings)
        }
        _ => anyhow::bail!("one of --connect, --listen or --serial is needed"),
    };
    let zone = match &args.time_zone {
        Some(name) => TimeZone::get(name).map_err(|e| {
            anyhow::anyhow!("--time-zone `{name}`: not a time zone known here: {e}")
        })?,
        None => TimeZone::system(),
    };
    let clock = match &args.clock_start {
        None => SimClock::system(zone),
        Some(text) => {
            let local: jiff::civil::DateTime = text.parse().map_err(|e| {
                anyhow::anyhow!("--clock-start `{text}`: expected a local date and time such as 2026-12-07T08:00:00: {e}")
            })?;
            let start = local
                .to_zoned(zone.clone())
                .map_err(|e| anyhow::anyhow!("--clock-start `{text}`: {e}"))?
                .timestamp();
            SimClock::starting_at(start, zone)
        }
    };
    let options = SimOptions {
        specimens: args.specimens,
        rate: args.rate,
        query: args.query,
        specimen_ids: (!args.specimen_ids.is_empty()).then(|| args.specimen_ids.clone()),
        seed: args.seed,
        qc: args.qc,
        qc_values: args.qc_values.clone(),
        qc_lot: args.qc_lot.clone(),
        values: args.values.iter().cloned().collect::<BTreeMap<_, _>>(),
        clock,
        reply_timeout: Duration::from_secs(args.reply_timeout),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(simulator::run(&profile, target, options))?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "sent={} acknowledged={} rejected={} timed_out={} queries={} answered={}",
        report.sent,
        report.acknowledged,
        report.rejected,
        report.timed_out,
        report.queries,
        report.queries_answered
    )?;
    for (specimen, codes) in &report.not_performed {
        let _ = writeln!(
            std::io::stderr(),
            "lis: specimen {specimen}: the LIS asked for {} but profile {} does not perform {}",
            codes.join(", "),
            profile.name,
            if codes.len() == 1 { "it" } else { "them" }
        );
    }
    if args.json {
        for (specimen, results) in &report.results {
            let ordered = report
                .ordered
                .iter()
                .find(|(s, _)| s == specimen)
                .map(|(_, tests)| tests.clone());
            let results: Vec<_> = results
                .iter()
                .map(|r| json!({ "code": r.code, "value": r.value, "units": r.units }))
                .collect();
            let not_performed = report
                .not_performed
                .iter()
                .find(|(s, _)| s == specimen)
                .map(|(_, tests)| tests.clone())
                .unwrap_or_default();
            writeln!(
                out,
                "{}",
                json!({ "specimen": specimen, "ordered": ordered, "results": results, "not_performed": not_performed })
            )?;
        }
    }
    let complete = report.acknowledged == report.sent
        && report.queries_answered == report.queries
        && report.not_performed.is_empty();
    Ok(if complete {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
