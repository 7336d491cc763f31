//! What the end-to-end tests share: find (and if need be build) the real `lis` binary and run it,
//! locate the shared analyzer corpus and the repository's testdata, and the pieces below.
//!
//! - [`lab_config`]: lab configs written for a test (catalog tests, analyzer links, sections).
//! - [`lab`]: a lab on disk (config and data directory) and the `lis` commands run on it.
//! - [`server`]: a running `lis serve`, bounded polling, child processes killed on drop.
//! - [`http`]: HTTP/1.1 requests written by hand, with or without a bearer token.
//! - [`browser`]: a headless Chromium driven over WebDriver, for the UI journeys.
//! - [`analyzer`]: a hand-written analyzer side (E1381 and MLLP senders).
//! - [`simulation`]: `lis simulate` run to its end and its report read back.
//! - [`capture`]: what the LIS sends, written to `LIS_CAPTURE_DIR` for the validators of
//!   `.ci/run`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

/// The repository root (the workspace directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// The shared corpus of real analyzer traces, beside the repository (`../shared/corpus`): the
/// first ancestor of the repository that holds `shared/corpus`.
pub fn corpus(relative: &str) -> PathBuf {
    let root = repo_root();
    root.ancestors()
        .map(|dir| dir.join("shared/corpus"))
        .find(|dir| dir.is_dir())
        .unwrap_or_else(|| root.join("../shared/corpus"))
        .join(relative)
}

/// A file under the repository's `testdata/`.
pub fn testdata(relative: &str) -> PathBuf {
    repo_root().join("testdata").join(relative)
}

/// The path of the `lis` binary of this build, building it once if `cargo test` did not.
pub fn lis_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let exe = std::env::current_exe().unwrap_or_default();
        // The test executable lives in target/<profile>/deps/; the binary in target/<profile>/.
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let name = format!("lis{}", std::env::consts::EXE_SUFFIX);
        let candidate = profile_dir.join(&name);
        if candidate.exists() {
            return candidate;
        }
        // `cargo test --workspace` builds it (lis-web has integration tests). When only this
        // package is tested, build it into a target directory of its own: the outer cargo still
        // holds the lock on the main one.
        let target_dir = profile_dir.join("lis-e2e");
        let status = Command::new(env!("CARGO"))
            .args(["build", "-p", "lis-web", "--bin", "lis", "--target-dir"])
            .arg(&target_dir)
            .current_dir(repo_root())
            .status()
            .expect("cargo build of the lis binary could not start");
        assert!(status.success(), "cargo build of the lis binary failed");
        target_dir.join("debug").join(name)
    })
}

/// Runs `lis` with the arguments and returns (exit code, stdout, stderr).
pub fn run_lis(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(lis_binary())
        .args(args)
        .output()
        .expect("the lis binary could not start");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs `lis` with the arguments and `input` on its standard input (a password given with
/// `--password-stdin`); returns (exit code, stdout, stderr).
pub fn run_lis_with_input(args: &[&str], input: &str) -> (i32, String, String) {
    let mut child = Command::new(lis_binary())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lis binary could not start");
    if let Some(mut stdin) = child.stdin.take() {
        // A command that fails before reading its input closes the pipe: not the test's error.
        let _ = stdin.write_all(input.as_bytes());
    }
    let output = child
        .wait_with_output()
        .expect("the lis binary could not be waited for");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A path as a command-line argument (the tests' paths are UTF-8).
pub fn path_arg(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

/// One JSON value per line of a command's output; panics on a line that is not JSON.
pub fn json_lines(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

pub mod analyzer;
pub mod browser;
pub mod capture;
pub mod http;
pub mod lab;
pub mod lab_config;
pub mod server;
pub mod simulation;
