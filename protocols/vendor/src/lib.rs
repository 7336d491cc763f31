//! Vendor framings: analyzers in the corpus that are labelled ASTM but speak their own line
//! protocol. Each module is pure (no IO, no async, no clock reads): it turns the bytes of one
//! link into messages and the messages into records the drivers map through a profile.
//!
//! Module map:
//! - [`stx_frame`]: `<STX> text <ETX>` blocks and single-byte link controls on a stream, the
//!   incremental scanner both of the next two use.
//! - [`dimension`]: the Siemens Dimension LIS protocol (FS-separated fields, hex checksum;
//!   poll, result, query, order and acceptance messages both ways).
//! - [`sysmex_text`]: Sysmex "class A" fixed-width text (`D1U` sample header, `D2U` parameter
//!   values with implied decimals and flag digits), as the XS-500i sends it.
#![warn(missing_docs)]

pub mod dimension;
pub mod stx_frame;
pub mod sysmex_text;
#[cfg(test)]
mod testing;
