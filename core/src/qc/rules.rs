//! The Westgard multirule evaluation of one QC run against the earlier runs of its instrument,
//! test and lot.
//!
//! The points are counted in one series: the history's runs oldest first, then the judged run;
//! within a run by level, and replicates of a level in arrival order ([`QcRun::in_rule_order`]),
//! so the verdict does not depend on the order in which the levels of a run arrive.
//!
//! What each rule looks at (limits are exceeded strictly: z = 3.00 is not beyond 3 SD):
//!
//! | rule | fires when | where |
//! |---|---|---|
//! | 1-2s | a point beyond 2 SD (warning only) | the judged run |
//! | 1-3s | a point beyond 3 SD | the judged run |
//! | 2-2s | two points beyond the same 2 SD limit | within the run (across levels), or the same level in two consecutive measurements; never "diagonal" (level 2 of one run and level 1 of the next) |
//! | R-4s | one point above +2 SD and another below −2 SD | within the run only |
//! | 2of3-2s | two of three points beyond the same 2 SD limit | three consecutive points of the run, or of one level across runs |
//! | 3-1s, 4-1s | 3 or 4 consecutive points beyond the same 1 SD limit | the series, across levels and runs |
//! | 6-x, 8-x, 9-x, 10-x, 12-x | that many consecutive points on the same side of the mean (a point on the mean breaks the streak) | the series, across levels and runs |
//!
//! A violation always includes a point of the judged run: a pattern made only of earlier points
//! was judged with those runs and does not reject this one again. With the 1-2s screen on, the
//! other rules are evaluated only when a point of the judged run is beyond 2 SD.

use super::model::{Evaluation, PointRef, QcRuleSet, QcRun, Verdict, Violation, WestgardRule};

/// A point of the series: where it is and its z-score.
type Scored = (PointRef, f64);

/// Judges `run` with `rules`, counting `history` (earlier runs of the same instrument, test and
/// lot, oldest first) for the rules that look across runs.
///
/// The history is counted as given: the caller decides which earlier runs belong in it (for
/// instance the runs since the lot started). A run without points is accepted with nothing
/// recorded.
pub fn evaluate(history: &[QcRun], run: &QcRun, rules: &QcRuleSet) -> Evaluation {
    let judged = history.len();
    let mut series: Vec<Scored> = Vec::new();
    for (i, r) in history.iter().enumerate() {
        series.extend(r.in_rule_order(i).into_iter().map(|(at, p)| (at, p.z())));
    }
    let start = series.len();
    series.extend(
        run.in_rule_order(judged)
            .into_iter()
            .map(|(at, p)| (at, p.z())),
    );
    let current = series.get(start..).unwrap_or_default();
    let screened_out = rules.screen_12s && !current.iter().any(|(_, z)| z.abs() > 2.0);
    let mut violations = Vec::new();
    for rule in WestgardRule::ALL {
        if !rules.has(rule) || (screened_out && rule != WestgardRule::R12s) {
            continue;
        }
        let mut points = fired(rule, &series, start);
        points.sort_unstable();
        points.dedup();
        if points.iter().any(|p| p.run == judged) {
            violations.push(Violation { rule, points });
        }
    }
    let verdict = if violations.iter().any(|v| !v.rule.is_warning()) {
        Verdict::Rejected
    } else if violations.is_empty() {
        Verdict::Accepted
    } else {
        Verdict::Warning
    };
    Evaluation {
        verdict,
        z_scores: current.to_vec(),
        violations,
        screened_out,
    }
}

/// The points `rule` used, empty when it did not fire; `series[start..]` is the judged run.
fn fired(rule: WestgardRule, series: &[Scored], start: usize) -> Vec<PointRef> {
    let current = series.get(start..).unwrap_or_default();
    match rule {
        WestgardRule::R12s => beyond(current, 2.0),
        WestgardRule::R13s => beyond(current, 3.0),
        WestgardRule::R22s => two_2s(series, start),
        WestgardRule::R4s => range_4s(current),
        WestgardRule::R2of32s => two_of_three_2s(series, start),
        WestgardRule::R31s => streak(series, start, 3, 1.0),
        WestgardRule::R41s => streak(series, start, 4, 1.0),
        WestgardRule::R6x => streak(series, start, 6, 0.0),
        WestgardRule::R8x => streak(series, start, 8, 0.0),
        WestgardRule::R9x => streak(series, start, 9, 0.0),
        WestgardRule::R10x => streak(series, start, 10, 0.0),
        WestgardRule::R12x => streak(series, start, 12, 0.0),
    }
}

