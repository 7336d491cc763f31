//! Writing E1394 messages as the LIS sends them: with the peer's delimiters, escaping data, CR
//! after every record (LIS2-A2 §5.4.1), trailing empty fields left off (LIS2-A2 §5.4.7).
//!
//! [`MessageWriter`] writes any record field by field; [`order_download`], [`query_answer`] and
//! [`host_query`] build the usual conversations. Text passed as data is escaped
//! ([`crate::escape::escape`]); `raw` setters write pre-encoded text unchanged (e.g. `""`, the
//! delete marker of LIS2-A2 §5.4.9). Nothing here reads a clock: timestamps come from the caller.

use crate::delimiters::{Delimiters, CR};
use crate::escape::escape;
use crate::record::RecordType;
use crate::timestamp::Timestamp;
use crate::views::{ActionCode, Priority, RequestStatus, TerminationCode};

/// Accumulates the records of one message.
#[derive(Debug, Clone)]
pub struct MessageWriter {
    delimiters: Delimiters,
    out: String,
}

impl MessageWriter {
    /// A writer using `delimiters` (those of the peer, from its last H record, or the default).
    pub fn new(delimiters: Delimiters) -> Self {
        Self {
            delimiters,
            out: String::new(),
        }
    }

    /// The delimiters in use.
    pub fn delimiters(&self) -> Delimiters {
        self.delimiters
    }

    /// Starts the H record; H-1 and H-2 (the delimiter definition, LIS2-A2 §6.2) are written
    /// for you, set fields from 3 on.
    pub fn header(&mut self) -> RecordWriter<'_> {
        let d = self.delimiters;
        let definition: String = [d.repeat, d.component, d.escape]
            .iter()
            .map(|&b| char::from(b))
            .collect();
        let mut w = self.record(RecordType::Header);
        w.set(2, definition);
        w
    }

    /// Starts a record of `kind`; it is written when the returned writer is dropped.
    pub fn record(&mut self, kind: RecordType) -> RecordWriter<'_> {
        RecordWriter {
            delimiters: self.delimiters,
            out: &mut self.out,
            fields: vec![kind.letter().to_string()],
        }
    }

    /// The records written so far.
    pub fn as_str(&self) -> &str {
        &self.out
    }

    /// The finished message text.
    pub fn finish(self) -> String {
        self.out
    }
}

/// One record being written. Fields are numbered as in the standard (1 = type); fields may be
/// set in any order; the record is appended to the message, CR-terminated, on drop.
#[derive(Debug)]
pub struct RecordWriter<'w> {
    delimiters: Delimiters,
    out: &'w mut String,
    fields: Vec<String>,
}

impl RecordWriter<'_> {
    fn set(&mut self, n: usize, encoded: String) {
        if n < 2 {
            return;
        }
        if self.fields.len() < n {
            self.fields.resize(n, String::new());
        }
        if let Some(slot) = self.fields.get_mut(n - 1) {
            *slot = encoded;
        }
    }

    /// Sets field `n` (2 or more; 1 is the type) to `text`, escaping delimiters.
    pub fn field(mut self, n: usize, text: &str) -> Self {
        let v = escape(text, &self.delimiters).into_owned();
        self.set(n, v);
        self
    }

    /// Sets field `n` to components, each escaped, joined by the component delimiter.
    pub fn components(mut self, n: usize, components: &[&str]) -> Self {
        let v = self.join_components(components);
        self.set(n, v);
        self
    }

    /// Sets field `n` to repeats of components, joined by the repeat delimiter.
    pub fn repeats(mut self, n: usize, repeats: &[&[&str]]) -> Self {
        let r = char::from(self.delimiters.repeat);
        let v = repeats
            .iter()
            .map(|c| self.join_components(c))
            .collect::<Vec<_>>()
            .join(r.encode_utf8(&mut [0; 4]));
        self.set(n, v);
        self
    }

    /// Sets field `n` to `raw` unchanged: the caller vouches it is encoded for these delimiters.
    pub fn raw(mut self, n: usize, raw: &str) -> Self {
        self.set(n, raw.to_owned());
        self
    }

    fn join_components(&self, components: &[&str]) -> String {
        let c = char::from(self.delimiters.component);
        components
            .iter()
            .map(|s| escape(s, &self.delimiters))
            .collect::<Vec<_>>()
            .join(c.encode_utf8(&mut [0; 4]))
    }
}

impl Drop for RecordWriter<'_> {
    fn drop(&mut self) {
        let used = self
            .fields
            .iter()
            .rposition(|f| !f.is_empty())
            .map_or(1, |i| i + 1);
        for (i, f) in self.fields.iter().take(used).enumerate() {
            if i > 0 {
                self.out.push(char::from(self.delimiters.field));
            }
            self.out.push_str(f);
        }
        self.out.push(char::from(CR));
    }
}

