//! Finding a delimiter byte in a field, shared by the field splitter and the escape decoder.

use memchr::memchr;

/// Position of `b` in `hay`: a plain loop for short values (most fields are a few bytes, where the
/// SIMD search costs more to set up than it saves), `memchr` for long ones.
#[inline]
pub(crate) fn find_byte(b: u8, hay: &[u8]) -> Option<usize> {
    if hay.len() < 32 {
        hay.iter().position(|&x| x == b)
    } else {
        memchr(b, hay)
    }
}
