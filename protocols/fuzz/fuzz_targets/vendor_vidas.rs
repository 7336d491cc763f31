//! Feed arbitrary bytes to the mini VIDAS (BCI) decoder in arbitrary splits: it must not panic,
//! must account for every byte, and must find the same sessions, messages and problems as when
//! fed in one piece; every checked message must read without panicking, and a message written
//! from fuzzed fields must read back to them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lis_vendor::vidas::{self, PacketDecoder, PacketEvent, VidasMessage, MAX_PACKET_LEN};

#[derive(Debug, Default, PartialEq, Eq)]
struct Outcome {
    /// Messages without a line end after the checksum (it may come in the next read).
    packets: Vec<Vec<u8>>,
    bad: Vec<(u64, Vec<u8>)>,
    stray: Vec<u8>,
    controls: Vec<bool>,
}

fn run(stream: &[u8], cuts: &[usize]) -> (Outcome, usize) {
    let mut d = PacketDecoder::new();
    let mut out = Outcome::default();
    let mut bytes = 0usize;
    let mut last = 0;
    let drain = |d: &mut PacketDecoder, out: &mut Outcome, bytes: &mut usize| {
        while let Some(e) = d.next_event() {
            match e {
                PacketEvent::Control(vidas::ENQ) => {
                    *bytes += 1;
                    out.controls.push(true);
                }
                // EOT, the only other control the decoder hands out.
                PacketEvent::Control(_) => {
                    *bytes += 1;
                    out.controls.push(false);
                }
                PacketEvent::Message(p) => {
                    let m = VidasMessage::parse(p.raw());
                    let _ = (m.measurements(), m.completed_at());
                    *bytes += p.raw().len();
                    let raw = p.raw();
                    let end = raw.iter().rposition(|&b| b != b'\r' && b != b'\n').map_or(0, |i| i + 1);
                    out.packets.push(raw[..end].to_vec());
                }
                PacketEvent::Bad { offset, raw, .. } => {
                    *bytes += raw.len();
                    let end = raw.iter().rposition(|&b| b != b'\r' && b != b'\n').map_or(0, |i| i + 1);
                    out.bad.push((offset, raw[..end].to_vec()));
                }
                PacketEvent::Stray { bytes: b, .. } => {
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
    if stream.len() <= MAX_PACKET_LEN {
        assert_eq!(whole, run(stream, &cuts).0);
    }
    // Round trip: printable field values from the fuzzed bytes (no `|` or control bytes).
    let values: Vec<String> = stream
        .chunks(5)
        .take(12)
        .map(|c| c.iter().map(|b| char::from(b'a' + b % 26)).collect())
        .collect();
    let names = ["mt", "ci", "rt", "ql", "qn", "y3", "nc", "td", "tt", "pi", "pn", "so"];
    let fields: Vec<(&str, &str)> = names
        .iter()
        .zip(&values)
        .map(|(n, v)| (*n, v.as_str()))
        .collect();
    let raw = vidas::encode_packet(&fields);
    let (read, _) = run(&raw, &[]);
    assert_eq!(read.packets.len(), 1);
    let m = VidasMessage::parse(&raw);
    let got: Vec<(&str, &str)> = m.fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    assert_eq!(got, fields);
    assert!(m.problems.is_empty());
});
