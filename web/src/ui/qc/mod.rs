//! Quality control pages: the Levey-Jennings chart ([`chart`]).

pub mod chart;
