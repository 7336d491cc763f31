//! Reading result values as analyzers send them.
//!
//! Analyzers send decimal commas (`5,2`), padded numbers (`  005.20`), censored values (`<0.01`,
//! `>8`), words (`Positive`, `NOT DETECTED`, `3+`) and placeholders for "no result" (empty,
//! `-----`, `***`, `???`). A placeholder is [`ParsedValue::Missing`], never zero.

use serde::{Deserialize, Serialize};

/// Which side a censored value is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CensorOp {
    /// `<limit` (or `<=`): below what the method can measure.
    Less,
    /// `>limit` (or `>=`): above what the method can measure.
    Greater,
}

/// A result value as read from the analyzer's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ParsedValue {
    /// A number, with the number of decimals as sent.
    Numeric {
        /// The value.
        value: f64,
        /// Digits after the decimal separator as sent.
        decimals: u8,
    },
    /// A censored number: `<0.01`, `>8`.
    Censored {
        /// Below or above.
        op: CensorOp,
        /// The limit.
        limit: f64,
        /// Digits after the decimal separator as sent.
        decimals: u8,
    },
    /// A word or symbol result, trimmed.
    Text(String),
    /// No result: empty, or only placeholder characters such as `-----`, `***`, `???`.
    Missing,
}

impl ParsedValue {
    /// Reads a value as sent.
    pub fn parse(sent: &str) -> Self {
        let s = sent.trim_matches(|c: char| c.is_whitespace() || c == '\0');
        if s.is_empty()
            || s.chars()
                .all(|c| matches!(c, '-' | '*' | '?' | '.' | '_' | '/'))
        {
            return Self::Missing;
        }
        let (op, rest) = if let Some(r) = s.strip_prefix("<=").or_else(|| s.strip_prefix('≤')) {
            (Some(CensorOp::Less), r)
        } else if let Some(r) = s.strip_prefix(">=").or_else(|| s.strip_prefix('≥')) {
            (Some(CensorOp::Greater), r)
        } else if let Some(r) = s.strip_prefix('<') {
            (Some(CensorOp::Less), r)
        } else if let Some(r) = s.strip_prefix('>') {
            (Some(CensorOp::Greater), r)
        } else {
            (None, s)
        };
        match (op, parse_number(rest.trim())) {
            (None, Some((value, decimals))) => Self::Numeric { value, decimals },
            (Some(op), Some((limit, decimals))) => Self::Censored {
                op,
                limit,
                decimals,
            },
            _ => Self::Text(s.to_owned()),
        }
    }

    /// Reads a value sent for a qualitative test (`kind = "text"`): a value that starts with a
    /// sign is the grade of a test strip (`-` negative, `+-` trace, `+2`), a word, never a
    /// number nor a "no result" placeholder; any other value is read as [`Self::parse`] reads it.
    pub fn parse_qualitative(sent: &str) -> Self {
        let s = sent.trim_matches(|c: char| c.is_whitespace() || c == '\0');
        if s.starts_with(['+', '-']) {
            Self::Text(s.to_owned())
        } else {
            Self::parse(s)
        }
    }

    /// The number for range checks: the value, or a censored value's limit.
    pub fn number(&self) -> Option<f64> {
        match self {
            Self::Numeric { value, .. } => Some(*value),
            Self::Censored { limit, .. } => Some(*limit),
            Self::Text(_) | Self::Missing => None,
        }
    }

    /// Applies an instrument unit conversion factor and rounds to the catalog's decimals.
    ///
    /// Text and missing values are unchanged. Rounding is half away from zero on the decimal
    /// value (so 5.55 to one decimal is 5.6), after removing binary floating-point noise.
    pub fn converted(&self, factor: f64, decimals: u8) -> Self {
        match self {
            Self::Numeric { value, .. } => Self::Numeric {
                value: round_to(value * factor, decimals),
                decimals,
            },
            Self::Censored { op, limit, .. } => Self::Censored {
                op: *op,
                limit: round_to(limit * factor, decimals),
                decimals,
            },
            other => other.clone(),
        }
    }

    /// The value as the lab reports it: `5.6`, `<0.01`, `Positive`, or empty when missing.
    pub fn display(&self) -> String {
        match self {
            Self::Numeric { value, decimals } => fixed(*value, *decimals),
            Self::Censored {
                op,
                limit,
                decimals,
            } => {
                let sign = match op {
                    CensorOp::Less => '<',
                    CensorOp::Greater => '>',
                };
                let mut shown = String::with_capacity(12);
                shown.push(sign);
                shown.push_str(&fixed(*limit, *decimals));
                shown
            }
            Self::Text(t) => t.clone(),
            Self::Missing => String::new(),
        }
    }

    /// Short name of the kind, stored with the result: `numeric`, `censored_lt`, `censored_gt`,
    /// `text`, `missing`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Numeric { .. } => "numeric",
            Self::Censored {
                op: CensorOp::Less, ..
            } => "censored_lt",
            Self::Censored {
                op: CensorOp::Greater,
                ..
            } => "censored_gt",
            Self::Text(_) => "text",
            Self::Missing => "missing",
        }
    }
}

