//! Helpers shared by the end-to-end tests: find (and if need be build) the real `lis` binary, and
//! locate the shared analyzer corpus and the repository's testdata.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

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

pub mod analyzer;
pub mod server;
