//! The `[qc]` section: control materials, lots, levels and targets, the Westgard rules per test,
//! the run window, and each instrument's QC specimen-id pattern.
//!
//! ```toml
//! [qc]
//! run_window_minutes = 30        # QC results of one instrument and test this close form a run
//! screen_12s = false             # the classic 1-2s screen (off: every rule on every run)
//! # rules = ["1-2s", "1-3s", ...] # the rules of tests without their own [[qc.tests]]
//!
//! [[qc.materials]]
//! name = "Demo Chemistry Control"
//! instruments = ["DEMO-CHEM"]
//!
//! [[qc.materials.lots]]
//! lot = "DC-2026"
//! expiry = 2027-12-31            # or "2027-12-31"
//!
//! [[qc.materials.lots.levels]]
//! level = 1
//! targets = [{ test = "GLU", mean = 5.50, sd = 0.20, units = "mmol/L" }]
//!
//! [[qc.tests]]
//! test = "GLU"
//! rules = ["1-2s", "1-3s", "2-2s", "R-4s", "4-1s", "10-x"]
//! tea_percent = 8.0              # allowable total error, for the sigma advice
//! bias_percent = 1.5             # from EQA, for the sigma advice
//! ```
//!
//! A target may name one `instrument` of its material (it then wins over the material-wide one
//! there) and its `source` (`manufacturer`, the default, or `lab`). Every problem is a
//! configuration error with its key path: an SD of zero or below, a missing target (a test with
//! a target at one level of a lot and none at another), an unknown rule, test or instrument, a
//! test the instrument does not perform, a unit other than the catalog's, a rule set that can
//! never reject (only 1-2s). Nothing is skipped silently.

use std::collections::{BTreeSet, HashMap, HashSet};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::{InstrumentDef, ResultKind, TestDef};
use crate::qc::model::{
    QcLevel, QcLot, QcMaterial, QcRuleSet, QcTarget, QcTestTarget, TargetSource, WestgardRule,
    MAX_LEVEL,
};
use crate::qc::pattern::QcSpecimenPattern;

type Problems = Vec<(String, String)>;

/// The run window when `[qc] run_window_minutes` is not written.
pub const DEFAULT_RUN_WINDOW_MINUTES: u32 = 30;

/// The longest run window accepted: a day. QC results further apart are different runs.
pub const MAX_RUN_WINDOW_MINUTES: u32 = 24 * 60;

