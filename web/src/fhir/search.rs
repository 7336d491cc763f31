//! Search parameters (one table per resource type, [`SearchType`], which both the searches and
//! the CapabilityStatement read), the search-type interaction every resource shares, and paged
//! searchset Bundles.
//!
//! Paging (FHIR R4 http.html §3.1.0.9 and search §3.1.1.5.6): `total` is the number of matches
//! on every page; `link` holds `self`, and `next`/`previous` when there are matches past either
//! end of the page. A page is a keyset on the resource's id (`_cursor=a<id>`: the matches after
//! that id; `b<id>`: the page before it), so what is stored while a client pages never shifts a
//! page it has not read. `_count` larger than [`MAX_COUNT`] is served as [`MAX_COUNT`]
//! (search §3.1.1.5.7 lets a server return fewer); `_count=0` answers the total only.

use axum::http::StatusCode;
use jiff::{SignedDuration, Timestamp};
use lis_core::store::{Keyset, Page, TimeRange};
use lis_core::LabConfig;

use super::answer::{fhir_json, FhirError, FhirResult, MAX_COUNT};
use super::base::FhirBase;
use super::resources::{Bundle, BundleEntry, BundleLink, HIS_PATIENT_IDS, LIS_TEST_CODES, LOINC};
use crate::error::AppError;
use crate::request::{blocking, query_pairs};
use crate::state::AppState;

/// Entries per page when the client gives no `_count`.
pub(super) const DEFAULT_COUNT: usize = 100;

/// A comparison on a time: prefix and the interval the value names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimeParam {
    pub(crate) prefix: &'static str,
    pub(crate) start: Timestamp,
    pub(crate) end: Timestamp,
}

impl TimeParam {
    fn parse(name: &str, raw: &str, lab: &LabConfig) -> Result<Self, FhirError> {
        let (prefix, value) = ["ge", "gt", "le", "lt", "eq"]
            .iter()
            .find_map(|p| raw.strip_prefix(p).map(|v| (*p, v)))
            .unwrap_or(("eq", raw));
        let bad = || {
            FhirError(AppError::bad_field(
                name,
                format!("{raw:?} is not [eq|ge|gt|le|lt]YYYY-MM-DD or an RFC 3339 time"),
            ))
        };
        if let Ok(t) = value.parse::<Timestamp>() {
            return Ok(Self {
                prefix,
                start: t,
                end: t,
            });
        }
        let date: jiff::civil::Date = value.parse().map_err(|_| bad())?;
        let start = date
            .to_zoned(lab.time_zone().clone())
            .map_err(|_| bad())?
            .timestamp();
        let end = date
            .tomorrow()
            .and_then(|d| d.to_zoned(lab.time_zone().clone()))
            .map_err(|_| bad())?
            .timestamp();
        Ok(Self { prefix, start, end })
    }

    /// Narrows `range` to the times this comparison accepts (FHIR R4 search §3.1.1.4.2 on a
    /// date's implicit range; an instant is taken to the millisecond the store keeps).
    fn narrow(&self, range: &mut TimeRange) {
        let ms = SignedDuration::from_millis(1);
        let point = self.start == self.end;
        let end = if point {
            self.start.checked_add(ms).unwrap_or(self.start)
        } else {
            self.end
        };
        let (from, before) = match self.prefix {
            "ge" => (Some(self.start), None),
            "gt" => (Some(end), None),
            "le" => (None, Some(end)),
            "lt" => (None, Some(self.start)),
            _ => (Some(self.start), Some(end)),
        };
        if let Some(f) = from {
            range.from = Some(range.from.map_or(f, |r| r.max(f)));
        }
        if let Some(b) = before {
            range.before = Some(range.before.map_or(b, |r| r.min(b)));
        }
    }
}

/// One search parameter a resource type takes: its name, FHIR type and what it matches. The
/// CapabilityStatement lists these; the search accepts exactly these names and their `also`
/// spellings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SearchParam {
    /// The parameter's name.
    pub(crate) name: &'static str,
    /// Its FHIR search type (`token`, `reference`, `date`).
    pub(crate) kind: &'static str,
    /// What it matches, for the CapabilityStatement.
    pub(crate) documentation: &'static str,
    /// Chained spellings taken as the same parameter (`patient.identifier`).
    pub(crate) also: &'static [&'static str],
}

