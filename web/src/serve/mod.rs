//! `lis serve`: the lab config, the store, every analyzer link and the HTTP listener in one process,
//! until Ctrl-C or SIGTERM.
//!
//! Start order: the config is checked completely first, with the HTTPS certificate and key when
//! the `[http]` settings name them (a bad config starts nothing), then the store is opened (migrations run), then every link's transport is opened (a TCP port in use is reported
//! here), then the HTTP listener is bound. The bound addresses are written to stderr as
//! `lis: http listening on ADDR` (`https` with TLS) and `lis: link NAME TRANSPORT` lines, so a caller that asked for
//! port 0 learns the real ports (they are also in `GET /api/v1/links`).
//!
//! Shutdown: the signal cancels one [`CancellationToken`]. Links stop reading, wait for stores in
//! flight so those messages are still acknowledged (or leave them unacknowledged, so the analyzer
//! sends them again), flush and sync their traces; the HTTP listener finishes its requests; then
//! the store is closed.
//!
//! - [`links`]: starting the links.

pub mod links;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lis_core::Store;
use lis_drivers::link::LinkRegistry;
use tokio_util::sync::CancellationToken;

use crate::app::app_with;
use crate::http_settings::{HttpSettings, HttpSettingsError};
use crate::lab;
use crate::listener::tls::{server_config, TlsError};
use crate::listener::Listener;
use crate::state::AppState;

/// Default HTTP address: loopback only, so a fresh install is not reachable from the network.
pub const DEFAULT_HTTP: &str = "127.0.0.1:8080";

/// How long the HTTP listener may take to finish its requests after a shutdown signal.
const HTTP_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// What `lis serve` was asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The lab config file; `None`: the embedded default.
    pub config: Option<PathBuf>,
    /// The data directory (database, traces).
    pub data_dir: PathBuf,
    /// The HTTP listen address.
    pub http: String,
}

