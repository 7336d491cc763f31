//! Link status: what core, the web pages and metrics see of every link.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::Counter;
use crate::trace::{Direction, TraceRecord};

/// How many of a link's latest trace records its status keeps (the instruments page's trace).
pub const RECENT_TRACE_RECORDS: usize = 200;
/// How many bytes of the latest trace records a link's status keeps at most.
pub const RECENT_TRACE_BYTES: usize = 32 * 1024;
/// The longest record kept whole in the recent trace; a longer one keeps its first bytes.
pub const RECENT_TRACE_RECORD_BYTES: usize = 4 * 1024;

/// Where a link is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    /// A TCP server link waiting for the analyzer to connect.
    Listening,
    /// Connecting to the analyzer (TCP client) or opening the port (serial).
    Connecting,
    /// A connection is open.
    Connected,
    /// The connection ended; the link will establish a new one (or has shut down).
    Disconnected,
    /// The last attempt failed; the text says why. The link retries.
    Error(String),
}

/// Counts kept for every link since it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LinkCounters {
    /// Messages received from the analyzer.
    pub messages_in: u64,
    /// Messages the analyzer accepted from the LIS.
    pub messages_out: u64,
    /// Negative acknowledgements sent to the analyzer.
    pub naks_sent: u64,
    /// Negative acknowledgements received from the analyzer.
    pub naks_received: u64,
    /// Frames received with a bad checksum.
    pub checksum_errors: u64,
    /// Protocol timers that expired.
    pub timeouts: u64,
    /// Bytes read from the analyzer.
    pub bytes_in: u64,
    /// Bytes written to the analyzer.
    pub bytes_out: u64,
    /// Transport and trace errors (failed connects, read/write errors).
    pub errors: u64,
    /// Connections established after the first one.
    pub reconnects: u64,
}

/// The counts of one day (midnight to midnight in the lab's time zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LinkDay {
    /// The day counted; `None` before the link counted anything.
    pub date: Option<Date>,
    /// What happened on it.
    pub counters: LinkCounters,
}

impl LinkDay {
    /// The counts of `date`: zeros when the link counted nothing on that day yet.
    pub fn on(&self, date: Date) -> LinkCounters {
        if self.date == Some(date) {
            self.counters
        } else {
            LinkCounters::default()
        }
    }

    /// Counts with `f` on `date`, starting the day from zeros when it is a new one.
    fn count(&mut self, date: Date, f: impl Fn(&mut LinkCounters)) {
        if self.date != Some(date) {
            *self = Self {
                date: Some(date),
                counters: LinkCounters::default(),
            };
        }
        f(&mut self.counters);
    }
}

/// A snapshot of one link's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkStatus {
    /// The link's name (unique in the lab config).
    pub name: String,
    /// The instrument on the link.
    pub instrument: String,
    /// The transport: `"tcp-server 0.0.0.0:5000"`, `"serial /dev/ttyUSB0 9600 8N1"`.
    pub transport: String,
    /// Where the link is.
    pub state: LinkState,
    /// The peer of the open connection.
    pub peer: Option<String>,
    /// When the open connection was established.
    pub connected_since: Option<SystemTime>,
    /// When the last message was received from the analyzer.
    pub last_message_at: Option<SystemTime>,
    /// The counters.
    pub counters: LinkCounters,
    /// The counters of the current day in the lab's time zone (the instruments page's "today").
    pub today: LinkDay,
    /// The last malformed input or failed store on this link, with when it happened.
    pub last_error: Option<(SystemTime, String)>,
    /// When the link was registered (started): a silent link is silent since then when it has
    /// received nothing.
    pub started_at: SystemTime,
    /// When the last connection ended, while no new one is open: a server link listening again
    /// after its analyzer went away is disconnected, not merely waiting.
    pub disconnected_at: Option<SystemTime>,
    /// Messages received and waiting for core to store them (the link's queue depth).
    pub pending_stores: usize,
    /// The latest bytes in and out and link events, oldest first, bounded by
    /// [`RECENT_TRACE_RECORDS`] and [`RECENT_TRACE_BYTES`]: what the technician reads to the
    /// vendor, whether or not the link writes a trace file.
    pub recent_trace: VecDeque<TraceRecord>,
}

/// The status of every link, shared between the link tasks (which update it) and readers (web,
/// metrics). Cheap to clone; [`LinkRegistry::snapshot`] copies the current values.
#[derive(Debug, Clone)]
pub struct LinkRegistry {
    links: Arc<Mutex<BTreeMap<String, Arc<Mutex<LinkStatus>>>>>,
    time_zone: TimeZone,
}

impl Default for LinkRegistry {
    fn default() -> Self {
        Self::in_time_zone(TimeZone::UTC)
    }
}

