//! The sign-in page and the password change page (templates only; the handlers that check
//! credentials live with the session code).

use askama::Template;
use askama_web::WebTemplate;

use super::i18n::{Msg, Text};
use super::layout::Layout;
use super::urls::Urls;

/// `GET /login`: a form posting `username`, `password`, `csrf` and `next` to [`Urls::Login`].
#[derive(Debug, Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    /// The frame (a visitor's: no user).
    pub layout: Layout,
    /// The username to fill in again after a failed attempt (never the password).
    pub username: String,
    /// Why the last attempt failed, in the page's language ([`Msg::WrongCredentials`],
    /// [`Msg::AccountLocked`], [`Msg::ErrorSessionExpired`], ...).
    pub problem: Option<String>,
    /// Where to go after signing in (a local path), sent back as a hidden input.
    pub next: String,
}

/// `GET /password`: a form posting `current_password`, `new_password`, `confirm_password` and
/// `csrf` to [`Urls::Password`].
#[derive(Debug, Template, WebTemplate)]
#[template(path = "password.html")]
pub struct PasswordPage {
    /// The frame.
    pub layout: Layout,
    /// Whether the user must change the password before anything else (first sign-in).
    pub must_change: bool,
    /// The minimum length, for the hint and the input's `minlength`.
    pub min_length: usize,
    /// Why the last attempt failed, in the page's language.
    pub problem: Option<String>,
}

impl LoginPage {
    /// The sign-in form's target.
    pub fn action(&self) -> &'static str {
        Urls::Login.as_str()
    }
}

impl PasswordPage {
    /// The form's target.
    pub fn action(&self) -> &'static str {
        Urls::Password.as_str()
    }

    /// The minimum-length hint.
    pub fn min_hint(&self) -> String {
        Msg::PasswordTooShort.fill(self.layout.lang, &[("min", &self.min_length.to_string())])
    }
}

#[cfg(test)]
mod tests {
    use lis_core::model::Role;

    use super::*;
    use crate::ui::i18n::Lang;
    use crate::ui::layout::SignedInUser;

    fn login(lang: Lang, problem: Option<Msg>) -> String {
        LoginPage {
            layout: Layout::visitor(lang, "Khoa Xét nghiệm <BV 1>", "tok&en\"1"),
            username: "nguyen\"><script>".into(),
            problem: problem.map(|m| m.text(lang).to_owned()),
            next: "/specimens/S1".into(),
        }
        .render()
        .unwrap()
    }

    #[test]
    fn login_form_has_the_named_inputs_and_the_csrf_token() {
        let html = login(Lang::En, None);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<html lang=\"en\">"));
        assert!(html.contains("<form method=\"post\" action=\"/login\""));
        assert!(html.contains("name=\"username\""));
        assert!(html.contains("type=\"password\""));
        assert!(html.contains("name=\"password\""));
        assert!(html.contains("<input type=\"hidden\" name=\"csrf\" value=\"tok&#38;en&#34;1\">"));
        assert!(html.contains("<input type=\"hidden\" name=\"next\" value=\"/specimens/S1\">"));
        assert!(html.contains(">Sign in</button>"));
        // The visitor sees no sign-out and no navigation.
        assert!(!html.contains(Urls::Logout.as_str()));
        assert!(!html.contains("<nav"));
    }

    #[test]
    fn login_escapes_what_the_visitor_typed() {
        let html = login(Lang::En, None);
        assert!(!html.contains("<script>"));
        assert!(html.contains("value=\"nguyen&#34;&#62;&#60;script&#62;\""));
        assert!(html.contains("Khoa Xét nghiệm &#60;BV 1&#62;"));
    }

    #[test]
    fn login_in_vietnamese_with_a_problem() {
        let html = login(Lang::Vi, Some(Msg::WrongCredentials));
        assert!(html.contains("<html lang=\"vi\">"));
        assert!(html.contains("Tên đăng nhập"));
        assert!(html.contains("Mật khẩu"));
        assert!(html.contains("Tên đăng nhập hoặc mật khẩu không đúng."));
        assert!(html.contains("role=\"alert\""));
        // The switch offers English, as a link to this page in English.
        assert!(html.contains("href=\"/login?lang=en\""));
        assert!(html.contains(">English</a>"));
    }

    #[test]
    fn no_inline_script_or_style() {
        let html = login(Lang::Vi, Some(Msg::WrongCredentials));
        crate::ui::testing::assert_no_inline_code(&html);
        assert_eq!(html.matches("<script").count(), 1);
    }

    #[test]
    fn password_page_for_a_first_sign_in() {
        let mut layout = Layout::visitor(Lang::Vi, "Lab", "t0k");
        layout.user = Some(SignedInUser {
            display_name: "Quản trị".into(),
            role: Role::Admin,
        });
        let html = PasswordPage {
            layout,
            must_change: true,
            min_length: 10,
            problem: None,
        }
        .render()
        .unwrap();
        assert!(html.contains("Bạn phải đổi mật khẩu trước khi tiếp tục."));
        for name in [
            "current_password",
            "new_password",
            "confirm_password",
            "csrf",
        ] {
            assert!(html.contains(&format!("name=\"{name}\"")), "{name}");
        }
        assert!(html.contains("minlength=\"10\""));
        assert!(html.contains("Mật khẩu phải có ít nhất 10 ký tự."));
        // Signed in: sign-out is a POST form carrying the token.
        assert!(html.contains("<form class=\"sign-out\" method=\"post\" action=\"/logout\">"));
        assert!(html.contains(">Đăng xuất</button>"));
        assert!(html.contains("Quản trị hệ thống"));
    }
}
