//! Semantic checks of a lab file that serde cannot express: uniqueness, references between
//! sections, ordered limits, LOINC check digits and the time zone.

use std::collections::HashSet;

use super::{LabFile, ResultKind, TestDef};

type Problems = Vec<(String, String)>;

/// Every semantic problem in the file, as `(key path, message)`.
pub(super) fn check(file: &LabFile) -> Problems {
    let mut p = Problems::new();
    if file.lab.name.trim().is_empty() {
        p.push(("lab.name".into(), "must not be empty".into()));
    }
    if let Err(e) = jiff::tz::TimeZone::get(&file.lab.timezone) {
        p.push(("lab.timezone".into(), format!("unknown time zone: {e}")));
    }
    if file.ui.session_idle_minutes == 0 {
        p.push((
            "ui.session_idle_minutes".into(),
            "must be at least 1".into(),
        ));
    }
    if file.ui.session_max_hours == 0 {
        p.push(("ui.session_max_hours".into(), "must be at least 1".into()));
    } else if u64::from(file.ui.session_idle_minutes) > u64::from(file.ui.session_max_hours) * 60 {
        p.push((
            "ui.session_idle_minutes".into(),
            format!(
                "{} minutes is longer than session_max_hours ({} h)",
                file.ui.session_idle_minutes, file.ui.session_max_hours
            ),
        ));
    }
    let mut codes = HashSet::new();
    for (i, t) in file.tests.iter().enumerate() {
        let at = format!("tests[{i}]");
        if t.code.trim().is_empty() || t.code.trim() != t.code {
            p.push((
                format!("{at}.code"),
                "must be non-empty without surrounding spaces".into(),
            ));
        }
        if !codes.insert(t.code.as_str()) {
            p.push((
                format!("{at}.code"),
                format!("duplicate test code {:?}", t.code),
            ));
        }
        check_test(t, &at, &mut p);
    }
    for (i, t) in file.tests.iter().enumerate() {
        for (j, r) in t.reflex.iter().enumerate() {
            for (k, add) in r.add.iter().enumerate() {
                if !codes.contains(add.as_str()) {
                    p.push((
                        format!("tests[{i}].reflex[{j}].add[{k}]"),
                        format!("reflex test {add:?} is not in the catalog"),
                    ));
                }
            }
        }
    }
    let mut ids = HashSet::new();
    for (i, inst) in file.instruments.iter().enumerate() {
        let at = format!("instruments[{i}]");
        if inst.id.trim().is_empty() {
            p.push((format!("{at}.id"), "must not be empty".into()));
        }
        if !ids.insert(inst.id.as_str()) {
            p.push((
                format!("{at}.id"),
                format!("duplicate instrument id {:?}", inst.id),
            ));
        }
        let mut inst_codes = HashSet::new();
        for (j, m) in inst.test_map.iter().enumerate() {
            let at = format!("{at}.test_map[{j}]");
            if m.code.trim().is_empty() {
                p.push((format!("{at}.code"), "must not be empty".into()));
            }
            if !inst_codes.insert(m.code.as_str()) {
                p.push((
                    format!("{at}.code"),
                    format!("instrument code {:?} is mapped twice", m.code),
                ));
            }
            if !codes.contains(m.test.as_str()) {
                p.push((
                    format!("{at}.test"),
                    format!("test {:?} is not in the catalog", m.test),
                ));
            }
            if let Some(f) = m.factor {
                if !(f.is_finite() && f > 0.0) {
                    p.push((
                        format!("{at}.factor"),
                        format!("must be a positive number, got {f}"),
                    ));
                }
            }
        }
    }
    p
}

