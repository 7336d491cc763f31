//! HL7 date/time values, DTM/TS (HL7 v2.5.1 §2A.22 TS, v2.6 §2A.21 DTM):
//! `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]`, read without a date library.

use nom::{
    bytes::complete::{take_while1, take_while_m_n},
    character::complete::one_of,
    combinator::{all_consuming, map_res, opt},
    sequence::preceded,
    IResult, Parser,
};

/// A date/time at the precision it was sent with. No time zone conversion is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timestamp {
    /// Four-digit year.
    pub year: u16,
    /// Month 1-12, if sent.
    pub month: Option<u8>,
    /// Day 1-31, if sent.
    pub day: Option<u8>,
    /// Hour 0-23, if sent.
    pub hour: Option<u8>,
    /// Minute 0-59, if sent.
    pub minute: Option<u8>,
    /// Second 0-60 (leap second allowed), if sent.
    pub second: Option<u8>,
    /// Fraction of a second as sent: (digits value, number of digits), e.g. `.25` is (25, 2).
    pub fraction: Option<(u32, u8)>,
    /// UTC offset in minutes (`+0200` is 120), if sent.
    pub offset_minutes: Option<i16>,
}

/// Why a value is not an HL7 date/time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an HL7 DTM value: {value:?} ({reason})")]
pub struct TimestampError {
    /// The value (at most 32 characters kept).
    pub value: String,
    /// What is wrong.
    pub reason: &'static str,
}

fn digits<const N: usize>(input: &str) -> IResult<&str, u32> {
    map_res(
        take_while_m_n(N, N, |c: char| c.is_ascii_digit()),
        str::parse::<u32>,
    )
    .parse(input)
}

/// Year, up to five two-digit parts (month..second), fraction digits, UTC offset (sign, hours, minutes).
type Fields<'a> = (
    u32,
    [Option<u32>; 5],
    Option<&'a str>,
    Option<(char, u32, u32)>,
);

fn grammar(input: &str) -> IResult<&str, Fields<'_>> {
    let (rest, year) = digits::<4>(input)?;
    let mut parts = [None; 5];
    let mut rest = rest;
    for part in &mut parts {
        match digits::<2>(rest) {
            Ok((r, v)) => {
                *part = Some(v);
                rest = r;
            }
            Err(_) => break,
        }
    }
    let (rest, fraction) = if parts[4].is_some() {
        opt(preceded(
            one_of(".,"),
            take_while1(|c: char| c.is_ascii_digit()),
        ))
        .parse(rest)?
    } else {
        (rest, None)
    };
    let (rest, offset) = opt((one_of("+-"), digits::<2>, digits::<2>)).parse(rest)?;
    Ok((rest, (year, parts, fraction, offset)))
}

impl Timestamp {
    /// Parses a DTM/TS value (surrounding spaces ignored; for TS only the first component is read).
    pub fn parse(value: &str) -> Result<Self, TimestampError> {
        let err = |reason| TimestampError {
            value: value.chars().take(32).collect(),
            reason,
        };
        let v = value.trim();
        if let Some(t) = Self::digits_only(v) {
            return t.ok_or_else(|| err("date/time out of range"));
        }
        let (_, (year, parts, fraction, offset)) = all_consuming(grammar)
            .parse(v)
            .map_err(|_| err("expected YYYY[MM[DD[HH[MM[SS[.S+]]]]]][+/-ZZZZ]"))?;
        let small = |p: Option<u32>| p.and_then(|x| u8::try_from(x).ok());
        let [month, day, hour, minute, second] = parts.map(small);
        let year = u16::try_from(year).map_err(|_| err("year out of range"))?;
        if month.is_some_and(|m| !(1..=12).contains(&m)) {
            return Err(err("month out of range"));
        }
        if day.is_some_and(|d| !(1..=31).contains(&d)) {
            return Err(err("day out of range"));
        }
        if hour.is_some_and(|h| h > 23)
            || minute.is_some_and(|m| m > 59)
            || second.is_some_and(|s| s > 60)
        {
            return Err(err("time out of range"));
        }
        let fraction = match fraction {
            Some(f) => {
                let f = f.get(..f.len().min(9)).unwrap_or(f);
                let n = f.parse::<u32>().map_err(|_| err("bad fraction"))?;
                Some((n, u8::try_from(f.len()).unwrap_or(9)))
            }
            None => None,
        };
        let offset_minutes = match offset {
            Some((sign, h, m)) => {
                if h > 14 || m > 59 {
                    return Err(err("UTC offset out of range"));
                }
                let mins = i16::try_from(h * 60 + m).map_err(|_| err("UTC offset out of range"))?;
                Some(if sign == '-' { -mins } else { mins })
            }
            None => None,
        };
        Ok(Self {
            year,
            month,
            day,
            hour,
            minute,
            second,
            fraction,
            offset_minutes,
        })
    }

