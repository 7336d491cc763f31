//! Feed arbitrary bytes to the ADVIA 2120 block decoder in arbitrary splits: it must not panic,
//! must account for every byte, must find the same blocks and problems as when fed in one piece,
//! and every checked block's text must read (or say why) without panicking. A result body
//! written from the fuzzed values must read back to the same values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lis_vendor::advia::{self, BlockDecoder, BlockEvent, ResultBlock, MAX_BLOCK_LEN};
use lis_vendor::measurement::LocalTime;

#[derive(Debug, Default, PartialEq, Eq)]
struct Outcome {
    blocks: Vec<Vec<u8>>,
    bad: Vec<(u64, Vec<u8>)>,
    stray: Vec<u8>,
    bytes: usize,
}

fn run(stream: &[u8], cuts: &[usize]) -> Outcome {
    let mut d = BlockDecoder::new();
    let mut out = Outcome::default();
    let mut last = 0;
    let mut drain = |d: &mut BlockDecoder, out: &mut Outcome| {
        while let Some(e) = d.next_event() {
            match e {
                BlockEvent::Message(b) => {
                    let _ = ResultBlock::parse(b.text()).map(|r| r.measurements());
                    out.bytes += b.raw().len();
                    out.blocks.push(b.raw().to_vec());
                }
                BlockEvent::Bad { offset, raw, .. } => {
                    out.bytes += raw.len();
                    out.bad.push((offset, raw));
                }
                BlockEvent::Control(b) => panic!("the ADVIA decoder hands out no control byte, got {b:#04x}"),
                BlockEvent::Stray { bytes, .. } => {
                    out.bytes += bytes.len();
                    out.stray.extend_from_slice(&bytes);
                }
            }
        }
    };
    for &cut in cuts.iter().chain([stream.len()].iter()) {
        let cut = cut.clamp(last, stream.len());
        d.push(&stream[last..cut]);
        last = cut;
        drain(&mut d, &mut out);
    }
    d.finish();
    drain(&mut d, &mut out);
    assert_eq!(d.pending_len(), 0);
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&ncuts, rest)) = data.split_first() else {
        return;
    };
    let ncuts = usize::from(ncuts % 8).min(rest.len());
    let (cut_bytes, stream) = rest.split_at(ncuts);
    let mut cuts: Vec<usize> = cut_bytes
        .iter()
        .map(|&b| usize::from(b) * stream.len() / 256)
        .collect();
    cuts.sort_unstable();
    let whole = run(stream, &[]);
    assert_eq!(whole.bytes, stream.len());
    if stream.len() <= MAX_BLOCK_LEN {
        assert_eq!(whole, run(stream, &cuts));
    }
    // Round trip: cells from the fuzzed bytes (digits only), written and read back.
    let values: Vec<(u16, String)> = stream
        .chunks(3)
        .take(40)
        .map(|c| {
            let n = c.iter().fold(0u16, |a, &b| (a * 7 + u16::from(b)) % 999) + 1;
            let v: String = c.iter().map(|b| char::from(b'0' + b % 10)).collect();
            (n, v)
        })
        .collect();
    let at = LocalTime::new(2026, 12, 7, 10, 0, 0).unwrap();
    let raw = advia::encode_block(b'A', &advia::result_body("42", at, &values));
    let read = run(&raw, &[]);
    assert_eq!(read.blocks.len(), 1);
    let r = ResultBlock::parse(&raw[1..raw.len() - 2]).unwrap();
    let expected: Vec<(String, String)> = values
        .iter()
        .map(|(n, v)| (n.to_string(), v.trim_start().to_owned()))
        .collect();
    assert_eq!(r.values, expected);
});
