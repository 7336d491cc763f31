//! What the LIS answers to an order message (HL7 v2.5.1 §2.9 acknowledgement modes, §4.4.2
//! ORR^O02, §4.4.7 ORL^O22).
//!
//! - **Original mode** (MSH-15 and MSH-16 both empty, §2.9.2): one application acknowledgement,
//!   `ACK^O01` / `ACK^O21` or, with `[his] order_ack = "orr"`, `ORR^O02` / `ORL^O22`.
//! - **Enhanced mode** (MSH-15 or MSH-16 valued, §2.9.3): first the accept acknowledgement
//!   (`ACK`, MSA-1 `CA` once the message is journaled, `CR` when its type cannot be taken, `CE`
//!   when it could not be journaled) when MSH-15 asks for it (table 0155: `AL` always, `ER`
//!   only on `CE`/`CR`, `SU` only on `CA`, `NE` never); then the application acknowledgement
//!   when MSH-16 asks for it (`ER`: only on AE/AR, `SU`: only on AA). A field left empty while
//!   the other is valued, or a value outside table 0155, is read as `AL`. The application
//!   acknowledgement goes back on the same MLLP connection (the LIS has no other route to the
//!   HIS's order sender) with MSH-15 and MSH-16 `NE`: the LIS asks no acknowledgement of it and
//!   does not send it again.
//! - ORR^O02 / ORL^O22 carry one ORC (with its OBR) per ORC of the order message, with ORC-1
//!   from table 0119: `OK` order accepted, `UA` unable to accept, `CR` cancelled as requested,
//!   `UC` unable to cancel, `XR` changed as requested, `UX` unable to change; ORC-5 is the
//!   order's status now (table 0038).

use jiff::Timestamp;
use lis_hl7::build::{CodedValue, FieldValue, MessageBuilder, MessageHeader, SegmentBuilder};
use lis_hl7::segments::{AckCode, MessageType, OrderControl};
use lis_hl7::Message;

use super::config::{HisConfig, OrderAckForm};
use super::orders::{error_code, OrderLine, Refusal};
use super::oru::{dtm, patient_id};

/// When an acknowledgement is wanted (HL7 table 0155).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckCondition {
    /// `AL`.
    Always,
    /// `NE`.
    Never,
    /// `ER`: only for an error or a rejection.
    ErrorsOnly,
    /// `SU`: only for a success.
    SuccessOnly,
}

impl AckCondition {
    /// Reads MSH-15 or MSH-16 of a message in enhanced mode: empty or unknown is `AL`.
    pub fn read(field: &str) -> Self {
        match field.trim() {
            "NE" => Self::Never,
            "ER" => Self::ErrorsOnly,
            "SU" => Self::SuccessOnly,
            _ => Self::Always,
        }
    }

    /// Whether an acknowledgement of this outcome is sent.
    pub fn wants(self, success: bool) -> bool {
        match self {
            Self::Always => true,
            Self::Never => false,
            Self::ErrorsOnly => !success,
            Self::SuccessOnly => success,
        }
    }
}

/// The acknowledgement mode a message asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckMode {
    /// MSH-15 and MSH-16 empty: one application acknowledgement.
    Original,
    /// MSH-15 / MSH-16 valued.
    Enhanced {
        /// MSH-15.
        accept: AckCondition,
        /// MSH-16.
        application: AckCondition,
    },
}

impl AckMode {
    /// The mode of `message` (original when it cannot be read).
    pub fn of(message: Option<&Message<'_>>) -> Self {
        let Some(m) = message else {
            return Self::Original;
        };
        let h = m.header();
        let (accept, application) = (h.accept_ack_type(), h.application_ack_type());
        let (accept, application) = (accept.as_str().trim(), application.as_str().trim());
        if accept.is_empty() && application.is_empty() {
            Self::Original
        } else {
            Self::Enhanced {
                accept: AckCondition::read(accept),
                application: AckCondition::read(application),
            }
        }
    }
}

/// ORC-1 of an answer (HL7 table 0119).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderReply {
    /// `OK`: order accepted and OK.
    Accepted,
    /// `UA`: unable to accept the order.
    UnableToAccept,
    /// `CR`: cancelled as requested.
    CancelledAsRequested,
    /// `UC`: unable to cancel.
    UnableToCancel,
    /// `XR`: changed as requested.
    ChangedAsRequested,
    /// `UX`: unable to change.
    UnableToChange,
}

impl OrderReply {
    /// The table 0119 code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Accepted => "OK",
            Self::UnableToAccept => "UA",
            Self::CancelledAsRequested => "CR",
            Self::UnableToCancel => "UC",
            Self::ChangedAsRequested => "XR",
            Self::UnableToChange => "UX",
        }
    }

    /// The answer to a request `control` that was done (`true`) or not.
    pub fn to(control: OrderControl, done: bool) -> Self {
        match (control, done) {
            (OrderControl::Cancel | OrderControl::Discontinue, true) => Self::CancelledAsRequested,
            (OrderControl::Cancel | OrderControl::Discontinue, false) => Self::UnableToCancel,
            (OrderControl::Change, true) => Self::ChangedAsRequested,
            (OrderControl::Change, false) => Self::UnableToChange,
            (_, true) => Self::Accepted,
            (_, false) => Self::UnableToAccept,
        }
    }
}

