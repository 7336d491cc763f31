//! Feed arbitrary bytes to the MLLP decoder in arbitrary splits: it must not panic, must account for
//! every byte, and must give the same messages, junk and errors as when fed in one piece.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use lis_hl7::mllp::{MllpDecoder, MllpEvent};

#[derive(Debug, Default, PartialEq, Eq)]
struct Outcome {
    messages: Vec<Vec<u8>>,
    junk: Vec<u8>,
    skipped: u64,
    errors: usize,
    position: u64,
}

fn run(stream: &[u8], cuts: &[usize], max: usize) -> Outcome {
    let mut decoder = MllpDecoder::new(max);
    let mut buf = BytesMut::new();
    let mut out = Outcome::default();
    let mut last = 0;
    let take = |e: Result<Option<MllpEvent>, _>, out: &mut Outcome| -> bool {
        match e {
            Ok(Some(MllpEvent::Message { payload, .. })) => out.messages.push(payload.to_vec()),
            Ok(Some(MllpEvent::Junk { bytes, .. })) => out.junk.extend_from_slice(&bytes),
            Ok(Some(MllpEvent::Skipped { len, .. })) => out.skipped += len,
            Ok(None) => return false,
            Err(_) => out.errors += 1,
        }
        true
    };
    for &cut in cuts.iter().chain([stream.len()].iter()) {
        let cut = cut.clamp(last, stream.len());
        buf.extend_from_slice(&stream[last..cut]);
        last = cut;
        while take(decoder.decode(&mut buf), &mut out) {}
    }
    while take(decoder.decode_eof(&mut buf), &mut out) {}
    out.position = decoder.position();
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&max, rest)) = data.split_first() else {
        return;
    };
    let Some((&ncuts, rest)) = rest.split_first() else {
        return;
    };
    let ncuts = usize::from(ncuts % 8).min(rest.len());
    let (cut_bytes, stream) = rest.split_at(ncuts);
    let mut cuts: Vec<usize> = cut_bytes.iter().map(|&b| usize::from(b) * stream.len() / 256).collect();
    cuts.sort_unstable();
    let max = usize::from(max) * 4;
    let whole = run(stream, &[], max);
    let split = run(stream, &cuts, max);
    assert_eq!(whole.position, stream.len() as u64);
    assert_eq!(whole, split);
});
