//! Round trip for E1394 records: parse arbitrary bytes; for a message that parses, write every
//! record back with the message's delimiters (data unescaped then re-escaped), parse again and
//! require every field to read the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lis_astm::encode::MessageWriter;
use lis_astm::extract::{results, summary_lengths};
use lis_astm::message::parse_message;
use lis_astm::record::RecordType;

fuzz_target!(|data: &[u8]| {
    let Ok((m, _)) = parse_message(data) else {
        return;
    };
    // Exercise the read paths; none may panic.
    let _ = results(&m).count();
    let _ = summary_lengths(&m);
    let _ = m.patients().map(|p| p.orders().map(|o| o.results().count()).sum::<usize>()).sum::<usize>();

    let d = m.delimiters();
    let mut w = MessageWriter::new(d);
    for r in m.records() {
        let mut out = if r.kind() == RecordType::Header && r.index() == 0 {
            w.header()
        } else {
            w.record(r.kind())
        };
        let first = if r.kind() == RecordType::Header { 3 } else { 2 };
        for n in first..=r.field_count() {
            out = out.field(n, &r.field(n).text());
        }
    }
    let text = w.finish();
    let (again, _) = parse_message(text.as_bytes()).expect("re-encoded message parses");
    assert_eq!(again.delimiters(), d);
    assert_eq!(again.record_count(), m.record_count(), "{text:?}");
    for (a, b) in m.records().zip(again.records()) {
        assert_eq!(a.kind(), b.kind());
        let first = if a.kind() == RecordType::Header { 3 } else { 2 };
        for n in first..=a.field_count().max(b.field_count()) {
            assert_eq!(a.field(n).text(), b.field(n).text(), "record {} field {n}", a.index());
        }
    }
});
