//! Drivers-level tests: real link tasks with the real machines and handlers, over in-memory pipes,
//! into an in-memory core store with a test lab (the default lab plus one instrument per shipped
//! profile). Traces come from the shared corpus where there is one.

mod bounds;
mod downloads;
mod faults;
mod graphs;
mod idle;
mod profiles;
mod profiles_a;
mod profiles_b;
mod profiles_coag;
mod profiles_micro;
mod profiles_urine;
mod profiles_vendor_dim;
mod profiles_vendor_text;
mod queries;
mod runner;
mod serial;
mod simulated_analyzer;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lis_core::model::{Actor, NewOrder, NewPatient, NewSpecimen, Priority, Sex, Unmatched};
use lis_core::{LabConfig, Store, DEFAULT_LAB_TOML};
use tokio::io::DuplexStream;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::ingest::{AstmHandler, LabLink, MllpHandler, VendorHandler};
use crate::link::{Link, LinkState, LinkStatusHandle};
use crate::machine::{AstmFramedMachine, AstmRawMachine, MllpMachine, VendorMachine};
use crate::profile::{Framing, Profile, ProfileSet};
use crate::transport::{Connection, Retry, Transport};

/// The test lab: instruments for every shipped profile, each mapping its codes to catalog codes
/// with the unit it sends (so that no unit rule holds the results).
const TEST_INSTRUMENTS: &str = r#"
[[instruments]]
id = "DIM"
name = "Siemens Dimension EXL"
profile = "siemens-dimension"
test_map = [
  { code = "GLUC", test = "GLU", factor = 0.0555, unit = "mg/dL" },
  { code = "CRE2", test = "CREA", factor = 88.4, unit = "mg/dL" },
  { code = "RCRP", test = "CRP", unit = "mg/L" },
]

[[instruments]]
id = "XS"
name = "Sysmex XS-500i"
profile = "sysmex-xs500i-text"
test_map = [
  { code = "WBC", test = "WBC", unit = "10*3/uL" }, { code = "MCV", test = "MCV", unit = "fL" },
  { code = "PLT", test = "PLT", unit = "10*3/uL" }, { code = "NEUT%", test = "NEUT%", unit = "%" },
]

[[instruments]]
id = "XN"
name = "Sysmex XN-550"
profile = "sysmex-xn"
test_map = [
  { code = "WBC", test = "WBC", unit = "10*3/uL" }, { code = "RBC", test = "RBC", unit = "10*6/uL" },
  { code = "HGB", test = "HGB", unit = "g/dL" }, { code = "HCT", test = "HCT", unit = "%" },
  { code = "MCV", test = "MCV", unit = "fL" }, { code = "PLT", test = "PLT", unit = "10*3/uL" },
]

[[instruments]]
id = "C311"
name = "cobas c311"
profile = "roche-cobas-c311"
test_map = [
  { code = "685", test = "ALT", unit = "U/l" }, { code = "687", test = "AST", unit = "U/l" },
  { code = "712", test = "TBIL", unit = "umol/l" }, { code = "717", test = "GLU", unit = "mmol/l" },
  { code = "690", test = "CREA", unit = "umol/l" },
]

[[instruments]]
id = "E411"
name = "cobas e411"
profile = "roche-cobas-e411"
test_map = [
  { code = "140", test = "TSH", unit = "mIU/ml" }, { code = "70", test = "FT4", unit = "ng/ml" },
  { code = "111", test = "TNTHS", unit = "nmol/l" },
]

[[instruments]]
id = "ARCH"
name = "ARCHITECT i1000SR"
profile = "abbott-architect"
test_map = [
  { code = "580", test = "HBSAG", unit = "S/CO" }, { code = "531", test = "HIV", unit = "AU/mL" },
]

[[instruments]]
id = "BC5380"
name = "Mindray BC-5380"
profile = "mindray-bc5380"
test_map = [
  { code = "6690-2", test = "WBC", unit = "10*9/L" }, { code = "789-8", test = "RBC", unit = "10*12/L" },
  { code = "718-7", test = "HGB", unit = "g/L" }, { code = "777-3", test = "PLT", unit = "10*9/L" },
]

