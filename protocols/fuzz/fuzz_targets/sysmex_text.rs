//! Sysmex class A text: no text makes the decoder panic, and a D1U or D2U that reads writes back
//! to a text that reads the same (the XS-500i's widths, decimals and flags survive the trip).
#![no_main]

use libfuzzer_sys::fuzz_target;
use lis_vendor::stx_frame::{Piece, StxFrameDecoder};
use lis_vendor::sysmex_text::{decode, encode_results, encode_sample_header, Text};

fn check(body: &[u8]) {
    match decode(body) {
        Ok(Text::SampleHeader(h)) => {
            if let Ok(bytes) = encode_sample_header(&h) {
                assert_eq!(decode(&bytes[1..bytes.len() - 1]), Ok(Text::SampleHeader(h)));
            }
        }
        Ok(Text::Results(r)) => {
            let values: Vec<(&str, &str, char)> = r
                .values
                .iter()
                .map(|v| (v.parameter.code, v.value.as_str(), v.flag))
                .collect();
            if let Ok(bytes) = encode_results(&r.common, &values, &r.trailer) {
                let Ok(Text::Results(again)) = decode(&bytes[1..bytes.len() - 1]) else {
                    panic!("a written D2U does not read");
                };
                // Parameters sent as spaces come back as zeros; the others are unchanged.
                for v in &r.values {
                    assert!(again.values.contains(v), "{v:?} lost");
                }
                assert_eq!(again.common, r.common);
            }
        }
        Ok(Text::Other { .. }) | Err(_) => {}
    }
}

fuzz_target!(|data: &[u8]| {
    // The corpus log is under 5 KiB; longer inputs only slow the run.
    let data = &data[..data.len().min(16 * 1024)];
    check(data);
    let mut d = StxFrameDecoder::new(4096);
    d.push(data);
    d.finish();
    while let Some(p) = d.next_piece() {
        if let Piece::Block { body, .. } = p {
            check(&body);
        }
    }
});