/// One ORC/OBR of the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineAnswer {
    /// The line as received.
    pub line: OrderLine,
    /// ORC-1.
    pub reply: OrderReply,
    /// ORC-3 / OBR-3: the LIS's accession number, when the order exists.
    pub filler: String,
    /// ORC-5: the order's status now (table 0038), when the order exists.
    pub status: Option<&'static str>,
}

/// The header of an answer to `incoming`, addressed back to its sender.
fn answer_header(
    config: &HisConfig,
    incoming: Option<&Message<'_>>,
    control_id: String,
    now: Timestamp,
    tz: &jiff::tz::TimeZone,
) -> MessageHeader {
    let (app, facility) = incoming.map_or_else(Default::default, |m| {
        let h = m.header();
        (
            h.sending_application().text().into_owned(),
            h.sending_facility().text().into_owned(),
        )
    });
    MessageHeader {
        sending_application: config.sending_application.clone(),
        sending_facility: config.sending_facility.clone(),
        receiving_application: app,
        receiving_facility: facility,
        datetime: dtm(now, tz),
        control_id,
        ..MessageHeader::default()
    }
}

/// MSA-2 of an answer to bytes whose MSH-10 cannot be read (no MSH segment, or an empty
/// control id). HL7 v2.5.1 §2.15.8.2 makes MSA-2 required, so an empty one would make the
/// answer itself invalid; this value says plainly that there was no id to echo, and the bytes
/// are in the journal.
pub const UNREADABLE_CONTROL_ID: &str = "UNREADABLE";

fn incoming_control(incoming: Option<&Message<'_>>) -> String {
    let control = incoming.map_or_else(String::new, |m| {
        m.header().control_id().text().trim().to_owned()
    });
    if control.is_empty() {
        UNREADABLE_CONTROL_ID.to_owned()
    } else {
        control
    }
}

fn incoming_event(incoming: Option<&Message<'_>>) -> String {
    incoming.map_or_else(String::new, |m| m.header().message_type().event.to_owned())
}

/// The ERR segment of a refusal (HL7 v2.5.1 §2.15.5: ERR-2 location, ERR-3 the table 0357 code,
/// ERR-4 severity `E`, ERR-8 the text for people).
fn err_segment(r: &Refusal) -> SegmentBuilder {
    let location = r.location.as_ref().map_or_else(
        || FieldValue::text(""),
        |(seg, seq, field)| {
            FieldValue::components_trimmed([
                seg.clone(),
                seq.to_string(),
                if *field == 0 {
                    String::new()
                } else {
                    field.to_string()
                },
            ])
        },
    );
    let coded = CodedValue::new(&r.code.to_string(), error_code::text(r.code), "HL70357");
    SegmentBuilder::new("ERR")
        .field(2, location)
        .field(
            3,
            FieldValue::components_trimmed([coded.code, coded.text, coded.system]),
        )
        .field(4, "E")
        .field(8, r.text.as_str())
}

/// MSA-1: AA, else the strongest refusal (AR over AE).
fn application_code(refusals: &[Refusal]) -> AckCode {
    if refusals.iter().any(|r| r.ack == AckCode::ApplicationReject) {
        AckCode::ApplicationReject
    } else if refusals.is_empty() {
        AckCode::ApplicationAccept
    } else {
        AckCode::ApplicationError
    }
}

fn msa(code: AckCode, control: String, text: Option<&str>) -> SegmentBuilder {
    let mut msa = SegmentBuilder::new("MSA")
        .field(1, code.code())
        .field(2, control);
    if let Some(t) = text.filter(|t| !t.is_empty()) {
        msa = msa.field(3, t);
    }
    msa
}

/// A general acknowledgement `ACK^<event>^ACK` (MSH, MSA, \[ERR\]...) with MSA-1 from the
/// refusals (AA when none).
pub fn build_ack(
    config: &HisConfig,
    incoming: Option<&Message<'_>>,
    refusals: &[Refusal],
    now: Timestamp,
    tz: &jiff::tz::TimeZone,
) -> Vec<u8> {
    let control = format!("ACK{}", now.as_millisecond());
    let code = application_code(refusals);
    ack_message(config, incoming, control, code, refusals, now, tz)
}

/// The accept acknowledgement of enhanced mode: `ACK^<event>^ACK` with MSA-1 `CA`, `CE` or
/// `CR`, and the reason in MSA-3 and ERR when not `CA`.
pub fn accept_ack(
    config: &HisConfig,
    incoming: Option<&Message<'_>>,
    code: AckCode,
    refusal: Option<&Refusal>,
    now: Timestamp,
    tz: &jiff::tz::TimeZone,
) -> Vec<u8> {
    let control = format!("CACK{}", now.as_millisecond());
    let refusals = refusal.map_or(&[][..], std::slice::from_ref);
    ack_message(config, incoming, control, code, refusals, now, tz)
}