/// Why `lis serve` did not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The lab config has problems; nothing was started.
    #[error("{0}")]
    Config(#[from] lab::LabProblems),
    /// The store could not be opened.
    #[error("cannot open the store in {data_dir}: {source}")]
    Store {
        /// The data directory.
        data_dir: PathBuf,
        /// Why.
        source: lis_core::StoreError,
    },
    /// A link could not be started (a TCP port in use, a trace directory not writable).
    #[error("link {link}: {reason}")]
    Link {
        /// The link's name.
        link: String,
        /// Why.
        reason: String,
    },
    /// The `[his]` section is wrong or its orders listener could not be bound.
    #[error("his: {0}")]
    His(#[from] lis_drivers::his::HisError),
    /// The `[http]` settings are wrong.
    #[error("{0}")]
    HttpSettings(#[from] HttpSettingsError),
    /// The `[lab] logo` file cannot be used; nothing was started.
    #[error("{0}")]
    Logo(String),
    /// The HTTPS certificate or key cannot be used; nothing was served.
    #[error("https: {0}")]
    Tls(#[from] TlsError),
    /// The HTTP listener could not be bound or failed.
    #[error("http {address}: {source}")]
    Http {
        /// The address asked for.
        address: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Runs the LIS until `shutdown` is cancelled (the CLI cancels it on Ctrl-C or SIGTERM).
pub async fn serve(options: ServeOptions, shutdown: CancellationToken) -> Result<(), ServeError> {
    let mut lab = lab::load(options.config.as_deref())?;
    lab.default_trace_dir(&options.data_dir);
    let http_settings = HttpSettings::from_table(lab.config.http.as_ref())?;
    let report_logo = crate::ui::report::ReportLogo::load(
        lab.config.lab.logo.as_deref(),
        options.config.as_deref(),
    )
    .map_err(ServeError::Logo)?;
    let tls = http_settings.tls.as_ref().map(server_config).transpose()?;
    tracing::info!(
        config = %lab.config.source_name,
        tests = lab.config.tests.len(),
        instruments = lab.config.instruments.len(),
        links = lab.links.len(),
        "lab config loaded"
    );

    let data_dir = options.data_dir.clone();
    let config = lab.config.clone();
    let store = tokio::task::spawn_blocking(move || Store::open(&data_dir, config))
        .await
        .map_err(|e| ServeError::Store {
            data_dir: options.data_dir.clone(),
            source: lis_core::StoreError::Io {
                path: options.data_dir.display().to_string(),
                source: std::io::Error::other(e.to_string()),
            },
        })?
        .map_err(|source| ServeError::Store {
            data_dir: options.data_dir.clone(),
            source,
        })?;
    let store = Arc::new(store);
    tracing::info!(data = %options.data_dir.display(), "store opened");
    // A database without users gets `admin` with a one-time password, shown here once.
    let first_start = Arc::clone(&store);
    let one_time =
        tokio::task::spawn_blocking(move || first_start.ensure_first_admin(jiff::Timestamp::now()))
            .await
            .unwrap_or_else(|e| {
                Err(lis_core::StoreError::Io {
                    path: options.data_dir.display().to_string(),
                    source: std::io::Error::other(e.to_string()),
                })
            })
            .map_err(|source| ServeError::Store {
                data_dir: options.data_dir.clone(),
                source,
            })?;
    if let Some(password) = one_time {
        announce(&format!(
            "first start: created user admin with one-time password {password} (change it at first sign-in)"
        ));
    }

    // The links count their days in the lab's time zone (the instruments page's "today").
    let registry = LinkRegistry::in_time_zone(store.config().time_zone().clone());
    let running = links::start(&lab, &store, &registry, &shutdown).await?;
    for status in registry.snapshot() {
        tracing::info!(link = %status.name, transport = %status.transport, "link listening or connecting");
        announce(&format!("link {} {}", status.name, status.transport));
    }

    // The HIS integration runs when the lab config has a `[his]` section (the embedded default
    // has one: orders on 127.0.0.1:2575, results to 127.0.0.1:2576).
    let his_metrics = Arc::new(lis_drivers::his::HisMetrics::new());
    let his = match lab.config.his.as_ref() {
        Some(table) => {
            let his_config = lis_drivers::his::HisConfig::from_table(Some(table))
                .map_err(lis_drivers::his::HisError::from)?;
            let his = lis_drivers::his::start_his(
                his_config,
                Arc::clone(&store),
                Arc::clone(&his_metrics),
                shutdown.clone(),
            )
            .await?;
            if let Some(addr) = his.orders_addr {
                announce(&format!("his orders listening on {addr}"));
            }
            Some(his)
        }
        None => {
            tracing::info!("no [his] section in the lab config: HIS integration off");
            None
        }
    };

    let listener = Listener::bind(&options.http, tls, &http_settings)
        .await
        .map_err(|source| ServeError::Http {
            address: options.http.clone(),
            source,
        })?;
    let bound: SocketAddr = listener.local_addr().map_err(|source| ServeError::Http {
        address: options.http.clone(),
        source,
    })?;
    let scheme = if listener.is_tls() { "https" } else { "http" };
    announce(&format!("{scheme} listening on {bound}"));
    tracing::info!(%bound, scheme, "http listening");

    let state = AppState::new(Arc::clone(&store), registry.clone())
        .with_his_metrics(his_metrics)
        .with_downloads(running.order_downloads())
        .with_report_logo(report_logo);
    let router = app_with(state, &http_settings);
    let http = tokio::spawn(listener.serve(router, shutdown.clone()));

    shutdown.cancelled().await;
    tracing::info!("shutting down: links finish the messages in flight");
    running.join().await;
    if let Some(his) = his {
        his.join().await;
    }
    match tokio::time::timeout(HTTP_SHUTDOWN_GRACE, http).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(%error, "http task failed"),
        Err(_) => tracing::warn!("http requests still open after the grace period; closing"),
    }
    // Every link task has ended, so this is the last reference unless a handler still runs.
    match Arc::try_unwrap(store) {
        Ok(store) => {
            drop(store);
            tracing::info!("store closed");
        }
        Err(_) => tracing::warn!("store still referenced at shutdown; it closes at exit"),
    }
    Ok(())
}

/// A line for whoever started `lis serve` (scripts and tests read the bound ports from it).
fn announce(line: &str) {
    let _ = writeln!(std::io::stderr(), "lis: {line}");
}

/// Cancels `token` on the first Ctrl-C (SIGINT) or SIGTERM. A second signal while shutting down
/// exits at once (code 130): whatever was acknowledged is already durable, and a message in flight
/// was not acknowledged, so the analyzer sends it again.
pub async fn cancel_on_signal(token: CancellationToken) {
    tokio::select! {
        name = next_signal() => tracing::info!("{name} received"),
        () = token.cancelled() => return,
    }
    token.cancel();
    let name = next_signal().await;
    tracing::warn!("{name} received again: exiting without waiting for the links");
    std::process::exit(130);
}

/// Waits for Ctrl-C or SIGTERM and names it.
async fn next_signal() -> &'static str {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => "Ctrl-C",
        () = term => "SIGTERM",
    }
}

#[cfg(test)]
mod tests {
    use lis_drivers::his::{HisConfigError, HisError};

    use super::*;

    /// A `[his]` key with a value the LIS does not know stops `lis serve` with a typed error
    /// naming the key, not a string.
    #[tokio::test]
    async fn a_bad_his_section_is_a_typed_his_config_error() {
        let dir = tempfile::tempdir().unwrap();
        let text = lis_core::DEFAULT_LAB_TOML
            .replace("port = 5001", "port = 0")
            .replace("port = 5002", "port = 0")
            .replace("order_ack = \"ack\"", "order_ack = \"fax\"");
        let config = dir.path().join("lab.toml");
        std::fs::write(&config, text).unwrap();
        let shutdown = CancellationToken::new();
        let options = ServeOptions {
            config: Some(config),
            data_dir: dir.path().join("data"),
            http: String::from("127.0.0.1:0"),
        };
        let outcome = serve(options, shutdown.clone()).await;
        shutdown.cancel();
        match outcome {
            Err(ServeError::His(HisError::Config(HisConfigError::Invalid { path, .. }))) => {
                assert_eq!(path, "order_ack");
            }
            other => panic!("expected a [his] config error, got {other:?}"),
        }
    }
}