/// What the LIS puts in its H record. Empty strings are left out.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeaderInfo<'a> {
    /// H-3 message control ID (echo the peer's for DxH) (LIS2-A2 §6.3).
    pub control_id: &'a str,
    /// H-4 password (LIS2-A2 §6.4).
    pub password: &'a str,
    /// H-5 sender name or ID, as components (LIS2-A2 §6.5).
    pub sender: &'a [&'a str],
    /// H-10 receiver ID, as components (LIS2-A2 §6.10).
    pub receiver: &'a [&'a str],
    /// H-12 processing ID, e.g. `P` (LIS2-A2 §6.12).
    pub processing_id: &'a str,
    /// H-13 version, e.g. `LIS2-A2` (LIS2-A2 §6.13).
    pub version: &'a str,
    /// H-14 date and time of message, from the caller's clock (LIS2-A2 §6.14).
    pub timestamp: Option<Timestamp>,
}

impl HeaderInfo<'_> {
    fn write(&self, w: &mut MessageWriter) {
        w.header()
            .field(3, self.control_id)
            .field(4, self.password)
            .components(5, self.sender)
            .components(10, self.receiver)
            .field(12, self.processing_id)
            .field(13, self.version)
            .raw(14, &self.timestamp.map(|t| t.to_astm()).unwrap_or_default());
    }
}

/// The patient part of an order (LIS2-A2 §7).
#[derive(Debug, Clone, Copy, Default)]
pub struct PatientInfo<'a> {
    /// P-3 practice-assigned patient ID.
    pub practice_patient_id: &'a str,
    /// P-4 laboratory-assigned patient ID.
    pub laboratory_patient_id: &'a str,
    /// P-6 component 1.
    pub last_name: &'a str,
    /// P-6 component 2.
    pub first_name: &'a str,
    /// P-6 component 3.
    pub middle_name: &'a str,
    /// P-8 birth date (only the date is written).
    pub birth_date: Option<Timestamp>,
    /// P-9 sex: `M`, `F` or `U`.
    pub sex: &'a str,
}

/// One specimen's order as the LIS downloads it (LIS2-A2 §8.4).
#[derive(Debug, Clone, Copy)]
pub struct OrderRequest<'a> {
    /// The patient (one P record per order request).
    pub patient: PatientInfo<'a>,
    /// O-3 specimen ID (LIS2-A2 §8.4.3).
    pub specimen_id: &'a str,
    /// O-4 instrument specimen ID, as components (e.g. `^rack^position` echoed), may be empty.
    pub instrument_specimen_id: &'a [&'a str],
    /// O-5 test codes, each written as `^^^code` and repeated (LIS2-A2 §8.4.5, §8.2).
    pub tests: &'a [&'a str],
    /// O-6 priority (LIS2-A2 §8.4.6).
    pub priority: Option<Priority>,
    /// O-8 collection date and time (LIS2-A2 §8.4.8).
    pub collected_at: Option<Timestamp>,
    /// O-12 action code: `N` new, `A` add, `C` cancel, `Q` QC (LIS2-A2 §8.4.12).
    pub action: ActionCode,
    /// O-16 specimen descriptor, as components `type^source` (LIS2-A2 §8.4.16).
    pub specimen_descriptor: &'a [&'a str],
}

impl<'a> OrderRequest<'a> {
    /// A new order (`N`) for `specimen_id` and `tests`, everything else empty.
    pub fn new(specimen_id: &'a str, tests: &'a [&'a str]) -> Self {
        Self {
            patient: PatientInfo::default(),
            specimen_id,
            instrument_specimen_id: &[],
            tests,
            priority: None,
            collected_at: None,
            action: ActionCode::New,
            specimen_descriptor: &[],
        }
    }

    fn write(&self, w: &mut MessageWriter, patient_seq: usize, report_type: &str) {
        let p = &self.patient;
        w.record(RecordType::Patient)
            .field(2, &patient_seq.to_string())
            .field(3, p.practice_patient_id)
            .field(4, p.laboratory_patient_id)
            .components(6, &trim_empty(&[p.last_name, p.first_name, p.middle_name]))
            .raw(8, &p.birth_date.map(|t| date_only(&t)).unwrap_or_default())
            .field(9, p.sex);
        let tests: Vec<[&str; 4]> = self.tests.iter().map(|&t| ["", "", "", t]).collect();
        let tests: Vec<&[&str]> = tests.iter().map(|t| &t[..]).collect();
        w.record(RecordType::Order)
            .field(2, "1")
            .field(3, self.specimen_id)
            .components(4, self.instrument_specimen_id)
            .repeats(5, &tests)
            .raw(6, self.priority.and_then(Priority::code).unwrap_or(""))
            .raw(
                8,
                &self.collected_at.map(|t| t.to_astm()).unwrap_or_default(),
            )
            .raw(12, self.action.code().unwrap_or(""))
            .components(16, self.specimen_descriptor)
            .raw(26, report_type);
    }
}

/// Drops trailing empty components so an absent middle name leaves no stray delimiter.
fn trim_empty<'a>(components: &[&'a str]) -> Vec<&'a str> {
    let used = components
        .iter()
        .rposition(|c| !c.is_empty())
        .map_or(0, |i| i + 1);
    components[..used].to_vec()
}

