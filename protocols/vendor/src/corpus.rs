//! Test support: the shared analyzer corpus beside the repository.

use std::path::PathBuf;

/// The bytes of `path` under the first ancestor of this crate that holds `shared/corpus`.
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

/// A host log line with its control characters written as `<STX>`, `<CR>`, `<LF>`, `<ETX>`
/// turned back into the bytes on the wire (other bytes, raw control characters included, kept).
pub(crate) fn wire_bytes(logged: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(logged.len());
    let mut rest = logged;
    'outer: while let Some((&first, tail)) = rest.split_first() {
        for (token, byte) in [
            (&b"<STX>"[..], 0x02u8),
            (b"<ETX>", 0x03),
            (b"<CR>", 0x0D),
            (b"<LF>", 0x0A),
        ] {
            if let Some(after) = rest.strip_prefix(token) {
                out.push(byte);
                rest = after;
                continue 'outer;
            }
        }
        out.push(first);
        rest = tail;
    }
    out
}
