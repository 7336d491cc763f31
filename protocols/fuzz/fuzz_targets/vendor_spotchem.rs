//! Feed arbitrary bytes to the Spotchem EL printout decoder in arbitrary splits: it must not
//! panic, must account for every byte, must find the same printouts and problems as when fed in
//! one piece, and every printout must read or say at which byte it stopped.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lis_vendor::spotchem::{Printout, PrintoutDecoder, PrintoutEvent, ReadError, MAX_PRINTOUT_LEN};

#[derive(Debug, Default, PartialEq, Eq)]
struct Outcome {
    printouts: Vec<Vec<u8>>,
    bad: Vec<(u64, Vec<u8>)>,
    stray: Vec<u8>,
}

fn run(stream: &[u8], cuts: &[usize]) -> (Outcome, usize) {
    let mut d = PrintoutDecoder::new();
    let mut out = Outcome::default();
    let mut bytes = 0usize;
    let mut last = 0;
    let drain = |d: &mut PrintoutDecoder, out: &mut Outcome, bytes: &mut usize| {
        while let Some(e) = d.next_event() {
            match e {
                PrintoutEvent::Message(raw) => {
                    match Printout::parse(&raw) {
                        Ok(p) => {
                            let _ = p.measurements();
                        }
                        Err(ReadError::Unexpected { offset, .. }) => assert!(offset <= raw.len()),
                    }
                    *bytes += raw.len();
                    out.printouts.push(raw);
                }
                PrintoutEvent::Bad { offset, raw, .. } => {
                    *bytes += raw.len();
                    out.bad.push((offset, raw));
                }
                PrintoutEvent::Control(b) => panic!("the Spotchem decoder hands out no control byte, got {b:#04x}"),
                PrintoutEvent::Stray { bytes: b, .. } => {
                    *bytes += b.len();
                    out.stray.extend_from_slice(&b);
                }
            }
        }
    };
    for &cut in cuts.iter().chain([stream.len()].iter()) {
        let cut = cut.clamp(last, stream.len());
        d.push(&stream[last..cut]);
        last = cut;
        drain(&mut d, &mut out, &mut bytes);
    }
    d.finish();
    drain(&mut d, &mut out, &mut bytes);
    assert_eq!(d.pending_len(), 0);
    (out, bytes + d.line_ends() as usize)
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
    let (whole, bytes) = run(stream, &[]);
    assert_eq!(bytes, stream.len());
    if stream.len() <= MAX_PRINTOUT_LEN {
        assert_eq!(whole, run(stream, &cuts).0);
    }
});
