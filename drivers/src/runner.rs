//! Starting the lab's links: what `lis serve` calls.
//!
//! [`start_links`] reads every instrument's `[instruments.connection]` (instruments without one are
//! not connected), picks its profile, opens its transport (a TCP server binds here, so a port in
//! use is an error at startup), and spawns one [`Link`] task per instrument with the machine and
//! handler of its protocol. [`RunningLinks`] gives the outboxes (order download) and waits for the
//! tasks at shutdown.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use lis_core::{Ingestor, LabConfig, Store, StoreError};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::{ConfigError, LinkConfig, Protocol};
use crate::download::{InFlight, Outgoing};
use crate::ingest::{AstmHandler, LabLink, MllpHandler, VendorHandler};
use crate::link::{Link, LinkOptions, LinkRegistry};
use crate::machine::{AstmFramedMachine, AstmRawMachine, MllpMachine, VendorMachine};
use crate::profile::{Framing, MessageProtocol, Profile, ProfileSet};
use crate::query::{self, Hl7Peer};
use crate::trace::{TraceError, TraceWriter};
use crate::transport::any::AnyTransport;
use crate::transport::Transport;

/// Outbound messages waiting for a connection, per link.
const OUTBOX_DEPTH: usize = 64;

/// Why the links could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// An instrument's connection section is wrong.
    #[error("instrument {instrument}: {source}")]
    Config {
        /// The instrument id.
        instrument: String,
        /// The error, naming the field.
        source: ConfigError,
    },
    /// The profile named by the instrument does not exist.
    #[error("instrument {instrument}: unknown profile `{profile}` (known: {known})")]
    UnknownProfile {
        /// The instrument id.
        instrument: String,
        /// The name given.
        profile: String,
        /// The profiles available.
        known: String,
    },
    /// The connection protocol does not carry the profile's messages.
    #[error("instrument {instrument}: protocol {protocol:?} does not carry {profile}'s {messages:?} messages")]
    ProtocolMismatch {
        /// The instrument id.
        instrument: String,
        /// The connection protocol.
        protocol: Protocol,
        /// The profile.
        profile: String,
        /// The profile's message family.
        messages: MessageProtocol,
    },
    /// The transport could not be opened (port in use).
    #[error("instrument {instrument}: cannot open {transport}: {source}")]
    Transport {
        /// The instrument id.
        instrument: String,
        /// The transport described.
        transport: String,
        /// The IO error.
        source: std::io::Error,
    },
    /// The trace file could not be opened.
    #[error("instrument {instrument}: trace: {source}")]
    Trace {
        /// The instrument id.
        instrument: String,
        /// The trace error.
        source: TraceError,
    },
}

/// Where to send messages to one analyzer.
#[derive(Debug, Clone)]
pub enum Outbox {
    /// An ASTM link: E1394 message text.
    Astm(mpsc::Sender<Outgoing<String>>),
    /// An HL7 link: HL7 messages (MLLP framing added by the link).
    Hl7(mpsc::Sender<Outgoing<Vec<u8>>>),
    /// A vendor link (`lis-vendor` framings): whole messages as the line carries them. Only
    /// the Dimension takes downloads; the other framings' profiles cannot enable one.
    Vendor(mpsc::Sender<Outgoing<Vec<u8>>>),
}

/// One running link.
#[derive(Debug, Clone)]
pub struct RunningLink {
    /// Its handler's context (instrument, profile, store).
    pub lab: LabLink,
    /// Its outbox.
    pub outbox: Outbox,
    /// The local address a TCP server link listens on.
    pub local_addr: Option<std::net::SocketAddr>,
}

/// The lab's running links.
#[derive(Debug, Default)]
pub struct RunningLinks {
    /// By instrument id.
    pub links: BTreeMap<String, RunningLink>,
    tasks: Vec<JoinHandle<()>>,
}

/// What an order download did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Download {
    /// A message with this many ordered tests was queued for the analyzer.
    Queued(usize),
    /// Nothing is pending for the instrument.
    NothingPending,
}

/// Why an order download did not happen.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// No running link for that instrument.
    #[error("no link for instrument {0}")]
    NoLink(String),
    /// The profile does not download orders.
    #[error("instrument {0}: its profile does not take order downloads")]
    NotSupported(String),
    /// Reading the orders failed.
    #[error("instrument {instrument}: {source}")]
    Store {
        /// The instrument id.
        instrument: String,
        /// The store error.
        source: StoreError,
    },
    /// The link task has stopped.
    #[error("instrument {0}: the link has stopped")]
    Stopped(String),
}

/// A cloneable handle that queues order downloads on the running links (for the HTTP API).
#[derive(Debug, Clone, Default)]
pub struct OrderDownloads {
    links: BTreeMap<String, RunningLink>,
}

