//! Lab configs for the tests, written as TOML the way a lab writes its `lab.toml`: the default
//! lab's catalog and settings (core/src/config/default_lab.toml) without its instruments, then the
//! test's own catalog tests, analyzer links and sections.
//!
//! Every TCP server link asks for port 0 on 127.0.0.1; the port the LIS really got is read back
//! with [`crate::server::Lis::link_addr`].

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::lab::Lab;

/// A lab config being put together, piece after piece, in the order the pieces are added.
#[derive(Debug, Clone)]
pub struct LabConfig {
    toml: String,
}

impl LabConfig {
    /// The default lab's catalog and settings: the embedded default lab's text up to its
    /// instruments, so without them and without the `[his]` section that follows them.
    pub fn default_catalog() -> Self {
        let text = lis_core::DEFAULT_LAB_TOML;
        let cut = text.find("\n[[instruments]]").unwrap_or(text.len());
        Self {
            toml: text[..cut].to_owned(),
        }
    }

    /// Replaces `from` with `to` in the config so far (a catalog entry the test needs otherwise);
    /// panics if `from` is not there, so a change of the default lab cannot void the edit.
    pub fn edit(mut self, from: &str, to: &str) -> Self {
        assert!(
            self.toml.contains(from),
            "the lab config has no `{from}` to edit"
        );
        self.toml = self.toml.replace(from, to);
        self
    }

    /// Replaces `from` with `to` inside the catalog test `code` only (its `[[tests]]` entry, up
    /// to the next table); panics if the test or `from` in it is not there.
    pub fn edit_test(mut self, code: &str, from: &str, to: &str) -> Self {
        let key = format!("\ncode = {}\n", quoted(code));
        let start = self
            .toml
            .find(&key)
            .unwrap_or_else(|| panic!("the lab config has no test {code}"));
        let end = self.toml[start + key.len()..]
            .find("\n[")
            .map_or(self.toml.len(), |at| start + key.len() + at);
        let entry = &self.toml[start..end];
        assert!(
            entry.contains(from),
            "the test {code} of the lab config has no `{from}` to edit"
        );
        let edited = entry.replacen(from, to, 1);
        self.toml.replace_range(start..end, &edited);
        self
    }

    /// Adds a catalog test (`[[tests]]`).
    pub fn test(mut self, test: &CatalogTest<'_>) -> Self {
        self.toml.push_str(&test.toml());
        self
    }

    /// Adds an analyzer link (`[[instruments]]`).
    pub fn link(mut self, link: &Link) -> Self {
        self.toml.push_str(&link.toml());
        self
    }

    /// Adds TOML written out by the test (a section such as `[his]`).
    pub fn section(mut self, toml: &str) -> Self {
        self.toml.push('\n');
        self.toml.push_str(toml);
        self
    }

    /// The config's text.
    pub fn toml(&self) -> &str {
        &self.toml
    }

    /// Writes the config to `dir/lab.toml`; the lab's data directory is `dir/data` (not created:
    /// the LIS creates it).
    pub fn write(&self, dir: &Path) -> Lab {
        let config = dir.join("lab.toml");
        std::fs::write(&config, &self.toml).expect("write lab config");
        Lab::new(config, dir.join("data"))
    }
}

/// A numeric serum test of the catalog with one reference range for every patient, its Vietnamese
/// and English names the same.
#[derive(Debug, Clone, Copy)]
pub struct CatalogTest<'a> {
    /// The catalog code.
    pub code: &'a str,
    /// The name (`name_vi` and `name_en`).
    pub name: &'a str,
    /// The unit.
    pub unit: &'a str,
    /// The decimals a value is stored with.
    pub decimals: u64,
    /// The lab section (`biochemistry`, `immunology`, ...).
    pub section: &'a str,
    /// The reference range's low end.
    pub low: f64,
    /// The reference range's high end.
    pub high: f64,
    /// `autoverify = true` and `auto_release = true`; otherwise every result waits for a person.
    pub autoverify: bool,
}

impl CatalogTest<'_> {
    fn toml(&self) -> String {
        let name = quoted(self.name);
        let mut out = format!(
            "\n[[tests]]\ncode = {}\nname_vi = {name}\nname_en = {name}\nunit = {}\ndecimals = {}\n\
             specimen = \"serum\"\nsection = {}\n",
            quoted(self.code),
            quoted(self.unit),
            self.decimals,
            quoted(self.section),
        );
        if self.autoverify {
            out.push_str("autoverify = true\nauto_release = true\n");
        }
        let _ = writeln!(
            out,
            "ranges = [{{ sex = \"any\", low = {}, high = {} }}]",
            toml::Value::Float(self.low),
            toml::Value::Float(self.high)
        );
        out
    }
}

/// The framing and protocol of a link (`[instruments.connection] protocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// ASTM E1394 records in E1381 frames.
    AstmE1381,
    /// ASTM E1394 records without E1381 framing.
    AstmRaw,
    /// HL7 v2 over MLLP.
    Hl7Mllp,
    /// The Siemens Dimension LIS protocol.
    Dimension,
    /// Sysmex class A text.
    SysmexText,
    /// Siemens ADVIA 2120 "Host Spec 79" blocks.
    Advia,
    /// bioMérieux mini VIDAS (BCI) messages.
    Vidas,
    /// Arkray Spotchem EL printer text.
    Spotchem,
    /// A urine test-strip reader's printout.
    UrineStrip,
}