const PATIENT_REF: SearchParam = SearchParam {
    name: "patient",
    kind: "reference",
    documentation: "The patient: `123` or `Patient/123`; `patient.identifier=[system|]value` \
        takes the HIS patient id (system urn:lis:his-patient-id).",
    also: &["patient.identifier"],
};
const SUBJECT_REF: SearchParam = SearchParam {
    name: "subject",
    kind: "reference",
    documentation: "As patient: `Patient/123`, or `subject:identifier=[system|]value` with the \
        HIS patient id.",
    also: &["subject:identifier"],
};
const LAST_UPDATED: SearchParam = SearchParam {
    name: "_lastUpdated",
    kind: "date",
    documentation: "The release time, with eq (default), ge, gt, le, lt on a day in the lab's \
        time zone or an RFC 3339 instant.",
    also: &[],
};

/// `Patient`.
pub(crate) const PATIENTS: SearchType = SearchType {
    kind: "Patient",
    params: &[SearchParam {
        name: "identifier",
        kind: "token",
        documentation: "The HIS patient id, `[system|]value`; the system, when given, must be \
            urn:lis:his-patient-id.",
        also: &[],
    }],
};

/// `Observation`.
pub(crate) const OBSERVATIONS: SearchType = SearchType {
    kind: "Observation",
    params: &[
        PATIENT_REF,
        SUBJECT_REF,
        SearchParam {
            name: "code",
            kind: "token",
            documentation: "The test, `[system|]code`: LOINC (http://loinc.org) or the lab's \
                code (urn:lis:test-code); another system matches nothing.",
            also: &[],
        },
        SearchParam {
            name: "date",
            kind: "date",
            documentation: "When measured (effectiveDateTime), with eq (default), ge, gt, le, lt \
                on a day in the lab's time zone or an RFC 3339 instant.",
            also: &[],
        },
        LAST_UPDATED,
    ],
};

/// `DiagnosticReport`.
pub(crate) const REPORTS: SearchType = SearchType {
    kind: "DiagnosticReport",
    params: &[
        PATIENT_REF,
        SUBJECT_REF,
        SearchParam {
            name: "date",
            kind: "date",
            documentation: "The earliest measurement of the report's results \
                (effectiveDateTime), prefixes as for Observation.",
            also: &[],
        },
        LAST_UPDATED,
    ],
};

/// `ServiceRequest`.
pub(crate) const REQUESTS: SearchType = SearchType {
    kind: "ServiceRequest",
    params: &[PATIENT_REF, SUBJECT_REF],
};

/// Every searchable type, in the CapabilityStatement's order.
pub(crate) const SEARCH_TYPES: [SearchType; 4] = [PATIENTS, OBSERVATIONS, REPORTS, REQUESTS];

/// Parsed search parameters shared by the searches.
#[derive(Debug, Default)]
pub(crate) struct Search {
    pub(crate) patient_his_id: Option<String>,
    /// A patient or code that names nothing the lab knows: nothing matches.
    pub(crate) matches_nothing: bool,
    pub(crate) code: Option<String>,
    pub(crate) date: TimeRange,
    pub(crate) last_updated: TimeRange,
    pub(crate) count: usize,
    pub(crate) keyset: Keyset,
    /// The parameters as given, less `_count` and `_cursor`, for the links.
    pub(crate) given: Vec<(String, String)>,
}

/// A token parameter's parts (FHIR R4 search §3.1.1.4.9): `system|code` gives the system
/// (empty for `|code`), a bare `code` none.
fn token(v: &str) -> (Option<&str>, &str) {
    match v.split_once('|') {
        Some((system, code)) => (Some(system), code),
        None => (None, v),
    }
}

