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

/// The path of the `lis` binary of this build, building it once if `cargo test` did not build
/// it or if it is stale: `cargo test -p lis-tests` does not rebuild `lis` (not a dependency), so
/// a `target/<profile>/lis` left by an earlier build would test old code.
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
            match stale_sources(&candidate, &repo_root()) {
                None => return candidate,
                Some(why) => eprintln!(
                    "lis-tests: {} is stale ({why}); building lis for these tests",
                    candidate.display()
                ),
            }
        }
        // `cargo test --workspace` builds it (lis-web has integration tests). When only this
        // package is tested, build it into a target directory of its own (cargo rebuilds what
        // changed there): the outer cargo still holds the lock on the main one.
        let target_dir = profile_dir.join("lis-e2e");
        let status = Command::new(env!("CARGO"))
            .args(["build", "-p", "lis-web", "--bin", "lis", "--target-dir"])
            .arg(&target_dir)
            .current_dir(repo_root())
            .status()
            .expect("cargo build of the lis binary could not start");
        assert!(
            status.success(),
            "cargo build of the lis binary (into {}) failed: the end-to-end tests need a lis \
             built from this checkout",
            target_dir.display()
        );
        target_dir.join("debug").join(name)
    })
}

/// Why the binary at `binary` is older than the sources of the checkout at `root` it is built
/// from; `None` when it is not. The sources are those cargo listed in the dep-info it wrote beside
/// the binary (`<binary>.d`, from the last `cargo build`) when that lists this checkout; else
/// every file of the crates the binary is built from (`core`, `drivers`, `protocols`, `web`) but
/// their tests, benches and examples. A binary older than one of them was built before the last
/// edit (`cargo test -p lis-tests` does not rebuild it: it is not a dependency).
pub fn stale_sources(binary: &Path, root: &Path) -> Option<String> {
    let built = match std::fs::metadata(binary).and_then(|m| m.modified()) {
        Ok(t) => t,
        Err(e) => return Some(format!("{}: {e}", binary.display())),
    };
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let sources = listed_sources(binary, &root).unwrap_or_else(|| crate_sources(&root));
    for source in sources {
        match std::fs::metadata(&source).and_then(|m| m.modified()) {
            Ok(changed) if changed <= built => {}
            Ok(_) => return Some(format!("{} changed since it was built", source.display())),
            Err(e) => return Some(format!("{}: {e}", source.display())),
        }
    }
    None
}

/// The sources in the dep-info beside `binary` (its first line is `<binary>: <source> ...`, a
/// space in a path written `\ `), when every one is in the checkout at `root`.
fn listed_sources(binary: &Path, root: &Path) -> Option<Vec<PathBuf>> {
    let text = std::fs::read_to_string(binary.with_extension("d")).ok()?;
    let line = text.lines().next()?;
    let (_, sources) = line.split_once(": ")?;
    let sources: Vec<PathBuf> = sources
        .replace("\\ ", "\u{0}")
        .split_whitespace()
        .map(|s| PathBuf::from(s.replace('\u{0}', " ")))
        .collect();
    sources
        .iter()
        .all(|s| s.starts_with(root))
        .then_some(sources)
}

/// Every file of the crates `lis` is built from, but their tests, benches and examples.
fn crate_sources(root: &Path) -> Vec<PathBuf> {
    const SKIPPED: [&str; 7] = [
        "target", "tests", "benches", "examples", "fuzz", "testdata", ".git",
    ];
    let mut files = vec![root.join("Cargo.toml"), root.join("Cargo.lock")];
    let mut dirs: Vec<PathBuf> = ["core", "drivers", "protocols", "web"]
        .iter()
        .map(|d| root.join(d))
        .collect();
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !SKIPPED.contains(&name.as_str()) {
                    dirs.push(path);
                }
            } else if !(name == "tests.rs" || name.ends_with("_tests.rs")) {
                files.push(path);
            }
        }
    }
    files.retain(|f| f.exists());
    files
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

#[cfg(test)]
mod tests {
    use std::fs::File;
    use std::time::{Duration, SystemTime};

    use super::stale_sources;

    fn touch(path: &std::path::Path, at: SystemTime) {
        File::create(path).unwrap().set_modified(at).unwrap();
    }

    #[test]
    fn a_lis_older_than_a_source_is_stale() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path().canonicalize().unwrap();
        let then = SystemTime::now() - Duration::from_secs(3600);
        let at = |minutes: u64| then + Duration::from_secs(60 * minutes);
        std::fs::create_dir_all(root.join("core/src/store/tests")).unwrap();
        let lib = root.join("core/src/lib.rs");
        let test_only = root.join("core/src/store/tests/changes.rs");
        let binary = root.join("lis");
        touch(&lib, at(0));
        touch(&binary, at(1));
        // A test module edited after the build is not part of the binary.
        touch(&test_only, at(2));
        assert_eq!(
            stale_sources(&binary, &root),
            None,
            "built after its sources"
        );

        touch(&lib, at(3));
        let why = stale_sources(&binary, &root).unwrap();
        assert!(why.contains("core/src/lib.rs changed since"), "{why}");

        // The dep-info's list is used when it names this checkout (a space written `\ `)...
        let spaced = root.join("core/src/a b.rs");
        touch(&spaced, at(0));
        let dep_info = |sources: &str| {
            std::fs::write(
                binary.with_extension("d"),
                format!("{}: {sources}\n", binary.display()),
            )
            .unwrap();
        };
        dep_info(&spaced.display().to_string().replace(' ', "\\ "));
        assert_eq!(
            stale_sources(&binary, &root),
            None,
            "lib.rs is not in its list"
        );
        touch(&spaced, at(4));
        let why = stale_sources(&binary, &root).unwrap();
        assert!(why.contains("a b.rs changed since"), "{why}");

        // ...and ignored when it names another checkout: then every crate file counts.
        touch(&spaced, at(0));
        dep_info("/elsewhere/core/src/lib.rs");
        let why = stale_sources(&binary, &root).unwrap();
        assert!(why.contains("core/src/lib.rs changed since"), "{why}");
    }
}
