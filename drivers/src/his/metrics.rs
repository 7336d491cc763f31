//! Counters of the HIS integration, read by `GET /metrics`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Upper bounds (seconds) of the HIS delivery latency histogram: from release to ACK AA.
pub const LATENCY_BUCKETS: [f64; 10] = [0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0, 300.0, 3600.0];

/// State of one results endpoint as last seen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EndpointHealth {
    /// The last attempt got an answer.
    pub up: bool,
    /// The last error, if the last attempt failed.
    pub last_error: Option<String>,
}

/// HIS counters since start.
#[derive(Debug, Default)]
pub struct HisMetrics {
    /// Order messages received (any content).
    pub orders_received: AtomicU64,
    /// Order messages answered AA.
    pub orders_accepted: AtomicU64,
    /// Order messages answered AE.
    pub orders_errors: AtomicU64,
    /// Order messages answered AR (or unreadable bytes).
    pub orders_rejected: AtomicU64,
    /// Connections to the orders listener refused (peer not in `allow_from`).
    pub connections_refused: AtomicU64,
    /// ORU^R01 send attempts.
    pub results_attempts: AtomicU64,
    /// ORU^R01 acknowledged AA.
    pub results_delivered: AtomicU64,
    /// ORU^R01 answered AE/AR.
    pub results_rejected: AtomicU64,
    /// Attempts without an ACK.
    pub results_failed: AtomicU64,
    latency_counts: [AtomicU64; LATENCY_BUCKETS.len()],
    latency_sum_ms: AtomicU64,
    latency_count: AtomicU64,
    endpoints: Mutex<BTreeMap<String, EndpointHealth>>,
}

impl HisMetrics {
    /// Fresh counters.
    pub fn new() -> Self {
        Self::default()
    }

    pub(crate) fn record_attempt(&self) {
        self.results_attempts.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn record_failed(&self) {
        self.results_failed.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn record_rejected(&self) {
        self.results_rejected.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn record_delivered(&self, latency_secs: f64) {
        self.results_delivered.fetch_add(1, Ordering::Relaxed);
        for (bound, count) in LATENCY_BUCKETS.iter().zip(&self.latency_counts) {
            if latency_secs <= *bound {
                count.fetch_add(1, Ordering::Relaxed);
            }
        }
        // Milliseconds fit in u64 for any latency this process can observe.
        self.latency_sum_ms
            .fetch_add((latency_secs * 1000.0) as u64, Ordering::Relaxed);
        self.latency_count.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn set_endpoint(&self, name: &str, up: bool, last_error: Option<String>) {
        let mut map = self.endpoints.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(name.to_owned(), EndpointHealth { up, last_error });
    }

    /// Each endpoint's last known health.
    pub fn endpoints(&self) -> BTreeMap<String, EndpointHealth> {
        self.endpoints
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The latency histogram: cumulative counts per bucket of [`LATENCY_BUCKETS`], the sum in
    /// seconds and the count.
    pub fn latency(&self) -> (Vec<(f64, u64)>, f64, u64) {
        let buckets = LATENCY_BUCKETS
            .iter()
            .zip(&self.latency_counts)
            .map(|(b, c)| (*b, c.load(Ordering::Relaxed)))
            .collect();
        (
            buckets,
            self.latency_sum_ms.load(Ordering::Relaxed) as f64 / 1000.0,
            self.latency_count.load(Ordering::Relaxed),
        )
    }
}
