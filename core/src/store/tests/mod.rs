//! Store behaviour as a lab sees it: orders in, analyzer messages in, results checked, released,
//! corrected, audited. Helpers here; cases in `ingest` and `lifecycle`.

mod bulk;
mod cancel;
mod changes;
mod corrupt;
mod graphs;
mod ingest;
mod ingest_checks;
mod isolates;
mod lifecycle;
mod monitor;
mod patients;
mod plans;
mod qc;
mod reception;
mod review;
mod sign_in;
mod specimen_view;
mod supplements;
mod turnaround;
mod worklist;

use jiff::civil::{date, Date};
use jiff::Timestamp;

use super::*;
use crate::audit::AuditProblem;
use crate::lifecycle::{Action, IllegalTransition, ResultState};
use crate::model::{
    MessageKind, NewOrder, NewPatient, NewSpecimen, Observation, OrderStatus, OrderedTestStatus,
    Priority, Role, Sex, StoredObservation, UnmatchedReason,
};
use crate::validation::{Flag, Outcome};

pub(super) fn lab() -> LabConfig {
    LabConfig::embedded_default().unwrap()
}

pub(super) fn store() -> Store {
    Store::open_in_memory(lab()).unwrap()
}

pub(super) fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub(super) fn order(
    placer: &str,
    barcode: &str,
    tests: &[&str],
    sex: Sex,
    birth: Date,
    collected: &str,
) -> NewOrder {
    NewOrder {
        placer_number: placer.into(),
        patient: NewPatient {
            his_id_authority: Default::default(),
            his_id_type: String::new(),
            name_parts: None,
            his_id: format!("P-{placer}"),
            name: "Nguyễn Văn A".into(),
            sex,
            birth_date: Some(birth),
        },
        requesting_doctor: "BS. Trần".into(),
        requesting_doctor_id: String::new(),
        requesting_doctor_name: None,
        department: "Nội tổng hợp".into(),
        priority: Priority::Routine,
        ordered_at: t(collected),
        specimens: vec![NewSpecimen {
            barcode: barcode.into(),
            specimen_type: "serum".into(),
            collected_at: Some(t(collected)),
            received_at: None,
            tests: tests.iter().map(|s| (*s).to_owned()).collect(),
        }],
    }
}

pub(super) fn adult(placer: &str, barcode: &str, tests: &[&str]) -> NewOrder {
    order(
        placer,
        barcode,
        tests,
        Sex::Male,
        date(1980, 5, 1),
        "2025-03-01T01:00:00Z",
    )
}

pub(super) fn obs(specimen: &str, code: &str, value: &str) -> Observation {
    Observation {
        specimen_id: specimen.into(),
        instrument_test_code: code.into(),
        value: value.into(),
        units: String::new(),
        status: "F".into(),
        ..Default::default()
    }
}

pub(super) fn message(
    instrument: &str,
    link: &str,
    raw: &str,
    observations: Vec<Observation>,
) -> AnalyzerMessage {
    AnalyzerMessage {
        graphs: Vec::new(),
        instrument: instrument.into(),
        link: link.into(),
        received_at: t("2025-03-01T02:00:00Z"),
        protocol: Protocol::Astm,
        raw: raw.as_bytes().to_vec(),
        kind: MessageKind::Results,
        observations,
        patient_hint: None,
    }
}

pub(super) fn result_ids(outcome: &IngestOutcome) -> Vec<i64> {
    match outcome {
        IngestOutcome::Stored { observations, .. } => observations
            .iter()
            .filter_map(|o| match o {
                StoredObservation::Result(id) => Some(*id),
                _ => None,
            })
            .collect(),
        IngestOutcome::Duplicate { .. } => Vec::new(),
    }
}

pub(super) const SYSTEM: Actor = Actor::System;

/// A user with these roles, created on first use of the username.
pub(super) fn person(s: &Store, username: &str, roles: &[Role]) -> Actor {
    let existing: Option<i64> = s
        .read(|conn, _| {
            Ok(conn
                .query_row(
                    "SELECT id FROM users WHERE username = ?1",
                    [username],
                    |r| r.get(0),
                )
                .optional()?)
        })
        .unwrap();
    Actor::User(existing.unwrap_or_else(|| {
        s.create_user(username, &format!("{username} (display)"), roles, &SYSTEM)
            .unwrap()
    }))
}

/// The technician `ktv`.
pub(super) fn technician(s: &Store) -> Actor {
    person(s, "ktv", &[Role::Technician])
}

/// The supervisor `truongkhoa`.
pub(super) fn supervisor(s: &Store) -> Actor {
    person(s, "truongkhoa", &[Role::Supervisor])
}
