//! The microbiology ID/AST system (`microbiology-mic`): the LIS2-A microbiology trace from the
//! corpus through the real link into core, each isolate stored as one result (its value the
//! organism) with its susceptibility panel, the values written by hand from the trace; and an
//! identification and susceptibilities arriving in separate messages, two isolates of one
//! specimen, for an ordered specimen.

use std::time::Duration;

use lis_core::model::{Interpretation, Isolate, Susceptibility};

use super::{corpus, messages, row, rows, triples, Lis};
use crate::simulator::session::AstmInstrument;
use crate::simulator::Delivery;

const LIMIT: Duration = Duration::from_secs(20);

async fn play_astm(lis: &Lis, messages: &[String]) -> Vec<Delivery> {
    let io = lis.connect().await;
    let mut analyzer = AstmInstrument::framed(io, 64_000);
    let mut out = Vec::new();
    for m in messages {
        out.push(analyzer.send(m, LIMIT).await.unwrap());
    }
    analyzer.settle(LIMIT).await.unwrap();
    out
}

/// (antibiotic code, name, MIC, interpretation, word sent).
type Row = (String, String, String, Option<Interpretation>, String);

fn panel(isolate: &Isolate) -> Vec<Row> {
    isolate
        .susceptibilities
        .iter()
        .map(|s: &Susceptibility| {
            (
                s.antibiotic_code.clone(),
                s.antibiotic_name.clone(),
                s.mic.clone(),
                s.interpretation,
                s.interpretation_sent.clone(),
            )
        })
        .collect()
}

fn ab(code: &str, name: &str, mic: &str, i: Option<Interpretation>, sent: &str) -> Row {
    (code.into(), name.into(), mic.into(), i, sent.into())
}

fn isolate_of(lis: &Lis, specimen: &str) -> Isolate {
    let u = lis
        .unmatched()
        .into_iter()
        .find(|u| u.specimen_id == specimen)
        .unwrap_or_else(|| panic!("no unmatched isolate of {specimen}"));
    lis.store.unmatched_isolate(u.id).unwrap().unwrap()
}

use Interpretation::{Resistant as R, Susceptible as S};

