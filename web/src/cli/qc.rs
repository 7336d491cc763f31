//! `lis qc state`, `lis qc override`, `lis verify` and `lis release`: quality control and the
//! review steps from the command line, through the same store operations (and role checks,
//! when a user is named) as the web UI.
//!
//! Each prints one JSON line. A refusal (a release held by rejected QC, a role missing, a stale
//! state) prints `lis: <the reason>` on stderr and exits 1.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use lis_core::model::{Actor, QcStanding};
use lis_core::StoreError;
use serde_json::{json, Value};

use super::lab::StoreArgs;

/// `lis qc ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum QcCommand {
    /// Print the QC state of every instrument and test with QC as JSON lines `{"instrument",
    /// "test", "verdict", "run", "reason", "since", "override", "rechecks"}` (verdict `null` when
    /// no run is recorded).
    State(StoreArgs),
    /// A supervisor overrides the rejected QC of a test on an instrument, with a reason
    /// (audited as `qc.override`): its patient results may then be released by a person.
    Override(OverrideArgs),
}

/// Arguments of `lis qc override`.
#[derive(Debug, Args)]
pub(crate) struct OverrideArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The instrument (its id in the lab config).
    #[arg(long)]
    instrument: String,
    /// The test (LIS code).
    #[arg(long)]
    test: String,
    /// The rejected run being overridden (its `run` in `lis qc state`).
    #[arg(long)]
    run: i64,
    /// Why (required; recorded in the audit trail and shown on the results).
    #[arg(long)]
    reason: String,
    /// The supervisor (a user id).
    #[arg(long)]
    user: i64,
}

/// Arguments of `lis verify` and `lis release`.
#[derive(Debug, Args)]
pub(crate) struct ReviewArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The result version (its `id` in `lis results`).
    #[arg(long)]
    result: i64,
    /// The user acting (a user id); the LIS itself when absent.
    #[arg(long)]
    user: Option<i64>,
}

/// Which review step.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ReviewStep {
    /// Verify a result waiting for review.
    Verify,
    /// Release a verified result to the HIS.
    Release,
}

fn standing_json(s: &QcStanding) -> Value {
    json!({
        "verdict": s.verdict.as_str(),
        "run": s.run_id,
        "reason": s.reason,
        "since": s.since.to_string(),
        "override": s.override_record.as_ref().map(|o| json!({
            "id": o.id,
            "run": o.run_id,
            "reason": o.reason,
            "by": o.by.display_name,
            "at": o.at.to_string(),
        })),
    })
}

/// A refusal the person can act on: exit 1 with the store's words; anything else is an error.
fn refused(error: StoreError) -> anyhow::Result<ExitCode> {
    match error {
        StoreError::QcRejected { .. }
        | StoreError::Forbidden { .. }
        | StoreError::Conflict { .. }
        | StoreError::Invalid { .. }
        | StoreError::CallbackRequired { .. } => {
            let _ = writeln!(std::io::stderr(), "lis: {error}");
            Ok(ExitCode::from(1))
        }
        other => Err(other.into()),
    }
}

/// Runs `lis qc ...`.
pub(crate) fn run(command: QcCommand) -> anyhow::Result<ExitCode> {
    match command {
        QcCommand::State(store) => {
            let store = store.open_existing()?;
            let mut out = std::io::stdout().lock();
            for row in store.qc_overview()? {
                let mut line = row
                    .standing
                    .as_ref()
                    .map_or_else(|| json!({ "verdict": null }), standing_json);
                line["instrument"] = json!(row.instrument);
                line["test"] = json!(row.test_code);
                line["rechecks"] = json!(row.rechecks);
                writeln!(out, "{line}")?;
            }
            Ok(ExitCode::SUCCESS)
        }
        QcCommand::Override(args) => {
            let store = args.store.open_existing()?;
            match store.override_qc(
                &args.instrument,
                &args.test,
                args.run,
                &args.reason,
                &Actor::User(args.user),
            ) {
                Ok(o) => {
                    writeln!(
                        std::io::stdout().lock(),
                        "{}",
                        json!({ "override": o.id, "run": o.run_id, "reason": o.reason,
                                "by": o.by.display_name, "at": o.at.to_string() })
                    )?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => refused(e),
            }
        }
    }
}

/// Runs `lis verify` or `lis release`.
pub(crate) fn run_review(step: ReviewStep, args: &ReviewArgs) -> anyhow::Result<ExitCode> {
    let store = args.store.open_existing()?;
    let actor = args.user.map_or(Actor::System, Actor::User);
    let done = match step {
        ReviewStep::Verify => store.verify(args.result, &actor),
        ReviewStep::Release => store.release(args.result, &actor),
    };
    match done {
        Ok(state) => {
            writeln!(
                std::io::stdout().lock(),
                "{}",
                json!({ "result_id": args.result, "state": state.as_str() })
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => refused(e),
    }
}
