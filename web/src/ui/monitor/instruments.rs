//! `/instruments`: one row per analyzer link (state, peer, last message, the day's messages
//! and results, NAKs and errors, open unmatched results, messages
//! waiting for the store, the last error in words), the silence alarm of a link quiet for
//! longer than its `silence_alarm_minutes` during its `working_hours`, and each link's recent
//! trace with control characters named. The rows refresh live: `/instruments/events` sends an
//! event whenever what the rows show changes, and the page's script re-fetches
//! `/instruments/rows` (the same template the page includes). Without the script the page is
//! complete, only not live.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use lis_core::permissions::Permission;
use lis_core::store::LinkDayCounts;
use lis_drivers::config::LinkConfig;
use lis_drivers::link::{LinkState, LinkStatus};
use lis_drivers::trace::Direction;

use super::texts::MonitorMsg;
use super::{not_found, on_store, MonitorUrls};
use crate::state::AppState;
use crate::ui::dates;
use crate::ui::error_page::PageError;
use crate::ui::i18n::{Lang, Msg, Text};
use crate::ui::journal::visible;
use crate::ui::layout::{Layout, Nav};
use crate::ui::session::CurrentUser;

/// How often the live stream looks at the links.
const POLL: Duration = Duration::from_secs(1);
/// A comment this often keeps the stream open through proxies.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// How a link's state reads: symbol, word and CSS class (never colour alone).
#[derive(Debug, Clone)]
pub struct StateView {
    /// The symbol before the word.
    pub symbol: &'static str,
    /// The word.
    pub word: &'static str,
    /// The CSS class.
    pub class: &'static str,
}

/// One link's row.
#[derive(Debug, Clone)]
pub struct InstrumentRow {
    /// The link's name (the instrument id).
    pub link: String,
    /// The instrument's name from the config, with its transport.
    pub description: String,
    /// The state.
    pub state: StateView,
    /// The peer of the open connection.
    pub peer: String,
    /// The last message's time, or "nothing yet".
    pub last_message: String,
    /// Messages journaled today.
    pub messages_today: u64,
    /// Results stored today.
    pub results_today: u64,
    /// NAKs sent to / received from the analyzer today.
    pub naks: String,
    /// Errors today (transport, trace, checksum).
    pub errors: u64,
    /// Open unmatched results of the instrument.
    pub unmatched: u64,
    /// Messages waiting for the store.
    pub queue: usize,
    /// The last error in words, with when, or "none".
    pub last_error: String,
    /// The silence alarm's text, when it is on.
    pub alarm: Option<String>,
    /// The trace page.
    pub trace_url: String,
}

/// `GET /instruments`.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "instruments.html")]
pub struct InstrumentsPage {
    /// The frame.
    pub layout: Layout,
    /// The rows.
    pub rows: Vec<InstrumentRow>,
}

impl InstrumentsPage {
    /// A text of the monitoring catalog.
    pub fn m(&self, msg: MonitorMsg) -> &'static str {
        msg.text(self.layout.lang)
    }

    /// The banner naming the links in alarm, if any.
    pub fn alarm_banner(&self) -> Option<String> {
        alarm_banner(&self.rows, self.layout.lang)
    }
}

/// `GET /instruments/rows`: the rows alone, for the live refresh.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "instruments_rows.html")]
pub struct InstrumentRowsFragment {
    /// The frame (only its language is used).
    pub layout: Layout,
    /// The rows.
    pub rows: Vec<InstrumentRow>,
}

impl InstrumentRowsFragment {
    /// A text of the monitoring catalog.
    pub fn m(&self, msg: MonitorMsg) -> &'static str {
        msg.text(self.layout.lang)
    }
}

/// One record of a link's recent trace.
#[derive(Debug, Clone)]
pub struct TraceLine {
    /// When (`HH:mm:ss.SSS` in the lab's time zone).
    pub at: String,
    /// Which way, in words.
    pub direction: &'static str,
    /// The CSS class of the direction.
    pub class: &'static str,
    /// The bytes with control characters named, or the event's text.
    pub text: String,
}

/// `GET /instruments/{link}/trace`.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "instrument_trace.html")]
pub struct TracePage {
    /// The frame.
    pub layout: Layout,
    /// The link's name.
    pub link: String,
    /// The records, oldest first.
    pub lines: Vec<TraceLine>,
}

impl TracePage {
    /// A text of the monitoring catalog.
    pub fn m(&self, msg: MonitorMsg) -> &'static str {
        msg.text(self.layout.lang)
    }

    /// The page's title.
    pub fn title(&self) -> String {
        MonitorMsg::TraceTitle.fill(self.layout.lang, &[("link", &self.link)])
    }
}

/// `GET /instruments`.
pub async fn instruments_get(
    current: CurrentUser,
    State(state): State<AppState>,
) -> Result<InstrumentsPage, PageError> {
    current.require(Permission::Review)?;
    let rows = rows(&current, &state).await?;
    let mut layout = current.layout(Nav::Instruments);
    layout.alarm = alarm_banner(&rows, current.lang);
    Ok(InstrumentsPage { layout, rows })
}

