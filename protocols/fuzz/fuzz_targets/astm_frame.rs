//! E1381 frames: the decoder never panics on arbitrary bytes, gives the same tokens however the bytes
//! are split, and split -> encode -> decode returns the original text; the same for bare frames
//! (no frame number, no checksum).
#![no_main]

use libfuzzer_sys::fuzz_target;
use bytes::BytesMut;
use lis_astm::frame::{
    self, is_restricted_text_byte, split_message, ChecksumCheck, Decoded, Frame, FrameDecoder,
    FrameFormat, FrameKind, MAX_FRAME_LEN,
};

/// Every token of `bytes` read in `format`, fed in two pieces cut at `cut`.
fn tokens_split(
    bytes: &[u8],
    cut: usize,
    format: FrameFormat,
) -> Vec<Result<Decoded, frame::FrameError>> {
    let mut decoder = FrameDecoder::with_format(MAX_FRAME_LEN, format);
    let mut buf = BytesMut::from(&bytes[..cut]);
    let mut out = Vec::new();
    while let Some(t) = decoder.decode(&mut buf).transpose() {
        out.push(t);
    }
    buf.extend_from_slice(&bytes[cut..]);
    loop {
        match decoder.decode_eof(&mut buf) {
            Ok(Some(t)) => out.push(Ok(t)),
            Ok(None) => break,
            Err(e) => out.push(Err(e)),
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    // 1. Arbitrary bytes, whole and split at a data-chosen point.
    let whole = frame::decode_all(data);
    let cut = data.first().map_or(0, |&b| usize::from(b) % (data.len() + 1));
    let split = tokens_split(data, cut, FrameFormat::Standard);
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

    // 3. Bare frames: arbitrary bytes whole and split give the same frames; one bare frame of the
    // text reads back as the text, with no checksum to check.
    let frames_of = |tokens: Vec<Result<Decoded, frame::FrameError>>| {
        tokens.into_iter().filter_map(|t| match t {
            Ok(Decoded::Frame(f)) => Some(f),
            _ => None,
        }).collect::<Vec<_>>()
    };
    assert_eq!(
        frames_of(frame::decode_all_as(data, FrameFormat::Bare)),
        frames_of(tokens_split(data, cut, FrameFormat::Bare)),
        "bare frames depend on how the input was split"
    );
    let wire = Frame::new(0, text.clone(), FrameKind::Last).encode_as(FrameFormat::Bare);
    let read = frames_of(frame::decode_all_as(&wire, FrameFormat::Bare));
    if wire.len() <= MAX_FRAME_LEN - 4 {
        assert_eq!(read.len(), 1, "one bare frame");
        assert_eq!(read[0].frame.text, text);
        assert_eq!(read[0].checksum, ChecksumCheck::NotCarried);
    }
});
