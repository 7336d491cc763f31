//! Corpus tests for the E1381 layer: every capture in ../shared/corpus/astm that holds STX frames.
//!
//! The expected numbers were counted outside this crate (grep for STX/ETB bytes, and a separate
//! script splitting the frames' text on CR and grouping records from H to L), not produced by the code
//! under test.

use std::time::Instant;

use lis_astm::capture::{decode_capture, CaptureDiagnosticKind};
use lis_astm::frame::looks_like_e1381;
use lis_astm::frame::{ACK, ENQ, EOT, NAK};
use lis_astm::link::{Link, LinkConfig, LinkEvent, Role};

/// Reads a corpus file. `shared/` sits beside the checkout (`../../../shared` from this crate in the
/// main checkout, one level higher in a `wt/<name>` worktree), so the nearest ancestor holding
/// `shared/corpus` is used.
fn corpus(path: &str) -> Vec<u8> {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest
        .ancestors()
        .map(|dir| dir.join("shared/corpus/astm"))
        .find(|dir| dir.is_dir())
        .unwrap_or_else(|| panic!("no shared/corpus above {}", manifest.display()));
    let full = root.join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

struct Expect {
    path: &'static str,
    frames: usize,
    etb: usize,
    /// Records per message, in order.
    records: &'static [usize],
    /// Frame numbers follow 1, 2, ... 7, 0 as the standard requires.
    regular_numbers: bool,
}

const FRAMED: &[Expect] = &[
    Expect {
        path: "abbott-afinion2/afinion2_hba1c.astm",
        frames: 1,
        etb: 0,
        records: &[5],
        regular_numbers: true,
    },
    Expect {
        path: "cepheid-genexpert/genexpert_mtb_rif.astm",
        frames: 1,
        etb: 0,
        records: &[91],
        regular_numbers: true,
    },
    Expect {
        path: "horiba-pentra-xlr/pentra_xlr_cbc_flags.astm",
        frames: 28,
        etb: 0,
        records: &[28],
        regular_numbers: true,
    },
    Expect {
        path: "horiba-yumizen-h500/yumizen_h500_qc_histograms.astm",
        frames: 31,
        etb: 0,
        records: &[31],
        // Re-framed by the capture tool: numbers go 1 2 3 4 5 1 1 1 4 5 ...
        regular_numbers: false,
    },
    Expect {
        path: "horiba-yumizen-h500/yumizen_h500_wire_frames_etb.astm",
        frames: 137,
        etb: 108,
        records: &[29],
        regular_numbers: true,
    },
    Expect {
        path: "roche-cobas-c111/c111_result_with_M_record.astm",
        frames: 7,
        etb: 6,
        records: &[7],
        regular_numbers: true,
    },
    Expect {
        path: "roche-cobas-c111/c111_wire_frames_from_test.astm",
        frames: 7,
        etb: 6,
        records: &[7],
        regular_numbers: true,
    },
    Expect {
        path: "roche-cobas-c311/c311_multi_result_single_frame.astm",
        frames: 1,
        etb: 0,
        records: &[18],
        regular_numbers: true,
    },
    Expect {
        path: "siemens-dca-vantage/dca_vantage_acr.astm",
        frames: 1,
        etb: 0,
        records: &[9],
        regular_numbers: true,
    },
    Expect {
        path: "sysmex-xn550/xn550_cbc.astm",
        frames: 1,
        etb: 0,
        records: &[48],
        regular_numbers: true,
    },
    Expect {
        path: "sysmex-xp100/xp100_cbc.astm",
        frames: 1,
        etb: 0,
        records: &[24],
        regular_numbers: true,
    },
];

#[test]
fn framed_captures_decode_with_valid_checksums() {
    let mut total_frames = 0;
    for e in FRAMED {
        let bytes = corpus(e.path);
        assert!(looks_like_e1381(&bytes), "{}", e.path);
        let capture = decode_capture(&bytes);
        assert_eq!(capture.stats.frames, e.frames, "{}: frames", e.path);
        assert_eq!(
            capture.stats.intermediate_frames, e.etb,
            "{}: ETB frames",
            e.path
        );
        assert_eq!(
            capture.stats.valid_checksums, e.frames,
            "{}: every checksum validates",
            e.path
        );
        let records: Vec<usize> = capture.messages.iter().map(|m| m.records).collect();
        assert_eq!(records, e.records, "{}: records per message", e.path);
        for m in &capture.messages {
            assert!(m.complete, "{}: H..L", e.path);
            assert!(m.text.starts_with(b"H|"), "{}", e.path);
            assert_eq!(m.offset, 0, "{}: the first frame starts the file", e.path);
        }
        let number_problems = capture
            .messages
            .iter()
            .flat_map(|m| &m.diagnostics)
            .filter(|d| matches!(d.kind, CaptureDiagnosticKind::FrameNumberMismatch { .. }))
            .count();
        assert_eq!(
            number_problems == 0,
            e.regular_numbers,
            "{}: frame numbers",
            e.path
        );
        let others = capture
            .messages
            .iter()
            .flat_map(|m| &m.diagnostics)
            .filter(|d| !matches!(d.kind, CaptureDiagnosticKind::FrameNumberMismatch { .. }));
        assert_eq!(others.count(), 0, "{}", e.path);
        assert!(
            capture.diagnostics.is_empty(),
            "{}: {:?}",
            e.path,
            capture.diagnostics
        );
        total_frames += e.frames;
    }
    // 216 of the 218 STX blocks of the corpus are these frames; the other two are below.
    assert_eq!(total_frames, 216);
}

#[test]
fn single_frame_sizes_match_the_files() {
    // File sizes minus STX, FN, ETX, C1, C2 and the trailer present in the file.
    let cases = [
        ("sysmex-xn550/xn550_cbc.astm", 2613 - 6), // ends CR
        ("cepheid-genexpert/genexpert_mtb_rif.astm", 4338 - 6), // ends CR
        (
            "roche-cobas-c311/c311_multi_result_single_frame.astm",
            624 - 7,
        ), // ends CR LF
        ("abbott-afinion2/afinion2_hba1c.astm", 188 - 6), // ends CR, no LF
    ];
    for (path, text_len) in cases {
        let tokens = lis_astm::frame::decode_all(&corpus(path));
        let frames: Vec<_> = tokens
            .iter()
            .filter_map(|t| match t {
                Ok(lis_astm::frame::Decoded::Frame(f)) => Some(f),
                _ => None,
            })
            .collect();
        assert_eq!(frames.len(), 1, "{path}");
        assert_eq!(frames[0].frame.text.len(), text_len, "{path}");
        assert_eq!(tokens.len(), 1, "{path}: no stray bytes");
    }
}

#[test]
fn non_astm_files_give_diagnostics_not_panics() {
    // Spotchem EL: STX, a printer dump, ETX and no checksum.
    let spotchem = decode_capture(&corpus("arkray-spotchem-el/spotchem_el_native_nonastm.raw"));
    assert_eq!(spotchem.stats.frames, 1);
    assert_eq!(spotchem.stats.valid_checksums, 0);
    let diagnostics: Vec<_> = spotchem
        .messages
        .iter()
        .flat_map(|m| &m.diagnostics)
        .collect();
    assert!(diagnostics
        .iter()
        .any(|d| matches!(d.kind, CaptureDiagnosticKind::ChecksumMissing { .. })));
    assert!(spotchem.messages.iter().all(|m| !m.complete));
    assert!(!looks_like_e1381(&corpus(
        "arkray-spotchem-el/spotchem_el_native_nonastm.raw"
    )));

    // mini VIDAS: STX then RS-separated fields and no ETX at all.
    let vidas_bytes = corpus("biomerieux-mini-vidas/mini_vidas_native_nonastm.raw");
    let vidas = decode_capture(&vidas_bytes);
    assert_eq!(vidas.stats.frames, 0);
    assert!(vidas.messages.is_empty());
    assert!(vidas
        .diagnostics
        .iter()
        .any(|d| matches!(d.kind, CaptureDiagnosticKind::Unreadable(_))));
    assert!(!looks_like_e1381(&vidas_bytes));

    // Both, through a live computer link: ignored and counted, no panic, nothing delivered complete.
    for bytes in [
        corpus("arkray-spotchem-el/spotchem_el_native_nonastm.raw"),
        vidas_bytes,
    ] {
        let (out, messages) = through_link(&bytes, &mut |_| 7);
        let acks = out.iter().filter(|&&b| b == ACK).count();
        assert_eq!(acks, 1, "only the ENQ is ACKed: {out:?}");
        assert!(messages.iter().all(|(_, complete)| !complete));
    }
}

/// Feeds ENQ, the capture and EOT into a computer link in chunks; accepts every message. Returns all
/// bytes the link wrote and the delivered messages.
fn through_link(
    capture: &[u8],
    chunk: &mut dyn FnMut(usize) -> usize,
) -> (Vec<u8>, Vec<(Vec<u8>, bool)>) {
    #[allow(clippy::disallowed_methods)]
    let now = Instant::now();
    let mut link = Link::new(Role::Computer, LinkConfig::default());
    let mut input = vec![ENQ];
    input.extend_from_slice(capture);
    let mut out = Vec::new();
    let mut messages = Vec::new();
    let mut rest = &input[..];
    // The EOT goes last, on its own, as a sender sends it only after the reply to its last frame.
    let mut eot_sent = false;
    while !eot_sent {
        if rest.is_empty() {
            link.handle_input(now, &[EOT]);
            eot_sent = true;
        } else {
            let n = chunk(rest.len()).clamp(1, rest.len());
            link.handle_input(now, &rest[..n]);
            rest = &rest[n..];
        }
        loop {
            while let Some(bytes) = link.poll_transmit() {
                out.extend(bytes);
            }
            let Some(event) = link.poll_event() else {
                break;
            };
            if let LinkEvent::MessageReceived(m) = event {
                if m.reply_pending {
                    assert!(link.accept_message(now));
                }
                messages.push((m.text, m.complete));
            }
        }
    }
    (out, messages)
}

/// Chooses the size of the next chunk from the bytes left.
type Chunker = Box<dyn FnMut(usize) -> usize>;

/// A small deterministic generator for chunk sizes (xorshift).
fn splitter(seed: u64) -> impl FnMut(usize) -> usize {
    let mut state = seed;
    move |left| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        1 + (state % 300) as usize % left.max(1)
    }
}

