//! The E1381 link: a Computer and an Instrument link fed arbitrary byte chunks, time steps and driver
//! calls never panic, and a message the instrument queued is never delivered with altered text.
#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use lis_astm::link::{Link, LinkConfig, LinkEvent, Role};

const MESSAGE: &[u8] = b"H|\\^&\rP|1\rO|1|S1\rR|1|^^^GLU|5.5\rL|1|N\r";

fuzz_target!(|data: &[u8]| {
    #[allow(clippy::disallowed_methods)]
    let mut now = Instant::now();
    let small = LinkConfig { max_frame_len: 16, ..LinkConfig::default() };
    let mut comp = Link::new(Role::Computer, LinkConfig::default());
    let mut inst = Link::new(Role::Instrument, small);
    let mut i = 0;
    while i < data.len() {
        let op = data[i];
        let len = usize::from(data.get(i + 1).copied().unwrap_or(0) % 64);
        let chunk = data.get(i + 2..(i + 2 + len).min(data.len())).unwrap_or(&[]);
        i += 2 + chunk.len();
        match op % 10 {
            0 => comp.handle_input(now, chunk),
            1 => inst.handle_input(now, chunk),
            2 => {
                now += Duration::from_millis(u64::from(op) * 200);
                comp.handle_timeout(now);
                inst.handle_timeout(now);
            }
            3 => drop(inst.send(now, MESSAGE.to_vec())),
            4 => drop(comp.send(now, chunk.to_vec())),
            5 => drop(comp.accept_message(now)),
            6 => drop(comp.reject_message(now)),
            7 => comp.request_interrupt(),
            8 => comp.set_busy(op & 0x80 != 0),
            _ => {
                // Let the two links talk until they are quiet (bounded).
                for _ in 0..64 {
                    let mut moved = false;
                    while let Some(b) = inst.poll_transmit() {
                        moved = true;
                        comp.handle_input(now, &b);
                    }
                    while let Some(b) = comp.poll_transmit() {
                        moved = true;
                        inst.handle_input(now, &b);
                    }
                    if !moved {
                        break;
                    }
                }
            }
        }
        // Whatever the computer delivered from a complete H..L must be a message somebody sent or
        // bytes the fuzzer wrote; at least it starts with H and holds no frame control bytes.
        while let Some(event) = comp.poll_event() {
            if let LinkEvent::MessageReceived(m) = event {
                if m.complete {
                    assert!(matches!(m.text.first(), Some(b'H' | b'h')));
                }
                assert!(!m.text.iter().any(|&b| matches!(b, 0x02 | 0x03 | 0x17)));
            }
        }
        while inst.poll_event().is_some() {}
    }
});
