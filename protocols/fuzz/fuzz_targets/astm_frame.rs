//! E1381 frames: the decoder never panics on arbitrary bytes, gives the same tokens however the bytes
//! are split, and split -> encode -> decode returns the original text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use bytes::BytesMut;
use lis_astm::frame::{self, is_restricted_text_byte, split_message, Decoded, FrameDecoder};

fuzz_target!(|data: &[u8]| {
    // 1. Arbitrary bytes, whole and split at a data-chosen point.
    let whole = frame::decode_all(data);
    let cut = data.first().map_or(0, |&b| usize::from(b) % (data.len() + 1));
    let mut decoder = FrameDecoder::new();
    let mut buf = BytesMut::from(&data[..cut]);
    let mut split = Vec::new();
    while let Some(t) = decoder.decode(&mut buf).transpose() {
        split.push(t);
    }
    buf.extend_from_slice(&data[cut..]);
    loop {
        match decoder.decode_eof(&mut buf) {
            Ok(Some(t)) => split.push(Ok(t)),
            Ok(None) => break,
            Err(e) => split.push(Err(e)),
        }
    }
    let frames = |tokens: &[Result<Decoded, frame::FrameError>]| {
        tokens.iter().filter(|t| matches!(t, Ok(Decoded::Frame(_)))).cloned().map(Result::ok).collect::<Vec<_>>()
    };
    assert_eq!(frames(&whole), frames(&split), "frames depend on how the input was split");

    // 2. Round trip: the data as message text (restricted characters removed).
    let text: Vec<u8> = data.iter().copied().filter(|&b| !is_restricted_text_byte(b)).collect();
    let max = 8 + data.len().min(300);
    let first_fn = data.len() as u8 % 8;
    let mut wire = Vec::new();
    for f in split_message(&text, first_fn, max) {
        assert!(f.encode().len() <= max);
        f.encode_into(&mut wire);
    }
    let mut joined = Vec::new();
    for token in frame::decode_all(&wire) {
        match token {
            Ok(Decoded::Frame(f)) => {
                assert!(f.is_valid());
                joined.extend_from_slice(&f.frame.text);
            }
            other => panic!("unexpected token {other:?}"),
        }
    }
    assert_eq!(joined, text);
});
