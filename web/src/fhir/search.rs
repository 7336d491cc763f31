//! Search parameters, the search-type interaction every resource shares, and searchset
//! Bundles.

use axum::http::StatusCode;
use jiff::Timestamp;
use lis_core::LabConfig;
use serde::Serialize;

use super::answer::{fhir_json, FhirError, FhirResult, MAX_COUNT};
use super::resources::{Bundle, BundleEntry, BundleLink, HIS_PATIENT_IDS, LIS_TEST_CODES, LOINC};
use crate::error::AppError;
use crate::request::{blocking, query_pairs};
use crate::state::AppState;

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

    pub(crate) fn matches(&self, t: Timestamp) -> bool {
        let point = self.start == self.end;
        match self.prefix {
            "ge" => t >= self.start,
            "gt" => {
                if point {
                    t > self.start
                } else {
                    t >= self.end
                }
            }
            "le" => {
                if point {
                    t <= self.start
                } else {
                    t < self.end
                }
            }
            "lt" => t < self.start,
            _ => {
                if point {
                    t == self.start
                } else {
                    t >= self.start && t < self.end
                }
            }
        }
    }
}

/// Parsed search parameters shared by the searches.
#[derive(Debug, Default)]
pub(crate) struct Search {
    pub(crate) patient_his_id: Option<String>,
    pub(crate) patient_unknown: bool,
    pub(crate) code: Option<String>,
    pub(crate) date: Vec<TimeParam>,
    pub(crate) last_updated: Vec<TimeParam>,
    pub(crate) count: usize,
}

/// A token parameter's parts (FHIR R4 search §3.1.1.4.9): `system|code` gives the system
/// (empty for `|code`), a bare `code` none.
fn token(v: &str) -> (Option<&str>, &str) {
    match v.split_once('|') {
        Some((system, code)) => (Some(system), code),
        None => (None, v),
    }
}

fn parse_search(
    state: &AppState,
    raw: Option<&str>,
    allowed: &[&str],
) -> Result<Search, FhirError> {
    let lab = state.store.config();
    let mut s = Search {
        count: 100,
        ..Search::default()
    };
    for (k, v) in query_pairs(raw)? {
        if !allowed.contains(&k.as_str()) && !["_count", "_format"].contains(&k.as_str()) {
            return Err(FhirError(AppError::bad_field(
                k,
                format!(
                    "unsupported search parameter; supported: {}",
                    allowed.join(", ")
                ),
            )));
        }
        match k.as_str() {
            "patient" | "subject" => {
                let id = v.strip_prefix("Patient/").unwrap_or(&v);
                match id.parse::<i64>().ok().map(|id| state.store.patient(id)) {
                    Some(Ok(p)) => s.patient_his_id = Some(p.his_id),
                    Some(Err(lis_core::StoreError::NotFound { .. })) | None => {
                        s.patient_unknown = true
                    }
                    Some(Err(e)) => return Err(e.into()),
                }
            }
            "patient.identifier" | "subject:identifier" | "identifier" => {
                // FHIR R4 search §3.1.1.4.9 (token): `system|code` matches only that system,
                // `|code` only identifiers without one (ours always have one), `code` any.
                let (system, value) = token(&v);
                match system {
                    Some(sys) if sys != HIS_PATIENT_IDS => s.patient_unknown = true,
                    _ => s.patient_his_id = Some(value.to_owned()),
                }
            }
            "code" => {
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
                    None => s.patient_unknown = true,
                }
            }
            "date" => s.date.push(TimeParam::parse("date", &v, lab)?),
            "_lastUpdated" => s
                .last_updated
                .push(TimeParam::parse("_lastUpdated", &v, lab)?),
            "_count" => {
                s.count = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_COUNT).contains(n))
                    .ok_or_else(|| {
                        FhirError(AppError::bad_field(
                            "_count",
                            format!("{v:?} is not 1 to {MAX_COUNT}"),
                        ))
                    })?;
            }
            _ => {}
        }
    }
    Ok(s)
}

/// A resource type that can be searched (`GET /fhir/r4/{kind}?...`).
#[derive(Debug, Clone, Copy)]
pub(super) struct SearchType {
    /// The resource type: the path, the Bundle's self link and the entries' `Type/` prefix.
    pub(super) kind: &'static str,
    /// The parameters it takes besides `_count` and `_format`; any other is refused with 400.
    pub(super) params: &'static [&'static str],
}

impl SearchType {
    /// Answers one search (the handler's `RequireScope<FhirRead>` has checked the token): reads
    /// the parameters, asks `candidates` for what the store lists, turns each candidate into an
    /// entry with `entry` (`None`: it does not match) until `_count` entries are found, and
    /// answers the searchset Bundle. An entry is `(id, resource)`, served at `{kind}/{id}`.
    /// When a patient or code names nothing the lab knows, nothing matches and neither
    /// function is called.
    pub(super) async fn run<C, R>(
        self,
        state: AppState,
        raw: Option<String>,
        candidates: impl FnOnce(&AppState, &Search) -> Result<Vec<C>, FhirError> + Send + 'static,
        mut entry: impl FnMut(&AppState, &Search, C) -> Result<Option<(i64, R)>, FhirError>
            + Send
            + 'static,
    ) -> FhirResult
    where
        R: Serialize,
    {
        blocking(move || {
            let s = parse_search(&state, raw.as_deref(), self.params)?;
            let mut found = Vec::new();
            if !s.patient_unknown {
                for candidate in candidates(&state, &s)? {
                    if let Some((id, resource)) = entry(&state, &s, candidate)? {
                        found.push((format!("{}/{id}", self.kind), to_value(&resource)?));
                    }
                    if found.len() >= s.count {
                        break;
                    }
                }
            }
            Ok(fhir_json(
                StatusCode::OK,
                &bundle(self.kind, raw.as_deref(), found),
            ))
        })
        .await
    }
}

fn bundle(kind: &str, raw: Option<&str>, resources: Vec<(String, serde_json::Value)>) -> Bundle {
    Bundle {
        resource_type: "Bundle",
        bundle_type: "searchset",
        total: resources.len(),
        link: vec![BundleLink {
            relation: "self",
            url: match raw {
                Some(q) if !q.is_empty() => format!("{kind}?{q}"),
                _ => kind.to_owned(),
            },
        }],
        entry: resources
            .into_iter()
            .map(|(full_url, resource)| BundleEntry {
                full_url,
                resource,
                search: serde_json::json!({ "mode": "match" }),
            })
            .collect(),
    }
}

fn to_value<T: Serialize>(v: &T) -> Result<serde_json::Value, FhirError> {
    serde_json::to_value(v).map_err(|e| FhirError(AppError::internal(&e)))
}
