//! The `lis` command line.
//!
//! | command | module |
//! |---|---|
//! | `lis parse` | `parse` |
//! | `lis serve` | `serve` |
//! | `lis config example`, `lis config check` | `config` |
//! | `lis audit verify`, `lis audit list`, `lis journal verify`, `lis journal list` | `verify` |
//! | `lis order add`, `lis results`, `lis rerun`, `lis correct` | `lab` |
//! | `lis his requeue` | `his` |
//! | `lis simulate` | `simulate` |
//! | `lis qc state`, `lis qc override`, `lis verify`, `lis release` | `qc` |
//! | `lis replay` | `replay` |
//! | `lis profile list`, `lis profile check`, `lis profile try` | `profile` |
//! | `lis token create`, `lis token revoke`, `lis token list` | `token` |
//! | `lis user add`, `lis user passwd`, `lis user disable`, `lis user list` | `user` |
//!
//! Exit codes: 0 success; 1 the command ran and found a problem (a broken audit chain, a config
//! with problems, a simulated message not acknowledged); 2 the command could not run (bad
//! arguments, a bad config for `lis serve`, a file that cannot be read).

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod config;
mod his;
mod lab;
mod parse;
mod profile;
mod qc;
mod reading_json;
mod replay;
mod replay_vendor;
mod serve;
mod simulate;
pub mod token;
pub mod user;
mod verify;

/// The laboratory information system.
#[derive(Debug, Parser)]
#[command(name = "lis", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode analyzer captures and messages (ASTM E1381/E1394, HL7 v2 with or without MLLP).
    Parse(parse::ParseArgs),
    /// Run the LIS: every analyzer link in the lab config and the HTTP listener.
    Serve(serve::ServeArgs),
    /// Print or check a lab config.
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Check the audit trail's hash chain.
    #[command(subcommand)]
    Audit(verify::AuditCommand),
    /// Check or list the raw message journal.
    #[command(subcommand)]
    Journal(verify::JournalCommand),
    /// Place an order (a patient, a specimen, its tests).
    #[command(subcommand)]
    Order(lab::OrderCommand),
    /// Print stored results as JSON lines.
    Results(lab::ResultsArgs),
    /// Verify a result waiting for review.
    Verify(qc::ReviewArgs),
    /// Release a verified result to the HIS (refused while its QC is rejected).
    Release(qc::ReviewArgs),
    /// Quality control: the state of each instrument and test, a supervisor's override.
    #[command(subcommand)]
    Qc(qc::QcCommand),
    /// Ask for a rerun of a result: its test goes back on the analyzer's work list.
    Rerun(lab::RerunArgs),
    /// Correct a released result: a new version, sent to the HIS as a correction (status C).
    Correct(lab::CorrectArgs),
    /// HIS deliveries: put one the HIS rejected back in the queue.
    #[command(subcommand)]
    His(his::HisCommand),
    /// Simulate an analyzer of a profile against a LIS (or a LIS against nothing: --listen).
    Simulate(simulate::SimulateArgs),
    /// Decode a link's trace again, printing what it would have stored; writes nothing.
    Replay(replay::ReplayArgs),
    /// List, check and try analyzer profiles (the lab's own, without a rebuild).
    #[command(subcommand)]
    Profile(profile::ProfileCommand),
    /// Create, revoke or list the bearer tokens of machine clients (the HIS, FHIR clients).
    Token(token::TokenArgs),
    /// Add, list or disable the people who sign in to the web UI, or set their password.
    User(user::UserArgs),
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Parse(args) => parse::run(&args),
        Command::Serve(args) => serve::run(args),
        Command::Config(command) => config::run(command),
        Command::Audit(command) => verify::run_audit(command),
        Command::Journal(command) => verify::run_journal(command),
        Command::Order(command) => lab::run_order(command),
        Command::Results(args) => lab::run_results(&args),
        Command::Verify(args) => qc::run_review(qc::ReviewStep::Verify, &args),
        Command::Release(args) => qc::run_review(qc::ReviewStep::Release, &args),
        Command::Qc(command) => qc::run(command),
        Command::Rerun(args) => lab::run_rerun(&args),
        Command::Correct(args) => lab::run_correct(&args),
        Command::His(command) => his::run(command),
        Command::Simulate(args) => simulate::run(args),
        Command::Replay(args) => replay::run(&args),
        Command::Profile(command) => profile::run(command),
        Command::Token(args) => token::run(&args),
        Command::User(args) => user::run(&args),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "lis: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Logging to stderr, filtered by `RUST_LOG` (default `info`).
fn init_logging() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
