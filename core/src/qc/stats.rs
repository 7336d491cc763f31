//! QC statistics of a lot and level: mean, sample SD (n − 1), CV %, the monthly summary with
//! its cumulative figures, bias % and SDI against the target, and the lab's own target after
//! 20 accepted points. Points of rejected runs are never counted.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::model::{QcTarget, TargetSource};

/// How many accepted points a lab needs before its own mean and SD may replace the
/// manufacturer's (the rule, after CLSI C24's advice of at least 20 data points).
pub const LAB_TARGET_MIN_POINTS: usize = 20;

/// One stored QC result as the statistics see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QcObservation {
    /// The lot number.
    pub lot: String,
    /// The control level.
    pub level: u8,
    /// The lab's calendar day of the run.
    pub day: Date,
    /// The value, in the catalog unit.
    pub value: f64,
    /// Whether the point's run was rejected (such points are never counted).
    pub rejected: bool,
}

/// n, mean, sample SD and CV % of some values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// How many values.
    pub n: usize,
    /// Their mean.
    pub mean: f64,
    /// The sample standard deviation (n − 1); none below two values.
    pub sd: Option<f64>,
    /// SD / |mean| × 100; none without an SD or with a mean of zero.
    pub cv_percent: Option<f64>,
}

impl Summary {
    /// The summary of `values`; none when there are none.
    pub fn of(values: &[f64]) -> Option<Self> {
        let mean = mean(values)?;
        let sd = sample_sd(values);
        Some(Self {
            n: values.len(),
            mean,
            sd,
            cv_percent: sd.and_then(|sd| cv_percent(sd, mean)),
        })
    }
}

/// The arithmetic mean; none for no values.
pub fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    Some(values.iter().sum::<f64>() / values.len() as f64)
}

/// The sample standard deviation, √(Σ(x − mean)² / (n − 1)), computed in two passes so that
/// large values with a small spread lose no precision; none below two values.
pub fn sample_sd(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let m = mean(values)?;
    let squares: f64 = values.iter().map(|x| (x - m) * (x - m)).sum();
    Some((squares / (values.len() - 1) as f64).sqrt())
}

/// The coefficient of variation in percent, SD / |mean| × 100; none for a mean of zero.
pub fn cv_percent(sd: f64, mean: f64) -> Option<f64> {
    (mean != 0.0).then(|| sd / mean.abs() * 100.0)
}

/// The lab's own target for `lot` and `level` from the points of accepted runs (warnings
/// included, rejected runs excluded): their mean and sample SD, once there are at least
/// [`LAB_TARGET_MIN_POINTS`]. None below that, or when the points have no spread (an SD of zero
/// cannot judge a result).
pub fn lab_target(observations: &[QcObservation], lot: &str, level: u8) -> Option<QcTarget> {
    let values = accepted(observations, lot, level, None);
    if values.len() < LAB_TARGET_MIN_POINTS {
        return None;
    }
    let summary = Summary::of(&values)?;
    let sd = summary.sd.filter(|sd| *sd > 0.0)?;
    Some(QcTarget {
        mean: summary.mean,
        sd,
        source: TargetSource::Lab,
    })
}

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct YearMonth {
    /// The year.
    pub year: i16,
    /// The month, 1 to 12.
    pub month: i8,
}

impl YearMonth {
    /// The month of `day`.
    pub fn of(day: Date) -> Self {
        Self {
            year: day.year(),
            month: day.month(),
        }
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// How far a mean lies from the target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TargetComparison {
    /// (mean − target mean) / target mean × 100; none for a target mean of zero.
    pub bias_percent: Option<f64>,
    /// The standard deviation index, (mean − target mean) / target SD.
    pub sdi: f64,
}

impl TargetComparison {
    /// `mean` against `target`; none when the target's SD is not above zero.
    pub fn of(mean: f64, target: &QcTarget) -> Option<Self> {
        if !(target.sd.is_finite() && target.sd > 0.0) {
            return None;
        }
        let difference = mean - target.mean;
        Some(Self {
            bias_percent: (target.mean != 0.0).then(|| difference / target.mean * 100.0),
            sdi: difference / target.sd,
        })
    }
}

/// The monthly summary of one lot and level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthlySummary {
    /// The lot number.
    pub lot: String,
    /// The control level.
    pub level: u8,
    /// The month.
    pub month: YearMonth,
    /// The month's accepted points.
    pub this_month: Summary,
    /// Every accepted point of the lot and level up to the end of the month.
    pub cumulative: Summary,
    /// The month's mean against the target, when one is known.
    pub vs_target: Option<TargetComparison>,
    /// The cumulative mean against the target, when one is known.
    pub cumulative_vs_target: Option<TargetComparison>,
}

