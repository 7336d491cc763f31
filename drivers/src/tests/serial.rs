//! RS-232: the Sysmex XN simulator on one pseudo-terminal and the LIS link on another, both opened
//! through `SerialSettings` (the code path of a real port), the two masters bridged like a null
//! modem cable.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{lab_config, profile};
use crate::ingest::{AstmHandler, LabLink};
use crate::link::{Link, LinkStatusHandle};
use crate::machine::AstmFramedMachine;
use crate::simulator::{self, SimOptions, SimTarget};
use crate::transport::serial::{SerialSettings, SerialTransport};

/// Copies bytes from one pty master to the other, on a plain thread (ends with the process).
pub(super) fn bridge(from: &OwnedFd, to: &OwnedFd) {
    let mut from = File::from(from.try_clone().unwrap());
    let mut to = File::from(to.try_clone().unwrap());
    std::thread::spawn(move || {
        let mut buf = [0u8; 1024];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 || to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sysmex_xn_over_a_serial_null_modem() {
    let analyzer_side = nix::pty::openpty(None, None).unwrap();
    let lis_side = nix::pty::openpty(None, None).unwrap();
    let analyzer_path = nix::unistd::ttyname(&analyzer_side.slave).unwrap();
    let lis_path = nix::unistd::ttyname(&lis_side.slave).unwrap();
    bridge(&analyzer_side.master, &lis_side.master);
    bridge(&lis_side.master, &analyzer_side.master);

    let store = Arc::new(lis_core::Store::open_in_memory(lab_config()).unwrap());
    let xn = profile("sysmex-xn");
    let status = LinkStatusHandle::detached("XN");
    let shutdown = CancellationToken::new();
    let (_outbox, rx) = mpsc::channel::<crate::download::Outgoing<String>>(1);
    let lab = LabLink {
        instrument: "XN".to_owned(),
        link: "XN".to_owned(),
        profile: Arc::clone(&xn),
        store: Arc::clone(&store),
        ingestor: None,
        status: Some(status.clone()),
        in_flight: Default::default(),
    };
    let link = Link::new(
        "XN",
        SerialTransport::new(SerialSettings::new(lis_path.to_string_lossy())),
        || AstmFramedMachine::new(247, 64_000),
        AstmHandler(lab),
        status.clone(),
        rx,
        shutdown.clone(),
    );
    let task = tokio::spawn(link.run());

    let report = simulator::run(
        &xn,
        SimTarget::Serial(SerialSettings::new(analyzer_path.to_string_lossy())),
        SimOptions {
            specimen_ids: Some(vec!["1001".to_owned(), "1002".to_owned()]),
            ..SimOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((report.sent, report.acknowledged), (2, 2));
    let stored = store.unmatched().unwrap();
    // Six tests per specimen in the profile's simulator section.
    assert_eq!(stored.len(), 12);
    assert!(stored
        .iter()
        .any(|u| u.specimen_id == "1002" && u.instrument_test_code == "PLT"));
    assert_eq!(status.snapshot().counters.messages_in, 2);
    shutdown.cancel();
    task.await.unwrap();
    drop((analyzer_side.slave, lis_side.slave));
}