/// `GET /instruments/rows`.
pub async fn instruments_rows_get(
    current: CurrentUser,
    State(state): State<AppState>,
) -> Result<InstrumentRowsFragment, PageError> {
    current.require(Permission::Review)?;
    let rows = rows(&current, &state).await?;
    Ok(InstrumentRowsFragment {
        layout: current.layout(Nav::Instruments),
        rows,
    })
}

/// `GET /instruments/events`: an event (id: a counter, data: the link count) each time what
/// the rows show changes: a link's state, peer, counters, queue or last error, a change in
/// the store (messages, results, unmatched), or a silence alarm going on or off; one at once.
pub async fn instruments_events_get(
    current: CurrentUser,
    State(state): State<AppState>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, PageError> {
    current.require(Permission::Review)?;
    let stream = stream::unfold(
        (state, 0u64, None::<String>),
        |(state, n, seen)| async move {
            loop {
                if seen.is_some() {
                    tokio::time::sleep(POLL).await;
                }
                let now = Timestamp::now();
                let snapshot = state.links.snapshot();
                let mut print = format!("{}|", *state.changes.borrow());
                for link in &snapshot {
                    let alarm = alarm_minutes(&state, link, now).is_some();
                    print.push_str(&format!(
                        "{}:{:?}:{:?}:{:?}:{:?}:{}:{:?}:{alarm};",
                        link.name,
                        link.state,
                        link.peer,
                        link.last_message_at,
                        link.counters,
                        link.pending_stores,
                        link.last_error
                    ));
                }
                if seen.as_deref() != Some(print.as_str()) {
                    let event = Event::default()
                        .id((n + 1).to_string())
                        .data(snapshot.len().to_string());
                    return Some((Ok(event), (state, n + 1, Some(print))));
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

/// `GET /instruments/{link}/trace`.
pub async fn instrument_trace_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(link): Path<String>,
) -> Result<TracePage, PageError> {
    current.require(Permission::Review)?;
    let Some(status) = state.links.link(&link) else {
        return Err(not_found(&current, MonitorMsg::LinkNotFound));
    };
    let tz = state.config.time_zone();
    let lines = status
        .recent_trace
        .iter()
        .map(|r| {
            let (direction, class, text) = match r.direction {
                Direction::In => (MonitorMsg::TraceFromAnalyzer, "trace-in", visible(&r.bytes)),
                Direction::Out => (MonitorMsg::TraceToAnalyzer, "trace-out", visible(&r.bytes)),
                Direction::Event => (
                    MonitorMsg::TraceEvent,
                    "trace-event",
                    String::from_utf8_lossy(&r.bytes).into_owned(),
                ),
            };
            TraceLine {
                at: clock(r.at(), tz),
                direction: direction.text(current.lang),
                class,
                text,
            }
        })
        .collect();
    Ok(TracePage {
        layout: current.layout(Nav::Instruments),
        link,
        lines,
    })
}

/// The links in silence alarm now, by name.
pub fn links_in_alarm(state: &AppState, now: Timestamp) -> Vec<String> {
    state
        .links
        .snapshot()
        .iter()
        .filter(|l| alarm_minutes(state, l, now).is_some())
        .map(|l| l.name.clone())
        .collect()
}

/// The banner of the links in silence alarm now, in `lang` (the worklist's header).
pub fn alarm_text(state: &AppState, lang: Lang) -> Option<String> {
    let names = links_in_alarm(state, Timestamp::now());
    (!names.is_empty())
        .then(|| MonitorMsg::SilenceAlarmBanner.fill(lang, &[("links", &names.join(", "))]))
}

/// The banner of the links in alarm, in `lang`.
pub fn alarm_banner(rows: &[InstrumentRow], lang: Lang) -> Option<String> {
    let names: Vec<&str> = rows
        .iter()
        .filter(|r| r.alarm.is_some())
        .map(|r| r.link.as_str())
        .collect();
    (!names.is_empty())
        .then(|| MonitorMsg::SilenceAlarmBanner.fill(lang, &[("links", &names.join(", "))]))
}

/// The link's connection section as configured (`None` when the instrument has none or it
/// cannot be read: the lab was checked at start, so that is a link started another way).
fn link_config(state: &AppState, link: &LinkStatus) -> Option<LinkConfig> {
    let instrument = state
        .config
        .instruments
        .iter()
        .find(|i| i.id == link.instrument || i.id == link.name)?;
    LinkConfig::from_table(&instrument.connection).ok()
}

/// The minutes a link has been silent, with its alarm's limit, when its silence alarm is on.
fn alarm_minutes(state: &AppState, link: &LinkStatus, now: Timestamp) -> Option<(u64, u32)> {
    let config = link_config(state, link)?;
    let limit = config.silence_alarm_minutes?;
    let since = link.last_message_at.unwrap_or(link.started_at);
    let silent = SystemTime::from(now)
        .duration_since(since)
        .map_or(0, |d| d.as_secs() / 60);
    let local = now.to_zoned(state.config.time_zone().clone());
    let minute =
        u16::try_from(i32::from(local.hour()) * 60 + i32::from(local.minute())).unwrap_or(0);
    config
        .silence_alarm(silent, minute)
        .then_some((silent, limit))
}

/// Every link's row, with the day's counts from the store.
async fn rows(current: &CurrentUser, state: &AppState) -> Result<Vec<InstrumentRow>, PageError> {
    let snapshot = state.links.snapshot();
    let tz = state.config.time_zone().clone();
    let now = Timestamp::now();
    let midnight = now
        .to_zoned(tz.clone())
        .start_of_day()
        .map_or(now, |z| z.timestamp());
    let keys: Vec<(String, String)> = snapshot
        .iter()
        .map(|l| (l.name.clone(), l.instrument.clone()))
        .collect();
    let store = Arc::clone(&state.store);
    let counts = on_store(current, move || store.link_day_counts(&keys, midnight)).await?;
    let lang = current.lang;
    Ok(snapshot
        .iter()
        .zip(counts)
        .map(|(link, counts)| row(state, link, counts, now, &tz, lang))
        .collect())
}

fn row(
    state: &AppState,
    link: &LinkStatus,
    counts: LinkDayCounts,
    now: Timestamp,
    tz: &TimeZone,
    lang: Lang,
) -> InstrumentRow {
    let name = state
        .config
        .instruments
        .iter()
        .find(|i| i.id == link.instrument)
        .map_or_else(|| link.instrument.clone(), |i| i.name.clone());
    // NAKs and errors of today, the day as the links count it (`lis serve` gives the registry
    // the lab's time zone).
    let c = link
        .today
        .on(now.to_zoned(state.links.time_zone().clone()).date());
    let last_error = match (&link.state, &link.last_error) {
        (LinkState::Error(text), _) => text.clone(),
        (_, Some((at, text))) => format!("{} — {text}", time(*at, tz)),
        _ => MonitorMsg::NoError.text(lang).to_owned(),
    };
    InstrumentRow {
        link: link.name.clone(),
        description: format!("{name} · {}", link.transport),
        state: state_view(link, lang),
        peer: link.peer.clone().unwrap_or_default(),
        last_message: link.last_message_at.map_or_else(
            || MonitorMsg::NothingYet.text(lang).to_owned(),
            |t| time(t, tz),
        ),
        messages_today: counts.messages,
        results_today: counts.results,
        naks: format!("{} / {}", c.naks_sent, c.naks_received),
        errors: c.errors + c.checksum_errors,
        unmatched: counts.unmatched_open,
        queue: link.pending_stores,
        last_error,
        alarm: alarm_minutes(state, link, now).map(|(minutes, limit)| {
            MonitorMsg::SilenceAlarm.fill(
                lang,
                &[
                    ("minutes", &minutes.to_string()),
                    ("limit", &limit.to_string()),
                ],
            )
        }),
        trace_url: format!(
            "{}/{}/trace",
            MonitorUrls::Instruments,
            crate::ui::urls::encode_segment(&link.name)
        ),
    }
}

/// How a link's state reads. A server link listening again after its analyzer went away reads
/// as disconnected: the analyzer is not there.
pub fn state_view(link: &LinkStatus, lang: Lang) -> StateView {
    let (symbol, msg, class) = match &link.state {
        LinkState::Connected => ("●", MonitorMsg::LinkConnected, "link-up"),
        LinkState::Listening if link.disconnected_at.is_some() => {
            ("✕", MonitorMsg::LinkDisconnectedListening, "link-down")
        }
        LinkState::Listening => ("◌", MonitorMsg::LinkListening, "link-wait"),
        LinkState::Connecting => ("…", MonitorMsg::LinkConnecting, "link-wait"),
        LinkState::Disconnected => ("✕", MonitorMsg::LinkDisconnected, "link-down"),
        LinkState::Error(_) => ("!", MonitorMsg::LinkError, "link-down"),
    };
    StateView {
        symbol,
        word: msg.text(lang),
        class,
    }
}

/// A moment as `dd/MM/yyyy HH:mm` in the lab's time zone.
fn time(at: SystemTime, tz: &TimeZone) -> String {
    Timestamp::try_from(at).map_or_else(|_| String::new(), |t| dates::date_time(t, tz))
}

/// A moment as `HH:mm:ss.SSS` in the lab's time zone (the trace's resolution).
fn clock(at: SystemTime, tz: &TimeZone) -> String {
    Timestamp::try_from(at).map_or_else(
        |_| String::new(),
        |t| t.to_zoned(tz.clone()).strftime("%H:%M:%S%.3f").to_string(),
    )
}

#[cfg(test)]
mod tests;