/// The monthly summaries of every lot and level in `observations` (sorted by lot, level and
/// month; a month without accepted points has none), with bias % and SDI against `target(lot,
/// level)` where it answers one. A new lot starts its own statistics.
pub fn monthly_summaries(
    observations: &[QcObservation],
    target: impl Fn(&str, u8) -> Option<QcTarget>,
) -> Vec<MonthlySummary> {
    let mut keys: Vec<(&str, u8, YearMonth)> = observations
        .iter()
        .filter(|o| !o.rejected)
        .map(|o| (o.lot.as_str(), o.level, YearMonth::of(o.day)))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
        .filter_map(|(lot, level, month)| {
            let this = accepted(observations, lot, level, Some((month, month)));
            let upto = accepted(
                observations,
                lot,
                level,
                Some((
                    YearMonth {
                        year: i16::MIN,
                        month: 1,
                    },
                    month,
                )),
            );
            let this_month = Summary::of(&this)?;
            let cumulative = Summary::of(&upto)?;
            let goal = target(lot, level);
            Some(MonthlySummary {
                lot: lot.to_owned(),
                level,
                month,
                this_month,
                cumulative,
                vs_target: goal.and_then(|t| TargetComparison::of(this_month.mean, &t)),
                cumulative_vs_target: goal.and_then(|t| TargetComparison::of(cumulative.mean, &t)),
            })
        })
        .collect()
}

