//! The simulator's messages: results, host queries, and reading the LIS's answers, all placed at
//! the profile's own locations so that what the simulator sends is what the profile reads.

use lis_astm::record::RecordType;
use lis_hl7::build::query::{qbp_q11, qry_q02, HostQuery, LegacyQuery};
use lis_hl7::build::{CodedValue, MessageHeader};

use crate::profile::{Location, Profile, Rule};

/// How a QC sample is marked besides the profile's QC rule: the control's level and lot, written
/// where the profile reads them (`qc_level`, `qc_lot`) when it names a place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QcMark {
    /// The control's level (`1`, `2`...).
    pub level: Option<String>,
    /// The control material's lot.
    pub lot: Option<String>,
}

/// One generated result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimResult {
    /// Instrument test code.
    pub code: String,
    /// Value as sent.
    pub value: String,
    /// Units.
    pub units: String,
}

/// A record or segment under construction: fields of components of subcomponents.
#[derive(Debug, Clone, Default)]
struct Fields {
    id: String,
    fields: Vec<Vec<Vec<String>>>,
}

impl Fields {
    fn new(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            fields: Vec::new(),
        }
    }

    /// Sets the value at `field`, `component`, `subcomponent` (1-based; the id is field 1 in ASTM,
    /// the segment id is field 0 in HL7: callers pass standard numbers).
    fn put(&mut self, field: usize, component: Option<usize>, sub: Option<usize>, value: &str) {
        let f = field.max(1);
        if self.fields.len() < f {
            self.fields.resize(f, Vec::new());
        }
        let Some(fv) = self.fields.get_mut(f - 1) else {
            return;
        };
        let c = component.unwrap_or(1).max(1);
        if fv.len() < c {
            fv.resize(c, Vec::new());
        }
        let Some(cv) = fv.get_mut(c - 1) else {
            return;
        };
        let s = sub.unwrap_or(1).max(1);
        if cv.len() < s {
            cv.resize(s, String::new());
        }
        if let Some(sv) = cv.get_mut(s - 1) {
            *sv = value.to_owned();
        }
    }

    fn set(&mut self, field: usize, value: &str) {
        self.put(field, None, None, value);
    }

    fn at(&mut self, loc: &Location, value: &str) {
        self.put(loc.field, loc.component, loc.subcomponent, value);
    }

    /// Writes fields from `from` (1-based) with `|`, `^`, `&`.
    fn encode(&self, from: usize) -> String {
        self.fields
            .iter()
            .skip(from.saturating_sub(1))
            .map(|f| f.iter().map(|c| c.join("&")).collect::<Vec<_>>().join("^"))
            .collect::<Vec<_>>()
            .join("|")
    }
}

/// The QC level as the analyzer writes it (`2` is the BC-5380's `M`, by its `qc_level_map`).
fn analyzer_level(profile: &Profile, mark: &QcMark) -> Option<String> {
    mark.level.as_ref().map(|l| {
        profile
            .qc_level_map
            .iter()
            .find(|(_, number)| *number == l)
            .map_or_else(|| l.clone(), |(word, _)| word.clone())
    })
}

/// The value a rule wants (its first `equals`, or its first `starts_with` followed by `tail`).
fn rule_value(rule: &Rule, tail: &str) -> Option<String> {
    rule.equals
        .first()
        .cloned()
        .or_else(|| rule.starts_with.first().map(|p| format!("{p}{tail}")))
}

/// H-2 as the analyzer writes it: the profile's `[simulator] delimiters`, else the standard
/// repeat, component and escape characters `\^&` [LIS2-A2 §7.1.2].
fn h2(profile: &Profile) -> &str {
    if profile.simulator.delimiters.is_empty() {
        "\\^&"
    } else {
        &profile.simulator.delimiters
    }
}

