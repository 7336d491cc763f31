//! Host query round trips: ASTM Q -> O records; QBP^Q11 -> RSP^K11; QRY^Q02 -> QCK^Q02 + DSR^Q03;
//! a rerun requested in core appearing in the next answer.

use std::time::Duration;

use lis_core::model::Actor;

use super::{corpus, Lis};
use crate::simulator::session::{AstmInstrument, MllpAnalyzer};
use crate::simulator::{self, Delivery, SimOptions};

const LIMIT: Duration = Duration::from_secs(20);

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

#[tokio::test]
async fn astm_query_is_answered_with_the_ordered_tests_or_no_information() {
    let lis = Lis::start("DEMO-CHEM", "generic-astm");
    lis.order("Q100", &["GLU", "CREA"]);
    let io = lis.connect().await;
    let mut analyzer = AstmInstrument::framed(io, 247);
    let query = "H|\\^&|||ANALYZER\rQ|1|^Q100||^^^ALL||||||||O\rL|1|N\r";
    assert_eq!(
        analyzer.send(query, LIMIT).await.unwrap(),
        Delivery::Acknowledged
    );
    let answer = text(analyzer.receive(LIMIT).await.unwrap().unwrap());
    let records: Vec<&str> = answer.split('\r').filter(|r| !r.is_empty()).collect();
    assert_eq!(records.len(), 4, "{answer}");
    assert!(records[0].starts_with("H|\\^&|||LIS|"), "{answer}");
    assert_eq!(records[1], "P|1");
    // O-3 the specimen, O-5 the tests as `^^^code` repeats, O-6 R routine, O-12 N new, O-26 Q
    // "response to query" (LIS2-A2 §8.4.6, §8.4.12, §8.4.26).
    assert_eq!(
        records[2],
        format!(
            "O|1|Q100||^^^GLU\\^^^CREA|R{}N{}Q",
            "|".repeat(6),
            "|".repeat(14)
        )
    );
    // L-3 F: "last request for information processed" (LIS2-A2 §12.3).
    assert_eq!(records[3], "L|1|F");

    let unknown = "H|\\^&|||ANALYZER\rQ|1|^NOPE||^^^ALL||||||||O\rL|1|N\r";
    assert_eq!(
        analyzer.send(unknown, LIMIT).await.unwrap(),
        Delivery::Acknowledged
    );
    let answer = text(analyzer.receive(LIMIT).await.unwrap().unwrap());
    // The profile's form: L-3 I, "no information available from last query".
    assert!(answer.ends_with("\rL|1|I\r"), "{answer}");
    lis.stop().await;
}

#[tokio::test]
async fn simulated_analyzer_runs_what_the_lis_ordered_and_a_rerun_is_asked_again() {
    let lis = Lis::start("DEMO-CHEM", "generic-astm");
    let order = lis.order("Q200", &["GLU", "CREA"]);
    let options = SimOptions {
        specimen_ids: Some(vec!["Q200".to_owned(), "UNKNOWN".to_owned()]),
        query: true,
        ..SimOptions::default()
    };
    let io = lis.connect().await;
    let report = simulator::play(&lis.profile, io, options.clone())
        .await
        .unwrap();
    assert_eq!(report.queries, 2);
    assert_eq!(report.queries_answered, 2);
    assert_eq!(
        report.ordered,
        vec![
            ("Q200".to_owned(), vec!["GLU".to_owned(), "CREA".to_owned()]),
            ("UNKNOWN".to_owned(), vec![]),
        ]
    );
    assert_eq!((report.sent, report.acknowledged), (1, 1));
    let results = lis.store.results_for_order(order).unwrap();
    let mut codes: Vec<&str> = results.iter().map(|r| r.test_code.as_str()).collect();
    codes.sort_unstable();
    assert_eq!(codes, vec!["CREA", "GLU"]);
    assert!(lis.unmatched().is_empty());

    // The technician asks for a GLU rerun: the next query for Q200 orders GLU alone.
    let glu = results.iter().find(|r| r.test_code == "GLU").unwrap();
    lis.store
        .request_rerun(glu.id, "clotted sample suspected", None, &Actor::System)
        .unwrap();
    let io = lis.connect().await;
    let again = SimOptions {
        specimen_ids: Some(vec!["Q200".to_owned()]),
        ..options
    };
    let report = simulator::play(&lis.profile, io, again).await.unwrap();
    assert_eq!(
        report.ordered,
        vec![("Q200".to_owned(), vec!["GLU".to_owned()])]
    );
    assert_eq!(report.acknowledged, 1);
    let results = lis.store.results_for_order(order).unwrap();
    assert_eq!(results.iter().filter(|r| r.test_code == "GLU").count(), 2);
    lis.stop().await;
}

