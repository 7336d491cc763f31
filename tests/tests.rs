//! End-to-end tests: the real `lis` binary against simulated peers.
