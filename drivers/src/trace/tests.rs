use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::*;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000 + secs)
}

fn records(items: &[TraceItem]) -> Vec<(Direction, Vec<u8>)> {
    items
        .iter()
        .filter_map(|i| match i {
            TraceItem::Record { record, .. } => Some((record.direction, record.bytes.clone())),
            TraceItem::Damaged(_) => None,
        })
        .collect()
}

fn damages(items: &[TraceItem]) -> Vec<Damage> {
    items
        .iter()
        .filter_map(|i| match i {
            TraceItem::Damaged(d) => Some(d.clone()),
            TraceItem::Record { .. } => None,
        })
        .collect()
}

/// Writes three records (ENQ in, ACK out, an event) and returns the file's bytes.
fn three_records() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let mut w = TraceWriter::open(dir.path(), "c311", Rotation::default()).unwrap();
    w.record_at(at(0), Direction::In, b"\x05").unwrap();
    w.record_at(at(1), Direction::Out, b"\x06").unwrap();
    w.record_at(at(2), Direction::Event, b"disconnected")
        .unwrap();
    w.flush().unwrap();
    fs::read(w.path()).unwrap()
}

#[test]
fn crc_is_crc32_iso_hdlc() {
    // The catalogue's check value for CRC-32/ISO-HDLC over "123456789".
    assert_eq!(CRC32.checksum(b"123456789"), 0xCBF4_3926);
}

#[test]
fn record_layout_is_as_documented() {
    let mut out = Vec::new();
    // 1 s after the epoch = 1_000_000 µs = 0x0F4240.
    encode_record(&mut out, 1_000_000, Direction::In, &[0x05]);
    let payload = [0x40, 0x42, 0x0F, 0, 0, 0, 0, 0, b'I', 0x05];
    let crc = CRC32.checksum(&payload).to_le_bytes();
    let mut expected = vec![0xD1, 10, 0, 0, 0];
    expected.extend_from_slice(&crc);
    expected.extend_from_slice(&payload);
    assert_eq!(out, expected);
}

#[test]
fn round_trip_keeps_time_direction_and_bytes() {
    let data = three_records();
    let items: Vec<TraceItem> = TraceReader::from_bytes(data).collect();
    assert_eq!(items.len(), 3);
    let TraceItem::Record { offset, record } = &items[0] else {
        panic!("{items:?}");
    };
    assert_eq!(*offset, 0);
    assert_eq!(record.at(), at(0));
    assert_eq!(record.at_micros, 1_700_000_000_000_000);
    let TraceItem::Record { offset, record } = &items[1] else {
        panic!("{items:?}");
    };
    // Record 0 is 9 header + 9 prefix + 1 data = 19 bytes.
    assert_eq!(*offset, 19);
    assert_eq!(record.at(), at(1));
    assert_eq!(
        records(&items),
        vec![
            (Direction::In, b"\x05".to_vec()),
            (Direction::Out, b"\x06".to_vec()),
            (Direction::Event, b"disconnected".to_vec()),
        ]
    );
}

#[test]
fn a_torn_tail_at_every_offset_of_the_last_record_is_reported_and_earlier_records_survive() {
    let data = three_records();
    // Records of 19, 19 and 9 + 9 + 12 = 30 bytes: the last starts at 38.
    assert_eq!(data.len(), 68);
    let last = 38;
    for cut in last + 1..data.len() {
        let items: Vec<TraceItem> = TraceReader::from_bytes(data[..cut].to_vec()).collect();
        assert_eq!(
            records(&items),
            vec![
                (Direction::In, b"\x05".to_vec()),
                (Direction::Out, b"\x06".to_vec())
            ],
            "cut at {cut}"
        );
        let d = damages(&items);
        assert_eq!(
            d,
            vec![Damage {
                offset: 38,
                len: (cut - last) as u64,
                kind: DamageKind::Truncated,
                at_end: true,
            }],
            "cut at {cut}"
        );
        assert!(d[0].is_torn_tail());
    }
    // Cut exactly at a record boundary: nothing is damaged.
    let items: Vec<TraceItem> = TraceReader::from_bytes(data[..last].to_vec()).collect();
    assert_eq!(items.len(), 2);
    assert!(damages(&items).is_empty());
}

#[test]
fn a_corrupted_byte_in_the_middle_is_reported_and_reading_resumes_after_it() {
    let mut data = three_records();
    // The data byte of record 1 (offset 19 + 18): ACK becomes NAK.
    data[37] = 0x15;
    let items: Vec<TraceItem> = TraceReader::from_bytes(data).collect();
    assert_eq!(
        records(&items),
        vec![
            (Direction::In, b"\x05".to_vec()),
            (Direction::Event, b"disconnected".to_vec())
        ]
    );
    let d = damages(&items);
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].offset, d[0].len, d[0].at_end), (19, 19, false));
    assert!(matches!(d[0].kind, DamageKind::CrcMismatch { .. }), "{d:?}");
}

