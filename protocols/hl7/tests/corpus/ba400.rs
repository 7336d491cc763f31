//! The Biosystems BA400 files: results, host queries and the host's replies, as the limsmw
//! middleware logged them.

use super::*;

/// The BA400 files hold messages as the limsmw middleware logged them: the MLLP start block already
/// taken off, `<FS><CR>` still at the end of each (xxd: no 0x0B, five `0D 1C 0D`). With no start block
/// the MLLP decoder sees one run of junk, so the file goes the way `lis parse` sends any HL7 file
/// without 0x0B: `split::messages` cuts at each `MSH` after the `<FS><CR>`, and `Message::parse` reads
/// the trailer as the end of the message, with an `UnframedEndBlock` diagnostic where the 0x1C stood.
fn ba400_log_messages(bytes: &[u8], count: usize) -> Vec<Message<'_>> {
    assert!(!bytes.contains(&0x0B));
    let mut buf = BytesMut::from(bytes);
    let mut decoder = MllpDecoder::default();
    assert!(matches!(
        decoder.decode_eof(&mut buf),
        Ok(Some(MllpEvent::Junk { offset: 0, bytes: junk })) if junk.len() == bytes.len()
    ));
    let items: Vec<(usize, &[u8])> = split::messages(bytes).collect();
    assert_eq!(items.len(), count);
    let mut next = 0;
    items
        .into_iter()
        .map(|(offset, item)| {
            // The items tile the file: no byte is lost between messages.
            assert_eq!(offset, next);
            next = offset + item.len();
            assert!(item.ends_with(b"\r\x1C\r"));
            let (m, d) = Message::parse(item).unwrap();
            assert_eq!(
                d,
                [Diagnostic {
                    offset: item.len() - 2,
                    kind: DiagnosticKind::UnframedEndBlock
                }]
            );
            assert_eq!(m.header().sending_application().as_str(), "BA400");
            assert_eq!(m.header().sending_facility().as_str(), "Biosystems");
            assert_eq!(m.header().receiving_application().as_str(), "Host");
            assert_eq!(m.header().receiving_facility().as_str(), "Host provider");
            assert_eq!(m.header().version().as_str(), "2.5.1");
            assert_eq!(
                (
                    m.header().accept_ack_type().as_str(),
                    m.header().application_ack_type().as_str()
                ),
                ("ER", "AL")
            );
            assert_eq!(m.header().charset().as_str(), "UNICODE UTF-8");
            assert_eq!(m.text_encoding(), TextEncoding::Utf8);
            m
        })
        .collect()
}

