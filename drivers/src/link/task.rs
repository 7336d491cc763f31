//! [`Link`]: the task that runs one analyzer link.

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::task::Poll;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt, WriteHalf};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{
    Handling, LinkEvent, LinkHandler, LinkMachine, LinkState, LinkStatusHandle, VerdictFuture,
};
use crate::trace::{Direction, TraceWriter};
use crate::transport::{Connection, Retry, Transport};

/// Tunables of a link task.
#[derive(Debug, Clone)]
pub struct LinkOptions {
    /// On shutdown, how long to wait for stores in flight so their messages can still be acknowledged.
    pub shutdown_grace: Duration,
    /// A write to the analyzer that takes longer than this ends the connection (the peer stopped reading).
    pub write_timeout: Duration,
    /// Size of the read buffer.
    pub read_buffer: usize,
    /// Unflushed trace records are flushed after this long without a message boundary.
    pub trace_idle_flush: Duration,
    /// While this many verdicts are pending, the task stops reading from the analyzer (backpressure).
    pub max_pending: usize,
    /// While the machine holds this many bytes of input waiting for a verdict
    /// ([`LinkMachine::held_input`]), the task stops reading from the analyzer (backpressure in
    /// bytes; one read of at most `read_buffer` bytes may go past it).
    pub max_held_input: usize,
    /// A connection on which the analyzer sends nothing for this long is closed (a TCP server
    /// link then waits for the analyzer to connect again; a client link reconnects). `None`
    /// (the default): never, since an analyzer may rightly be quiet for hours.
    pub idle_timeout: Option<Duration>,
}

impl Default for LinkOptions {
    fn default() -> Self {
        Self {
            shutdown_grace: Duration::from_secs(5),
            write_timeout: Duration::from_secs(30),
            read_buffer: 4096,
            trace_idle_flush: Duration::from_secs(1),
            max_pending: 16,
            max_held_input: 256 * 1024,
            idle_timeout: None,
        }
    }
}

/// How a session (one connection) ended.
enum SessionEnd<Io> {
    /// The analyzer closed the connection.
    Closed,
    /// Reading or writing failed.
    Failed(io::Error),
    /// The transport has a newer connection from the analyzer.
    Replaced(Connection<Io>),
    /// Nothing came from the analyzer for the idle timeout.
    Idle(Duration),
    /// The link is shutting down.
    Shutdown,
}

/// One analyzer link: establishes connections through its [`Transport`], runs a fresh
/// [`LinkMachine`] on each, hands events to its [`LinkHandler`], writes the machine's bytes, records
/// everything in its trace and keeps its [`LinkStatusHandle`] current. Never gives up: a failed or
/// ended connection is retried after the transport's delay, until the shutdown token is cancelled.
///
/// Trace records are appended to an in-memory buffer and written with plain (blocking) file writes at
/// message boundaries: a few small local writes per message, cheap enough for the runtime thread and
/// far simpler than a writer task whose queue could be lost in a crash.
///
/// On shutdown the task stops reading and taking outbound messages, waits up to
/// [`LinkOptions::shutdown_grace`] for stores in flight (so their ACKs are still written), flushes and
/// syncs the trace, and closes the connection.
pub struct Link<T: Transport, M: LinkMachine, F, H> {
    name: String,
    transport: T,
    new_machine: F,
    handler: H,
    status: LinkStatusHandle,
    outbox: mpsc::Receiver<M::Outbound>,
    outbox_open: bool,
    shutdown: CancellationToken,
    trace: Option<TraceWriter>,
    trace_failing: bool,
    options: LinkOptions,
}

