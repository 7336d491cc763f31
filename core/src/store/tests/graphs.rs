//! Analyzer graphs stay with the run they came with (message, instrument, specimen id as sent),
//! in the order sent; a rerun adds its own; QC runs' are kept and marked; undecodable ones are
//! kept with their text and reason; an image is served only for its own specimen.

use super::*;
use crate::model::{AnalyzerGraph, Curve, GraphContent, PlotBox, Scatter};

fn graph(specimen: &str, name: &str, content: GraphContent) -> AnalyzerGraph {
    AnalyzerGraph {
        specimen_id: specimen.into(),
        is_qc: false,
        name: name.into(),
        row: "OBX 1".into(),
        content,
    }
}

fn curve() -> Curve {
    Curve {
        plot: PlotBox {
            x_min: 0.0,
            x_max: 250.0,
            y_min: 0.0,
            y_max: 100.0,
        },
        x_ticks: vec![50.0, 100.0],
        x: vec![1.5, 2.5, 3.5],
        y: vec![0.0, 7.0, 3.0],
        markers: vec![2.0, 3.25],
    }
}

#[test]
fn a_runs_graphs_are_kept_in_order_with_its_message_and_instrument() {
    let s = store();
    s.place_order(adult("HIS-G", "G1", &["GLU"]), &SYSTEM)
        .unwrap();
    let bmp = vec![0x42, 0x4D, 0x01, 0x02];
    let scatter = Scatter {
        plot: curve().plot,
        x: vec![1.0, 2.0],
        y: vec![3.0, 4.0],
        extra: vec![vec![1.0, 1.0]],
    };
    let mut first = message(
        "DEMO-CHEM",
        "chem",
        "first run",
        vec![obs("G1", "GLU", "5.2")],
    );
    first.graphs = vec![
        graph(
            "G1",
            "WBC Histogram. BMP",
            GraphContent::Image {
                media_type: "image/bmp".into(),
                bytes: bmp.clone(),
            },
        ),
        graph("G1", "RbcAlongRes", GraphContent::Histogram(curve())),
        graph("G1", "LMNEResAbs", GraphContent::Scattergram(scatter)),
        graph(
            "G1",
            "SCAT_DIFF",
            GraphContent::FileReference {
                path: r"PNG\20210414\DIFF.PNG".into(),
            },
        ),
        graph(
            "G1",
            "PLT Histogram. BMP",
            GraphContent::Undecodable {
                raw: "^Image^BMP^Base64^……PLT Histogram bmp data……".into(),
                reason: "base64: Invalid symbol 226, offset 0.".into(),
            },
        ),
    ];
    let out = s.ingest(first.clone()).unwrap();
    let stored = s.specimen_graphs("G1").unwrap();
    assert_eq!(stored.len(), 5);
    assert!(stored.iter().all(|g| g.journal_id == out.journal_id()));
    assert!(stored.iter().all(|g| g.instrument == "DEMO-CHEM"));
    let graphs: Vec<AnalyzerGraph> = stored.iter().map(|g| g.graph.clone()).collect();
    assert_eq!(
        graphs, first.graphs,
        "kept exactly as read, in the order sent"
    );
    assert_eq!(s.message_graphs(out.journal_id()).unwrap().len(), 5);

    // The image is served for its own specimen only.
    assert_eq!(
        s.specimen_image("G1", stored[0].id).unwrap(),
        Some(("image/bmp".to_owned(), bmp))
    );
    assert_eq!(s.specimen_image("G2", stored[0].id).unwrap(), None);
    assert_eq!(
        s.specimen_image("G1", stored[1].id).unwrap(),
        None,
        "not an image"
    );

    // The same bytes again on the same link: a duplicate, nothing stored twice.
    s.ingest(first).unwrap();
    assert_eq!(s.specimen_graphs("G1").unwrap().len(), 5);

    // A rerun brings its own graphs, listed first; the first run's stay.
    let mut rerun = message("DEMO-CHEM", "chem", "rerun", vec![obs("G1", "GLU", "5.3")]);
    rerun.graphs = vec![graph("G1", "RbcAlongRes", GraphContent::Histogram(curve()))];
    let again = s.ingest(rerun).unwrap();
    let stored = s.specimen_graphs("G1").unwrap();
    assert_eq!(stored.len(), 6);
    assert_eq!(stored[0].journal_id, again.journal_id());
    assert_eq!(stored[1].journal_id, out.journal_id());
}

#[test]
fn graphs_of_a_specimen_without_order_and_of_qc_are_kept() {
    let s = store();
    // No order for X9: its result goes to the unmatched queue, its graph is still kept.
    let mut m = message(
        "DEMO-CHEM",
        "chem",
        "no order",
        vec![obs("X9", "GLU", "5.0")],
    );
    m.graphs = vec![graph("X9", "RbcAlongRes", GraphContent::Histogram(curve()))];
    s.ingest(m).unwrap();
    assert_eq!(s.specimen_graphs("X9").unwrap().len(), 1);

    // A QC message's graphs: kept with the message, not shown as a patient specimen's.
    let mut qc_obs = obs("QC-1", "GLU", "5.5");
    qc_obs.is_qc = true;
    let mut qc = message("DEMO-CHEM", "chem", "qc run", vec![qc_obs]);
    qc.kind = MessageKind::Qc;
    let mut g = graph("QC-1", "PltAlongRes", GraphContent::Histogram(curve()));
    g.is_qc = true;
    qc.graphs = vec![g];
    let out = s.ingest(qc).unwrap();
    assert!(s.specimen_graphs("QC-1").unwrap().is_empty());
    let kept = s.message_graphs(out.journal_id()).unwrap();
    assert_eq!(kept.len(), 1);
    assert!(kept[0].graph.is_qc);
}

#[test]
fn a_damaged_graph_row_is_corrupt_not_a_default() {
    let s = store();
    let mut m = message("DEMO-CHEM", "chem", "damaged", vec![]);
    m.kind = MessageKind::Other;
    m.graphs = vec![graph("D1", "RbcAlongRes", GraphContent::Histogram(curve()))];
    s.ingest(m).unwrap();
    s.write(|conn, _| {
        conn.execute(
            "UPDATE graphs SET data = '{not json' WHERE specimen_id = 'D1'",
            [],
        )?;
        Ok(())
    })
    .unwrap();
    match s.specimen_graphs("D1") {
        Err(StoreError::Corrupt { table, column, .. }) => {
            assert_eq!((table, column), ("graphs", "data"));
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    s.write(|conn, _| {
        conn.execute(
            "UPDATE graphs SET kind = 'hologram' WHERE specimen_id = 'D1'",
            [],
        )?;
        Ok(())
    })
    .unwrap();
    assert!(matches!(
        s.specimen_graphs("D1"),
        Err(StoreError::Corrupt { .. })
    ));
}
