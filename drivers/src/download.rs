//! Order downloads on their way to an analyzer: the message with the ordered tests it carries
//! ([`Outgoing`]), and the tests queued and not yet accepted ([`InFlight`]).
//!
//! A test is marked sent in core only when the analyzer accepted the message that carries it:
//! with E1381, when its last frame is ACKed; with HL7, when the analyzer's ACK with MSA-1 `AA`
//! (or `CA`) names the message's control id (MSH-10) in MSA-2; on a raw ASTM link (no link layer,
//! no acknowledgement) when its bytes have all been written to the connection and flushed, which
//! is the most the LIS can know there. Until then the message stays with the link: a connection
//! that ends hands it to the next one, and after a restart its tests are still pending in core, so
//! the next download carries them again. A download the analyzer refused (HL7 `AE`/`AR`) or that
//! E1381 gave up after its attempts is dropped by the link, and its tests, still pending, go
//! with the next download.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard};

use lis_core::model::OrderedTestId;

/// A message for the analyzer and the ordered tests it carries (none for a query answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing<T> {
    /// The message (E1394 text, or an HL7 message without MLLP framing).
    pub message: T,
    /// The ordered tests it downloads, marked sent once the analyzer accepted it.
    pub tests: Vec<OrderedTestId>,
}

impl<T> Outgoing<T> {
    /// A message carrying no ordered tests.
    pub fn message(message: T) -> Self {
        Self {
            message,
            tests: Vec::new(),
        }
    }
}

/// The ordered tests of one link queued for its analyzer and not yet accepted, shared by the
/// download (which leaves them out of the next download, so one test is not queued twice) and the
/// link handler (which lets them go once the analyzer accepted or refused them). Lost with the
/// process: after a restart the tests are pending in core and the next download sends them.
#[derive(Debug, Clone, Default)]
pub struct InFlight {
    tests: Arc<Mutex<BTreeSet<OrderedTestId>>>,
}

impl InFlight {
    /// The set, locked. A panic while it was held leaves a set of plain ids, still usable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, BTreeSet<OrderedTestId>> {
        self.tests.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether `test` is queued and not yet accepted.
    pub fn contains(&self, test: OrderedTestId) -> bool {
        self.lock().contains(&test)
    }

    /// Lets `tests` go: accepted (and marked sent), refused, or never queued.
    pub fn release(&self, tests: &[OrderedTestId]) {
        let mut set = self.lock();
        for t in tests {
            set.remove(t);
        }
    }
}
