//! The sigma metric of a test at one control level, and the QC rules Westgard Sigma Rules
//! suggest for it. Advice for a person only: nothing here changes the configured rules.
//!
//! Sigma = (TEa % − |bias %|) / CV %: how many of the method's SDs fit between its bias and the
//! allowable total error.
//!
//! The suggested rules follow Westgard Sigma Rules™ (J. O. Westgard and S. A. Westgard,
//! "Westgard Sigma Rules", westgard.com, September 2014,
//! <https://www.westgard.com/lessons/westgard-rules/westgard-rules/westgard-sigma-rules.html>),
//! whose diagram has no 1-2s warning rule and a sigma scale under the multirule:
//!
//! | sigma | two levels | three levels |
//! |---|---|---|
//! | 6 and above | 1-3s; N = 2, R = 1 | 1-3s; N = 3, R = 1 |
//! | 5 to below 6 | 1-3s, 2-2s, R-4s; N = 2, R = 1 | 1-3s, 2of3-2s, R-4s; N = 3, R = 1 |
//! | 4 to below 5 | 1-3s, 2-2s, R-4s, 4-1s; N = 4, R = 1 (or N = 2, R = 2) | 1-3s, 2of3-2s, R-4s, 3-1s; N = 3, R = 1 |
//! | below 4 | 1-3s, 2-2s, R-4s, 4-1s, 8-x; N = 4, R = 2 (or N = 2, R = 4) | 1-3s, 2of3-2s, R-4s, 3-1s, 6-x; N = 3, R = 2 |
//!
//! N is the number of control measurements a run, R the number of runs the rules look across.

use serde::{Deserialize, Serialize};

use super::model::WestgardRule;

/// The sigma metric, (TEa % − |bias %|) / CV %; none when the CV is not above zero or a figure
/// is not finite. A negative sigma (bias beyond TEa) is returned as such.
pub fn sigma_metric(tea_percent: f64, bias_percent: f64, cv_percent: f64) -> Option<f64> {
    let figures = [tea_percent, bias_percent, cv_percent];
    if figures.iter().any(|f| !f.is_finite()) || cv_percent <= 0.0 {
        return None;
    }
    Some((tea_percent - bias_percent.abs()) / cv_percent)
}

/// The sigma band of the Westgard Sigma Rules scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SigmaBand {
    /// 6 sigma and above: world class.
    SixOrMore,
    /// 5 to below 6 sigma.
    Five,
    /// 4 to below 5 sigma.
    Four,
    /// Below 4 sigma: the most rules and measurements.
    BelowFour,
}

impl SigmaBand {
    /// The band of a sigma metric.
    pub fn of(sigma: f64) -> Self {
        if sigma >= 6.0 {
            Self::SixOrMore
        } else if sigma >= 5.0 {
            Self::Five
        } else if sigma >= 4.0 {
            Self::Four
        } else {
            Self::BelowFour
        }
    }
}

/// The rules Westgard Sigma Rules suggest for a sigma metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SigmaAdvice {
    /// The sigma metric the advice is for.
    pub sigma: f64,
    /// Its band.
    pub band: SigmaBand,
    /// The suggested rules, in the order the diagram applies them.
    pub rules: Vec<WestgardRule>,
    /// Control measurements a run (N).
    pub measurements_per_run: u8,
    /// Runs the rules look across (R).
    pub runs: u8,
}

