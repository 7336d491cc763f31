//! `GET /metrics` in the Prometheus text exposition format (version 0.0.4): analyzer links
//! (messages, NAKs, errors, state), ingest (journal, results, unmatched), the HIS (orders
//! received and answered, outbox counters and queue depth, delivery attempts and latency,
//! endpoint health).
//!
//! [`render_text`] builds one table of families (name, help, type, samples) in the order they
//! are written, and writes it with one loop.

use std::fmt::{Display, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use lis_drivers::his::HisMetrics;
use lis_drivers::link::{LinkState, LinkStatus};

use crate::error::AppError;
use crate::request::blocking;
use crate::state::AppState;

/// The metric types used here, as written on the `# TYPE` line.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Gauge => "gauge",
            Self::Histogram => "histogram",
        }
    }
}

/// One sample line: `<family><suffix>{<label>="<value>",...} <value>`.
#[derive(Debug)]
struct Sample {
    /// Appended to the family's name (`_bucket`, `_sum`, `_count` of a histogram).
    suffix: &'static str,
    labels: Vec<(&'static str, String)>,
    value: String,
}

impl Sample {
    /// A sample without labels; the value is written with its `Display` form.
    fn of(value: impl Display) -> Self {
        Self {
            suffix: "",
            labels: Vec::new(),
            value: value.to_string(),
        }
    }

    fn label(mut self, name: &'static str, value: impl Display) -> Self {
        self.labels.push((name, value.to_string()));
        self
    }

    fn suffix(mut self, suffix: &'static str) -> Self {
        self.suffix = suffix;
        self
    }
}

/// Escapes a label value: backslash, double quote and line feed.
fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Writes one family: `# HELP`, `# TYPE`, then its samples.
fn write_family(out: &mut String, name: &str, help: &str, kind: Kind, samples: &[Sample]) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {}", kind.as_str());
    for s in samples {
        out.push_str(name);
        out.push_str(s.suffix);
        if !s.labels.is_empty() {
            out.push('{');
            for (i, (label, value)) in s.labels.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{label}=\"{}\"", escape(value));
            }
            out.push('}');
        }
        let _ = writeln!(out, " {}", s.value);
    }
}

/// One sample per link, labelled with the link's name.
fn per_link<V: Display>(links: &[LinkStatus], value: impl Fn(&LinkStatus) -> V) -> Vec<Sample> {
    links
        .iter()
        .map(|l| Sample::of(value(l)).label("link", &l.name))
        .collect()
}

/// The `state` label of `lis_link_state`.
fn state_name(state: &LinkState) -> &'static str {
    match state {
        LinkState::Listening => "listening",
        LinkState::Connecting => "connecting",
        LinkState::Connected => "connected",
        LinkState::Disconnected => "disconnected",
        LinkState::Error(_) => "error",
    }
}

/// The one sample of an unlabelled counter.
fn load(counter: &AtomicU64) -> Vec<Sample> {
    vec![Sample::of(counter.load(Ordering::Relaxed))]
}

/// The delivery latency histogram: cumulative buckets, `+Inf`, sum and count.
fn latency(m: &HisMetrics) -> Vec<Sample> {
    let (buckets, sum, count) = m.latency();
    let mut samples: Vec<Sample> = buckets
        .into_iter()
        .map(|(bound, n)| Sample::of(n).suffix("_bucket").label("le", bound))
        .collect();
    samples.push(Sample::of(count).suffix("_bucket").label("le", "+Inf"));
    samples.push(Sample::of(sum).suffix("_sum"));
    samples.push(Sample::of(count).suffix("_count"));
    samples
}

