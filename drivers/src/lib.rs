//! Analyzer links: the only crate that opens ports and sockets.
pub mod link;
pub mod trace;
pub mod transport;
