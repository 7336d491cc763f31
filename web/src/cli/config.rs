//! `lis config example` and `lis config check FILE`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use crate::lab;

/// `lis config ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Print the embedded default lab config (a starting point for your own).
    Example,
    /// Check a lab config: print every problem with its line and key path; exit 1 if any.
    Check {
        /// The lab config file.
        file: PathBuf,
    },
}

pub(crate) fn run(command: ConfigCommand) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match command {
        ConfigCommand::Example => {
            out.write_all(lis_core::DEFAULT_LAB_TOML.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        ConfigCommand::Check { file } => match lab::load(Some(&file)) {
            Ok(lab) => {
                writeln!(
                    out,
                    "{}: OK ({} tests, {} instruments, {} links)",
                    file.display(),
                    lab.config.tests.len(),
                    lab.config.instruments.len(),
                    lab.links.len()
                )?;
                Ok(ExitCode::SUCCESS)
            }
            Err(problems) => {
                for p in &problems.problems {
                    writeln!(out, "{}", p.located(&problems.source_name))?;
                }
                writeln!(out, "{} problem(s)", problems.problems.len())?;
                Ok(ExitCode::from(1))
            }
        },
    }
}
