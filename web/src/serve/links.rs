//! Starting every configured link (the drivers' [`start_links`]) and checking link profiles for
//! `lis config check`.

use std::sync::{Arc, OnceLock};

use lis_core::{Ingestor, Store};
use lis_drivers::config::{LinkConfig, Protocol};
use lis_drivers::link::LinkRegistry;
use lis_drivers::profile::{MessageProtocol, ProfileSet};
use lis_drivers::runner::{start_links, RunningLinks};
use tokio_util::sync::CancellationToken;

use super::lab::Lab;
use super::ServeError;

/// The embedded analyzer profiles, read once.
pub fn profiles() -> Result<&'static ProfileSet, String> {
    static PROFILES: OnceLock<Result<ProfileSet, String>> = OnceLock::new();
    PROFILES
        .get_or_init(|| ProfileSet::embedded().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(Clone::clone)
}

/// Checks that the link's profile (its own `profile`, else the instrument's) exists and that the
/// connection's protocol carries the profile's messages.
pub fn check_profile(link: &LinkConfig, instrument_profile: &str) -> Result<(), String> {
    let name = if link.profile.is_empty() {
        instrument_profile
    } else {
        link.profile.as_str()
    };
    let set = profiles()?;
    let Some(profile) = set.get(name) else {
        return Err(format!(
            "unknown profile `{name}` (known: {})",
            set.names().collect::<Vec<_>>().join(", ")
        ));
    };
    let fits = matches!(
        (link.protocol, profile.protocol),
        (
            Protocol::AstmE1381 | Protocol::AstmRaw,
            MessageProtocol::Astm
        ) | (Protocol::Hl7Mllp, MessageProtocol::Hl7)
    );
    if fits {
        Ok(())
    } else {
        Err(format!(
            "protocol {:?} does not carry profile `{name}`'s {:?} messages",
            link.protocol, profile.protocol
        ))
    }
}

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
        reason,
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
