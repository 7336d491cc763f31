//! [`AppState`]: what every HTTP handler can reach, the one state of the app.

use std::sync::Arc;
use std::time::SystemTime;

use lis_core::model::CommitNotice;
use lis_core::store::CommitListener;
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
    /// (one `on_commit` listener per store, through `Store::commit_feed`: every state over the
    /// same store shares it). The worklist's live streams subscribe to it.
    pub changes: Arc<watch::Sender<i64>>,
    /// The `[lab] logo` printed on reports, read once at start-up (none when not set).
    pub report_logo: Option<Arc<crate::ui::report::ReportLogo>>,
}

impl AppState {
    /// State over an opened store and the registry its links update, with the store's change
    /// feed ([`AppState::changes`], made with its listener on the first call for this store and
    /// shared by every later one), fresh HIS counters and
    /// no running link to download orders to; `lis serve` adds its own with
    /// [`with_his_metrics`](Self::with_his_metrics) and [`with_downloads`](Self::with_downloads).
    pub fn new(store: Arc<Store>, links: LinkRegistry) -> Self {
        let config = Arc::new(store.config().clone());
        let changes = store.commit_feed(|| {
            // A store that cannot read its trail starts the feed at 0; each stream reads the
            // latest change itself when it opens.
            let changes = Arc::new(watch::Sender::new(store.latest_change().unwrap_or(0)));
            let feed = Arc::clone(&changes);
            let listener: CommitListener = Arc::new(move |notice: CommitNotice| {
                feed.send_if_modified(|latest| {
                    let moved = notice.seq > *latest;
                    if moved {
                        *latest = notice.seq;
                    }
                    moved
                });
            });
            (changes, listener)
        });
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
            report_logo: None,
        }
    }

    /// The same state counting into `metrics` (those of the running HIS integration).
    pub fn with_his_metrics(mut self, metrics: Arc<HisMetrics>) -> Self {
        self.his_metrics = metrics;
        self
    }

    /// The same state printing `logo` on reports.
    pub fn with_report_logo(mut self, logo: Option<crate::ui::report::ReportLogo>) -> Self {
        self.report_logo = logo.map(Arc::new);
        self
    }

    /// The same state downloading orders through `downloads` (those of the running links).
    pub fn with_downloads(mut self, downloads: OrderDownloads) -> Self {
        self.downloads = downloads;
        self
    }
}

#[cfg(test)]
mod tests {
    use lis_core::model::{Actor, Role};

    use super::*;

    #[test]
    fn states_over_one_store_share_one_change_feed() {
        let store =
            Arc::new(Store::open_in_memory(LabConfig::embedded_default().unwrap()).unwrap());
        let first = AppState::new(Arc::clone(&store), LinkRegistry::new());
        let second = AppState::new(Arc::clone(&store), LinkRegistry::new());
        assert!(Arc::ptr_eq(&first.changes, &second.changes));
        let mut seen = first.changes.subscribe();
        store
            .create_user("lan", "KTV Lan", &[Role::Technician], &Actor::System)
            .unwrap();
        // The commit moved the one feed, once.
        assert!(seen.has_changed().unwrap());
        let seq = *seen.borrow_and_update();
        assert_eq!(seq, store.latest_change().unwrap());
        assert_eq!(*second.changes.borrow(), seq);
        // A state over another store has its own feed.
        let other = Store::open_in_memory(LabConfig::embedded_default().unwrap()).unwrap();
        let third = AppState::new(Arc::new(other), LinkRegistry::new());
        assert!(!Arc::ptr_eq(&first.changes, &third.changes));
    }
}