/// `value` with exactly `decimals` digits after the point, the same text as
/// `format!("{value:.decimals$}")` (Rust's exact decimal rounding of the binary value).
///
/// Stored values are already rounded to their decimals, so `value * 10^decimals` is within
/// binary noise of an integer; that integer is printed with a point inserted, which is many
/// times cheaper than the exact algorithm (four results' worth of text per result stored). Any
/// other value (more digits than `decimals`, too large, not finite) goes through `format!`.
pub fn fixed(value: f64, decimals: u8) -> String {
    const POW10: [f64; 10] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
    let d = usize::from(decimals);
    if let Some(p) = POW10.get(d) {
        let scaled = value * p;
        let n = scaled.round();
        // The exact product `value * 10^decimals` is within 1e-6 plus the multiplication's own
        // rounding error (below 0.07 while |n| < 1e15) of the integer `n`, far from a halfway
        // point: exact decimal rounding of `value` at `decimals` places gives `n`.
        if n.abs() < 1e15 && (scaled - n).abs() < 1e-6 {
            // `n` is an integer below 2^53: the conversion is exact.
            let digits = (n.abs() as u64).to_string();
            let mut shown = String::with_capacity(digits.len() + d + 3);
            if value.is_sign_negative() {
                shown.push('-');
            }
            if digits.len() <= d {
                shown.push('0');
                shown.push('.');
                shown.extend(std::iter::repeat_n('0', d - digits.len()));
                shown.push_str(&digits);
            } else {
                let (whole, frac) = digits.split_at(digits.len() - d);
                shown.push_str(whole);
                if d > 0 {
                    shown.push('.');
                    shown.push_str(frac);
                }
            }
            return shown;
        }
    }
    format!("{value:.d$}")
}

/// Rounds half away from zero to `decimals`, after snapping away binary noise below 1e-9 of
/// the last digit.
pub fn round_to(value: f64, decimals: u8) -> f64 {
    let p = 10f64.powi(i32::from(decimals));
    let scaled = value * p;
    let snapped = (scaled * 1e9).round() / 1e9;
    snapped.round() / p
}

/// A plain decimal number: optional sign, digits, at most one `.` or `,` separator, an optional
/// exponent. Returns the value and the decimals as sent.
fn parse_number(s: &str) -> Option<(f64, u8)> {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (s.get(..i)?, Some(s.get(i + 1..)?)),
        None => (s, None),
    };
    let unsigned = mantissa
        .strip_prefix(['+', '-'])
        .unwrap_or(mantissa)
        .trim_start();
    let mut separators = 0;
    let mut digits = 0;
    let mut decimals: u8 = 0;
    for c in unsigned.chars() {
        match c {
            '0'..='9' => {
                digits += 1;
                if separators == 1 {
                    decimals = decimals.saturating_add(1);
                }
            }
            '.' | ',' => separators += 1,
            _ => return None,
        }
    }
    if digits == 0 || separators > 1 {
        return None;
    }
    let negative = mantissa.starts_with('-');
    let normal: String = unsigned.replace(',', ".");
    let mut value: f64 = normal.parse().ok()?;
    if let Some(exp) = exponent {
        let e: i32 = exp.parse().ok()?;
        value *= 10f64.powi(e);
        decimals = u8::try_from((i32::from(decimals) - e).max(0)).unwrap_or(u8::MAX);
    }
    if negative {
        value = -value;
    }
    value.is_finite().then_some((value, decimals))
}

#[cfg(test)]
mod tests {

    use super::*;

    fn num(value: f64, decimals: u8) -> ParsedValue {
        ParsedValue::Numeric { value, decimals }
    }

    #[test]
    fn fixed_prints_what_the_exact_formatter_prints() {
        // Hand-written: the lab's usual shapes, zero padding, negative zero and a value with
        // more digits than asked (rounded exactly: 2.675 is 2.67499999... in binary).
        for (value, decimals, shown) in [
            (5.2, 1, "5.2"),
            (5.2, 2, "5.20"),
            (140.0, 0, "140"),
            (0.05, 2, "0.05"),
            (0.005, 3, "0.005"),
            (-1.5, 1, "-1.5"),
            (-0.0, 1, "-0.0"),
            (0.0, 0, "0"),
            (2.675, 2, "2.67"),
            (1e20, 1, "100000000000000000000.0"),
        ] {
            assert_eq!(
                fixed(value, decimals),
                shown,
                "{value} to {decimals} places"
            );
        }
    }

