//! The graphs section and the image route through the real app (`oneshot`), as a browser
//! sees them, and the SVG drawing on numbers worked out by hand.

use axum::http::{header, StatusCode};
use lis_core::config::ReviewSteps;
use lis_core::model::{AnalyzerGraph, Curve, GraphContent, MessageKind, PlotBox, Scatter};

use super::*;
use crate::ui::i18n::check_catalog;
use crate::ui::testing::browser::{get_page, send, Browser};
use crate::ui::testing::lab::results_message;
use crate::ui::testing::specimen_lab::{lab, Lab, BARCODE};

/// A 4x2 24-bit BMP written by hand from the BMP file format: BITMAPFILEHEADER ("BM", size
/// 78, offset 54), BITMAPINFOHEADER (40 bytes: 4 x 2, one plane, 24 bits, no compression,
/// 24 bytes of pixels, 2835 pixels a metre), then two rows of four BGR pixels, bottom first.
const BMP_4X2: [u8; 78] = [
    0x42, 0x4D, 0x4E, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x36, 0x00, 0x00, 0x00, 0x28, 0x00,
    0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x18, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x13, 0x0B, 0x00, 0x00, 0x13, 0x0B, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // headers
    0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0x00, 0xFF, 0xFF,
    0xFF, // red green blue white
    0x00, 0x00, 0x00, 0x40, 0x40, 0x40, 0x80, 0x80, 0x80, 0xC0, 0xC0, 0xC0, // four greys
];

fn plot(x_max: f32, y_max: f32) -> PlotBox {
    PlotBox {
        x_min: 0.0,
        x_max,
        y_min: 0.0,
        y_max,
    }
}

fn curve() -> Curve {
    Curve {
        plot: plot(296.0, 10.0),
        x_ticks: vec![148.0],
        x: vec![0.0, 148.0, 296.0],
        y: vec![0.0, 10.0, 5.0],
        markers: vec![74.0],
    }
}

/// Ingests a run of the specimen with an image, a histogram, a scattergram, a file reference
/// and an undecodable image; returns the ids of the graphs in that order.
fn with_graphs(lab: &Lab, specimen: &str) -> Vec<i64> {
    let mut m = results_message(specimen, "2026-12-07T03:00:00Z", &[("TSH", "2.1")]);
    m.link = "hema-1".into();
    m.raw = format!("graphs of {specimen}").into_bytes();
    m.kind = MessageKind::Results;
    let g = |name: &str, content| AnalyzerGraph {
        specimen_id: specimen.into(),
        is_qc: false,
        name: name.into(),
        row: "OBX 1".into(),
        content,
    };
    m.graphs = vec![
        g(
            "WBC Histogram. BMP",
            GraphContent::Image {
                media_type: "image/bmp".into(),
                bytes: BMP_4X2.to_vec(),
            },
        ),
        g("RbcAlongRes", GraphContent::Histogram(curve())),
        g(
            "LMNEResAbs",
            GraphContent::Scattergram(Scatter {
                plot: plot(10.0, 10.0),
                x: vec![1.0, 1.0, 9.0],
                y: vec![1.0, 1.0, 9.0],
                extra: vec![],
            }),
        ),
        g(
            "SCAT_DIFF",
            GraphContent::FileReference {
                path: r"PNG\20210414\2021_04_14_14_56_85098_DIFF.PNG".into(),
            },
        ),
        g(
            "PLT Histogram. <BMP>",
            GraphContent::Undecodable {
                raw: "^Image^BMP^Base64^……".into(),
                reason: "base64: Invalid symbol 226, offset 0.".into(),
            },
        ),
    ];
    lab.store.ingest(m).unwrap();
    lab.store
        .specimen_graphs(specimen)
        .unwrap()
        .iter()
        .map(|g| g.id)
        .collect()
}

#[tokio::test]
async fn the_image_is_served_byte_for_byte_with_its_type_and_nosniff() {
    let lab = lab(ReviewSteps::Two);
    let ids = with_graphs(&lab, BARCODE);
    let tech = Browser::sign_in(&lab.app, "tech").await;
    let url = format!("/specimens/{BARCODE}/graphs/{}", ids[0]);
    let image = tech.get(&lab.app, &url).await;
    assert_eq!(image.status, StatusCode::OK);
    assert_eq!(image.content_type(), "image/bmp");
    assert_eq!(image.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(image.bytes, BMP_4X2);

    // A graph that is not an image, one that does not exist, and the image asked under another
    // specimen: not found.
    for other in [
        format!("/specimens/{BARCODE}/graphs/{}", ids[1]),
        format!("/specimens/{BARCODE}/graphs/999"),
        format!("/specimens/OTHER-1/graphs/{}", ids[0]),
    ] {
        assert_eq!(
            tech.get(&lab.app, &other).await.status,
            StatusCode::NOT_FOUND,
            "{other}"
        );
    }

    // No session: to sign-in, nothing served; an administrator (no review role): 403.
    let anonymous = send(&lab.app, get_page(&url, "")).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert!(
        anonymous.location().starts_with("/login?next="),
        "{}",
        anonymous.location()
    );
    assert!(!anonymous.bytes.starts_with(b"BM"));
    let admin = Browser::sign_in(&lab.app, "admin").await;
    let refused = admin.get(&lab.app, &url).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!refused.bytes.starts_with(b"BM"));
}

