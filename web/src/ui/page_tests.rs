//! The lab of the `oneshot` tests of the patient, turnaround and administration pages: a
//! technician `tech`, a supervisor `boss` and an administrator `admin` (all in English) over
//! [`crate::ui::testing`]'s store, app and browser.

use axum::Router;
use lis_core::model::{HistoryEntry, NewOrder, Role};
use lis_core::Store;

pub(crate) use crate::ui::testing::browser::{
    get_page as get, post_form as post, send, signed_in, signed_in_with,
};
pub(crate) use crate::ui::testing::lab::ingest;
pub(crate) use crate::ui::testing::lab::Lab;
use crate::ui::testing::lab::{demo_store, patient_order};

/// A lab with the three users and no orders.
pub(crate) fn lab() -> Lab {
    Lab::over(demo_store(&[
        ("tech", "tech (display)", Role::Technician),
        ("boss", "boss (display)", Role::Supervisor),
        ("admin", "admin (display)", Role::Admin),
    ]))
}

/// An order for one specimen of a patient (born 1 May 1980, male), ordered at
/// 2025-03-01T00:30:00Z and received at `received`.
pub(crate) fn order(
    his_id: &str,
    name: &str,
    placer: &str,
    barcode: &str,
    received: Option<&str>,
    tests: &[&str],
) -> NewOrder {
    let mut order = patient_order(placer, his_id, name, barcode, tests);
    order.ordered_at = "2025-03-01T00:30:00Z".parse().unwrap();
    order.specimens[0].received_at = received.map(|r| r.parse().unwrap());
    order
}

/// The form token of a signed-in user's page.
pub(crate) async fn token(app: &Router, cookie: &str, page: &str) -> String {
    send(app, get(page, cookie)).await.csrf_input()
}

/// Every audit entry.
pub(crate) fn audit(store: &Store) -> Vec<HistoryEntry> {
    store.audit_page(0, 100_000).unwrap()
}