fn date_only(t: &Timestamp) -> String {
    format!("{:04}{:02}{:02}", t.year, t.month, t.day)
}

/// An order download: H, then P and O per request (O-26 `O`, LIS2-A2 §8.4.26), then `L|1|N`.
pub fn order_download(
    d: Delimiters,
    header: &HeaderInfo<'_>,
    orders: &[OrderRequest<'_>],
) -> String {
    let mut w = MessageWriter::new(d);
    header.write(&mut w);
    for (i, o) in orders.iter().enumerate() {
        o.write(&mut w, i + 1, "O");
    }
    terminator(&mut w, TerminationCode::Normal);
    w.finish()
}

/// How to say "no information available" for a host query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoInformationForm {
    /// H then `L|1|I`: "no information available from last query" (LIS2-A2 §12.3; Mindray).
    TerminationCode,
    /// H, empty P, O with O-3 = specimen and O-26 `Y` "no order on record for this test"
    /// (LIS2-A2 §8.4.26), then `L|1|N`.
    NoOrder,
    /// As `NoOrder` with O-26 `Z` "no record of this patient" (LIS2-A2 §8.4.26).
    NoPatient,
}

/// The LIS's answer to a host query (LIS2-A2 §11).
#[derive(Debug, Clone, Copy)]
pub enum QueryAnswer<'a> {
    /// Orders found: P and O per request with O-26 `Q` "response to query" (LIS2-A2 §8.4.26),
    /// closed by `L|1|F` "last request for information processed" (LIS2-A2 §12.3).
    Orders(&'a [OrderRequest<'a>]),
    /// Nothing known about `specimen_id`, in the given form.
    NoInformation {
        /// The specimen the instrument asked about (echoed in O-3 for the O-26 forms).
        specimen_id: &'a str,
        /// Which way to say it.
        form: NoInformationForm,
    },
}

/// Builds the answer to a host query.
pub fn query_answer(d: Delimiters, header: &HeaderInfo<'_>, answer: &QueryAnswer<'_>) -> String {
    let mut w = MessageWriter::new(d);
    header.write(&mut w);
    match *answer {
        QueryAnswer::Orders(orders) => {
            for (i, o) in orders.iter().enumerate() {
                o.write(&mut w, i + 1, "Q");
            }
            terminator(&mut w, TerminationCode::QueryProcessed);
        }
        QueryAnswer::NoInformation {
            form: NoInformationForm::TerminationCode,
            ..
        } => {
            terminator(&mut w, TerminationCode::NoInformation);
        }
        QueryAnswer::NoInformation { specimen_id, form } => {
            let code = if form == NoInformationForm::NoPatient {
                "Z"
            } else {
                "Y"
            };
            w.record(RecordType::Patient).field(2, "1");
            w.record(RecordType::Order)
                .field(2, "1")
                .field(3, specimen_id)
                .raw(26, code);
            terminator(&mut w, TerminationCode::Normal);
        }
    }
    w.finish()
}

fn terminator(w: &mut MessageWriter, code: TerminationCode) {
    w.record(RecordType::Terminator)
        .field(2, "1")
        .raw(3, code.code().unwrap_or(""));
}

/// A host query as an instrument sends it (LIS2-A2 §11), for the analyzer simulator.
#[derive(Debug, Clone, Copy)]
pub struct HostQuery<'a> {
    /// Q-3 component 1, patient ID (LIS2-A2 §11.3).
    pub patient_id: &'a str,
    /// Q-3 component 2, specimen ID.
    pub specimen_id: &'a str,
    /// Q-3 components 3 and up (manufacturer-defined, e.g. rack, position).
    pub extra: &'a [&'a str],
    /// Q-5 test codes as `^^^code` repeats; empty means `ALL` (LIS2-A2 §11.5).
    pub tests: &'a [&'a str],
    /// Q-13 request information status, usually `O` orders only (LIS2-A2 §11.13).
    pub status: RequestStatus,
}

/// H, Q, `L|1|N`.
pub fn host_query(d: Delimiters, header: &HeaderInfo<'_>, query: &HostQuery<'_>) -> String {
    let mut w = MessageWriter::new(d);
    header.write(&mut w);
    let mut range = vec![query.patient_id, query.specimen_id];
    range.extend_from_slice(query.extra);
    let tests: Vec<[&str; 4]> = query.tests.iter().map(|&t| ["", "", "", t]).collect();
    let tests: Vec<&[&str]> = tests.iter().map(|t| &t[..]).collect();
    let q = w
        .record(RecordType::Query)
        .field(2, "1")
        .components(3, &range)
        .raw(13, query.status.code().unwrap_or(""));
    if tests.is_empty() {
        q.raw(5, "ALL");
    } else {
        q.repeats(5, &tests);
    }
    terminator(&mut w, TerminationCode::Normal);
    w.finish()
}

#[cfg(test)]
mod tests;
