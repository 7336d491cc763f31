//! Starting every configured link: transport, protocol machine, handler, trace.

use std::sync::Arc;

use lis_core::Store;
use lis_drivers::config::LinkConfig;
use lis_drivers::link::LinkRegistry;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::lab::Lab;
use super::ServeError;

/// The running link tasks.
#[derive(Debug, Default)]
pub struct RunningLinks {
    tasks: JoinSet<()>,
}

impl RunningLinks {
    /// Waits for every link task to end (after the shutdown token is cancelled).
    pub async fn join(mut self) {
        while let Some(done) = self.tasks.join_next().await {
            if let Err(error) = done {
                tracing::error!(%error, "a link task failed");
            }
        }
    }
}

/// Checks that the link's profile exists and fits its protocol.
pub fn check_profile(_link: &LinkConfig) -> Result<(), String> {
    Ok(())
}

/// Opens every link's transport and spawns its task.
pub async fn start(
    lab: &Lab,
    _store: &Arc<Store>,
    _registry: &LinkRegistry,
    _shutdown: &CancellationToken,
) -> Result<RunningLinks, ServeError> {
    if let Some(link) = lab.links.first() {
        return Err(ServeError::Link {
            link: link.name.clone(),
            reason: "links are not wired yet".to_owned(),
        });
    }
    Ok(RunningLinks::default())
}