/// The Westgard Sigma Rules advice for `sigma` with QC at `levels` levels (three or more use
/// the three-level diagram, otherwise the two-level one).
pub fn advise(sigma: f64, levels: u8) -> SigmaAdvice {
    use WestgardRule::*;
    let band = SigmaBand::of(sigma);
    let three = levels >= 3;
    let (rules, measurements_per_run, runs) = match (band, three) {
        (SigmaBand::SixOrMore, false) => (vec![R13s], 2, 1),
        (SigmaBand::SixOrMore, true) => (vec![R13s], 3, 1),
        (SigmaBand::Five, false) => (vec![R13s, R22s, R4s], 2, 1),
        (SigmaBand::Five, true) => (vec![R13s, R2of32s, R4s], 3, 1),
        (SigmaBand::Four, false) => (vec![R13s, R22s, R4s, R41s], 4, 1),
        (SigmaBand::Four, true) => (vec![R13s, R2of32s, R4s, R31s], 3, 1),
        (SigmaBand::BelowFour, false) => (vec![R13s, R22s, R4s, R41s, R8x], 4, 2),
        (SigmaBand::BelowFour, true) => (vec![R13s, R2of32s, R4s, R31s, R6x], 3, 2),
    };
    SigmaAdvice {
        sigma,
        band,
        rules,
        measurements_per_run,
        runs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64) {
        assert!((got - want).abs() < 1e-9, "got {got}, want {want}");
    }

    #[test]
    fn sigma_by_hand() {
        // Glucose: TEa 8 %, bias 1 %, CV 1.1 %: (8 − 1) / 1.1 = 6.363636364.
        close(sigma_metric(8.0, 1.0, 1.1).unwrap(), 6.363_636_363_636_363);
        // A negative bias counts by its size: (10 − |−2|) / 1.6 = 5.
        close(sigma_metric(10.0, -2.0, 1.6).unwrap(), 5.0);
        // Creatinine: TEa 10 %, bias 2 %, CV 2.874797873 % (the statistics' hand example):
        // 8 / 2.874797873 = 2.782804341 sigma.
        close(
            sigma_metric(10.0, 2.0, 2.874_797_872_880_345).unwrap(),
            2.782_804_340_948_173_7,
        );
        // Bias beyond TEa: (5 − 7) / 2 = −1.
        close(sigma_metric(5.0, 7.0, 2.0).unwrap(), -1.0);
        assert_eq!(sigma_metric(8.0, 1.0, 0.0), None);
        assert_eq!(sigma_metric(f64::NAN, 1.0, 1.0), None);
    }

    #[test]
    fn the_westgard_sigma_rules_scale() {
        use WestgardRule::*;
        let names = |a: &SigmaAdvice| a.rules.iter().map(|r| r.name()).collect::<Vec<_>>();
        let six = advise(6.363_636_363_636_363, 2);
        assert_eq!(six.band, SigmaBand::SixOrMore);
        assert_eq!(
            (names(&six), six.measurements_per_run, six.runs),
            (vec!["1-3s"], 2, 1)
        );
        // The band edges: exactly 6, 5 and 4 belong to the higher band.
        assert_eq!(advise(6.0, 2).band, SigmaBand::SixOrMore);
        let five = advise(5.0, 2);
        assert_eq!(
            (names(&five), five.measurements_per_run),
            (vec!["1-3s", "2-2s", "R-4s"], 2)
        );
        let four = advise(4.999, 2);
        assert_eq!(four.rules, [R13s, R22s, R4s, R41s]);
        assert_eq!((four.measurements_per_run, four.runs), (4, 1));
        assert_eq!(advise(4.0, 2).band, SigmaBand::Four);
        let low = advise(2.782_804_340_948_173_7, 2);
        assert_eq!(names(&low), ["1-3s", "2-2s", "R-4s", "4-1s", "8-x"]);
        assert_eq!((low.measurements_per_run, low.runs), (4, 2));
        // Three levels: 2of3-2s, 3-1s and 6-x take the places of 2-2s, 4-1s and 8-x.
        assert_eq!(
            names(&advise(3.0, 3)),
            ["1-3s", "2of3-2s", "R-4s", "3-1s", "6-x"]
        );
        assert_eq!(names(&advise(5.5, 3)), ["1-3s", "2of3-2s", "R-4s"]);
        assert_eq!(advise(-1.0, 2).band, SigmaBand::BelowFour);
    }
}