#[test]
fn a_bad_magic_or_impossible_length_is_reported() {
    let mut data = three_records();
    data[19] = 0x00;
    let d = damages(&TraceReader::from_bytes(data).collect::<Vec<_>>());
    assert_eq!(d[0].kind, DamageKind::BadMagic { got: 0 });
    assert_eq!((d[0].offset, d[0].len), (19, 19));

    let mut data = three_records();
    data[20..24].copy_from_slice(&[0xFF; 4]);
    let items: Vec<TraceItem> = TraceReader::from_bytes(data).collect();
    let d = damages(&items);
    assert_eq!(d[0].kind, DamageKind::BadLength { len: u32::MAX });
    assert_eq!(records(&items).len(), 2);
}

#[test]
fn garbage_and_empty_input_do_not_panic() {
    assert_eq!(TraceReader::from_bytes(Vec::new()).count(), 0);
    let items: Vec<TraceItem> = TraceReader::from_bytes(vec![0xD1; 40]).collect();
    assert_eq!(items.len(), 1);
    assert!(matches!(&items[0], TraceItem::Damaged(d) if d.at_end && d.len == 40));
}

#[test]
fn appending_after_a_crash_keeps_old_and_new_records_around_the_torn_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = three_records();
    let path = dir.path().join("c311.trace");
    // A crash left the last record half written.
    fs::write(&path, &data[..50]).unwrap();
    let mut w = TraceWriter::open(dir.path(), "c311", Rotation::default()).unwrap();
    w.record_at(at(10), Direction::Event, b"started").unwrap();
    w.flush().unwrap();
    let items: Vec<TraceItem> = TraceReader::open(&path).unwrap().collect();
    assert_eq!(
        records(&items),
        vec![
            (Direction::In, b"\x05".to_vec()),
            (Direction::Out, b"\x06".to_vec()),
            (Direction::Event, b"started".to_vec()),
        ]
    );
    let d = damages(&items);
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].offset, d[0].len, d[0].at_end), (38, 12, false));
}

#[test]
fn files_rotate_by_size_and_keep_the_configured_number() {
    let dir = tempfile::tempdir().unwrap();
    // Every record below is 9 + 9 + 1 = 19 bytes: two fit in 40 bytes, a third does not.
    let rotation = Rotation {
        max_file_bytes: 40,
        keep_files: 2,
    };
    let mut w = TraceWriter::open(dir.path(), "c311", rotation).unwrap();
    for i in 0u8..9 {
        w.record_at(at(u64::from(i)), Direction::In, &[b'0' + i])
            .unwrap();
    }
    w.flush().unwrap();
    let read = |p: &Path| -> Vec<u8> {
        TraceReader::open(p)
            .unwrap()
            .map(|i| match i {
                TraceItem::Record { record, .. } => record.bytes[0],
                TraceItem::Damaged(d) => panic!("{d:?}"),
            })
            .collect()
    };
    // Files hold 01 23 45 67 8: the current one has 8, .1 has 67, .2 has 45, older ones are gone.
    assert_eq!(read(w.path()), b"8");
    assert_eq!(read(&w.rotated_path(1)), b"67");
    assert_eq!(read(&w.rotated_path(2)), b"45");
    assert!(!w.rotated_path(3).exists());
    assert_eq!(w.path(), dir.path().join("c311.trace"));
    // Another link's files in the same directory are not listed.
    fs::write(dir.path().join("c311.trace.x"), b"").unwrap();
    fs::write(dir.path().join("c3111.trace.1"), b"").unwrap();
    assert_eq!(
        trace_files(w.path()).unwrap(),
        [w.rotated_path(2), w.rotated_path(1), w.path().to_path_buf()]
    );
    let all: Vec<u8> = trace_files(w.path())
        .unwrap()
        .iter()
        .flat_map(|p| read(p))
        .collect();
    assert_eq!(all, b"45678");
}

#[test]
fn link_names_cannot_escape_the_trace_directory() {
    let dir = tempfile::tempdir().unwrap();
    let w = TraceWriter::open(dir.path(), "../lab/c311 #1", Rotation::default()).unwrap();
    assert_eq!(w.path(), dir.path().join(".._lab_c311__1.trace"));
    let w = TraceWriter::open(dir.path(), "..", Rotation::default()).unwrap();
    assert_eq!(w.path(), dir.path().join("link...trace"));
}

#[test]
fn long_writes_are_split_into_records_that_read_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = TraceWriter::open(dir.path(), "big", Rotation::default()).unwrap();
    let big = vec![0x41u8; MAX_RECORD_DATA + 5];
    w.record_at(at(0), Direction::In, &big).unwrap();
    w.flush().unwrap();
    let got = records(&TraceReader::open(w.path()).unwrap().collect::<Vec<_>>());
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].1.len(), MAX_RECORD_DATA);
    assert_eq!(got[1].1.len(), 5);
}