/// Renders every metric.
pub fn render_text(state: &AppState) -> Result<String, AppError> {
    use Kind::{Counter, Gauge, Histogram};
    let links = state.links.snapshot();
    let (journal, results, unmatched) = state.store.counts()?;
    let outbox = state.store.outbox_counts()?;
    let m = &state.his_metrics;
    let families: [(&str, &str, Kind, Vec<Sample>); 23] = [
        (
            "lis_link_messages_in_total",
            "Messages received from the analyzer.",
            Counter,
            per_link(&links, |l| l.counters.messages_in),
        ),
        (
            "lis_link_messages_out_total",
            "Messages the analyzer accepted.",
            Counter,
            per_link(&links, |l| l.counters.messages_out),
        ),
        (
            "lis_link_naks_sent_total",
            "Negative acknowledgements sent.",
            Counter,
            per_link(&links, |l| l.counters.naks_sent),
        ),
        (
            "lis_link_naks_received_total",
            "Negative acknowledgements received.",
            Counter,
            per_link(&links, |l| l.counters.naks_received),
        ),
        (
            "lis_link_errors_total",
            "Transport and trace errors.",
            Counter,
            per_link(&links, |l| l.counters.errors),
        ),
        (
            "lis_link_timeouts_total",
            "Protocol timers that expired.",
            Counter,
            per_link(&links, |l| l.counters.timeouts),
        ),
        (
            "lis_link_up",
            "1 when the link has an open connection.",
            Gauge,
            per_link(&links, |l| u8::from(l.state == LinkState::Connected)),
        ),
        (
            "lis_link_state",
            "1 for the state each link is in.",
            Gauge,
            links
                .iter()
                .map(|l| {
                    Sample::of(1)
                        .label("link", &l.name)
                        .label("state", state_name(&l.state))
                })
                .collect(),
        ),
        (
            "lis_journal_entries",
            "Raw messages in the journal.",
            Gauge,
            vec![Sample::of(journal)],
        ),
        (
            "lis_results_stored",
            "Result versions stored.",
            Gauge,
            vec![Sample::of(results)],
        ),
        (
            "lis_unmatched_results",
            "Results that matched no order.",
            Gauge,
            vec![Sample::of(unmatched)],
        ),
        (
            "lis_outbox_rows",
            "Outbox rows by state; pending is the queue depth.",
            Gauge,
            vec![
                Sample::of(outbox.pending).label("state", "pending"),
                Sample::of(outbox.sent).label("state", "sent"),
                Sample::of(outbox.rejected).label("state", "rejected"),
            ],
        ),
        (
            "lis_his_orders_received_total",
            "HIS order messages received.",
            Counter,
            load(&m.orders_received),
        ),
        (
            "lis_his_orders_accepted_total",
            "HIS order messages answered AA.",
            Counter,
            load(&m.orders_accepted),
        ),
        (
            "lis_his_orders_errors_total",
            "HIS order messages answered AE.",
            Counter,
            load(&m.orders_errors),
        ),
        (
            "lis_his_orders_rejected_total",
            "HIS order messages answered AR.",
            Counter,
            load(&m.orders_rejected),
        ),
        (
            "lis_his_connections_refused_total",
            "Connections to the HIS orders listener refused (peer not in allow_from, or over max_connections).",
            Counter,
            load(&m.connections_refused),
        ),
        (
            "lis_his_results_attempts_total",
            "ORU^R01 send attempts.",
            Counter,
            load(&m.results_attempts),
        ),
        (
            "lis_his_results_delivered_total",
            "ORU^R01 acknowledged AA.",
            Counter,
            load(&m.results_delivered),
        ),
        (
            "lis_his_results_rejected_total",
            "ORU^R01 answered AE or AR.",
            Counter,
            load(&m.results_rejected),
        ),
        (
            "lis_his_results_failed_total",
            "ORU^R01 attempts without an ACK.",
            Counter,
            load(&m.results_failed),
        ),
        (
            "lis_his_endpoint_up",
            "1 when the last attempt to the endpoint got an answer.",
            Gauge,
            m.endpoints()
                .into_iter()
                .map(|(name, health)| Sample::of(u8::from(health.up)).label("endpoint", name))
                .collect(),
        ),
        (
            "lis_his_delivery_latency_seconds",
            "From release (outbox row) to ACK AA.",
            Histogram,
            latency(m),
        ),
    ];
    let mut out = String::new();
    for (name, help, kind, samples) in &families {
        write_family(&mut out, name, help, *kind, samples);
    }
    Ok(out)
}

/// `GET /metrics`.
pub async fn render(State(state): State<AppState>) -> Result<impl IntoResponse, AppError> {
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
    use lis_drivers::link::LinkRegistry;

    use super::render_text;
    use crate::state::AppState;

    /// A lab whose store holds 3 journal entries (one analyzer message, two HIS messages),
    /// 2 result versions (glucose released by autoverification, sodium held), 1 unmatched result
    /// (specimen S9 has no order) and 1 pending outbox row (the released glucose).
    fn lab() -> AppState {
        let store =
            Arc::new(Store::open_in_memory(LabConfig::embedded_default().unwrap()).unwrap());
        store
            .place_order(
                NewOrder {
                    placer_number: String::from("PL-1"),
                    patient: NewPatient {
                        his_id_authority: Default::default(),
                        his_id_type: String::new(),
                        name_parts: None,
                        his_id: String::from("BN001"),
                        name: String::from("Nguyễn Văn An"),
                        sex: Sex::Male,
                        birth_date: Some(jiff::civil::date(1980, 5, 1)),
                    },
                    requesting_doctor: String::from("BS Trần"),
                    requesting_doctor_id: String::new(),
                    requesting_doctor_name: None,
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
                graphs: Vec::new(),
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
        AppState::new(store, LinkRegistry::new())
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
        let m = &state.his_metrics;
        for (counter, value) in [
            (&m.orders_received, 11),
            (&m.orders_accepted, 7),
            (&m.orders_errors, 3),
            (&m.orders_rejected, 1),
            (&m.connections_refused, 5),
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
# HELP lis_his_connections_refused_total Connections to the HIS orders listener refused (peer not in allow_from, or over max_connections).
# TYPE lis_his_connections_refused_total counter
lis_his_connections_refused_total 5
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