#[tokio::test]
async fn microbiology_stores_each_isolate_as_its_organism_with_its_panel() {
    let lis = Lis::start("MICRO", "microbiology-mic");
    let msgs = messages(&corpus(
        "astm/microbiology-mic-system/lis2a_micro_id_ast.astm",
    ));
    assert_eq!(msgs.len(), 1);
    assert_eq!(play_astm(&lis, &msgs).await, vec![Delivery::Acknowledged]);
    // One result per specimen and isolate letter (not ordered here: unmatched), its value the
    // organism of the C record FINALID; not one row per antibiotic.
    assert_eq!(
        rows(&lis.unmatched()),
        vec![
            row("XID00113027-01", "ISOLATE-A", "Escherichia coli", ""),
            row("XID00114117-01", "ISOLATE-A", "ANY ORGANISM", ""),
            row("XID00114137-01", "ISOLATE-A", "Escherichia coli", ""),
            row("XID00126147-01", "ISOLATE-A", "Pseudomonas aeruginosa", ""),
        ]
    );

    let pae = isolate_of(&lis, "XID00126147-01");
    assert_eq!(
        (
            pae.label.as_str(),
            pae.organism_code.as_str(),
            pae.organism_name.as_str()
        ),
        ("A", "P.AER", "Pseudomonas aeruginosa")
    );
    let pae_panel = panel(&pae);
    // GN7F: 24 antibiotics; the positive growth control is not one of them.
    assert_eq!(pae_panel.len(), 24, "{pae_panel:?}");
    assert_eq!(
        pae_panel[0],
        ab("AMIKAC", "Amikacin", "<=8.0000", Some(S), "SUSC")
    );
    assert_eq!(
        pae_panel[1],
        ab("AMPICI", "Ampicillin", ">16.0000", Some(R), "RESIST")
    );
    for expected in [
        ab("AZTREO", "Aztreonam", "2.0000", Some(S), "SUSC"),
        ab("ERTAPE", "Ertapenem", "4.0000", Some(R), "RESIST"),
        ab("NITRO", "Nitrofurantoin", ">64.0000", None, "NOINTP"),
        ab(
            "TRISUL",
            "Trimethoprim/Sulfamethoxazole",
            "<=2.0000",
            Some(R),
            "RESIST",
        ),
    ] {
        assert!(pae_panel.contains(&expected), "{expected:?} missing");
    }
    assert!(!pae_panel.iter().any(|r| r.0 == "POSCTL"));
    // The ID candidates and scores, and the additional tests, are the isolate's details.
    let details = triples(
        &lis.store
            .unmatched_supplements(
                lis.unmatched()
                    .iter()
                    .find(|u| u.specimen_id == "XID00126147-01")
                    .unwrap()
                    .id,
            )
            .unwrap(),
    );
    for expected in [
        ("ORG1", "Pseudomonas stutzeri"),
        ("ORG2", "Pseudomonas aeruginosa"),
        ("WILCOX1", "0.4228480830"),
        ("QUALITY", "Excellent Group"),
        ("Growth on MacConkey", "+"),
        ("Oxidase", "+"),
        ("Beta-lactamase", "+"),
    ] {
        let found = details
            .iter()
            .any(|d| d.0 == expected.0 && d.1 == expected.1);
        assert!(found, "{expected:?} missing from {details:?}");
    }

    let eco = panel(&isolate_of(&lis, "XID00113027-01"));
    assert_eq!(eco.len(), 24);
    assert!(eco.contains(&ab("CIPROF", "Ciprofloxacin", ">2.0000", Some(R), "RESIST")));
    assert!(eco.contains(&ab("LEVOFL", "Levofloxacin", "8.0000", Some(R), "RESIST")));
    assert!(eco.contains(&ab("TIGECY", "Tigecycline", "<=1.0000", None, "NOINTP")));

    // GPALL3F: six antibiotics, none interpreted; both growth controls left out.
    let gp = isolate_of(&lis, "XID00114117-01");
    assert_eq!(gp.organism_code, "ANY");
    let codes: Vec<&str> = gp
        .susceptibilities
        .iter()
        .map(|s| s.antibiotic_code.as_str())
        .collect();
    assert_eq!(
        codes,
        ["AMPICI", "CHLORA", "DTEST1", "DTEST2", "GEN500", "LEVOFL"]
    );
    assert!(panel(&gp).contains(&ab(
        "GEN500",
        "Gentamicin 500 ug/ml",
        "<=500.0000",
        None,
        "NOINTP"
    )));
    assert!(gp
        .susceptibilities
        .iter()
        .all(|s| s.interpretation.is_none()));
    lis.stop().await;
}

/// An O record of specimen `S900`, isolate `letter`, report type F (O-26), with its organism
/// comment and `rows`.
fn order(seq: u32, letter: &str, organism: &str, rows: &[&str]) -> String {
    let mut out = format!(
        "O|{seq}|S900^{letter}^||^^^EZP7^GN7F|R||||||N{}F\r",
        "|".repeat(14)
    );
    out.push_str(&format!("C|1|L|FINALID^{organism}\r"));
    for r in rows {
        out.push_str(r);
        out.push('\r');
    }
    out
}

fn message(orders: &[String]) -> String {
    format!(
        "H|\\^&|||OrgName|||||||P|NCCLS LIS2-A|20221004013849\rP|1\r{}L|1|N\r",
        orders.concat()
    )
}

