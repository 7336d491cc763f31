//! Host queries and order download: what the LIS tells an analyzer about a specimen's tests.
//!
//! The tests come from core ([`Store::pending_tests_for_specimen`]: new, reflex and rerun tests
//! that this instrument performs, in its own codes); this module only writes them in the form the
//! profile names (E1394 O records; HL7 RSP^K11, OML^O33, or QCK^Q02 + DSR^Q03).

use std::collections::BTreeSet;

use lis_astm::delimiters::Delimiters;
use lis_astm::encode::{self, HeaderInfo, NoInformationForm, OrderRequest, QueryAnswer};
use lis_astm::views::Priority as AstmPriority;
use lis_core::model::{OrderedTestId, Priority, RequestedTest};
use lis_core::{Store, StoreError};
use lis_hl7::build::ack::{ack, Acknowledgement};
use lis_hl7::build::orders::{oml_o33, Order, OrderMessage};
use lis_hl7::build::query::{
    dsr_q03, qck_q02, rsp_k11, HostQuery, LegacyDisplay, LegacyQueryAck, QueryResponse,
};
use lis_hl7::build::results::Specimen;
use lis_hl7::build::{CodedValue, FieldValue, MessageHeader};
use lis_hl7::segments::AckCode;

use crate::ingest::QueryRequest;
use crate::profile::{AnswerForm, NoInformation, Profile};

/// An answer and the ordered tests it carries (to mark as sent once it is queued).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer<T> {
    /// The message(s) to send.
    pub message: T,
    /// The ordered tests sent.
    pub tests: Vec<OrderedTestId>,
}

/// Tests for every specimen of the request, in request order.
fn tests_for(
    store: &Store,
    instrument: &str,
    specimens: &[String],
) -> Result<Vec<(String, Vec<RequestedTest>)>, StoreError> {
    specimens
        .iter()
        .map(|s| Ok((s.clone(), store.pending_tests_for_specimen(instrument, s)?)))
        .collect()
}

fn codes(tests: &[RequestedTest], profile: &Profile) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    for t in tests {
        let code = format!("{}{}", t.instrument_test_code, profile.query.code_suffix);
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes
}

fn lis_header<'a>() -> HeaderInfo<'a> {
    HeaderInfo {
        sender: &["LIS"],
        processing_id: "P",
        version: "LIS2-A2",
        ..HeaderInfo::default()
    }
}

/// The E1394 answer to a host query [LIS2-A2 §11]: P and O records with O-26 `Q` for each specimen
/// that has tests, or the profile's "no information" form when none has. The answer is written
/// with the query's delimiters and echoes its H-3 message control id [LIS2-A2 §6.3], as a
/// Beckman DxH requires.
pub fn astm_answer(
    store: &Store,
    instrument: &str,
    profile: &Profile,
    request: &QueryRequest,
) -> Result<Answer<String>, StoreError> {
    let found = tests_for(store, instrument, &request.specimen_ids)?;
    let with_tests: Vec<(String, Vec<String>, bool, Vec<OrderedTestId>)> = found
        .iter()
        .filter(|(_, t)| !t.is_empty())
        .map(|(s, t)| {
            (
                s.clone(),
                codes(t, profile),
                t.iter().any(|t| t.priority == Priority::Stat),
                t.iter().map(|t| t.ordered_test_id).collect(),
            )
        })
        .collect();
    let header = HeaderInfo {
        control_id: &request.control_id,
        ..lis_header()
    };
    if with_tests.is_empty() {
        let form = match profile.query.no_information {
            NoInformation::TerminationCode => NoInformationForm::TerminationCode,
            NoInformation::NoOrder => NoInformationForm::NoOrder,
            NoInformation::NoPatient => NoInformationForm::NoPatient,
        };
        let specimen_id = request.specimen_ids.first().map_or("", String::as_str);
        let message = encode::query_answer(
            request.delimiters,
            &header,
            &QueryAnswer::NoInformation { specimen_id, form },
        );
        return Ok(Answer {
            message,
            tests: Vec::new(),
        });
    }
    let code_refs: Vec<Vec<&str>> = with_tests
        .iter()
        .map(|(_, c, _, _)| c.iter().map(String::as_str).collect())
        .collect();
    let orders: Vec<OrderRequest<'_>> = with_tests
        .iter()
        .zip(&code_refs)
        .map(|((s, _, stat, _), codes)| OrderRequest {
            priority: Some(if *stat {
                AstmPriority::Stat
            } else {
                AstmPriority::Routine
            }),
            ..OrderRequest::new(s, codes)
        })
        .collect();
    let message = encode::query_answer(request.delimiters, &header, &QueryAnswer::Orders(&orders));
    Ok(Answer {
        message,
        tests: with_tests
            .into_iter()
            .flat_map(|(_, _, _, ids)| ids)
            .collect(),
    })
}