/// The values of accepted points of `lot` and `level`, within the months `from..=to` if given.
fn accepted(
    observations: &[QcObservation],
    lot: &str,
    level: u8,
    months: Option<(YearMonth, YearMonth)>,
) -> Vec<f64> {
    observations
        .iter()
        .filter(|o| !o.rejected && o.lot == lot && o.level == level)
        .filter(|o| months.is_none_or(|(from, to)| (from..=to).contains(&YearMonth::of(o.day))))
        .map(|o| o.value)
        .collect()
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn close(got: f64, want: f64) {
        assert!((got - want).abs() < 1e-9, "got {got}, want {want}");
    }

    fn obs(lot: &str, level: u8, day: Date, value: f64, rejected: bool) -> QcObservation {
        QcObservation {
            lot: lot.into(),
            level,
            day,
            value,
            rejected,
        }
    }

    #[test]
    fn mean_sd_and_cv_by_hand() {
        // 5.4, 5.6, 5.5, 5.7, 5.3: sum 27.5, mean 27.5 / 5 = 5.5. Deviations −0.1, 0.1, 0,
        // 0.2, −0.2; squares 0.01 + 0.01 + 0 + 0.04 + 0.04 = 0.10; / (5 − 1) = 0.025;
        // SD = √0.025 = 0.158113883. CV = 0.158113883 / 5.5 × 100 = 2.874797872 %.
        let s = Summary::of(&[5.4, 5.6, 5.5, 5.7, 5.3]).unwrap();
        assert_eq!(s.n, 5);
        close(s.mean, 5.5);
        close(s.sd.unwrap(), 0.158_113_883_008_418_97);
        close(s.cv_percent.unwrap(), 2.874_797_872_880_345);
        // One value has no SD; none has no summary; a mean of zero has no CV.
        assert_eq!(Summary::of(&[5.4]).unwrap().sd, None);
        assert_eq!(Summary::of(&[]), None);
        assert_eq!(cv_percent(0.2, 0.0), None);
        // Two passes: 1e9 + 1, 1e9 + 2, 1e9 + 3 has SD exactly 1.
        close(sample_sd(&[1e9 + 1.0, 1e9 + 2.0, 1e9 + 3.0]).unwrap(), 1.0);
    }

    #[test]
    fn the_lab_target_needs_20_accepted_points() {
        let day = date(2026, 12, 1);
        // Ten at 5.4 and ten at 5.6: mean 5.5; each deviation ±0.1, squares 20 × 0.01 = 0.2;
        // / 19 = 0.010526316; SD = √0.010526316 = 0.102597835.
        let mut points: Vec<QcObservation> = (0..20)
            .map(|i| obs("L1", 1, day, if i % 2 == 0 { 5.4 } else { 5.6 }, false))
            .collect();
        // A rejected point far off, another level and another lot are not counted.
        points.push(obs("L1", 1, day, 9.9, true));
        points.push(obs("L1", 2, day, 16.0, false));
        points.push(obs("L2", 1, day, 1.0, false));
        let t = lab_target(&points, "L1", 1).unwrap();
        close(t.mean, 5.5);
        close(t.sd, 0.102_597_835_208_515_41);
        assert_eq!(t.source, TargetSource::Lab);
        // 19 accepted points are not enough, even with rejected ones beside them.
        points.remove(0);
        assert_eq!(lab_target(&points, "L1", 1), None);
        // Twenty equal values have no spread: no target.
        let flat: Vec<QcObservation> = (0..20).map(|_| obs("L1", 1, day, 5.5, false)).collect();
        assert_eq!(lab_target(&flat, "L1", 1), None);
    }

    #[test]
    fn monthly_and_cumulative_summaries_by_hand() {
        let target = QcTarget {
            mean: 5.5,
            sd: 0.2,
            source: TargetSource::Manufacturer,
        };
        let mut points = Vec::new();
        for (d, v) in [(2, 5.4), (3, 5.6), (4, 5.5), (5, 5.7), (6, 5.3)] {
            points.push(obs("DC-2026", 1, date(2026, 11, d), v, false));
        }
        points.push(obs("DC-2026", 1, date(2026, 11, 7), 6.5, true));
        for (d, v) in [(1, 5.8), (2, 5.6), (3, 6.0)] {
            points.push(obs("DC-2026", 1, date(2026, 12, d), v, false));
        }
        // A month with only a rejected point has no row.
        points.push(obs("DC-2026", 1, date(2027, 1, 2), 7.0, true));
        let rows = monthly_summaries(&points, |lot, level| {
            (lot == "DC-2026" && level == 1).then_some(target)
        });
        assert_eq!(rows.len(), 2);
        let (nov, dec) = (&rows[0], &rows[1]);
        assert_eq!(nov.month.to_string(), "2026-11");
        // November: the five values above (6.5 was rejected): mean 5.5, SD 0.158113883; on
        // target: bias 0 %, SDI 0.
        assert_eq!(nov.this_month.n, 5);
        close(nov.this_month.mean, 5.5);
        assert_eq!(nov.cumulative, nov.this_month);
        let vs = nov.vs_target.unwrap();
        close(vs.bias_percent.unwrap(), 0.0);
        close(vs.sdi, 0.0);
        // December: 5.8, 5.6, 6.0: mean 17.4 / 3 = 5.8; deviations 0, −0.2, 0.2, squares 0.08,
        // / 2 = 0.04, SD 0.2; CV 0.2 / 5.8 × 100 = 3.448275862 %. Bias (5.8 − 5.5) / 5.5 × 100
        // = 5.454545455 %; SDI (5.8 − 5.5) / 0.2 = 1.5.
        assert_eq!(dec.this_month.n, 3);
        close(dec.this_month.mean, 5.8);
        close(dec.this_month.sd.unwrap(), 0.2);
        close(dec.this_month.cv_percent.unwrap(), 3.448_275_862_068_966);
        let vs = dec.vs_target.unwrap();
        close(vs.bias_percent.unwrap(), 5.454_545_454_545_454);
        close(vs.sdi, 1.5);
        // Cumulative to December: the eight accepted values, sum 44.9, mean 5.6125. Squared
        // deviations 0.04515625 + 0.00015625 + 0.01265625 + 0.00765625 + 0.09765625 +
        // 0.03515625 + 0.00015625 + 0.15015625 = 0.34875; / 7 = 0.049821429; SD 0.223207143;
        // CV 0.223207143 / 5.6125 × 100 = 3.976964681 %; SDI (5.6125 − 5.5) / 0.2 = 0.5625.
        assert_eq!(dec.cumulative.n, 8);
        close(dec.cumulative.mean, 5.6125);
        close(dec.cumulative.sd.unwrap(), 0.223_207_142_742_853_5);
        close(dec.cumulative.cv_percent.unwrap(), 3.976_964_681_387_145);
        close(dec.cumulative_vs_target.unwrap().sdi, 0.5625);
        // Without a target there is no bias or SDI.
        let rows = monthly_summaries(&points, |_, _| None);
        assert_eq!(rows[1].vs_target, None);
    }
}
