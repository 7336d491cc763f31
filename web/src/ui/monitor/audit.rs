//! The audit trail, read-only: `/audit` (every entry, newest first, filtered by who, what,
//! the object's kind and id, and a date range in the lab's time zone; keyset paged by `seq`),
//! `/audit.csv` (the same filter as CSV: RFC 4180 quoting, CRLF, UTF-8 with a byte-order mark
//! so Excel reads Vietnamese), `/audit/specimens/{id}` and `/audit/results/{id}` (one
//! specimen's or result's history). Each entry shows who, what, old → new, the reason, when and
//! from which client address. Supervisors and admins read it ([`Permission::ReadAudit`]);
//! admins also see whether the hash chain is intact (`lis audit verify`,
//! [`Permission::VerifyAudit`]), on demand.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use lis_core::audit::{AuditProblem, AuditReport};
use lis_core::model::HistoryEntry;
use lis_core::permissions::Permission;
use lis_core::store::{AuditFilter, AuditRecord};
use serde::Deserialize;

use super::texts::MonitorMsg;
use super::{bad_request, on_store, MonitorUrls};
use crate::state::AppState;
use crate::ui::dates;
use crate::ui::error_page::PageError;
use crate::ui::flags;
use crate::ui::i18n::{Lang, Msg, Text};
use crate::ui::layout::{Layout, Nav};
use crate::ui::session::CurrentUser;
use crate::ui::urls;

/// Entries on one page.
pub const PAGE_SIZE: usize = 100;
/// Entries read at a time for the CSV export.
const CSV_BATCH: usize = 1000;

/// One entry as the page shows it.
#[derive(Debug, Clone)]
pub struct AuditLine {
    /// Its number in the chain.
    pub seq: i64,
    /// When (`dd/MM/yyyy HH:mm`).
    pub when: String,
    /// Who: a user's name, else the stored actor (`system`, `instrument:X`, `his:Y`).
    pub who: String,
    /// What, in words where the catalog has them.
    pub what: String,
    /// The action's code.
    pub action: String,
    /// The object: kind and id.
    pub object: String,
    /// A page about the object, when there is one.
    pub object_url: Option<String>,
    /// The state or value before.
    pub before: String,
    /// The state or value after.
    pub after: String,
    /// The reason given.
    pub reason: String,
    /// The client's address.
    pub address: String,
}

/// A choice of a filter's select.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The value sent.
    pub value: String,
    /// How it reads.
    pub label: String,
    /// Whether it is the current one.
    pub selected: bool,
}

/// `GET /audit`, `/audit/specimens/{id}`, `/audit/results/{id}`.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "audit.html")]
pub struct AuditPage {
    /// The frame.
    pub layout: Layout,
    /// The title.
    pub title: String,
    /// Whether this is the global trail (with the filters and the export).
    pub global: bool,
    /// The entries.
    pub lines: Vec<AuditLine>,
    /// The filter's users (`user:N` with names, plus `system`).
    pub users: Vec<Choice>,
    /// The filter's actions.
    pub actions: Vec<Choice>,
    /// The object kind typed.
    pub entity: String,
    /// The object id typed.
    pub entity_id: String,
    /// The first day, as typed.
    pub from: String,
    /// The last day, as typed.
    pub until: String,
    /// The next (older) page.
    pub older_url: Option<String>,
    /// Whether this is not the first page.
    pub later_page: bool,
    /// The first page with the same filter.
    pub first_url: String,
    /// The CSV of the same filter.
    pub csv_url: String,
    /// Whether the user may see the chain check.
    pub may_verify: bool,
    /// The link that runs the check.
    pub verify_url: String,
    /// The chain check's outcome in words, with whether it is intact.
    pub verified: Option<(bool, String)>,
}

impl AuditPage {
    /// A text of the monitoring catalog.
    pub fn m(&self, msg: MonitorMsg) -> &'static str {
        msg.text(self.layout.lang)
    }
}