impl LinkRegistry {
    /// An empty registry whose days are UTC days.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty registry whose links count their days (midnight to midnight) in `time_zone`,
    /// the lab's.
    pub fn in_time_zone(time_zone: TimeZone) -> Self {
        Self {
            links: Arc::default(),
            time_zone,
        }
    }

    /// The time zone the links' days are counted in.
    pub fn time_zone(&self) -> &TimeZone {
        &self.time_zone
    }

    /// Adds a link (replacing any of the same name) and returns the handle its task updates.
    pub fn register(&self, name: &str, instrument: &str, transport: &str) -> LinkStatusHandle {
        let status = Arc::new(Mutex::new(LinkStatus {
            name: name.to_owned(),
            instrument: instrument.to_owned(),
            transport: transport.to_owned(),
            state: LinkState::Disconnected,
            peer: None,
            connected_since: None,
            last_message_at: None,
            counters: LinkCounters::default(),
            today: LinkDay::default(),
            last_error: None,
            started_at: SystemTime::now(),
            disconnected_at: None,
            pending_stores: 0,
            recent_trace: VecDeque::new(),
        }));
        lock(&self.links).insert(name.to_owned(), Arc::clone(&status));
        LinkStatusHandle {
            status,
            time_zone: self.time_zone.clone(),
        }
    }

    /// The status of every link, ordered by name.
    pub fn snapshot(&self) -> Vec<LinkStatus> {
        let links: Vec<Arc<Mutex<LinkStatus>>> = lock(&self.links).values().cloned().collect();
        links.iter().map(|s| lock(s).clone()).collect()
    }

    /// The status of one link.
    pub fn link(&self, name: &str) -> Option<LinkStatus> {
        let status = lock(&self.links).get(name).cloned()?;
        let snapshot = lock(&status).clone();
        Some(snapshot)
    }
}

/// The writer side of one link's status, held by its task.
#[derive(Debug, Clone)]
pub struct LinkStatusHandle {
    status: Arc<Mutex<LinkStatus>>,
    time_zone: TimeZone,
}

impl LinkStatusHandle {
    /// A handle not registered anywhere (tests, `lis replay`).
    pub fn detached(name: &str) -> Self {
        LinkRegistry::new().register(name, "", "")
    }

    /// A copy of the current status.
    pub fn snapshot(&self) -> LinkStatus {
        lock(&self.status).clone()
    }

    /// Records a problem with the input or the store (shown in the link state); the link goes on.
    pub fn report_error(&self, error: impl Into<String>) {
        let error = error.into();
        let now = SystemTime::now();
        let today = self.date_of(now);
        self.update(|s| {
            s.counters.errors += 1;
            s.today.count(today, |c| c.errors += 1);
            s.last_error = Some((now, error));
        });
    }

    pub(crate) fn update(&self, f: impl FnOnce(&mut LinkStatus)) {
        f(&mut lock(&self.status));
    }

    pub(crate) fn set_state(&self, state: LinkState) {
        self.update(|s| {
            if state != LinkState::Connected {
                if s.state == LinkState::Connected {
                    s.disconnected_at = Some(SystemTime::now());
                }
                s.peer = None;
                s.connected_since = None;
            }
            s.state = state;
        });
    }

    pub(crate) fn connected(&self, peer: &str, first: bool) {
        self.update(|s| {
            s.state = LinkState::Connected;
            s.disconnected_at = None;
            s.peer = Some(peer.to_owned());
            s.connected_since = Some(SystemTime::now());
            if !first {
                s.counters.reconnects += 1;
            }
        });
    }

    /// Keeps `bytes` (read, written, or an event's text) in the recent trace, dropping the
    /// oldest records beyond the bounds. The link task calls it for everything it traces.
    pub fn remember(&self, direction: Direction, bytes: &[u8]) {
        let at_micros = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        let kept = bytes.get(..RECENT_TRACE_RECORD_BYTES).unwrap_or(bytes);
        self.update(|s| {
            s.recent_trace.push_back(TraceRecord {
                at_micros,
                direction,
                bytes: kept.to_vec(),
            });
            let mut total: usize = s.recent_trace.iter().map(|r| r.bytes.len()).sum();
            while s.recent_trace.len() > RECENT_TRACE_RECORDS || total > RECENT_TRACE_BYTES {
                match s.recent_trace.pop_front() {
                    Some(old) => total -= old.bytes.len(),
                    None => break,
                }
            }
        });
    }

    pub(crate) fn set_pending_stores(&self, n: usize) {
        self.update(|s| s.pending_stores = n);
    }

    pub(crate) fn count(&self, counter: Counter) {
        self.count_at(counter, SystemTime::now());
    }

