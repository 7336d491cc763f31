//! `lis his requeue`: a delivery the HIS rejected (AE/AR) goes back in the queue once a person
//! fixed the cause; `lis serve` then resends the very same message (same MSH-10).

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use lis_core::model::Actor;
use serde_json::json;

use super::lab::StoreArgs;

/// `lis his ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum HisCommand {
    /// Put a rejected delivery back in the queue; prints `{"outbox_id", "endpoint", "state"}`.
    Requeue(RequeueArgs),
}

/// Arguments of `lis his requeue`.
#[derive(Debug, Args)]
pub(crate) struct RequeueArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The outbox row (`outbox_id` in `GET /api/v1/his/deliveries?state=failed`).
    #[arg(long)]
    outbox: i64,
    /// The HIS endpoint's name (`[[his.results]] name`).
    #[arg(long)]
    endpoint: String,
    /// The user asking (a user id); the LIS itself when absent.
    #[arg(long)]
    user: Option<i64>,
}

pub(crate) fn run(command: HisCommand) -> anyhow::Result<ExitCode> {
    let HisCommand::Requeue(args) = command;
    let store = args.store.open_existing()?;
    let actor = args.user.map_or(Actor::System, Actor::User);
    store.his_requeue(args.outbox, &args.endpoint, &actor)?;
    writeln!(
        std::io::stdout().lock(),
        "{}",
        json!({ "outbox_id": args.outbox, "endpoint": args.endpoint, "state": "pending" })
    )?;
    Ok(ExitCode::SUCCESS)
}
