//! What the LIS sends, kept for the independent validators of `.ci/run`: when `LIS_CAPTURE_DIR`
//! is set, every FHIR body the tests fetch (`fhir/`, JSON) and every HL7 v2 message the tests
//! read from the LIS over MLLP (`hl7/`: ORU^R01 at the simulated HIS, the acknowledgements of
//! orders and of analyzer messages) is written there, one file each.
//! `tests/validators/validate.py` then checks them with fhir.resources and hl7apy. Without the
//! variable nothing is written.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The directory named by `LIS_CAPTURE_DIR`, if set and not empty.
fn dir() -> Option<PathBuf> {
    std::env::var_os("LIS_CAPTURE_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
}

/// Writes `bytes` as a new file `{LIS_CAPTURE_DIR}/{kind}/{pid}-{n}.{ext}`; nothing without the
/// variable. A capture that cannot be written fails the test: a validator step that silently
/// checked nothing would pass for the wrong reason.
pub fn save(kind: &str, ext: &str, bytes: &[u8]) {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let Some(root) = dir() else { return };
    let dir = root.join(kind);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let path = dir.join(format!("{}-{n:05}.{ext}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, bytes)) {
        panic!("LIS_CAPTURE_DIR: cannot write {}: {e}", path.display());
    }
}