#[test]
fn captures_through_the_computer_link_every_frame_acked_each_message_once() {
    for e in FRAMED.iter().filter(|e| e.regular_numbers) {
        let bytes = corpus(e.path);
        let expected: Vec<Vec<u8>> = decode_capture(&bytes)
            .messages
            .into_iter()
            .map(|m| m.text)
            .collect();
        let splits: [(&str, Chunker); 4] = [
            ("byte by byte", Box::new(|_| 1)),
            ("whole", Box::new(|left| left)),
            ("random 1", Box::new(splitter(0x9E37_79B9_7F4A_7C15))),
            ("random 2", Box::new(splitter(42))),
        ];
        for (name, mut chunk) in splits {
            let (out, messages) = through_link(&bytes, &mut chunk);
            // One ACK for the ENQ and one per frame; never a NAK.
            assert_eq!(
                out.iter().filter(|&&b| b == ACK).count(),
                e.frames + 1,
                "{} {name}",
                e.path
            );
            assert!(!out.contains(&NAK), "{} {name}", e.path);
            let texts: Vec<Vec<u8>> = messages.iter().map(|(t, _)| t.clone()).collect();
            assert_eq!(
                texts, expected,
                "{} {name}: each message delivered once",
                e.path
            );
            assert!(messages.iter().all(|(_, complete)| *complete));
        }
    }
}

#[test]
fn irregular_frame_numbers_are_naked_by_the_link() {
    // The re-framed Yumizen QC capture repeats numbers with new text (kept, flagged) and then skips
    // (NAKed): a live link would make the sender repeat; here nothing repeats, so the link reports it.
    let bytes = corpus("horiba-yumizen-h500/yumizen_h500_qc_histograms.astm");
    let (out, _) = through_link(&bytes, &mut |_| 64);
    assert!(out.contains(&NAK));
}
