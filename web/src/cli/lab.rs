//! Lab commands over the store, for demos, scripts and the end-to-end tests: `lis order add`,
//! `lis results`, `lis rerun`, `lis correct`. They open the same database `lis serve` uses (SQLite in WAL mode
//! lets them run while it does).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use lis_core::model::{
    Actor, LabResult, NewOrder, NewPatient, NewSpecimen, Priority, Sex, Unmatched,
};
use lis_core::store::DB_FILE;
use lis_core::Store;
use serde_json::{json, Value};

use crate::lab;

/// Where the store is, and the lab config it runs with.
#[derive(Debug, Args)]
pub(crate) struct StoreArgs {
    /// The data directory of `lis serve`.
    #[arg(long, default_value = "lis-data")]
    data: PathBuf,
    /// The lab config `lis serve` runs with (the embedded default when absent). Opening the store
    /// with another config records the change in the audit trail.
    #[arg(long)]
    config: Option<PathBuf>,
}

impl StoreArgs {
    /// Opens the store, creating the database if needed.
    pub(crate) fn open(&self) -> anyhow::Result<Store> {
        let lab = lab::load(self.config.as_deref()).map_err(|p| anyhow::anyhow!("{p}"))?;
        Store::open(&self.data, lab.config)
            .with_context(|| format!("cannot open the store in {}", self.data.display()))
    }

    /// Opens an existing store; an error if there is no database in the data directory.
    pub(crate) fn open_existing(&self) -> anyhow::Result<Store> {
        let db = self.data.join(DB_FILE);
        if !db.is_file() {
            anyhow::bail!("no database at {}", db.display());
        }
        self.open()
    }
}

/// `lis order ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum OrderCommand {
    /// Place an order for one specimen; prints `{"order_id", "placer_number", "accession"}`.
    Add(OrderAddArgs),
}

/// Arguments of `lis order add`.
#[derive(Debug, Args)]
pub(crate) struct OrderAddArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The specimen barcode (what the analyzer sends as specimen id).
    #[arg(long)]
    specimen: String,
    /// LIS test codes, comma separated: `GLU,UREA`.
    #[arg(long, value_delimiter = ',', required = true)]
    tests: Vec<String>,
    /// The patient's HIS id.
    #[arg(long)]
    patient: String,
    /// The patient's name.
    #[arg(long, default_value = "")]
    name: String,
    /// The patient's sex: M, F or U.
    #[arg(long, default_value = "U")]
    sex: String,
    /// The patient's birth date, YYYY-MM-DD.
    #[arg(long)]
    birth: Option<String>,
    /// The placer order number; the specimen barcode when absent.
    #[arg(long)]
    placer: Option<String>,
    /// The specimen type; the first test's catalog specimen when absent.
    #[arg(long)]
    specimen_type: Option<String>,
    /// Priority.
    #[arg(long, value_enum, default_value_t = PriorityArg::Routine)]
    priority: PriorityArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PriorityArg {
    Routine,
    Stat,
}

/// Arguments of `lis results`.
#[derive(Debug, Args)]
pub(crate) struct ResultsArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The order, by placer number (`lis order add` uses the barcode when not told otherwise).
    #[arg(long, required_unless_present = "unmatched")]
    order: Option<String>,
    /// Only results of this specimen barcode.
    #[arg(long)]
    specimen: Option<String>,
    /// Print the unmatched queue instead (results that matched no order).
    #[arg(long)]
    unmatched: bool,
}

/// Arguments of `lis rerun`.
#[derive(Debug, Args)]
pub(crate) struct RerunArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The result version to rerun (its `id` in `lis results`).
    #[arg(long)]
    result: i64,
    /// Why (recorded in the audit trail).
    #[arg(long)]
    reason: String,
    /// Dilution factor for the rerun (sent to the analyzer).
    #[arg(long)]
    dilution: Option<u32>,
    /// The user asking (a user id); the LIS itself when absent.
    #[arg(long)]
    user: Option<i64>,
}

/// Arguments of `lis correct`.
#[derive(Debug, Args)]
pub(crate) struct CorrectArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The released result version to correct (its `id` in `lis results`).
    #[arg(long)]
    result: i64,
    /// The corrected value, as the analyzer or the lab writes it.
    #[arg(long)]
    value: String,
    /// Why (recorded in the audit trail; required).
    #[arg(long)]
    reason: String,
    /// The user correcting (a user id); the LIS itself when absent.
    #[arg(long)]
    user: Option<i64>,
}