#[test]
fn ba400_oul_r22_results_logged_without_start_block() {
    let bytes = read("biosystems-ba400/ba400_oul_r22_lab29_results_2023_from_b64_log.hl7");
    let messages = ba400_log_messages(&bytes, 5);
    // (MSH-10, MSH-7, SPM-2, SPM-4, segments) read off the file.
    let headers = [
        (
            "5dfc4d05-be5c-4c3a-a7c0-6d5bba48b354",
            "2023-05-11T16:45:15",
            "SMPLA001",
            "SER",
            5,
        ),
        (
            "f7c9b548-0a48-49c2-9223-9f488efbfdeb",
            "2023-05-11T16:55:33",
            "SMPLC000032988998",
            "SER",
            11,
        ),
        (
            "71a67f85-604b-42ee-af84-b77dd0cbd797",
            "2023-05-12T08:04:27",
            "SMPLD000000033003529",
            "URI",
            8,
        ),
        (
            "0f7dc5f1-18a0-4fbf-a8d5-be7e2282b306",
            "2023-05-12T08:18:04",
            "SMPLD000000033003529",
            "URI",
            8,
        ),
        (
            "7f241286-4098-4fb6-a5ef-35d77900320f",
            "2023-05-14T13:00:40",
            "SMPLB000002",
            "SER",
            5,
        ),
    ];
    for (m, (id, sent, specimen, kind, segments)) in messages.iter().zip(headers) {
        let t = m.header().message_type();
        assert_eq!((t.code, t.event, t.structure), ("OUL", "R22", "OUL_R22"));
        assert_eq!(m.header().control_id().as_str(), id);
        assert_eq!(m.header().timestamp().unwrap().to_iso8601(), sent);
        assert_eq!(m.header().field(21).as_str(), "LAB-29^IHE");
        // The trailer is not a segment.
        assert_eq!(m.segment_count(), segments);
        assert!(m.segments().all(|s| s.id() != "\x1C"));
        let spm = m.first_of::<Spm<'_>>().unwrap();
        assert_eq!(spm.specimen_id().placer().as_str(), specimen);
        assert_eq!(spm.specimen_type().identifier().as_str(), kind);
        // One OBR, ORC, OBX group per test: OBR-2 is the HL7 null, ORC `OK` ... `CM` at MSH-7's time.
        for obr in m.all::<Obr<'_>>() {
            assert!(obr.placer_order_number().entity_id().is_null());
        }
        for orc in m.all::<Orc<'_>>() {
            assert_eq!(orc.order_control(), Some(OrderControl::Accepted));
            assert_eq!(orc.order_status().as_str(), "CM");
            assert_eq!(orc.transaction_at().unwrap().to_iso8601(), sent);
        }
        for obx in m.all::<Obx<'_>>() {
            assert_eq!(obx.value_type().as_str(), "NM");
            assert_eq!(obx.units().coding_system().as_str(), "A400");
            assert_eq!(obx.responsible_observer().as_str(), "ADMIN");
            let equipment: Vec<(&str, &str)> = obx
                .equipment()
                .map(|e| (e.entity_id().as_str(), e.namespace_id().as_str()))
                .collect();
            assert_eq!(
                equipment,
                [("A400", "Biosystems"), ("834002355", "Biosystems")]
            );
        }
    }
    // The SPM comes before its OBRs, and OBR-2 `""` counts as absent: every row takes SPM-2.
    // OBX-14 is empty, so the time is OBX-19 as sent: the instrument clock, which here runs about
    // 5.5 h ahead of MSH-7 (message 2: sent 16:55:33, analysed "22:25:33"); nothing corrects it.
    // OBX-8 is `NONE` or a 3-digit code, neither of them H/L/N nor the HL7 null: extraction keeps
    // each as sent, as a flag, so nothing reads `NONE` as "normal" or `025` as "no flag".
    type Row = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    );
    let expected: [&[Row]; 5] = [
        &[(
            "CREATININE",
            "1.11651742",
            "mg/dL",
            "NONE",
            "2023-05-11T14:29:29",
        )],
        &[
            (
                "CHOL HDL DIRECT",
                "60.9779778",
                "mg/dL",
                "025",
                "2023-05-11T22:25:33",
            ),
            (
                "CHOLESTEROL",
                "177.710159",
                "mg/dL",
                "NONE",
                "2023-05-11T22:20:36",
            ),
            (
                "TRIGLYCERIDES",
                "52.4089546",
                "mg/dL",
                "NONE",
                "2023-05-11T22:20:36",
            ),
        ],
        &[
            (
                "ALBUMIN-MAU",
                "14.0575142",
                "mg/L",
                "025",
                "2023-05-12T13:34:26",
            ),
            (
                "CREATININE",
                "69.4413376",
                "mg/dL",
                "NONE",
                "2023-05-12T13:34:08",
            ),
        ],
        &[
            (
                "ALBUMIN-MAU",
                "14.0575142",
                "mg/L",
                "025",
                "2023-05-12T13:34:26",
            ),
            (
                "CREATININE",
                "69.4413376",
                "mg/dL",
                "NONE",
                "2023-05-12T13:34:08",
            ),
        ],
        &[(
            "GLUCOSE",
            "512.628113",
            "mg/dL",
            "030",
            "2023-05-14T18:30:39",
        )],
    ];
    for ((m, rows), (_, _, specimen, _, _)) in messages.iter().zip(expected).zip(headers) {
        let got = results(m);
        assert_eq!(got.len(), rows.len());
        for (r, &(code, value, units, flag, observed)) in got.iter().zip(rows) {
            assert_eq!(r.specimen_id.as_deref(), Some(specimen));
            assert_eq!(
                (&*r.test_code, &*r.value, &*r.units, &*r.reference_range),
                (code, value, units, "")
            );
            assert_eq!(r.flags, [flag]);
            assert_eq!(r.status, "F");
            assert_eq!(r.observed_at.unwrap().to_iso8601(), observed);
        }
        let raw: Vec<Vec<&str>> = m
            .all::<Obx<'_>>()
            .map(|o| o.abnormal_flags().collect())
            .collect();
        assert_eq!(raw, rows.iter().map(|r| vec![r.3]).collect::<Vec<_>>());
    }
    // Messages 3 and 4 are one urine result sent twice, 17 minutes apart, under new MSH-7/MSH-10: the
    // rows are the same, so a receiver has to recognise the repeat by specimen, test and OBX-19.
    assert_eq!(results(&messages[2]), results(&messages[3]));
    assert_ne!(
        messages[2].header().control_id().as_str(),
        messages[3].header().control_id().as_str()
    );
}

