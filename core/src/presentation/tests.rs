//! Expected strings are written by hand from HL7 v2.5.1 (OBX-7 §7.4.2.7, tables 0038 and 0487),
//! UCUM, and the default lab catalog.

use jiff::Timestamp;

use super::*;
use crate::config::LabConfig;
use crate::model::{OrderedTest, Priority, Sex, TestOrigin};

fn result(value: &str, kind: &str, numeric: Option<f64>) -> LabResult {
    LabResult {
        id: 1,
        ordered_test_id: 1,
        order_id: 1,
        specimen_id: String::from("S1"),
        test_code: String::from("GLU"),
        version: 1,
        value_sent: value.to_owned(),
        value: value.to_owned(),
        numeric,
        value_kind: kind.to_owned(),
        unit: String::from("mmol/L"),
        flags: Vec::new(),
        instrument_flags: Vec::new(),
        instrument: String::from("DEMO-CHEM"),
        operator: String::new(),
        observed_at: None,
        received_at: Timestamp::UNIX_EPOCH,
        state: ResultState::Released,
        reported: true,
        corrects: None,
        journal_id: None,
        rev: 1,
        verified_by: None,
        verified_at: None,
        released_by: None,
    }
}

fn patient(sex: Sex, birth: Option<jiff::civil::Date>) -> Patient {
    Patient {
        id: 1,
        his_id: String::from("BN001"),
        his_id_authority: Default::default(),
        his_id_type: String::new(),
        name: String::from("Nguyễn Văn An"),
        name_parts: None,
        sex,
        birth_date: birth,
    }
}

#[test]
fn languages_by_code() {
    assert_eq!(Language::parse("vi"), Some(Language::Vi));
    assert_eq!(Language::parse(" EN "), Some(Language::En));
    assert_eq!(Language::parse("fr"), None);
    assert_eq!(Language::En.code(), "en");
    assert_eq!(Language::default(), Language::Vi);
}

/// HL7 v2.5.1 §7.4.2.7 OBX-7: "lower limit-upper limit", "> lower limit" when there is no
/// upper limit, "< upper limit" when there is no lower one.
#[test]
fn range_text_as_obx_7_writes_it() {
    assert_eq!(range_text(Some(3.9), Some(6.4)).as_deref(), Some("3.9-6.4"));
    assert_eq!(range_text(Some(60.0), None).as_deref(), Some(">60"));
    assert_eq!(range_text(None, Some(0.5)).as_deref(), Some("<0.5"));
    assert_eq!(range_text(None, None), None);
}

#[test]
fn reference_range_for_the_patient_from_the_catalog() {
    let lab = LabConfig::embedded_default().unwrap();
    let glu = lab.test("GLU").unwrap();
    let at: Timestamp = "2025-03-01T02:00:00Z".parse().unwrap();
    let tz = lab.time_zone().clone();
    // The default catalog's adult glucose range is 3.9-6.4 mmol/L.
    let adult = patient(Sex::Male, Some(jiff::civil::date(1980, 5, 1)));
    let r = reference_range(glu, &adult, at, &tz).unwrap();
    assert_eq!((r.low, r.high), (Some(3.9), Some(6.4)));
    assert_eq!(r.text, "3.9-6.4");
}

#[test]
fn ucum_codes_use_a_star_for_powers_of_ten() {
    // UCUM writes 10^9 as 10*9; the caret is HL7's component separator.
    assert_eq!(ucum_code("10^9/L"), "10*9/L");
    assert_eq!(ucum_code("mmol/L"), "mmol/L");
    assert_eq!(ucum_code(""), "");
}

#[test]
fn values_by_shape() {
    assert_eq!(
        result_value(&result("5.2", "numeric", Some(5.2))),
        ResultValue::Numeric {
            text: "5.2",
            value: 5.2
        }
    );
    assert_eq!(
        result_value(&result("<0.5", "censored_lt", Some(0.5))),
        ResultValue::Censored {
            comparator: "<",
            text: "0.5",
            value: 0.5
        }
    );
    assert_eq!(
        result_value(&result(">33.3", "censored_gt", Some(33.3))),
        ResultValue::Censored {
            comparator: ">",
            text: "33.3",
            value: 33.3
        }
    );
    assert_eq!(
        result_value(&result("Âm tính", "text", None)),
        ResultValue::Text("Âm tính")
    );
    assert_eq!(
        result_value(&result("", "missing", None)),
        ResultValue::Missing
    );
    // A numeric kind without its number is shown as the text it is, never as a number.
    assert_eq!(
        result_value(&result("5.2", "numeric", None)),
        ResultValue::Text("5.2")
    );
}

#[test]
fn full_names_split_in_vietnamese_order() {
    let name = |family: &str, given: &str, middle: &str| PersonName {
        family: family.to_owned(),
        given: given.to_owned(),
        middle: middle.to_owned(),
    };
    assert_eq!(
        split_full_name("Nguyễn Văn An"),
        name("Nguyễn", "An", "Văn")
    );
    assert_eq!(
        split_full_name("Lê Thị Hồng Nhung"),
        name("Lê", "Nhung", "Thị Hồng")
    );
    assert_eq!(split_full_name("  Mai "), name("Mai", "", ""));
    assert_eq!(split_full_name(""), PersonName::default());
    // Written back in full: family, middle, given.
    assert_eq!(full_name(&name("NGUYỄN", "VĂN AN", "")), "NGUYỄN VĂN AN");
    assert_eq!(full_name(&name("Nguyễn", "An", "Văn")), "Nguyễn Văn An");
    assert_eq!(full_name(&name("", "", "")), "");
}

