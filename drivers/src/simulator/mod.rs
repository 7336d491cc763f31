//! The analyzer simulator (work in progress).
