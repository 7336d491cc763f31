//! The quality control pages ([`routes`]):
//!
//! - `GET /qc` ([`overview`], `ReadQc`): each instrument and test's QC state
//!   (accepted, warning, rejected; the run that set it, when, why in words), links to the
//!   charts; for supervisors (`ManageQc`) the override form of a rejected state,
//!   the patient results to re-check, and the QC results kept but not evaluated.
//! - `GET /qc/chart?instrument=&test=&level=&lot=` ([`chart_page`], `ReadQc`): the
//!   Levey-Jennings chart ([`chart`]) of one test, instrument and level, one lot or all lots,
//!   with the table of its points, the monthly summary and the sigma advice.
//! - `GET`/`POST /qc/enter` ([`entry`], `EnterQc`): a QC value typed by hand for an
//!   analyzer without a link; Post/Redirect/Get with a notice saying the run's verdict.
//! - `GET /qc/targets`, `POST /qc/targets`, `POST /qc/targets/lab` ([`targets`], `ManageQc`):
//!   the targets in force per lot, level and test, a supervisor's new mean and SD (reason
//!   required) and the switch to the lab's own statistics after 20 accepted points.
//! - `POST /qc/override` and `POST /qc/recheck` ([`actions`], `ManageQc`).
//!
//! Every change is made and audited by core (`Store::override_qc`, `qc_recheck_done`,
//! `enter_qc`, the target edits), which checks the permission again in its transaction.
//! [`markers`] gives the worklist and the specimen page their "QC rejected" markers.

pub mod actions;
pub mod chart;
pub mod chart_page;
pub mod entry;
pub mod markers;
pub mod overview;
pub mod targets;
pub mod texts;

#[cfg(test)]
mod tests;

use std::fmt;

use axum::routing::{get, post};
use axum::Router;
use lis_core::model::{QcResolution, QcVerdict};

pub use self::texts::QcMsg;
use crate::state::AppState;

/// The fixed paths of the quality control pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QcUrls {
    /// The QC page.
    Overview,
    /// One Levey-Jennings chart (`?instrument=&test=&level=&lot=`).
    Chart,
    /// The manual entry form and its submission.
    Enter,
    /// The override of a rejected QC state (POST).
    Override,
    /// A re-checked patient result (POST).
    Recheck,
    /// The targets page and a new target (POST).
    Targets,
    /// The switch of a lot and level to the lab's own statistics (POST).
    TargetsLab,
}

impl QcUrls {
    /// The path.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Overview => "/qc",
            Self::Chart => "/qc/chart",
            Self::Enter => "/qc/enter",
            Self::Override => "/qc/override",
            Self::Recheck => "/qc/recheck",
            Self::Targets => "/qc/targets",
            Self::TargetsLab => "/qc/targets/lab",
        }
    }
}

impl fmt::Display for QcUrls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The chart of `test` on `instrument` at `level`, of one lot or (`None`) every lot.
pub fn chart_url(instrument: &str, test: &str, level: &str, lot: Option<&str>) -> String {
    let mut pairs = vec![("instrument", instrument), ("test", test), ("level", level)];
    if let Some(lot) = lot {
        pairs.push(("lot", lot));
    }
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("{}?{query}", QcUrls::Chart)
}

/// Every route of the quality control pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(QcUrls::Overview.as_str(), get(overview::qc_get))
        .route(QcUrls::Chart.as_str(), get(chart_page::qc_chart_get))
        .route(
            QcUrls::Enter.as_str(),
            get(entry::qc_enter_get).post(entry::qc_enter_post),
        )
        .route(QcUrls::Override.as_str(), post(actions::qc_override_post))
        .route(QcUrls::Recheck.as_str(), post(actions::qc_recheck_post))
        .route(
            QcUrls::Targets.as_str(),
            get(targets::qc_targets_get).post(targets::qc_targets_post),
        )
        .route(
            QcUrls::TargetsLab.as_str(),
            post(targets::qc_targets_lab_post),
        )
}

/// The words, CSS class and symbol of a QC state (never colour alone).
pub fn verdict_badge(
    verdict: Option<QcVerdict>,
    overridden: bool,
) -> (QcMsg, &'static str, &'static str) {
    match (verdict, overridden) {
        (None, _) => (QcMsg::StateNone, "qc-state qc-state-none", "–"),
        (Some(QcVerdict::Accepted), _) => (QcMsg::StateAccepted, "qc-state qc-state-ok", "✓"),
        (Some(QcVerdict::Warning), _) => (QcMsg::StateWarning, "qc-state qc-state-warn", "▲"),
        (Some(QcVerdict::Rejected), true) => {
            (QcMsg::StateOverridden, "qc-state qc-state-overridden", "!")
        }
        (Some(QcVerdict::Rejected), false) => {
            (QcMsg::StateRejected, "qc-state qc-state-rejected", "✕")
        }
    }
}

/// Why a QC result was kept but not evaluated, in words.
pub fn resolution_msg(resolution: QcResolution) -> QcMsg {
    match resolution {
        QcResolution::Resolved => QcMsg::ResResolved,
        QcResolution::UnknownTest => QcMsg::ResUnknownTest,
        QcResolution::UnknownLevel => QcMsg::ResUnknownLevel,
        QcResolution::UnknownMaterial => QcMsg::ResUnknownMaterial,
        QcResolution::UnknownLot => QcMsg::ResUnknownLot,
        QcResolution::ExpiredLot => QcMsg::ResExpiredLot,
        QcResolution::NoTarget => QcMsg::ResNoTarget,
        QcResolution::NotNumeric => QcMsg::ResNotNumeric,
        QcResolution::StoredBeforeQc => QcMsg::ResStoredBeforeQc,
    }
}

/// The value of the form field `name` (the first, if repeated; empty when absent), trimmed.
pub(crate) fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.trim())
}
