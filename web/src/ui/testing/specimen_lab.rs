//! The specimen a review test acts on: a lab with a technician, two supervisors and an
//! administrator (English pages), and one STAT specimen whose TSH is clear, FT4 high (above
//! 22 pmol/L) and TNTHS critical (above 52 ng/L), from the embedded demo lab; its GLU (critical
//! above 25 mmol/L) has no result.

use std::sync::Arc;

use axum::Router;
use jiff::Timestamp;
use lis_core::config::ReviewSteps;
use lis_core::lifecycle::ResultState;
use lis_core::model::{Actor, AnalyzerMessage, NewOrder, Priority, ResultId, Role};
use lis_core::{LabConfig, Store};
use lis_drivers::link::LinkRegistry;

use super::browser::add_users;
use super::lab::{ingest_message, patient_order, results_message};
use crate::app::app_with;
use crate::http_settings::HttpSettings;
use crate::state::AppState;

/// The specimen's barcode.
pub(crate) const BARCODE: &str = "2612070041";

/// The lab: its store, the app over it, and the specimen's three results.
pub(crate) struct Lab {
    pub(crate) store: Arc<Store>,
    pub(crate) app: Router,
    pub(crate) tsh: ResultId,
    pub(crate) ft4: ResultId,
    pub(crate) tnths: ResultId,
}

/// A lab with `tech` (technician), `sup` (supervisor), `sup2` (supervisor) and `admin`, all
/// reading English, and one specimen whose TSH is clear, FT4 high and TNTHS critical.
pub(crate) fn lab(steps: ReviewSteps) -> Lab {
    let mut config = LabConfig::embedded_default().unwrap();
    config.review.steps = steps;
    let store = Arc::new(Store::open_in_memory(config).unwrap());
    add_users(
        &store,
        &[
            ("tech", "Trần Thị B", Role::Technician),
            ("sup", "Lê Văn C", Role::Supervisor),
            ("sup2", "Phạm Thị D", Role::Supervisor),
            ("admin", "Quản trị", Role::Admin),
        ],
    );
    store.place_order(order(), &Actor::System).unwrap();
    let results = results_message(
        BARCODE,
        "2026-12-07T02:00:00Z",
        &[("TSH", "2.0"), ("FT4", "30"), ("TNTHS", "60")],
    );
    ingest_message(
        &store,
        AnalyzerMessage {
            graphs: Vec::new(),
            link: "chem-1".into(),
            raw: b"H|\\^&|||DEMO\rR|1|^^^TNTHS|60\r\x03".to_vec(),
            ..results
        },
    );
    let review = store.specimen_review(BARCODE).unwrap();
    let id = |code: &str| {
        review
            .results
            .iter()
            .find(|r| r.test_code == code)
            .unwrap()
            .id
    };
    let state = AppState::new(Arc::clone(&store), LinkRegistry::new());
    Lab {
        app: app_with(state, &HttpSettings::default()),
        tsh: id("TSH"),
        ft4: id("FT4"),
        tnths: id("TNTHS"),
        store,
    }
}

/// The STAT order of the specimen, with TSH, FT4 and TNTHS (which the analyzer sends) and GLU
/// (which it does not: a manual entry's test).
pub(crate) fn order() -> NewOrder {
    let at: Timestamp = "2026-12-07T01:00:00Z".parse().unwrap();
    let tests = ["TSH", "FT4", "TNTHS", "GLU"];
    let mut order = patient_order("HIS-77", "P-77", "Nguyễn Văn A", BARCODE, &tests);
    order.requesting_doctor = "BS. Trần".into();
    order.department = "Nội tổng hợp".into();
    order.priority = Priority::Stat;
    order.ordered_at = at;
    order.specimens[0].collected_at = Some(at);
    order
}

impl Lab {
    /// The result's state and row version now.
    pub(crate) fn result(&self, id: ResultId) -> (ResultState, i64) {
        let r = self.store.result(id).unwrap();
        (r.state, r.rev)
    }

    /// The result's audit actions, oldest first.
    pub(crate) fn actions(&self, id: ResultId) -> Vec<String> {
        self.store
            .result_history(id)
            .unwrap()
            .into_iter()
            .filter(|h| h.entity == "result")
            .map(|h| h.action)
            .collect()
    }

    /// The `result` field for the result as stored now.
    pub(crate) fn key(&self, id: ResultId) -> String {
        format!("{id}:{}", self.result(id).1)
    }
}

/// Where an action on the specimen posts: `/specimens/{BARCODE}/{action}`.
pub(crate) fn at(action: &str) -> String {
    format!("/specimens/{BARCODE}/{action}")
}
