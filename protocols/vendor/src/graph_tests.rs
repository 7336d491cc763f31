//! The graph decoders on the corpus's Horiba Yumizen M records and on a BMP written by hand.
//!
//! Expected numbers were computed independently of this crate, once, with python3's `zlib`
//! (`decompress(data, -15)`, raw deflate) and `struct.unpack('<Nf', ...)` on the same fields,
//! and written here by hand.

use super::*;
use crate::corpus::corpus;

/// The M-6 and M-7 fields of the M record named `name` (M-5) in a corpus file whose records
/// are one a line (frame number before, `<CR><ETX>` checksum after, as the capture kept them).
fn m_fields(path: &str, name: &str) -> (String, String) {
    let text = String::from_utf8_lossy(&corpus(path)).into_owned();
    for line in text.split(['\r', '\n']) {
        let Some(at) = line.find("M|") else { continue };
        let fields: Vec<&str> = line[at..].split('|').collect();
        if fields.get(4) == Some(&name) {
            return (fields[5].to_owned(), fields[6].to_owned());
        }
    }
    panic!("no M record {name} in {path}");
}

const H500_QC: &str = "astm/horiba-yumizen-h500/yumizen_h500_qc_histograms.astm";
const H550_QC: &str = "astm/horiba-yumizen-h550/yumizen_h550_qc_m_records.astm";

#[test]
fn h500_rbc_histogram_has_254_channels_ticks_and_no_markers() {
    let (markers, curve) = m_fields(H500_QC, "RbcAlongRes");
    let h = histogram(&markers, &curve).unwrap();
    assert_eq!(
        h.plot,
        Plot {
            x_min: 0.0,
            x_max: 278.0,
            y_min: 0.0,
            y_max: 726.0
        }
    );
    assert_eq!(h.x_ticks, [50.0, 100.0, 150.0]);
    assert_eq!((h.x.len(), h.y.len()), (254, 254));
    // python: 1.08695650100708 (25/23 in float32), the last position 276.0869445800781.
    assert!((h.x[0] - 1.086_956_5).abs() < 1e-6);
    assert!((h.x[253] - 276.086_94).abs() < 1e-4);
    // python: the largest count 726.0 (the box's top) at channel 73 (80.43 fL); all counts add
    // up to 23488.
    assert_eq!(h.y[73], 726.0);
    assert_eq!(h.y.iter().sum::<f32>(), 23488.0);
    assert!(
        h.markers.is_empty(),
        "the RBC markers field is `2, 0`: none"
    );
}

#[test]
fn h500_plt_histogram_has_three_discriminator_lines() {
    let (markers, curve) = m_fields(H500_QC, "PltAlongRes");
    let h = histogram(&markers, &curve).unwrap();
    assert_eq!(h.plot.x_max, 34.0);
    assert_eq!(h.plot.y_max, 70.0);
    assert_eq!(h.x_ticks, [2.0, 10.0, 20.0, 30.0]);
    assert_eq!(h.x.len(), 255);
    // python: 3.2875001430511475, 28.27250099182129, 11.309000015258789.
    assert_eq!(h.markers.len(), 3);
    assert!((h.markers[0] - 3.2875).abs() < 1e-6);
    assert!((h.markers[1] - 28.2725).abs() < 1e-5);
    assert!((h.markers[2] - 11.309).abs() < 1e-5);
    // python: the largest count 31.0 at channel 49 (6.590163707733154 fL); the sum 2496.
    assert_eq!(h.y[49], 31.0);
    assert!((h.x[49] - 6.590_163_7).abs() < 1e-5);
    assert_eq!(h.y.iter().sum::<f32>(), 2496.0);
}

#[test]
fn h500_lmne_matrix_has_four_columns_of_5383_events() {
    let (_, curve) = m_fields(H500_QC, "LMNEResAbs");
    let m = matrix(&curve).unwrap();
    assert_eq!(m.plot.x_max, 2047.0);
    assert_eq!(m.columns.len(), 4);
    assert!(m.columns.iter().all(|c| c.len() == 5383));
    // python: x starts 687, 744, 407; y starts 792, 856, 1126; the third column is all 1.
    assert_eq!(&m.columns[0][..3], &[687.0, 744.0, 407.0]);
    assert_eq!(&m.columns[1][..3], &[792.0, 856.0, 1126.0]);
    assert!(m.columns[2].iter().all(|&v| v == 1.0));
}

#[test]
fn h550_curves_do_not_inflate_and_say_so() {
    // The H550 file's M-7 fields stop being valid deflate after about 100 bytes (python's zlib
    // says "invalid code -- missing end-of-block" and "invalid literal/lengths set"); the markers
    // fields (M-6) are whole.
    let (markers, curve) = m_fields(H550_QC, "PltAlongRes");
    let m = block(&float_stream(&markers).unwrap(), Layout::Plain).unwrap();
    assert_eq!(m.arrays.len(), 2);
    assert_eq!(m.arrays[1], [0.0, 1.0, 2.0]);
    // python: 21.697500228881836, the middle line differs from the H500's.
    assert!((m.arrays[0][1] - 21.6975).abs() < 1e-5);
    let err = histogram(&markers, &curve).unwrap_err();
    assert!(matches!(err, GraphError::Deflate { .. }), "{err}");
    let (_, curve) = m_fields(H550_QC, "LMNEResAbs");
    assert!(matches!(matrix(&curve), Err(GraphError::Deflate { .. })));
}

