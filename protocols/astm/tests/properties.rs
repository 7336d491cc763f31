//! Property tests: encode -> parse round trips exactly, and no input makes the parser panic.

use lis_astm::delimiters::Delimiters;
use lis_astm::encode::MessageWriter;
use lis_astm::escape::{escape, unescape};
use lis_astm::extract::{results, summary_lengths};
use lis_astm::message::parse_message;
use lis_astm::record::RecordType;
use proptest::prelude::*;

/// Four distinct delimiters from the printable punctuation an analyzer could pick.
fn delimiters() -> impl Strategy<Value = Delimiters> {
    let pool: Vec<u8> = b"|\\^&!@~#$%*+/:;=?_`{}[]<>,.'\"-".to_vec();
    proptest::sample::subsequence(pool, 4)
        .prop_shuffle()
        .prop_map(|v| Delimiters::new(v[0], v[1], v[2], v[3]).expect("distinct punctuation"))
}

/// Field text mixing delimiter characters, CR/LF, escapes-lookalikes and Vietnamese.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("|".to_owned()),
            Just("\\".to_owned()),
            Just("^".to_owned()),
            Just("&".to_owned()),
            Just("!".to_owned()),
            Just("@".to_owned()),
            Just("~".to_owned()),
            Just("\r".to_owned()),
            Just("\n".to_owned()),
            Just("&X41&".to_owned()),
            Just("\"\"".to_owned()),
            Just("Nguyễn Thị Hồng".to_owned()),
            Just(" ".to_owned()),
            "[a-zA-Z0-9.,<>]{1,6}",
            any::<char>().prop_map(String::from),
        ],
        0..8,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn escape_round_trip(d in delimiters(), s in text()) {
        let e = escape(&s, &d);
        for b in [d.field, d.repeat, d.component, b'\r', b'\n'] {
            prop_assert!(!e.as_bytes().contains(&b), "raw {:?} in {:?}", b as char, e);
        }
        prop_assert_eq!(unescape(&e, &d), s.as_str());
    }

    #[test]
    fn encode_parse_round_trip(
        d in delimiters(),
        fields in prop::collection::vec(text(), 1..12),
        comps in prop::collection::vec(text(), 1..5),
        reps in prop::collection::vec(prop::collection::vec(text(), 1..4), 1..4),
    ) {
        let mut w = MessageWriter::new(d);
        w.header().field(3, &fields[0]);
        {
            let mut r = w.record(RecordType::Comment);
            for (i, f) in fields.iter().enumerate() {
                r = r.field(i + 2, f);
            }
        }
        let comp_refs: Vec<&str> = comps.iter().map(String::as_str).collect();
        let rep_vecs: Vec<Vec<&str>> =
            reps.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
        let rep_refs: Vec<&[&str]> = rep_vecs.iter().map(Vec::as_slice).collect();
        w.record(RecordType::Result).components(3, &comp_refs).repeats(4, &rep_refs);
        w.record(RecordType::Terminator).field(2, "1").field(3, "N");
        let text = w.finish();

        let (m, _) = parse_message(text.as_bytes()).expect("our own message parses");
        prop_assert_eq!(m.delimiters(), d);
        prop_assert_eq!(m.record_count(), 4);
        let h = m.record(0).unwrap();
        prop_assert_eq!(h.field(3).text(), fields[0].as_str());
        let c = m.record(1).unwrap();
        prop_assert_eq!(c.kind(), RecordType::Comment);
        for (i, f) in fields.iter().enumerate() {
            prop_assert_eq!(c.field(i + 2).text(), f.as_str());
        }
        let r = m.record(2).unwrap();
        for (i, comp) in comps.iter().enumerate() {
            prop_assert_eq!(r.field(3).component_text(i + 1), comp.as_str());
        }
        let parsed: Vec<Vec<String>> = r
            .field(4)
            .repeats()
            .map(|rep| {
                let n = rep.components().count();
                (1..=n).map(|k| rep.component_text(k).into_owned()).collect()
            })
            .collect();
        // Trailing empty components of a repeat are written as empty strings between
        // delimiters, so the count matches what was written.
        prop_assert_eq!(parsed, reps.clone());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        if let Ok((m, _)) = parse_message(&bytes) {
            for r in m.records() {
                for n in 0..r.field_count() + 2 {
                    let f = r.field(n);
                    let _ = f.text();
                    for rep in f.repeats() {
                        for k in 0..4 {
                            let _ = rep.component_text(k);
                        }
                    }
                }
            }
            let _ = results(&m).count();
            let _ = summary_lengths(&m);
            let _ = m.patients().map(|p| p.orders().map(|o| o.results().count()).sum::<usize>()).sum::<usize>();
        }
    }

    #[test]
    fn header_like_bytes_never_panic(
        prefix in prop::sample::select(vec!["H|\\^&", "H|@^\\", "H|\\!~", "H|\\\\^&", "H|^&", "h|"]),
        body in prop::collection::vec(prop_oneof![
            Just(b'|'), Just(b'\\'), Just(b'^'), Just(b'&'), Just(b'\r'), Just(b'\n'),
            Just(b'R'), Just(b'O'), Just(b'P'), Just(b'L'), Just(b'C'), Just(b'X'),
            any::<u8>(),
        ], 0..300),
    ) {
        let mut bytes = prefix.as_bytes().to_vec();
        bytes.extend_from_slice(&body);
        if let Ok((m, _)) = parse_message(&bytes) {
            let _ = results(&m).map(|r| r.value.len()).sum::<usize>();
            let _ = summary_lengths(&m);
        }
    }
}