/// (MSH-10, MSH-7, QPD-3) of the five BA400 host queries, read off the file.
const BA400_QUERIES: [(&str, &str, &str); 5] = [
    (
        "105c0474-b00b-4c72-8492-fba65c1563d6",
        "2023-05-11T18:03:07",
        "32971968",
    ),
    (
        "c85deb7d-2013-4504-982f-28c84684bb1f",
        "2023-05-12T07:37:26",
        "32971968",
    ),
    (
        "7e3fe271-b7af-415b-996e-a9e142014521",
        "2023-05-13T09:24:58",
        "33032646",
    ),
    (
        "f7b36231-1966-480a-a5f0-0af7321fe757",
        "2023-05-13T12:14:41",
        "33039821",
    ),
    (
        "598e56a4-3103-4977-b8ae-786604ffd35c",
        "2023-05-13T15:09:10",
        "33032881",
    ),
];

#[test]
fn ba400_qbp_q11_host_queries_logged_without_start_block() {
    let bytes = read("biosystems-ba400/ba400_qbp_q11_lab27_host_queries_2023.hl7");
    let messages = ba400_log_messages(&bytes, 5);
    for (m, (id, sent, sample)) in messages.iter().zip(BA400_QUERIES) {
        let t = m.header().message_type();
        assert_eq!((t.code, t.event, t.structure), ("QBP", "Q11", "QBP_Q11"));
        assert_eq!(m.header().control_id().as_str(), id);
        assert_eq!(m.header().timestamp().unwrap().to_iso8601(), sent);
        assert_eq!(m.header().field(21).as_str(), "LAB-27^IHE");
        let ids: Vec<&str> = m.segments().map(|s| s.id()).collect();
        assert_eq!(ids, ["MSH", "QPD", "RCP"]);
        let qpd = m.first_of::<Qpd<'_>>().unwrap();
        let name = qpd.query_name();
        assert_eq!(
            (
                name.identifier().as_str(),
                name.description().as_str(),
                name.coding_system().as_str()
            ),
            ("WOS", "Work Order Step", "IHE_LABTF")
        );
        // QPD-2, the query tag, is MSH-10 without its dashes.
        assert_eq!(qpd.query_tag().as_str(), id.replace('-', ""));
        assert_eq!(qpd.specimen_id().as_str(), sample);
        assert_eq!(qpd.field(3).as_str(), sample);
        let rcp = m.first_of::<Rcp<'_>>().unwrap();
        assert_eq!(
            (
                rcp.priority().as_str(),
                rcp.quantity_limited().as_str(),
                rcp.response_modality().as_str()
            ),
            ("I", "", "R")
        );
        assert!(results(m).is_empty());
    }
}

