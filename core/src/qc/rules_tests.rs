//! Each rule with a hand-made series that fires it and near misses that must not. A point is
//! written `(level, z)`; runs are numbered from 0, the judged run last.

use proptest::prelude::*;

use super::*;
use crate::qc::model::{QcPoint, QcPointError, QcTarget, TargetSource};

use WestgardRule::*;

fn run(points: &[(u8, f64)]) -> QcRun {
    QcRun::new(
        points
            .iter()
            .map(|&(level, z)| QcPoint::from_z(level, z, z).unwrap())
            .collect(),
    )
}

fn runs(series: &[&[(u8, f64)]]) -> Vec<QcRun> {
    series.iter().map(|r| run(r)).collect()
}

fn at(run: usize, level: u8) -> PointRef {
    PointRef {
        run,
        level,
        replicate: 0,
    }
}

fn rep(run: usize, level: u8, replicate: u8) -> PointRef {
    PointRef {
        run,
        level,
        replicate,
    }
}

fn set(rules: &[WestgardRule]) -> QcRuleSet {
    QcRuleSet {
        rules: rules.to_vec(),
        screen_12s: false,
    }
}

/// The classic two-level set: 1-2s, 1-3s, 2-2s, R-4s, 4-1s, 10-x.
fn classic() -> QcRuleSet {
    QcRuleSet::two_levels()
}

fn fired(e: &Evaluation) -> Vec<WestgardRule> {
    e.violations.iter().map(|v| v.rule).collect()
}

fn points_of(e: &Evaluation, rule: WestgardRule) -> Vec<PointRef> {
    e.violations
        .iter()
        .find(|v| v.rule == rule)
        .map(|v| v.points.clone())
        .unwrap_or_default()
}

#[test]
fn one_2s_alone_is_a_warning_and_the_run_is_accepted() {
    let e = evaluate(&[], &run(&[(1, 2.5), (2, 0.3)]), &classic());
    assert_eq!(e.verdict, Verdict::Warning);
    assert!(e.verdict.is_accepted());
    assert_eq!(fired(&e), [R12s]);
    assert_eq!(points_of(&e, R12s), [at(0, 1)]);
    assert_eq!(e.z_scores, [(at(0, 1), 2.5), (at(0, 2), 0.3)]);
    // Exactly 2.00 SD on either side is not beyond 2 SD.
    let e = evaluate(&[], &run(&[(1, 2.0), (2, -2.0)]), &classic());
    assert_eq!(e.verdict, Verdict::Accepted);
    assert!(e.violations.is_empty());
}

#[test]
fn exactly_3_00_sd_is_not_1_3s() {
    // GLU level 1: mean 5.50, SD 0.20; 5.50 + 3 × 0.20 = 6.10. In binary floating point
    // (6.1 − 5.5) / 0.2 is 2.9999999999999982, which the 1e-9 rounding makes exactly 3.
    assert_ne!((6.1f64 - 5.5) / 0.2, 3.0);
    let glu1 = QcTarget {
        mean: 5.5,
        sd: 0.2,
        source: TargetSource::Manufacturer,
    };
    // CREA level 2: mean 450, SD 15; 450 − 3 × 15 = 405.
    let crea2 = QcTarget {
        mean: 450.0,
        sd: 15.0,
        source: TargetSource::Manufacturer,
    };
    let high = QcPoint::new(1, 6.1, &glu1).unwrap();
    let low = QcPoint::new(2, 405.0, &crea2).unwrap();
    assert_eq!((high.z(), low.z()), (3.0, -3.0));
    // Each alone: beyond 2 SD (1-2s, a warning), not beyond 3 SD.
    for p in [high, low] {
        let e = evaluate(&[], &QcRun::new(vec![p]), &classic());
        assert_eq!(e.verdict, Verdict::Warning, "{p:?}");
        assert_eq!(fired(&e), [R12s]);
    }
    // 6.11 is (6.11 − 5.50) / 0.20 = 3.05 SD: 1-3s.
    let beyond = QcPoint::new(1, 6.11, &glu1).unwrap();
    assert_eq!(beyond.z(), 3.05);
    let e = evaluate(&[], &QcRun::new(vec![beyond]), &classic());
    assert_eq!(e.verdict, Verdict::Rejected);
    assert_eq!(fired(&e), [R12s, R13s]);
    assert_eq!(points_of(&e, R13s), [at(0, 1)]);
}