/// An E1394 result message (H, P, O, R..., L) for one specimen, placed at the profile's locations
/// and stamped `at` (the analyzer's local time, `YYYYMMDDHHMMSS`). A QC sample (`qc`) is marked by
/// the profile's first QC rule outside the R record, with its level and lot where the profile reads
/// them; a profile whose `order_result` rules take O records as rows gets one O per result (the
/// Mindray BS-240's QC) instead of R records.
pub fn astm_results(
    profile: &Profile,
    specimen: &str,
    results: &[SimResult],
    qc: Option<&QcMark>,
    at: &str,
) -> String {
    let mut h = Fields::new("H");
    h.set(1, "H");
    let sender = if profile.simulator.sender.is_empty() {
        "SIMULATOR"
    } else {
        profile.simulator.sender.as_str()
    };
    let processing = if profile.simulator.processing_id.is_empty() {
        "P"
    } else {
        profile.simulator.processing_id.as_str()
    };
    h.set(12, processing);
    h.set(13, "LIS2-A2");
    h.set(14, at);
    let mut p = Fields::new("P");
    p.set(1, "P");
    p.set(2, "1");
    let mut o = Fields::new("O");
    o.set(1, "O");
    o.set(2, "1");
    o.set(26, "F");
    let mut records: Vec<(char, Fields)> = vec![('H', h), ('P', p), ('O', o)];
    let find = |records: &mut Vec<(char, Fields)>, letter: char| -> Option<usize> {
        records.iter().position(|(l, _)| *l == letter)
    };
    if let Some(loc) = profile.specimen.first() {
        let letter = loc.segment.chars().next().unwrap_or('O');
        if let Some(i) = find(&mut records, letter) {
            if let Some((_, r)) = records.get_mut(i) {
                r.at(loc, specimen);
            }
        }
    }
    let mut place = |loc: &Location, value: &str| {
        let letter = loc.segment.chars().next().unwrap_or('H');
        if loc.row.is_some() {
            return;
        }
        if let Some((_, r)) = find(&mut records, letter).and_then(|i| records.get_mut(i)) {
            r.at(loc, value);
        }
    };
    let order_rows = match (qc, &profile.order_result) {
        (Some(_), Some(order)) => Some(order),
        _ => None,
    };
    if let Some(mark) = qc {
        if let Some(rule) = profile.qc.iter().find(|r| r.field.segment != "R") {
            if let Some(v) = rule_value(rule, specimen) {
                place(&rule.field, &v);
            }
        }
        let level = analyzer_level(profile, mark);
        for (read_at, value) in [(&profile.qc_level, &level), (&profile.qc_lot, &mark.lot)] {
            if let (Some(loc), Some(value)) = (read_at.as_ref().and_then(|l| l.first()), value) {
                place(loc, value);
            }
        }
    }
    if let Some(order) = order_rows {
        for rule in &order.when {
            if let Some(v) = rule_value(rule, "") {
                place(&rule.field, &v);
            }
        }
    }
    let mut text = String::new();
    let suffix = profile.code_before.clone().unwrap_or_default();
    if let Some(order) = order_rows {
        // One O record per result, the value in the O record itself, no R record.
        let template = records
            .pop()
            .map(|(_, o)| o)
            .unwrap_or_else(|| Fields::new("O"));
        push_header_and_patient(&mut text, &records, sender, h2(profile));
        for (n, res) in results.iter().enumerate() {
            let mut o = template.clone();
            o.set(2, &(n + 1).to_string());
            for (read_at, value) in [
                (Some(&order.test_code), format!("{}{suffix}", res.code)),
                (Some(&order.value), res.value.clone()),
                (order.units.as_ref(), res.units.clone()),
                (order.observed_at.as_ref(), at.to_owned()),
            ] {
                if let Some(loc) = read_at.and_then(|l| l.first()) {
                    o.at(loc, &value);
                }
            }
            text.push_str(&o.encode(1));
            text.push('\r');
        }
        text.push_str("L|1|N\r");
        return text;
    }
    push_header_and_patient(&mut text, &records, sender, h2(profile));
    if let Some((_, o)) = records.iter().find(|(l, _)| *l == 'O') {
        text.push_str(&o.encode(1));
        text.push('\r');
    }
    let code_at = profile.test_code.first().cloned();
    for (n, res) in results.iter().enumerate() {
        let mut r = Fields::new("R");
        r.set(1, "R");
        r.set(2, &(n + 1).to_string());
        if let Some(loc) = &code_at {
            r.at(loc, &format!("{}{suffix}", res.code));
        }
        for rule in profile.keep.iter().filter(|k| k.field.segment == "R") {
            if let Some(v) = rule_value(rule, "") {
                r.at(&rule.field, &v);
            }
        }
        if let Some(loc) = profile.value_at().first() {
            r.at(loc, &res.value);
        }
        // Units, flag `N`, status `F` and the time where the profile reads them (a Beckman DxH
        // has them one field later than LIS2-A2).
        for (read_at, value) in [
            (profile.units_at(), res.units.as_str()),
            (profile.flags_at(), "N"),
            (profile.status_at(), "F"),
            (profile.observed_at_at(), at),
        ] {
            if let Some(loc) = read_at.first().filter(|l| l.segment == "R") {
                r.at(loc, value);
            }
        }
        text.push_str(&r.encode(1));
        text.push('\r');
    }
    text.push_str("L|1|N\r");
    text
}