impl OrderDownloads {
    /// Queues every pending order for `instrument` not already queued as one download (E1394
    /// orders or OML^O33). The link sends it when its protocol allows (E1381: when the line is
    /// neutral; kept for the next connection while none is open), and its tests are marked sent
    /// only once the analyzer accepted it (see [`crate::download`]).
    pub async fn download_orders(&self, instrument: &str) -> Result<Download, DownloadError> {
        download(&self.links, instrument).await
    }
}

impl RunningLinks {
    /// A handle for queueing order downloads from elsewhere (the HTTP API).
    pub fn order_downloads(&self) -> OrderDownloads {
        OrderDownloads {
            links: self.links.clone(),
        }
    }

    /// Queues every pending order for `instrument` as one download; see
    /// [`OrderDownloads::download_orders`].
    pub async fn download_orders(&self, instrument: &str) -> Result<Download, DownloadError> {
        download(&self.links, instrument).await
    }

    /// Waits for every link task to end (after the shutdown token was cancelled).
    pub async fn join(self) {
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Starts a link for every instrument with a connection section. Must run inside a tokio runtime.
pub async fn start_links(
    config: &LabConfig,
    store: Arc<Store>,
    ingestor: Option<Ingestor>,
    profiles: &ProfileSet,
    registry: &LinkRegistry,
    shutdown: CancellationToken,
) -> Result<RunningLinks, StartError> {
    let mut running = RunningLinks::default();
    for instrument in &config.instruments {
        if instrument.connection.is_empty() {
            continue;
        }
        let id = instrument.id.clone();
        let link_config = LinkConfig::from_table(&instrument.connection).map_err(|source| {
            StartError::Config {
                instrument: id.clone(),
                source,
            }
        })?;
        let profile_name = if link_config.profile.is_empty() {
            instrument.profile.clone()
        } else {
            link_config.profile.clone()
        };
        let profile = profiles
            .get(&profile_name)
            .ok_or_else(|| StartError::UnknownProfile {
                instrument: id.clone(),
                profile: profile_name.clone(),
                known: profiles.names().collect::<Vec<_>>().join(", "),
            })?;
        check_protocol(&id, link_config.protocol, &profile)?;
        let mut transport = AnyTransport::open(&link_config.transport)
            .await
            .map_err(|source| StartError::Transport {
                instrument: id.clone(),
                transport: link_config.transport.describe(),
                source,
            })?;
        let local_addr = match &transport {
            AnyTransport::TcpServer(t) => Some(t.local_addr()),
            _ => None,
        };
        let status = registry.register(&id, &id, &transport.describe());
        if let AnyTransport::TcpServer(t) = &mut transport {
            t.report_refusals_to(status.clone());
        }
        let trace = match &link_config.trace_dir {
            Some(dir) => Some(
                TraceWriter::open(dir, &id, link_config.trace_rotation).map_err(|source| {
                    StartError::Trace {
                        instrument: id.clone(),
                        source,
                    }
                })?,
            ),
            None => None,
        };
        let lab = LabLink {
            instrument: id.clone(),
            link: id.clone(),
            profile: Arc::clone(&profile),
            store: Arc::clone(&store),
            ingestor: ingestor.clone(),
            status: Some(status.clone()),
            in_flight: InFlight::default(),
        };
        let (max_frame, max_msg) = (link_config.max_frame_len, link_config.max_message_len);
        let idle = link_config.idle_timeout;
        let send_frame = profile.max_frame_len;
        let frame_format = profile.frame_format.into();
        let (outbox, task) = match link_config.protocol {
            Protocol::AstmE1381 => {
                let (tx, rx) = mpsc::channel(OUTBOX_DEPTH);
                let link = Link::new(
                    id.clone(),
                    transport,
                    move || {
                        AstmFramedMachine::with_format(send_frame, max_frame, frame_format)
                            .with_max_message_len(max_msg)
                    },
                    AstmHandler(lab.clone()),
                    status,
                    rx,
                    shutdown.clone(),
                );
                (Outbox::Astm(tx), spawn(link, trace, idle))
            }
            Protocol::AstmRaw => {
                let (tx, rx) = mpsc::channel(OUTBOX_DEPTH);
                let link = Link::new(
                    id.clone(),
                    transport,
                    move || AstmRawMachine::new(max_msg),
                    AstmHandler(lab.clone()),
                    status,
                    rx,
                    shutdown.clone(),
                );
                (Outbox::Astm(tx), spawn(link, trace, idle))
            }
            Protocol::Hl7Mllp => {
                let (tx, rx) = mpsc::channel(OUTBOX_DEPTH);
                let link = Link::new(
                    id.clone(),
                    transport,
                    move || MllpMachine::new(max_msg),
                    MllpHandler(lab.clone()),
                    status,
                    rx,
                    shutdown.clone(),
                );
                (Outbox::Hl7(tx), spawn(link, trace, idle))
            }
            Protocol::Dimension
            | Protocol::SysmexText
            | Protocol::Advia
            | Protocol::Vidas
            | Protocol::Spotchem
            | Protocol::UrineStrip => {
                let (tx, rx) = mpsc::channel(OUTBOX_DEPTH);
                let framing = profile.framing;
                let link = Link::new(
                    id.clone(),
                    transport,
                    move || {
                        // Invariant: `check_protocol` above matched this protocol to the
                        // profile's framing, which is a vendor one.
                        VendorMachine::for_framing(framing, max_msg)
                            .expect("checked: a vendor framing")
                    },
                    VendorHandler::new(lab.clone()),
                    status,
                    rx,
                    shutdown.clone(),
                );
                (Outbox::Vendor(tx), spawn(link, trace, idle))
            }
        };
        tracing::info!(instrument = %id, profile = %profile.name, "link started");
        running.tasks.push(task);
        running.links.insert(
            id,
            RunningLink {
                lab,
                outbox,
                local_addr,
            },
        );
    }
    Ok(running)
}

fn spawn<T, M, F, H>(
    link: Link<T, M, F, H>,
    trace: Option<TraceWriter>,
    idle_timeout: Option<Duration>,
) -> JoinHandle<()>
where
    T: Transport,
    M: crate::link::LinkMachine,
    F: FnMut() -> M + Send + 'static,
    H: crate::link::LinkHandler<M>,
{
    let link = match trace {
        Some(t) => link.with_trace(t),
        None => link,
    }
    .with_options(LinkOptions {
        idle_timeout,
        ..LinkOptions::default()
    });
    tokio::spawn(link.run())
}

fn check_protocol(
    instrument: &str,
    protocol: Protocol,
    profile: &Profile,
) -> Result<(), StartError> {
    let ok = matches!(
        (protocol, profile.protocol),
        (
            Protocol::AstmE1381 | Protocol::AstmRaw,
            MessageProtocol::Astm
        ) | (Protocol::Hl7Mllp, MessageProtocol::Hl7)
    ) || (profile.protocol == MessageProtocol::Vendor
        && profile.framing.link_protocol() == protocol);
    if ok {
        Ok(())
    } else {
        Err(StartError::ProtocolMismatch {
            instrument: instrument.to_owned(),
            protocol,
            profile: profile.name.clone(),
            messages: profile.protocol,
        })
    }
}

/// Queues every pending order for `instrument` not already in flight on its link, and holds its
/// tests in flight until the analyzer accepts the download (the link handler marks them sent).
async fn download(
    links: &BTreeMap<String, RunningLink>,
    instrument: &str,
) -> Result<Download, DownloadError> {
    let link = links
        .get(instrument)
        .ok_or_else(|| DownloadError::NoLink(instrument.to_owned()))?;
    let lab = link.lab.clone();
    if !lab.profile.query.download {
        return Err(DownloadError::NotSupported(instrument.to_owned()));
    }
    let store_err = |source| DownloadError::Store {
        instrument: instrument.to_owned(),
        source,
    };
    let stopped = || DownloadError::Stopped(instrument.to_owned());
    let outbox = link.outbox.clone();
    let work = {
        let lab = lab.clone();
        tokio::task::spawn_blocking(move || {
            // Held while reading and claiming, so two downloads at once cannot carry a test twice.
            let mut in_flight = lab.in_flight.lock();
            let found = match outbox {
                Outbox::Astm(_) => query::astm_order_download(
                    &lab.store,
                    &lab.instrument,
                    &lab.profile,
                    &in_flight,
                )
                .map(|a| a.map(|a| (Some(a.message), None, a.tests))),
                Outbox::Hl7(_) => query::hl7_order_download(
                    &lab.store,
                    &lab.instrument,
                    &lab.profile,
                    &Hl7Peer::default(),
                    &in_flight,
                )
                .map(|a| a.map(|a| (None, Some(a.message), a.tests))),
                Outbox::Vendor(_) if lab.profile.framing == Framing::Dimension => {
                    crate::dimension_orders::order_download(
                        &lab.store,
                        &lab.instrument,
                        &lab.profile,
                        &in_flight,
                    )
                    .map(|a| a.map(|a| (None, Some(a.message), a.tests)))
                }
                Outbox::Vendor(_) => Ok(None),
            };
            if let Ok(Some((_, _, tests))) = &found {
                in_flight.extend(tests.iter().copied());
            }
            found
        })
    };
    let Some((astm, hl7, tests)) = work.await.map_err(|_| stopped())?.map_err(store_err)? else {
        return Ok(Download::NothingPending);
    };
    let n = tests.len();
    let queued = match (&link.outbox, astm, hl7) {
        (Outbox::Astm(tx), Some(message), _) => tx
            .send(Outgoing {
                message,
                tests: tests.clone(),
            })
            .await
            .is_ok(),
        (Outbox::Hl7(tx) | Outbox::Vendor(tx), _, Some(message)) => tx
            .send(Outgoing {
                message,
                tests: tests.clone(),
            })
            .await
            .is_ok(),
        _ => false,
    };
    if !queued {
        lab.in_flight.release(&tests);
        return Err(stopped());
    }
    Ok(Download::Queued(n))
}
