//! `lis audit verify` and `lis journal verify`.

use std::io::Write;
use std::process::ExitCode;

use clap::Subcommand;
use lis_core::audit::AuditProblem;

use super::lab::StoreArgs;

/// `lis audit ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Check the audit trail's hash chain: `OK` with the entry count, or where it breaks (exit 1).
    Verify(StoreArgs),
}

/// `lis journal ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum JournalCommand {
    /// Check every raw message's CRC-32: `OK` with the entry count, or the damaged ids (exit 1).
    Verify(StoreArgs),
}

pub(crate) fn run_audit(command: AuditCommand) -> anyhow::Result<ExitCode> {
    let AuditCommand::Verify(args) = command;
    let store = args.open_existing()?;
    let report = store.verify_audit()?;
    let mut out = std::io::stdout().lock();
    if report.is_intact() {
        writeln!(
            out,
            "OK: audit chain intact, {} entries, head {}",
            report.entries, report.head
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "BROKEN: audit chain of {} entries breaks at entry {}",
        report.entries,
        report.first_broken_seq().unwrap_or(0)
    )?;
    for problem in &report.problems {
        let line = match problem {
            AuditProblem::Edited { seq } => {
                format!("entry {seq}: content does not match its hash (edited)")
            }
            AuditProblem::BrokenLink { seq } => format!(
                "entry {seq}: previous hash does not match (an entry before it was deleted, inserted or moved)"
            ),
            AuditProblem::Gap { expected, found } => {
                format!("entry {found}: expected entry {expected} (entries deleted)")
            }
        };
        writeln!(out, "  {line}")?;
    }
    Ok(ExitCode::from(1))
}

pub(crate) fn run_journal(command: JournalCommand) -> anyhow::Result<ExitCode> {
    let JournalCommand::Verify(args) = command;
    let store = args.open_existing()?;
    let report = store.verify_journal()?;
    let mut out = std::io::stdout().lock();
    if report.damaged.is_empty() {
        writeln!(out, "OK: journal intact, {} entries", report.entries)?;
        return Ok(ExitCode::SUCCESS);
    }
    let ids: Vec<String> = report.damaged.iter().map(i64::to_string).collect();
    writeln!(
        out,
        "DAMAGED: {} of {} journal entries fail their CRC-32: {}",
        report.damaged.len(),
        report.entries,
        ids.join(", ")
    )?;
    Ok(ExitCode::from(1))
}
