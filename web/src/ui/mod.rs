//! The technicians' web UI: server-rendered pages from askama templates (`web/templates/`),
//! one embedded stylesheet and script (`web/assets/`), and the typed string catalog.
//!
//! Module map:
//! - [`i18n`]: [`Lang`] and the catalog [`Msg`]: every word a page shows, in Vietnamese and
//!   English.
//! - [`dates`]: `dd/MM/yyyy HH:mm` in the lab's time zone and "time since".
//! - [`flags`]: flags, checks and result states as symbol + word + CSS class.
//! - [`urls`]: the UI's paths ([`Urls`], [`urls::specimen`]).
//! - [`assets`]: the embedded files at content-hashed URLs ([`statics_router`]).
//! - [`layout`]: the frame of every page ([`Layout`]): lab, user, language, sign-out, notices.
//! - One module per page: [`login`] (sign-in, password change), [`worklist`], [`specimen`],
//!   [`error_page`], [`patients`] (search, cumulative report and trend charts),
//!   [`turnaround`] (the turnaround dashboard), [`admin`] (users, the lab configuration);
//!   [`monitor`] groups the unmatched queue, the instruments and the audit trail;
//!   [`reception`] (the scan page and the label page; handlers in [`reception_routes`], the
//!   Code 128 SVG in [`label`]), [`report`] (the printed result report; handlers in
//!   [`report_routes`]), [`qc`] (quality control: states, Levey-Jennings charts, manual
//!   entry, targets, overrides).
//! - Who is signed in and what they may send: [`session`] ([`CurrentUser`], the permission
//!   check, error pages in the user's language), [`csrf`] ([`CsrfForm`], the Origin check),
//!   [`cookies`] (`lis_session`, `lis_login_csrf`); [`sign_in`] has the handlers of `/login`,
//!   `/logout`, `/password` and `/language`; [`routes()`] assembles every UI route.
//!
//! Pages carry no inline script or style, so the Content-Security-Policy can forbid both;
//! they work without JavaScript (plain links and forms), and the script adds live updates
//! and keyboard shortcuts on top.

pub mod admin;
pub mod antibiogram;
pub mod assets;
pub mod cookies;
pub mod csrf;
pub mod dates;
pub mod error_page;
pub mod flags;
pub mod i18n;
pub mod journal;
pub mod label;
pub mod layout;
pub mod login;
pub mod monitor;
#[cfg(test)]
pub(crate) mod page_tests;
pub mod patients;
pub mod qc;
pub mod reception;
pub mod reception_routes;
pub mod report;
pub mod report_routes;
pub mod result_texts;
pub mod routes;
pub mod session;
pub mod sign_in;
pub mod specimen;
pub mod specimen_actions;
pub mod specimen_graphs;
pub mod specimen_notice;
pub mod specimen_routes;
pub mod specimen_values;
pub mod turnaround;
pub mod urls;
pub mod why_held;
pub mod worklist;
pub mod worklist_routes;

pub use assets::statics_router;
pub use csrf::CsrfForm;
pub use i18n::{Lang, Msg, Text};
pub use layout::Layout;
pub use routes::routes;
pub use session::CurrentUser;
pub use urls::Urls;

/// The Content-Security-Policy the pages are written for: nothing inline, everything from the
/// origin (the script, the stylesheet, the icon, the live stream and the rows fragment), forms
/// only to the origin, never framed. The security-header middleware sends it on every response.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// Test helpers shared by the page modules.
#[cfg(test)]
pub(crate) mod testing {
    pub(crate) mod browser;
    pub(crate) mod lab;
    pub(crate) mod specimen_lab;

    /// Asserts that a rendered page has no inline script, no inline style and no inline event
    /// handler, and loads scripts only from `/assets/`: what a `script-src 'self'` CSP allows.
    pub(crate) fn assert_no_inline_code(html: &str) {
        assert!(!html.contains("<style"), "an inline <style>");
        assert!(!html.contains(" style="), "an inline style attribute");
        assert!(!html.contains("javascript:"), "a javascript: URL");
        for (i, _) in html.match_indices(" on") {
            let rest = &html[i + 3..];
            let name_len = rest.bytes().take_while(u8::is_ascii_lowercase).count();
            assert!(
                name_len == 0 || !rest[name_len..].starts_with('='),
                "an inline event handler: {}",
                &html[i..(i + 40).min(html.len())]
            );
        }
        for (i, _) in html.match_indices("<script") {
            assert!(
                html[i..].starts_with("<script src=\"/assets/app."),
                "an inline <script>"
            );
        }
    }

    #[test]
    fn the_policy_allows_nothing_inline_and_only_the_origin() {
        let directives: Vec<(&str, &str)> = super::CONTENT_SECURITY_POLICY
            .split(';')
            .filter_map(|d| d.trim().split_once(' '))
            .collect();
        let get = |name: &str| directives.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        assert_eq!(get("default-src"), Some("'none'"));
        assert_eq!(get("script-src"), Some("'self'"));
        assert_eq!(get("style-src"), Some("'self'"));
        // The live stream and the rows fragment are fetched from the origin.
        assert_eq!(get("connect-src"), Some("'self'"));
        assert_eq!(get("form-action"), Some("'self'"));
        assert_eq!(get("frame-ancestors"), Some("'none'"));
        assert!(!super::CONTENT_SECURITY_POLICY.contains("unsafe"));
    }
}