/// An E1394 order download of every pending test for `instrument` [LIS2-A2 §8.4] but those
/// `in_flight` (queued in an earlier download and not yet accepted), one O record per specimen;
/// `None` when nothing is left.
pub fn astm_order_download(
    store: &Store,
    instrument: &str,
    profile: &Profile,
    in_flight: &BTreeSet<OrderedTestId>,
) -> Result<Option<Answer<String>>, StoreError> {
    let mut pending = store.pending_orders_for_instrument(instrument)?;
    pending.retain(|t| !in_flight.contains(&t.ordered_test_id));
    let by_specimen = group(&pending);
    if by_specimen.is_empty() {
        return Ok(None);
    }
    let code_lists: Vec<Vec<String>> = by_specimen.iter().map(|(_, t)| codes(t, profile)).collect();
    let code_refs: Vec<Vec<&str>> = code_lists
        .iter()
        .map(|c| c.iter().map(String::as_str).collect())
        .collect();
    let orders: Vec<OrderRequest<'_>> = by_specimen
        .iter()
        .zip(&code_refs)
        .map(|((s, _), codes)| OrderRequest::new(s, codes))
        .collect();
    let message = encode::order_download(Delimiters::default(), &lis_header(), &orders);
    Ok(Some(Answer {
        message,
        tests: pending.iter().map(|t| t.ordered_test_id).collect(),
    }))
}

fn group(tests: &[RequestedTest]) -> Vec<(String, Vec<RequestedTest>)> {
    let mut out: Vec<(String, Vec<RequestedTest>)> = Vec::new();
    for t in tests {
        match out.iter_mut().find(|(s, _)| *s == t.specimen_id) {
            Some((_, list)) => list.push(t.clone()),
            None => out.push((t.specimen_id.clone(), vec![t.clone()])),
        }
    }
    out
}

/// What the LIS writes in its HL7 MSH: sender `LIS`, the analyzer as receiver, the time now.
pub(crate) fn hl7_header(receiver: &str, version: &str, control_id: String) -> MessageHeader {
    MessageHeader {
        sending_application: "LIS".to_owned(),
        receiving_application: receiver.to_owned(),
        datetime: hl7_now(),
        control_id,
        version: if version.is_empty() {
            "2.5.1".to_owned()
        } else {
            version.to_owned()
        },
        ..MessageHeader::default()
    }
}

/// The current local time as HL7 DTM text.
pub(crate) fn hl7_now() -> String {
    jiff::Zoned::now().strftime("%Y%m%d%H%M%S").to_string()
}