/// Writes the H and P records of `records` (H-2 the `delimiters`, H-5 the sender).
fn push_header_and_patient(
    text: &mut String,
    records: &[(char, Fields)],
    sender: &str,
    delimiters: &str,
) {
    for (letter, r) in records {
        if *letter == 'H' {
            // H-2 holds the delimiters themselves; H-5 the sender with its own components.
            let rest = r.encode(3);
            let mut fields: Vec<String> = rest.split('|').map(str::to_owned).collect();
            if fields.len() < 3 {
                fields.resize(3, String::new());
            }
            if let Some(f) = fields.get_mut(2) {
                *f = sender.to_owned();
            }
            text.push_str(&format!("H|{delimiters}|{}\r", fields.join("|")));
        } else if *letter == 'P' {
            text.push_str(&r.encode(1));
            text.push('\r');
        }
    }
}

/// An E1394 host query for `specimen`, at the profile's query location, its header stamped `at`.
pub fn astm_query(profile: &Profile, specimen: &str, at: &str) -> String {
    let mut q = Fields::new("Q");
    q.set(1, "Q");
    q.set(2, "1");
    match profile.query.specimen.first() {
        Some(loc) => q.at(loc, specimen),
        None => q.put(3, Some(2), None, specimen),
    }
    q.set(5, "^^^ALL");
    q.set(13, "O");
    let sender = if profile.simulator.sender.is_empty() {
        "SIMULATOR"
    } else {
        profile.simulator.sender.as_str()
    };
    format!(
        "H|{}|||{sender}|||||||P|LIS2-A2|{at}\r{}\rL|1|N\r",
        h2(profile),
        q.encode(1)
    )
}

/// The tests the LIS ordered in an E1394 answer (O-5 repeats, component 4, the profile's suffix
/// cut), or `None` when the text is not an answer.
pub fn astm_ordered_tests(profile: &Profile, text: &[u8]) -> Option<Vec<String>> {
    let (message, _) = lis_astm::message::Message::parse(text).ok()?;
    let mut codes = Vec::new();
    let mut any_order = false;
    for o in message.records_of(RecordType::Order) {
        any_order = true;
        for rep in o.field(5).repeats() {
            let code = rep.component(4).trim();
            let code = profile.cut_code(code);
            let code = if profile.query.code_suffix.is_empty() {
                code
            } else {
                code.strip_suffix(profile.query.code_suffix.as_str())
                    .unwrap_or(code)
            };
            if !code.is_empty() {
                codes.push(code.to_owned());
            }
        }
    }
    let terminated = message.terminator_record().is_some();
    (any_order || terminated).then_some(codes)
}

fn hl7_version(profile: &Profile) -> String {
    if profile.simulator.hl7_version.is_empty() {
        "2.5.1".to_owned()
    } else {
        profile.simulator.hl7_version.clone()
    }
}

