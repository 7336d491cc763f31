//! Turnaround statistics: the median and 90th percentile of a set of turnaround times, by the
//! nearest-rank method. Pure; the store reads the times (`Store::turnaround`).
//!
//! **Nearest rank:** the p-th percentile of N values sorted ascending is the value at rank
//! ⌈p/100 × N⌉ (ranks from 1). It is always one of the measured times, never an interpolation,
//! so a lab head can find the specimen it belongs to. The median is the 50th percentile by the
//! same rule: for an even N it is the lower of the two middle values.

/// A percentile by the nearest-rank method (see the module doc) of `sorted` (ascending);
/// `None` for no values or a `percent` outside 1–100.
pub fn nearest_rank(sorted: &[u32], percent: u32) -> Option<u32> {
    if sorted.is_empty() || !(1..=100).contains(&percent) {
        return None;
    }
    let n = sorted.len();
    // ⌈percent × n / 100⌉ in integers; at least 1 since percent ≥ 1 and n ≥ 1.
    let rank = (percent as usize * n).div_ceil(100);
    sorted.get(rank - 1).copied()
}

/// The count, median and 90th percentile of turnaround times in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TurnaroundSummary {
    /// How many times were measured.
    pub count: usize,
    /// The median (nearest rank), when there is a time.
    pub median: Option<u32>,
    /// The 90th percentile (nearest rank), when there is a time.
    pub p90: Option<u32>,
}

impl TurnaroundSummary {
    /// The summary of `minutes` (any order).
    pub fn of(minutes: &[u32]) -> Self {
        let mut sorted = minutes.to_vec();
        sorted.sort_unstable();
        Self {
            count: sorted.len(),
            median: nearest_rank(&sorted, 50),
            p90: nearest_rank(&sorted, 90),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_values() {
        // Sorted 10 20 30 40. Median: rank ⌈0.5 × 4⌉ = 2 → 20. P90: rank ⌈0.9 × 4⌉ = ⌈3.6⌉ = 4 → 40.
        let s = TurnaroundSummary::of(&[40, 10, 30, 20]);
        assert_eq!((s.count, s.median, s.p90), (4, Some(20), Some(40)));
    }

    #[test]
    fn eleven_values() {
        // Sorted 5 10 15 20 25 30 35 40 45 50 55. Median: rank ⌈5.5⌉ = 6 → 30.
        // P90: rank ⌈9.9⌉ = 10 → 50.
        let s = TurnaroundSummary::of(&[15, 5, 30, 25, 10, 20, 35, 40, 45, 50, 55]);
        assert_eq!((s.median, s.p90), (Some(30), Some(50)));
    }

    #[test]
    fn ten_values_put_the_ninetieth_on_the_ninth() {
        // Sorted 1..=10 (minutes 12, 14, ...). P90: rank ⌈9.0⌉ = 9 → the ninth, 28.
        let minutes: Vec<u32> = (1..=10).map(|i| 10 + 2 * i).collect();
        let s = TurnaroundSummary::of(&minutes);
        assert_eq!((s.median, s.p90), (Some(20), Some(28)));
    }

    #[test]
    fn one_value_and_none() {
        let s = TurnaroundSummary::of(&[73]);
        assert_eq!((s.count, s.median, s.p90), (1, Some(73), Some(73)));
        assert_eq!(TurnaroundSummary::of(&[]), TurnaroundSummary::default());
        assert_eq!(nearest_rank(&[1, 2], 0), None);
        assert_eq!(nearest_rank(&[1, 2], 101), None);
        assert_eq!(nearest_rank(&[1, 2], 100), Some(2));
    }
}