impl<T, M, F, H> Link<T, M, F, H>
where
    T: Transport,
    M: LinkMachine,
    F: FnMut() -> M + Send + 'static,
    H: LinkHandler<M>,
{
    /// A link named `name`. `new_machine` makes the protocol machine for each connection; `outbox`
    /// brings messages for the analyzer (they wait in the channel while no connection is open);
    /// cancelling `shutdown` stops the link cleanly.
    pub fn new(
        name: impl Into<String>,
        transport: T,
        new_machine: F,
        handler: H,
        status: LinkStatusHandle,
        outbox: mpsc::Receiver<M::Outbound>,
        shutdown: CancellationToken,
    ) -> Self {
        Self {
            name: name.into(),
            transport,
            new_machine,
            handler,
            status,
            outbox,
            outbox_open: true,
            shutdown,
            trace: None,
            trace_failing: false,
            options: LinkOptions::default(),
        }
    }

    /// Records every byte in and out, and link events, in `trace`.
    pub fn with_trace(mut self, trace: TraceWriter) -> Self {
        self.trace = Some(trace);
        self
    }

    /// Replaces the tunables.
    pub fn with_options(mut self, options: LinkOptions) -> Self {
        self.options = options;
        self
    }

    /// Runs the link until the shutdown token is cancelled.
    pub async fn run(mut self) {
        let mut first = true;
        let mut unsent: Vec<M::Outbound> = Vec::new();
        let mut next: Option<Connection<T::Io>> = None;
        loop {
            let conn = match next.take() {
                Some(conn) => conn,
                None => {
                    if self.shutdown.is_cancelled() {
                        break;
                    }
                    self.status.set_state(self.transport.waiting_state());
                    let attempt = tokio::select! {
                        biased;
                        () = self.shutdown.cancelled() => break,
                        attempt = self.transport.establish() => attempt,
                    };
                    match attempt {
                        Ok(conn) => conn,
                        Err(error) => {
                            tracing::warn!(link = %self.name, %error, "cannot establish the connection");
                            self.status.update(|s| s.counters.errors += 1);
                            self.status.set_state(LinkState::Error(error.to_string()));
                            self.trace_event(&format!("connect failed: {error}"));
                            self.flush_trace();
                            let delay = self.transport.retry_delay(Retry::AfterFailure);
                            if !pause(&self.shutdown, delay).await {
                                break;
                            }
                            continue;
                        }
                    }
                }
            };
            tracing::info!(link = %self.name, peer = %conn.peer, "connected");
            self.status.connected(&conn.peer, first);
            first = false;
            self.trace_event(&format!("connected {}", conn.peer));
            self.flush_trace();

            let started = Instant::now();
            let end = self.session(conn.io, &mut unsent).await;
            self.status.set_state(LinkState::Disconnected);
            match end {
                SessionEnd::Closed => {
                    tracing::info!(link = %self.name, "connection closed by the analyzer");
                    self.trace_event("disconnected: closed by the analyzer");
                }
                SessionEnd::Failed(error) => {
                    tracing::warn!(link = %self.name, %error, "connection failed");
                    self.status.update(|s| s.counters.errors += 1);
                    self.trace_event(&format!("disconnected: {error}"));
                }
                SessionEnd::Idle(limit) => {
                    tracing::info!(link = %self.name, idle_secs = limit.as_secs(), "connection closed: idle");
                    self.trace_event(&format!(
                        "disconnected: nothing received for {} s (idle_timeout_secs)",
                        limit.as_secs()
                    ));
                }
                SessionEnd::Replaced(conn) => {
                    self.trace_event(&format!(
                        "disconnected: replaced by a new connection from {}",
                        conn.peer
                    ));
                    next = Some(conn);
                }
                SessionEnd::Shutdown => {
                    self.trace_event("disconnected: shutdown");
                    break;
                }
            }
            self.flush_trace();
            if next.is_none() {
                let delay = self.transport.retry_delay(Retry::AfterSession {
                    lasted: started.elapsed(),
                });
                if !pause(&self.shutdown, delay).await {
                    break;
                }
            }
        }
        self.trace_event("link stopped");
        if let Some(trace) = &mut self.trace {
            if let Err(error) = trace.sync() {
                tracing::warn!(link = %self.name, %error, "trace not synced on shutdown");
            }
        }
        self.status.set_state(LinkState::Disconnected);
        tracing::info!(link = %self.name, "link stopped");
    }

    /// Runs one connection until it ends.
    async fn session(&mut self, io: T::Io, unsent: &mut Vec<M::Outbound>) -> SessionEnd<T::Io> {
        let mut machine = (self.new_machine)();
        let start = now();
        for message in unsent.drain(..) {
            machine.queue_outbound(start, message);
        }
        let (mut reader, mut writer) = tokio::io::split(io);
        let mut buf = vec![0u8; self.options.read_buffer.max(1)];
        let mut pending: VecDeque<VerdictFuture<M::Verdict>> = VecDeque::new();
        let mut shutdown_by: Option<Instant> = None;
        let mut flush_at: Option<Instant> = None;
        let mut last_input = Instant::now();

        let end = loop {
            if let Err(error) = self.drain(&mut machine, &mut writer, &mut pending).await {
                break SessionEnd::Failed(error);
            }
            if shutdown_by.is_some() && pending.is_empty() {
                break SessionEnd::Shutdown;
            }
            if flush_at.is_none() && self.trace.as_ref().is_some_and(TraceWriter::has_unflushed) {
                flush_at = Some(Instant::now() + self.options.trace_idle_flush);
            }
            let deadline = machine.poll_timeout().map(Instant::from_std);
            let reading = shutdown_by.is_none()
                && pending.len() < self.options.max_pending
                && machine.held_input() < self.options.max_held_input;
            let taking_outbound = shutdown_by.is_none() && self.outbox_open;
            let idle_at = self.options.idle_timeout.map(|limit| last_input + limit);

            tokio::select! {
                biased;
                () = self.shutdown.cancelled(), if shutdown_by.is_none() => {
                    tracing::info!(link = %self.name, pending = pending.len(), "shutting down");
                    shutdown_by = Some(Instant::now() + self.options.shutdown_grace);
                }
                () = sleep_until(shutdown_by) => {
                    tracing::warn!(
                        link = %self.name,
                        pending = pending.len(),
                        "shutdown grace expired with stores in flight: those messages are not acknowledged"
                    );
                    break SessionEnd::Shutdown;
                }
                verdict = next_verdict(&mut pending) => {
                    pending.pop_front();
                    self.status.set_pending_stores(pending.len());
                    machine.handle_verdict(now(), verdict);
                }
                read = reader.read(&mut buf), if reading => match read {
                    Ok(0) => break SessionEnd::Closed,
                    Ok(n) => {
                        last_input = Instant::now();
                        let bytes = buf.get(..n).unwrap_or_default();
                        self.trace_bytes(Direction::In, bytes);
                        self.status.update(|s| s.counters.bytes_in += n as u64);
                        machine.handle_input(now(), bytes);
                    }
                    Err(error) => break SessionEnd::Failed(error),
                },
                () = sleep_until(deadline) => {
                    machine.handle_timeout(now());
                }
                message = self.outbox.recv(), if taking_outbound => match message {
                    Some(message) => machine.queue_outbound(now(), message),
                    None => self.outbox_open = false,
                },
                conn = self.transport.replacement() => break SessionEnd::Replaced(conn),
                () = sleep_until(flush_at) => {
                    flush_at = None;
                    self.flush_trace();
                }
                () = sleep_until(idle_at), if pending.is_empty() => {
                    if let Some(limit) = self.options.idle_timeout {
                        break SessionEnd::Idle(limit);
                    }
                }
            }
        };

        unsent.extend(machine.take_unsent());
        self.status.set_pending_stores(0);
        self.flush_trace();
        // Close our side; the peer may already be gone, so neither wait long nor care about errors.
        let _ = tokio::time::timeout(Duration::from_secs(1), writer.shutdown()).await;
        end
    }

    /// Drains the machine: writes what it transmits, hands its events to the handler, applies verdicts
    /// known at once, until it has nothing more to say.
    async fn drain<W: AsyncWrite>(
        &mut self,
        machine: &mut M,
        writer: &mut WriteHalf<W>,
        pending: &mut VecDeque<VerdictFuture<M::Verdict>>,
    ) -> io::Result<()> {
        let mut boundary = false;
        loop {
            let mut progressed = false;
            let mut wrote = false;
            while let Some(bytes) = machine.poll_transmit() {
                let bytes: &[u8] = &bytes;
                self.trace_bytes(Direction::Out, bytes);
                let limit = self.options.write_timeout;
                tokio::time::timeout(limit, writer.write_all(bytes))
                    .await
                    .map_err(|_| write_stalled(limit))??;
                self.status
                    .update(|s| s.counters.bytes_out += bytes.len() as u64);
                wrote = true;
            }
            if wrote {
                let limit = self.options.write_timeout;
                tokio::time::timeout(limit, writer.flush())
                    .await
                    .map_err(|_| write_stalled(limit))??;
                machine.handle_written(now());
                progressed = true;
            }
            while let Some(event) = machine.poll_event() {
                progressed = true;
                boundary = true;
                if let Some(counter) = event.counter() {
                    self.status.count(counter);
                    self.trace_event(counter.name());
                }
                match self.handler.handle_event(event) {
                    Handling::Done => {}
                    Handling::Verdict(verdict) if pending.is_empty() => {
                        machine.handle_verdict(now(), verdict);
                    }
                    // Verdicts reach the machine in order: behind pending ones, a known verdict waits.
                    Handling::Verdict(verdict) => {
                        pending.push_back(Box::pin(std::future::ready(verdict)))
                    }
                    Handling::Pending(future) => pending.push_back(future),
                }
                self.status.set_pending_stores(pending.len());
            }
            if !progressed {
                break;
            }
        }
        if boundary {
            self.flush_trace();
        }
        Ok(())
    }

    fn trace_bytes(&mut self, direction: Direction, bytes: &[u8]) {
        self.status.remember(direction, bytes);
        let Some(trace) = &mut self.trace else {
            return;
        };
        let result = trace.record(direction, bytes);
        self.note_trace_result(result);
    }

    fn trace_event(&mut self, text: &str) {
        self.trace_bytes(Direction::Event, text.as_bytes());
    }

    fn flush_trace(&mut self) {
        let Some(trace) = &mut self.trace else {
            return;
        };
        let result = trace.flush();
        self.note_trace_result(result);
    }

    /// A failing trace (disk full) must not stop the link: warn once, count, carry on.
    fn note_trace_result(&mut self, result: Result<(), crate::trace::TraceError>) {
        match result {
            Ok(()) => self.trace_failing = false,
            Err(error) => {
                self.status.update(|s| s.counters.errors += 1);
                if !self.trace_failing {
                    tracing::error!(link = %self.name, %error, "trace write failed");
                }
                self.trace_failing = true;
            }
        }
    }
}

/// Waits `delay` unless shut down first; returns whether the link goes on.
async fn pause(shutdown: &CancellationToken, delay: Duration) -> bool {
    if delay.is_zero() {
        return !shutdown.is_cancelled();
    }
    tokio::select! {
        biased;
        () = shutdown.cancelled() => false,
        () = tokio::time::sleep(delay) => true,
    }
}

/// The current time as the machines take it.
fn now() -> std::time::Instant {
    Instant::now().into_std()
}

fn write_stalled(limit: Duration) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!("the analyzer took no data for {limit:?}"),
    )
}

/// Sleeps until `at`, or forever when there is no deadline.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Resolves with the oldest pending verdict (without removing it), or never when none is pending.
fn next_verdict<V>(pending: &mut VecDeque<VerdictFuture<V>>) -> impl Future<Output = V> + '_ {
    std::future::poll_fn(move |cx| match pending.front_mut() {
        Some(future) => future.as_mut().poll(cx),
        None => Poll::Pending,
    })
}