fn check_test(t: &TestDef, at: &str, p: &mut Problems) {
    if t.name_vi.trim().is_empty() {
        p.push((format!("{at}.name_vi"), "must not be empty".into()));
    }
    if t.name_en.trim().is_empty() {
        p.push((format!("{at}.name_en"), "must not be empty".into()));
    }
    if let Some(loinc) = &t.loinc {
        if let Err(why) = check_loinc(loinc) {
            p.push((format!("{at}.loinc"), why));
        }
    }
    if !t.unit.is_empty() {
        if let Err(e) = ucum::validate(&t.unit) {
            p.push((
                format!("{at}.unit"),
                format!(
                    "{:?} is not a UCUM unit ({e}); write units as UCUM spells them, e.g. \
                     m[IU]/L, umol/L, 10*9/L, mg/dL",
                    t.unit
                ),
            ));
        }
    }
    if t.tat_minutes == Some(0) {
        p.push((format!("{at}.tat_minutes"), "must be at least 1".into()));
    }
    if t.decimals > 6 {
        p.push((
            format!("{at}.decimals"),
            format!("at most 6, got {}", t.decimals),
        ));
    }
    if t.auto_release && !t.autoverify {
        p.push((
            format!("{at}.auto_release"),
            "auto_release needs autoverify = true".into(),
        ));
    }
    match t.kind {
        ResultKind::Numeric => {
            if t.unit.trim().is_empty() && t.section != super::Section::Urinalysis {
                p.push((format!("{at}.unit"), "a numeric test needs a unit".into()));
            }
            if !t.normal_text.is_empty() {
                p.push((
                    format!("{at}.normal_text"),
                    "only text tests have normal texts".into(),
                ));
            }
        }
        ResultKind::Text => {
            if !t.ranges.is_empty() {
                p.push((
                    format!("{at}.ranges"),
                    "a text test has normal_text, not numeric ranges".into(),
                ));
            }
        }
    }
    for (j, r) in t.ranges.iter().enumerate() {
        let at = format!("{at}.ranges[{j}]");
        if let Some(max) = r.age_max_days {
            if max <= r.age_min_days {
                p.push((
                    format!("{at}.age_max_days"),
                    format!(
                        "must be greater than age_min_days ({} <= {})",
                        max, r.age_min_days
                    ),
                ));
            }
        }
        match (r.low, r.high) {
            (None, None) => p.push((at.clone(), "needs low, high or both".into())),
            (Some(l), Some(h)) if l > h => p.push((
                format!("{at}.high"),
                format!("must not be below low ({h} < {l})"),
            )),
            _ => {}
        }
        for (name, v) in [("low", r.low), ("high", r.high)] {
            if v.is_some_and(|v| !v.is_finite()) {
                p.push((format!("{at}.{name}"), "must be a finite number".into()));
            }
        }
    }
    if let (Some(l), Some(h)) = (t.critical_low, t.critical_high) {
        if l >= h {
            p.push((
                format!("{at}.critical_high"),
                format!("must be above critical_low ({h} <= {l})"),
            ));
        }
    }
    if let Some(m) = &t.measurement_range {
        if let (Some(l), Some(h)) = (m.low, m.high) {
            if l >= h {
                p.push((
                    format!("{at}.measurement_range.high"),
                    format!("must be above low ({h} <= {l})"),
                ));
            }
        }
        if m.dilution.is_some_and(|d| d < 2) {
            p.push((
                format!("{at}.measurement_range.dilution"),
                "a dilution factor is at least 2".into(),
            ));
        }
    }
    if let Some(d) = &t.delta {
        if !(d.limit.is_finite() && d.limit > 0.0) {
            p.push((
                format!("{at}.delta.limit"),
                format!("must be a positive number, got {}", d.limit),
            ));
        }
        if d.window_hours == 0 {
            p.push((
                format!("{at}.delta.window_hours"),
                "must be at least 1".into(),
            ));
        }
    }
}

/// Checks a LOINC code's shape (`digits-check`) and its mod-10 check digit.
///
/// LOINC's check digit is the Luhn algorithm over the part before the hyphen: from the right,
/// every other digit starting with the rightmost is doubled (its digits summed), all are added,
/// and the check digit brings the sum to the next multiple of ten.
pub(crate) fn check_loinc(code: &str) -> Result<(), String> {
    let Some((body, check)) = code.split_once('-') else {
        return Err(format!("LOINC {code:?} must look like 12345-6"));
    };
    if body.is_empty()
        || body.len() > 7
        || !body.bytes().all(|b| b.is_ascii_digit())
        || check.len() != 1
        || !check.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(format!("LOINC {code:?} must look like 12345-6"));
    }
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                x / 10 + x % 10
            } else {
                d
            }
        })
        .sum();
    let expected = (10 - sum % 10) % 10;
    let got = check.bytes().next().map_or(99, |b| u32::from(b - b'0'));
    if got == expected {
        Ok(())
    } else {
        Err(format!(
            "LOINC {code:?} has check digit {got}, expected {expected}"
        ))
    }
}
