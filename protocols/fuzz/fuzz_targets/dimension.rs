//! Siemens Dimension: arbitrary bytes through the STX...ETX scanner give the same blocks, controls
//! and junk however they are split; no message text makes either decoder panic; and a frame that
//! reads writes back to a frame that reads the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lis_vendor::dimension::{analyzer, decode_frame, encode_frame, host};
use lis_vendor::stx_frame::{Piece, StxFrameDecoder};

#[derive(Debug, Default, PartialEq, Eq)]
struct Outcome {
    blocks: Vec<Vec<u8>>,
    controls: Vec<u8>,
    junk: Vec<u8>,
    too_long: usize,
}

fn run(stream: &[u8], cut: usize, max: usize) -> Outcome {
    let mut d = StxFrameDecoder::new(max);
    d.push(&stream[..cut]);
    d.push(&stream[cut..]);
    d.finish();
    let mut out = Outcome::default();
    while let Some(p) = d.next_piece() {
        match p {
            Piece::Block { body, .. } => out.blocks.push(body),
            Piece::Control { byte, .. } => out.controls.push(byte),
            Piece::Junk { bytes, .. } => out.junk.extend(bytes),
            Piece::TooLong { .. } => out.too_long += 1,
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&max, stream)) = data.split_first() else {
        return;
    };
    // A host log's first 16 KiB hold every kind of message; longer inputs only slow the run.
    let stream = &stream[..stream.len().min(16 * 1024)];
    let max = usize::from(max) * 4 + 1;
    let cut = stream.first().map_or(0, |&b| usize::from(b) % (stream.len() + 1));
    let whole = run(stream, 0, max);
    assert_eq!(whole, run(stream, cut, max));
    for body in &whole.blocks {
        let _ = analyzer::decode(body);
        let _ = host::decode(body);
        if let Ok(frame) = decode_frame(body) {
            if let Ok(bytes) = encode_frame(frame.kind, &frame.fields) {
                assert_eq!(decode_frame(&bytes[1..bytes.len() - 1]), Ok(frame));
            }
        }
    }
    // The message text alone, too.
    let _ = analyzer::decode(stream);
    let _ = host::decode(stream);
});
