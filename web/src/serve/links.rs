//! Starting every configured link (the drivers' [`start_links`]).

use std::sync::Arc;

use lis_core::{Ingestor, Store};
use lis_drivers::link::LinkRegistry;
use lis_drivers::runner::{start_links, RunningLinks};
use tokio_util::sync::CancellationToken;

use super::ServeError;
use crate::lab::Lab;

/// Opens every link's transport and spawns its task, with the lab's profiles (embedded and its
/// own); the store's group-commit writer is shared by all links.
pub async fn start(
    lab: &Lab,
    store: &Arc<Store>,
    registry: &LinkRegistry,
    shutdown: &CancellationToken,
) -> Result<RunningLinks, ServeError> {
    let ingestor = if lab.links.is_empty() {
        None
    } else {
        let s = Arc::clone(store);
        let started = tokio::task::spawn_blocking(move || Ingestor::start(&s))
            .await
            .map_err(|e| ServeError::Link {
                link: "(ingest writer)".to_owned(),
                reason: e.to_string(),
            })?;
        Some(started.map_err(|e| ServeError::Link {
            link: "(ingest writer)".to_owned(),
            reason: e.to_string(),
        })?)
    };
    start_links(
        &lab.config,
        Arc::clone(store),
        ingestor,
        &lab.profiles,
        registry,
        shutdown.clone(),
    )
    .await
    .map_err(|e| ServeError::Link {
        link: "start".to_owned(),
        reason: e.to_string(),
    })
}
