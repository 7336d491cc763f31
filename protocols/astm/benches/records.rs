//! Parse + extract throughput for an E1394 message shaped like the shared bench corpus:
//! H, P, O, 20 R, L (~1.58 kB, see `message`). Run: `cargo bench -p lis-astm --bench records -- --quick`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lis_astm::extract::{results, summary_lengths};
use lis_astm::message::parse_message;

/// One message in the shape of `shared/bench/gen_corpus.py`'s ASTM corpus: UTF-8 Vietnamese
/// name, an escape in P-25, O-5 repeated, R-3 sometimes with a 5th component, R-5 sometimes with
/// a component delimiter, flags H/L/N/empty.
fn message() -> Vec<u8> {
    const TESTS: [(&str, &str, &str, &str, &str); 20] = [
        ("WBC", "7.52", "10^3/uL", "4.00-10.00", "N"),
        ("RBC", "4.81", "10^6/uL", "4.20-5.90", "N"),
        ("HGB", "11.2", "g/dL", "12.0-17.5", "L"),
        ("HCT", "44.9", "%", "36.0-52.0", ""),
        ("MCV", "88.1", "fL", "80.0-100.0", "N"),
        ("MCH", "30.2", "pg", "27.0-33.0", "N"),
        ("MCHC", "34.0", "g/dL", "32.0-36.0", ""),
        ("PLT", "512", "10^3/uL", "150-450", "H"),
        ("RDW-CV", "12.9", "%", "11.5-14.5", "N"),
        ("NEUT#", "4.11", "10^3/uL", "2.00-7.00", "N"),
        ("GLU", "5.2", "mmol/L", "3.9-6.4", "N"),
        ("UREA", "6.8", "mmol/L", "2.5-7.5", ""),
        ("CREA", "97", "umol/L", "62-120", "N"),
        ("ALT", "55", "U/L", "0-40", "H"),
        ("AST", "31", "U/L", "0-37", "N"),
        ("NA", "139", "mmol/L", "135-145", "N"),
        ("K", "4.1", "mmol/L", "3.5-5.0", ""),
        ("CL", "101", "mmol/L", "98-106", "N"),
        ("CHOL", "4.87", "mmol/L", "3.90-5.20", "N"),
        ("TRIG", "2.31", "mmol/L", "0.46-1.88", "HH"),
    ];
    let t = "20261101004017";
    let tests: Vec<String> = TESTS.iter().map(|(c, ..)| format!("^^^{c}")).collect();
    let mut m = String::new();
    m.push_str("H|\\^&|||XN-550^00-22^12345^^^^BG123456||||||||E1394-97\r");
    m.push_str(
        "P|1||BN00012345||PHAN^HỮU YẾN||19820417|F|||Lê Lợi 12^Hà Nội||||||||||||||hemolysed &F& lipemic\r",
    );
    m.push_str(&format!(
        "O|1|S000000001^01^1||{}|R|{t}|{t}||||N||||BLD||||||||||F\r",
        tests.join("\\")
    ));
    for (i, (code, value, units, range, flag)) in TESTS.iter().enumerate() {
        let dil = if i % 5 == 0 { "^1" } else { "" };
        m.push_str(&format!(
            "R|{}|^^^{code}{dil}|{value}|{units}|{range}|{flag}||F||TECH01||{t}\r",
            i + 1
        ));
    }
    m.push_str("L|1|N\r\n");
    m.into_bytes()
}

fn bench(c: &mut Criterion) {
    let msg = message();
    let mut g = c.benchmark_group("astm_records");
    g.throughput(Throughput::Bytes(msg.len() as u64));
    g.bench_function("parse", |b| {
        b.iter(|| {
            let (m, d) = parse_message(black_box(&msg)).expect("valid message");
            black_box((m.record_count(), d.len()))
        })
    });
    g.bench_function("parse_extract", |b| {
        b.iter(|| {
            let (m, _) = parse_message(black_box(&msg)).expect("valid message");
            let mut n = 0usize;
            for r in results(&m) {
                n += r.value.len() + r.test_code.len() + r.specimen_id.len() + r.units.len();
                n += r.flags.iter().count();
                n += usize::from(r.observed_at.is_some());
            }
            black_box(n)
        })
    });
    g.bench_function("parse_summary_lengths", |b| {
        b.iter(|| {
            let (m, _) = parse_message(black_box(&msg)).expect("valid message");
            black_box(summary_lengths(&m))
        })
    });
    // The no-library floor of shared/bench (`naive split`): split on CR, `|`, `^`; no escapes,
    // no validation. Measured in the same run so the ratio survives a noisy machine.
    g.bench_function("naive_split_floor", |b| {
        b.iter(|| {
            let text = std::str::from_utf8(black_box(&msg)).expect("utf-8");
            let (mut n, mut sum) = (0usize, 0usize);
            for rec in text.split('\r') {
                if !rec.starts_with("R|") {
                    continue;
                }
                let f: Vec<&str> = rec.split('|').collect();
                let get = |k: usize| f.get(k).copied().unwrap_or("");
                let code = get(2).split('^').nth(3).unwrap_or("");
                n += 1;
                sum += code.chars().count()
                    + get(3).chars().count()
                    + get(4).chars().count()
                    + get(6).chars().count();
            }
            black_box((n, sum))
        })
    });
    g.finish();
    eprintln!("message size: {} bytes", msg.len());
}

criterion_group!(benches, bench);
criterion_main!(benches);