/// `[qc]` as written.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct QcFile {
    run_window_minutes: Option<u32>,
    #[serde(default)]
    screen_12s: bool,
    rules: Option<Vec<String>>,
    #[serde(default)]
    materials: Vec<MaterialFile>,
    #[serde(default)]
    tests: Vec<TestRulesFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MaterialFile {
    name: String,
    #[serde(default)]
    instruments: Vec<String>,
    #[serde(default)]
    lots: Vec<LotFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LotFile {
    lot: String,
    expiry: toml::Value,
    #[serde(default)]
    levels: Vec<LevelFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelFile {
    level: i64,
    #[serde(default)]
    targets: Vec<TargetFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetFile {
    test: String,
    instrument: Option<String>,
    mean: f64,
    sd: f64,
    units: Option<String>,
    #[serde(default)]
    source: TargetSource,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestRulesFile {
    test: String,
    rules: Option<Vec<String>>,
    screen_12s: Option<bool>,
    bias_percent: Option<f64>,
    tea_percent: Option<f64>,
}

/// The QC settings of one test (`[[qc.tests]]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QcTestSettings {
    /// The LIS test code.
    pub test: String,
    /// The test's own rules, if it names them.
    pub rules: Option<Vec<WestgardRule>>,
    /// The test's own 1-2s screen setting, if it names one.
    pub screen_12s: Option<bool>,
    /// The method's bias in percent (from EQA), for the sigma advice.
    pub bias_percent: Option<f64>,
    /// The allowable total error in percent, for the sigma advice.
    pub tea_percent: Option<f64>,
}

/// The validated `[qc]` section. The default is a lab without QC: no materials, a
/// [`DEFAULT_RUN_WINDOW_MINUTES`] window, the screen off.
#[derive(Debug, Clone, PartialEq)]
pub struct QcConfig {
    /// QC results of one instrument and test at most this many minutes apart form one run.
    pub run_window_minutes: u32,
    /// The 1-2s screen for tests that do not set their own.
    pub screen_12s: bool,
    /// `[qc] rules`: the rules of tests without their own; none: the Westgard multirule for
    /// their number of levels ([`QcRuleSet::two_levels`], [`QcRuleSet::three_levels`]).
    pub rules: Option<Vec<WestgardRule>>,
    /// The control materials, in file order.
    pub materials: Vec<QcMaterial>,
    /// `[[qc.tests]]`, in file order.
    pub tests: Vec<QcTestSettings>,
    specimen_patterns: Vec<(String, QcSpecimenPattern)>,
}

impl Default for QcConfig {
    fn default() -> Self {
        Self {
            run_window_minutes: DEFAULT_RUN_WINDOW_MINUTES,
            screen_12s: false,
            rules: None,
            materials: Vec::new(),
            tests: Vec::new(),
            specimen_patterns: Vec::new(),
        }
    }
}

impl QcConfig {
    /// The rules `test` is judged by: its own, else `[qc] rules`, else the Westgard multirule
    /// for the most levels any of its lots has; the 1-2s screen likewise.
    pub fn rules_for(&self, test: &str) -> QcRuleSet {
        let own = self.test_settings(test);
        let screen_12s = own.and_then(|t| t.screen_12s).unwrap_or(self.screen_12s);
        let rules = own
            .and_then(|t| t.rules.clone())
            .or_else(|| self.rules.clone());
        match rules {
            Some(rules) => QcRuleSet { rules, screen_12s },
            None => {
                let base = if self.most_levels(test) >= 3 {
                    QcRuleSet::three_levels()
                } else {
                    QcRuleSet::two_levels()
                };
                QcRuleSet { screen_12s, ..base }
            }
        }
    }

    /// The `[[qc.tests]]` entry of `test`.
    pub fn test_settings(&self, test: &str) -> Option<&QcTestSettings> {
        self.tests.iter().find(|t| t.test == test)
    }

    /// The material and lot with this lot number on `instrument`.
    pub fn lot<'a>(&'a self, instrument: &str, lot: &str) -> Option<(&'a QcMaterial, &'a QcLot)> {
        self.materials_on(instrument)
            .flat_map(|m| m.lots.iter().map(move |l| (m, l)))
            .find(|(_, l)| l.lot == lot.trim())
    }

    /// The target of `test` at `level` of `lot` on `instrument`.
    pub fn target(
        &self,
        instrument: &str,
        test: &str,
        lot: &str,
        level: u8,
    ) -> Option<&QcTestTarget> {
        self.lot(instrument, lot)?
            .1
            .level(level)?
            .target(instrument, test)
    }

    /// The lot in use for `test` at `level` on `instrument` on `day`, for QC results that carry
    /// no lot number (recognized by their specimen id): the last lot in the file that is not
    /// expired and has a target for it.
    pub fn lot_in_use<'a>(
        &'a self,
        instrument: &str,
        test: &str,
        level: u8,
        day: Date,
    ) -> Option<(&'a QcMaterial, &'a QcLot)> {
        self.materials_on(instrument)
            .flat_map(|m| m.lots.iter().map(move |l| (m, l)))
            .filter(|(_, l)| !l.is_expired(day))
            .filter(|(_, l)| {
                l.level(level)
                    .and_then(|lv| lv.target(instrument, test))
                    .is_some()
            })
            .last()
    }

    /// Whether QC is defined for `test` on `instrument` (some lot has a target for it).
    pub fn has_qc(&self, instrument: &str, test: &str) -> bool {
        self.materials_on(instrument).any(|m| {
            m.lots.iter().any(|l| {
                l.levels
                    .iter()
                    .any(|lv| lv.target(instrument, test).is_some())
            })
        })
    }

    /// Every instrument and test with QC defined, sorted, each once.
    pub fn instrument_tests(&self) -> Vec<(&str, &str)> {
        let mut out = BTreeSet::new();
        for m in &self.materials {
            for inst in &m.instruments {
                for l in &m.lots {
                    for lv in &l.levels {
                        for t in &lv.targets {
                            if t.instrument.as_deref().is_none_or(|i| i == inst) {
                                out.insert((inst.as_str(), t.test.as_str()));
                            }
                        }
                    }
                }
            }
        }
        out.into_iter().collect()
    }

    /// The QC specimen-id pattern of `instrument` (`[[instruments]] qc_specimen_pattern`).
    pub fn specimen_pattern(&self, instrument: &str) -> Option<&QcSpecimenPattern> {
        self.specimen_patterns
            .iter()
            .find(|(id, _)| id == instrument)
            .map(|(_, p)| p)
    }

    fn materials_on<'a, 'b>(
        &'a self,
        instrument: &'b str,
    ) -> impl Iterator<Item = &'a QcMaterial> + use<'a, 'b> {
        self.materials
            .iter()
            .filter(move |m| m.instruments.iter().any(|i| i == instrument))
    }

    fn most_levels(&self, test: &str) -> usize {
        self.materials
            .iter()
            .flat_map(|m| &m.lots)
            .map(|l| {
                l.levels
                    .iter()
                    .filter(|lv| lv.targets.iter().any(|t| t.test == test))
                    .count()
            })
            .max()
            .unwrap_or(0)
    }
}