/// An HL7 result message: ORU^R01 (specimen in OBR), or OUL^R22 with SPM/SAC when the profile reads
/// the specimen from those segments; stamped `at` (MSH-7, OBR-7, OBX-14: the analyzer's local
/// time). A QC sample (`qc`) is marked by the profile's first QC rule outside OBX, with its level
/// and lot where the profile reads them (a level row such as the BC-5380's `05001` is sent as an
/// OBX of its own before the results).
pub fn hl7_results(
    profile: &Profile,
    specimen: &str,
    results: &[SimResult],
    qc: Option<&QcMark>,
    seq: u64,
    at: &str,
) -> Vec<u8> {
    let version = hl7_version(profile);
    let loc = profile.specimen.first().cloned();
    let spm_style = loc
        .as_ref()
        .is_some_and(|l| l.segment == "SPM" || l.segment == "SAC");
    let sender = if profile.simulator.sender.is_empty() {
        "SIMULATOR"
    } else {
        profile.simulator.sender.as_str()
    };
    let mut msh = Fields::new("MSH");
    msh.set(3, sender);
    msh.set(7, at);
    msh.set(9, if spm_style { "OUL" } else { "ORU" });
    msh.put(9, Some(2), None, if spm_style { "R22" } else { "R01" });
    msh.set(10, &format!("SIM{seq}"));
    msh.set(11, "P");
    msh.set(12, &version);
    let mut pid = Fields::new("PID");
    pid.set(1, "1");
    pid.set(3, &format!("PAT{seq}"));
    let mut spm = Fields::new("SPM");
    spm.set(1, "1");
    let mut sac = Fields::new("SAC");
    let mut obr = Fields::new("OBR");
    obr.set(1, "1");
    obr.set(4, "ALL");
    obr.set(7, at);
    let mut place = |loc: &Location, value: &str| match loc.segment.as_str() {
        "MSH" => msh.at(loc, value),
        "PID" => pid.at(loc, value),
        "SPM" => spm.at(loc, value),
        "SAC" => sac.at(loc, value),
        "OBR" => obr.at(loc, value),
        _ => {}
    };
    if let Some(loc) = &loc {
        place(loc, specimen);
    }
    // Rows sent before the results: the QC level's own row, when the profile reads it from one.
    let mut level_rows: Vec<(String, Location, String)> = Vec::new();
    if let Some(mark) = qc {
        if let Some(rule) = profile.qc.iter().find(|r| r.field.segment != "OBX") {
            if let Some(v) = rule_value(rule, specimen) {
                place(&rule.field, &v);
            }
        }
        let level = analyzer_level(profile, mark);
        for (read_at, value) in [(&profile.qc_level, &level), (&profile.qc_lot, &mark.lot)] {
            if let (Some(loc), Some(value)) = (read_at.as_ref().and_then(|l| l.first()), value) {
                match &loc.row {
                    Some(code) => level_rows.push((code.clone(), loc.clone(), value.clone())),
                    None => place(loc, value),
                }
            }
        }
    }
    let mut segments: Vec<Fields> = vec![pid];
    if spm_style {
        segments.push(spm);
        if !sac.fields.is_empty() {
            segments.push(sac);
        }
    }
    segments.push(obr);
    let code_at = profile.test_code.first().cloned();
    let mut n = 0;
    for (code, loc, value) in &level_rows {
        n += 1;
        let mut obx = Fields::new("OBX");
        obx.set(1, &n.to_string());
        obx.set(2, "IS");
        if let Some(code_at) = &code_at {
            obx.at(code_at, code);
        }
        obx.at(loc, value);
        obx.set(11, "F");
        segments.push(obx);
    }
    for res in results {
        n += 1;
        let mut obx = Fields::new("OBX");
        obx.set(1, &n.to_string());
        obx.set(2, "NM");
        if let Some(loc) = &code_at {
            obx.at(loc, &res.code);
        }
        obx.put(3, Some(2), None, &res.code);
        obx.set(5, &res.value);
        obx.set(6, &res.units);
        obx.set(8, "N");
        obx.set(11, "F");
        obx.set(14, at);
        segments.push(obx);
    }
    let mut text = format!("MSH|^~\\&|{}\r", msh.encode(3));
    for s in segments {
        text.push_str(&format!("{}|{}\r", s.id, s.encode(1)));
    }
    text.into_bytes()
}

