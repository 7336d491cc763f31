//! Quality control pages: the Levey-Jennings chart ([`chart`]) and the pages' words
//! ([`texts`]).

pub mod chart;
pub mod texts;

pub use self::texts::QcMsg;