#[test]
fn ba400_rsp_k11_host_replies_lf_shifted_header_without_work_order() {
    let bytes = read("biosystems-ba400/ba400_host_rsp_k11_replies_lf_2023.hl7");
    // xxd: no 0x0B, no 0x1C, no CR; 12 LF (4 segments x 3 replies, the last LF appended by the corpus).
    assert!(!bytes.iter().any(|&b| b == 0x0B || b == 0x1C || b == b'\r'));
    let items: Vec<(usize, &[u8])> = split::messages(&bytes).collect();
    // grep -bo '^MSH': the replies start at 0, 391 and 782.
    assert_eq!(
        items.iter().map(|(o, _)| *o).collect::<Vec<_>>(),
        [0, 391, 782]
    );
    // The host answered queries 3, 4 and 5; its control id is the query's QPD-2, a colon and the host's
    // own time (one or two seconds after the query's MSH-7).
    let answered = [
        (
            BA400_QUERIES[2],
            "7e3fe271b7af415b996ea9e142014521:20230513092459",
        ),
        (
            BA400_QUERIES[3],
            "f7b362311966480aa5f00af7321fe757:20230513121443",
        ),
        (
            BA400_QUERIES[4],
            "598e56a431034977b8ae786604ffd35c:20230513150912",
        ),
    ];
    for ((_, item), ((query_id, _, sample), reply_id)) in items.iter().zip(answered) {
        let (m, d) = Message::parse(item).unwrap();
        let h = m.header();
        // The header is one field short: after MSH-6 `sample id` comes one empty field and then the type,
        // so (counting the `|`) the type stands in MSH-8, the control id in MSH-9, `P` in MSH-10,
        // `2.5.1` in MSH-11, `ER`/`NE` in MSH-14/15, the charset in MSH-17 and `LAB27^IHE` in MSH-20.
        // Read by the standard, MSH-9 is the control id: the parser says so (grep -bo: offset 83).
        assert_eq!(
            d,
            [Diagnostic {
                offset: 83,
                kind: DiagnosticKind::BadMessageType {
                    got: reply_id.into()
                }
            }]
        );
        assert_eq!(h.message_type().code, reply_id);
        assert_eq!((h.message_type().event, h.control_id().as_str()), ("", "P"));
        assert_eq!((h.version().as_str(), h.charset().as_str()), ("", ""));
        assert!(h.datetime().is_empty());
        assert_eq!(h.timestamp(), None);
        let shifted: Vec<&str> = [8, 9, 10, 11, 14, 15, 17, 20]
            .iter()
            .map(|&n| h.field(n).as_str())
            .collect();
        assert_eq!(
            shifted,
            [
                "RSP^K11^RSP_K11",
                reply_id,
                "P",
                "2.5.1",
                "ER",
                "NE",
                "UNICODE UTF-8",
                "LAB27^IHE"
            ]
        );
        assert!(reply_id.starts_with(&format!("{}:", query_id.replace('-', ""))));
        assert_eq!(
            (
                h.sending_application().as_str(),
                h.sending_facility().as_str(),
                h.receiving_application().as_str(),
                h.receiving_facility().as_str()
            ),
            (
                "oHIMS",
                "OPD",
                "Arogya Healthcare Services (Pvt) Ltd",
                "sample id"
            )
        );
        // No MSH-18: the ASCII bytes read as UTF-8.
        assert_eq!(m.text_encoding(), TextEncoding::Utf8);
        let ids: Vec<&str> = m.segments().map(|s| s.id()).collect();
        assert_eq!(ids, ["MSH", "MSA", "QAK", "QPD"]);
        // MSA-2 echoes the query's MSH-10 (with dashes): the reply matches its query by MSA.
        let msa = m.first_of::<Msa<'_>>().unwrap();
        assert_eq!(msa.ack_code_field().as_str(), "AA");
        assert_eq!(msa.control_id().as_str(), query_id);
        // QAK-1 and QPD-2 carry the reply's control id, not the query's QPD-2 tag.
        let qak = m.first_of::<Qak<'_>>().unwrap();
        assert_eq!(qak.query_tag().as_str(), reply_id);
        assert_eq!(qak.response_status().as_str(), "OK");
        assert_eq!(qak.field(3).as_str(), "WOS^Work Order Step^IHE_LABTF");
        let qpd = m.first_of::<Qpd<'_>>().unwrap();
        assert_eq!(qpd.query_name().identifier().as_str(), "WOS");
        assert_eq!(qpd.query_tag().as_str(), reply_id);
        // QPD-3 is the literal `SPM01`, not the sample asked about, and although QAK-2 says `OK` there
        // is no work order (no SPM, ORC or OBR) for the analyzer to run.
        assert_eq!(qpd.specimen_id().as_str(), "SPM01");
        assert_ne!(qpd.specimen_id().as_str(), sample);
        assert!(m.first_of::<Spm<'_>>().is_none());
        assert!(m.first_of::<Orc<'_>>().is_none());
        assert!(m.first_of::<Obr<'_>>().is_none());
        assert!(results(&m).is_empty());
    }
}
