//! A lab on disk, its config file and its data directory, and the `lis` commands a technician
//! runs on it beside (or instead of) `lis serve`: placing an order, reading results back,
//! creating a token for the HIS.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::server::Lis;
use crate::{json_lines, path_arg, run_lis, run_lis_with_input};

/// A lab config file and a data directory, as the `lis` commands take them.
#[derive(Debug, Clone)]
pub struct Lab {
    config: PathBuf,
    data: PathBuf,
}

impl Lab {
    /// The lab with this config file and data directory.
    pub fn new(config: impl Into<PathBuf>, data: impl Into<PathBuf>) -> Self {
        Self {
            config: config.into(),
            data: data.into(),
        }
    }

    /// The lab config (`--config`).
    pub fn config(&self) -> &Path {
        &self.config
    }

    /// The data directory (`--data`).
    pub fn data(&self) -> &Path {
        &self.data
    }

    /// Runs `lis ARGS --config CONFIG --data DATA`; returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let lab = [
            "--config",
            path_arg(&self.config),
            "--data",
            path_arg(&self.data),
        ];
        run_lis(&[args, &lab[..]].concat())
    }

    /// Runs `lis ARGS --config CONFIG --data DATA` with `input` on its standard input; returns
    /// (exit code, stdout, stderr).
    pub fn run_with_input(&self, args: &[&str], input: &str) -> (i32, String, String) {
        let lab = [
            "--config",
            path_arg(&self.config),
            "--data",
            path_arg(&self.data),
        ];
        run_lis_with_input(&[args, &lab[..]].concat(), input)
    }

    /// Starts `lis serve` on this lab.
    pub fn serve(&self) -> Lis {
        Lis::start(&self.config, &self.data)
    }

    /// `lis order add` for one specimen of the patient NGUYEN VAN AN (male, born 1970-01-02);
    /// the placer number is the barcode. Panics if the order is refused.
    pub fn add_order(&self, specimen: &str, tests: &str, patient: &str) {
        let (code, out, err) = self.run(&[
            "order",
            "add",
            "--specimen",
            specimen,
            "--tests",
            tests,
            "--patient",
            patient,
            "--name",
            "NGUYEN VAN AN",
            "--sex",
            "M",
            "--birth",
            "1970-01-02",
        ]);
        assert_eq!(code, 0, "lis order add: {out}{err}");
    }

    /// `lis results` for the order placed for `specimen`, one JSON value per result version.
    pub fn results(&self, specimen: &str) -> Vec<Value> {
        let (code, out, err) = self.run(&["results", "--order", specimen]);
        assert_eq!(code, 0, "lis results: {err}");
        json_lines(&out)
    }

    /// `lis token create` with the name and the comma-separated scopes; returns the token.
    pub fn create_token(&self, name: &str, scopes: &str) -> String {
        let (code, token, err) = self.run(&["token", "create", "--name", name, "--scope", scopes]);
        assert_eq!(code, 0, "lis token create: {err}");
        token.trim().to_owned()
    }
}

/// The catalog test code of each result (as [`Lab::results`] gives them), in order.
pub fn test_codes(results: &[Value]) -> Vec<&str> {
    results
        .iter()
        .filter_map(|r| r["test_code"].as_str())
        .collect()
}
