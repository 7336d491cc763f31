//! Analyzer graphs (`lis_vendor::graph`): no field makes the decoders panic, and a float block
//! that reads writes back to the same values (box, ticks, counts, arrays).
#![no_main]

use libfuzzer_sys::fuzz_target;
use lis_vendor::graph::{block, float_stream, histogram, image, matrix, FloatBlock, Layout};

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

fuzz_target!(|data: &[u8]| {
    // The largest M record of the corpus is 27 KB; longer inputs only slow the run.
    let data = &data[..data.len().min(64 * 1024)];
    let text = String::from_utf8_lossy(data);
    // Every `|` field of the input, as an M record's fields would be given.
    let fields: Vec<&str> = text.split('|').collect();
    for pair in fields.windows(2) {
        let _ = histogram(pair[0], pair[1]);
    }
    for field in &fields {
        let _ = matrix(field);
        if let Some((kind, rest)) = field.split_once('^') {
            let _ = image(kind, rest);
        }
        if let Ok(values) = float_stream(field) {
            for layout in [Layout::Plain, Layout::WithTicks] {
                if let Ok(b) = block(&values, layout) {
                    assert_eq!(values_of(&b, layout).len(), values.len());
                }
            }
        }
    }
    // The raw bytes as float32 values, without the base64 and deflate wrapping.
    let floats: Vec<f32> = data
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    for layout in [Layout::Plain, Layout::WithTicks] {
        if let Ok(b) = block(&floats, layout) {
            let again = values_of(&b, layout);
            assert_eq!(again.len(), floats.len());
            for (x, y) in again.iter().zip(&floats) {
                assert!(x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()));
            }
        }
    }
});
