//! The label's bars read back to the specimen id with a Code 128 decoder written here from the
//! symbology's specification (ISO/IEC 15417): element widths in modules, six elements per
//! symbol (seven for STOP), each symbol's value from the specification's pattern table, the
//! check symbol (start value plus each data value times its position, modulo 103), and the
//! characters of code sets A, B and C.

use super::*;

/// ISO/IEC 15417 Table 1: the bar and space widths of symbol values 0 to 105, and STOP.
const PATTERNS: [&str; 107] = [
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
    "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
    "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
    "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
    "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
    "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
    "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
    "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
    "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
];
const START_A: usize = 103;
const START_B: usize = 104;
const START_C: usize = 105;
const STOP: usize = 106;

/// The bars of the label's SVG as (x, width) in millimetres, left to right.
fn bars(svg: &str) -> Vec<(f64, f64)> {
    let group = svg
        .split("<g class=\"bars\"")
        .nth(1)
        .and_then(|rest| rest.split("</g>").next())
        .expect("a bars group");
    let attr = |rect: &str, name: &str| -> f64 {
        rect.split(&format!(" {name}=\""))
            .nth(1)
            .and_then(|v| v.split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} of {rect}"))
    };
    group
        .split("<rect")
        .skip(1)
        .map(|rect| (attr(rect, "x"), attr(rect, "width")))
        .collect()
}

/// Bar and space widths in modules: the narrowest bar is one module.
fn element_widths(bars: &[(f64, f64)]) -> Vec<usize> {
    let module = bars.iter().map(|b| b.1).fold(f64::INFINITY, f64::min);
    let mut widths = Vec::new();
    for (i, (x, w)) in bars.iter().enumerate() {
        widths.push((w / module).round() as usize);
        if let Some((next_x, _)) = bars.get(i + 1) {
            widths.push(((next_x - x - w) / module).round() as usize);
        }
    }
    widths
}

/// Decodes element widths to the data, checking the check symbol.
fn decode(widths: &[usize]) -> Result<String, String> {
    let mut values = Vec::new();
    let mut at = 0;
    while at < widths.len() {
        let take = if widths.len() - at == 7 { 7 } else { 6 };
        let pattern: String = widths[at..at + take]
            .iter()
            .map(|w| char::from(b'0' + *w as u8))
            .collect();
        let value = PATTERNS
            .iter()
            .position(|p| *p == pattern)
            .ok_or_else(|| format!("no symbol has the widths {pattern}"))?;
        values.push(value);
        at += take;
    }
    if values.last() != Some(&STOP) {
        return Err(String::from("no STOP symbol"));
    }
    let start = values[0];
    let data = &values[1..values.len() - 2];
    let check = values[values.len() - 2];
    let sum = start
        + data
            .iter()
            .enumerate()
            .map(|(i, v)| (i + 1) * v)
            .sum::<usize>();
    if sum % 103 != check {
        return Err(format!("check symbol {check}, computed {}", sum % 103));
    }
    let mut set = match start {
        START_A => 'A',
        START_B => 'B',
        START_C => 'C',
        other => return Err(format!("starts with symbol {other}, not a START")),
    };
    let mut out = String::new();
    for &v in data {
        match (set, v) {
            ('C', 0..=99) => out.push_str(&format!("{v:02}")),
            ('A' | 'B', 0..=63) => out.push(char::from(32 + v as u8)),
            ('A', 64..=95) => out.push(char::from(v as u8 - 64)),
            ('B', 64..=95) => out.push(char::from(32 + v as u8)),
            (_, 99) => set = 'C',
            ('A' | 'C', 100) => set = 'B',
            ('B' | 'C', 101) => set = 'A',
            (_, other) => return Err(format!("symbol {other} in code set {set} is not handled")),
        }
    }
    Ok(out)
}

fn facts(id: &str) -> LabelFacts {
    LabelFacts {
        specimen_id: id.to_owned(),
        patient_name: String::from("NGUYỄN VĂN AN"),
        sex_age: String::from("Nam, 45 tuổi"),
        tube: String::from("serum"),
        date: String::from("07/12/2026"),
    }
}

#[test]
fn the_pattern_table_is_the_specification_s() {
    // Every symbol is 11 modules wide (STOP 13), its bars add up to an even number of modules,
    // and no two symbols look alike.
    for (value, p) in PATTERNS.iter().enumerate() {
        let widths: Vec<u32> = p.bytes().map(|b| u32::from(b - b'0')).collect();
        let total: u32 = widths.iter().sum();
        assert_eq!(total, if value == STOP { 13 } else { 11 }, "symbol {value}");
        let bars: u32 = widths.iter().step_by(2).sum();
        assert_eq!(bars % 2, 0, "symbol {value}: bars are not even");
    }
    let mut sorted = PATTERNS.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), PATTERNS.len());
}

#[test]
fn the_bars_read_back_to_the_specimen_id() {
    for id in ["S26-000123", "2512070001", "HN.240001/b", "X"] {
        let svg = label_svg(&facts(id)).unwrap();
        let widths = element_widths(&bars(&svg));
        assert_eq!(decode(&widths), Ok(id.to_owned()), "{svg}");
    }
}

#[test]
fn a_damaged_bar_fails_the_check_symbol_or_the_table() {
    let svg = label_svg(&facts("S26-000123")).unwrap();
    let mut widths = element_widths(&bars(&svg));
    // Widen the first data symbol's first bar and narrow its next space: still 11 modules.
    widths[6] += 1;
    widths[7] -= 1;
    assert!(decode(&widths).is_err());
}

#[test]
fn the_label_is_50_by_25_mm_with_quiet_zones_and_the_id_in_text() {
    let svg = label_svg(&facts("S26-000123")).unwrap();
    assert!(svg.contains("width=\"50mm\" height=\"25mm\" viewBox=\"0 0 50 25\""));
    let b = bars(&svg);
    let module = b.iter().map(|x| x.1).fold(f64::INFINITY, f64::min);
    let first = b[0].0;
    let (last_x, last_w) = b[b.len() - 1];
    // Ten modules of white before the first bar and after the last, inside the label.
    assert!(first - 10.0 * module >= 0.99, "left quiet zone");
    assert!(last_x + last_w + 10.0 * module <= 49.01, "right quiet zone");
    // A module of at least 0.25 mm: two dots of a 203 dpi printer.
    assert!(module >= 0.25, "module {module} mm");
    assert!(svg.contains(">S26-000123</text>"));
    assert!(svg.contains(">NGUYỄN VĂN AN</text>"));
    assert!(svg.contains("Nam, 45 tuổi · serum · 07/12/2026"));
}

#[test]
fn text_is_escaped_and_an_id_outside_latin_1_is_refused() {
    let mut f = facts("S1");
    f.patient_name = String::from("A <b> & \"C\"");
    let svg = label_svg(&f).unwrap();
    assert!(svg.contains("A &lt;b&gt; &amp; &quot;C&quot;"));
    assert!(!svg.contains("<b>"));
    assert_eq!(
        label_svg(&facts("Mẫu1")),
        Err(NotEncodable(String::from("Mẫu1")))
    );
}
