//! `lis serve [--config FILE] [--data DIR] [--http ADDR]`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use tokio_util::sync::CancellationToken;

use crate::serve::{self as server, ServeError, ServeOptions};

/// Arguments of `lis serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The lab config (TOML); the embedded default lab when absent (`lis config example`).
    #[arg(long)]
    config: Option<PathBuf>,
    /// The data directory: database and trace logs; created if missing.
    #[arg(long, default_value = "lis-data")]
    data: PathBuf,
    /// HTTP listen address; port 0 picks a free port (printed on stderr).
    #[arg(long, default_value = server::DEFAULT_HTTP)]
    http: String,
}

pub(crate) fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    super::init_logging();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let options = ServeOptions {
        config: args.config,
        data_dir: args.data,
        http: args.http,
    };
    let outcome = runtime.block_on(async move {
        let shutdown = CancellationToken::new();
        tokio::spawn(server::cancel_on_signal(shutdown.clone()));
        server::serve(options, shutdown).await
    });
    // Blocking store work still queued must not hold the exit for long.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    match outcome {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(error @ ServeError::Config(_)) => {
            let _ = writeln!(std::io::stderr(), "lis: {error}\nlis: nothing was started");
            Ok(ExitCode::from(2))
        }
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "lis: {error}");
            Ok(ExitCode::from(1))
        }
    }
}