[[instruments]]
id = "BS240"
name = "Mindray BS-240"
profile = "mindray-bs240"
test_map = [
  { code = "TBIL", test = "TBIL", unit = "mg/dL" }, { code = "SGPT", test = "ALT", unit = "U/L" },
  { code = "SGOT", test = "AST", unit = "U/L" }, { code = "UREA", test = "UREA", unit = "mg/dL" },
]

[[instruments]]
id = "CL"
name = "Mindray CL-1000i"
profile = "mindray-cl"
test_map = [
  { code = "25", test = "HDL", unit = "mg/dL" }, { code = "1", test = "TSH", unit = "uIU/mL" },
]
"#;

pub(crate) fn lab_config() -> LabConfig {
    let text = format!(
        "{DEFAULT_LAB_TOML}\n{TEST_INSTRUMENTS}\n{}\n{}\n{}\n{}",
        profiles_a::INSTRUMENTS,
        profiles_b::LAB,
        profiles_coag::LAB,
        profiles_urine::LAB
    );
    LabConfig::from_toml_str(&text, "test-lab").unwrap()
}

pub(crate) fn profile(name: &str) -> Arc<Profile> {
    ProfileSet::embedded().unwrap().get(name).unwrap()
}

/// The shared corpus, found by walking up from the crate.
pub(crate) fn corpus(path: &str) -> Vec<u8> {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        let candidate = dir.join("shared/corpus");
        if candidate.is_dir() {
            return std::fs::read(candidate.join(path)).unwrap();
        }
        assert!(
            dir.pop(),
            "shared/corpus not found above CARGO_MANIFEST_DIR"
        );
    }
}

/// A transport handing out the pipes the test pushes in.
struct PipeTransport {
    incoming: mpsc::Receiver<DuplexStream>,
}

impl Transport for PipeTransport {
    type Io = DuplexStream;

    fn describe(&self) -> String {
        "pipe".to_owned()
    }

    fn waiting_state(&self) -> LinkState {
        LinkState::Listening
    }

    async fn establish(&mut self) -> std::io::Result<Connection<DuplexStream>> {
        match self.incoming.recv().await {
            Some(io) => Ok(Connection {
                io,
                peer: "pipe".to_owned(),
            }),
            None => std::future::pending().await,
        }
    }

    fn retry_delay(&mut self, _why: Retry) -> Duration {
        Duration::ZERO
    }
}

