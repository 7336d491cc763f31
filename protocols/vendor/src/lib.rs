//! Vendor framings: analyzers in the corpus that are labelled ASTM but speak their own line
//! protocol. Each module is pure (no IO, no async, no clock reads): it turns the bytes of one
//! link into messages and the messages into records the drivers map through a profile.
//!
//! Module map:
//! - [`advia`]: Siemens ADVIA 120/2120 "Host Spec 79" blocks (BCC, fixed columns).
//! - [`vidas`]: bioMérieux mini VIDAS BCI messages (ENQ/ACK sessions, checksum).
//! - [`spotchem`]: Arkray Spotchem EL printer text.
//! - [`urine_strip`]: a urine test-strip reader's printout (BioMaxima), cut by the Spotchem's
//!   printout decoder.
//! - [`scan`]: [`scan::Found`], what the stream decoders of the four above hand out, in one shape.
//! - [`measurement`]: the measurements the four above read, in one shape.
//! - [`stx_frame`]: `<STX> text <ETX>` blocks and single-byte link controls on a stream, the
//!   incremental scanner both of the next two use.
//! - [`dimension`]: the Siemens Dimension LIS protocol (FS-separated fields, hex checksum;
//!   poll, result, query, order and acceptance messages both ways).
//! - [`graph`]: graphs sent inside messages: the Horiba Yumizen's deflated float32 histograms and
//!   matrices (M records), and base64 images (HL7 `ED`), checked by their file signature.
//! - [`sysmex_text`]: Sysmex "class A" fixed-width text (`D1U` sample header, `D2U` parameter
//!   values with implied decimals and flag digits), as the XS-500i sends it.
#![warn(missing_docs)]

pub mod advia;
#[cfg(test)]
mod corpus;
pub mod dimension;
pub mod graph;
pub mod measurement;
pub mod scan;
pub mod spotchem;
pub mod stx_frame;
pub mod sysmex_text;
pub mod urine_strip;
pub mod vidas;