/// The filter of the URL.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuditParams {
    /// Who (`user:3`, `system`...).
    #[serde(default)]
    user: String,
    /// The action code.
    #[serde(default)]
    action: String,
    /// The object kind.
    #[serde(default)]
    entity: String,
    /// The object id.
    #[serde(default)]
    id: String,
    /// The first day (`yyyy-mm-dd` or `dd/mm/yyyy`).
    #[serde(default)]
    from: String,
    /// The last day, included.
    #[serde(default)]
    until: String,
    /// The page cursor: entries below this `seq`.
    #[serde(default)]
    before: String,
    /// `1`: run the chain check (admins).
    #[serde(default)]
    verify: String,
}

impl AuditParams {
    /// The store's filter; a bad date names itself.
    fn filter(&self, tz: &TimeZone, lang: Lang) -> Result<AuditFilter, String> {
        let text = |s: &str| {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_owned())
        };
        let day = |s: &str| -> Result<Option<Timestamp>, String> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            let date =
                parse_day(s).ok_or_else(|| MonitorMsg::BadDate.fill(lang, &[("text", s)]))?;
            date.to_zoned(tz.clone())
                .map(|z| Some(z.timestamp()))
                .map_err(|_| MonitorMsg::BadDate.fill(lang, &[("text", s)]))
        };
        // The last day is included: the window ends at the next midnight.
        let until = day(&self.until)?.map(|t| {
            t.to_zoned(tz.clone())
                .tomorrow()
                .map_or(t, |z| z.timestamp())
        });
        Ok(AuditFilter {
            actor: text(&self.user),
            action: text(&self.action),
            entity: text(&self.entity),
            entity_id: text(&self.id),
            from: day(&self.from)?,
            until,
        })
    }

    /// The filter as a query string (no cursor).
    fn query(&self) -> String {
        let pairs: Vec<(&str, &str)> = [
            ("user", self.user.as_str()),
            ("action", self.action.as_str()),
            ("entity", self.entity.as_str()),
            ("id", self.id.as_str()),
            ("from", self.from.as_str()),
            ("until", self.until.as_str()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }

    fn before(&self) -> Result<Option<i64>, String> {
        match self.before.trim() {
            "" => Ok(None),
            text => text
                .parse()
                .map(Some)
                .map_err(|_| format!("before {text:?} is not an entry number")),
        }
    }
}

/// A day as `yyyy-mm-dd` (an `<input type=date>`) or `dd/mm/yyyy`.
fn parse_day(text: &str) -> Option<Date> {
    if let Ok(date) = text.parse::<Date>() {
        return Some(date);
    }
    let mut parts = text.split('/');
    let (Some(d), Some(m), Some(y), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
}

/// `GET /audit`: the filtered trail, newest first.
pub async fn audit_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Query(params): Query<AuditParams>,
) -> Result<AuditPage, PageError> {
    current.require(Permission::ReadAudit)?;
    let tz = state.config.time_zone().clone();
    let filter = params
        .filter(&tz, current.lang)
        .map_err(|e| bad_request(&current, &e))?;
    let before = params.before().map_err(|e| bad_request(&current, &e))?;
    let may_verify = current.may(Permission::VerifyAudit);
    let verify = may_verify && params.verify == "1";
    let store = Arc::clone(&state.store);
    let (records, users, actions, report) = on_store(&current, move || {
        let records = store.audit_trail(&filter, before, PAGE_SIZE + 1)?;
        let users = store.list_users()?;
        let actions = store.audit_actions()?;
        let report = if verify {
            Some(store.verify_audit()?)
        } else {
            None
        };
        Ok((records, users, actions, report))
    })
    .await?;
    let lang = current.lang;
    let more = records.len() > PAGE_SIZE;
    let lines: Vec<AuditLine> = records
        .iter()
        .take(PAGE_SIZE)
        .map(|r| shown(line(&r.entry, r.client_address.as_deref(), &tz, lang)))
        .collect();
    let query = params.query();
    let with = |extra: &str| {
        let sep = if query.is_empty() || extra.is_empty() {
            ""
        } else {
            "&"
        };
        if query.is_empty() && extra.is_empty() {
            MonitorUrls::Audit.as_str().to_owned()
        } else {
            format!("{}?{query}{sep}{extra}", MonitorUrls::Audit)
        }
    };
    let older_url = more
        .then(|| lines.last().map(|l| with(&format!("before={}", l.seq))))
        .flatten();
    let mut user_choices = vec![Choice {
        value: "system".into(),
        label: "system".into(),
        selected: params.user == "system",
    }];
    user_choices.extend(users.iter().map(|u| {
        let value = format!("user:{}", u.id);
        Choice {
            selected: params.user == value,
            label: format!("{} ({})", u.display_name, u.username),
            value,
        }
    }));
    Ok(AuditPage {
        layout: current.layout(Nav::Audit),
        title: MonitorMsg::AuditTitle.text(lang).to_owned(),
        global: true,
        lines,
        users: user_choices,
        actions: actions
            .into_iter()
            .map(|a| Choice {
                selected: params.action == a,
                label: action_words(&a, lang).map_or_else(|| a.clone(), |w| format!("{w} ({a})")),
                value: a,
            })
            .collect(),
        entity: params.entity.clone(),
        entity_id: params.id.clone(),
        from: params.from.clone(),
        until: params.until.clone(),
        older_url,
        later_page: before.is_some(),
        first_url: with(""),
        csv_url: if query.is_empty() {
            MonitorUrls::AuditCsv.as_str().to_owned()
        } else {
            format!("{}?{query}", MonitorUrls::AuditCsv)
        },
        may_verify,
        verify_url: with("verify=1"),
        verified: report.map(|r| chain_words(&r, lang)),
    })
}

/// `GET /audit/specimens/{id}`: everything about one specimen, in chain order.
pub async fn audit_specimen_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<AuditPage, PageError> {
    current.require(Permission::ReadAudit)?;
    let store = Arc::clone(&state.store);
    let barcode = id.clone();
    let (entries, addresses) = on_store(&current, move || {
        let entries = store.specimen_history(&barcode)?;
        let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
        Ok((entries, store.audit_addresses(&seqs)?))
    })
    .await?;
    let title = MonitorMsg::AuditSpecimenTitle.fill(current.lang, &[("id", &id)]);
    Ok(history_page(&current, &state, title, &entries, &addresses))
}

/// `GET /audit/results/{id}`: every version of one result's test, in chain order.
pub async fn audit_result_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<AuditPage, PageError> {
    current.require(Permission::ReadAudit)?;
    let Ok(result) = id.parse::<i64>() else {
        return Err(current
            .error_page(axum::http::StatusCode::NOT_FOUND, Msg::ErrorNotFound)
            .into());
    };
    let store = Arc::clone(&state.store);
    let (entries, addresses) = on_store(&current, move || {
        let entries = store.result_history(result)?;
        let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
        Ok((entries, store.audit_addresses(&seqs)?))
    })
    .await?;
    let title = MonitorMsg::AuditResultTitle.fill(current.lang, &[("id", &id)]);
    Ok(history_page(&current, &state, title, &entries, &addresses))
}

fn history_page(
    current: &CurrentUser,
    state: &AppState,
    title: String,
    entries: &[HistoryEntry],
    addresses: &HashMap<i64, String>,
) -> AuditPage {
    let tz = state.config.time_zone();
    AuditPage {
        layout: current.layout(Nav::Audit),
        title,
        global: false,
        lines: entries
            .iter()
            .map(|e| {
                line(
                    e,
                    addresses.get(&e.seq).map(String::as_str),
                    tz,
                    current.lang,
                )
            })
            .collect(),
        users: Vec::new(),
        actions: Vec::new(),
        entity: String::new(),
        entity_id: String::new(),
        from: String::new(),
        until: String::new(),
        older_url: None,
        later_page: false,
        first_url: MonitorUrls::Audit.as_str().to_owned(),
        csv_url: MonitorUrls::AuditCsv.as_str().to_owned(),
        may_verify: false,
        verify_url: String::new(),
        verified: None,
    }
}

/// `GET /audit.csv`: the filtered trail, newest first, as CSV for Excel.
pub async fn audit_csv_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Query(params): Query<AuditParams>,
) -> Result<Response, PageError> {
    current.require(Permission::ReadAudit)?;
    let tz = state.config.time_zone().clone();
    let filter = params
        .filter(&tz, current.lang)
        .map_err(|e| bad_request(&current, &e))?;
    let lang = current.lang;
    let store = Arc::clone(&state.store);
    let csv = on_store(&current, move || {
        let mut out = Csv::new();
        out.row(&[
            MonitorMsg::ColSeq.text(lang),
            MonitorMsg::ColTime.text(lang),
            MonitorMsg::ColWho.text(lang),
            MonitorMsg::ColWhat.text(lang),
            MonitorMsg::FilterAction.text(lang),
            MonitorMsg::ColObject.text(lang),
            "old",
            "new",
            MonitorMsg::ColReason.text(lang),
            MonitorMsg::ColAddress.text(lang),
        ]);
        let mut before = None;
        loop {
            let batch: Vec<AuditRecord> = store.audit_trail(&filter, before, CSV_BATCH)?;
            for r in &batch {
                let l = line(&r.entry, r.client_address.as_deref(), &tz, lang);
                out.row(&[
                    &l.seq.to_string(),
                    &l.when,
                    &l.who,
                    &l.what,
                    &l.action,
                    &l.object,
                    &l.before,
                    &l.after,
                    &l.reason,
                    &l.address,
                ]);
            }
            match batch.last() {
                Some(last) if batch.len() == CSV_BATCH => before = Some(last.entry.seq),
                _ => break,
            }
        }
        Ok(out.finish())
    })
    .await?;
    let name = format!(
        "attachment; filename=\"audit-{}.csv\"",
        Timestamp::now()
            .to_zoned(state.config.time_zone().clone())
            .strftime("%Y%m%d-%H%M")
    );
    let mut response = csv.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&name) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// CSV as RFC 4180 writes it (fields with a comma, a quote or a line break are quoted, quotes
