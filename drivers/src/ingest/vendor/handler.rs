//! The link handler of every vendor framing: store through core, then give the verdict.
//!
//! | what arrived | stored | Siemens Dimension | Sysmex class A | ADVIA, mini VIDAS | Spotchem, urine strip reader |
//! |---|---|---|---|---|---|
//! | results (`R`; `D2U`; a result block or message; a printout), stored | journal + results | ACK, then `M` accepted | ACK | toggle / ACK | nothing |
//! | results, store failed | raw bytes kept if the journal still works | NAK (the analyzer sends again) | NAK | NAK | nothing |
//! | not results: poll `P`, calibration `C`, acceptance `M`; `D1U`; ADVIA `Q`, a VIDAS message without `mt` `rsl` | journaled (kind other) | ACK, then `N` (or a queued download) / `M` accepted / nothing | ACK | toggle / ACK | nothing |
//! | sample query `I` | journaled as a query | ACK, then `D` with the sample's tests or `N` | | | |
//! | a checked message that cannot be read | raw bytes journaled with the error | ACK, then the answer its type expects (`M` for `R`/`C`, `N` for `P`/`I`), so the analyzer does not loop | ACK | toggle / ACK (sent again it would read no better) | nothing |
//! | wrong checksum or BCC | Dimension: nothing (the machine NAKed it); ADVIA, VIDAS: raw bytes journaled with the error | the analyzer sends it again | (no checksum) | NAK once journaled | (no checksum) |
//! | cut short, unfinished, or longer than the link's `max_message_len` | its (first) bytes journaled raw with the reason | NAK once journaled | NAK once journaled | NAK once journaled | nothing |
//!
//! Every message is journaled before it is acknowledged, and the handler stores in turn: the
//! store of a message (or the journal of unreadable bytes) begins only when the one before it
//! on the link has ended, so the journal keeps the order of the line. Identical bytes
//! on the same link are stored once (the Dimension's resent `R` after a NAKed answer).

use lis_core::model::Protocol;
use lis_vendor::dimension::host::{encode_no_request, encode_result_acceptance};
use lis_vendor::sysmex_text::SampleHeader;
use tokio::sync::oneshot;

use super::{body, journal_protocol, read_message, Reading, Session};
use crate::dimension_orders;
use crate::download::Outgoing;
use crate::ingest::LabLink;
use crate::link::{Handling, LinkHandler, LinkMachine};
use crate::machine::{VendorEvent, VendorVerdict};
use crate::profile::Framing;

impl LabLink {
    /// Stores one checked vendor message (as it was on the line; a class A `D2U` with its
    /// `D1U`, when that came first) and decides the verdict and answer (module table). Blocking.
    pub fn process_vendor(&self, raw: &[u8], header: Option<&SampleHeader>) -> VendorVerdict {
        let framing = self.profile.framing;
        let Some(protocol) = journal_protocol(framing) else {
            self.problem("a vendor message on a link whose profile is not a vendor one");
            return VendorVerdict::stored(self.journal_raw(
                Protocol::Astm,
                raw,
                "not a vendor profile",
            ));
        };
        let reading = match read_message(raw, header, &self.profile) {
            Ok(reading) => reading,
            Err(error) => {
                self.problem(&error);
                if !self.journal_raw(protocol, raw, &error) {
                    return VendorVerdict::reject();
                }
                let reply = match (framing, body(raw).first()) {
                    (Framing::Dimension, Some(b'R' | b'C')) => accepted(),
                    (Framing::Dimension, Some(b'P' | b'I')) => no_request(),
                    _ => None,
                };
                return VendorVerdict::accept(reply);
            }
        };
        let reply = match (framing, body(raw).first()) {
            (Framing::Dimension, Some(b'P')) => no_request(),
            (Framing::Dimension, Some(b'R' | b'C')) => accepted(),
            (Framing::Dimension, Some(b'I')) => Some(self.dimension_query_answer(&reading)),
            _ => None,
        };
        if self.store_vendor(protocol, raw, reading) {
            VendorVerdict::accept(reply)
        } else {
            VendorVerdict::reject()
        }
    }

    /// Journals `raw` with `reading`; false (and the problem reported) when the store failed.
    fn store_vendor(&self, protocol: Protocol, raw: &[u8], reading: Reading) -> bool {
        for p in &reading.problems {
            self.problem(p);
        }
        match self.ingest(self.message(protocol, raw.to_vec(), reading)) {
            Ok(_) => true,
            Err(e) => {
                let error = format!("message not stored: {e}");
                self.problem(&error);
                self.journal_raw(protocol, raw, &error);
                false
            }
        }
    }

