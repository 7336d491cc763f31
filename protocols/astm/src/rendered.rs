//! Serial-monitor logs that show the line's control bytes as text tokens (`[STX]`, `[CR]`,
//! `<ETX>`), as port monitors and many analyzer service tools save them.
//!
//! In such a log the tokens are the data's control bytes, and the log's own line breaks are the
//! monitor's read chunks, not data (a real line feed shows as `[LF]`). [`derender`] turns the
//! tokens back into bytes and drops the line breaks; a line holding only the other side's replies
//! (` - [ACK]`, `[ACK]`, dashes) is dropped whole, so what remains is the conversation's bytes.
//! Logs with columns (time, direction) around each row are a different form, not read here.

const TOKENS: [(&str, u8); 12] = [
    ("STX", 0x02),
    ("ETX", 0x03),
    ("EOT", 0x04),
    ("ENQ", 0x05),
    ("ACK", 0x06),
    ("LF", 0x0A),
    ("VT", 0x0B),
    ("CR", 0x0D),
    ("NAK", 0x15),
    ("ETB", 0x17),
    ("FS", 0x1C),
    ("DLE", 0x10),
];

/// True when `bytes` look like a rendered monitor log: an `[STX]`/`<STX>` or `[VT]`/`<VT>` token
/// and a `[CR]`/`<CR>` token, no raw STX or VT byte, and no tab-separated columns.
pub fn looks_rendered(bytes: &[u8]) -> bool {
    let has = |name: &str| {
        let (square, angle) = (format!("[{name}]"), format!("<{name}>"));
        memchr::memmem::find(bytes, square.as_bytes()).is_some()
            || memchr::memmem::find(bytes, angle.as_bytes()).is_some()
    };
    (has("STX") || has("VT"))
        && has("CR")
        && memchr::memchr2(0x02, 0x0B, bytes).is_none()
        && memchr::memchr(b'\t', bytes).is_none()
}

/// The bytes a rendered monitor log shows (see the module's description).
pub fn derender(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for line in bytes.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let converted = tokens_to_bytes(line);
        let only_replies = converted
            .iter()
            .all(|&b| matches!(b, 0x06 | 0x15 | b' ' | b'-'));
        if !only_replies {
            out.extend_from_slice(&converted);
        }
    }
    out
}

/// `line` with every `[NAME]`/`<NAME>` token of a control byte (STX, ETX, EOT, ENQ, ACK, LF, VT,
/// CR, NAK, ETB, FS, DLE) turned into that byte; everything else as it is.
pub fn tokens_to_bytes(line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        let open = line[i];
        let close = match open {
            b'[' => b']',
            b'<' => b'>',
            _ => {
                out.push(open);
                i += 1;
                continue;
            }
        };
        let token = TOKENS.iter().find(|(name, _)| {
            line[i + 1..].starts_with(name.as_bytes())
                && line.get(i + 1 + name.len()) == Some(&close)
        });
        match token {
            Some((name, byte)) => {
                out.push(*byte);
                i += name.len() + 2;
            }
            None => {
                out.push(open);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_become_bytes_and_monitor_line_breaks_go() {
        // A record split over two monitor lines, then the host's reply line.
        let log = b"[STX]\nH|\\^&|[CR]\nR|1|^^^TS\nH II|3.53[CR]L|1|N[CR][ETX]\n - [ACK]\n[EOT]\n";
        assert!(looks_rendered(log));
        assert_eq!(
            derender(log),
            b"\x02H|\\^&|\rR|1|^^^TSH II|3.53\rL|1|N\r\x03\x04".to_vec()
        );
    }

    #[test]
    fn angle_tokens_and_unknown_brackets() {
        let log = b"<STX>1H|[x]<y>|<CR><ETX>4A<CR><LF>";
        assert!(looks_rendered(log));
        assert_eq!(derender(log), b"\x021H|[x]<y>|\r\x034A\r\n".to_vec());
    }

    #[test]
    fn real_bytes_and_column_logs_are_not_rendered_logs() {
        assert!(!looks_rendered(b"\x021H|\\^&\r\x03AB\r\n"));
        assert!(!looks_rendered(b"H|\\^&\rL|1|N\r"));
        assert!(!looks_rendered(b"1\t2015-03-17\tIN\t<STX>1H|<CR><ETX>\n"));
    }

    proptest::proptest! {
        /// Any bytes: no panic, and never more bytes out than in (a token shrinks to one byte).
        #[test]
        fn any_bytes_derender_without_growing(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(b"[]<>\n\r -STXCRACKEOTVF".to_vec()),
                    proptest::num::u8::ANY,
                ],
                0..300,
            )
        ) {
            let _ = looks_rendered(&bytes);
            proptest::prop_assert!(derender(&bytes).len() <= bytes.len());
        }
    }
}
