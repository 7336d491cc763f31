//! Quality control, pure: the Westgard multirule evaluation of QC runs, the statistics of a lot
//! and level, the sigma metric and the rules Westgard Sigma Rules suggest for it, and QC
//! specimen-id patterns.
//!
//! No SQL (the store keeps QC results, runs and states) and no clock reads: everything is a
//! function of the values passed in, so a run is judged the same way every time.
//!
//! Module map:
//! - [`model`]: materials, lots, levels, targets, rules, points, runs, verdicts, violations.
//! - [`rules`]: [`rules::evaluate`], one run against the earlier runs of its instrument, test
//!   and lot.
//! - [`stats`]: mean, SD, CV, monthly and cumulative summaries, bias and SDI, the lab's own target.
//! - [`sigma`]: the sigma metric per level and the suggested rules (advice only).
//! - [`pattern`]: `QC{level}-*` specimen-id patterns.

pub mod model;
pub mod pattern;
pub mod rules;
pub mod sigma;
pub mod stats;

pub use model::{
    Evaluation, PointRef, QcLevel, QcLot, QcMaterial, QcPoint, QcPointError, QcRuleSet, QcRun,
    QcTarget, QcTestTarget, TargetSource, UnknownRule, Verdict, Violation, WestgardRule, MAX_LEVEL,
};
pub use pattern::{PatternError, QcSpecimenPattern};
pub use rules::evaluate;
pub use sigma::{advise, sigma_metric, SigmaAdvice, SigmaBand};
pub use stats::{
    lab_target, monthly_summaries, MonthlySummary, QcObservation, Summary, TargetComparison,
    YearMonth, LAB_TARGET_MIN_POINTS,
};
