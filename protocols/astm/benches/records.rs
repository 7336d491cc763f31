//! Parse + extract throughput for an E1394 message shaped like the shared bench corpus:
//! H, P, O, 20 R, L (~1.58 kB). Run: `cargo bench -p lis-astm --bench records -- --quick`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lis_astm::extract::{results, summary_lengths};
use lis_astm::message::parse_message;

fn message() -> Vec<u8> {
    let mut m = String::new();
    m.push_str("H|\\^&|||XN-550^00-22^12345^^^^BG123456||||||||E1394-97\r");
    m.push_str("P|1|||PID00012345|^NGUYEN^VAN A||19800115|M\r");
    m.push_str("O|1||^^          SPEC000123^B|^^^^WBC\\^^^^RBC\\^^^^HGB|||||||N||||||||||||||F\r");
    for (i, code) in [
        "WBC", "RBC", "HGB", "HCT", "MCV", "MCH", "MCHC", "PLT", "RDW", "MPV", "NEUT%", "LYMPH%",
        "MONO%", "EO%", "BASO%", "NEUT#", "LYMPH#", "MONO#", "EO#", "BASO#",
    ]
    .iter()
    .enumerate()
    {
        m.push_str(&format!(
            "R|{}|^^^{code}|7.5|10^3/uL|4.00-10.00|N||F||TECH01||20261101004017\r",
            i + 1
        ));
    }
    m.push_str("L|1|N\r");
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
    g.finish();
    eprintln!("message size: {} bytes", msg.len());
}

criterion_group!(benches, bench);
criterion_main!(benches);