    proptest::proptest! {
        /// Rust's exact formatter is the oracle: on the grid (stored, rounded values) and off
        /// it (any finite value) the two texts are the same.
        #[test]
        fn fixed_matches_format_on_and_off_the_grid(
            k in -10_000_000_000i64..10_000_000_000,
            decimals in 0u8..12,
            any in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO,
        ) {
            let d = usize::from(decimals);
            let on_grid = k as f64 / 10f64.powi(i32::from(decimals));
            proptest::prop_assert_eq!(fixed(on_grid, decimals), format!("{on_grid:.d$}"));
            proptest::prop_assert_eq!(fixed(any, decimals), format!("{any:.d$}"));
            let rounded = round_to(any / 1e6, decimals);
            proptest::prop_assert_eq!(fixed(rounded, decimals), format!("{rounded:.d$}"));
        }
    }

    #[test]
    fn plain_padded_and_comma_numbers() {
        assert_eq!(ParsedValue::parse("5.2"), num(5.2, 1));
        assert_eq!(ParsedValue::parse("5,2"), num(5.2, 1));
        assert_eq!(ParsedValue::parse("  005.20 "), num(5.2, 2));
        assert_eq!(ParsedValue::parse("140"), num(140.0, 0));
        assert_eq!(ParsedValue::parse("-1.5"), num(-1.5, 1));
        assert_eq!(ParsedValue::parse("+0.3"), num(0.3, 1));
        assert_eq!(ParsedValue::parse(".5"), num(0.5, 1));
        assert_eq!(ParsedValue::parse("1.5E+03"), num(1500.0, 0));
    }

    #[test]
    fn censored_values() {
        assert_eq!(
            ParsedValue::parse("<0.01"),
            ParsedValue::Censored {
                op: CensorOp::Less,
                limit: 0.01,
                decimals: 2
            }
        );
        assert_eq!(
            ParsedValue::parse(">8"),
            ParsedValue::Censored {
                op: CensorOp::Greater,
                limit: 8.0,
                decimals: 0
            }
        );
        assert_eq!(
            ParsedValue::parse(">= 100,5"),
            ParsedValue::Censored {
                op: CensorOp::Greater,
                limit: 100.5,
                decimals: 1
            }
        );
    }

    #[test]
    fn text_results_stay_text() {
        for t in [
            "Positive",
            "NOT DETECTED",
            "3+",
            "1.2.3",
            "5,2,1",
            "Âm tính",
            "<",
            "+",
        ] {
            assert_eq!(
                ParsedValue::parse(t),
                ParsedValue::Text(t.to_owned()),
                "{t}"
            );
        }
    }

    #[test]
    fn placeholders_are_missing_never_zero() {
        for t in ["", "   ", "-----", "***", "???", "-", "--.--", "\0"] {
            assert_eq!(ParsedValue::parse(t), ParsedValue::Missing, "{t:?}");
            assert_eq!(ParsedValue::parse(t).number(), None);
        }
    }

    #[test]
    fn glucose_mg_dl_to_mmol_l_by_hand() {
        // 100 mg/dL * 0.0555 = 5.55 mmol/L, one decimal, half away from zero: 5.6.
        let v = ParsedValue::parse("100").converted(0.0555, 1);
        assert_eq!(v, num(5.6, 1));
        assert_eq!(v.display(), "5.6");
        // 126 mg/dL * 0.0555 = 6.993 -> 7.0.
        assert_eq!(
            ParsedValue::parse("126").converted(0.0555, 1).display(),
            "7.0"
        );
        // Censored limits convert too: <10 mg/dL -> <0.555 -> <0.6.
        assert_eq!(
            ParsedValue::parse("<10").converted(0.0555, 1).display(),
            "<0.6"
        );
        // Text is untouched.
        assert_eq!(
            ParsedValue::parse("Positive")
                .converted(0.0555, 1)
                .display(),
            "Positive"
        );
    }

    #[test]
    fn rounding_half_away_from_zero() {
        assert_eq!(round_to(2.675, 2), 2.68);
        assert_eq!(round_to(-2.5, 0), -3.0);
        assert_eq!(round_to(0.125, 2), 0.13);
        assert_eq!(round_to(1.04999, 1), 1.0);
    }

    #[test]
    fn a_qualitative_test_reads_strip_grades_as_words() {
        for grade in ["-", "+-", "+2", "+", "--"] {
            assert_eq!(
                ParsedValue::parse_qualitative(&format!(" {grade} ")),
                ParsedValue::Text(grade.to_owned())
            );
        }
        // Without a sign, as any value: a word, a number, a placeholder.
        assert_eq!(
            ParsedValue::parse_qualitative("Normal"),
            ParsedValue::Text("Normal".into())
        );
        assert_eq!(
            ParsedValue::parse_qualitative("0.35"),
            ParsedValue::Numeric {
                value: 0.35,
                decimals: 2
            }
        );
        assert_eq!(ParsedValue::parse_qualitative(""), ParsedValue::Missing);
        assert_eq!(ParsedValue::parse_qualitative("***"), ParsedValue::Missing);
        // A numeric test still reads them as a number or as "no result".
        assert_eq!(ParsedValue::parse("-"), ParsedValue::Missing);
        assert_eq!(
            ParsedValue::parse("+2"),
            ParsedValue::Numeric {
                value: 2.0,
                decimals: 0
            }
        );
    }
}
