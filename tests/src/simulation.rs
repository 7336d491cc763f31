//! The analyzer side played by the LIS's own simulator: `lis simulate ... --json` run to its end,
//! and its output read back: a report line
//! (`sent=N acknowledged=N rejected=N timed_out=N queries=N answered=N`), then one JSON line with
//! the specimen, the results sent and the tests the LIS said were ordered.

use std::net::SocketAddr;
use std::process::Command;

use serde_json::Value;

use crate::lis_binary;

/// One finished `lis simulate` run.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// The exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// Everything printed on stdout.
    pub stdout: String,
    /// Everything printed on stderr.
    pub stderr: String,
}

impl Simulation {
    /// Runs `lis simulate ARGS` and waits for it to finish.
    pub fn run(args: &[&str]) -> Self {
        let output = Command::new(lis_binary())
            .arg("simulate")
            .args(args)
            .output()
            .expect("lis simulate");
        Self {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// `lis simulate --profile PROFILE --connect ADDR --query --specimen-id SPECIMEN --seed SEED
    /// --json`: the analyzer asks the LIS at `addr` for the specimen's tests, then sends results
    /// for those it was told.
    pub fn query(profile: &str, addr: SocketAddr, specimen: &str, seed: &str) -> Self {
        Self::run(&[
            "--profile",
            profile,
            "--connect",
            &addr.to_string(),
            "--query",
            "--specimen-id",
            specimen,
            "--seed",
            seed,
            "--json",
        ])
    }

    /// The report line (empty if nothing was printed).
    pub fn report(&self) -> &str {
        self.stdout.lines().next().unwrap_or_default()
    }

    /// The `--json` detail line, `Null` if there is none; panics if it is not JSON.
    pub fn detail(&self) -> Value {
        self.stdout
            .lines()
            .nth(1)
            .map(|l| serde_json::from_str(l).expect("JSON line"))
            .unwrap_or(Value::Null)
    }
}

/// The codes of the results a simulator's detail line says were sent, in order.
pub fn sent_codes(detail: &Value) -> Vec<&str> {
    detail["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["code"].as_str())
        .collect()
}
