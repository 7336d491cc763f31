//! `GET /journal/{id}`: the raw message a result came in, as the analyzer or HIS sent it, with
//! control characters named so framing (`<STX>`, `<CR>`, `<ETX>`) can be read on the page.

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use lis_core::permissions::Permission;

use super::dates;
use super::error_page::PageError;
use super::i18n::Msg;
use super::layout::{Layout, Nav};
use super::session::CurrentUser;
use crate::error::AppError;
use crate::request::blocking;
use crate::state::AppState;

/// `GET /journal/{id}`.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "journal.html")]
pub struct JournalPage {
    /// The frame.
    pub layout: Layout,
    /// The journal entry's id.
    pub id: i64,
    /// The instrument or HIS it came from.
    pub instrument: String,
    /// The link.
    pub link: String,
    /// The protocol.
    pub protocol: String,
    /// When it was received (`dd/MM/yyyy HH:mm`).
    pub received: String,
    /// Why it did not parse, if it did not.
    pub parse_error: Option<String>,
    /// The bytes as text, control characters made visible ([`visible`]).
    pub text: String,
}

/// `GET /journal/{id}`: the raw message as received, control characters made visible.
pub async fn journal_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<JournalPage, PageError> {
    current.require(Permission::Review)?;
    let Ok(id) = id.parse::<i64>() else {
        return Err(current
            .error_page(StatusCode::NOT_FOUND, Msg::ErrorNotFound)
            .into());
    };
    let store = Arc::clone(&state.store);
    let entry = blocking(move || Ok::<_, AppError>(store.journal_entry(id)))
        .await
        .map_err(|e| current.error_message(e.status(), e.to_string()))?
        .map_err(|e| current.store_error(e))?;
    Ok(JournalPage {
        layout: current.layout(Nav::Worklist),
        id: entry.id,
        instrument: entry.instrument,
        link: entry.link,
        protocol: entry.protocol,
        received: dates::date_time(entry.received_at, state.config.time_zone()),
        parse_error: entry.parse_error,
        text: visible(&entry.raw),
    })
}

/// The bytes as text with control characters named (`<STX>`, `<CR>`, `<ETX>`…), a line break
/// kept after each CR or LF so segments and records read one per line; bytes that are not
/// UTF-8 are shown as `\xNN`.
pub fn visible(raw: &[u8]) -> String {
    const NAMES: [&str; 32] = [
        "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR",
        "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB",
        "ESC", "FS", "GS", "RS", "US",
    ];
    let mut out = String::with_capacity(raw.len() + raw.len() / 8);
    for chunk in raw.utf8_chunks() {
        for c in chunk.valid().chars() {
            match u32::from(c) {
                n @ 0..=31 => {
                    out.push('<');
                    // n is at most 31, the last index of NAMES.
                    out.push_str(NAMES[n as usize]);
                    out.push('>');
                    if c == '\r' || c == '\n' {
                        out.push('\n');
                    }
                }
                127 => out.push_str("<DEL>"),
                _ => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::visible;

    #[test]
    fn raw_bytes_show_control_characters_by_name() {
        assert_eq!(visible(b"\x02H|\\^&\r\x03A1"), "<STX>H|\\^&<CR>\n<ETX>A1");
        assert_eq!(visible(b"MSH\x0b\xff"), "MSH<VT>\\xFF");
        assert_eq!(visible("Đức\n".as_bytes()), "Đức<LF>\n");
    }
}
