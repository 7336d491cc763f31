//! The `lis` binary's command line surface. (Cargo builds the binary for the workspace's
//! end-to-end tests because this package has an integration test.)

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
