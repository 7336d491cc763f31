//! O (LIS2-A2 §8.4) view and the universal test ID (LIS2-A2 §5.6.1).

use super::codes::{ActionCode, Priority, ReportType};
use super::view;
use crate::field::Field;
use crate::record::RecordType;
use crate::timestamp::Timestamp;

/// One universal test ID `universal^name^type^manufacturer code^...` (LIS2-A2 §5.6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestId<'m>(Field<'m>);

impl<'m> TestId<'m> {
    /// Wraps one repeat of O-5 or an R-3 field.
    pub fn new(field: Field<'m>) -> Self {
        Self(field)
    }

    /// The field as sent.
    pub fn field(&self) -> Field<'m> {
        self.0
    }

    /// Component 1, the universal test ID, e.g. LOINC (LIS2-A2 §5.6.1.1).
    pub fn universal_id(&self) -> &'m str {
        self.0.component(1)
    }

    /// Component 2, the universal test name.
    pub fn name(&self) -> &'m str {
        self.0.component(2)
    }

    /// Component 3, the universal test ID type.
    pub fn id_type(&self) -> &'m str {
        self.0.component(3)
    }

    /// Component 4, the manufacturer's or local code (LIS2-A2 §5.6.1.4).
    pub fn manufacturer_code(&self) -> &'m str {
        self.0.component(4)
    }

    /// The code a lab matches on: component 4, or component 5 where 4 is empty (Sysmex sends
    /// `^^^^WBC^1`).
    pub fn code(&self) -> &'m str {
        match self.0.component(4) {
            "" => self.0.component(5),
            c => c,
        }
    }

    /// Component `n` (1-based); 5 and up are manufacturer extensions (dilution, LOINC, ...).
    pub fn component(&self, n: usize) -> &'m str {
        self.0.component(n)
    }
}

view! {
    /// Test order, O (LIS2-A2 §8.4).
    Order, RecordType::Order
}

impl<'m> Order<'m> {
    /// O-3 specimen ID assigned by the LIS; extra components may follow (LIS2-A2 §8.4.3).
    pub fn specimen_id(&self) -> Field<'m> {
        self.0.field(3)
    }

    /// O-4 instrument specimen ID (LIS2-A2 §8.4.4); vendors add `^rack^position`.
    pub fn instrument_specimen_id(&self) -> Field<'m> {
        self.0.field(4)
    }

    /// O-5 universal test IDs, one per repeat (LIS2-A2 §8.4.5, §8.2).
    pub fn tests(&self) -> impl Iterator<Item = TestId<'m>> + 'm {
        self.0.field(5).repeats().map(TestId::new)
    }

    /// O-5 as sent.
    pub fn tests_raw(&self) -> Field<'m> {
        self.0.field(5)
    }

    /// O-6 priority, first repeat (LIS2-A2 §8.4.6).
    pub fn priority(&self) -> Option<Priority> {
        Priority::from_code(self.0.field(6).first_repeat().raw())
    }

    /// O-7 requested/ordered date and time (LIS2-A2 §8.4.7).
    pub fn requested_at(&self) -> Option<Timestamp> {
        Timestamp::parse(self.0.field(7).raw())
    }

    /// O-8 specimen collection date and time (LIS2-A2 §8.4.8).
    pub fn collected_at(&self) -> Option<Timestamp> {
        Timestamp::parse(self.0.field(8).raw())
    }

    /// O-12 action code (LIS2-A2 §8.4.12).
    pub fn action_code(&self) -> Option<ActionCode> {
        ActionCode::from_code(self.0.field(12).raw())
    }

    /// O-16 specimen descriptor `type^source` (LIS2-A2 §8.4.16).
    pub fn specimen_descriptor(&self) -> Field<'m> {
        self.0.field(16)
    }

    /// O-26 report types, one per repeat (Centaur answers `O\Q`) (LIS2-A2 §8.4.26).
    pub fn report_types(&self) -> impl Iterator<Item = Option<ReportType>> + 'm {
        self.0
            .field(26)
            .repeats()
            .map(|r| ReportType::from_code(r.raw()))
    }

    /// O-26 first report type.
    pub fn report_type(&self) -> Option<ReportType> {
        ReportType::from_code(self.0.field(26).first_repeat().raw())
    }
}