/// An `ACK^<event>^ACK` with its own control ID `control`: MSH, MSA (MSA-1 `code`, MSA-3 the
/// first refusal's text) and one ERR a refusal.
fn ack_message(
    config: &HisConfig,
    incoming: Option<&Message<'_>>,
    control: String,
    code: AckCode,
    refusals: &[Refusal],
    now: Timestamp,
    tz: &jiff::tz::TimeZone,
) -> Vec<u8> {
    let header = answer_header(config, incoming, control, now, tz);
    let event = incoming_event(incoming);
    let mut b = MessageBuilder::new(
        &header,
        MessageType {
            code: "ACK",
            event: &event,
            structure: "ACK",
        },
    );
    b.push(msa(
        code,
        incoming_control(incoming),
        refusals.first().map(|r| r.text.as_str()),
    ));
    for r in refusals {
        b.push(err_segment(r));
    }
    b.build()
}

/// The application acknowledgement of an order message as `[his] order_ack` asks: a general
/// ACK, or ORR^O02 (to ORM^O01) / ORL^O22 (to OML^O21) with each line's answer. In enhanced mode
/// it asks for no acknowledgement itself (MSH-15/16 `NE`).
pub fn application_ack(
    config: &HisConfig,
    incoming: Option<&Message<'_>>,
    refusals: &[Refusal],
    lines: &[LineAnswer],
    now: Timestamp,
    tz: &jiff::tz::TimeZone,
) -> Vec<u8> {
    let enhanced = matches!(AckMode::of(incoming), AckMode::Enhanced { .. });
    let kind = incoming.map(|m| m.header().message_type().code);
    let (code, event, structure) = match (config.order_ack, kind) {
        (OrderAckForm::Orr, Some("ORM")) => ("ORR", "O02", "ORR_O02"),
        (OrderAckForm::Orr, Some("OML")) => ("ORL", "O22", "ORL_O22"),
        _ if !enhanced => return build_ack(config, incoming, refusals, now, tz),
        _ => ("ACK", "", "ACK"),
    };
    let mut header = answer_header(
        config,
        incoming,
        format!("ACK{}", now.as_millisecond()),
        now,
        tz,
    );
    if enhanced {
        header.accept_ack_type = String::from("NE");
        header.application_ack_type = String::from("NE");
    }
    let incoming_event = incoming_event(incoming);
    let event = if code == "ACK" {
        incoming_event.as_str()
    } else {
        event
    };
    let mut b = MessageBuilder::new(
        &header,
        MessageType {
            code,
            event,
            structure,
        },
    );
    b.push(msa(
        application_code(refusals),
        incoming_control(incoming),
        refusals.first().map(|r| r.text.as_str()),
    ));
    for r in refusals {
        b.push(err_segment(r));
    }
    if code == "ACK" || lines.is_empty() {
        return b.build();
    }
    // The patient as the HIS sent it (PID-3 with its authority and type, PID-5 in its parts).
    // ORL^O22 has its orders inside the patient group, so without a readable PID it answers
    // with MSA and ERR only; in ORR^O02 the patient group is optional.
    let pid = incoming.and_then(|m| super::orders::patient(m).ok());
    match (&pid, code) {
        (Some(p), _) => {
            let parts = p.name_parts.clone().unwrap_or_default();
            b.push(
                SegmentBuilder::new("PID")
                    .field(1, "1")
                    .field(
                        3,
                        patient_id(&p.his_id, &p.his_id_authority, &p.his_id_type),
                    )
                    .field(
                        5,
                        FieldValue::components_trimmed([
                            parts.family.as_str(),
                            parts.given.as_str(),
                            parts.middle.as_str(),
                        ]),
                    ),
            );
        }
        (None, "ORL") => return b.build(),
        (None, _) => {}
    }
    for (i, a) in lines.iter().enumerate() {
        let mut orc = SegmentBuilder::new("ORC")
            .field(1, a.reply.code())
            .field(2, a.line.placer.as_str());
        if !a.filler.is_empty() {
            orc = orc.field(3, a.filler.as_str());
        }
        if let Some(status) = a.status {
            orc = orc.field(5, status);
        }
        b.push(orc);
        // ORR^O02 needs an order detail segment after each ORC (§4.4.2); ORL^O22's
        // observation request group is optional, and sent whenever the line had an OBR.
        if code == "ORR" || a.line.obr_seq > 0 {
            let mut obr = SegmentBuilder::new("OBR")
                .field(1, (i + 1).to_string())
                .field(2, a.line.placer.as_str());
            if !a.filler.is_empty() {
                obr = obr.field(3, a.filler.as_str());
            }
            let [id, text, system] = &a.line.service;
            b.push(obr.field(
                4,
                FieldValue::components_trimmed([id.as_str(), text.as_str(), system.as_str()]),
            ));
        }
    }
    b.build()
}
