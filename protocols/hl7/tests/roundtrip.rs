//! Property tests: built messages parse back to the same data; no input makes the parser or the MLLP
//! decoder panic.

use bytes::BytesMut;
use lis_hl7::build::ack::{ack, Acknowledgement};
use lis_hl7::build::orders::{oml_o33, orm_o01, Order, OrderMessage};
use lis_hl7::build::query::{qbp_q11, qry_q02, HostQuery, LegacyQuery};
use lis_hl7::build::results::Specimen;
use lis_hl7::build::results::{
    oul_r21, Observation, Patient, PatientId, ResultGroup, ResultMessage,
};
use lis_hl7::build::{CodedValue, FieldValue, MessageBuilder, MessageHeader, SegmentBuilder};
use lis_hl7::extract::{results, summary_lengths};
use lis_hl7::mllp::{encode, MllpDecoder, MllpEvent};
use lis_hl7::segments::{AckCode, MessageType, Msa, Obr, Orc, OrderControl, Pid, Qpd, Qrd, Spm};
use lis_hl7::{Message, Separators};
use proptest::prelude::*;

/// Text with delimiters, escape characters, CR/LF, `<13>` and Vietnamese letters well represented.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => "[a-zA-Z0-9 .,-]",
            2 => prop::sample::select(vec!["|", "^", "~", "\\", "&", "#", "\r", "\n", "<13>", "\"\"", "\\S\\", "\\X41\\"]).prop_map(str::to_owned),
            2 => prop::sample::select(vec!["Ễ", "Ă", "Ữ", "ế", "đ", "µ", "·", "®"]).prop_map(str::to_owned),
            1 => any::<char>().prop_map(String::from),
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

fn separators() -> impl Strategy<Value = Separators> {
    prop_oneof![
        Just(Separators::default()),
        Just(Separators {
            truncation: Some(b'#'),
            ..Separators::default()
        }),
        Just(Separators {
            field: b'*',
            component: b'@',
            repetition: b'!',
            escape: b'%',
            subcomponent: b'$',
            truncation: None
        }),
    ]
}

fn dtm() -> impl Strategy<Value = String> {
    (1900u16..2100, 1u8..=12, 1u8..=28, 0u8..24, 0u8..60, 0u8..60)
        .prop_map(|(y, mo, d, h, mi, s)| format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}"))
}

