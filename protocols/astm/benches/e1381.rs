//! Throughput of the E1381 layer: grouping bare records into messages (the `lis parse` path for raw
//! record files) and decoding framed captures.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lis_astm::assemble::RecordAssembler;
use lis_astm::frame::{self, split_message};

/// Bare records as a LIS receives them over raw TCP: H, P, O, 20 R and L per message, records ended
/// by CR, and an LF after each L.
fn bare_records(target_len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(target_len + 4096);
    let mut n = 0u64;
    while out.len() < target_len {
        n += 1;
        out.extend_from_slice(b"H|\\^&|||ANALYZER^1.0^SN123|||||||P|LIS2-A2|20240101120000\r");
        out.extend_from_slice(format!("P|1||PID{n:08}||DOE^JANE||19800101|F\r").as_bytes());
        out.extend_from_slice(format!("O|1|SPEC{n:08}||^^^CBC|R||||||N||||BLOOD\r").as_bytes());
        for r in 1..=20 {
            out.extend_from_slice(
                format!(
                    "R|{r}|^^^TEST{r}^1|{}.{}|10*3/uL|4.0-10.0|N||F||||20240101120000\r",
                    r * 3,
                    n % 10
                )
                .as_bytes(),
            );
        }
        out.extend_from_slice(b"L|1|N\r\n");
    }
    out
}

fn assemble(c: &mut Criterion) {
    let input = bare_records(16 * 1024 * 1024);
    let mut group = c.benchmark_group("assemble");
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.sample_size(20);
    group.bench_function("split_all_16MiB", |b| {
        b.iter(|| {
            RecordAssembler::split_all(black_box(&input))
                .map(|m| m.records)
                .sum::<usize>()
        })
    });
    group.finish();
}

fn decode_frames(c: &mut Criterion) {
    let records = bare_records(4 * 1024 * 1024);
    let mut wire = Vec::new();
    let mut fn_next = 1;
    for message in RecordAssembler::split_all(&records) {
        for f in split_message(&message.text, fn_next, 247) {
            fn_next = (f.number + 1) % 8;
            f.encode_into(&mut wire);
        }
    }
    let mut group = c.benchmark_group("frame");
    group.throughput(Throughput::Bytes(wire.len() as u64));
    group.sample_size(20);
    group.bench_function("decode_all_247", |b| {
        b.iter(|| frame::decode_all(black_box(&wire)).len())
    });
    group.finish();
}

criterion_group!(benches, assemble, decode_frames);
criterion_main!(benches);
