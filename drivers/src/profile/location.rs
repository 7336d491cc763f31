//! Field locations in a profile: `O-3`, `O-4.3`, `R-3.5`, `MSH-11`, `SPM-2.1.1`, `OBR-3`.
//!
//! The notation is `<record or segment id>-<field>[.<component>[.<subcomponent>]]`, fields and
//! components numbered as in the standards (ASTM: field 1 is the record type, LIS2-A2 §5.4.7; HL7:
//! MSH-1 is the field separator, v2.5.1 §2.5.3). A component is read from the first repeat.
//!
//! A row's neighbour is named by its test code in brackets: `OBX[05001]-5` is field 5 of the OBX
//! of the same order group whose test code (at the profile's `test_code`) is `05001`, the way the
//! Mindray BC-5380 sends a QC level as a row of its own before the results.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

/// Where a value sits in a record or segment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    /// Record type letter (`O`) or segment id (`OBR`).
    pub segment: String,
    /// A sibling row named by its test code (`OBX[05001]-5`); `None`: the row itself or the last
    /// record or segment of that type.
    pub row: Option<String>,
    /// Field number, 1-based.
    pub field: usize,
    /// Component, 1-based; `None`: the whole field.
    pub component: Option<usize>,
    /// Subcomponent (HL7), 1-based.
    pub subcomponent: Option<usize>,
}

/// A location that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("location `{text}`: {reason} (expected e.g. `O-3`, `R-3.5`, `SPM-2.1.1`)")]
pub struct LocationError {
    /// The text as written.
    pub text: String,
    /// What is wrong.
    pub reason: &'static str,
}

impl FromStr for Location {
    type Err = LocationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |reason| LocationError {
            text: text.to_owned(),
            reason,
        };
        let (segment, row, rest) = match text.split_once('[') {
            // A bracket before the first `-`: the code inside may itself hold `-` (`6690-2`).
            Some((segment, after)) if !segment.contains('-') => {
                let (code, rest) = after
                    .split_once(']')
                    .ok_or_else(|| err("a `[` without its `]`"))?;
                if code.trim().is_empty() {
                    return Err(err("the row's test code in `[...]` is empty"));
                }
                let rest = rest
                    .strip_prefix('-')
                    .ok_or_else(|| err("no `-` after `]`"))?;
                (segment, Some(code.to_owned()), rest)
            }
            _ => {
                let (segment, rest) = text.split_once('-').ok_or_else(|| err("no `-`"))?;
                (segment, None, rest)
            }
        };
        if segment.is_empty()
            || segment.len() > 3
            || !segment
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return Err(err(
                "the record or segment id must be 1 to 3 capital letters or digits",
            ));
        }
        let mut numbers = rest
            .split('.')
            .map(|n| n.parse::<usize>().ok().filter(|&n| n > 0));
        let field = numbers
            .next()
            .flatten()
            .ok_or_else(|| err("the field must be a number from 1"))?;
        let component = match numbers.next() {
            None => None,
            Some(None) => return Err(err("the component must be a number from 1")),
            Some(n) => n,
        };
        let subcomponent = match numbers.next() {
            None => None,
            Some(None) => return Err(err("the subcomponent must be a number from 1")),
            Some(n) => n,
        };
        if numbers.next().is_some() {
            return Err(err("at most field.component.subcomponent"));
        }
        Ok(Self {
            segment: segment.to_owned(),
            row,
            field,
            component,
            subcomponent,
        })
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.segment)?;
        if let Some(code) = &self.row {
            write!(f, "[{code}]")?;
        }
        write!(f, "-{}", self.field)?;
        if let Some(c) = self.component {
            write!(f, ".{c}")?;
        }
        if let Some(s) = self.subcomponent {
            write!(f, ".{s}")?;
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for Location {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One location or a list tried in order, the first non-empty value winning.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Locations(pub Vec<Location>);

impl<'de> Deserialize<'de> for Locations {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany {
            One(Location),
            Many(Vec<Location>),
        }
        Ok(match OneOrMany::deserialize(d)? {
            OneOrMany::One(l) => Self(vec![l]),
            OneOrMany::Many(v) => Self(v),
        })
    }
}

impl Locations {
    /// Parses a list written in code (embedded defaults).
    pub(crate) fn parse(list: &[&str]) -> Self {
        Self(list.iter().filter_map(|t| t.parse().ok()).collect())
    }

    /// The first location, if any.
    pub fn first(&self) -> Option<&Location> {
        self.0.first()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_notation() {
        let l: Location = "SPM-2.1.1".parse().unwrap();
        assert_eq!(
            (l.segment.as_str(), l.field, l.component, l.subcomponent),
            ("SPM", 2, Some(1), Some(1))
        );
        let l: Location = "O-3".parse().unwrap();
        assert_eq!((l.field, l.component), (3, None));
        assert_eq!(l.to_string(), "O-3");
        let l: Location = "OBX[6690-2]-5.1".parse().unwrap();
        assert_eq!(
            (l.segment.as_str(), l.row.as_deref(), l.field, l.component),
            ("OBX", Some("6690-2"), 5, Some(1))
        );
        assert_eq!(l.to_string(), "OBX[6690-2]-5.1");
        for bad in [
            "O3",
            "o-3",
            "O-0",
            "O-3.x",
            "O-3.1.1.1",
            "-3",
            "ABCD-1",
            "OBX[05001-5",
            "OBX[]-5",
            "OBX[05001]5",
        ] {
            assert!(bad.parse::<Location>().is_err(), "{bad}");
        }
    }
}
