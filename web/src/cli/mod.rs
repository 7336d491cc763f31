//! The `lis` command line.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod parse;
pub mod token;

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
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Parse(args) => parse::run(&args),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "lis: {error:#}");
            ExitCode::from(2)
        }
    }
}
