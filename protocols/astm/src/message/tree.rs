//! The record tree of LIS2-A2 §4.1: H { P { C } { O { C } { R { C } } } } L, Q and S under H.
//!
//! Groups are computed while iterating the flat record list; nothing is allocated. C records
//! belong to the nearest preceding non-comment record, and M records are skipped over when
//! collecting them (LIS2-A2 §4.1, §10, §14). Records out of order are not lost: an O before any
//! P gets a patient group without a P record, and an R before any O an order group without an O.

use std::ops::Range;

use super::Message;
use crate::record::{Record, RecordType};

impl Message<'_> {
    /// The patient groups in order (LIS2-A2 §4.1, level 1).
    pub fn patients(&self) -> impl Iterator<Item = PatientGroup<'_>> + '_ {
        let mut i = 1;
        let n = self.record_count();
        std::iter::from_fn(move || {
            while i < n {
                let r = self.record_at(i);
                let kind = r.kind();
                if matches!(
                    kind,
                    RecordType::Patient | RecordType::Order | RecordType::Result
                ) {
                    let (patient, body_start) = if kind == RecordType::Patient {
                        (Some(r), i + 1)
                    } else {
                        (None, i)
                    };
                    let end = (body_start..n)
                        .find(|&j| ends_patient(self.record_at(j).kind()))
                        .unwrap_or(n);
                    i = end;
                    return Some(PatientGroup {
                        msg: self,
                        patient,
                        body: body_start..end,
                    });
                }
                i += 1;
            }
            None
        })
    }

    /// The Q records (host queries), level 1 under H (LIS2-A2 §11).
    pub fn queries(&self) -> impl Iterator<Item = Record<'_>> + '_ {
        self.records_of(RecordType::Query)
    }

    /// The C records directly after record `i` (skipping M records), up to `end`.
    fn comments_after(&self, i: usize, end: usize) -> impl Iterator<Item = Record<'_>> + '_ {
        (i + 1..end)
            .map(move |j| self.record_at(j))
            .take_while(|r| matches!(r.kind(), RecordType::Comment | RecordType::Manufacturer))
            .filter(|r| r.kind() == RecordType::Comment)
    }
}

/// Record types that close a patient group: another level-0/1 record.
fn ends_patient(kind: RecordType) -> bool {
    matches!(
        kind,
        RecordType::Patient
            | RecordType::Query
            | RecordType::Scientific
            | RecordType::Header
            | RecordType::Terminator
    )
}

/// A P record with its comments and orders. `patient()` is `None` for orders sent before any P.
#[derive(Debug, Clone)]
pub struct PatientGroup<'m> {
    msg: &'m Message<'m>,
    patient: Option<Record<'m>>,
    body: Range<usize>,
}

impl<'m> PatientGroup<'m> {
    /// The P record (LIS2-A2 §7), absent when an O or R came without one.
    pub fn patient(&self) -> Option<Record<'m>> {
        self.patient
    }

    /// C records applying to the patient (LIS2-A2 §10).
    pub fn comments(&self) -> impl Iterator<Item = Record<'m>> + 'm {
        let start = self.patient.map_or(self.body.start, |p| p.index());
        let end = if self.patient.is_some() {
            self.body.end
        } else {
            start
        };
        self.msg.comments_after(start, end)
    }

    /// The order groups of this patient (LIS2-A2 §8, level 2).
    pub fn orders(&self) -> impl Iterator<Item = OrderGroup<'m>> + 'm {
        let msg = self.msg;
        let Range { start, end } = self.body.clone();
        let mut i = start;
        std::iter::from_fn(move || {
            while i < end {
                let r = msg.record_at(i);
                let kind = r.kind();
                if matches!(kind, RecordType::Order | RecordType::Result) {
                    let (order, body_start) = if kind == RecordType::Order {
                        (Some(r), i + 1)
                    } else {
                        (None, i)
                    };
                    let group_end = (body_start..end)
                        .find(|&j| msg.record_at(j).kind() == RecordType::Order)
                        .unwrap_or(end);
                    i = group_end;
                    return Some(OrderGroup {
                        msg,
                        order,
                        body: body_start..group_end,
                    });
                }
                i += 1;
            }
            None
        })
    }
}

/// An O record with its comments and results. `order()` is `None` for results sent before any O.
#[derive(Debug, Clone)]
pub struct OrderGroup<'m> {
    msg: &'m Message<'m>,
    order: Option<Record<'m>>,
    body: Range<usize>,
}

impl<'m> OrderGroup<'m> {
    /// The O record (LIS2-A2 §8.4).
    pub fn order(&self) -> Option<Record<'m>> {
        self.order
    }

    /// C records applying to the order (LIS2-A2 §10).
    pub fn comments(&self) -> impl Iterator<Item = Record<'m>> + 'm {
        let (start, end) = match self.order {
            Some(o) => (o.index(), self.body.end),
            None => (self.body.start, self.body.start),
        };
        self.msg.comments_after(start, end)
    }

    /// The results of this order with their comments (LIS2-A2 §9, level 3).
    pub fn results(&self) -> impl Iterator<Item = ResultGroup<'m>> + 'm {
        let msg = self.msg;
        let end = self.body.end;
        self.body.clone().filter_map(move |j| {
            let r = msg.record_at(j);
            (r.kind() == RecordType::Result).then_some(ResultGroup {
                msg,
                result: r,
                end,
            })
        })
    }
}

/// An R record with the C records that follow it.
#[derive(Debug, Clone)]
pub struct ResultGroup<'m> {
    msg: &'m Message<'m>,
    result: Record<'m>,
    end: usize,
}

impl<'m> ResultGroup<'m> {
    /// The R record (LIS2-A2 §9).
    pub fn result(&self) -> Record<'m> {
        self.result
    }

    /// C records applying to the result, e.g. cobas c311 `C|1|I|43|I` (LIS2-A2 §10).
    pub fn comments(&self) -> impl Iterator<Item = Record<'m>> + 'm {
        self.msg.comments_after(self.result.index(), self.end)
    }
}
