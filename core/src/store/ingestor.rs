//! Group commit: a writer thread that owns its own connection and stores the messages of many
//! links in shared transactions.
//!
//! Messages that arrive while a commit is in progress wait in the queue and go into the next
//! transaction together, each in its own SAVEPOINT so one bad message does not fail the others.
//! Every ticket is answered only after COMMIT returned (durable, `synchronous=FULL`), so a driver
//! that acknowledges after [`IngestTicket::wait`] never acknowledges a message that could be lost.
//! After the answers, the store's commit listeners are told of the commit.

use std::sync::{mpsc, Arc};
use std::thread;

use rusqlite::{Connection, TransactionBehavior};

use super::changes::{Listeners, Mark};
use super::{connect, ingest, Lab, Store};
use crate::error::{IngestError, StoreError};
use crate::model::{AnalyzerMessage, CommitNotice, IngestOutcome};

/// Most messages in one transaction.
const MAX_BATCH: usize = 256;

struct Request {
    message: AnalyzerMessage,
    reply: mpsc::SyncSender<Result<IngestOutcome, IngestError>>,
}

/// A handle to the writer thread; clone it for each link. The thread ends when every handle is
/// dropped.
#[derive(Debug, Clone)]
pub struct Ingestor {
    queue: mpsc::Sender<Request>,
}

/// The answer to one submitted message, available once its transaction is committed.
#[derive(Debug)]
pub struct IngestTicket {
    answer: mpsc::Receiver<Result<IngestOutcome, IngestError>>,
}

impl IngestTicket {
    /// Blocks until the message's transaction is durable (or failed).
    pub fn wait(self) -> Result<IngestOutcome, IngestError> {
        self.answer.recv().unwrap_or(Err(StoreError::WriterStopped))
    }

    /// The answer if it is ready, without blocking (for callers that poll).
    pub fn try_wait(&self) -> Option<Result<IngestOutcome, IngestError>> {
        match self.answer.try_recv() {
            Ok(answer) => Some(answer),
            Err(mpsc::TryRecvError::Empty) => None,
            Err(mpsc::TryRecvError::Disconnected) => Some(Err(StoreError::WriterStopped)),
        }
    }
}

impl Ingestor {
    /// Starts the writer thread on its own connection to the store's database file.
    pub fn start(store: &Store) -> Result<Self, StoreError> {
        let path = store
            .db_path()
            .ok_or_else(|| StoreError::invalid("an in-memory store has no ingest writer"))?
            .to_path_buf();
        let conn = connect(&path)?;
        let lab = store.lab().clone();
        let listeners = store.listeners().clone();
        let (queue, requests) = mpsc::channel::<Request>();
        thread::Builder::new()
            .name(String::from("lis-ingest-writer"))
            .spawn(move || run(conn, &lab, &listeners, &requests))
            .map_err(|source| StoreError::Io {
                path: path.display().to_string(),
                source,
            })?;
        Ok(Self { queue })
    }

    /// Queues a message; the ticket answers once it is durably stored.
    pub fn submit(&self, message: AnalyzerMessage) -> IngestTicket {
        let (reply, answer) = mpsc::sync_channel(1);
        if let Err(mpsc::SendError(req)) = self.queue.send(Request { message, reply }) {
            let _ = req.reply.send(Err(StoreError::WriterStopped));
        }
        IngestTicket { answer }
    }

    /// Submits and waits.
    pub fn ingest(&self, message: AnalyzerMessage) -> Result<IngestOutcome, IngestError> {
        self.submit(message).wait()
    }
}

fn run(
    mut conn: Connection,
    lab: &Lab,
    listeners: &Arc<Listeners>,
    requests: &mpsc::Receiver<Request>,
) {
    while let Ok(first) = requests.recv() {
        let (batch, answers, notice) = commit_batch(&mut conn, lab, listeners, first, requests);
        for (req, answer) in batch.into_iter().zip(answers) {
            // A submitter that stopped waiting is not an error for the others.
            let _ = req.reply.send(answer);
        }
        if let Some(notice) = notice {
            listeners.tell(notice);
        }
    }
}

/// A batch, the answer for each message, and what to tell the listeners if it committed.
type Committed = (
    Vec<Request>,
    Vec<Result<IngestOutcome, IngestError>>,
    Option<CommitNotice>,
);

/// Stores `first` and whatever else is queued in one transaction, one savepoint per message,
/// and commits. Messages that arrive while the earlier ones are being stored join the same
/// transaction (up to [`MAX_BATCH`]), so under load a batch grows to about the number of
/// waiting links instead of alternating between one message and the rest.
fn commit_batch(
    conn: &mut Connection,
    lab: &Lab,
    listeners: &Listeners,
    first: Request,
    requests: &mpsc::Receiver<Request>,
) -> Committed {
    let failed_all = |batch: &[Request], e: &dyn std::fmt::Display| {
        batch
            .iter()
            .map(|_| {
                Err(StoreError::CommitFailed {
                    message: e.to_string(),
                })
            })
            .collect()
    };
    let mut batch = vec![first];
    let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            let answers = failed_all(&batch, &e);
            return (batch, answers, None);
        }
    };
    let before = match Mark::before(&tx, listeners) {
        Ok(mark) => mark,
        Err(e) => {
            let answers = failed_all(&batch, &e);
            return (batch, answers, None);
        }
    };
    let mut answers = Vec::new();
    while let Some(req) = batch.get(answers.len()) {
        let answer = match tx.savepoint() {
            Ok(sp) => match ingest::ingest(&sp, lab, &req.message) {
                Ok(outcome) => sp.commit().map(|()| outcome).map_err(StoreError::from),
                // Dropping the savepoint rolls this message back; the others stay.
                Err(e) => Err(e),
            },
            Err(e) => Err(StoreError::from(e)),
        };
        let failed = answer.is_err();
        answers.push(answer);
        // Some errors (disk full, I/O) make SQLite roll back the whole transaction: then the
        // messages before this one are gone too, and none of the batch may be acknowledged.
        if failed && tx.is_autocommit() {
            let answers = failed_all(&batch, &"SQLite rolled the transaction back after an error");
            return (batch, answers, None);
        }
        if batch.len() < MAX_BATCH {
            if let Ok(next) = requests.try_recv() {
                batch.push(next);
            }
        }
    }
    // Read before the commit, in the transaction: after it another writer may have committed.
    let notice = match Mark::after(&tx, before, listeners) {
        Ok(notice) => notice,
        Err(e) => {
            let answers = failed_all(&batch, &e);
            return (batch, answers, None);
        }
    };
    match tx.commit() {
        Ok(()) => (batch, answers, notice),
        Err(e) => {
            let answers = failed_all(&batch, &e);
            (batch, answers, None)
        }
    }
}