/// Reads `[qc]` item by item, so one bad material does not hide the problems of the next.
pub(super) fn deserialize(table: &toml::Table, problems: &mut Problems) -> QcFile {
    let Some(value) = table.get("qc") else {
        return QcFile::default();
    };
    let Some(qc) = value.as_table() else {
        problems.push(("qc".into(), "expected a table".into()));
        return QcFile::default();
    };
    let mut scalars = qc.clone();
    let materials = scalars.remove("materials");
    let tests = scalars.remove("tests");
    let mut file = match toml::Value::Table(scalars).try_into::<QcFile>() {
        Ok(f) => f,
        Err(e) => {
            problems.push(super::locate::refine("qc", e.message()));
            QcFile::default()
        }
    };
    file.materials = items(materials.as_ref(), "qc.materials", problems);
    file.tests = items(tests.as_ref(), "qc.tests", problems);
    file
}

fn items<T: serde::de::DeserializeOwned>(
    value: Option<&toml::Value>,
    path: &str,
    problems: &mut Problems,
) -> Vec<T> {
    let Some(value) = value else {
        return Vec::new();
    };
    let Some(array) = value.as_array() else {
        problems.push((path.to_owned(), "expected an array of tables".into()));
        return Vec::new();
    };
    let mut out = Vec::with_capacity(array.len());
    for (i, item) in array.iter().enumerate() {
        match item.clone().try_into::<T>() {
            Ok(v) => out.push(v),
            Err(e) => problems.push(super::locate::refine(&format!("{path}[{i}]"), e.message())),
        }
    }
    out
}

