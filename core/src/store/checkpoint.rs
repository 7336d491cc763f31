//! Background WAL checkpoints.
//!
//! With `synchronous=FULL` in WAL mode, a commit syncs only the WAL; copying the WAL back into
//! the database (a checkpoint) is the expensive part, and SQLite's automatic checkpoint runs it
//! on the committing connection, the one a driver is waiting on before it acknowledges an
//! analyzer. A thread with its own connection runs passive checkpoints instead (they never block
//! a writer), so that work moves to another core. The writers keep a large automatic checkpoint
//! threshold as a backstop should this thread fall behind.

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::error::StoreError;

/// How often the WAL is checkpointed in the background.
const INTERVAL: Duration = Duration::from_millis(200);

/// The checkpoint thread; stopped and joined on drop.
pub(crate) struct Checkpointer {
    stop: Arc<(Mutex<bool>, Condvar)>,
    handle: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path`.
    pub(crate) fn start(path: &Path) -> Result<Self, StoreError> {
        let conn = super::connect(path)?;
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let signal = Arc::clone(&stop);
        let handle = std::thread::Builder::new()
            .name("lis-checkpoint".into())
            .spawn(move || {
                let (lock, wake) = &*signal;
                loop {
                    let Ok(stopped) = lock.lock() else { return };
                    let Ok((stopped, _)) = wake.wait_timeout(stopped, INTERVAL) else {
                        return;
                    };
                    if *stopped {
                        return;
                    }
                    drop(stopped);
                    // A failed passive checkpoint is retried on the next tick; the writers'
                    // automatic checkpoint is the backstop.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .map_err(|source| StoreError::Io {
                path: path.display().to_string(),
                source,
            })?;
        Ok(Self {
            stop,
            handle: Some(handle),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (lock, wake) = &*self.stop;
        if let Ok(mut stopped) = lock.lock() {
            *stopped = true;
        }
        wake.notify_all();
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}
