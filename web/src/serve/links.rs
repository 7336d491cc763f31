//! Starting every configured link (the drivers' [`start_links`]).

use std::sync::Arc;

use lis_core::{Ingestor, Store};
use lis_drivers::link::LinkRegistry;
use lis_drivers::runner::{start_links, RunningLinks};
use tokio_util::sync::CancellationToken;

use super::ServeError;
use crate::lab::{profiles, Lab};

/// Opens every link's transport and spawns its task; the store's group-commit writer is shared by
/// all links.
pub async fn start(
    lab: &Lab,
    store: &Arc<Store>,
    registry: &LinkRegistry,
    shutdown: &CancellationToken,
) -> Result<RunningLinks, ServeError> {
    let profiles = profiles().map_err(|reason| ServeError::Link {
        link: "(profiles)".to_owned(),
        reason: reason.to_string(),
    })?;
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
        profiles,
        registry,
        shutdown.clone(),
    )
    .await
    .map_err(|e| ServeError::Link {
        link: "start".to_owned(),
        reason: e.to_string(),
    })
}
