//! The report's pages: what goes on which page, by the paper's budget.

use super::*;

fn row(name: &str) -> ReportItem {
    ReportItem::Row(ReportRow {
        test_name: name.to_owned(),
        value: String::from("5.2"),
        unit: String::from("mmol/L"),
        range: String::from("3.9-6.4"),
        flags: String::new(),
        abnormal: false,
        who: String::from("Performed: DEMO-CHEM · Verified: B · Released: C"),
        correction: None,
        callbacks: Vec::new(),
        antibiogram: None,
    })
}

fn report(sections: &[(&str, usize)]) -> Vec<ReportItem> {
    let mut items = Vec::new();
    for (name, rows) in sections {
        items.push(ReportItem::Section((*name).to_owned()));
        for i in 0..*rows {
            items.push(row(&format!("{name} test {i}")));
        }
    }
    items.push(ReportItem::Signatures(SignOff::default()));
    items
}

fn rows_on(sheet: &Sheet) -> usize {
    sheet.groups.iter().map(|g| g.rows.len()).sum()
}

#[test]
fn a_short_report_is_one_page_with_the_sign_off() {
    let sheets = paginate(report(&[("CHEMISTRY", 5)]), Paper::A4, 1);
    assert_eq!(sheets.len(), 1);
    assert!(sheets[0].first);
    assert_eq!(rows_on(&sheets[0]), 5);
    assert!(sheets[0].signatures.is_some());
}

#[test]
fn rows_fill_each_page_to_its_budget_and_nothing_is_lost() {
    for paper in [Paper::A4, Paper::A5] {
        let budget = Budget::of(paper);
        let sheets = paginate(report(&[("HAEMATOLOGY", 24), ("CHEMISTRY", 30)]), paper, 1);
        assert!(sheets.len() >= 2, "{paper:?}");
        assert_eq!(sheets.iter().map(rows_on).sum::<usize>(), 54);
        for (i, s) in sheets.iter().enumerate() {
            assert_eq!(s.number, i + 1);
            let room = if s.first {
                budget.first_body
            } else {
                budget.body
            };
            let used: f64 = s
                .groups
                .iter()
                .map(|g| budget.heading + g.rows.iter().map(|r| budget.row(r)).sum::<f64>())
                .sum::<f64>()
                + s.signatures.as_ref().map_or(0.0, |_| budget.signatures);
            assert!(
                used <= room + 1e-9,
                "{paper:?} page {}: {used} > {room}",
                s.number
            );
        }
        // The sign-off is whole, once, on the last page.
        assert_eq!(sheets.iter().filter(|s| s.signatures.is_some()).count(), 1);
        assert!(sheets.last().unwrap().signatures.is_some());
    }
}

#[test]
fn a_section_going_on_is_headed_again_and_no_heading_is_left_alone() {
    let sheets = paginate(report(&[("HAEMATOLOGY", 60)]), Paper::A5, 1);
    for s in &sheets {
        for g in &s.groups {
            assert_eq!(g.heading, "HAEMATOLOGY");
            assert!(
                !g.rows.is_empty(),
                "a heading without rows on page {}",
                s.number
            );
        }
    }
    // A heading that would end a page goes to the next one with its first row.
    let budget = Budget::of(Paper::A4);
    let fit = ((budget.first_body - budget.heading)
        / budget.row(&match row("x") {
            ReportItem::Row(r) => r,
            _ => unreachable!(),
        }))
    .floor() as usize;
    let sheets = paginate(report(&[("A", fit), ("B", 1)]), Paper::A4, 1);
    assert_eq!(sheets[0].groups.len(), 1, "B's heading moved to page 2");
    assert_eq!(sheets[1].groups[0].heading, "B");
}

#[test]
fn a_long_name_or_a_correction_takes_more_room() {
    let budget = Budget::of(Paper::A5);
    let ReportItem::Row(mut r) = row("GLU") else {
        unreachable!()
    };
    let short = budget.row(&r);
    r.test_name = "Glucose (fasting, venous plasma, hexokinase method)".to_owned();
    let long = budget.row(&r);
    assert!(long >= short + 2.0 * budget.row_line);
    r.correction = Some("CORRECTED at 07/12/2026 10:00: replaces the result 30".to_owned());
    assert!(budget.row(&r) > long);
}

#[test]
fn more_tubes_leave_less_room_on_the_first_page() {
    let one = paginate(report(&[("A", 40)]), Paper::A4, 1);
    let five = paginate(report(&[("A", 40)]), Paper::A4, 5);
    assert!(rows_on(&five[0]) < rows_on(&one[0]));
}

#[test]
fn an_antibiogram_counts_one_printed_row_per_antibiotic_and_its_heading() {
    use lis_core::model::{Isolate, Susceptibility};

    let ReportItem::Row(plain) = row("Organism identified") else {
        panic!("a row")
    };
    let isolate = Isolate {
        label: String::from("A"),
        organism_code: String::from("E.COL"),
        organism_name: String::from("Escherichia coli"),
        susceptibilities: (0..20)
            .map(|i| Susceptibility {
                antibiotic_code: format!("AB{i}"),
                mic: String::from("<=8.0000"),
                ..Susceptibility::default()
            })
            .collect(),
    };
    let with = ReportRow {
        antibiogram: Some(Box::new(crate::ui::antibiogram::antibiogram(
            &isolate,
            crate::ui::i18n::Lang::En,
        ))),
        ..plain.clone()
    };
    let budget = Budget::of(Paper::A4);
    let extra = budget.row(&with) - budget.row(&plain);
    assert!((extra - 21.0 * budget.row_line).abs() < 1e-9, "{extra}");
}
