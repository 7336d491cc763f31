//! `lis simulate`: an analyzer of a profile, over TCP or a serial port (the drivers' simulator).
//!
//! Prints `sent=N acknowledged=N rejected=N timed_out=N queries=N answered=N` on stdout; with
//! `--json`, then one JSON line per specimen with the tests the LIS ordered (when querying) and
//! the results sent. A test the LIS asked for that the profile cannot perform is named on stderr
//! (and in the JSON line as `not_performed`). Exits 0 when every result message was acknowledged,
//! every query answered and every asked-for test performed, 1 otherwise.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::{ArgGroup, Args};
use lis_drivers::simulator::{self, SimOptions, SimTarget};
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
    /// Send QC results instead of patient results.
    #[arg(long)]
    qc: bool,
    /// Seconds to wait for each acknowledgement or answer.
    #[arg(long, default_value_t = 30)]
    reply_timeout: u64,
    /// Also print one JSON line per specimen: what was ordered and what was sent.
    #[arg(long)]
    json: bool,
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
    let options = SimOptions {
        specimens: args.specimens,
        rate: args.rate,
        query: args.query,
        specimen_ids: (!args.specimen_ids.is_empty()).then(|| args.specimen_ids.clone()),
        seed: args.seed,
        qc: args.qc,
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
