//! Feed arbitrary bytes to the urine strip reader's printout: cut into printouts by the printout
//! decoder (as the link does), each printout must read or say at which line and byte it stopped,
//! and never panic; a printout that reads gives one measurement per pad.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lis_vendor::urine_strip::{PrintoutDecoder, PrintoutEvent, ReadError, StripPrintout};

fn read(raw: &[u8]) {
    match StripPrintout::parse(raw) {
        Ok(p) => {
            assert!(!p.specimen_id.is_empty());
            assert_eq!(p.measurements().len(), p.pads.len());
        }
        Err(ReadError::Unexpected { offset, .. }) => assert!(offset <= raw.len()),
    }
}

fuzz_target!(|data: &[u8]| {
    read(data);
    let mut d = PrintoutDecoder::new();
    d.push(data);
    d.finish();
    while let Some(e) = d.next_event() {
        if let PrintoutEvent::Message(raw) = e {
            read(&raw);
        }
    }
});
