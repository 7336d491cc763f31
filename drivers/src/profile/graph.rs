//! `[[graph]]`: rows that carry a graph or an image rather than a result (the Mindray BC-5380's
//! `ED` OBX histograms, the Horiba Yumizen's M records, the Sysmex's `PNG&R&...` file names).
//! A row one of these rules matches is read as a graph (`lis_core::model::AnalyzerGraph`) and
//! is neither a result nor a skipped row; the first rule that matches a row reads it.
//!
//! A rule applies to rows of the record or segment type its `when` locations name: `OBX` in an
//! HL7 message, `R` or `M` in ASTM (the Yumizen's graphs are M records, which are never results).

use serde::Deserialize;

use super::{Location, Locations, MessageProtocol, Profile, ProfileError, Rule};

/// How a graph's data is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GraphEncoding {
    /// An HL7 `ED` field (v2.3.1 §2.8.15): source application, type of data (`Image`), data
    /// subtype (`BMP`, `PNG`, `JPEG`, `GIF`), encoding (`Base64`), then the data, in the
    /// components of the `data` field (default `OBX-5`).
    Hl7Ed,
    /// The Horiba Yumizen's `FLOATLE-stream/deflate:base64` fields ([`lis_vendor::graph`]):
    /// `data` names the markers field then the curve field (`["M-6", "M-7"]`); `kind` says
    /// whether the record is a histogram or a scattergram.
    FloatStream,
    /// A file the analyzer keeps (the Sysmex's `PNG\20210414\..._DIFF.PNG`), named in the
    /// `data` field (default: the profile's `value`); stored as a reference, never fetched.
    FileReference,
}

impl GraphEncoding {
    /// The name a profile file gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hl7Ed => "hl7-ed",
            Self::FloatStream => "float-stream",
            Self::FileReference => "file-reference",
        }
    }
}

/// What a `float-stream` record draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GraphKind {
    /// Counts along one axis, with discriminator lines.
    Histogram,
    /// One point per event.
    Scattergram,
}

/// One `[[graph]]` rule.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphRule {
    /// A row is this graph when every one of these matches (the same notation as `keep`/`skip`);
    /// at least one, all on the row's own record or segment type.
    pub when: Vec<Rule>,
    /// Where the analyzer names the graph (`OBX-3.2`: `WBC Histogram. BMP`; `M-5`:
    /// `RbcAlongRes`); the non-empty values of every location, joined with a space.
    #[serde(default)]
    pub name_from: Option<Locations>,
    /// The name when `name_from` is absent or empty on the row.
    #[serde(default)]
    pub name: Option<String>,
    /// How the data is written.
    pub encoding: GraphEncoding,
    /// Where the data is (defaults: `hl7-ed` `OBX-5`; `file-reference` the profile's value;
    /// `float-stream` has none and must name its two fields).
    #[serde(default)]
    pub data: Option<Locations>,
    /// For `float-stream`: `histogram` or `scattergram`.
    #[serde(default)]
    pub kind: Option<GraphKind>,
}

impl GraphRule {
    /// The record or segment type of the rows the rule applies to (`OBX`, `R`, `M`).
    pub fn row_type(&self) -> Option<&str> {
        self.when.first().map(|r| r.field.segment.as_str())
    }
}

impl Profile {
    /// The problems of the `graph` rules, each with its key (`graph[1].encoding`).
    pub(super) fn graph_problems(&self) -> Vec<ProfileError> {
        let mut out = Vec::new();
        if self.graph.is_empty() {
            return out;
        }
        if self.protocol == MessageProtocol::Vendor {
            out.push(self.invalid("graph", "graphs are read in ASTM and HL7 messages only"));
            return out;
        }
        let astm = self.protocol == MessageProtocol::Astm;
        for (i, rule) in self.graph.iter().enumerate() {
            let key = |part: &str| format!("graph[{i}]{part}");
            if rule.when.is_empty() {
                out.push(self.invalid(
                    &key(".when"),
                    "at least one rule is needed (it says which rows are this graph)",
                ));
            }
            if let Some(row) = rule.row_type() {
                let rows: &[&str] = if astm { &["R", "M"] } else { &["OBX"] };
                if !rows.contains(&row) {
                    out.push(self.invalid(
                        &key(".when"),
                        format!(
                            "graphs are rows: the rules name {}, not `{row}`",
                            rows.join(" or ")
                        ),
                    ));
                }
                if rule.when.iter().any(|r| r.field.segment != row) {
                    out.push(self.invalid(
                        &key(".when"),
                        "every rule names the same record or segment type (the row's)",
                    ));
                }
            }
            let named = rule.name.as_deref().is_some_and(|n| !n.trim().is_empty());
            let located = rule.name_from.as_ref().is_some_and(|l| !l.0.is_empty());
            if !named && !located {
                out.push(self.invalid(
                    &key(""),
                    "give `name_from` (where the analyzer names the graph) or `name`",
                ));
            }
            match rule.encoding {
                GraphEncoding::Hl7Ed if astm => out.push(self.invalid(
                    &key(".encoding"),
                    "`hl7-ed` reads HL7 messages; this profile is ASTM",
                )),
                GraphEncoding::FloatStream if !astm => out.push(self.invalid(
                    &key(".encoding"),
                    "`float-stream` reads ASTM M or R records; this profile is HL7",
                )),
                GraphEncoding::FloatStream => {
                    let n = rule.data.as_ref().map_or(0, |d| d.0.len());
                    if n != 2 {
                        out.push(self.invalid(
                            &key(".data"),
                            "`float-stream` needs two locations: the markers field, then the \
                             curve field (`[\"M-6\", \"M-7\"]`)",
                        ));
                    }
                    if rule.kind.is_none() {
                        out.push(self.invalid(
                            &key(".kind"),
                            "`float-stream` needs `kind = \"histogram\"` or `\"scattergram\"`",
                        ));
                    }
                }
                _ => {}
            }
            if rule.kind.is_some() && rule.encoding != GraphEncoding::FloatStream {
                out.push(self.invalid(
                    &key(".kind"),
                    format!(
                        "`kind` is for `float-stream`; `{}` says what it holds itself",
                        rule.encoding.as_str()
                    ),
                ));
            }
            let mut all: Vec<(&str, &Location)> = Vec::new();
            all.extend(rule.when.iter().map(|r| (".when", &r.field)));
            for (part, list) in [(".name_from", &rule.name_from), (".data", &rule.data)] {
                if let Some(list) = list {
                    all.extend(list.0.iter().map(|l| (part, l)));
                }
            }
            for (part, l) in all {
                for reason in self.location_problems(l) {
                    out.push(self.invalid(&key(part), reason));
                }
            }
        }
        out
    }

    /// Where the rule's data is, with its encoding's default.
    pub(crate) fn graph_data_at(&self, rule: &GraphRule) -> Locations {
        match (&rule.data, rule.encoding) {
            (Some(d), _) => d.clone(),
            (None, GraphEncoding::Hl7Ed) => Locations::parse(&["OBX-5"]),
            (None, GraphEncoding::FileReference) => self.value_at(),
            (None, GraphEncoding::FloatStream) => Locations::default(),
        }
    }
}
