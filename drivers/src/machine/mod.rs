//! [`LinkMachine`](crate::link::LinkMachine) adapters over the sans-IO protocol machines of
//! `protocols/`:
//!
//! - [`astm`]: [`AstmFramedMachine`] (E1381 link, the LIS as computer) and [`AstmRawMachine`] (bare
//!   E1394 records on a stream, no link layer).
//! - [`mllp`]: [`MllpMachine`] (HL7 over MLLP).
//! - [`vendor`]: [`VendorMachine`] (every `lis-vendor` framing: the Siemens Dimension with the
//!   LIS as host, Sysmex class A text, ADVIA 2120 blocks, mini VIDAS messages, Spotchem
//!   printouts, each with its own acknowledgements), one event and one verdict type for all.
//!
//! Every received message becomes an event that asks the handler for a verdict; the verdict says
//! whether the message is stored (ACK/NAK, AA/AE/AR) and carries any reply (a query answer).

pub mod astm;
pub mod mllp;
pub mod vendor;

pub use astm::{AstmEvent, AstmFramedMachine, AstmRawMachine, AstmVerdict};
pub use mllp::{MllpEvent, MllpMachine, MllpVerdict};
pub use vendor::{VendorEvent, VendorMachine, VendorVerdict};

#[cfg(test)]
mod tests;