/// doubled, CRLF between records), in UTF-8 after a byte-order mark so Excel reads the
/// Vietnamese letters. A field that starts with `=`, `+`, `-` or `@` is prefixed with `'` so a
/// spreadsheet shows it as text instead of running it as a formula.
#[derive(Debug)]
pub struct Csv {
    out: String,
}

impl Csv {
    /// An empty document (the byte-order mark alone).
    pub fn new() -> Self {
        Self {
            out: String::from('\u{feff}'),
        }
    }

    /// Appends one record.
    pub fn row(&mut self, fields: &[&str]) {
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            let guarded;
            let field = if field.starts_with(['=', '+', '-', '@']) {
                guarded = format!("'{field}");
                guarded.as_str()
            } else {
                field
            };
            if field.contains([',', '"', '\r', '\n']) {
                self.out.push('"');
                self.out.push_str(&field.replace('"', "\"\""));
                self.out.push('"');
            } else {
                self.out.push_str(field);
            }
        }
        self.out.push_str("\r\n");
    }

    /// The document.
    pub fn finish(self) -> String {
        self.out
    }
}

impl Default for Csv {
    fn default() -> Self {
        Self::new()
    }
}

/// The longest old or new value the page shows whole, in characters; the CSV has all of it.
pub const SHOWN_VALUE_CHARS: usize = 160;