fn tree() -> impl Strategy<Value = Vec<Vec<Vec<String>>>> {
    prop::collection::vec(
        prop::collection::vec(prop::collection::vec(text(), 1..3), 1..4),
        1..3,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generic_builder_round_trips_every_leaf(seps in separators(), app in text(), fields in prop::collection::vec(tree(), 1..6)) {
        let header = MessageHeader { separators: seps, sending_application: app.clone(), control_id: "1".into(), ..MessageHeader::default() };
        let mut b = MessageBuilder::new(&header, MessageType { code: "ORU", event: "R01", structure: "ORU_R01" });
        let mut seg = SegmentBuilder::new("ZZZ");
        for (i, f) in fields.iter().enumerate() {
            seg = seg.field(i + 1, FieldValue::tree(f.clone()));
        }
        b.push(seg);
        let bytes = b.build();
        let (m, d) = Message::parse(&bytes).unwrap();
        prop_assert!(d.is_empty(), "{:?}", d);
        prop_assert_eq!(m.separators(), seps);
        prop_assert_eq!(m.header().sending_application().text(), app.as_str());
        let zzz = m.first("ZZZ").unwrap();
        for (i, f) in fields.iter().enumerate() {
            let field = zzz.field(i + 1);
            for (r, rep) in f.iter().enumerate() {
                for (c, comp) in rep.iter().enumerate() {
                    for (s, sub) in comp.iter().enumerate() {
                        let got = field.repetition(r + 1).component(c + 1).subcomponent(s + 1).text();
                        prop_assert_eq!(got.as_ref(), sub.as_str(), "field {} rep {} comp {} sub {}", i + 1, r + 1, c + 1, s + 1);
                    }
                }
            }
        }
    }

    #[test]
    fn result_message_round_trips_through_extract(
        seps in separators(),
        family in text(), given in text(),
        placer in text(), filler in text(),
        obs in prop::collection::vec((text(), text(), text(), text(), prop::collection::vec(text(), 0..3), "[FPC]", dtm()), 1..5),
    ) {
        let observations: Vec<Observation> = obs.iter().map(|(code, value, units, range, flags, status, at)| Observation {
            value_type: "ST".into(),
            code: CodedValue::new(code, "name", "LN"),
            values: vec![value.clone()],
            units: units.clone(),
            reference_range: range.clone(),
            flags: flags.clone(),
            status: status.clone(),
            observed_at: at.clone(),
            ..Observation::default()
        }).collect();
        let message = ResultMessage {
            header: MessageHeader { separators: seps, control_id: "42".into(), ..MessageHeader::default() },
            patient: Some(Patient { ids: vec![PatientId { id: "P1".into(), ..PatientId::default() }], family: family.clone(), given: given.clone(), ..Patient::default() }),
            visit: None,
            orders: vec![ResultGroup { placer_order_number: placer.clone(), filler_order_number: filler.clone(), observations, ..ResultGroup::default() }],
        };
        let bytes = oul_r21(&message);
        let (m, d) = Message::parse(&bytes).unwrap();
        prop_assert!(d.is_empty(), "{:?}", d);
        let pid = m.first_of::<Pid<'_>>().unwrap();
        prop_assert_eq!(pid.name().family().text().into_owned(), family);
        prop_assert_eq!(pid.name().given().text().into_owned(), given);
        let usable = |s: &str| { let t = s.trim(); (!t.is_empty() && t != "\"\"").then(|| t.to_owned()) };
        let specimen = usable(&filler).or_else(|| usable(&placer));
        let rows = results(&m);
        prop_assert_eq!(rows.len(), obs.len());
        for (row, (code, value, units, range, flags, status, at)) in rows.iter().zip(&obs) {
            prop_assert_eq!(row.specimen_id.as_deref(), specimen.as_deref());
            prop_assert_eq!(row.test_code.as_ref(), code.as_str());
            prop_assert_eq!(row.value.as_ref(), value.trim());
            prop_assert_eq!(row.units.as_ref(), units.as_str());
            prop_assert_eq!(row.reference_range.as_ref(), range.as_str());
            let want: Vec<&str> = flags.iter().map(|f| f.trim()).filter(|f| !f.is_empty() && *f != "\"\"").collect();
            let got: Vec<&str> = row.flags.iter().map(|f| f.as_ref()).collect();
            prop_assert_eq!(got, want);
            prop_assert_eq!(row.status.as_ref(), status.as_str());
            prop_assert_eq!(row.observed_at.map(|t| t.to_iso8601()), Some(format!(
                "{}-{}-{}T{}:{}:{}", &at[0..4], &at[4..6], &at[6..8], &at[8..10], &at[10..12], &at[12..14]
            )));
        }
        prop_assert_eq!(summary_lengths(&m).0, obs.len());
    }

    #[test]
    fn orders_round_trip(
        seps in separators(),
        orders in prop::collection::vec((prop::sample::select(vec![OrderControl::New, OrderControl::Cancel, OrderControl::Change]), text(), text(), text(), text(), text()), 1..4),
    ) {
        let message = OrderMessage {
            header: MessageHeader { separators: seps, control_id: "o".into(), ..MessageHeader::default() },
            patient: None,
            visit: None,
            orders: orders.iter().map(|(control, placer, filler, code, name, specimen)| Order {
                control: *control,
                placer_order_number: placer.clone(),
                filler_order_number: filler.clone(),
                service: CodedValue::new(code, name, "99LIS"),
                specimen: Some(Specimen { id: specimen.clone(), ..Specimen::default() }),
                ..Order::default()
            }).collect(),
        };
        for bytes in [orm_o01(&message), oml_o33(&message)] {
            let (m, d) = Message::parse(&bytes).unwrap();
            prop_assert!(d.is_empty(), "{:?}", d);
            let orcs: Vec<_> = m.all::<Orc<'_>>().collect();
            let obrs: Vec<_> = m.all::<Obr<'_>>().collect();
            prop_assert_eq!(orcs.len(), orders.len());
            for ((orc, obr), (control, placer, filler, code, name, _)) in orcs.iter().zip(&obrs).zip(&orders) {
                prop_assert_eq!(orc.order_control(), Some(*control));
                prop_assert_eq!(orc.placer_order_number().entity_id().text().into_owned(), placer.clone());
                prop_assert_eq!(obr.filler_order_number().entity_id().text().into_owned(), filler.clone());
                prop_assert_eq!(obr.service().identifier().text().into_owned(), code.clone());
                prop_assert_eq!(obr.service().description().text().into_owned(), name.clone());
            }
        }
        let o33 = oml_o33(&message);
        let (m, _) = Message::parse(&o33).unwrap();
        if let Some(spm) = m.first_of::<Spm<'_>>() {
            prop_assert_eq!(spm.specimen_id().placer().text().into_owned(), orders[0].5.clone());
        }
    }

    #[test]
    fn queries_round_trip(specimen in text(), rack in text(), tag in text()) {
        let bytes = qbp_q11(&HostQuery {
            header: MessageHeader { control_id: "q".into(), ..MessageHeader::default() },
            query_name: CodedValue::new("INISEQ", "", "99ROC"),
            query_tag: tag.clone(),
            specimen_id: specimen.clone(),
            carrier: rack.clone(),
            position: "1".into(),
        });
        let (m, d) = Message::parse(&bytes).unwrap();
        prop_assert!(d.is_empty(), "{:?}", d);
        let qpd = m.first_of::<Qpd<'_>>().unwrap();
        prop_assert_eq!(qpd.specimen_id().text().into_owned(), specimen.as_str());
        prop_assert_eq!(qpd.parameter(4).text().into_owned(), rack);
        prop_assert_eq!(qpd.query_tag().text().into_owned(), tag);
        let bytes = qry_q02(&LegacyQuery {
            header: MessageHeader::mindray("20120508104700", "4"),
            query_at: "20120508104700".into(),
            query_id: "1".into(),
            specimen_id: specimen.clone(),
        });
        let (m, _) = Message::parse(&bytes).unwrap();
        prop_assert_eq!(m.first_of::<Qrd<'_>>().unwrap().specimen_id().text().into_owned(), specimen);
    }

    #[test]
    fn ack_round_trips(code in prop::sample::select(vec![AckCode::ApplicationAccept, AckCode::ApplicationError, AckCode::ApplicationReject, AckCode::CommitAccept, AckCode::CommitError, AckCode::CommitReject]), id in text(), msg in text()) {
        let bytes = ack(&Acknowledgement {
            header: MessageHeader { control_id: "A".into(), ..MessageHeader::default() },
            event: "R01".into(),
            structure: "ACK".into(),
            code,
            acknowledged_control_id: id.clone(),
            text: msg.clone(),
            error_condition: String::new(),
            error: None,
        });
        let (m, _) = Message::parse(&bytes).unwrap();
        let msa = m.first_of::<Msa<'_>>().unwrap();
        prop_assert_eq!(msa.ack_code(), Some(code));
        prop_assert_eq!(msa.control_id().text().into_owned(), id);
        prop_assert_eq!(msa.text_message().text().into_owned(), msg);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400), prefix in prop::sample::select(vec![&b""[..], b"MSH|^~\\&|", b"MSH|^~\\&#|A\rOBX|", b"\r\nMSH*@!%$*"])) {
        let mut input = prefix.to_vec();
        input.extend_from_slice(&bytes);
        if let Ok((m, _)) = Message::parse(&input) {
            for seg in m.segments() {
                let _ = seg.id();
                for f in seg.fields() {
                    let _ = f.text();
                    for r in f.repetitions() {
                        for c in r.components() {
                            let _ = c.text();
                            for s in c.subcomponents() {
                                let _ = s.text();
                            }
                        }
                    }
                }
                let _ = seg.field(usize::MAX);
            }
            let _ = results(&m);
            let _ = summary_lengths(&m);
            let _ = m.header().timestamp();
        }
    }

    #[test]
    fn mllp_any_split_gives_the_same_events(payloads in prop::collection::vec(prop::collection::vec(any::<u8>().prop_filter("no framing bytes", |b| *b != 0x0B && *b != 0x1C), 0..60), 1..4), cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6)) {
        let mut stream = Vec::new();
        for p in &payloads {
            stream.extend_from_slice(&encode(p));
        }
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(stream.len() + 1)).collect();
        points.sort_unstable();
        let mut decoder = MllpDecoder::new(1000);
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        let mut last = 0;
        for p in points.into_iter().chain([stream.len()]) {
            buf.extend_from_slice(&stream[last..p]);
            last = p;
            while let Some(e) = decoder.decode(&mut buf).unwrap() {
                got.push(e);
            }
        }
        let want: Vec<Vec<u8>> = payloads;
        let got: Vec<Vec<u8>> = got.into_iter().map(|e| match e {
            MllpEvent::Message { payload, .. } => payload.to_vec(),
            other => panic!("unexpected {other:?}"),
        }).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn mllp_arbitrary_bytes_never_panic_and_account_for_every_byte(bytes in prop::collection::vec(prop_oneof![3 => any::<u8>(), 1 => Just(0x0Bu8), 1 => Just(0x1Cu8), 1 => Just(0x0Du8)], 0..300), max in 0usize..40) {
        let mut decoder = MllpDecoder::new(max);
        let mut buf = BytesMut::from(&bytes[..]);
        let mut accounted = 0u64;
        loop {
            match decoder.decode_eof(&mut buf) {
                Ok(Some(MllpEvent::Message { payload, .. })) => accounted += payload.len() as u64 + 2,
                Ok(Some(MllpEvent::Junk { bytes, .. })) => accounted += bytes.len() as u64,
                Ok(Some(MllpEvent::Skipped { len, .. })) => accounted += len,
                Ok(None) => break,
                Err(_) => {}
            }
        }
        // Every byte is reported, except the CR consumed after each end block.
        prop_assert!(accounted <= bytes.len() as u64);
        prop_assert_eq!(decoder.position(), bytes.len() as u64);
    }
}
