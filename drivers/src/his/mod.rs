//! The hospital information system (HIS) side: HL7 v2 over MLLP.
//!
//! - Orders in: [`listener`] accepts ORM^O01 / OML^O21 ([`orders`] reads them into core orders),
//!   journals each message and answers it ([`order_ack`]: ACK or ORR^O02 / ORL^O22 with
//!   AA/AE/AR and each order's control answer; in enhanced mode the accept acknowledgement
//!   first). Connections are capped, closed when idle, and every write has a timeout.
//! - Results out: [`sender`] delivers the outbox (rows written by core when results are released
//!   or corrected) to each configured endpoint as ORU^R01 ([`oru`]), in order per order, retrying
//!   with backoff until ACK AA, with the same bytes and MSH-10 on every retry; every store call
//!   runs on the blocking pool, and each message is built from one read transaction. A commit that
//!   queues results wakes the senders at once ([`SenderWake`]); the poll is the fallback.
//! - [`config`] reads the `[his]` section; [`metrics`] counts for `GET /metrics`.
//!
//! [`start_his`] starts both (what `lis serve` calls) and returns the bound orders address (tests
//! bind port 0), the senders' wake and the tasks to join at shutdown.

pub mod config;
pub mod listener;
pub mod metrics;
pub mod order_ack;
pub mod orders;
pub mod oru;
mod oru_micro;
pub mod sender;

use std::net::SocketAddr;
use std::sync::Arc;

use lis_core::model::CommitNotice;
use lis_core::Store;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub use config::{HisConfig, HisConfigError, OrderAckForm, OrmSpecimenId, ResultsEndpoint};
pub use metrics::HisMetrics;

/// The HIS integration could not start.
#[derive(Debug, thiserror::Error)]
pub enum HisError {
    /// The `[his]` section cannot be read.
    #[error(transparent)]
    Config(#[from] HisConfigError),
    /// The orders listener could not bind its address.
    #[error("cannot listen for HIS orders on {address}: {source}")]
    Bind {
        /// The configured address.
        address: String,
        /// Why.
        source: std::io::Error,
    },
}

/// The running HIS tasks.
#[derive(Debug)]
pub struct HisRunning {
    /// Wakes the senders at once instead of at their next poll. [`start_his`] already has the
    /// store wake them after every commit that queued results (a release or a correction).
    pub wake: Arc<SenderWake>,
    /// Where the orders listener listens (none when turned off).
    pub orders_addr: Option<SocketAddr>,
    tasks: JoinSet<()>,
}

/// Wakes every results sender: each has its own [`Notify`], so a wake that comes while a sender
/// is busy is kept for it (a stored permit) and none of them misses it.
#[derive(Debug, Default)]
pub struct SenderWake {
    senders: Vec<Arc<Notify>>,
}

impl SenderWake {
    /// Wakes every sender to read the outbox now.
    pub fn wake(&self) {
        for sender in &self.senders {
            sender.notify_one();
        }
    }

    /// Wakes the senders when a commit queued results for the HIS; other commits do not.
    pub fn on_commit(&self, notice: CommitNotice) {
        if notice.results_released {
            self.wake();
        }
    }
}

impl HisRunning {
    /// Waits until every task has stopped (after the shutdown token is cancelled).
    pub async fn join(mut self) {
        while self.tasks.join_next().await.is_some() {}
    }
}

/// Binds the orders listener and starts it and one sender per results endpoint.
pub async fn start_his(
    config: HisConfig,
    store: Arc<Store>,
    metrics: Arc<HisMetrics>,
    shutdown: CancellationToken,
) -> Result<HisRunning, HisError> {
    let config = Arc::new(config);
    let mut tasks = JoinSet::new();
    let mut orders_addr = None;
    if !config.orders_listen.trim().is_empty() {
        let listener = TcpListener::bind(config.orders_listen.trim())
            .await
            .map_err(|source| HisError::Bind {
                address: config.orders_listen.clone(),
                source,
            })?;
        orders_addr = listener.local_addr().ok();
        tracing::info!(address = ?orders_addr, "listening for HIS orders (MLLP)");
        tasks.spawn(listener::serve_orders(
            listener,
            store.clone(),
            config.clone(),
            metrics.clone(),
            shutdown.clone(),
        ));
    }
    let mut senders = Vec::new();
    for endpoint in &config.results {
        let wake = Arc::new(Notify::new());
        senders.push(wake.clone());
        let s = sender::Sender {
            store: store.clone(),
            config: config.clone(),
            endpoint: endpoint.clone(),
            metrics: metrics.clone(),
            wake,
            shutdown: shutdown.clone(),
        };
        tasks.spawn(s.run());
    }
    let wake = Arc::new(SenderWake { senders });
    // Released results go out at once, not at the next poll. The store keeps the listener for
    // its life; once these senders are gone it does nothing.
    let weak = Arc::downgrade(&wake);
    store.on_commit(Arc::new(move |notice| {
        if let Some(wake) = weak.upgrade() {
            wake.on_commit(notice);
        }
    }));
    Ok(HisRunning {
        orders_addr,
        wake,
        tasks,
    })
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod flow_tests;

#[cfg(test)]
mod wake_tests;

#[cfg(test)]
mod oru_micro_tests;
#[cfg(test)]
mod oru_tests;

#[cfg(test)]
mod order_ack_tests;

#[cfg(test)]
mod slow_store_tests;

#[cfg(test)]
mod bounds_tests;