/// A running LIS link for one instrument.
pub(crate) struct Lis {
    pub(crate) store: Arc<Store>,
    pub(crate) status: LinkStatusHandle,
    pub(crate) profile: Arc<Profile>,
    pipes: mpsc::Sender<DuplexStream>,
    pub(crate) astm_outbox: Option<mpsc::Sender<crate::download::Outgoing<String>>>,
    /// The outbox of a vendor link (Dimension downloads).
    pub(crate) vendor_outbox: Option<mpsc::Sender<crate::download::Outgoing<Vec<u8>>>>,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Lis {
    /// Starts the link of `instrument` with `profile_name`'s machine and handler.
    pub(crate) fn start(instrument: &str, profile_name: &str) -> Self {
        Self::start_with(instrument, profile(profile_name))
    }

    /// Starts the link of `instrument` with `profile`.
    pub(crate) fn start_with(instrument: &str, profile: Arc<Profile>) -> Self {
        Self::start_limited(instrument, profile, 1 << 20)
    }

    /// Starts the link of `instrument` with `profile`, giving up messages longer than
    /// `max_message_len` bytes.
    pub(crate) fn start_limited(
        instrument: &str,
        profile: Arc<Profile>,
        max_message_len: usize,
    ) -> Self {
        let store = Arc::new(Store::open_in_memory(lab_config()).unwrap());
        let status = LinkStatusHandle::detached(instrument);
        let (pipes, incoming) = mpsc::channel(4);
        let shutdown = CancellationToken::new();
        let lab = LabLink {
            instrument: instrument.to_owned(),
            link: instrument.to_owned(),
            profile: Arc::clone(&profile),
            store: Arc::clone(&store),
            ingestor: None,
            status: Some(status.clone()),
            in_flight: Default::default(),
        };
        let transport = PipeTransport { incoming };
        let frame = profile.max_frame_len;
        let frame_format = profile.frame_format.into();
        let mut astm_outbox = None;
        let mut vendor_outbox = None;
        let task = match profile.framing {
            Framing::E1381 => {
                let (tx, rx) = mpsc::channel(8);
                astm_outbox = Some(tx);
                tokio::spawn(
                    Link::new(
                        instrument,
                        transport,
                        move || {
                            AstmFramedMachine::with_format(frame, 64_000, frame_format)
                                .with_max_message_len(max_message_len)
                        },
                        AstmHandler(lab),
                        status.clone(),
                        rx,
                        shutdown.clone(),
                    )
                    .run(),
                )
            }
            Framing::Raw => {
                let (tx, rx) = mpsc::channel(8);
                astm_outbox = Some(tx);
                tokio::spawn(
                    Link::new(
                        instrument,
                        transport,
                        move || AstmRawMachine::new(max_message_len),
                        AstmHandler(lab),
                        status.clone(),
                        rx,
                        shutdown.clone(),
                    )
                    .run(),
                )
            }
            Framing::Mllp => {
                let (_tx, rx) = mpsc::channel::<crate::download::Outgoing<Vec<u8>>>(8);
                tokio::spawn(
                    Link::new(
                        instrument,
                        transport,
                        move || MllpMachine::new(max_message_len),
                        MllpHandler(lab),
                        status.clone(),
                        rx,
                        shutdown.clone(),
                    )
                    .run(),
                )
            }
            Framing::Dimension
            | Framing::SysmexText
            | Framing::Advia
            | Framing::Vidas
            | Framing::Spotchem
            | Framing::UrineStrip => {
                let (tx, rx) = mpsc::channel(8);
                vendor_outbox = Some(tx);
                let framing = profile.framing;
                tokio::spawn(
                    Link::new(
                        instrument,
                        transport,
                        move || VendorMachine::for_framing(framing, max_message_len).unwrap(),
                        VendorHandler::new(lab),
                        status.clone(),
                        rx,
                        shutdown.clone(),
                    )
                    .run(),
                )
            }
        };
        Self {
            store,
            status,
            profile,
            pipes,
            astm_outbox,
            vendor_outbox,
            shutdown,
            task,
        }
    }

    /// Connects an analyzer; returns its end of the line.
    pub(crate) async fn connect(&self) -> DuplexStream {
        let (analyzer, lis) = tokio::io::duplex(1 << 16);
        self.pipes.send(lis).await.unwrap();
        analyzer
    }

    pub(crate) async fn stop(self) {
        self.shutdown.cancel();
        self.task.await.unwrap();
    }

    /// The unmatched observations (results with no order), sorted by specimen and code.
    pub(crate) fn unmatched(&self) -> Vec<Unmatched> {
        let mut u = self.store.unmatched().unwrap();
        u.sort_by(|a, b| {
            (a.specimen_id.as_str(), a.instrument_test_code.as_str())
                .cmp(&(b.specimen_id.as_str(), b.instrument_test_code.as_str()))
        });
        u
    }

    /// (kind, parse error) of every journal entry, in order.
    pub(crate) fn journal(&self) -> Vec<(String, Option<String>)> {
        self.store
            .journal_since(0, 1000)
            .unwrap()
            .into_iter()
            .map(|e| {
                let e = e.unwrap();
                (e.kind, e.parse_error)
            })
            .collect()
    }

    /// Places an order for `tests` (LIS codes) on specimen `barcode`.
    pub(crate) fn order(&self, barcode: &str, tests: &[&str]) -> i64 {
        Self::order_on(&self.store, barcode, tests)
    }

    /// Places an order in `store`.
    pub(crate) fn order_on(store: &Store, barcode: &str, tests: &[&str]) -> i64 {
        store
            .place_order(
                NewOrder {
                    placer_number: format!("ORD-{barcode}"),
                    patient: NewPatient {
                        his_id_authority: Default::default(),
                        his_id_type: String::new(),
                        name_parts: None,
                        his_id: format!("P-{barcode}"),
                        name: "Nguyễn Văn A".to_owned(),
                        sex: Sex::Male,
                        birth_date: None,
                    },
                    requesting_doctor: "BS. Trần".to_owned(),
                    requesting_doctor_id: String::new(),
                    requesting_doctor_name: None,
                    department: "Nội".to_owned(),
                    priority: Priority::Routine,
                    ordered_at: jiff::Timestamp::now(),
                    specimens: vec![NewSpecimen {
                        barcode: barcode.to_owned(),
                        specimen_type: "blood".to_owned(),
                        collected_at: None,
                        received_at: None,
                        tests: tests.iter().map(|t| (*t).to_owned()).collect(),
                    }],
                },
                &Actor::System,
            )
            .unwrap()
    }
}

/// (name, value, units) of the supplementary values stored with the open unmatched row of
/// `specimen` and `code`, in the order sent.
pub(crate) fn supplements_of(
    lis: &Lis,
    specimen: &str,
    code: &str,
) -> Vec<(String, String, String)> {
    let u = lis
        .unmatched()
        .into_iter()
        .find(|u| u.specimen_id == specimen && u.instrument_test_code == code)
        .unwrap_or_else(|| panic!("no unmatched {specimen} {code}"));
    triples(&lis.store.unmatched_supplements(u.id).unwrap())
}

/// (name, value, units) of supplementary values, for compact assertions.
pub(crate) fn triples(values: &[lis_core::model::Supplement]) -> Vec<(String, String, String)> {
    values
        .iter()
        .map(|s| (s.name.clone(), s.value.clone(), s.units.clone()))
        .collect()
}

/// A (name, value, units) triple.
pub(crate) fn sup(name: &str, value: &str, units: &str) -> (String, String, String) {
    (name.to_owned(), value.to_owned(), units.to_owned())
}

/// A (specimen, code, value, units) row as `rows` gives them.
pub(crate) fn row(s: &str, c: &str, v: &str, u: &str) -> (String, String, String, String) {
    (s.to_owned(), c.to_owned(), v.to_owned(), u.to_owned())
}

/// Plays `name`'s simulator (seed 7) for the two `specimens` against a fresh test-lab link of
/// `instrument`, checks both messages were acknowledged and that the unmatched queue holds
/// exactly what the simulator says it sent; returns the still running lab and the rows sent.
pub(crate) async fn simulated_two_specimens(
    instrument: &str,
    name: &str,
    specimens: [&str; 2],
) -> (Lis, Vec<(String, String, String, String)>) {
    let lis = Lis::start(instrument, name);
    let io = lis.connect().await;
    let options = crate::simulator::SimOptions {
        specimen_ids: Some(specimens.iter().map(|s| (*s).to_owned()).collect()),
        seed: 7,
        ..crate::simulator::SimOptions::default()
    };
    let report = crate::simulator::play(&lis.profile, io, options)
        .await
        .unwrap();
    assert_eq!((report.sent, report.acknowledged), (2, 2), "{name}");
    let mut sent: Vec<_> = report
        .results
        .iter()
        .flat_map(|(s, results)| results.iter().map(|r| row(s, &r.code, &r.value, &r.units)))
        .collect();
    sent.sort();
    assert_eq!(rows(&lis.unmatched()), sent, "{name}");
    (lis, sent)
}

/// (specimen, code, value, units) of unmatched rows, for compact assertions.
pub(crate) fn rows(u: &[Unmatched]) -> Vec<(String, String, String, String)> {
    u.iter()
        .map(|u| {
            (
                u.specimen_id.clone(),
                u.instrument_test_code.clone(),
                u.value.clone(),
                u.units.clone(),
            )
        })
        .collect()
}

/// Turns a rendered log (`<STX>`, `[CR]`...) into bytes and takes the text of every frame (between
/// STX + frame number and ETX/ETB), joined: the records as the analyzer sent them.
pub(crate) fn frames_text(rendered: &str) -> Vec<u8> {
    let mut s = rendered.to_owned();
    for (token, byte) in [
        ("STX", "\x02"),
        ("ETX", "\x03"),
        ("ETB", "\x17"),
        ("CR", "\r"),
        ("LF", "\n"),
        ("ENQ", "\x05"),
        ("EOT", "\x04"),
        ("ACK", "\x06"),
    ] {
        s = s
            .replace(&format!("<{token}>"), byte)
            .replace(&format!("[{token}]"), byte);
    }
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0x02 {
            let start = i + 2;
            let end = bytes[start..]
                .iter()
                .position(|&b| b == 0x03 || b == 0x17)
                .map_or(bytes.len(), |p| start + p);
            out.extend_from_slice(&bytes[start..end]);
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// Splits records text into messages (H..L).
pub(crate) fn messages(text: &[u8]) -> Vec<String> {
    lis_astm::assemble::RecordAssembler::split_all(text)
        .map(|m| String::from_utf8_lossy(&m.text).into_owned())
        .collect()
}