/// Checks `[qc]` and the instruments' QC patterns against the catalog and instruments, and
/// builds the typed section; with problems, what is returned must not be used.
pub(super) fn build(
    file: &QcFile,
    tests: &[TestDef],
    instruments: &[InstrumentDef],
    p: &mut Problems,
) -> QcConfig {
    let catalog: HashMap<&str, &TestDef> = tests.iter().map(|t| (t.code.as_str(), t)).collect();
    let by_id: HashMap<&str, &InstrumentDef> =
        instruments.iter().map(|i| (i.id.as_str(), i)).collect();
    let run_window_minutes = file
        .run_window_minutes
        .unwrap_or(DEFAULT_RUN_WINDOW_MINUTES);
    if !(1..=MAX_RUN_WINDOW_MINUTES).contains(&run_window_minutes) {
        p.push((
            "qc.run_window_minutes".into(),
            format!("must be 1 to {MAX_RUN_WINDOW_MINUTES} minutes, got {run_window_minutes}"),
        ));
    }
    let rules = file
        .rules
        .as_ref()
        .map(|names| rule_list(names, "qc.rules", p));
    let materials: Vec<QcMaterial> = file
        .materials
        .iter()
        .enumerate()
        .map(|(i, m)| material(m, &format!("qc.materials[{i}]"), &catalog, &by_id, p))
        .collect();
    let mut names = HashSet::new();
    let mut lots_on: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, m) in materials.iter().enumerate() {
        if !names.insert(m.name.as_str()) {
            p.push((
                format!("qc.materials[{i}].name"),
                format!("duplicate material {:?}", m.name),
            ));
        }
        for (j, l) in m.lots.iter().enumerate() {
            for inst in &m.instruments {
                if let Some(other) = lots_on.insert((inst.as_str(), l.lot.as_str()), i) {
                    if other != i {
                        p.push((
                            format!("qc.materials[{i}].lots[{j}].lot"),
                            format!(
                                "lot {:?} is also a lot of {:?} on {inst}: a QC result could \
                                 not tell which",
                                l.lot, materials[other].name
                            ),
                        ));
                    }
                }
            }
        }
    }
    let mut settings = Vec::new();
    let mut seen = HashSet::new();
    for (i, t) in file.tests.iter().enumerate() {
        let at = format!("qc.tests[{i}]");
        if !catalog.contains_key(t.test.as_str()) {
            p.push((
                format!("{at}.test"),
                format!("test {:?} is not in the catalog", t.test),
            ));
        } else if !materials
            .iter()
            .flat_map(|m| &m.lots)
            .flat_map(|l| &l.levels)
            .any(|lv| lv.targets.iter().any(|x| x.test == t.test))
        {
            p.push((
                format!("{at}.test"),
                format!(
                    "no QC target for {:?} in any [[qc.materials]]: its rules could judge nothing",
                    t.test
                ),
            ));
        }
        if !seen.insert(t.test.as_str()) {
            p.push((
                format!("{at}.test"),
                format!("{:?} has QC settings twice", t.test),
            ));
        }
        let own = t
            .rules
            .as_ref()
            .map(|names| rule_list(names, &format!("{at}.rules"), p));
        percent(t.bias_percent, &format!("{at}.bias_percent"), false, p);
        percent(t.tea_percent, &format!("{at}.tea_percent"), true, p);
        settings.push(QcTestSettings {
            test: t.test.clone(),
            rules: own,
            screen_12s: t.screen_12s,
            bias_percent: t.bias_percent,
            tea_percent: t.tea_percent,
        });
    }
    let mut specimen_patterns = Vec::new();
    for (i, inst) in instruments.iter().enumerate() {
        if let Some(text) = &inst.qc_specimen_pattern {
            match QcSpecimenPattern::parse(text) {
                Ok(pattern) => specimen_patterns.push((inst.id.clone(), pattern)),
                Err(e) => p.push((
                    format!("instruments[{i}].qc_specimen_pattern"),
                    format!("{text:?}: {e}"),
                )),
            }
        }
    }
    QcConfig {
        run_window_minutes,
        screen_12s: file.screen_12s,
        rules,
        materials,
        tests: settings,
        specimen_patterns,
    }
}

/// Reads rule names; an unknown or repeated name, an empty list or one that can only warn is a
/// problem.
fn rule_list(names: &[String], at: &str, p: &mut Problems) -> Vec<WestgardRule> {
    let mut rules = Vec::new();
    for (k, name) in names.iter().enumerate() {
        match name.parse::<WestgardRule>() {
            Ok(rule) if rules.contains(&rule) => {
                p.push((format!("{at}[{k}]"), format!("{rule} is listed twice")));
            }
            Ok(rule) => rules.push(rule),
            Err(e) => p.push((format!("{at}[{k}]"), e.to_string())),
        }
    }
    if names.is_empty() {
        p.push((at.to_owned(), "needs at least one rule".into()));
    } else if !rules.is_empty() && rules.iter().all(|r| r.is_warning()) {
        p.push((
            at.to_owned(),
            "1-2s only warns: with no rejecting rule a run could never be rejected".into(),
        ));
    }
    rules
}

fn percent(value: Option<f64>, at: &str, positive: bool, p: &mut Problems) {
    let Some(v) = value else { return };
    if !v.is_finite() || (positive && v <= 0.0) || v.abs() >= 100.0 {
        let what = if positive {
            "above 0 and below 100"
        } else {
            "between -100 and 100"
        };
        p.push((at.to_owned(), format!("must be {what} (percent), got {v}")));
    }
}