impl Protocol {
    /// The config's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AstmE1381 => "astm-e1381",
            Self::AstmRaw => "astm-raw",
            Self::Hl7Mllp => "hl7-mllp",
            Self::Dimension => "dimension",
            Self::SysmexText => "sysmex-text",
            Self::Advia => "advia",
            Self::Vidas => "vidas",
            Self::Spotchem => "spotchem",
            Self::UrineStrip => "urine-strip",
        }
    }
}

#[derive(Debug, Clone)]
enum Connection {
    TcpServer { port: u16 },
    TcpClient { port: u16 },
    Serial { path: PathBuf },
}

/// An analyzer link of the lab config: `[[instruments]]` with its test map and its
/// `[instruments.connection]`.
#[derive(Debug, Clone)]
pub struct Link {
    id: String,
    name: String,
    profile: String,
    test_map: Vec<String>,
    connection: Connection,
    protocol: Protocol,
}

impl Link {
    /// A link the LIS listens for on 127.0.0.1, port 0; no tests mapped yet.
    pub fn tcp_server(id: &str, name: &str, profile: &str, protocol: Protocol) -> Self {
        Self::new(
            id,
            name,
            profile,
            protocol,
            Connection::TcpServer { port: 0 },
        )
    }

    /// A link on which the LIS connects to the analyzer at 127.0.0.1:`port`, reconnecting after
    /// 100 ms doubling up to 500 ms; no tests mapped yet.
    pub fn tcp_client(id: &str, name: &str, profile: &str, protocol: Protocol, port: u16) -> Self {
        Self::new(id, name, profile, protocol, Connection::TcpClient { port })
    }

    /// A link on the serial port (or pseudo-terminal) at `path`; no tests mapped yet.
    pub fn serial(id: &str, name: &str, profile: &str, protocol: Protocol, path: &Path) -> Self {
        let path = path.to_path_buf();
        Self::new(id, name, profile, protocol, Connection::Serial { path })
    }

    fn new(
        id: &str,
        name: &str,
        profile: &str,
        protocol: Protocol,
        connection: Connection,
    ) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            profile: profile.to_owned(),
            test_map: Vec::new(),
            connection,
            protocol,
        }
    }

    /// The same link on TCP port `port` instead.
    pub fn on_port(mut self, new_port: u16) -> Self {
        if let Connection::TcpServer { port } | Connection::TcpClient { port } =
            &mut self.connection
        {
            *port = new_port;
        }
        self
    }

    /// Maps the analyzer's `code` to the catalog's `test`.
    pub fn maps(self, code: &str, test: &str) -> Self {
        self.map_entry(format!("code = {}, test = {}", quoted(code), quoted(test)))
    }

    /// Maps the analyzer's `code`, sent in `unit`, to the catalog's `test`.
    pub fn maps_in_unit(self, code: &str, test: &str, unit: &str) -> Self {
        self.map_entry(format!(
            "code = {}, test = {}, unit = {}",
            quoted(code),
            quoted(test),
            quoted(unit)
        ))
    }

    /// Maps the analyzer's `code`, sent in `unit`, to the catalog's `test`, the value multiplied
    /// by `factor`.
    pub fn maps_scaled(self, code: &str, test: &str, factor: f64, unit: &str) -> Self {
        self.map_entry(format!(
            "code = {}, test = {}, factor = {}, unit = {}",
            quoted(code),
            quoted(test),
            toml::Value::Float(factor),
            quoted(unit)
        ))
    }

    fn map_entry(mut self, entry: String) -> Self {
        self.test_map.push(format!("{{ {entry} }}"));
        self
    }

    /// The link's TOML, from a blank line on.
    pub fn toml(&self) -> String {
        let mut out = format!(
            "\n[[instruments]]\nid = {}\nname = {}\nprofile = {}\ntest_map = [\n",
            quoted(&self.id),
            quoted(&self.name),
            quoted(&self.profile)
        );
        for entry in &self.test_map {
            let _ = writeln!(out, "  {entry},");
        }
        out.push_str("]\n[instruments.connection]\n");
        match &self.connection {
            Connection::TcpServer { port } => {
                let _ = writeln!(
                    out,
                    "kind = \"tcp-server\"\naddress = \"127.0.0.1\"\nport = {port}"
                );
            }
            Connection::TcpClient { port } => {
                let _ = writeln!(
                    out,
                    "kind = \"tcp-client\"\naddress = \"127.0.0.1\"\nport = {port}\n\
                     reconnect_min_ms = 100\nreconnect_max_ms = 500"
                );
            }
            Connection::Serial { path } => {
                let _ = writeln!(
                    out,
                    "kind = \"serial\"\npath = {}",
                    quoted(&path.display().to_string())
                );
            }
        }
        let _ = writeln!(out, "protocol = {}", quoted(self.protocol.as_str()));
        out
    }
}

/// CHEM, the chemistry analyzer of most tests: the generic ASTM profile over E1381 on a TCP
/// server link, each of `codes` mapped to the catalog test of the same code.
pub fn chemistry(codes: &[&str]) -> Link {
    let link = Link::tcp_server(
        "CHEM",
        "Chemistry over E1381",
        "generic-astm",
        Protocol::AstmE1381,
    );
    codes.iter().fold(link, |link, code| link.maps(code, code))
}

/// HEMA, the hematology analyzer of most tests: the generic HL7 profile over MLLP on a TCP server
/// link; no tests mapped yet.
pub fn hematology() -> Link {
    Link::tcp_server(
        "HEMA",
        "Hematology over MLLP",
        "generic-hl7",
        Protocol::Hl7Mllp,
    )
}

/// `text` as a TOML basic string, quoted and escaped.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}
