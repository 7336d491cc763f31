//! Date and time fields `YYYYMMDD[HHMM[SS]][+/-ZZZZ]` (LIS2-A2 §5.6.2, §5.6.2.1).
//!
//! A plain struct, no calendar library: the values are checked for range (month 1-12, day 1-31,
//! hour < 24, minute < 60, second <= 60) but not against the calendar (no 31 February check).

use std::fmt;

use nom::bytes::complete::take;
use nom::character::complete::one_of;
use nom::combinator::{all_consuming, map_res, opt};
use nom::{IResult, Parser};

/// A date with optional time of day and optional UTC offset, as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timestamp {
    /// Year, four digits.
    pub year: u16,
    /// Month 1-12.
    pub month: u8,
    /// Day 1-31.
    pub day: u8,
    /// Hour and minute, when sent.
    pub time: Option<(u8, u8)>,
    /// Second, when sent (only together with `time`).
    pub second: Option<u8>,
    /// Offset from UTC in minutes, when sent (`+0700` is 420).
    pub offset_minutes: Option<i16>,
}

impl Timestamp {
    /// Parses `YYYYMMDD[HHMM[SS]][+/-ZZZZ]`, ignoring surrounding spaces. `None` if malformed.
    pub fn parse(raw: &str) -> Option<Self> {
        let t = all_consuming(timestamp)
            .parse(raw.trim().as_bytes())
            .ok()?
            .1;
        t.is_valid().then_some(t)
    }

    fn is_valid(&self) -> bool {
        let time_ok = self.time.is_none_or(|(h, m)| h < 24 && m < 60);
        let offset_ok = self.offset_minutes.is_none_or(|o| o.abs() <= 14 * 60);
        (1..=12).contains(&self.month)
            && (1..=31).contains(&self.day)
            && time_ok
            && self.second.is_none_or(|s| s <= 60)
            && offset_ok
    }

    /// The ASTM form, `YYYYMMDD[HHMM[SS]][+/-ZZZZ]`, for encoding.
    pub fn to_astm(&self) -> String {
        let mut s = format!("{:04}{:02}{:02}", self.year, self.month, self.day);
        if let Some((h, m)) = self.time {
            s.push_str(&format!("{h:02}{m:02}"));
            if let Some(sec) = self.second {
                s.push_str(&format!("{sec:02}"));
            }
        }
        if let Some(o) = self.offset_minutes {
            let sign = if o < 0 { '-' } else { '+' };
            s.push_str(&format!("{sign}{:02}{:02}", o.abs() / 60, o.abs() % 60));
        }
        s
    }
}

impl fmt::Display for Timestamp {
    /// ISO 8601: `2024-06-27`, `2024-06-27T13:54`, `2024-06-27T13:54:07`, `...+07:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)?;
        if let Some((h, m)) = self.time {
            write!(f, "T{h:02}:{m:02}")?;
            if let Some(s) = self.second {
                write!(f, ":{s:02}")?;
            }
        }
        if let Some(o) = self.offset_minutes {
            let sign = if o < 0 { '-' } else { '+' };
            write!(f, "{sign}{:02}:{:02}", o.abs() / 60, o.abs() % 60)?;
        }
        Ok(())
    }
}

/// Exactly `n` ASCII digits as a number (n <= 4, so it fits any target type).
fn digits<T: TryFrom<u16>>(n: usize) -> impl FnMut(&[u8]) -> IResult<&[u8], T> {
    move |i| {
        map_res(take(n), |d: &[u8]| {
            if !d.iter().all(u8::is_ascii_digit) {
                return Err(());
            }
            let v = d
                .iter()
                .fold(0u16, |acc, &b| acc * 10 + u16::from(b - b'0'));
            T::try_from(v).map_err(|_| ())
        })
        .parse(i)
    }
}

fn timestamp(i: &[u8]) -> IResult<&[u8], Timestamp> {
    let (i, (year, month, day)) = (digits::<u16>(4), digits::<u8>(2), digits::<u8>(2)).parse(i)?;
    let (i, hm) = opt((digits::<u8>(2), digits::<u8>(2))).parse(i)?;
    let (i, second) = match hm {
        Some(_) => opt(digits::<u8>(2)).parse(i)?,
        None => (i, None),
    };
    let (i, offset) = opt((one_of(&b"+-"[..]), digits::<i16>(2), digits::<i16>(2))).parse(i)?;
    let offset_minutes = offset.map(|(sign, h, m)| {
        let v = h * 60 + m;
        if sign == '-' {
            -v
        } else {
            v
        }
    });
    Ok((
        i,
        Timestamp {
            year,
            month,
            day,
            time: hm,
            second,
            offset_minutes,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_timestamp_to_iso() {
        let t = Timestamp::parse("20240627135407").unwrap();
        assert_eq!(t.to_string(), "2024-06-27T13:54:07");
        assert_eq!(t.to_astm(), "20240627135407");
    }

    #[test]
    fn date_only_and_minutes() {
        assert_eq!(
            Timestamp::parse("20250701").unwrap().to_string(),
            "2025-07-01"
        );
        assert_eq!(
            Timestamp::parse("202205270000").unwrap().to_string(),
            "2022-05-27T00:00"
        );
    }

    #[test]
    fn offsets() {
        let t = Timestamp::parse("20240627135407+0700").unwrap();
        assert_eq!(t.offset_minutes, Some(420));
        assert_eq!(t.to_string(), "2024-06-27T13:54:07+07:00");
        let t = Timestamp::parse("20240627-0330").unwrap();
        assert_eq!(t.to_string(), "2024-06-27-03:30");
        assert_eq!(t.to_astm(), "20240627-0330");
    }

    #[test]
    fn padded_is_trimmed() {
        assert_eq!(
            Timestamp::parse(" 20240723172452 ").unwrap().second,
            Some(52)
        );
    }

    #[test]
    fn malformed_is_none() {
        for bad in [
            "",
            "2024",
            "2024062",
            "20241327",
            "20240600",
            "202406271",
            "2024062725",
            "20240627136000",
            "20240627 1354",
            "abcdefgh",
            "2024-06-27",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad:?}");
        }
    }
}
