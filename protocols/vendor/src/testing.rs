//! Test support: the shared corpus of real analyzer traces.

use std::path::PathBuf;

/// A corpus file, found by walking up from the crate to the first ancestor holding
/// `shared/corpus` (the repository's `../shared/corpus`).
pub(crate) fn corpus(path: &str) -> Vec<u8> {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        let candidate = dir.join("shared/corpus");
        if candidate.is_dir() {
            return std::fs::read(candidate.join(path)).unwrap();
        }
        assert!(
            dir.pop(),
            "shared/corpus not found above CARGO_MANIFEST_DIR"
        );
    }
}
