//! `GET /metrics` in the Prometheus text exposition format (version 0.0.4): analyzer links
//! (messages, NAKs, errors, state), ingest (journal, results, unmatched), the HIS (orders
//! received and answered, outbox counters and queue depth, delivery attempts and latency,
//! endpoint health).

use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use lis_drivers::link::LinkState;

use crate::api::{blocking, HisState};
use crate::error::AppError;

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Renders every metric.
pub fn render_text(state: &HisState) -> Result<String, AppError> {
    let mut out = String::new();
    let links = state.links.snapshot();
    type Counter = fn(&lis_drivers::link::LinkCounters) -> u64;
    let counters: [(&str, &str, Counter); 6] = [
        (
            "lis_link_messages_in_total",
            "Messages received from the analyzer.",
            |c| c.messages_in,
        ),
        (
            "lis_link_messages_out_total",
            "Messages the analyzer accepted.",
            |c| c.messages_out,
        ),
        (
            "lis_link_naks_sent_total",
            "Negative acknowledgements sent.",
            |c| c.naks_sent,
        ),
        (
            "lis_link_naks_received_total",
            "Negative acknowledgements received.",
            |c| c.naks_received,
        ),
        (
            "lis_link_errors_total",
            "Transport and trace errors.",
            |c| c.errors,
        ),
        (
            "lis_link_timeouts_total",
            "Protocol timers that expired.",
            |c| c.timeouts,
        ),
    ];
    for (name, help, get) in counters {
        family(&mut out, name, "counter", help);
        for l in &links {
            let _ = writeln!(
                out,
                "{name}{{link=\"{}\"}} {}",
                escape(&l.name),
                get(&l.counters)
            );
        }
    }
    family(
        &mut out,
        "lis_link_up",
        "gauge",
        "1 when the link has an open connection.",
    );
    for l in &links {
        let up = u8::from(l.state == LinkState::Connected);
        let _ = writeln!(out, "lis_link_up{{link=\"{}\"}} {up}", escape(&l.name));
    }
    family(
        &mut out,
        "lis_link_state",
        "gauge",
        "1 for the state each link is in.",
    );
    for l in &links {
        let state = match &l.state {
            LinkState::Listening => "listening",
            LinkState::Connecting => "connecting",
            LinkState::Connected => "connected",
            LinkState::Disconnected => "disconnected",
            LinkState::Error(_) => "error",
        };
        let _ = writeln!(
            out,
            "lis_link_state{{link=\"{}\",state=\"{state}\"}} 1",
            escape(&l.name)
        );
    }
    let (journal, results, unmatched) = state.store.counts()?;
    family(
        &mut out,
        "lis_journal_entries",
        "gauge",
        "Raw messages in the journal.",
    );
    let _ = writeln!(out, "lis_journal_entries {journal}");
    family(
        &mut out,
        "lis_results_stored",
        "gauge",
        "Result versions stored.",
    );
    let _ = writeln!(out, "lis_results_stored {results}");
    family(
        &mut out,
        "lis_unmatched_results",
        "gauge",
        "Results that matched no order.",
    );
    let _ = writeln!(out, "lis_unmatched_results {unmatched}");
    let outbox = state.store.outbox_counts()?;
    family(
        &mut out,
        "lis_outbox_rows",
        "gauge",
        "Outbox rows by state; pending is the queue depth.",
    );
    let _ = writeln!(
        out,
        "lis_outbox_rows{{state=\"pending\"}} {}",
        outbox.pending
    );
    let _ = writeln!(out, "lis_outbox_rows{{state=\"sent\"}} {}", outbox.sent);
    let _ = writeln!(
        out,
        "lis_outbox_rows{{state=\"rejected\"}} {}",
        outbox.rejected
    );
    let m = &state.metrics;
    let his: [(&str, &str, u64); 8] = [
        (
            "lis_his_orders_received_total",
            "HIS order messages received.",
            m.orders_received.load(Ordering::Relaxed),
        ),
        (
            "lis_his_orders_accepted_total",
            "HIS order messages answered AA.",
            m.orders_accepted.load(Ordering::Relaxed),
        ),
        (
            "lis_his_orders_errors_total",
            "HIS order messages answered AE.",
            m.orders_errors.load(Ordering::Relaxed),
        ),
        (
            "lis_his_orders_rejected_total",
            "HIS order messages answered AR.",
            m.orders_rejected.load(Ordering::Relaxed),
        ),
        (
            "lis_his_results_attempts_total",
            "ORU^R01 send attempts.",
            m.results_attempts.load(Ordering::Relaxed),
        ),
        (
            "lis_his_results_delivered_total",
            "ORU^R01 acknowledged AA.",
            m.results_delivered.load(Ordering::Relaxed),
        ),
        (
            "lis_his_results_rejected_total",
            "ORU^R01 answered AE or AR.",
            m.results_rejected.load(Ordering::Relaxed),
        ),
        (
            "lis_his_results_failed_total",
            "ORU^R01 attempts without an ACK.",
            m.results_failed.load(Ordering::Relaxed),
        ),
    ];
    for (name, help, value) in his {
        family(&mut out, name, "counter", help);
        let _ = writeln!(out, "{name} {value}");
    }
    family(
        &mut out,
        "lis_his_endpoint_up",
        "gauge",
        "1 when the last attempt to the endpoint got an answer.",
    );
    for (name, health) in m.endpoints() {
        let _ = writeln!(
            out,
            "lis_his_endpoint_up{{endpoint=\"{}\"}} {}",
            escape(&name),
            u8::from(health.up)
        );
    }
    let (buckets, sum, count) = m.latency();
    family(
        &mut out,
        "lis_his_delivery_latency_seconds",
        "histogram",
        "From release (outbox row) to ACK AA.",
    );
    for (bound, n) in buckets {
        let _ = writeln!(
            out,
            "lis_his_delivery_latency_seconds_bucket{{le=\"{bound}\"}} {n}"
        );
    }
    let _ = writeln!(
        out,
        "lis_his_delivery_latency_seconds_bucket{{le=\"+Inf\"}} {count}"
    );
    let _ = writeln!(out, "lis_his_delivery_latency_seconds_sum {sum}");
    let _ = writeln!(out, "lis_his_delivery_latency_seconds_count {count}");
    Ok(out)
}