#[test]
fn another_encoding_or_no_data_is_named() {
    assert_eq!(
        float_stream("INT16-stream^AAAA"),
        Err(GraphError::Encoding {
            expected: FLOAT_STREAM,
            got: "INT16-stream".to_owned()
        })
    );
    assert_eq!(
        float_stream("FLOATLE-stream/deflate:base64^"),
        Err(GraphError::Empty)
    );
    assert!(matches!(
        float_stream("FLOATLE-stream/deflate:base64^not*base64"),
        Err(GraphError::Base64 { .. })
    ));
}

#[test]
fn counts_that_do_not_add_up_are_layout_errors() {
    // Box, no ticks, 2 arrays of 3 values, but only 5 values follow.
    let values = [
        0.0, 10.0, 0.0, 5.0, 0.0, 0.0, 2.0, 3.0, 1.0, 2.0, 3.0, 4.0, 5.0,
    ];
    assert!(matches!(
        block(&values, Layout::WithTicks),
        Err(GraphError::Layout { .. })
    ));
    // A count of 2.5 or -1 is not a count.
    for bad in [2.5, -1.0, f32::NAN] {
        let values = [0.0, 10.0, 0.0, 5.0, bad, 0.0];
        assert!(matches!(
            block(&values, Layout::Plain),
            Err(GraphError::Layout { .. })
        ));
    }
    // Too short for the box.
    assert!(matches!(
        block(&[1.0], Layout::Plain),
        Err(GraphError::Layout { at: 1, .. })
    ));
}

/// A 4x2 24-bit BMP written from the BMP file format by hand: a 14-byte BITMAPFILEHEADER, a
/// 40-byte BITMAPINFOHEADER, then two rows of four BGR pixels (12 bytes a row, already a
/// multiple of 4, so no padding), bottom row first.
pub(crate) const BMP_4X2: [u8; 78] = [
    0x42, 0x4D, // bfType "BM"
    0x4E, 0x00, 0x00, 0x00, // bfSize 78 = 14 + 40 + 24
    0x00, 0x00, 0x00, 0x00, // bfReserved1, bfReserved2
    0x36, 0x00, 0x00, 0x00, // bfOffBits 54
    0x28, 0x00, 0x00, 0x00, // biSize 40
    0x04, 0x00, 0x00, 0x00, // biWidth 4
    0x02, 0x00, 0x00, 0x00, // biHeight 2 (bottom-up)
    0x01, 0x00, // biPlanes 1
    0x18, 0x00, // biBitCount 24
    0x00, 0x00, 0x00, 0x00, // biCompression BI_RGB
    0x18, 0x00, 0x00, 0x00, // biSizeImage 24
    0x13, 0x0B, 0x00, 0x00, // biXPelsPerMeter 2835 (72 dpi)
    0x13, 0x0B, 0x00, 0x00, // biYPelsPerMeter 2835
    0x00, 0x00, 0x00, 0x00, // biClrUsed
    0x00, 0x00, 0x00, 0x00, // biClrImportant
    0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0x00, 0xFF, 0xFF,
    0xFF, // red green blue white
    0x00, 0x00, 0x00, 0x40, 0x40, 0x40, 0x80, 0x80, 0x80, 0xC0, 0xC0, 0xC0, // four greys
];

/// `BMP_4X2` in base64, computed with python3's `base64.b64encode`.
pub(crate) const BMP_4X2_BASE64: &str =
    "Qk1OAAAAAAAAADYAAAAoAAAABAAAAAIAAAABABgAAAAAABgAAAATCwAAEwsAAAAAAAAAAAAAAAD/AP8A/wAA////AAAAQEBAgICAwMDA";

#[test]
fn a_bmp_decodes_to_its_bytes() {
    let img = image("BMP", BMP_4X2_BASE64).unwrap();
    assert_eq!(img.media_type, "image/bmp");
    assert_eq!(img.bytes, BMP_4X2);
}

#[test]
fn the_manuals_placeholder_is_not_an_image() {
    // The BC-5380 manual writes `… … WBC Histogram bmp data……` where the data goes.
    let err = image("BMP", " … … WBC Histogram bmp data……").unwrap_err();
    assert!(matches!(err, GraphError::Base64 { .. }), "{err}");
    // Valid base64 of bytes that are not a BMP.
    assert_eq!(
        image("BMP", "iVBORw0KGgo="),
        Err(GraphError::Signature {
            claimed: "BMP".to_owned(),
            head: "89 50 4E 47 0D 0A 1A 0A".to_owned()
        })
    );
    assert_eq!(
        image("TIFF", "AAAA"),
        Err(GraphError::ImageType("TIFF".to_owned()))
    );
}

#[test]
fn inflating_is_bounded() {
    // 17 MiB of zeros deflates to a few kilobytes; the reader stops at 16 MiB.
    let zeros = vec![0u8; 17 * 1024 * 1024];
    let packed = miniz_oxide::deflate::compress_to_vec(&zeros, 6);
    let field = format!(
        "{FLOAT_STREAM}^{}",
        base64::engine::general_purpose::STANDARD.encode(packed)
    );
    assert!(matches!(
        float_stream(&field),
        Err(GraphError::Deflate {
            detail: "inflates past the 16 MiB limit",
            ..
        })
    ));
}
