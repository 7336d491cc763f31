//! The `lis` binary's own smoke tests. Having an integration test here also makes
//! `cargo test --workspace` build the `lis` binary that the end-to-end tests in `tests/` run.

use std::process::Command;

#[test]
fn help_lists_the_commands() {
    let output = Command::new(env!("CARGO_BIN_EXE_lis"))
        .arg("--help")
        .output()
        .expect("lis runs");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("parse"), "{help}");
}

#[test]
fn parse_without_files_is_a_usage_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_lis"))
        .arg("parse")
        .output()
        .expect("lis runs");
    // clap's usage errors exit with 2 and say what is missing.
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("FILES"));
}

#[test]
fn version_names_the_package_version() {
    let out = Command::new(env!("CARGO_BIN_EXE_lis"))
        .arg("--version")
        .output()
        .expect("run lis");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("lis {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn serve_needs_a_readable_config() {
    let out = Command::new(env!("CARGO_BIN_EXE_lis"))
        .args([
            "serve",
            "--config",
            "/nonexistent/lab.toml",
            "--http",
            "127.0.0.1:0",
        ])
        .output()
        .expect("run lis");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/nonexistent/lab.toml: cannot read the file"),
        "{err}"
    );
}