    /// Counts `counter` as happened at `now`: in the totals since start and in `now`'s day.
    fn count_at(&self, counter: Counter, now: SystemTime) {
        let today = self.date_of(now);
        let bump = |c: &mut LinkCounters| match counter {
            Counter::MessageIn => c.messages_in += 1,
            Counter::MessageOut => c.messages_out += 1,
            Counter::NakSent => c.naks_sent += 1,
            Counter::NakReceived => c.naks_received += 1,
            Counter::ChecksumError => c.checksum_errors += 1,
            Counter::Timeout => c.timeouts += 1,
        };
        self.update(|s| {
            bump(&mut s.counters);
            s.today.count(today, bump);
            if counter == Counter::MessageIn {
                s.last_message_at = Some(now);
            }
        });
    }

    /// The lab's calendar day at `at`.
    fn date_of(&self, at: SystemTime) -> Date {
        // A SystemTime outside jiff's range (years beyond ±9999) cannot come from a clock; the
        // epoch day is then as good as any.
        Timestamp::try_from(at)
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .to_zoned(self.time_zone.clone())
            .date()
    }
}

/// Status updates are plain field writes that cannot leave a status half changed, so a poisoned lock
/// (a panic elsewhere while holding it) still holds consistent data.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_counts_from_the_labs_midnight_and_the_totals_go_on() {
        // Asia/Ho_Chi_Minh is UTC+7: 16:59Z is 23:59 on 7 December there, 17:01Z is 00:01 on
        // the 8th.
        let tz = TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
        let registry = LinkRegistry::in_time_zone(tz);
        let link = registry.register("chem", "DEMO-CHEM", "tcp-server");
        let at = |text: &str| SystemTime::from(text.parse::<Timestamp>().unwrap());
        link.count_at(Counter::NakSent, at("2026-12-07T16:58:00Z"));
        link.count_at(Counter::NakSent, at("2026-12-07T16:59:00Z"));
        link.count_at(Counter::MessageIn, at("2026-12-07T16:59:30Z"));
        let (dec7, dec8) = (
            jiff::civil::date(2026, 12, 7),
            jiff::civil::date(2026, 12, 8),
        );
        let before = link.snapshot();
        assert_eq!(before.today.on(dec7).naks_sent, 2);
        assert_eq!(before.today.on(dec7).messages_in, 1);
        assert_eq!(before.today.on(dec8), LinkCounters::default());
        link.count_at(Counter::NakSent, at("2026-12-07T17:01:00Z"));
        let after = link.snapshot();
        assert_eq!(
            after.today.on(dec8).naks_sent,
            1,
            "the 8th starts from zero"
        );
        assert_eq!(after.today.on(dec8).messages_in, 0);
        assert_eq!(
            after.today.on(dec7),
            LinkCounters::default(),
            "the 7th is over"
        );
        assert_eq!(after.counters.naks_sent, 3, "the totals since start go on");
        assert_eq!(after.counters.messages_in, 1);
    }

    #[test]
    fn the_recent_trace_keeps_the_latest_records_within_its_bounds() {
        let link = LinkStatusHandle::detached("chem-1");
        for i in 0..(RECENT_TRACE_RECORDS + 5) {
            link.remember(Direction::In, format!("{i}").as_bytes());
        }
        let trace = link.snapshot().recent_trace;
        assert_eq!(trace.len(), RECENT_TRACE_RECORDS);
        assert_eq!(trace.front().map(|r| r.bytes.clone()), Some(b"5".to_vec()));
        // A long record keeps its first bytes; the byte bound drops older records.
        for _ in 0..10 {
            link.remember(Direction::Out, &[b'x'; RECENT_TRACE_RECORD_BYTES * 2]);
        }
        let trace = link.snapshot().recent_trace;
        let total: usize = trace.iter().map(|r| r.bytes.len()).sum();
        assert!(total <= RECENT_TRACE_BYTES);
        assert_eq!(
            trace.back().map(|r| r.bytes.len()),
            Some(RECENT_TRACE_RECORD_BYTES)
        );
        assert_eq!(trace.back().map(|r| r.direction), Some(Direction::Out));
    }

    #[test]
    fn a_link_that_lost_its_analyzer_says_so_until_it_connects_again() {
        let link = LinkStatusHandle::detached("chem-1");
        link.set_state(LinkState::Listening);
        assert_eq!(link.snapshot().disconnected_at, None);
        link.connected("10.0.0.5:4000", true);
        link.set_state(LinkState::Disconnected);
        link.set_state(LinkState::Listening);
        let s = link.snapshot();
        assert!(s.disconnected_at.is_some());
        assert_eq!((s.state, s.peer), (LinkState::Listening, None));
        link.connected("10.0.0.5:4001", false);
        assert_eq!(link.snapshot().disconnected_at, None);
    }
}
