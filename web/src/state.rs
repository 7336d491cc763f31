//! [`AppState`]: what every HTTP handler can reach.

use std::sync::Arc;
use std::time::SystemTime;

use lis_core::{LabConfig, Store};
use lis_drivers::link::LinkRegistry;

/// Shared state of the HTTP app: the store, the link registry and the lab config. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The lab's database.
    pub store: Arc<Store>,
    /// The status of every analyzer link.
    pub links: LinkRegistry,
    /// The lab configuration in force.
    pub config: Arc<LabConfig>,
    /// When this process started serving.
    pub started_at: SystemTime,
}

impl AppState {
    /// State over an opened store and the registry its links update.
    pub fn new(store: Arc<Store>, links: LinkRegistry) -> Self {
        let config = Arc::new(store.config().clone());
        Self {
            store,
            links,
            config,
            started_at: SystemTime::now(),
        }
    }
}