#[tokio::test]
async fn cobas_e411_tsreq_from_the_corpus_gets_its_tests() {
    let lis = Lis::start("E411", "roche-cobas-e411");
    lis.order("000004", &["TSH", "FT4"]);
    // Line 1040 of the e411 host log: `Q|1|^^000004^40^0^5^^S1^SC||ALL||||||||O`, sample id in
    // Q-3 component 3.
    let query = "H|\\^&|||cobas-e411^1|||||elsi-host|TSREQ^REAL|P|1\rQ|1|^^000004^40^0^5^^S1^SC||ALL||||||||O\rL|1|N\r";
    let io = lis.connect().await;
    let mut analyzer = AstmInstrument::framed(io, 247);
    assert_eq!(
        analyzer.send(query, LIMIT).await.unwrap(),
        Delivery::Acknowledged
    );
    let answer = text(analyzer.receive(LIMIT).await.unwrap().unwrap());
    assert!(
        answer.contains("\rO|1|000004||^^^140\\^^^70|R|"),
        "{answer}"
    );
    let none = query.replace("000004", "000099");
    assert_eq!(
        analyzer.send(&none, LIMIT).await.unwrap(),
        Delivery::Acknowledged
    );
    let answer = text(analyzer.receive(LIMIT).await.unwrap().unwrap());
    // No order: O-3 echoes the sample, O-26 Y "no order on record" (LIS2-A2 §8.4.26).
    assert!(answer.contains("\rO|1|000099|"), "{answer}");
    assert!(answer.contains("|Y\rL|1|N\r"), "{answer}");
    lis.stop().await;
}

#[tokio::test]
async fn qbp_q11_is_answered_with_rsp_k11() {
    let lis = Lis::start("DEMO-HEMA", "generic-hl7");
    let order = lis.order("H100", &["WBC", "PLT"]);
    let io = lis.connect().await;
    let mut analyzer = MllpAnalyzer::new(io);
    analyzer
        .write(b"MSH|^~\\&|ANALYZER||LIS||20250301080000||QBP^Q11^QBP_Q11|Q1|P|2.5.1\rQPD|WOS^Work Order Step^IHE_LABTF|T1|H100\rRCP|I|1|R^^HL70394\r")
        .await
        .unwrap();
    let rsp = text(analyzer.receive(LIMIT).await.unwrap().unwrap());
    assert!(rsp.contains("|RSP^K11^RSP_K11|"), "{rsp}");
    assert!(rsp.contains("\rMSA|AA|Q1\r"), "{rsp}");
    assert!(rsp.contains("\rQAK|T1|OK\r"), "{rsp}");
    assert!(
        rsp.contains("\rQPD|WOS^Work Order Step^IHE_LABTF|T1|H100"),
        "{rsp}"
    );
    assert!(rsp.contains("|WBC\r") || rsp.contains("|WBC|"), "{rsp}");
    assert!(rsp.contains("|PLT\r") || rsp.contains("|PLT|"), "{rsp}");
    analyzer
        .write(b"MSH|^~\\&|ANALYZER||LIS||20250301080000||QBP^Q11^QBP_Q11|Q2|P|2.5.1\rQPD|WOS^Work Order Step^IHE_LABTF|T2|NOPE\rRCP|I|1|R^^HL70394\r")
        .await
        .unwrap();
    let rsp = text(analyzer.receive(LIMIT).await.unwrap().unwrap());
    assert!(rsp.contains("\rQAK|T2|NF\r"), "{rsp}");
    assert!(!rsp.contains("\rOBR|"), "{rsp}");
    drop(analyzer);

    // The simulator queries, runs WBC and PLT only, and the results land on the order.
    let io = lis.connect().await;
    let options = SimOptions {
        specimen_ids: Some(vec!["H100".to_owned()]),
        query: true,
        ..SimOptions::default()
    };
    let report = simulator::play(&lis.profile, io, options).await.unwrap();
    assert_eq!(
        report.ordered,
        vec![("H100".to_owned(), vec!["WBC".to_owned(), "PLT".to_owned()])]
    );
    assert_eq!(report.acknowledged, 1);
    let results = lis.store.results_for_order(order).unwrap();
    assert_eq!(results.len(), 2);
    lis.stop().await;
}

