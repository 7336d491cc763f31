//! Vendor framings: analyzers in the corpus that are labelled ASTM but speak their own line
//! protocol. Each module is pure (no IO, no async, no clock reads): it turns the bytes of one
//! link into messages and the messages into records the drivers map through a profile.

pub mod advia;
#[cfg(test)]
mod corpus;
pub mod measurement;
pub mod spotchem;
pub mod vidas;
