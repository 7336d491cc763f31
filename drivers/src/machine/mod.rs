//! [`LinkMachine`](crate::link::LinkMachine) adapters over the sans-IO protocol machines of
//! `protocols/`:
//!
//! - [`astm`]: [`AstmFramedMachine`] (E1381 link, the LIS as computer) and [`AstmRawMachine`] (bare
//!   E1394 records on a stream, no link layer).
//! - [`mllp`]: [`MllpMachine`] (HL7 over MLLP).
//! - [`dimension`]: [`DimensionMachine`] (the Siemens Dimension LIS protocol, the LIS as host).
//! - [`sysmex_text`]: [`SysmexTextMachine`] (Sysmex class A text).
//! - [`vendor_text`]: [`VendorTextMachine`] (ADVIA 2120 blocks, mini VIDAS messages, Spotchem
//!   printouts, with each one's own acknowledgements).
//!
//! Every received message becomes an event that asks the handler for a verdict; the verdict says
//! whether the message is stored (ACK/NAK, AA/AE/AR) and carries any reply (a query answer).

pub mod astm;
pub mod dimension;
pub mod mllp;
pub mod sysmex_text;
pub mod vendor_text;

pub use astm::{AstmEvent, AstmFramedMachine, AstmRawMachine, AstmVerdict};
pub use dimension::{DimensionEvent, DimensionMachine, DimensionVerdict};
pub use mllp::{MllpEvent, MllpMachine, MllpVerdict};
pub use sysmex_text::{SysmexTextEvent, SysmexTextMachine, SysmexTextVerdict};
pub use vendor_text::{VendorTextEvent, VendorTextMachine, VendorTextVerdict};

#[cfg(test)]
mod tests;