/// An HL7 host query stamped `at`: QBP^Q11, or QRY^Q02 when the profile says
/// `hl7_query = "qry"`.
pub fn hl7_query(profile: &Profile, specimen: &str, seq: u64, at: &str) -> Vec<u8> {
    let version = hl7_version(profile);
    if profile.simulator.hl7_query == "qry" {
        return qry_q02(&LegacyQuery {
            header: MessageHeader::mindray(at, &format!("Q{seq}")),
            query_at: at.to_owned(),
            query_id: seq.to_string(),
            specimen_id: specimen.to_owned(),
        });
    }
    qbp_q11(&HostQuery {
        header: MessageHeader {
            sending_application: profile.simulator.sender.clone(),
            datetime: at.to_owned(),
            control_id: format!("Q{seq}"),
            version,
            ..MessageHeader::default()
        },
        query_name: CodedValue::new("WOS", "Work Order Step", "IHE_LABTF"),
        query_tag: format!("T{seq}"),
        specimen_id: specimen.to_owned(),
        ..HostQuery::default()
    })
}

/// What an HL7 message from the LIS means to the simulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hl7Reply {
    /// An ACK with MSA-1.
    Ack(String),
    /// A query answer with the ordered codes (empty: none), and whether more follows (QCK with OK
    /// is followed by a DSR^Q03).
    Orders {
        /// The codes.
        codes: Vec<String>,
        /// A DSR^Q03 follows.
        more: bool,
    },
    /// A DSR^Q03 (to be acknowledged with ACK^Q03) with its codes.
    Display {
        /// The codes.
        codes: Vec<String>,
        /// Its MSH-10.
        control_id: String,
    },
    /// An order message (OML/ORM) with codes.
    OrderMessage {
        /// The codes.
        codes: Vec<String>,
        /// Its MSH-10.
        control_id: String,
    },
    /// Anything else.
    Other,
}

/// Reads an HL7 message from the LIS.
pub fn read_hl7_reply(payload: &[u8]) -> Hl7Reply {
    let Ok((m, _)) = lis_hl7::Message::parse(payload) else {
        return Hl7Reply::Other;
    };
    let t = m.header().message_type();
    let control_id = m.header().control_id().as_str().to_owned();
    let obr_codes = || -> Vec<String> {
        m.segments()
            .filter(|s| s.id() == "OBR")
            .map(|s| s.field(4).component(1).as_str().to_owned())
            .filter(|c| !c.is_empty())
            .collect()
    };
    match t.code {
        "ACK" => Hl7Reply::Ack(
            m.first("MSA")
                .map(|s| s.field(1).as_str().to_owned())
                .unwrap_or_default(),
        ),
        "RSP" => Hl7Reply::Orders {
            codes: obr_codes(),
            more: false,
        },
        "QCK" => {
            let ok = m.first("QAK").is_some_and(|s| s.field(2).as_str() == "OK");
            Hl7Reply::Orders {
                codes: Vec::new(),
                more: ok,
            }
        }
        "DSR" => Hl7Reply::Display {
            codes: m
                .segments()
                .filter(|s| s.id() == "DSP")
                .filter(|s| s.field(1).as_str().parse::<usize>().is_ok_and(|n| n >= 29))
                .map(|s| s.field(3).component(1).as_str().to_owned())
                .filter(|c| !c.is_empty())
                .collect(),
            control_id,
        },
        "OML" | "ORM" => Hl7Reply::OrderMessage {
            codes: obr_codes(),
            control_id,
        },
        _ => Hl7Reply::Other,
    }
}

/// The ACK the simulator sends for a message from the LIS (`ACK^Q03` for a DSR), stamped `at`.
pub fn hl7_ack_for(control_id: &str, event: &str, seq: u64, at: &str) -> Vec<u8> {
    format!("MSH|^~\\&|SIMULATOR||LIS||{at}||ACK^{event}|A{seq}|P|2.3.1\rMSA|AA|{control_id}\r")
        .into_bytes()
}
