//! `lis simulate`: an analyzer of a profile, over TCP or a serial port.

use std::process::ExitCode;

use clap::Args;

/// Arguments of `lis simulate`.
#[derive(Debug, Args)]
pub(crate) struct SimulateArgs {
    /// The analyzer profile to simulate.
    #[arg(long)]
    profile: String,
}

pub(crate) fn run(args: SimulateArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("lis simulate --profile {}: not available yet", args.profile)
}
