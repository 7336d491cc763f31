//! Analyzer links: the only crate that opens ports and sockets.
