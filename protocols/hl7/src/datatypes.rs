//! Views of the composite data types the typed segments use (HL7 v2.5.1 chapter 2A). Each wraps one
//! repetition of a field and returns its components by name.

use crate::field::{Component, Repetition, Subcomponent};

macro_rules! composite {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name<'m>(pub(crate) Repetition<'m>);

        impl<'m> $name<'m> {
            /// The underlying repetition, as sent.
            pub fn repetition(&self) -> Repetition<'m> {
                self.0
            }

            /// True when nothing was sent.
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl<'m> From<Repetition<'m>> for $name<'m> {
            fn from(r: Repetition<'m>) -> Self {
                Self(r)
            }
        }
    };
}

composite!(
    /// CE / CWE coded element (HL7 v2.5.1 §2A.8, §2A.13): `identifier^text^coding system^alt...`.
    Coded
);

impl<'m> Coded<'m> {
    /// CE-1 identifier (the code).
    pub fn identifier(&self) -> Component<'m> {
        self.0.component(1)
    }
    /// CE-2 text (the name).
    pub fn description(&self) -> Component<'m> {
        self.0.component(2)
    }
    /// CE-3 name of coding system (`LN`, `99ROC`, `99MRC`, `HL70078`...).
    pub fn coding_system(&self) -> Component<'m> {
        self.0.component(3)
    }
    /// CE-4 alternate identifier.
    pub fn alternate_identifier(&self) -> Component<'m> {
        self.0.component(4)
    }
    /// CE-5 alternate text.
    pub fn alternate_description(&self) -> Component<'m> {
        self.0.component(5)
    }
    /// CE-6 name of alternate coding system.
    pub fn alternate_coding_system(&self) -> Component<'m> {
        self.0.component(6)
    }
}

composite!(
    /// XPN extended person name (HL7 v2.5.1 §2A.88): `family^given^middle^suffix^prefix`.
    PersonName
);

impl<'m> PersonName<'m> {
    /// XPN-1 family name (its first subcomponent, FN-1 surname).
    pub fn family(&self) -> Subcomponent<'m> {
        self.0.component(1).subcomponent(1)
    }
    /// XPN-2 given name.
    pub fn given(&self) -> Component<'m> {
        self.0.component(2)
    }
    /// XPN-3 second and further given names or initials (middle name).
    pub fn middle(&self) -> Component<'m> {
        self.0.component(3)
    }
    /// XPN-4 suffix.
    pub fn suffix(&self) -> Component<'m> {
        self.0.component(4)
    }
    /// XPN-5 prefix.
    pub fn prefix(&self) -> Component<'m> {
        self.0.component(5)
    }
}

composite!(
    /// CX extended composite id (HL7 v2.5.1 §2A.14): `id^check digit^scheme^authority^type`.
    Identifier
);

impl<'m> Identifier<'m> {
    /// CX-1 the id.
    pub fn id(&self) -> Component<'m> {
        self.0.component(1)
    }
    /// CX-2 check digit.
    pub fn check_digit(&self) -> Component<'m> {
        self.0.component(2)
    }
    /// CX-4 assigning authority (HD; first subcomponent is the namespace id).
    pub fn assigning_authority(&self) -> Component<'m> {
        self.0.component(4)
    }
    /// CX-5 identifier type code (`MR`, `PI`, `PT`...).
    pub fn id_type(&self) -> Component<'m> {
        self.0.component(5)
    }
}

composite!(
    /// EI entity identifier (HL7 v2.5.1 §2A.22): `entity id^namespace id^universal id^type`.
    EntityId
);

impl<'m> EntityId<'m> {
    /// EI-1 entity identifier (for a placer or filler order number, the number itself).
    pub fn entity_id(&self) -> Component<'m> {
        self.0.component(1)
    }
    /// EI-2 namespace id.
    pub fn namespace_id(&self) -> Component<'m> {
        self.0.component(2)
    }
}

composite!(
    /// EIP entity identifier pair (HL7 v2.5.1 §2A.23): `placer EI^filler EI`, each EI in subcomponents
    /// (`022&BARCODE` from the cobas pro: id `022`, namespace `BARCODE`).
    EntityIdPair
);

impl<'m> EntityIdPair<'m> {
    /// EIP-1 placer assigned identifier, entity id (first subcomponent).
    pub fn placer(&self) -> Subcomponent<'m> {
        self.0.component(1).subcomponent(1)
    }
    /// EIP-1 placer namespace id (second subcomponent).
    pub fn placer_namespace(&self) -> Subcomponent<'m> {
        self.0.component(1).subcomponent(2)
    }
    /// EIP-2 filler assigned identifier, entity id (first subcomponent).
    pub fn filler(&self) -> Subcomponent<'m> {
        self.0.component(2).subcomponent(1)
    }
}

composite!(
    /// XCN extended composite id and name for persons (HL7 v2.5.1 §2A.86): `id^family^given^middle...`.
    Provider
);

impl<'m> Provider<'m> {
    /// XCN-1 id number.
    pub fn id(&self) -> Component<'m> {
        self.0.component(1)
    }
    /// XCN-2 family name (first subcomponent).
    pub fn family(&self) -> Subcomponent<'m> {
        self.0.component(2).subcomponent(1)
    }
    /// XCN-3 given name.
    pub fn given(&self) -> Component<'m> {
        self.0.component(3)
    }
}

composite!(
    /// PL person location (HL7 v2.5.1 §2A.53): `point of care^room^bed^facility...`.
    Location
);

impl<'m> Location<'m> {
    /// PL-1 point of care (ward).
    pub fn point_of_care(&self) -> Component<'m> {
        self.0.component(1)
    }
    /// PL-2 room.
    pub fn room(&self) -> Component<'m> {
        self.0.component(2)
    }
    /// PL-3 bed.
    pub fn bed(&self) -> Component<'m> {
        self.0.component(3)
    }
    /// PL-4 facility.
    pub fn facility(&self) -> Component<'m> {
        self.0.component(4)
    }
}