#[test]
fn a_point_that_cannot_be_judged_does_not_exist() {
    let zero = QcTarget {
        mean: 5.5,
        sd: 0.0,
        source: TargetSource::Manufacturer,
    };
    assert!(matches!(
        QcPoint::new(1, 5.5, &zero),
        Err(QcPointError::Target { .. })
    ));
    let negative = QcTarget { sd: -0.2, ..zero };
    assert!(QcPoint::new(1, 5.5, &negative).is_err());
    let good = QcTarget { sd: 0.2, ..zero };
    assert_eq!(QcPoint::new(0, 5.5, &good), Err(QcPointError::Level(0)));
    assert_eq!(QcPoint::new(10, 5.5, &good), Err(QcPointError::Level(10)));
    assert!(matches!(
        QcPoint::new(1, f64::NAN, &good),
        Err(QcPointError::Value(_))
    ));
    assert!(matches!(
        QcPoint::from_z(1, 1.0, f64::INFINITY),
        Err(QcPointError::Z(_))
    ));
    // Read back from JSON, a point is checked the same way.
    let p: QcPoint = serde_json::from_str(r#"{"level":2,"value":16.5,"z":1.0}"#).unwrap();
    assert_eq!((p.level(), p.value(), p.z()), (2, 16.5, 1.0));
    let err = serde_json::from_str::<QcPoint>(r#"{"level":0,"value":16.5,"z":1.0}"#);
    assert!(err.unwrap_err().to_string().contains("QC level 0"));
}

#[test]
fn two_2s_within_the_run_across_two_levels() {
    let e = evaluate(&[], &run(&[(1, 2.1), (2, 2.4)]), &classic());
    assert_eq!(e.verdict, Verdict::Rejected);
    assert_eq!(fired(&e), [R12s, R22s]);
    assert_eq!(points_of(&e, R22s), [at(0, 1), at(0, 2)]);
    // Near misses: the same 2 SD limit is needed (opposite sides are R-4s, not 2-2s), and both
    // points must be beyond it.
    let e = evaluate(&[], &run(&[(1, 2.1), (2, -2.4)]), &classic());
    assert!(!e.fired(R22s));
    assert!(e.fired(R4s));
    let e = evaluate(&[], &run(&[(1, 2.1), (2, 1.9)]), &classic());
    assert_eq!(e.verdict, Verdict::Warning);
    assert_eq!(fired(&e), [R12s]);
}

#[test]
fn two_2s_within_the_run_across_three_levels() {
    let e = evaluate(&[], &run(&[(1, 0.5), (2, -2.2), (3, -2.05)]), &classic());
    assert_eq!(e.verdict, Verdict::Rejected);
    assert_eq!(points_of(&e, R22s), [at(0, 2), at(0, 3)]);
    // Near miss: level 3 at 1.99 SD is inside the limit.
    let e = evaluate(&[], &run(&[(1, 2.2), (2, 0.1), (3, 1.99)]), &classic());
    assert_eq!(e.verdict, Verdict::Warning);
}

#[test]
fn two_2s_across_two_runs_within_one_level() {
    let history = runs(&[&[(1, 2.3), (2, 0.2)]]);
    let e = evaluate(&history, &run(&[(1, 2.1), (2, -0.4)]), &classic());
    assert_eq!(e.verdict, Verdict::Rejected);
    assert_eq!(fired(&e), [R12s, R22s]);
    assert_eq!(points_of(&e, R22s), [at(0, 1), at(1, 1)]);
    // The previous measurement of the level counts even when the run before had only the
    // other level.
    let history = runs(&[&[(2, -2.6)], &[(1, 0.4)]]);
    let e = evaluate(&history, &run(&[(2, -2.2)]), &classic());
    assert_eq!(points_of(&e, R22s), [at(0, 2), at(2, 2)]);
}

#[test]
fn the_diagonal_is_not_2_2s() {
    // Level 2 beyond +2 SD in run 0, level 1 beyond +2 SD in run 1: different materials in
    // different runs.
    let history = runs(&[&[(1, 0.2), (2, 2.3)]]);
    let e = evaluate(&history, &run(&[(1, 2.1), (2, 0.1)]), &classic());
    assert!(!e.fired(R22s));
    assert_eq!(e.verdict, Verdict::Warning);
    assert_eq!(fired(&e), [R12s]);
}

#[test]
fn r_4s_within_the_run() {
    let e = evaluate(&[], &run(&[(1, 2.1), (2, -2.1)]), &classic());
    assert_eq!(e.verdict, Verdict::Rejected);
    assert_eq!(fired(&e), [R12s, R4s]);
    assert_eq!(points_of(&e, R4s), [at(0, 1), at(0, 2)]);
    // Three levels: the middle one does not take part.
    let e = evaluate(&[], &run(&[(1, 2.2), (2, 0.0), (3, -2.3)]), &classic());
    assert_eq!(points_of(&e, R4s), [at(0, 1), at(0, 3)]);
    // Exactly at the limits is no range beyond 4 SD.
    let e = evaluate(&[], &run(&[(1, 2.0), (2, -2.5)]), &classic());
    assert!(!e.fired(R4s));
}

#[test]
fn r_4s_across_runs_is_not_fired() {
    // Above +2 SD in one run, below −2 SD in the next: 4.5 SD apart, but not within a run.
    let history = runs(&[&[(1, 2.5), (2, 0.0)]]);
    let e = evaluate(&history, &run(&[(1, -2.0001), (2, 0.0)]), &classic());
    assert!(!e.fired(R4s));
    assert_eq!(e.verdict, Verdict::Warning);
}

#[test]
fn patterns_made_only_of_earlier_runs_do_not_reject_this_one() {
    // Run 0 broke 2-2s, R-4s is not there; run 1 broke 1-3s; runs 0-1 hold a 4-1s streak
    // (1.5, 1.2 | 3.2, 1.1). The judged run is quiet.
    let history = runs(&[&[(1, 2.5), (2, 2.5)], &[(1, 3.2), (2, 1.1)]]);
    let e = evaluate(&history, &run(&[(1, 0.1), (2, -0.2)]), &classic());
    assert_eq!(e.verdict, Verdict::Accepted);
    assert!(e.violations.is_empty());
    // A history R-4s likewise.
    let history = runs(&[&[(1, 2.5), (2, -2.5)]]);
    let e = evaluate(&history, &run(&[(1, 0.1), (2, -0.2)]), &classic());
    assert_eq!(e.verdict, Verdict::Accepted);
}

#[test]
fn four_1s_across_levels_and_runs_with_the_screen_off_and_on() {
    // Four points between 1 and 2 SD above the mean: two levels in each of two runs.
    let history = runs(&[&[(1, 1.2), (2, 1.5)]]);
    let judged = run(&[(1, 1.1), (2, 1.8)]);
    let e = evaluate(&history, &judged, &classic());
    assert_eq!(e.verdict, Verdict::Rejected);
    assert_eq!(fired(&e), [R41s]);
    assert_eq!(
        points_of(&e, R41s),
        [at(0, 1), at(0, 2), at(1, 1), at(1, 2)]
    );
    assert!(!e.screened_out);
    // With the 1-2s screen on, no point is beyond 2 SD: the other rules are not evaluated and
    // the run is accepted.
    let screened = QcRuleSet {
        screen_12s: true,
        ..classic()
    };
    let e = evaluate(&history, &judged, &screened);
    assert_eq!(e.verdict, Verdict::Accepted);
    assert!(e.violations.is_empty());
    assert!(e.screened_out);
    // The screen opens when a point is beyond 2 SD: then 4-1s is evaluated and fires.
    let e = evaluate(&history, &run(&[(1, 1.1), (2, 2.2)]), &screened);
    assert_eq!(fired(&e), [R12s, R41s]);
    assert!(!e.screened_out);
    // Near misses: one point at exactly 1.00 SD, or one on the other side, breaks the streak.
    let e = evaluate(&history, &run(&[(1, 1.0), (2, 1.8)]), &classic());
    assert!(!e.fired(R41s));
    let e = evaluate(&history, &run(&[(1, -1.1), (2, 1.8)]), &classic());
    assert!(!e.fired(R41s));
}

#[test]
fn four_1s_counts_levels_in_level_order_within_a_run() {
    // Series: run 0 (level 1: 0.3, level 2: −1.2), run 1 (level 1: −1.3, level 2: −1.4), run 2
    // level 1 −1.1 (level 2 +0.2 after it). The streak −1.2, −1.3, −1.4, −1.1 holds four points.
    let history = runs(&[&[(1, 0.3), (2, -1.2)], &[(2, -1.4), (1, -1.3)]]);
    let e = evaluate(&history, &run(&[(2, 0.2), (1, -1.1)]), &classic());
    assert_eq!(
        points_of(&e, R41s),
        [at(0, 2), at(1, 1), at(1, 2), at(2, 1)]
    );
    // Within one level across four runs.
    let history = runs(&[&[(1, -1.5)], &[(1, -1.6)], &[(1, -1.2)]]);
    let e = evaluate(&history, &run(&[(1, -1.01)]), &classic());
    assert_eq!(fired(&e), [R41s]);
}

#[test]
fn ten_x_across_levels_and_runs() {
    // Four runs of two levels slightly above the mean, then the judged run: ten points.
    let history = runs(&[
        &[(1, 0.3), (2, 0.5)],
        &[(1, 0.1), (2, 0.9)],
        &[(1, 0.4), (2, 0.2)],
        &[(1, 0.6), (2, 0.3)],
    ]);
    let e = evaluate(&history, &run(&[(1, 0.2), (2, 0.7)]), &classic());
    assert_eq!(fired(&e), [R10x]);
    assert_eq!(points_of(&e, R10x).len(), 10);
    // Near misses: nine points (drop the oldest run's first point to the other side), or a
    // point exactly on the mean.
    let mut nine = history.clone();
    nine[0] = run(&[(1, -0.3), (2, 0.5)]);
    let e = evaluate(&nine, &run(&[(1, 0.2), (2, 0.7)]), &classic());
    assert!(!e.fired(R10x));
    let mut on_mean = history;
    on_mean[2] = run(&[(1, 0.0), (2, 0.2)]);
    let e = evaluate(&on_mean, &run(&[(1, 0.2), (2, 0.7)]), &classic());
    assert!(!e.fired(R10x));
}

#[test]
fn eight_x_and_twelve_x_with_four_measurements_a_run() {
    // N = 4: two levels in duplicate. Replicates of a level are counted in arrival order.
    let four = |z: f64| run(&[(1, z), (2, z + 0.1), (1, z + 0.2), (2, z + 0.3)]);
    let rules = set(&[R13s, R22s, R4s, R41s, R8x, R12x]);
    let e = evaluate(&[four(-0.5)], &four(-0.8), &rules);
    assert_eq!(fired(&e), [R8x]);
    assert_eq!(
        points_of(&e, R8x),
        [
            rep(0, 1, 0),
            rep(0, 1, 1),
            rep(0, 2, 0),
            rep(0, 2, 1),
            rep(1, 1, 0),
            rep(1, 1, 1),
            rep(1, 2, 0),
            rep(1, 2, 1),
        ]
    );
    let e = evaluate(&[four(-0.5), four(-0.6)], &four(-0.8), &rules);
    assert_eq!(fired(&e), [R8x, R12x]);
    assert_eq!(points_of(&e, R12x).len(), 12);
    // Seven below and one on the other side: neither.
    let e = evaluate(
        &[run(&[(1, 0.4), (2, -0.3), (1, -0.3), (2, -0.3)])],
        &four(-0.8),
        &rules,
    );
    assert!(e.violations.is_empty());
}

#[test]
fn two_of_three_2s_within_the_run_and_within_a_level_across_runs() {
    let three = QcRuleSet::three_levels();
    let e = evaluate(&[], &run(&[(1, 2.1), (2, 0.5), (3, 2.2)]), &three);
    assert_eq!(fired(&e), [R12s, R2of32s]);
    assert_eq!(points_of(&e, R2of32s), [at(0, 1), at(0, 3)]);
    // Near miss: only one of three beyond 2 SD.
    let e = evaluate(&[], &run(&[(1, 2.1), (2, 1.9), (3, 0.0)]), &three);
    assert_eq!(fired(&e), [R12s]);
    // Level 1 over three runs: 2.1, 0.5, 2.3.
    let history = runs(&[
        &[(1, 2.1), (2, 0.0), (3, 0.3)],
        &[(1, 0.5), (2, 0.1), (3, -0.3)],
    ]);
    let e = evaluate(&history, &run(&[(1, 2.3), (2, -0.2), (3, 0.1)]), &three);
    assert_eq!(points_of(&e, R2of32s), [at(0, 1), at(2, 1)]);
    // The diagonal (level 3 of one run, level 1 of the next) is not 2of3-2s.
    let history = runs(&[&[(1, 0.0), (2, 0.1), (3, 2.1)]]);
    let e = evaluate(&history, &run(&[(1, 2.2), (2, -0.1), (3, 0.0)]), &three);
    assert!(!e.fired(R2of32s));
}

#[test]
fn three_1s_six_x_and_nine_x_for_three_levels() {
    let rules = set(&[R13s, R2of32s, R4s, R31s, R6x, R9x]);
    // 3-1s: level 2 and 3 of run 0, level 1 of run 1.
    let history = runs(&[&[(1, 0.2), (2, 1.2), (3, 1.5)]]);
    let e = evaluate(&history, &run(&[(1, 1.1), (2, 0.3), (3, -0.4)]), &rules);
    assert_eq!(fired(&e), [R31s]);
    assert_eq!(points_of(&e, R31s), [at(0, 2), at(0, 3), at(1, 1)]);
    // 6-x: two runs of three levels below the mean; 9-x: three.
    let low = || run(&[(1, -0.2), (2, -0.4), (3, -0.6)]);
    let e = evaluate(&[low()], &low(), &rules);
    assert_eq!(fired(&e), [R6x]);
    let e = evaluate(&[low(), low()], &low(), &rules);
    assert_eq!(fired(&e), [R6x, R9x]);
    // Near miss for 3-1s: 1.2, 1.5, then exactly 1.0.
    let e = evaluate(&history, &run(&[(1, 1.0), (2, 0.3), (3, -0.4)]), &rules);
    assert!(e.violations.is_empty());
}

#[test]
fn rules_not_in_the_set_do_not_fire_and_an_empty_run_is_accepted() {
    let e = evaluate(&[], &run(&[(1, 3.5), (2, 2.5)]), &set(&[R4s, R10x]));
    assert_eq!(e.verdict, Verdict::Accepted);
    let e = evaluate(&[], &QcRun::default(), &classic());
    assert_eq!(e.verdict, Verdict::Accepted);
    assert!(e.z_scores.is_empty());
}

#[test]
fn the_rule_names_are_the_labs() {
    let names: Vec<&str> = WestgardRule::ALL.iter().map(|r| r.name()).collect();
    assert_eq!(
        names,
        [
            "1-2s", "1-3s", "2-2s", "R-4s", "4-1s", "10-x", "8-x", "12-x", "2of3-2s", "3-1s",
            "6-x", "9-x"
        ]
    );
    for rule in WestgardRule::ALL {
        assert_eq!(WestgardRule::parse(rule.name()), Some(rule));
    }
    assert_eq!(WestgardRule::parse("13s"), None);
    assert!(R12s.is_warning() && !R13s.is_warning());
    let e = evaluate(&[], &run(&[(1, 3.5), (2, 2.5)]), &classic());
    assert_eq!(e.rule_names(), "1-2s, 1-3s, 2-2s");
    assert_eq!(
        e.reason().unwrap(),
        "1-2s on levels 1, 2; 1-3s on level 1; 2-2s on levels 1, 2"
    );
    let history = runs(&[&[(1, 1.2), (2, 1.5)]]);
    let e = evaluate(&history, &run(&[(1, 1.1), (2, 1.8)]), &classic());
    assert_eq!(e.reason().unwrap(), "4-1s on levels 1, 2 across 2 runs");
    let e = evaluate(&[], &run(&[(1, 0.5)]), &classic());
    assert_eq!(e.reason(), None);
}

/// A judged run with one point per level (1 to `levels`), z-scores in tenths of an SD from
/// −3.5 to +3.5 so that every rule can fire.
fn level_run(levels: u8) -> impl Strategy<Value = Vec<(u8, f64)>> {
    prop::collection::vec(-35i32..=35, usize::from(levels)).prop_map(|zs| {
        zs.into_iter()
            .enumerate()
            .map(|(i, z)| (i as u8 + 1, f64::from(z) / 10.0))
            .collect()
    })
}

fn history_runs() -> impl Strategy<Value = Vec<Vec<(u8, f64)>>> {
    (2u8..=3).prop_flat_map(|levels| prop::collection::vec(level_run(levels), 0..6))
}

proptest! {
    /// Points arriving one by one (the run re-judged at each arrival, in any order) end with
    /// the verdict, z-scores and violations of the run judged in one message, and the order in
    /// which the levels arrive changes nothing.
    #[test]
    fn one_message_or_one_by_one_gives_the_same_evaluation(
        history in history_runs(),
        judged in (2u8..=3).prop_flat_map(level_run),
        order in Just(()).prop_perturb(|_, mut rng| {
            let mut idx: Vec<usize> = (0..3).collect();
            for i in (1..idx.len()).rev() {
                let j = (rng.next_u32() as usize) % (i + 1);
                idx.swap(i, j);
            }
            idx
        }),
        screen in any::<bool>(),
        three in any::<bool>(),
    ) {
        let mut rules = if three { QcRuleSet::three_levels() } else { QcRuleSet::two_levels() };
        rules.rules.extend([R8x, R12x, R9x]);
        rules.screen_12s = screen;
        let history: Vec<QcRun> = history.iter().map(|r| run(r)).collect();
        let one_message = evaluate(&history, &run(&judged), &rules);
        let arrival: Vec<(u8, f64)> = order
            .iter()
            .filter_map(|&i| judged.get(i).copied())
            .collect();
        prop_assert_eq!(arrival.len(), judged.len());
        let mut growing = QcRun::default();
        let mut last = None;
        for &(level, z) in &arrival {
            growing.push(QcPoint::from_z(level, z, z).unwrap());
            last = Some(evaluate(&history, &growing, &rules));
        }
        prop_assert_eq!(last.as_ref(), Some(&one_message));
        // Every violation holds a point of the judged run.
        for v in &one_message.violations {
            prop_assert!(v.points.iter().any(|p| p.run == history.len()));
        }
    }
}