/// Reads `_cursor`: `a<id>` (after) or `b<id>` (before).
fn cursor(v: &str) -> Result<Keyset, FhirError> {
    let bad = || {
        FhirError(AppError::bad_field(
            "_cursor",
            format!("{v:?} is not a page cursor from a link of this server (a<id> or b<id>)"),
        ))
    };
    let id = |s: &str| s.parse::<i64>().map_err(|_| bad());
    match v.split_at_checked(1) {
        Some(("a", rest)) => Ok(Keyset::After(id(rest)?)),
        Some(("b", rest)) => Ok(Keyset::Before(id(rest)?)),
        _ => Err(bad()),
    }
}

fn parse_search(
    state: &AppState,
    raw: Option<&str>,
    search_type: SearchType,
) -> Result<Search, FhirError> {
    let lab = state.store.config();
    let mut s = Search {
        count: DEFAULT_COUNT,
        ..Search::default()
    };
    for (k, v) in query_pairs(raw)? {
        let Some(param) = search_type.param(&k) else {
            if !["_count", "_format", "_cursor"].contains(&k.as_str()) {
                return Err(FhirError(AppError::bad_field(
                    k,
                    format!(
                        "unsupported search parameter; supported: {}",
                        search_type.accepted().join(", ")
                    ),
                )));
            }
            match k.as_str() {
                // search §3.1.1.5.7: the server may return fewer than asked; 0 asks for the
                // total only.
                "_count" => {
                    s.count = v
                        .trim()
                        .parse::<usize>()
                        .map(|n| n.min(MAX_COUNT))
                        .map_err(|_| {
                            FhirError(AppError::bad_field(
                                "_count",
                                format!("{v:?} is not a whole number (0 gives the total only)"),
                            ))
                        })?;
                }
                "_cursor" => s.keyset = cursor(&v)?,
                _ => s.given.push((k, v)),
            }
            continue;
        };
        match (param.name, k.as_str()) {
            ("patient" | "subject", "patient" | "subject") => {
                let id = v.strip_prefix("Patient/").unwrap_or(&v);
                match id.parse::<i64>().ok().map(|id| state.store.patient(id)) {
                    Some(Ok(p)) => s.patient_his_id = Some(p.his_id),
                    Some(Err(lis_core::StoreError::NotFound { .. })) | None => {
                        s.matches_nothing = true
                    }
                    Some(Err(e)) => return Err(e.into()),
                }
            }
            ("patient" | "subject" | "identifier", _) => {
                // FHIR R4 search §3.1.1.4.9 (token): `system|code` matches only that system,
                // `|code` only identifiers without one (ours always have one), `code` any.
                let (system, value) = token(&v);
                match system {
                    Some(sys) if sys != HIS_PATIENT_IDS => s.matches_nothing = true,
                    _ => s.patient_his_id = Some(value.to_owned()),
                }
            }
            ("code", _) => {
                let (system, value) = token(&v);
                let by_lis_code = || lab.test(value);
                let by_loinc = || lab.tests.iter().find(|t| t.loinc.as_deref() == Some(value));
                let test = match system {
                    None => by_lis_code().or_else(by_loinc),
                    Some(LOINC) => by_loinc(),
                    Some(LIS_TEST_CODES) => by_lis_code(),
                    // Another code system, or `|code` (no system): none of our codings.
                    Some(_) => None,
                };
                match test {
                    Some(t) => s.code = Some(t.code.clone()),
                    None => s.matches_nothing = true,
                }
            }
            ("date", _) => TimeParam::parse("date", &v, lab)?.narrow(&mut s.date),
            ("_lastUpdated", _) => {
                TimeParam::parse("_lastUpdated", &v, lab)?.narrow(&mut s.last_updated)
            }
            _ => {}
        }
        s.given.push((k, v));
    }
    Ok(s)
}

/// A resource type that can be searched (`GET /fhir/r4/{kind}?...`) and the parameters it takes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SearchType {
    /// The resource type: the path, the links and the entries' `Type/` prefix.
    pub(crate) kind: &'static str,
    /// The parameters it takes besides `_count`, `_cursor` and `_format`; any other is refused
    /// with 400.
    pub(crate) params: &'static [SearchParam],
}

/// One page of entries: `(id, resource)` each, served at `{kind}/{id}`.
pub(super) type Entries = Page<(i64, serde_json::Value)>;

