//! Everything one ORU^R01 says about an outbox row, read in one read transaction: the order,
//! its patient, tubes and tests, every result version of the order (for ORC-5) and the results
//! the row names with their checks. Separate reads could see a release, a correction or a
//! cancel land between them and build a message that contradicts itself.

use std::collections::HashMap;

use super::orders::{order, ordered_tests, patient, specimens_for_order};
use super::queries::{results_where, results_with_checks_where, ORDER_RESULTS_WHERE};
use super::{supplements, Store};
use crate::error::StoreError;
use crate::model::{
    LabResult, Order, OrderId, OrderedTest, Patient, ResultId, ResultWithChecks, Specimen,
    Supplement,
};

/// What the HIS is told about some results of one order, as of one commit.
#[derive(Debug, Clone)]
pub struct HisReport {
    /// The order.
    pub order: Order,
    /// Its patient.
    pub patient: Patient,
    /// Its tubes.
    pub specimens: Vec<Specimen>,
    /// Its tests, cancelled ones included.
    pub tests: Vec<OrderedTest>,
    /// Every result version of the order, by test then version.
    pub order_results: Vec<LabResult>,
    /// The results asked for, in the order asked, with their checks.
    pub results: Vec<ResultWithChecks>,
    /// The supplementary values of each result asked for that has any, in the order sent.
    pub supplements: HashMap<ResultId, Vec<Supplement>>,
    /// The microbiology isolate of each result asked for that has one, with its panel.
    pub isolates: HashMap<ResultId, crate::model::Isolate>,
}

impl Store {
    /// Reads a [`HisReport`] of `order_id` for `result_ids` in one read transaction. A result
    /// that does not exist, or belongs to another order, is `NotFound`.
    pub fn his_report(
        &self,
        order_id: OrderId,
        result_ids: &[ResultId],
    ) -> Result<HisReport, StoreError> {
        self.read_snapshot(|conn, _| {
            let order = order(conn, order_id)?;
            let patient = patient(conn, order.patient_id)?;
            let specimens = specimens_for_order(conn, order_id)?;
            let tests = ordered_tests(conn, order_id)?;
            let order_results = results_where(conn, ORDER_RESULTS_WHERE, [order_id])?;
            let mut results = Vec::with_capacity(result_ids.len());
            for id in result_ids {
                let found = results_with_checks_where(conn, "id = ?1", [*id])?
                    .pop()
                    .filter(|r| r.result.order_id == order_id)
                    .ok_or_else(|| StoreError::not_found("result of this order", *id))?;
                results.push(found);
            }
            let supplements = supplements::of_results(conn, result_ids.iter().copied())?;
            let isolates = super::isolates::of_results(conn, result_ids.iter().copied())?;
            Ok(HisReport {
                order,
                patient,
                specimens,
                tests,
                order_results,
                results,
                supplements,
                isolates,
            })
        })
    }
}