#[test]
fn a_patient_name_keeps_the_parts_the_his_sent() {
    let mut p = patient(Sex::Male, None);
    p.name = String::from("NGUYỄN VĂN AN");
    // No parts known: split from the full name.
    assert_eq!(patient_name(&p).given, "AN");
    // The HIS sent NGUYỄN^VĂN AN: given is "VĂN AN", no middle name.
    let sent = PersonName {
        family: String::from("NGUYỄN"),
        given: String::from("VĂN AN"),
        middle: String::new(),
    };
    p.name_parts = Some(sent.clone());
    assert_eq!(patient_name(&p), sent);
}

#[test]
fn a_doctor_name_keeps_the_parts_the_his_sent() {
    let mut o = order(OrderStatus::Ordered);
    o.requesting_doctor = String::from("TRẦN THỊ BÌNH");
    o.requesting_doctor_id = String::from("BS01");
    // Typed as one string: no parts known, the whole name is the family name.
    assert_eq!(doctor_name(&o).family, "TRẦN THỊ BÌNH");
    let sent = PersonName {
        family: String::from("TRẦN"),
        given: String::from("THỊ BÌNH"),
        middle: String::new(),
    };
    o.requesting_doctor_name = Some(sent.clone());
    assert_eq!(doctor_name(&o), sent);
    // Only an id was sent (shown as the id): no name at all.
    o.requesting_doctor_name = None;
    o.requesting_doctor = String::from("BS01");
    assert!(doctor_name(&o).is_empty());
}

/// HL7 v2.5.1 table 0487 (Specimen type): SER "Serum", BLD "Whole blood", UR "Urine", PLAS
/// "Plasma", CSF "Cerebral spinal fluid".
#[test]
fn specimen_types_as_table_0487() {
    let code = |s: &str| specimen_type_0487(s).map(|c| (c.code, c.text));
    assert_eq!(code("serum"), Some(("SER", "Serum")));
    assert_eq!(code("SER"), Some(("SER", "Serum")));
    assert_eq!(code("ser"), Some(("SER", "Serum")));
    assert_eq!(code("whole_blood_edta"), Some(("BLD", "Whole blood")));
    assert_eq!(code("urine"), Some(("UR", "Urine")));
    assert_eq!(code("plasma"), Some(("PLAS", "Plasma")));
    assert_eq!(code("csf"), Some(("CSF", "Cerebral spinal fluid")));
    assert_eq!(code("bone marrow smear"), None);
}

#[test]
fn normal_only_when_the_range_check_passed() {
    let row = |rule: &str, outcome| CheckRow {
        rule: rule.to_owned(),
        outcome,
        detail: String::new(),
    };
    assert!(judged_normal(&[
        row("value_present", Outcome::Passed),
        row("reference_range", Outcome::Passed)
    ]));
    assert!(!judged_normal(&[row("reference_range", Outcome::Failed)]));
    assert!(!judged_normal(&[row(
        "reference_range",
        Outcome::NotApplicable
    )]));
    assert!(!judged_normal(&[row("critical", Outcome::Passed)]));
    assert!(!judged_normal(&[]));
}

fn order(status: OrderStatus) -> Order {
    Order {
        id: 1,
        placer_number: String::from("PL-1"),
        accession: String::from("A1"),
        patient_id: 1,
        requesting_doctor: String::new(),
        requesting_doctor_id: String::new(),
        requesting_doctor_name: None,
        department: String::new(),
        priority: Priority::Routine,
        status,
        ordered_at: Timestamp::UNIX_EPOCH,
        cancel_reason: None,
    }
}

fn test(id: i64, status: OrderedTestStatus) -> OrderedTest {
    OrderedTest {
        id,
        order_id: 1,
        specimen_id: 1,
        test_code: format!("T{id}"),
        origin: TestOrigin::Ordered,
        status,
        rerun: false,
        dilution: None,
        reported_result_id: None,
    }
}

fn version(ordered_test_id: i64, state: ResultState) -> LabResult {
    LabResult {
        ordered_test_id,
        state,
        ..result("1", "numeric", Some(1.0))
    }
}

/// HL7 v2.5.1 table 0038 (Order status): CA "Order was canceled", IP "In process,
/// unspecified", A "Some, but not all, results available", CM "Order is completed".
#[test]
fn order_status_from_what_is_released() {
    let tests = [
        test(1, OrderedTestStatus::Resulted),
        test(2, OrderedTestStatus::Resulted),
    ];
    let status = |o: &Order, t: &[OrderedTest], r: &[LabResult]| {
        release_progress(o, t, r).order_status_0038()
    };
    let o = order(OrderStatus::InProgress);
    assert_eq!(status(&o, &tests, &[]), "IP");
    // One released, the other waiting for review.
    let some = [
        version(1, ResultState::Released),
        version(2, ResultState::PendingReview),
    ];
    assert_eq!(status(&o, &tests, &some), "A");
    // Both released (the first after a correction: its old version is kept as corrected).
    let all = [
        version(1, ResultState::Corrected),
        version(1, ResultState::Released),
        version(2, ResultState::Released),
    ];
    assert_eq!(status(&o, &tests, &all), "CM");
    // A cancelled test does not keep an order open.
    let one_cancelled = [
        test(1, OrderedTestStatus::Resulted),
        test(2, OrderedTestStatus::Cancelled),
    ];
    assert_eq!(
        status(&o, &one_cancelled, &[version(1, ResultState::Released)]),
        "CM"
    );
    assert_eq!(status(&order(OrderStatus::Cancelled), &tests, &[]), "CA");
}
