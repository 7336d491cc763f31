//! What every page's frame (`templates/base.html`) shows: the lab, the signed-in user, the
//! language switch, sign-out, navigation, notices and the keyboard help.

use lis_core::model::Role;

use super::assets;
use super::i18n::{Lang, Msg, Text};
use super::urls::Urls;

/// The frame of one page, filled by the handler from the session and the lab's config.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The page's language.
    pub lang: Lang,
    /// The lab's name, from `[lab] name`.
    pub lab_name: String,
    /// The signed-in user; `None` on the sign-in and error pages of a visitor.
    pub user: Option<SignedInUser>,
    /// The session's CSRF token, put in every form the frame and the page render.
    pub csrf_token: String,
    /// The current path and query, where the language switch returns to.
    pub path: String,
    /// Which navigation entry is the current page.
    pub nav: Nav,
    /// A notice to show once (after an action's redirect).
    pub notice: Option<Notice>,
    /// Which navigation entries the user's roles may open (the others are not shown).
    pub rights: NavRights,
    /// The analyzer links in silence alarm, in words, shown under the header (the worklist and
    /// the instruments page set it).
    pub alarm: Option<String>,
}

/// The navigation entries a user's roles may open; all false for a visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NavRights {
    /// The worklist (`Review`).
    pub worklist: bool,
    /// Specimen reception (`Review`).
    pub reception: bool,
    /// The patient search and history (`Review`).
    pub patients: bool,
    /// The turnaround dashboard (`ReadTurnaround`).
    pub turnaround: bool,
    /// The lab configuration (`ReadConfig`).
    pub config: bool,
    /// The users page (`ManageUsers`).
    pub users: bool,
    /// The unmatched queue (`Review`).
    pub unmatched: bool,
    /// The instruments (`Review`).
    pub instruments: bool,
    /// The audit trail (`ReadAudit`).
    pub audit: bool,
    /// The quality control pages (`ReadQc`).
    pub qc: bool,
}

/// The signed-in user as the header shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInUser {
    /// The name shown on reports.
    pub display_name: String,
    /// Their role.
    pub role: Role,
}

/// The navigation entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    /// No entry is current (sign-in, errors).
    None,
    /// The worklist and the specimen pages reached from it.
    Worklist,
    /// The patient search and a patient's cumulative report.
    Patients,
    /// The turnaround dashboard.
    Turnaround,
    /// The administration pages (users, lab configuration).
    Admin,
    /// The unmatched queue.
    Unmatched,
    /// The instruments.
    Instruments,
    /// The audit trail.
    Audit,
    /// Specimen reception.
    Reception,
    /// The quality control pages.
    Qc,
}

/// A one-time message at the top of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// How it reads.
    pub kind: NoticeKind,
    /// The message, already in the page's language.
    pub text: String,
}

/// Whether a notice reports success or a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// The action was done.
    Done,
    /// The action was not done; the text says why.
    Problem,
}

impl NoticeKind {
    /// The CSS class.
    pub fn class(self) -> &'static str {
        match self {
            Self::Done => "notice notice-done",
            Self::Problem => "notice notice-problem",
        }
    }

    /// The symbol shown before the text (never colour alone).
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Done => "✓",
            Self::Problem => "!",
        }
    }
}

impl Layout {
    /// A frame for a visitor who has not signed in.
    pub fn visitor(lang: Lang, lab_name: impl Into<String>, csrf_token: impl Into<String>) -> Self {
        Self {
            lang,
            lab_name: lab_name.into(),
            user: None,
            csrf_token: csrf_token.into(),
            path: Urls::Login.as_str().to_owned(),
            nav: Nav::None,
            notice: None,
            rights: NavRights::default(),
            alarm: None,
        }
    }

    /// A frame for a signed-in user on the page at `path` (path and query, as requested).
    pub fn signed_in(
        lang: Lang,
        lab_name: impl Into<String>,
        user: SignedInUser,
        csrf_token: impl Into<String>,
        path: impl Into<String>,
        nav: Nav,
    ) -> Self {
        Self {
            lang,
            lab_name: lab_name.into(),
            user: Some(user),
            csrf_token: csrf_token.into(),
            path: path.into(),
            nav,
            notice: None,
            rights: NavRights::default(),
            alarm: None,
        }
    }

    /// Where a visitor's language switch goes: the sign-in page in the other language, keeping
    /// the `next` of [`path`](Self::path) when it has one (`/login?next=%2Fx&lang=en`).
    pub fn visitor_switch_url(&self) -> String {
        let next = self
            .path
            .split_once('?')
            .map(|(_, q)| q)
            .into_iter()
            .flat_map(|q| q.split('&'))
            .find(|pair| pair.starts_with("next="));
        let other = self.lang.other().code();
        match next {
            Some(next) => format!("{}?{next}&lang={other}", Urls::Login.as_str()),
            None => format!("{}?lang={other}", Urls::Login.as_str()),
        }
    }

    /// A text of the monitoring pages' catalog (the navigation entries).
    /// A text of the catalog in the page's language.
    pub fn t(&self, msg: impl Text) -> &'static str {
        msg.text(self.lang)
    }

    /// The word for the signed-in user's role (empty for a visitor).
    pub fn role_word(&self) -> &'static str {
        self.user.as_ref().map_or("", |u| self.t(role_msg(u.role)))
    }

    /// Whether `nav` is the current entry.
    pub fn is_current(&self, nav: Nav) -> bool {
        self.nav == nav
    }

    /// The stylesheet's URL.
    pub fn css_url(&self) -> &'static str {
        assets::css_url()
    }

    /// The script's URL.
    pub fn js_url(&self) -> &'static str {
        assets::js_url()
    }

    /// The icon's URL.
    pub fn icon_url(&self) -> &'static str {
        assets::icon_url()
    }
}

/// The catalog word for a role.
pub fn role_msg(role: Role) -> Msg {
    match role {
        Role::Technician => Msg::RoleTechnician,
        Role::Supervisor => Msg::RoleSupervisor,
        Role::Admin => Msg::RoleAdmin,
    }
}
