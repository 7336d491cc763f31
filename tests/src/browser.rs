//! A real browser for the UI journeys: Debian's Chromium, headless, driven over WebDriver by
//! chromedriver through fantoccini.
//!
//! Synchronous on purpose, like the rest of these tests: [`Browser`] owns a small tokio runtime
//! and blocks on each WebDriver command, so a journey reads top to bottom as a person's steps.
//! Chromium runs as root on these machines, which needs `--no-sandbox`; every browser gets a
//! fresh profile directory, so no cookie or cache survives from one test to the next.
//! `.ci/run` installs `chromium`, `chromium-driver` and `fonts-noto-core` (Vietnamese glyphs).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::server::{ChildGuard, TIMEOUT};

/// Where Debian installs the driver and the browser.
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// The screen of an ordinary lab PC.
pub const WINDOW: (u32, u32) = (1366, 768);

/// A headless Chromium with its own profile, closed (with its driver) when dropped.
pub struct Browser {
    runtime: tokio::runtime::Runtime,
    client: Option<Client>,
    _driver: ChildGuard,
    _profile: tempfile::TempDir,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser").finish_non_exhaustive()
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Browser {
    /// Starts chromedriver and a headless Chromium at 1366×768.
    pub fn start() -> Self {
        assert!(
            Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists(),
            "the UI tests need Debian's chromium and chromium-driver \
             (apt-get install chromium chromium-driver fonts-noto-core; .ci/run does it)"
        );
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let driver = ChildGuard::new(driver);
        let profile = tempfile::tempdir().expect("a profile directory");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let args = [
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            format!("--window-size={},{}", WINDOW.0, WINDOW.1),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".to_owned(),
            json!({ "binary": CHROMIUM, "args": args }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let start = Instant::now();
        let client = loop {
            let attempt = runtime.block_on(
                ClientBuilder::new(HttpConnector::new())
                    .capabilities(caps.clone())
                    .connect(&url),
            );
            match attempt {
                Ok(client) => break client,
                Err(e) if start.elapsed() < TIMEOUT => {
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("no WebDriver session from chromedriver on {url}: {e}"),
            }
        };
        Self {
            runtime,
            client: Some(client),
            _driver: driver,
            _profile: profile,
        }
    }

    fn client(&self) -> &Client {
        // Invariant: the client is only taken in Drop.
        self.client.as_ref().expect("browser open")
    }

    /// Opens a URL and waits for the page to load.
    pub fn goto(&self, url: &str) {
        self.runtime
            .block_on(self.client().goto(url))
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// The current URL.
    pub fn url(&self) -> String {
        self.runtime
            .block_on(self.client().current_url())
            .map(|u| u.to_string())
            .expect("current url")
    }

    /// Waits (bounded) for an element matching the CSS selector and returns it.
    pub fn find(&self, css: &str) -> Element {
        self.runtime
            .block_on(
                self.client()
                    .wait()
                    .at_most(TIMEOUT)
                    .for_element(Locator::Css(css)),
            )
            .unwrap_or_else(|e| panic!("no element {css:?} on {}: {e}", self.url()))
    }

    /// Every element matching the CSS selector now (no waiting).
    pub fn find_all(&self, css: &str) -> Vec<Element> {
        self.runtime
            .block_on(self.client().find_all(Locator::Css(css)))
            .unwrap_or_default()
    }

    /// The visible text of the first element matching the selector.
    pub fn text(&self, css: &str) -> String {
        let element = self.find(css);
        self.runtime.block_on(element.text()).unwrap_or_default()
    }

    /// The visible text of the whole page.
    pub fn page_text(&self) -> String {
        self.text("body")
    }

    /// Waits (bounded) until the page's text contains `needle`, without reloading.
    pub fn wait_for_text(&self, needle: &str, timeout: Duration) {
        let start = Instant::now();
        loop {
            if self.page_text().contains(needle) {
                return;
            }
            assert!(
                start.elapsed() < timeout,
                "{needle:?} did not appear on {} within {timeout:?}; the page says:\n{}",
                self.url(),
                self.page_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Types into the input matching the selector (after clearing it).
    pub fn fill(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.runtime.block_on(async {
            element.clear().await.expect("clear input");
            element.send_keys(text).await.expect("type into input");
        });
    }

    /// Clicks the element matching the selector.
    pub fn click(&self, css: &str) {
        let element = self.find(css);
        self.runtime
            .block_on(element.click())
            .unwrap_or_else(|e| panic!("click {css:?}: {e}"));
    }

    /// Presses keys on whatever has the focus, as a person at the keyboard would.
    pub fn keys(&self, text: &str) {
        let active = self
            .runtime
            .block_on(self.client().active_element())
            .expect("an active element");
        self.runtime
            .block_on(active.send_keys(text))
            .unwrap_or_else(|e| panic!("press {text:?}: {e}"));
    }

    /// Presses Enter on whatever has the focus.
    pub fn enter(&self) {
        self.keys(&char::from(Key::Enter).to_string());
    }

    /// The value of an attribute of the first element matching the selector.
    pub fn attribute(&self, css: &str, name: &str) -> Option<String> {
        let element = self.find(css);
        self.runtime.block_on(element.attr(name)).ok().flatten()
    }

    /// Saves a PNG screenshot of the window.
    pub fn screenshot(&self, path: &Path) {
        let png = self
            .runtime
            .block_on(self.client().screenshot())
            .expect("screenshot");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("screenshot directory");
        }
        std::fs::write(path, png).expect("write screenshot");
    }

    /// Prints the page to PDF as a person's print dialog would with this paper (width and
    /// height in centimetres), no margins (the page's `@page` sets its own), scale 100%, with
    /// backgrounds; WebDriver's Print Page (Chromium's print-to-PDF).
    pub fn print_pdf(&self, width_cm: f64, height_cm: f64) -> Vec<u8> {
        use fantoccini::wd::{PrintConfiguration, PrintMargins, PrintSize};
        let config = PrintConfiguration::builder()
            .size(PrintSize {
                width: width_cm,
                height: height_cm,
            })
            .margins(PrintMargins {
                top: 0.0,
                bottom: 0.0,
                left: 0.0,
                right: 0.0,
            })
            .scale(1.0)
            .background(true)
            .shrink_to_fit(false)
            .build()
            .expect("a print configuration");
        self.runtime
            .block_on(self.client().print(config))
            .expect("print to PDF")
    }

    /// Runs a script in the page and returns its JSON value.
    pub fn script(&self, js: &str) -> serde_json::Value {
        self.runtime
            .block_on(self.client().execute(js, Vec::new()))
            .unwrap_or_else(|e| panic!("script {js:?}: {e}"))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            let _ = self.runtime.block_on(client.close());
        }
    }
}

/// Where screenshots go: `LIS_SCREENSHOTS` if set, read relative to the repository root (the
/// README's are made with `LIS_SCREENSHOTS=docs/screenshots`), else a temporary directory.
pub fn screenshot_dir() -> PathBuf {
    std::env::var_os("LIS_SCREENSHOTS")
        .map(|dir| crate::repo_root().join(dir))
        .unwrap_or_else(|| std::env::temp_dir().join("lis-screenshots"))
}
