//! Typed views over records: the fields a laboratory uses, by their LIS2-A2 names.
//!
//! A view wraps a [`Record`] of the right type and returns borrowed [`Field`](crate::field::Field)s or `&str`; no view
//! allocates. Field numbers follow the standard (field 1 is the record type).
//!
//! - [`Header`] H (LIS2-A2 §6), [`Patient`] P (§7)
//! - [`Order`] O (§8.4) with [`ActionCode`], [`Priority`], [`ReportType`]
//! - [`ResultRecord`] R (§9) with [`AbnormalFlag`], [`ResultStatus`]
//! - [`Query`] Q (§11), [`Comment`] C (§10), [`Terminator`] L (§12)

mod codes;
mod header;
mod order;
mod query;
mod result;

pub use self::codes::{
    AbnormalFlag, ActionCode, Priority, ReportType, RequestStatus, ResultStatus, TerminationCode,
};
pub use self::header::{Header, Patient};
pub use self::order::{Order, TestId};
pub use self::query::{Comment, Query, Terminator};
pub use self::result::ResultRecord;

use crate::record::Record;

/// Declares a view type over one record type.
macro_rules! view {
    ($(#[$doc:meta])* $name:ident, $kind:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name<'m>(crate::record::Record<'m>);

        impl<'m> $name<'m> {
            /// The view of `record`, or `None` if it is another record type.
            pub fn new(record: crate::record::Record<'m>) -> Option<Self> {
                (record.kind() == $kind).then_some(Self(record))
            }

            /// The underlying record, for fields this view does not name.
            pub fn record(&self) -> crate::record::Record<'m> {
                self.0
            }

            /// Field 2, the sequence number, as sent (not validated: Mindray sends `P|475`).
            pub fn sequence(&self) -> &'m str {
                self.0.field(2).raw()
            }
        }
    };
}
pub(crate) use view;

impl<'m> Record<'m> {
    /// This record as a [`Header`], if it is an H record.
    pub fn as_header(&self) -> Option<Header<'m>> {
        Header::new(*self)
    }
    /// This record as a [`Patient`], if it is a P record.
    pub fn as_patient(&self) -> Option<Patient<'m>> {
        Patient::new(*self)
    }
    /// This record as an [`Order`], if it is an O record.
    pub fn as_order(&self) -> Option<Order<'m>> {
        Order::new(*self)
    }
    /// This record as a [`ResultRecord`], if it is an R record.
    pub fn as_result(&self) -> Option<ResultRecord<'m>> {
        ResultRecord::new(*self)
    }
    /// This record as a [`Query`], if it is a Q record.
    pub fn as_query(&self) -> Option<Query<'m>> {
        Query::new(*self)
    }
    /// This record as a [`Comment`], if it is a C record.
    pub fn as_comment(&self) -> Option<Comment<'m>> {
        Comment::new(*self)
    }
    /// This record as a [`Terminator`], if it is an L record.
    pub fn as_terminator(&self) -> Option<Terminator<'m>> {
        Terminator::new(*self)
    }
}
