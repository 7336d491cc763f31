//! Finding a delimiter byte in a field, shared by the field splitter and the escape decoder.

/// Position of `needle` in `haystack`: a plain loop for the short slices fields usually are,
/// where memchr's setup costs more than it saves; memchr for long ones.
pub(crate) fn find_byte(needle: u8, haystack: &[u8]) -> Option<usize> {
    if haystack.len() < 64 {
        haystack.iter().position(|&b| b == needle)
    } else {
        memchr::memchr(needle, haystack)
    }
}