#[tokio::test]
async fn qry_q02_from_the_mindray_manual_is_answered_with_qck_and_dsr() {
    let lis = Lis::start("DEMO-HEMA", "generic-hl7");
    lis.order("0019", &["WBC"]);
    // The first MLLP block of the Mindray CL manual's exchange: QRY^Q02 for bar code 0019.
    let bin = corpus("hl7/mindray-cl-series/cl_manual_qry_q02_qck_dsr_q03_ack_mllp.bin");
    let end = bin.iter().position(|&b| b == 0x1C).unwrap();
    let qry = &bin[1..end];
    assert!(qry.starts_with(b"MSH|^~\\&|||||20120508104700||QRY^Q02|4|"));
    let io = lis.connect().await;
    let mut analyzer = MllpAnalyzer::new(io);
    analyzer.write(qry).await.unwrap();
    let qck = text(analyzer.receive(LIMIT).await.unwrap().unwrap());
    // As in the manual: MSA|AA|<query id>|Message accepted|||0|, ERR|0|, QAK|SR|OK|.
    assert!(qck.contains("|QCK^Q02|"), "{qck}");
    assert!(
        qck.contains("\rMSA|AA|4|Message accepted|||0|\rERR|0|\rQAK|SR|OK|\r"),
        "{qck}"
    );
    let dsr = text(analyzer.receive(LIMIT).await.unwrap().unwrap());
    assert!(dsr.contains("|DSR^Q03|"), "{dsr}");
    assert!(dsr.contains("\rDSP|21||0019|||\r"), "{dsr}");
    assert!(dsr.contains("\rDSP|29||WBC^^^|||\r"), "{dsr}");
    assert!(dsr.ends_with("\rDSC||\r"), "{dsr}");
    // The analyzer's ACK^Q03 counts as the LIS's message accepted.
    analyzer
        .write(b"MSH|^~\\&|||||20120508110131||ACK^Q03|4|P|2.3.1||||||ASCII|||\rMSA|AA|4|Message accepted|||0|\rERR|0|\r")
        .await
        .unwrap();
    let unknown = String::from_utf8_lossy(qry).replace("|RD|0019|", "|RD|9999|");
    analyzer.write(unknown.as_bytes()).await.unwrap();
    let qck = text(analyzer.receive(LIMIT).await.unwrap().unwrap());
    assert!(qck.contains("\rQAK|SR|NF|\r"), "{qck}");
    assert!(analyzer
        .receive(Duration::from_millis(300))
        .await
        .unwrap()
        .is_none());
    assert_eq!(lis.status.snapshot().counters.messages_out, 1);
    lis.stop().await;
}

#[tokio::test]
async fn a_profile_answering_with_oml_o33_sends_ack_then_the_orders() {
    let mut oml = (*super::profile("generic-hl7")).clone();
    oml.query.answer = crate::profile::AnswerForm::OmlO33;
    let lis = Lis::start_with("DEMO-HEMA", std::sync::Arc::new(oml));
    lis.order("H300", &["HGB"]);
    let io = lis.connect().await;
    let mut analyzer = MllpAnalyzer::new(io);
    analyzer
        .write(b"MSH|^~\\&|ANALYZER||LIS||20250301080000||QBP^Q11^QBP_Q11|Q9|P|2.5.1\rQPD|WOS^Work Order Step^IHE_LABTF|T9|H300\rRCP|I|1|R^^HL70394\r")
        .await
        .unwrap();
    let ack = text(analyzer.receive(LIMIT).await.unwrap().unwrap());
    assert!(
        ack.contains("|ACK^Q11^ACK|") && ack.contains("\rMSA|AA|Q9"),
        "{ack}"
    );
    let orders = text(analyzer.receive(LIMIT).await.unwrap().unwrap());
    assert!(orders.contains("|OML^O33^OML_O33|"), "{orders}");
    assert!(orders.contains("\rSPM|1|H300"), "{orders}");
    assert!(orders.contains("|HGB"), "{orders}");
    lis.stop().await;
}

#[tokio::test]
async fn astm_answer_uses_the_query_delimiters_and_echoes_its_h3() {
    let lis = Lis::start("DEMO-CHEM", "generic-astm");
    lis.order("Q300", &["GLU"]);
    let io = lis.connect().await;
    let mut analyzer = AstmInstrument::framed(io, 247);
    // Component `!`, repeat `\`, escape `~` (as a Beckman DxH writes), H-3 a control id.
    let query = "H|\\!~|CTRL-7||ANALYZER\rQ|1|!Q300||!!!ALL||||||||O\rL|1|N\r";
    assert_eq!(
        analyzer.send(query, LIMIT).await.unwrap(),
        Delivery::Acknowledged
    );
    let answer = text(analyzer.receive(LIMIT).await.unwrap().unwrap());
    let records: Vec<&str> = answer.split('\r').filter(|r| !r.is_empty()).collect();
    assert!(records[0].starts_with("H|\\!~|CTRL-7||LIS|"), "{answer}");
    assert!(records[2].starts_with("O|1|Q300||!!!GLU|R|"), "{answer}");
    // No order: the "no information" answer is written the same way.
    let unknown = "H|\\!~|CTRL-8||ANALYZER\rQ|1|!NOPE||!!!ALL||||||||O\rL|1|N\r";
    assert_eq!(
        analyzer.send(unknown, LIMIT).await.unwrap(),
        Delivery::Acknowledged
    );
    let answer = text(analyzer.receive(LIMIT).await.unwrap().unwrap());
    assert!(answer.starts_with("H|\\!~|CTRL-8||LIS|"), "{answer}");
    assert!(answer.ends_with("\rL|1|I\r"), "{answer}");
    lis.stop().await;
}
