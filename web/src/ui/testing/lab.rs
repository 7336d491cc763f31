//! The lab a handler test starts from: a store with users of each role (see
//! [`super::browser::add_users`]), the app over it, and the orders and analyzer results the
//! page families place in it.

use std::sync::Arc;

use axum::Router;
use jiff::Timestamp;
use lis_core::model::{
    AnalyzerMessage, IngestOutcome, MessageKind, NewOrder, NewPatient, NewSpecimen, Observation,
    Priority, Protocol, ResultId, Role, Sex, StoredObservation,
};
use lis_core::{LabConfig, Store};
use lis_drivers::link::LinkRegistry;

use super::browser::add_users;
use crate::app::app;
use crate::state::AppState;

/// A store over `config` with `users` (`(username, display name, role)`, English pages).
pub(crate) fn store_with(config: LabConfig, users: &[(&str, &str, Role)]) -> Arc<Store> {
    let store = Arc::new(Store::open_in_memory(config).unwrap());
    add_users(&store, users);
    store
}

/// A store over the embedded demo lab's config with `users`.
pub(crate) fn demo_store(users: &[(&str, &str, Role)]) -> Arc<Store> {
    store_with(LabConfig::embedded_default().unwrap(), users)
}

/// The whole app over `store` and `links`, with the default HTTP settings.
pub(crate) fn app_over(store: &Arc<Store>, links: &LinkRegistry) -> Router {
    app(AppState::new(Arc::clone(store), links.clone()))
}

/// A store, the registry of its instruments' links and the whole app over them.
pub(crate) struct Lab {
    pub(crate) store: Arc<Store>,
    pub(crate) links: LinkRegistry,
    pub(crate) app: Router,
}

impl Lab {
    /// The app over `store` (its orders and results already placed), with no link registered.
    pub(crate) fn over(store: Arc<Store>) -> Self {
        let links = LinkRegistry::new();
        Self {
            app: app_over(&store, &links),
            store,
            links,
        }
    }
}

/// A routine order `placer` of patient `his_id` (`name`, male, born 1 May 1980) from "BS Trần"
/// of "Nội", ordered at 2025-03-01T01:00:00Z, for one serum specimen `barcode` with `tests`,
/// neither collected nor received.
pub(crate) fn patient_order(
    placer: &str,
    his_id: &str,
    name: &str,
    barcode: &str,
    tests: &[&str],
) -> NewOrder {
    NewOrder {
        placer_number: placer.into(),
        patient: NewPatient {
            his_id_authority: Default::default(),
            his_id_type: String::new(),
            name_parts: None,
            his_id: his_id.into(),
            name: name.into(),
            sex: Sex::Male,
            birth_date: Some(jiff::civil::date(1980, 5, 1)),
        },
        requesting_doctor: "BS Trần".into(),
        requesting_doctor_id: String::new(),
        requesting_doctor_name: None,
        department: "Nội".into(),
        priority: Priority::Routine,
        ordered_at: "2025-03-01T01:00:00Z".parse().unwrap(),
        specimens: vec![NewSpecimen {
            barcode: barcode.into(),
            specimen_type: "serum".into(),
            collected_at: None,
            received_at: None,
            tests: tests.iter().map(|t| (*t).to_owned()).collect(),
        }],
    }
}

/// Final results `(test code, value)` of specimen `barcode` from the demo chemistry analyzer
/// on link `chem`, received at `at`.
pub(crate) fn results_message(barcode: &str, at: &str, values: &[(&str, &str)]) -> AnalyzerMessage {
    AnalyzerMessage {
        graphs: Vec::new(),
        instrument: "DEMO-CHEM".into(),
        link: "chem".into(),
        received_at: at.parse::<Timestamp>().unwrap(),
        protocol: Protocol::Astm,
        raw: format!("msg {barcode} {at}").into_bytes(),
        kind: MessageKind::Results,
        observations: values
            .iter()
            .map(|(code, value)| Observation {
                specimen_id: barcode.into(),
                instrument_test_code: (*code).into(),
                value: (*value).into(),
                status: "F".into(),
                ..Default::default()
            })
            .collect(),
        patient_hint: None,
    }
}

/// Stores `message` and returns the ids of the results it made.
pub(crate) fn ingest_message(store: &Store, message: AnalyzerMessage) -> Vec<ResultId> {
    let out = store.ingest(message).unwrap();
    let IngestOutcome::Stored { observations, .. } = out else {
        panic!("not stored: {out:?}")
    };
    observations
        .iter()
        .filter_map(|o| match o {
            StoredObservation::Result(id) => Some(*id),
            _ => None,
        })
        .collect()
}

/// Stores [`results_message`] and returns the ids of the results it made.
pub(crate) fn ingest(
    store: &Store,
    barcode: &str,
    at: &str,
    values: &[(&str, &str)],
) -> Vec<ResultId> {
    ingest_message(store, results_message(barcode, at, values))
}
