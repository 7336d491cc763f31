//! Analyzer graphs (`lis_vendor::graph`): no field makes the decoders panic, and a float block
//! that reads writes back to the same values (box, ticks, counts, arrays).
#![no_main]

use libfuzzer_sys::fuzz_target;
use lis_vendor::graph::{block, float_stream, histogram, image, FloatBlock, Layout};

fn values_of(b: &FloatBlock, layout: Layout) -> Vec<f32> {
    let mut out = vec![b.plot.x_min, b.plot.x_max, b.plot.y_min, b.plot.y_max];
    if layout == Layout::WithTicks {
        for ticks in [&b.x_ticks, &b.y_ticks] {
            out.push(ticks.len() as f32);
            out.extend(ticks);
        }
    }
    out.push(b.arrays.len() as f32);
    out.push(b.arrays.first().map_or(0, Vec::len) as f32);
    for a in &b.arrays {
        out.extend(a);
    }
    out
}

/// Reads `values` both ways; what reads writes back bit for bit.
fn round_trip(values: &[f32]) {
    for layout in [Layout::Plain, Layout::WithTicks] {
        if let Ok(b) = block(values, layout) {
            let again = values_of(&b, layout);
            assert_eq!(again.len(), values.len());
            for (x, y) in again.iter().zip(values) {
                assert!(x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()));
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // The Yumizen's histogram fields are under 2 KB; its matrix field (27 KB) is read whole
    // only by the unit tests, so longer inputs only slow the run.
    let data = &data[..data.len().min(16 * 1024)];
    let text = String::from_utf8_lossy(data);
    // Each record's `|` fields as an M record's would be given: decoded once, read both ways.
    for record in text.split(['\r', '\n']) {
        let fields: Vec<&str> = record.split('|').take(8).collect();
        for field in &fields {
            if let Ok(values) = float_stream(field) {
                round_trip(&values);
            }
            if let Some((kind, rest)) = field.split_once('^') {
                let _ = image(kind, rest);
            }
        }
        if let [.., markers, curve] = fields.as_slice() {
            let _ = histogram(markers, curve);
        }
    }
    // The raw bytes as float32 values, without the base64 and deflate wrapping.
    let floats: Vec<f32> = data
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    round_trip(&floats);
});
