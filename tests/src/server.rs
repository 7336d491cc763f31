//! A running `lis serve` for a test, and small tools to drive it: bounded polling and guards
//! that kill child processes when a test ends or fails.
//!
//! Ports: the test's lab config asks for port 0 on every TCP server link, and `lis serve` is started
//! with `--http 127.0.0.1:0`. `lis serve` prints `lis: http listening on ADDR` on stderr once bound;
//! the links' real ports are read from `GET /api/v1/links` (`"transport": "tcp-server
//! 127.0.0.1:PORT"`). So the LIS never needs a port chosen in advance and two tests never race for
//! one. The one exception is a simulated analyzer that listens while the LIS connects (a
//! `tcp-client` link): that test binds port 0, notes the port and releases it for the simulator.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::http;
use crate::lis_binary;

/// The bound on every wait in these tests: generous, for a loaded 2-core CI machine.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// Polls `probe` every 25 ms until it returns `Some`, or panics after `timeout` saying `what`.
pub fn wait_for<T>(what: &str, timeout: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// A socat pseudo-terminal pair (CI installs socat in .ci/run): its two ends are the links
/// `<name>-a` and `<name>-b` in `dir`, present when this returns; socat ends with the guard.
pub fn pty_pair(dir: &Path, name: &str) -> (ChildGuard, PathBuf, PathBuf) {
    let (a, b) = (dir.join(format!("{name}-a")), dir.join(format!("{name}-b")));
    let child = Command::new("socat")
        .arg("-d")
        .arg("-d")
        .arg(format!("pty,raw,echo=0,link={}", a.display()))
        .arg(format!("pty,raw,echo=0,link={}", b.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("socat must be installed (.ci/run installs it)");
    let guard = ChildGuard::new(child);
    wait_for("socat's pty links", TIMEOUT, || {
        (a.exists() && b.exists()).then_some(())
    });
    (guard, a, b)
}

/// A child process killed (and reaped) when dropped, so a failing test leaves nothing running.
#[derive(Debug)]
pub struct ChildGuard {
    child: Option<Child>,
}

impl ChildGuard {
    /// Guards `child`.
    pub fn new(child: Child) -> Self {
        Self { child: Some(child) }
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        if let Ok(pid) = i32::try_from(self.id()) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
    }

    /// Waits up to `timeout` for the process to exit.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let child = self.child.as_mut()?;
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            if start.elapsed() > timeout {
                return None;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Takes the child's stdout.
    pub fn take_stdout(&mut self) -> Option<std::process::ChildStdout> {
        self.child.as_mut()?.stdout.take()
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Ok(None) = child.try_wait() {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
    }
}

/// `lis serve` running for one test, with its stderr collected.
#[derive(Debug)]
pub struct Lis {
    process: ChildGuard,
    log: Arc<Mutex<String>>,
    http: SocketAddr,
    data: PathBuf,
    config: PathBuf,
}

impl Lis {
    /// Starts `lis serve --config CONFIG --data DATA --http 127.0.0.1:0` and waits until
    /// `/healthz` answers 200.
    pub fn start(config: &Path, data: &Path) -> Self {
        let child = Command::new(lis_binary())
            .arg("serve")
            .arg("--config")
            .arg(config)
            .arg("--data")
            .arg(data)
            .args(["--http", "127.0.0.1:0"])
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("lis serve could not start");
        let mut process = ChildGuard::new(child);
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = process
            .child
            .as_mut()
            .and_then(|c| c.stderr.take())
            .expect("stderr is piped");
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut log = sink.lock().unwrap_or_else(|p| p.into_inner());
                log.push_str(&line);
                log.push('\n');
            }
        });
        let http = wait_for("lis serve to print its HTTP address", TIMEOUT, || {
            if let Ok(Some(status)) = process.child.as_mut().map_or(Ok(None), Child::try_wait) {
                panic!(
                    "lis serve exited with {status} before listening:\n{}",
                    log.lock().unwrap_or_else(|p| p.into_inner())
                );
            }
            let log = log.lock().unwrap_or_else(|p| p.into_inner());
            log.lines()
                .find_map(|l| l.strip_prefix("lis: http listening on "))
                .and_then(|a| a.trim().parse().ok())
        });
        let lis = Self {
            process,
            log,
            http,
            data: data.to_path_buf(),
            config: config.to_path_buf(),
        };
        wait_for("/healthz to answer 200", TIMEOUT, || {
            matches!(http::get(lis.http, "/healthz"), Ok((200, _))).then_some(())
        });
        lis
    }

    /// The HTTP address.
    pub fn http(&self) -> SocketAddr {
        self.http
    }

    /// The data directory.
    pub fn data(&self) -> &Path {
        &self.data
    }

    /// The lab config file.
    pub fn config(&self) -> &Path {
        &self.config
    }

    /// Everything `lis serve` wrote on stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// `GET path` as JSON; panics (with the server log) on anything but 200.
    pub fn get_json(&self, path: &str) -> Value {
        match http::get(self.http, path) {
            Ok((200, body)) => serde_json::from_str(&body)
                .unwrap_or_else(|e| panic!("GET {path}: not JSON ({e}): {body}")),
            other => panic!("GET {path}: {other:?}\nlog:\n{}", self.log()),
        }
    }

    /// The status of link `name` from `GET /api/v1/links`.
    pub fn link(&self, name: &str) -> Value {
        let links = self.get_json("/api/v1/links");
        links
            .as_array()
            .and_then(|l| l.iter().find(|l| l["name"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("no link {name} in {links}"))
    }

    /// The address a TCP server link listens on (its transport `tcp-server ADDR`).
    pub fn link_addr(&self, name: &str) -> SocketAddr {
        let link = self.link(name);
        link["transport"]
            .as_str()
            .and_then(|t| t.strip_prefix("tcp-server "))
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("link {name} is not a TCP server: {link}"))
    }

    /// Waits until `counter` of link `name` reaches at least `n`.
    pub fn wait_counter(&self, name: &str, counter: &str, n: u64) {
        wait_for(&format!("link {name} {counter} >= {n}"), TIMEOUT, || {
            (self.link(name)["counters"][counter].as_u64()? >= n).then_some(())
        });
    }

    /// Sends SIGTERM and waits for the exit; returns the exit code and the whole log.
    pub fn stop(mut self) -> (Option<i32>, String) {
        self.process.terminate();
        let status = self.process.wait_timeout(TIMEOUT);
        // The stderr thread ends at EOF; give it a moment to take the last lines.
        let log = wait_for_log_end(&self.log);
        match status {
            Some(status) => (status.code(), log),
            None => panic!("lis serve did not exit within {TIMEOUT:?} of SIGTERM:\n{log}"),
        }
    }
}

fn wait_for_log_end(log: &Arc<Mutex<String>>) -> String {
    let start = Instant::now();
    loop {
        // The reader thread holds the other reference until stderr closes.
        if Arc::strong_count(log) == 1 || start.elapsed() > Duration::from_secs(5) {
            return log.lock().unwrap_or_else(|p| p.into_inner()).clone();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