/// The two sides of the mean: +1 above, −1 below.
const SIDES: [f64; 2] = [1.0, -1.0];

/// Whether `z` is strictly beyond `limit` SD on `side`.
fn past(z: f64, side: f64, limit: f64) -> bool {
    side * z > limit
}

/// 1-2s, 1-3s: the judged run's points beyond `limit` on either side.
fn beyond(current: &[Scored], limit: f64) -> Vec<PointRef> {
    current
        .iter()
        .filter(|(_, z)| z.abs() > limit)
        .map(|(at, _)| *at)
        .collect()
}

/// 2-2s: two points of the run beyond the same 2 SD limit, or a point of the run and the
/// previous measurement of its level beyond the same 2 SD limit.
fn two_2s(series: &[Scored], start: usize) -> Vec<PointRef> {
    let current = series.get(start..).unwrap_or_default();
    let mut used = Vec::new();
    for side in SIDES {
        let within: Vec<PointRef> = current
            .iter()
            .filter(|(_, z)| past(*z, side, 2.0))
            .map(|(at, _)| *at)
            .collect();
        if within.len() >= 2 {
            used.extend(within);
        }
        for (k, (at, z)) in current.iter().enumerate() {
            if !past(*z, side, 2.0) {
                continue;
            }
            let before = series.get(..start + k).unwrap_or_default();
            let previous = before.iter().rev().find(|(p, _)| p.level == at.level);
            if let Some((p, pz)) = previous {
                if past(*pz, side, 2.0) {
                    used.extend([*p, *at]);
                }
            }
        }
    }
    used
}

/// R-4s: within the run, one point above +2 SD and another below −2 SD.
fn range_4s(current: &[Scored]) -> Vec<PointRef> {
    let high = beyond_side(current, 1.0, 2.0);
    let low = beyond_side(current, -1.0, 2.0);
    if high.is_empty() || low.is_empty() {
        return Vec::new();
    }
    high.into_iter().chain(low).collect()
}

fn beyond_side(points: &[Scored], side: f64, limit: f64) -> Vec<PointRef> {
    points
        .iter()
        .filter(|(_, z)| past(*z, side, limit))
        .map(|(at, _)| *at)
        .collect()
}

/// 2of3-2s: among three consecutive points of the run (the whole run when it has fewer), or
/// three consecutive measurements of one level across runs, two beyond the same 2 SD limit,
/// one of them in the judged run.
fn two_of_three_2s(series: &[Scored], start: usize) -> Vec<PointRef> {
    let judged = series.get(start).map(|(at, _)| at.run);
    let current = series.get(start..).unwrap_or_default();
    let mut used = Vec::new();
    let mut check = |window: &[Scored]| {
        for side in SIDES {
            let out = beyond_side(window, side, 2.0);
            if out.len() >= 2 && out.iter().any(|p| Some(p.run) == judged) {
                used.extend(out);
            }
        }
    };
    if current.len() < 3 {
        check(current);
    } else {
        current.windows(3).for_each(&mut check);
    }
    let mut levels: Vec<u8> = current.iter().map(|(at, _)| at.level).collect();
    levels.dedup();
    for level in levels {
        let of_level: Vec<Scored> = series
            .iter()
            .filter(|(at, _)| at.level == level)
            .copied()
            .collect();
        of_level.windows(3).for_each(&mut check);
    }
    used
}

/// n consecutive points of the series beyond `limit` on the same side (1 SD for 3-1s and
/// 4-1s, the mean for the x rules), in a streak that reaches into the judged run: the points
/// of every such window of n.
fn streak(series: &[Scored], start: usize, n: usize, limit: f64) -> Vec<PointRef> {
    let mut used = Vec::new();
    for side in SIDES {
        let mut first: Option<usize> = None;
        for i in 0..=series.len() {
            let counts = series.get(i).is_some_and(|(_, z)| past(*z, side, limit));
            match (counts, first) {
                (true, None) => first = Some(i),
                (true, Some(_)) => {}
                (false, Some(a)) => {
                    // The streak is series[a..i]; windows of n that hold a judged point start
                    // at most n - 1 before the first judged point.
                    let from = a.max(start.max(a).saturating_sub(n - 1));
                    if i - a >= n && i > start {
                        used.extend(
                            series
                                .get(from..i)
                                .unwrap_or_default()
                                .iter()
                                .map(|(at, _)| *at),
                        );
                    }
                    first = None;
                }
                (false, None) => {}
            }
        }
    }
    used
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