/// A fresh message control id: `LIS` and a counter that starts at the current millisecond.
pub(crate) fn control_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let _ = NEXT.compare_exchange(
        0,
        u64::try_from(jiff::Timestamp::now().as_millisecond()).unwrap_or(1),
        Ordering::Relaxed,
        Ordering::Relaxed,
    );
    format!("LIS{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Where the query came from, for the answer's MSH.
#[derive(Debug, Clone, Default)]
pub struct Hl7Peer {
    /// The analyzer's MSH-3.
    pub application: String,
    /// The query's MSH-12.
    pub version: String,
}

fn hl7_orders(found: &[(String, Vec<RequestedTest>)], profile: &Profile) -> Vec<Order> {
    found
        .iter()
        .flat_map(|(s, tests)| {
            codes(tests, profile).into_iter().map(move |code| Order {
                placer_order_number: s.clone(),
                filler_order_number: s.clone(),
                service: CodedValue::new(&code, "", ""),
                priority: if tests.iter().any(|t| t.priority == Priority::Stat) {
                    "S".to_owned()
                } else {
                    "R".to_owned()
                },
                specimen: Some(Specimen {
                    id: s.clone(),
                    role: "P".to_owned(),
                    ..Specimen::default()
                }),
                container_id: s.clone(),
                ..Order::default()
            })
        })
        .collect()
}

/// The HL7 answer(s) to a host query, in the profile's form: RSP^K11; an ACK then OML^O33; or
/// QCK^Q02 then (when tests were found) DSR^Q03.
pub fn hl7_answer(
    store: &Store,
    instrument: &str,
    profile: &Profile,
    request: &QueryRequest,
    peer: &Hl7Peer,
) -> Result<Answer<Vec<Vec<u8>>>, StoreError> {
    let found: Vec<(String, Vec<RequestedTest>)> =
        tests_for(store, instrument, &request.specimen_ids)?
            .into_iter()
            .filter(|(_, t)| !t.is_empty())
            .collect();
    let tests = found
        .iter()
        .flat_map(|(_, t)| t.iter().map(|t| t.ordered_test_id))
        .collect();
    let specimen_id = request.specimen_ids.first().cloned().unwrap_or_default();
    let form = if request.legacy {
        AnswerForm::QckDsr
    } else if profile.query.answer == AnswerForm::QckDsr {
        AnswerForm::RspK11
    } else {
        profile.query.answer
    };
    let message = match form {
        AnswerForm::QckDsr => {
            let mut out = vec![qck_q02(&LegacyQueryAck {
                header: MessageHeader::mindray(&hl7_now(), &control_id()),
                acknowledged_control_id: request.control_id.clone(),
                found: !found.is_empty(),
            })];
            if let Some((barcode, tests)) = found.first() {
                out.push(dsr_q03(&LegacyDisplay {
                    header: MessageHeader::mindray(&hl7_now(), &control_id()),
                    acknowledged_control_id: request.control_id.clone(),
                    query_at: hl7_now(),
                    query_id: request.query_tag.clone(),
                    specimen_id: String::new(),
                    lines: display_lines(barcode, tests, profile),
                }));
            }
            out
        }
        AnswerForm::OmlO33 => {
            let mut out = vec![ack(&Acknowledgement {
                header: hl7_header(&peer.application, &peer.version, control_id()),
                event: "Q11".to_owned(),
                structure: "ACK".to_owned(),
                code: AckCode::ApplicationAccept,
                acknowledged_control_id: request.control_id.clone(),
                text: String::new(),
                error_condition: String::new(),
                error: None,
            })];
            if !found.is_empty() {
                out.push(oml_o33(&OrderMessage {
                    header: hl7_header(&peer.application, &peer.version, control_id()),
                    patient: None,
                    visit: None,
                    orders: hl7_orders(&found, profile),
                }));
            }
            out
        }
        // `Orders` and `SampleRequest` are not HL7 forms (validation keeps them on ASTM and
        // Dimension profiles); an HL7 query is answered with RSP^K11.
        AnswerForm::RspK11 | AnswerForm::Orders | AnswerForm::SampleRequest => {
            let mut name = request.query_name.split('^');
            let query_name = CodedValue::new(
                name.next().unwrap_or(""),
                name.next().unwrap_or(""),
                name.next().unwrap_or(""),
            );
            vec![rsp_k11(&QueryResponse {
                header: hl7_header(&peer.application, &peer.version, control_id()),
                acknowledged_control_id: request.control_id.clone(),
                query: HostQuery {
                    query_name,
                    query_tag: request.query_tag.clone(),
                    specimen_id,
                    ..HostQuery::default()
                },
                patient: None,
                orders: hl7_orders(&found, profile),
            })]
        }
    };
    Ok(Answer { message, tests })
}

/// The DSP lines of a Mindray DSR^Q03, in the manual's positional order: line 21 the bar code, 24
/// STAT `Y`/`N`, 26 the sample type, then one `code^^^` line per test from 29 on.
fn display_lines(barcode: &str, tests: &[RequestedTest], profile: &Profile) -> Vec<FieldValue> {
    let mut lines = vec![FieldValue::text(""); 28];
    let stat = tests.iter().any(|t| t.priority == Priority::Stat);
    let kind = tests.first().map_or("", |t| t.specimen_type.as_str());
    for (n, value) in [
        (21, barcode),
        (24, if stat { "Y" } else { "N" }),
        (26, kind),
    ] {
        if let Some(line) = lines.get_mut(n - 1) {
            *line = FieldValue::text(value);
        }
    }
    for code in codes(tests, profile) {
        lines.push(FieldValue::components([code.as_str(), "", "", ""]));
    }
    lines
}

/// An HL7 OML^O33 of every pending test for `instrument` but those `in_flight`; `None` when
/// nothing is left.
pub fn hl7_order_download(
    store: &Store,
    instrument: &str,
    profile: &Profile,
    peer: &Hl7Peer,
    in_flight: &BTreeSet<OrderedTestId>,
) -> Result<Option<Answer<Vec<u8>>>, StoreError> {
    let mut pending = store.pending_orders_for_instrument(instrument)?;
    pending.retain(|t| !in_flight.contains(&t.ordered_test_id));
    if pending.is_empty() {
        return Ok(None);
    }
    let found = group(&pending);
    Ok(Some(Answer {
        message: oml_o33(&OrderMessage {
            header: hl7_header(&peer.application, &peer.version, control_id()),
            patient: None,
            visit: None,
            orders: hl7_orders(&found, profile),
        }),
        tests: pending.iter().map(|t| t.ordered_test_id).collect(),
    }))
}