fn material(
    m: &MaterialFile,
    at: &str,
    catalog: &HashMap<&str, &TestDef>,
    instruments: &HashMap<&str, &InstrumentDef>,
    p: &mut Problems,
) -> QcMaterial {
    if m.name.trim().is_empty() {
        p.push((format!("{at}.name"), "must not be empty".into()));
    }
    if m.instruments.is_empty() {
        p.push((
            format!("{at}.instruments"),
            "name the instruments this material is run on".into(),
        ));
    }
    for (k, id) in m.instruments.iter().enumerate() {
        if !instruments.contains_key(id.as_str()) {
            p.push((
                format!("{at}.instruments[{k}]"),
                format!("instrument {id:?} is not in [[instruments]]"),
            ));
        }
    }
    if m.lots.is_empty() {
        p.push((
            format!("{at}.lots"),
            "a material needs at least one lot".into(),
        ));
    }
    let mut lot_numbers = HashSet::new();
    let lots = m
        .lots
        .iter()
        .enumerate()
        .map(|(j, l)| {
            let at = format!("{at}.lots[{j}]");
            if l.lot.trim().is_empty() || l.lot.trim() != l.lot {
                p.push((
                    format!("{at}.lot"),
                    "must be non-empty without surrounding spaces".into(),
                ));
            }
            if !lot_numbers.insert(l.lot.as_str()) {
                p.push((format!("{at}.lot"), format!("duplicate lot {:?}", l.lot)));
            }
            lot(l, &at, m, catalog, instruments, p)
        })
        .collect();
    QcMaterial {
        name: m.name.clone(),
        instruments: m.instruments.clone(),
        lots,
    }
}

fn lot(
    l: &LotFile,
    at: &str,
    m: &MaterialFile,
    catalog: &HashMap<&str, &TestDef>,
    instruments: &HashMap<&str, &InstrumentDef>,
    p: &mut Problems,
) -> QcLot {
    let expiry = expiry_date(&l.expiry).unwrap_or_else(|why| {
        p.push((format!("{at}.expiry"), why));
        Date::MIN
    });
    if l.levels.is_empty() {
        p.push((
            format!("{at}.levels"),
            "a lot needs at least one level".into(),
        ));
    }
    let mut numbers = HashSet::new();
    let mut levels = Vec::new();
    for (k, lv) in l.levels.iter().enumerate() {
        let at = format!("{at}.levels[{k}]");
        let number = match u8::try_from(lv.level) {
            Ok(n) if (1..=MAX_LEVEL).contains(&n) => n,
            _ => {
                p.push((
                    format!("{at}.level"),
                    format!("must be 1 to {MAX_LEVEL}, got {}", lv.level),
                ));
                continue;
            }
        };
        if !numbers.insert(number) {
            p.push((format!("{at}.level"), format!("duplicate level {number}")));
        }
        if lv.targets.is_empty() {
            p.push((format!("{at}.targets"), "a level needs its targets".into()));
        }
        let mut pairs = HashSet::new();
        let targets = lv
            .targets
            .iter()
            .enumerate()
            .map(|(t, x)| {
                let at = format!("{at}.targets[{t}]");
                if !pairs.insert((x.test.as_str(), x.instrument.as_deref())) {
                    p.push((
                        format!("{at}.test"),
                        format!("{:?} has two targets at level {number}", x.test),
                    ));
                }
                target(x, &at, m, catalog, instruments, p)
            })
            .collect();
        levels.push(QcLevel {
            level: number,
            targets,
        });
    }
    levels.sort_by_key(|lv| lv.level);
    let built = QcLot {
        lot: l.lot.clone(),
        expiry,
        levels,
    };
    missing_targets(&built, at, l, m, catalog, p);
    built
}

