//! `lis replay TRACE`: decode a link's trace again; writes nothing.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

/// Arguments of `lis replay`.
#[derive(Debug, Args)]
pub(crate) struct ReplayArgs {
    /// The trace file (its rotated predecessors are read first).
    trace: PathBuf,
    /// The analyzer profile; read from the trace's link otherwise.
    #[arg(long)]
    profile: Option<String>,
}

pub(crate) fn run(args: &ReplayArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("lis replay {}: not available yet", args.trace.display())
}