    /// The `D` (or `N`) for a sample query; its tests are marked sent when the analyzer accepts.
    fn dimension_query_answer(&self, reading: &Reading) -> Outgoing<Vec<u8>> {
        let no_request = || Outgoing::message(encode_no_request());
        if !self.profile.query.supported {
            self.problem("sample query from an analyzer whose profile does not answer queries");
            return no_request();
        }
        let Some(sample) = reading.query.as_ref().and_then(|q| q.specimen_ids.first()) else {
            return no_request();
        };
        match dimension_orders::query_answer(&self.store, &self.instrument, &self.profile, sample) {
            Ok(answer) => Outgoing {
                message: answer.message,
                tests: answer.tests,
            },
            Err(e) => {
                self.problem(&format!("sample query not answered: {e}"));
                no_request()
            }
        }
    }

    /// Journals bytes that make no message with the reason. Blocking.
    fn keep_unreadable(&self, raw: &[u8], error: &str) -> VendorVerdict {
        let Some(protocol) = journal_protocol(self.profile.framing) else {
            return VendorVerdict::stored(false);
        };
        VendorVerdict::stored(self.journal_raw(protocol, raw, error))
    }
}

/// The Dimension's "result accepted" (`M` `A`).
fn accepted() -> Option<Outgoing<Vec<u8>>> {
    Some(Outgoing::message(encode_result_acceptance(true)))
}

/// The Dimension's "no request" (`N`).
fn no_request() -> Option<Outgoing<Vec<u8>>> {
    Some(Outgoing::message(encode_no_request()))
}

/// The handler of a vendor link: it remembers a class A sample's `D1U` for its `D2U`, and
/// stores in turn.
#[derive(Debug)]
pub struct VendorHandler {
    /// The link.
    pub lab: LabLink,
    session: Session,
    /// Resolves when the link's latest store (or journal) has ended; the next one waits for it.
    turn: Option<oneshot::Receiver<()>>,
}

impl VendorHandler {
    /// The handler of `lab`.
    pub fn new(lab: LabLink) -> Self {
        Self {
            lab,
            session: Session::default(),
            turn: None,
        }
    }

    /// Blocking work (a store, a journal) that begins once the link's previous one has ended,
    /// so the journal keeps the order of the line. It runs on its own task: a connection that
    /// ends meanwhile does not stop it (what the analyzer sent is stored, unacknowledged). If
    /// the work panics, the verdict is a rejection (the analyzer sends again).
    fn in_turn(
        &mut self,
        work: impl FnOnce() -> VendorVerdict + Send + 'static,
    ) -> Handling<VendorVerdict> {
        let before = self.turn.take();
        let (done, after) = oneshot::channel();
        self.turn = Some(after);
        let job = tokio::spawn(async move {
            if let Some(before) = before {
                // An error only says the previous job is gone: it has ended either way.
                let _ = before.await;
            }
            let verdict = match tokio::task::spawn_blocking(work).await {
                Ok(verdict) => verdict,
                Err(error) => {
                    tracing::error!(%error, "store task failed; the message is not acknowledged");
                    VendorVerdict::reject()
                }
            };
            let _ = done.send(());
            verdict
        });
        Handling::pending(async move { job.await.unwrap_or_else(|_| VendorVerdict::reject()) })
    }
}

impl<M> LinkHandler<M> for VendorHandler
where
    M: LinkMachine<Event = VendorEvent, Verdict = VendorVerdict>,
{
    fn handle_event(&mut self, event: VendorEvent) -> Handling<VendorVerdict> {
        let lab = &self.lab;
        match event {
            VendorEvent::Message { raw } => {
                let header = self.session.header_for(lab.profile.framing, &raw);
                let lab = lab.clone();
                self.in_turn(move || lab.process_vendor(&raw, header.as_ref()))
            }
            VendorEvent::Unreadable { raw, error, .. } => {
                lab.problem(&format!("{error}: raw bytes journaled"));
                let lab = lab.clone();
                self.in_turn(move || lab.keep_unreadable(&raw, &error))
            }
            VendorEvent::BadFrame { error } => {
                lab.problem(&format!("Dimension message NAKed: {error}"));
                Handling::Done
            }
            VendorEvent::Stray { offset, bytes } => {
                lab.problem(&format!(
                    "{} bytes outside any message at stream offset {offset} ({:?}), ignored (kept in the trace)",
                    bytes.len(),
                    String::from_utf8_lossy(&bytes)
                ));
                Handling::Done
            }
            VendorEvent::Sent { tests } => {
                lab.download_accepted(tests);
                Handling::Done
            }
            VendorEvent::Refused { reason, tests } => {
                lab.problem(&format!(
                    "{reason}; its {} ordered tests stay pending",
                    tests.len()
                ));
                lab.in_flight.release(&tests);
                Handling::Done
            }
            VendorEvent::Timeout => {
                tracing::info!(link = %lab.link, "message left unfinished or answer not acknowledged: timeout");
                Handling::Done
            }
            VendorEvent::NakSent | VendorEvent::NakReceived => Handling::Done,
        }
    }
}
