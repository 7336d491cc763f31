//! The one error page every failed UI request renders: the status, what went wrong in the
//! page's language, and the way back.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::i18n::{Msg, Text};
use super::layout::Layout;
use super::urls::Urls;

/// An error page with its HTTP status.
#[derive(Debug, Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// The frame.
    pub layout: Layout,
    /// The status it is served with.
    pub status: StatusCode,
    /// What went wrong, in the page's language.
    pub message: String,
}

impl ErrorPage {
    /// An error page whose message is one catalog text.
    pub fn new(layout: Layout, status: StatusCode, msg: Msg) -> Self {
        let message = msg.text(layout.lang).to_owned();
        Self {
            layout,
            status,
            message,
        }
    }

    /// The status code as digits.
    pub fn code(&self) -> u16 {
        self.status.as_u16()
    }

    /// Where "back" goes: the worklist when signed in, else the sign-in page.
    pub fn back_url(&self) -> &'static str {
        if self.layout.user.is_some() {
            Urls::Worklist.as_str()
        } else {
            Urls::Login.as_str()
        }
    }

    /// The words of the way back.
    pub fn back_text(&self) -> &'static str {
        if self.layout.user.is_some() {
            self.layout.t(Msg::BackToWorklist)
        } else {
            self.layout.t(Msg::SignInTitle)
        }
    }
}

impl IntoResponse for ErrorPage {
    fn into_response(self) -> Response {
        match self.render() {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "the error page did not render");
                (self.status, self.message).into_response()
            }
        }
    }
}

/// An error page as a handler's `Err`: `Result<impl IntoResponse, PageError>` lets a handler
/// write `current.require(Permission::Verify)?` and `.map_err(|e| current.store_error(e))?`
/// (an [`ErrorPage`] converts with `?`). Boxed, because a page with its frame is large.
#[derive(Debug)]
pub struct PageError(pub Box<ErrorPage>);

impl From<ErrorPage> for PageError {
    fn from(page: ErrorPage) -> Self {
        Self(Box::new(page))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;
    use lis_core::model::Role;

    use super::*;
    use crate::ui::i18n::Lang;
    use crate::ui::layout::SignedInUser;

    fn signed_in(lang: Lang) -> Layout {
        let mut layout = Layout::visitor(lang, "Lab", "tok");
        layout.user = Some(SignedInUser {
            display_name: "Trần Thị B".into(),
            role: Role::Technician,
        });
        layout.path = "/specimens/S9".into();
        layout
    }

    #[tokio::test]
    async fn forbidden_is_a_403_page_in_the_users_language() {
        let resp = ErrorPage::new(
            signed_in(Lang::Vi),
            StatusCode::FORBIDDEN,
            Msg::ErrorForbidden,
        )
        .into_response();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        assert_eq!(resp.headers()["content-type"], "text/html; charset=utf-8");
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        let html = String::from_utf8(body.to_vec()).unwrap();
        assert!(html.contains("Vai trò của bạn không được phép làm việc này."));
        assert!(html.contains(">403<"));
        assert!(html.contains("href=\"/\""));
        assert!(html.contains("Về danh sách chờ duyệt"));
        // The signed-in user keeps the frame: name, role, sign-out.
        assert!(html.contains("Trần Thị B"));
        assert!(html.contains("Kỹ thuật viên"));
        assert!(html.contains("action=\"/logout\""));
    }

    #[test]
    fn a_stale_version_names_who_changed_it() {
        let layout = signed_in(Lang::En);
        let message = Msg::ErrorStaleVersion.fill(
            layout.lang,
            &[("who", "Lê Văn C"), ("when", "07/12/2026 08:30")],
        );
        let html = ErrorPage {
            layout,
            status: StatusCode::CONFLICT,
            message,
        }
        .render()
        .unwrap();
        assert!(html.contains("Lê Văn C changed this result at 07/12/2026 08:30."));
        assert!(html.contains(">409<"));
    }

    #[test]
    fn a_visitor_is_sent_to_sign_in() {
        let html = ErrorPage::new(
            Layout::visitor(Lang::En, "Lab", "tok"),
            StatusCode::UNAUTHORIZED,
            Msg::ErrorSessionExpired,
        )
        .render()
        .unwrap();
        assert!(html.contains("Your session has expired. Please sign in again."));
        assert!(html.contains("href=\"/login\""));
        assert!(!html.contains("action=\"/logout\""));
    }
}