/// A catalog test with a target at one level of the lot (on an instrument) needs one at every
/// level; each missing one is reported once, naming the instruments without it.
fn missing_targets(
    lot: &QcLot,
    at: &str,
    file: &LotFile,
    m: &MaterialFile,
    catalog: &HashMap<&str, &TestDef>,
    p: &mut Problems,
) {
    let tests: BTreeSet<&str> = lot
        .levels
        .iter()
        .flat_map(|lv| lv.targets.iter().map(|t| t.test.as_str()))
        .filter(|t| catalog.contains_key(t))
        .collect();
    for test in tests {
        for lv in &lot.levels {
            let mut without = Vec::new();
            let mut with_level = None;
            for inst in &m.instruments {
                let has = |l: &QcLevel| l.target(inst, test).is_some();
                match lot.levels.iter().find(|l| has(l)) {
                    Some(with) if !has(lv) => {
                        without.push(inst.as_str());
                        with_level = Some(with.level);
                    }
                    _ => {}
                }
            }
            let Some(with) = with_level else { continue };
            let k = file
                .levels
                .iter()
                .position(|f| f.level == i64::from(lv.level))
                .unwrap_or(0);
            p.push((
                format!("{at}.levels[{k}].targets"),
                format!(
                    "missing target: {test} has one at level {with} but none at level {} (on {})",
                    lv.level,
                    without.join(", ")
                ),
            ));
        }
    }
}

fn target(
    x: &TargetFile,
    at: &str,
    m: &MaterialFile,
    catalog: &HashMap<&str, &TestDef>,
    instruments: &HashMap<&str, &InstrumentDef>,
    p: &mut Problems,
) -> QcTestTarget {
    if !(x.mean.is_finite()) {
        p.push((format!("{at}.mean"), "must be a finite number".into()));
    }
    if !(x.sd.is_finite() && x.sd > 0.0) {
        p.push((
            format!("{at}.sd"),
            format!(
                "must be above zero, got {}: an SD of zero or below cannot judge a QC result",
                x.sd
            ),
        ));
    }
    let test = catalog.get(x.test.as_str());
    let mut units = x.units.clone().unwrap_or_default();
    match test {
        None => p.push((
            format!("{at}.test"),
            format!("test {:?} is not in the catalog", x.test),
        )),
        Some(t) if t.kind == ResultKind::Text => p.push((
            format!("{at}.test"),
            format!(
                "{:?} is a text test: QC targets need a numeric test",
                x.test
            ),
        )),
        Some(t) => {
            match &x.units {
                Some(u) if u != &t.unit => p.push((
                    format!("{at}.units"),
                    format!(
                        "{u:?} is not {}'s catalog unit {:?}: QC values are compared in the \
                         catalog unit",
                        t.code, t.unit
                    ),
                )),
                Some(_) => {}
                None => units = t.unit.clone(),
            }
            let on: Vec<&String> = match &x.instrument {
                Some(id) => vec![id],
                None => m.instruments.iter().collect(),
            };
            for id in on {
                match instruments.get(id.as_str()) {
                    Some(inst) if !inst.test_map.iter().any(|e| e.test == t.code) => p.push((
                        format!("{at}.test"),
                        format!(
                            "instrument {id} does not perform {} (not in its test_map)",
                            t.code
                        ),
                    )),
                    _ => {}
                }
            }
        }
    }
    if let Some(id) = &x.instrument {
        if !m.instruments.contains(id) {
            p.push((
                format!("{at}.instrument"),
                format!("{id:?} is not one of this material's instruments"),
            ));
        }
    }
    QcTestTarget {
        test: x.test.clone(),
        instrument: x.instrument.clone(),
        units,
        target: QcTarget {
            mean: x.mean,
            sd: x.sd,
            source: x.source,
        },
    }
}

/// An expiry written as a TOML date (`2027-12-31`) or a string (`"2027-12-31"`).
fn expiry_date(value: &toml::Value) -> Result<Date, String> {
    let text = match value {
        toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => d.to_string(),
        toml::Value::String(s) => s.trim().to_owned(),
        other => {
            return Err(format!(
                "expected a date yyyy-mm-dd, got {}",
                other.type_str()
            ))
        }
    };
    text.parse::<Date>()
        .ok()
        .filter(|_| text.len() == 10)
        .ok_or_else(|| format!("{text:?} is not a date yyyy-mm-dd"))
}

#[cfg(test)]
#[path = "qc_tests.rs"]
mod tests;
