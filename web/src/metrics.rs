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