impl SearchType {
    /// The parameter a query key names (its name or one of its chained spellings).
    fn param(&self, key: &str) -> Option<&'static SearchParam> {
        self.params
            .iter()
            .find(|p| p.name == key || p.also.contains(&key))
    }

    /// Every name the search takes, chained spellings included.
    fn accepted(&self) -> Vec<&'static str> {
        self.params
            .iter()
            .flat_map(|p| std::iter::once(p.name).chain(p.also.iter().copied()))
            .collect()
    }

    /// Answers one search (the handler's `RequireScope<FhirRead>` has checked the token): reads
    /// the parameters, asks `page` for one keyset page of at most `_count` entries, and answers
    /// the searchset Bundle with the total and the links. When a patient or code names nothing
    /// the lab knows, nothing matches and `page` is not called.
    pub(super) async fn run(
        self,
        state: AppState,
        base: FhirBase,
        raw: Option<String>,
        page: impl FnOnce(&AppState, &Search) -> Result<Entries, FhirError> + Send + 'static,
    ) -> FhirResult {
        blocking(move || {
            let s = parse_search(&state, raw.as_deref(), self)?;
            let found = if s.matches_nothing {
                Page {
                    total: 0,
                    rows: Vec::new(),
                    more_before: false,
                    more_after: false,
                }
            } else {
                page(&state, &s)?
            };
            Ok(fhir_json(StatusCode::OK, &self.bundle(&base, &s, found)?))
        })
        .await
    }

    fn bundle(&self, base: &FhirBase, s: &Search, found: Entries) -> Result<Bundle, FhirError> {
        let link = |relation: &'static str, keyset: Keyset| -> Result<BundleLink, FhirError> {
            let mut pairs = s.given.clone();
            pairs.push(("_count".to_owned(), s.count.to_string()));
            match keyset {
                Keyset::First => {}
                Keyset::After(id) => pairs.push(("_cursor".to_owned(), format!("a{id}"))),
                Keyset::Before(id) => pairs.push(("_cursor".to_owned(), format!("b{id}"))),
            }
            let query = serde_urlencoded::to_string(&pairs).map_err(|e| AppError::internal(&e))?;
            Ok(BundleLink {
                relation,
                url: format!("{}/{}?{query}", base.0, self.kind),
            })
        };
        let mut links = vec![link("self", s.keyset)?];
        if s.count > 0 {
            let first = found.rows.first().map(|(id, _)| *id);
            let last = found.rows.last().map(|(id, _)| *id);
            let next = match (last, s.keyset) {
                (Some(id), _) => Some(id),
                (None, Keyset::Before(id)) => Some(id.saturating_sub(1)),
                (None, _) => None,
            };
            if let (true, Some(id)) = (found.more_after, next) {
                links.push(link("next", Keyset::After(id))?);
            }
            let previous = match (first, s.keyset) {
                (Some(id), _) => Some(id),
                (None, Keyset::After(id)) => Some(id.saturating_add(1)),
                (None, _) => None,
            };
            if let (true, Some(id)) = (found.more_before, previous) {
                links.push(link("previous", Keyset::Before(id))?);
            }
        }
        Ok(Bundle {
            resource_type: "Bundle",
            bundle_type: "searchset",
            total: found.total,
            link: links,
            entry: found
                .rows
                .into_iter()
                .map(|(id, resource)| BundleEntry {
                    full_url: format!("{}/{}/{id}", base.0, self.kind),
                    resource,
                    search: serde_json::json!({ "mode": "match" }),
                })
                .collect(),
        })
    }
}

/// Turns a page of store rows into entries with `entry` (`(id, served resource)`).
pub(super) fn entries<T>(
    page: Page<T>,
    mut entry: impl FnMut(T) -> Result<(i64, serde_json::Value), FhirError>,
) -> Result<Entries, FhirError> {
    Ok(Page {
        total: page.total,
        rows: page
            .rows
            .into_iter()
            .map(&mut entry)
            .collect::<Result<_, _>>()?,
        more_before: page.more_before,
        more_after: page.more_after,
    })
}