#[tokio::test]
async fn the_page_shows_each_graph_with_words() {
    let lab = lab(ReviewSteps::Two);
    let ids = with_graphs(&lab, BARCODE);
    let tech = Browser::sign_in(&lab.app, "tech").await;
    let page = tech.get(&lab.app, &format!("/specimens/{BARCODE}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let html = &page.body;
    assert!(
        html.contains("Graphs and images from the analyzer"),
        "{html}"
    );
    assert!(html.contains("Run on DEMO-CHEM at 07/12/2026"), "{html}");
    // The image, from its route, with its text alternative.
    assert!(html.contains(&format!(
        "<img src=\"/specimens/{BARCODE}/graphs/{}\" alt=\"WBC Histogram. BMP, image from the analyzer\"",
        ids[0]
    )));
    // The histogram drawn inline, with its accessible name and description: 3 channels from 0
    // to 296, the highest count 10 at 148, one line at 74.
    let described = "RbcAlongRes: 3 channels from 0 to 296; highest count 10 at 148. Discriminator lines at 74.";
    assert!(
        html.contains(&format!(
            "<title>RbcAlongRes</title><desc>{described}</desc>"
        )),
        "{html}"
    );
    assert!(html.contains("LMNEResAbs: 3 events."));
    // The file on the analyzer and the undecodable image, in words with a symbol; the name
    // sent with `<` is escaped.
    assert!(
        html.contains(r"Image kept on the analyzer: PNG\20210414\2021_04_14_14_56_85098_DIFF.PNG")
    );
    assert!(html.contains("The LIS cannot fetch this file"));
    assert!(html.contains("⚠</span> <span class=\"graph-kind\">Could not be decoded</span>: <strong>PLT Histogram. &#60;BMP&#62;</strong>"), "{html}");
    assert!(html.contains("could not be decoded (base64: Invalid symbol 226, offset 0.)"));
    assert!(!html.contains("<BMP>"));
}

#[test]
fn a_histogram_is_drawn_on_the_analyzers_box() {
    // Plot from x 12 to 308 (296 wide) and y 152 (bottom) to 12 (top, 140 high). Channel
    // (0, 0) is at (12, 152); (148, 10) at (12 + 148, 152 - 140) = (160, 12); (296, 5) at
    // (308, 82). The line at 74 is at x = 12 + 74 = 86; the tick at 148 at x = 160.
    let svg = histogram_svg(&curve(), "R<B>C", "words & more");
    assert!(
        svg.contains("points=\"12.0,152.0 12.0,152.0 160.0,12.0 308.0,82.0 308.0,152.0\""),
        "{svg}"
    );
    assert!(
        svg.contains("<line class=\"marker\" x1=\"86.0\" y1=\"12\" x2=\"86.0\" y2=\"152\"/>"),
        "{svg}"
    );
    assert!(svg.contains("<line class=\"tick\" x1=\"160.0\""), "{svg}");
    assert!(svg.contains("<title>R&lt;B&gt;C</title><desc>words &amp; more</desc>"));
    assert!(svg.contains("role=\"img\""));
}

#[test]
fn a_scattergram_counts_events_per_cell() {
    // Box 0..10 both ways, 64 cells a side: (1, 1) twice in cell (6, 6), (9, 9) once in cell
    // (57, 57). Cells are 296/64 = 4.625 wide and 140/64 = 2.1875 high: cell column 6 starts at
    // x = 12 + 6 × 4.625 = 39.75, row 6 ends 7 cells above the bottom, y = 152 − 7 × 2.1875 =
    // 136.69 (to two places); the fuller cell is opaque, the other 0.25 + 0.75 / 2.
    let s = Scatter {
        plot: plot(10.0, 10.0),
        x: vec![1.0, 1.0, 9.0],
        y: vec![1.0, 1.0, 9.0],
        extra: vec![],
    };
    let svg = scatter_svg(&s, "LMNE", "3 events");
    assert_eq!(svg.matches("<rect").count(), 2, "{svg}");
    assert!(
        svg.contains(
            "x=\"39.75\" y=\"136.69\" width=\"4.62\" height=\"2.19\" fill-opacity=\"1.00\""
        ),
        "{svg}"
    );
    assert!(svg.contains("fill-opacity=\"0.62\""), "{svg}");
}

#[test]
fn the_catalog_has_both_languages() {
    check_catalog::<GraphMsg>(&[]);
}

#[test]
fn the_section_reads_in_vietnamese_too() {
    let at: jiff::Timestamp = "2026-12-07T03:00:00Z".parse().unwrap();
    let stored = |id: i64, name: &str, content| StoredGraph {
        id,
        journal_id: 9,
        instrument: "XN-1".into(),
        received_at: at,
        graph: AnalyzerGraph {
            specimen_id: BARCODE.into(),
            is_qc: false,
            name: name.into(),
            row: "record 37 (R)".into(),
            content,
        },
    };
    let graphs = [
        stored(
            1,
            "SCAT_DIFF",
            GraphContent::FileReference {
                path: r"PNG\20210414\DIFF.PNG".into(),
            },
        ),
        stored(2, "RbcAlongRes", GraphContent::Histogram(curve())),
    ];
    let tz = TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
    let v = view(&graphs, BARCODE, Lang::Vi, &tz);
    assert_eq!(v.heading, "Biểu đồ và hình ảnh từ máy xét nghiệm");
    assert_eq!(v.runs.len(), 1);
    // 03:00 UTC is 10:00 in Hanoi.
    assert_eq!(v.runs[0].title, "Lần chạy trên XN-1 lúc 07/12/2026 10:00");
    let file = &v.runs[0].panels[0];
    assert_eq!(
        (file.symbol, file.kind_word),
        ("↗", "Hình ảnh lưu trên máy")
    );
    assert_eq!(
        file.description,
        r"Hình ảnh lưu trên máy xét nghiệm: PNG\20210414\DIFF.PNG"
    );
    assert_eq!(
        v.runs[0].panels[1].description,
        "RbcAlongRes: 3 kênh, từ 0 đến 296; cao nhất 10 tại 148. Đường phân ngưỡng tại 74."
    );
}