pub(crate) fn run_order(command: OrderCommand) -> anyhow::Result<ExitCode> {
    let OrderCommand::Add(args) = command;
    let store = args.store.open()?;
    let birth_date = match &args.birth {
        Some(b) => Some(
            b.parse()
                .with_context(|| format!("--birth {b:?}: expected YYYY-MM-DD"))?,
        ),
        None => None,
    };
    let specimen_type = match &args.specimen_type {
        Some(t) => t.clone(),
        None => args
            .tests
            .first()
            .and_then(|t| store.config().test(t))
            .map(|t| t.specimen.clone())
            .unwrap_or_default(),
    };
    let placer = args.placer.clone().unwrap_or_else(|| args.specimen.clone());
    let order = NewOrder {
        placer_number: placer,
        patient: NewPatient {
            his_id_authority: Default::default(),
            his_id_type: String::new(),
            name_parts: None,
            his_id: args.patient.clone(),
            name: args.name.clone(),
            sex: Sex::parse(&args.sex),
            birth_date,
        },
        requesting_doctor: String::new(),
        requesting_doctor_id: String::new(),
        requesting_doctor_name: None,
        department: String::new(),
        priority: match args.priority {
            PriorityArg::Routine => Priority::Routine,
            PriorityArg::Stat => Priority::Stat,
        },
        ordered_at: jiff::Timestamp::now(),
        specimens: vec![NewSpecimen {
            barcode: args.specimen.clone(),
            specimen_type,
            collected_at: None,
            received_at: Some(jiff::Timestamp::now()),
            tests: args.tests.clone(),
        }],
    };
    let id = store.place_order(order, &Actor::His("lis-cli".to_owned()))?;
    let placed = store.order(id)?;
    let line = json!({
        "order_id": id,
        "placer_number": placed.placer_number,
        "accession": placed.accession,
    });
    writeln!(std::io::stdout().lock(), "{line}")?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_results(args: &ResultsArgs) -> anyhow::Result<ExitCode> {
    let store = args.store.open_existing()?;
    let mut out = std::io::stdout().lock();
    if args.unmatched {
        for u in store.unmatched()? {
            if args.specimen.as_ref().is_some_and(|s| *s != u.specimen_id) {
                continue;
            }
            writeln!(out, "{}", unmatched_json(&u))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let placer = args.order.as_deref().unwrap_or_default();
    let Some(order) = store.order_by_placer(placer)? else {
        anyhow::bail!("no order with placer number {placer:?}");
    };
    for r in store.results_for_order(order.id)? {
        if args.specimen.as_ref().is_some_and(|s| *s != r.specimen_id) {
            continue;
        }
        let mut line = result_json(&r);
        // Why it waits for a person (the QC reason among them), in the store's words.
        line["held_because"] = json!(store.result_with_checks(r.id)?.reasons);
        writeln!(out, "{line}")?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_rerun(args: &RerunArgs) -> anyhow::Result<ExitCode> {
    let store = args.store.open_existing()?;
    let actor = args.user.map_or(Actor::System, Actor::User);
    let state = store.request_rerun(args.result, &args.reason, args.dilution, &actor)?;
    writeln!(
        std::io::stdout().lock(),
        "{}",
        json!({ "result_id": args.result, "state": state.as_str() })
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Corrects a released result: a new released version (HL7 result status C) that `lis serve`
/// sends to the HIS as a correction. Prints `{"result_id", "corrects", "state"}`.
pub(crate) fn run_correct(args: &CorrectArgs) -> anyhow::Result<ExitCode> {
    let store = args.store.open_existing()?;
    let actor = match args.user {
        Some(id) => {
            store
                .user(id)
                .with_context(|| format!("--user {id}: no such user"))?;
            Actor::User(id)
        }
        None => Actor::System,
    };
    let new_id = store.correct(args.result, &args.value, &args.reason, &actor)?;
    let new = store.result(new_id)?;
    writeln!(
        std::io::stdout().lock(),
        "{}",
        json!({
            "result_id": new_id,
            "corrects": args.result,
            "value": new.value,
            "state": new.state.as_str(),
        })
    )?;
    Ok(ExitCode::SUCCESS)
}

/// One result version as a JSON line: flags as the lab prints them (`L`, `HH`, ...).
fn result_json(r: &LabResult) -> Value {
    json!({
        "id": r.id,
        "order_id": r.order_id,
        "specimen_id": r.specimen_id,
        "test_code": r.test_code,
        "version": r.version,
        "value_sent": r.value_sent,
        "value": r.value,
        "numeric": r.numeric,
        "unit": r.unit,
        "flags": r.flags.iter().map(|f| f.code()).collect::<Vec<_>>(),
        "instrument_flags": r.instrument_flags,
        "instrument": r.instrument,
        "operator": r.operator,
        "observed_at": r.observed_at.map(|t| t.to_string()),
        "state": r.state.as_str(),
        "reported": r.reported,
        "journal_id": r.journal_id,
    })
}

fn unmatched_json(u: &Unmatched) -> Value {
    json!({
        "id": u.id,
        "journal_id": u.journal_id,
        "instrument": u.instrument,
        "specimen_id": u.specimen_id,
        "instrument_test_code": u.instrument_test_code,
        "value": u.value,
        "units": u.units,
        "reason": u.reason.as_str(),
    })
}
