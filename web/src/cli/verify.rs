//! `lis audit verify`, `lis audit list`, `lis journal verify` and `lis journal list`.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use lis_core::audit::AuditProblem;

use super::lab::StoreArgs;

/// `lis audit ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Check the audit trail's hash chain: `OK` with the entry count, or where it breaks (exit 1).
    Verify(StoreArgs),
    /// Print audit entries newest first as JSON lines `{"seq", "at", "actor", "user", "action",
    /// "entity", "id", "old", "new", "reason"}`.
    List(AuditListArgs),
}

/// Arguments of `lis audit list`.
#[derive(Debug, Args)]
pub(crate) struct AuditListArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Only this action (`qc.override`, `result.release`...).
    #[arg(long)]
    action: Option<String>,
    /// Only this kind of object (`result`, `qc`...).
    #[arg(long)]
    entity: Option<String>,
    /// At most this many entries.
    #[arg(long, default_value_t = 100)]
    limit: usize,
}

/// `lis journal ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum JournalCommand {
    /// Check every raw message's CRC-32: `OK` with the entry count, or the damaged ids (exit 1).
    Verify(StoreArgs),
    /// Print the raw messages' metadata as JSON lines `{"id", "link", "instrument", "protocol",
    /// "kind", "received_at", "bytes", "error"}`, oldest first (a damaged entry prints
    /// `{"damaged": REASON}` in its place).
    List(JournalListArgs),
}

/// Arguments of `lis journal list`.
#[derive(Debug, Args)]
pub(crate) struct JournalListArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Only entries with an id greater than this.
    #[arg(long, default_value_t = 0)]
    since: i64,
    /// At most this many entries (default 1,000); to read further, pass the last id printed
    /// as --since.
    #[arg(long, default_value_t = 1000)]
    limit: usize,
}

pub(crate) fn run_audit(command: AuditCommand) -> anyhow::Result<ExitCode> {
    let args = match command {
        AuditCommand::Verify(args) => args,
        AuditCommand::List(args) => return run_audit_list(&args),
    };
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
    let args = match command {
        JournalCommand::Verify(args) => args,
        JournalCommand::List(args) => return run_journal_list(&args),
    };
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

fn run_audit_list(args: &AuditListArgs) -> anyhow::Result<ExitCode> {
    let store = args.store.open_existing()?;
    let filter = lis_core::store::AuditFilter {
        action: args.action.clone(),
        entity: args.entity.clone(),
        ..Default::default()
    };
    let mut out = std::io::stdout().lock();
    for record in store.audit_trail(&filter, None, args.limit)? {
        let e = &record.entry;
        let line = serde_json::json!({
            "seq": e.seq,
            "at": e.at.to_string(),
            "actor": e.actor.stored,
            "user": e.actor.display_name,
            "action": e.action,
            "entity": e.entity,
            "id": e.entity_id,
            "old": e.old,
            "new": e.new,
            "reason": e.reason,
        });
        writeln!(out, "{line}")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn run_journal_list(args: &JournalListArgs) -> anyhow::Result<ExitCode> {
    let store = args.store.open_existing()?;
    let mut out = std::io::stdout().lock();
    for entry in store.journal_since(args.since, args.limit)? {
        let line = match entry {
            Ok(e) => serde_json::json!({
                "id": e.id,
                "link": e.link,
                "instrument": e.instrument,
                "protocol": e.protocol,
                "kind": e.kind,
                "received_at": e.received_at.to_string(),
                "bytes": e.raw.len(),
                "error": e.parse_error,
            }),
            Err(e) => serde_json::json!({ "damaged": e.to_string() }),
        };
        writeln!(out, "{line}")?;
    }
    Ok(ExitCode::SUCCESS)
}
