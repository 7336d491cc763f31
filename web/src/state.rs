//! [`AppState`]: what every HTTP handler can reach, the one state of the app.

use std::sync::Arc;
use std::time::SystemTime;

use lis_core::model::CommitNotice;
use lis_core::{LabConfig, Store};
use lis_drivers::his::HisMetrics;
use lis_drivers::link::LinkRegistry;
use lis_drivers::runner::OrderDownloads;
use tokio::sync::watch;

/// Shared state of the HTTP app. Cheap to clone: every field is shared.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The lab's database.
    pub store: Arc<Store>,
    /// The status of every analyzer link (`/api/v1/links`, `/healthz`, `/metrics`).
    pub links: LinkRegistry,
    /// The lab configuration in force (the store's).
    pub config: Arc<LabConfig>,
    /// When this process started serving.
    pub started_at: SystemTime,
    /// The HIS counters, shared with the MLLP listener and the result senders (`/metrics`).
    pub his_metrics: Arc<HisMetrics>,
    /// Order downloads to the running analyzer links (none when no link runs).
    pub downloads: OrderDownloads,
    /// Whether the listener serves TLS: cookies are then `Secure` and a form's `Origin` must be
    /// `https://`. [`crate::app::app_with`] sets it from `[http] tls_cert`/`tls_key`.
    pub https: bool,
    /// `[http] public_base_url`: the address clients reach the LIS at (FHIR links are built
    /// from it); `None` builds them from each request's `Host` ([`crate::fhir::FhirBase`]).
    pub public_base_url: Option<Arc<str>>,
    /// The change feed: the latest audit sequence number, moved by every commit of the store
    /// (its `on_commit` listener, registered once in [`AppState::new`]). The worklist's live
    /// streams subscribe to it.
    pub changes: Arc<watch::Sender<i64>>,
}

impl AppState {
    /// State over an opened store and the registry its links update, with the store's change
    /// feed ([`AppState::changes`]; call it once per store), fresh HIS counters and
    /// no running link to download orders to; `lis serve` adds its own with
    /// [`with_his_metrics`](Self::with_his_metrics) and [`with_downloads`](Self::with_downloads).
    pub fn new(store: Arc<Store>, links: LinkRegistry) -> Self {
        let config = Arc::new(store.config().clone());
        // A store that cannot read its trail starts the feed at 0; each stream reads the latest
        // change itself when it opens.
        let changes = Arc::new(watch::Sender::new(store.latest_change().unwrap_or(0)));
        let feed = Arc::clone(&changes);
        store.on_commit(Arc::new(move |notice: CommitNotice| {
            feed.send_if_modified(|latest| {
                let moved = notice.seq > *latest;
                if moved {
                    *latest = notice.seq;
                }
                moved
            });
        }));
        Self {
            store,
            links,
            config,
            started_at: SystemTime::now(),
            his_metrics: Arc::new(HisMetrics::new()),
            downloads: OrderDownloads::default(),
            https: false,
            public_base_url: None,
            changes,
        }
    }

    /// The same state counting into `metrics` (those of the running HIS integration).
    pub fn with_his_metrics(mut self, metrics: Arc<HisMetrics>) -> Self {
        self.his_metrics = metrics;
        self
    }

    /// The same state downloading orders through `downloads` (those of the running links).
    pub fn with_downloads(mut self, downloads: OrderDownloads) -> Self {
        self.downloads = downloads;
        self
    }
}
