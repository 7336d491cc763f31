//! Parse + extract throughput on a typical haematology ORU^R01 v2.5.1 (~2.9 kB, 20 OBX, UTF-8 patient
//! name, a few escape sequences in fields that are not extracted).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lis_hl7::extract::{results, summary_lengths};
use lis_hl7::Message;

const TESTS: [(&str, &str, &str, &str, &str, &str); 20] = [
    ("6690-2", "WBC", "7.5", "10*3/uL", "4.00-10.00", "N"),
    ("770-8", "NEU%", "55.1", "%", "50.0-70.0", "N"),
    ("736-9", "LYM%", "33.2", "%", "20.0-40.0", "N"),
    ("5905-5", "MON%", "8.1", "%", "3.0-12.0", "N"),
    ("713-8", "EOS%", "2.9", "%", "0.5-5.0", "N"),
    ("706-2", "BAS%", "0.7", "%", "0.0-1.0", "N"),
    ("751-8", "NEU#", "4.13", "10*3/uL", "2.00-7.00", "N"),
    ("731-0", "LYM#", "2.49", "10*3/uL", "0.80-4.00", "N"),
    ("742-7", "MON#", "0.61", "10*3/uL", "0.12-1.20", "N"),
    ("711-2", "EOS#", "0.22", "10*3/uL", "0.02-0.50", "N"),
    ("704-7", "BAS#", "0.05", "10*3/uL", "0.00-0.10", "N"),
    ("789-8", "RBC", "6.32", "10*6/uL", "3.50-5.50", "H~A"),
    ("718-7", "HGB", "19.0", "g/dL", "11.0-16.0", "H~A"),
    ("4544-3", "HCT", "56.9", "%", "37.0-54.0", "H"),
    ("787-2", "MCV", "90.1", "fL", "80.0-100.0", "N"),
    ("785-6", "MCH", "30.0", "pg", "27.0-34.0", "N"),
    ("786-4", "MCHC", "33.3", "g/dL", "32.0-36.0", "N"),
    ("788-0", "RDW-CV", "13.8", "%", "11.0-16.0", "N"),
    ("777-3", "PLT", "58", "10*3/uL", "100-300", "L~A"),
    ("32623-1", "MPV", "9.9", "fL", "6.5-12.0", "N"),
];

fn message() -> String {
    let mut s = String::from(
        "MSH|^~\\&|BC-6800|Mindray|LIS|BV Da Khoa Tinh|20240206081727+0700||ORU^R01^ORU_R01|7f3c9a2e51b84d0c|P|2.5.1|||AL|NE||UNICODE UTF-8\r\
PID|1||BN2024000123^^^BVDKT^MR~0123456789^^^BHYT^HC||PHAN^HỮU YẾN^^^^^L||19850312|F|||12 Trần Hưng Đạo\\S\\P. 5^^Quy Nhơn^^55000^VNM\r\
ORC|RE|ORD-20240206-0042|2402060042||CM||||20240206075900|||DR01^NGUYỄN^VĂN AN\r\
OBR|1|ORD-20240206-0042|2402060042|CBC^Complete blood count\\T\\differential^L|||20240206080000|||||||20240206080500||DR01^NGUYỄN^VĂN AN||||||20240206081700|||F\r",
    );
    for (i, (code, name, value, units, range, flag)) in TESTS.iter().enumerate() {
        s.push_str(&format!(
            "OBX|{}|NM|{code}^{name}^LN||{value}|{units}^{units}^UCUM|{range}|{flag}|||F|||20240206081500||{}||BC-6800^Mindray^SN12345|20240206081600\r",
            i + 1,
            // A few escape sequences in fields that are not extracted (OBX-16 responsible observer).
            if i % 5 == 0 { "bmserv\\S\\SYSTEM^System" } else { "" }
        ));
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = message();
    let bytes = text.as_bytes();
    let (m, d) = Message::parse(bytes).expect("bench message parses");
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(results(&m).len(), 20);
    let mut g = c.benchmark_group("oru_r01_20_obx");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("parse", |b| {
        b.iter(|| {
            let (m, _) = Message::parse(black_box(bytes)).unwrap();
            black_box(m.segment_count())
        })
    });
    g.bench_function("parse_extract_results", |b| {
        b.iter(|| {
            let (m, _) = Message::parse(black_box(bytes)).unwrap();
            let rows = results(&m);
            black_box(rows.len())
        })
    });
    g.bench_function("extract_results_only", |b| {
        b.iter(|| {
            let rows = results(black_box(&m));
            black_box(rows.len())
        })
    });
    g.bench_function("parse_summary_lengths", |b| {
        b.iter(|| {
            let (m, _) = Message::parse(black_box(bytes)).unwrap();
            black_box(summary_lengths(&m))
        })
    });
    // Reference floor: split on CR and `|` with std, no escapes, no charset, no index.
    g.bench_function("naive_str_split_floor", |b| {
        b.iter(|| {
            let s = std::str::from_utf8(black_box(bytes)).unwrap();
            let mut n = 0usize;
            for seg in s.split('\r') {
                if seg.starts_with("OBX") {
                    for (i, f) in seg.split('|').enumerate() {
                        if matches!(i, 3 | 5 | 6 | 8) {
                            n += f.len();
                        }
                    }
                }
            }
            black_box(n)
        })
    });
    g.finish();
    eprintln!("message size: {} bytes", bytes.len());
}

criterion_group!(benches, bench);
criterion_main!(benches);