/// `text` cut to [`SHOWN_VALUE_CHARS`] with "…" when longer (for the page, not the CSV).
fn shortened(text: &str) -> String {
    match text.char_indices().nth(SHOWN_VALUE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// One entry in words.
fn line(h: &HistoryEntry, address: Option<&str>, tz: &TimeZone, lang: Lang) -> AuditLine {
    let side = |v: &Option<serde_json::Value>| flags::audit_side_words(v.as_ref(), lang);
    let object_url = match h.entity.as_str() {
        "specimen" => Some(format!(
            "/audit/specimens/{}",
            urls::encode_segment(&h.entity_id)
        )),
        "result" => Some(format!(
            "/audit/results/{}",
            urls::encode_segment(&h.entity_id)
        )),
        "unmatched" => Some(format!(
            "{}/{}",
            MonitorUrls::Unmatched,
            urls::encode_segment(&h.entity_id)
        )),
        "journal" => Some(format!("/journal/{}", urls::encode_segment(&h.entity_id))),
        _ => None,
    };
    AuditLine {
        seq: h.seq,
        when: dates::date_time(h.at, tz),
        who: h
            .actor
            .display_name
            .clone()
            .unwrap_or_else(|| h.actor.stored.clone()),
        what: action_words(&h.action, lang).map_or_else(|| h.action.clone(), str::to_owned),
        action: h.action.clone(),
        object: format!("{} {}", h.entity, h.entity_id),
        object_url,
        before: side(&h.old),
        after: side(&h.new),
        reason: h.reason.clone().unwrap_or_default(),
        address: address.unwrap_or_default().to_owned(),
    }
}

/// A line as the page shows it: long values shortened.
fn shown(mut l: AuditLine) -> AuditLine {
    l.before = shortened(&l.before);
    l.after = shortened(&l.after);
    l
}

/// An action code in the catalog's words, where it has them.
fn action_words(action: &str, lang: Lang) -> Option<&'static str> {
    let review = match action {
        "result.store" | "result.ingest" | "result.receive" => Some(Msg::HistoryResultStored),
        "result.hold" => Some(Msg::HistoryHold),
        "result.autoverify" => Some(Msg::HistoryAutoverify),
        "result.verify" | "result.verify_all_clear" => Some(Msg::HistoryVerify),
        "result.release" | "result.release_all_clear" => Some(Msg::HistoryRelease),
        "result.reject" => Some(Msg::HistoryReject),
        "result.request_rerun" => Some(Msg::HistoryRerun),
        "result.correct" | "result.correction_version" => Some(Msg::HistoryCorrect),
        "result.callback" => Some(Msg::HistoryCallback),
        "specimen.comment" => Some(Msg::HistoryComment),
        _ => None,
    };
    if let Some(msg) = review {
        return Some(msg.text(lang));
    }
    let monitor = match action {
        "unmatched.attach" => MonitorMsg::ActionUnmatchedAttach,
        "unmatched.discard" => MonitorMsg::ActionUnmatchedDiscard,
        "message.ingest" => MonitorMsg::ActionMessageIngest,
        "order.place" => MonitorMsg::ActionOrderPlace,
        "user.sign_in" => MonitorMsg::ActionSignIn,
        "user.locked" | "sign_in.locked" => MonitorMsg::ActionUserLocked,
        "config.load" => MonitorMsg::ActionConfigLoad,
        _ => return None,
    };
    Some(monitor.text(lang))
}

/// The chain check in words: whether it is intact, and the sentence.
fn chain_words(report: &AuditReport, lang: Lang) -> (bool, String) {
    match report.first_broken_seq() {
        None => (
            true,
            MonitorMsg::ChainIntact.fill(
                lang,
                &[
                    ("entries", &report.entries.to_string()),
                    ("head", &report.head),
                ],
            ),
        ),
        Some(seq) => {
            let problems: Vec<String> = report
                .problems
                .iter()
                .map(|p| match p {
                    AuditProblem::Edited { seq } => {
                        MonitorMsg::ChainEdited.fill(lang, &[("seq", &seq.to_string())])
                    }
                    AuditProblem::BrokenLink { seq } => {
                        MonitorMsg::ChainLinkBroken.fill(lang, &[("seq", &seq.to_string())])
                    }
                    AuditProblem::Gap { expected, found } => MonitorMsg::ChainGap.fill(
                        lang,
                        &[
                            ("expected", &expected.to_string()),
                            ("found", &found.to_string()),
                        ],
                    ),
                })
                .collect();
            (
                false,
                MonitorMsg::ChainBroken.fill(
                    lang,
                    &[
                        ("seq", &seq.to_string()),
                        ("problems", &problems.join("; ")),
                    ],
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests;
