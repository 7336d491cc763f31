//! The web layer and the command-line interface of the `lis` binary.