#[tokio::test]
async fn a_later_susceptibility_message_completes_the_panel_and_a_second_isolate_stays_apart() {
    let lis = Lis::start("DEMO-MICRO", "microbiology-mic");
    lis.order("S900", &["ORG-A", "ORG-B"]);
    let first = message(&[
        order(
            1,
            "A",
            "E.COL^Escherichia coli^E.coli",
            &[
                "R|1|^^^AMPICI^Ampicillin^Ampicillin^MIC-BP|>16.0000^1",
                "R|2|^^^AMPICI^Ampicillin^Ampicillin^INTERP|RESIST^Resistant",
            ],
        ),
        order(2, "B", "K.PNE^Klebsiella pneumoniae^K.pneumoniae", &[]),
    ]);
    let second = message(&[order(
        1,
        "A",
        "E.COL^Escherichia coli^E.coli",
        &[
            "R|1|^^^AMIKAC^Amikacin^Amikacin^MIC-BP|<=8.0000^1",
            "R|2|^^^AMIKAC^Amikacin^Amikacin^INTERP|SUSC^Susceptible",
        ],
    )]);
    assert_eq!(
        play_astm(&lis, &[first, second]).await,
        vec![Delivery::Acknowledged, Delivery::Acknowledged]
    );
    assert!(lis.unmatched().is_empty(), "{:?}", rows(&lis.unmatched()));
    let review = lis.store.specimen_review("S900").unwrap();
    let latest = |code: &str| {
        review
            .results
            .iter()
            .filter(|r| r.test_code == code)
            .max_by_key(|r| r.version)
            .unwrap_or_else(|| panic!("no {code}"))
    };
    let a = latest("ORG-A");
    assert_eq!((a.version, a.value.as_str()), (2, "Escherichia coli"));
    let a_panel = panel(a.isolate.as_ref().unwrap());
    assert_eq!(
        a_panel,
        vec![
            ab("AMIKAC", "Amikacin", "<=8.0000", Some(S), "SUSC"),
            ab("AMPICI", "Ampicillin", ">16.0000", Some(R), "RESIST"),
        ]
    );
    let b = latest("ORG-B");
    assert_eq!((b.version, b.value.as_str()), (1, "Klebsiella pneumoniae"));
    let b_isolate = b.isolate.as_ref().unwrap();
    assert_eq!(
        (b_isolate.label.as_str(), b_isolate.organism_code.as_str()),
        ("B", "K.PNE")
    );
    assert!(b_isolate.susceptibilities.is_empty());
    lis.stop().await;
}

#[tokio::test]
async fn the_simulator_sends_an_isolate_with_its_panel_as_the_analyzer_does() {
    let (lis, sent) =
        super::simulated_two_specimens("MICRO", "microbiology-mic", ["B200", "B201"]).await;
    // One isolate result per specimen (what the simulator reports is what is stored).
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent.iter().all(|r| r.1 == "ISOLATE-A"), "{sent:?}");
    for specimen in ["B200", "B201"] {
        let isolate = isolate_of(&lis, specimen);
        assert_eq!(isolate.label, "A");
        let codes: Vec<&str> = isolate
            .susceptibilities
            .iter()
            .map(|s| s.antibiotic_code.as_str())
            .collect();
        assert_eq!(codes, ["AMIKAC", "CIPROF", "MEROPE"]);
        for s in &isolate.susceptibilities {
            // The MIC follows the interpretation as the profile's [simulator] says.
            let expected = match (s.antibiotic_code.as_str(), s.interpretation) {
                ("AMIKAC", Some(S)) => "<=8.0000",
                ("AMIKAC", Some(R)) => ">32.0000",
                ("CIPROF", Some(S)) => "<=0.2500",
                ("CIPROF", Some(R)) => ">2.0000",
                ("CIPROF", Some(Interpretation::Intermediate)) => "2.0000",
                ("MEROPE", Some(S)) => "<=0.5000",
                ("MEROPE", Some(R)) => ">8.0000",
                other => panic!("unexpected {other:?}"),
            };
            assert_eq!(s.mic, expected, "{s:?}");
        }
    }
    lis.stop().await;
}
