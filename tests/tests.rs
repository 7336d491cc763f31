//! End-to-end tests: the real `lis` binary against files and simulated peers.

mod parse_cli;
mod serve_e2e;