    /// Fast path for the common all-digit forms (`YYYYMMDD`, `YYYYMMDDHHMMSS`...): `None` when `v` is
    /// not such a form (the nom grammar then decides), `Some(None)` when a part is out of range.
    pub(crate) fn digits_only(v: &str) -> Option<Option<Self>> {
        let b = v.as_bytes();
        if !matches!(b.len(), 4 | 6 | 8 | 10 | 12 | 14) || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let two = |i: usize| -> Option<u8> {
            let hi = b.get(i)?.checked_sub(b'0')?;
            let lo = b.get(i + 1)?.checked_sub(b'0')?;
            Some(hi * 10 + lo)
        };
        let year = b
            .iter()
            .take(4)
            .fold(0u16, |acc, d| acc * 10 + u16::from(d.wrapping_sub(b'0')));
        let t = Self {
            year,
            month: two(4),
            day: two(6),
            hour: two(8),
            minute: two(10),
            second: two(12),
            fraction: None,
            offset_minutes: None,
        };
        let ok = t.month.is_none_or(|m| (1..=12).contains(&m))
            && t.day.is_none_or(|d| (1..=31).contains(&d))
            && t.hour.is_none_or(|h| h <= 23)
            && t.minute.is_none_or(|m| m <= 59)
            && t.second.is_none_or(|s| s <= 60);
        Some(ok.then_some(t))
    }

    /// ISO 8601 at the precision sent: `2024-02-06`, `2024-02-06T08:17:27`, `2016-07-24T08:06:00+02:00`.
    pub fn to_iso8601(&self) -> String {
        use std::fmt::Write;
        let mut s = format!("{:04}", self.year);
        let parts = [
            (self.month, "-"),
            (self.day, "-"),
            (self.hour, "T"),
            (self.minute, ":"),
            (self.second, ":"),
        ];
        for (v, sep) in parts {
            match v {
                Some(v) => {
                    let _ = write!(s, "{sep}{v:02}");
                }
                None => break,
            }
        }
        if let (Some(_), Some((n, d))) = (self.second, self.fraction) {
            let _ = write!(s, ".{n:0width$}", width = usize::from(d));
        }
        if let (Some(_), Some(off)) = (self.hour, self.offset_minutes) {
            let sign = if off < 0 { '-' } else { '+' };
            let a = off.unsigned_abs();
            let _ = write!(s, "{sign}{:02}:{:02}", a / 60, a % 60);
        }
        s
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_iso8601())
    }
}

impl std::str::FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_precision_with_offset() {
        let t = Timestamp::parse("20160724080600+0200").unwrap();
        assert_eq!(t.year, 2016);
        assert_eq!(t.offset_minutes, Some(120));
        assert_eq!(t.to_iso8601(), "2016-07-24T08:06:00+02:00");
    }

    #[test]
    fn partial_precisions() {
        assert_eq!(Timestamp::parse("2024").unwrap().to_iso8601(), "2024");
        assert_eq!(Timestamp::parse("202402").unwrap().to_iso8601(), "2024-02");
        assert_eq!(
            Timestamp::parse("20240206").unwrap().to_iso8601(),
            "2024-02-06"
        );
        assert_eq!(
            Timestamp::parse("2024020608").unwrap().to_iso8601(),
            "2024-02-06T08"
        );
        assert_eq!(
            Timestamp::parse("202402060817").unwrap().to_iso8601(),
            "2024-02-06T08:17"
        );
        assert_eq!(
            Timestamp::parse("20240206081727").unwrap().to_iso8601(),
            "2024-02-06T08:17:27"
        );
    }

    #[test]
    fn fraction_and_negative_offset() {
        let t = Timestamp::parse("20240206081727.0525-0330").unwrap();
        assert_eq!(t.fraction, Some((525, 4)));
        assert_eq!(t.to_iso8601(), "2024-02-06T08:17:27.0525-03:30");
    }

    #[test]
    fn rejects_garbage_and_out_of_range() {
        for bad in [
            "",
            "20",
            "2024-02-06",
            "20241306",
            "20240232",
            "2024020625",
            "20240206081760x",
            "abcd",
            "20240206+99",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn odd_digit_counts_are_rejected() {
        assert!(Timestamp::parse("2024020").is_err());
    }
}