/// `GET /metrics`.
pub async fn render(State(state): State<HisState>) -> Result<impl IntoResponse, AppError> {
    blocking(move || {
        let body = render_text(&state)?;
        Ok((
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            body,
        ))
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;
    use std::sync::Arc;

    use lis_core::model::{
        Actor, AnalyzerMessage, MessageKind, NewOrder, NewPatient, NewSpecimen, Observation,
        Priority, Protocol, Sex,
    };
    use lis_core::{LabConfig, Store};

    use super::render_text;
    use crate::api::HisState;

    /// A lab whose store holds 3 journal entries (one analyzer message, two HIS messages),
    /// 2 result versions (glucose released by autoverification, sodium held), 1 unmatched result
    /// (specimen S9 has no order) and 1 pending outbox row (the released glucose).
    fn lab() -> HisState {
        let store =
            Arc::new(Store::open_in_memory(LabConfig::embedded_default().unwrap()).unwrap());
        store
            .place_order(
                NewOrder {
                    placer_number: String::from("PL-1"),
                    patient: NewPatient {
                        his_id: String::from("BN001"),
                        name: String::from("Nguyễn Văn An"),
                        sex: Sex::Male,
                        birth_date: Some(jiff::civil::date(1980, 5, 1)),
                    },
                    requesting_doctor: String::from("BS Trần"),
                    department: String::from("Nội"),
                    priority: Priority::Routine,
                    ordered_at: "2025-03-01T01:00:00Z".parse().unwrap(),
                    specimens: vec![NewSpecimen {
                        barcode: String::from("S1"),
                        specimen_type: String::from("serum"),
                        collected_at: None,
                        received_at: None,
                        tests: vec![String::from("GLU"), String::from("NA")],
                    }],
                },
                &Actor::System,
            )
            .unwrap();
        let obs = |specimen: &str, code: &str, value: &str, flags: Vec<String>| Observation {
            specimen_id: specimen.to_owned(),
            instrument_test_code: code.to_owned(),
            value: value.to_owned(),
            flags,
            status: String::from("F"),
            ..Default::default()
        };
        store
            .ingest(AnalyzerMessage {
                instrument: String::from("DEMO-CHEM"),
                link: String::from("chem"),
                received_at: "2025-03-01T02:00:00Z".parse().unwrap(),
                protocol: Protocol::Astm,
                raw: b"m1".to_vec(),
                kind: MessageKind::Results,
                observations: vec![
                    obs("S1", "GLU", "5.2", vec![]),
                    obs("S1", "NA", "140", vec![String::from("H")]),
                    obs("S9", "GLU", "4.8", vec![]),
                ],
                patient_hint: None,
            })
            .unwrap();
        let at = "2025-03-01T03:00:00Z".parse().unwrap();
        store.journal_his("his", at, "orm", b"h1", None).unwrap();
        store
            .journal_his("his", at, "unparsed", b"h2", Some("no MSH"))
            .unwrap();
        HisState::new(store)
    }

    /// Every family in the order `/metrics` writes them, for known counter values: the text
    /// exposition format 0.0.4 (`# HELP`, `# TYPE`, then `name{labels} value` lines; label
    /// values escape `\`, `"` and newline).
    #[test]
    fn renders_every_family_for_known_values() {
        let state = lab();
        state
            .links
            .register("chem", "DEMO-CHEM", "tcp-server 0.0.0.0:5000");
        let odd = state
            .links
            .register("urine \"U1\"\\2\nx", "DEMO-URINE", "serial /dev/ttyUSB0");
        odd.report_error("checksum");
        odd.report_error("timeout");
        let m = &state.metrics;
        for (counter, value) in [
            (&m.orders_received, 11),
            (&m.orders_accepted, 7),
            (&m.orders_errors, 3),
            (&m.orders_rejected, 1),
            (&m.results_attempts, 21),
            (&m.results_delivered, 15),
            (&m.results_rejected, 2),
            (&m.results_failed, 4),
        ] {
            counter.store(value, Ordering::Relaxed);
        }

        let expected = r#"# HELP lis_link_messages_in_total Messages received from the analyzer.
# TYPE lis_link_messages_in_total counter
lis_link_messages_in_total{link="chem"} 0
lis_link_messages_in_total{link="urine \"U1\"\\2\nx"} 0
# HELP lis_link_messages_out_total Messages the analyzer accepted.
# TYPE lis_link_messages_out_total counter
lis_link_messages_out_total{link="chem"} 0
lis_link_messages_out_total{link="urine \"U1\"\\2\nx"} 0
# HELP lis_link_naks_sent_total Negative acknowledgements sent.
# TYPE lis_link_naks_sent_total counter
lis_link_naks_sent_total{link="chem"} 0
lis_link_naks_sent_total{link="urine \"U1\"\\2\nx"} 0
# HELP lis_link_naks_received_total Negative acknowledgements received.
# TYPE lis_link_naks_received_total counter
lis_link_naks_received_total{link="chem"} 0
lis_link_naks_received_total{link="urine \"U1\"\\2\nx"} 0
# HELP lis_link_errors_total Transport and trace errors.
# TYPE lis_link_errors_total counter
lis_link_errors_total{link="chem"} 0
lis_link_errors_total{link="urine \"U1\"\\2\nx"} 2
# HELP lis_link_timeouts_total Protocol timers that expired.
# TYPE lis_link_timeouts_total counter
lis_link_timeouts_total{link="chem"} 0
lis_link_timeouts_total{link="urine \"U1\"\\2\nx"} 0
# HELP lis_link_up 1 when the link has an open connection.
# TYPE lis_link_up gauge
lis_link_up{link="chem"} 0
lis_link_up{link="urine \"U1\"\\2\nx"} 0
# HELP lis_link_state 1 for the state each link is in.
# TYPE lis_link_state gauge
lis_link_state{link="chem",state="disconnected"} 1
lis_link_state{link="urine \"U1\"\\2\nx",state="disconnected"} 1
# HELP lis_journal_entries Raw messages in the journal.
# TYPE lis_journal_entries gauge
lis_journal_entries 3
# HELP lis_results_stored Result versions stored.
# TYPE lis_results_stored gauge
lis_results_stored 2
# HELP lis_unmatched_results Results that matched no order.
# TYPE lis_unmatched_results gauge
lis_unmatched_results 1
# HELP lis_outbox_rows Outbox rows by state; pending is the queue depth.
# TYPE lis_outbox_rows gauge
lis_outbox_rows{state="pending"} 1
lis_outbox_rows{state="sent"} 0
lis_outbox_rows{state="rejected"} 0
# HELP lis_his_orders_received_total HIS order messages received.
# TYPE lis_his_orders_received_total counter
lis_his_orders_received_total 11
# HELP lis_his_orders_accepted_total HIS order messages answered AA.
# TYPE lis_his_orders_accepted_total counter
lis_his_orders_accepted_total 7
# HELP lis_his_orders_errors_total HIS order messages answered AE.
# TYPE lis_his_orders_errors_total counter
lis_his_orders_errors_total 3
# HELP lis_his_orders_rejected_total HIS order messages answered AR.
# TYPE lis_his_orders_rejected_total counter
lis_his_orders_rejected_total 1
# HELP lis_his_results_attempts_total ORU^R01 send attempts.
# TYPE lis_his_results_attempts_total counter
lis_his_results_attempts_total 21
# HELP lis_his_results_delivered_total ORU^R01 acknowledged AA.
# TYPE lis_his_results_delivered_total counter
lis_his_results_delivered_total 15
# HELP lis_his_results_rejected_total ORU^R01 answered AE or AR.
# TYPE lis_his_results_rejected_total counter
lis_his_results_rejected_total 2
# HELP lis_his_results_failed_total ORU^R01 attempts without an ACK.
# TYPE lis_his_results_failed_total counter
lis_his_results_failed_total 4
# HELP lis_his_endpoint_up 1 when the last attempt to the endpoint got an answer.
# TYPE lis_his_endpoint_up gauge
# HELP lis_his_delivery_latency_seconds From release (outbox row) to ACK AA.
# TYPE lis_his_delivery_latency_seconds histogram
lis_his_delivery_latency_seconds_bucket{le="0.1"} 0
lis_his_delivery_latency_seconds_bucket{le="0.25"} 0
lis_his_delivery_latency_seconds_bucket{le="0.5"} 0
lis_his_delivery_latency_seconds_bucket{le="1"} 0
lis_his_delivery_latency_seconds_bucket{le="2.5"} 0
lis_his_delivery_latency_seconds_bucket{le="5"} 0
lis_his_delivery_latency_seconds_bucket{le="10"} 0
lis_his_delivery_latency_seconds_bucket{le="60"} 0
lis_his_delivery_latency_seconds_bucket{le="300"} 0
lis_his_delivery_latency_seconds_bucket{le="3600"} 0
lis_his_delivery_latency_seconds_bucket{le="+Inf"} 0
lis_his_delivery_latency_seconds_sum 0
lis_his_delivery_latency_seconds_count 0
"#;
        let text = render_text(&state).unwrap();
        assert_eq!(text, expected, "got:\n{text}");
    }
}
