//! Splitting a file of several unframed messages (no MLLP), as analyzers' log exports and middleware
//! dumps store them. A message starts at an `MSH` segment at the start of a line (after CR, LF or CRLF).
//! A log that took each MLLP start block off but kept the `<FS><CR>` end block (the BA400 payloads of
//! the limsmw middleware) splits the same way: the end block stays at the end of its item, where
//! [`crate::Message::parse`] reports it as [`crate::DiagnosticKind::UnframedEndBlock`].

use memchr::memmem;

/// Iterator over `(offset, bytes)` of each message in `bytes`; see [`messages`].
#[derive(Debug, Clone)]
pub struct Messages<'a> {
    bytes: &'a [u8],
    pos: usize,
}

/// Splits `bytes` into messages. Each item starts at an `MSH` line and runs to the next one.
///
/// Text before the first `MSH` is not dropped: when it holds anything but whitespace it stays at the
/// front of the first item (where [`crate::Message::parse`] reports it as a diagnostic); input with no
/// `MSH` line at all comes back whole as one item, which then fails to parse.
pub fn messages(bytes: &[u8]) -> Messages<'_> {
    let pos = match next_header(bytes, 0) {
        Some(first)
            if bytes
                .get(..first)
                .is_some_and(|b| b.iter().all(u8::is_ascii_whitespace)) =>
        {
            first
        }
        _ if bytes.iter().all(u8::is_ascii_whitespace) => bytes.len(),
        _ => 0,
    };
    Messages { bytes, pos }
}

/// The first `MSH` at a line start at or after `from`.
fn next_header(bytes: &[u8], from: usize) -> Option<usize> {
    let hay = bytes.get(from..)?;
    memmem::find_iter(hay, b"MSH")
        .map(|i| from + i)
        .find(|&i| i == 0 || matches!(bytes.get(i - 1), Some(b'\r') | Some(b'\n')))
}

impl<'a> Iterator for Messages<'a> {
    type Item = (usize, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.bytes.len() {
            return None;
        }
        let start = self.pos;
        // Search past the MSH this item holds (leading junk stays with the first message).
        let own = next_header(self.bytes, start).unwrap_or(start);
        let end = next_header(self.bytes, own + 1).unwrap_or(self.bytes.len());
        self.pos = end;
        Some((start, self.bytes.get(start..end).unwrap_or_default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offsets(input: &[u8]) -> Vec<(usize, &[u8])> {
        messages(input).collect()
    }

    #[test]
    fn splits_on_msh_at_line_start_for_cr_lf_crlf() {
        for t in ["\r", "\n", "\r\n"] {
            let text = format!("MSH|^~\\&|A{t}PID|1{t}MSH|^~\\&|B{t}OBX|1|ST|MSH{t}");
            let items = offsets(text.as_bytes());
            assert_eq!(items.len(), 2, "{t:?}");
            assert_eq!(items[0].0, 0);
            let second = format!("MSH|^~\\&|B{t}OBX|1|ST|MSH{t}");
            assert_eq!(items[1].1, second.as_bytes());
            assert_eq!(items[1].0, text.len() - second.len());
        }
    }

    #[test]
    fn leading_whitespace_is_skipped_but_junk_is_kept() {
        assert_eq!(
            offsets(b"\n\nMSH|A\rMSH|B"),
            [(2, &b"MSH|A\r"[..]), (8, &b"MSH|B"[..])]
        );
        assert_eq!(
            offsets(b"Incorect payload\n\nMSH|A\n"),
            [(0, &b"Incorect payload\n\nMSH|A\n"[..])]
        );
    }

    #[test]
    fn no_header_comes_back_whole_and_empty_input_gives_nothing() {
        assert_eq!(offsets(b"PID|1\r"), [(0, &b"PID|1\r"[..])]);
        assert!(offsets(b"").is_empty());
        assert!(offsets(b" \r\n").is_empty());
    }
}
