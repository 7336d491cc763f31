use super::*;
use crate::message::Message;

fn ts(s: &str) -> Option<Timestamp> {
    Timestamp::parse(s)
}

#[test]
fn writer_trims_trailing_empty_fields_and_ends_with_cr() {
    let mut w = MessageWriter::new(Delimiters::default());
    w.header().components(5, &["LIS", "1.0"]).field(12, "P");
    w.record(RecordType::Terminator).field(2, "1").field(3, "N");
    assert_eq!(w.finish(), "H|\\^&|||LIS^1.0|||||||P\rL|1|N\r");
}

#[test]
fn data_is_escaped() {
    let mut w = MessageWriter::new(Delimiters::default());
    w.record(RecordType::Comment)
        .field(2, "1")
        .field(4, "A|B^C\\D&E\rF");
    assert_eq!(w.finish(), "C|1||A&F&B&S&C&R&D&E&E&X0D&F\r");
}

#[test]
fn peer_delimiters_are_used() {
    // Beckman DxH: `H|\!~`.
    let d = Delimiters::new(b'|', b'\\', b'!', b'~').unwrap();
    let mut w = MessageWriter::new(d);
    w.header().field(3, "(0:0-144795890#123476669, 571)");
    w.record(RecordType::Order)
        .repeats(5, &[&["", "", "", "CD"], &["", "", "", "A!B"]]);
    assert_eq!(
        w.finish(),
        "H|\\!~|(0:0-144795890#123476669, 571)\rO||||!!!CD\\!!!A~S~B\r"
    );
}

#[test]
fn order_download_layout() {
    let tests = ["GLU", "ALT"];
    let mut order = OrderRequest::new("S123", &tests);
    order.patient = PatientInfo {
        practice_patient_id: "PID7",
        last_name: "Nguyễn",
        first_name: "Thị",
        birth_date: ts("19800115"),
        sex: "F",
        ..PatientInfo::default()
    };
    order.priority = Some(Priority::Stat);
    let header = HeaderInfo {
        sender: &["LIS"],
        processing_id: "P",
        version: "LIS2-A2",
        timestamp: ts("20261123160000"),
        ..HeaderInfo::default()
    };
    let text = order_download(Delimiters::default(), &header, &[order]);
    assert_eq!(
        text,
        "H|\\^&|||LIS|||||||P|LIS2-A2|20261123160000\r\
         P|1|PID7|||Nguyễn^Thị||19800115|F\r\
         O|1|S123||^^^GLU\\^^^ALT|S||||||N||||||||||||||O\r\
         L|1|N\r"
    );
}

#[test]
fn query_answer_forms() {
    let header = HeaderInfo::default();
    let d = Delimiters::default();
    let none_l = query_answer(
        d,
        &header,
        &QueryAnswer::NoInformation {
            specimen_id: "S9",
            form: NoInformationForm::TerminationCode,
        },
    );
    assert_eq!(none_l, "H|\\^&\rL|1|I\r");
    let none_y = query_answer(
        d,
        &header,
        &QueryAnswer::NoInformation {
            specimen_id: "S9",
            form: NoInformationForm::NoOrder,
        },
    );
    assert_eq!(
        none_y,
        "H|\\^&\rP|1\rO|1|S9|||||||||||||||||||||||Y\rL|1|N\r"
    );
    let none_z = query_answer(
        d,
        &header,
        &QueryAnswer::NoInformation {
            specimen_id: "S9",
            form: NoInformationForm::NoPatient,
        },
    );
    assert!(none_z.contains("|Z\rL|1|N\r"));
    let tests = ["CD"];
    let orders = [OrderRequest::new("S9", &tests)];
    let found = query_answer(d, &header, &QueryAnswer::Orders(&orders));
    assert_eq!(
        found,
        "H|\\^&\rP|1\rO|1|S9||^^^CD|||||||N||||||||||||||Q\rL|1|F\r"
    );
}

#[test]
fn host_query_all_and_listed() {
    let header = HeaderInfo::default();
    let q = HostQuery {
        patient_id: "",
        specimen_id: "SAMPLE123",
        extra: &[],
        tests: &[],
        status: RequestStatus::OrdersOnly,
    };
    // Mindray's example: `Q|1|^SAMPLE123||ALL||||||||O` (PROTOCOLS.md §2, Q).
    assert_eq!(
        host_query(Delimiters::default(), &header, &q),
        "H|\\^&\rQ|1|^SAMPLE123||ALL||||||||O\rL|1|N\r"
    );
    let q = HostQuery {
        tests: &["A1", "A2"],
        ..q
    };
    assert!(
        host_query(Delimiters::default(), &header, &q).contains("Q|1|^SAMPLE123||^^^A1\\^^^A2|")
    );
}

#[test]
fn encoded_order_parses_back() {
    let tests = ["W|B^C"];
    let order = OrderRequest::new("S&1", &tests);
    let text = order_download(Delimiters::default(), &HeaderInfo::default(), &[order]);
    let (m, d) = Message::parse(text.as_bytes()).unwrap();
    assert!(d.is_empty(), "{d:?}");
    let o = m.record(2).unwrap().as_order().unwrap();
    assert_eq!(o.specimen_id().text(), "S&1");
    let t: Vec<_> = o.tests().collect();
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].field().component_text(4), "W|B^C");
    assert_eq!(o.action_code(), Some(ActionCode::New));
}
