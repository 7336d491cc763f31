//! The string catalogs: every word a UI page shows, in Vietnamese and English.
//!
//! A catalog is an enum declared by `catalog!` from a table of `Name => ("vi", "en")` lines,
//! so an entry without one of its languages does not compile. [`Msg`] holds the words every
//! page shares and those of the review pages; a family of pages may declare its own catalog
//! next to its module (the same macro), and every catalog is checked by `check_catalog`:
//! no text is empty, the two languages differ (except words listed as the same in both), and
//! a text's `{placeholders}` are the same in both languages.

mod review;

/// A language the UI speaks: core's [`lis_core::config::Language`] (the lab's `[lab] language`
/// and each user's choice are the same type).
pub use lis_core::config::Language as Lang;
/// A language code that is not `vi` or `en`.
pub use lis_core::config::UnknownLanguage as UnknownLang;
pub use review::Msg;

/// A text of a catalog, in both languages.
pub trait Text: Copy + std::fmt::Debug + 'static {
    /// Every text of the catalog, in catalog order.
    const ALL: &'static [Self];

    /// The Vietnamese and English texts.
    fn pair(self) -> (&'static str, &'static str);

    /// The text in `lang`.
    fn text(self, lang: Lang) -> &'static str {
        let (vi, en) = self.pair();
        match lang {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }

    /// The text in `lang` with each `{name}` replaced by its value; a placeholder with no value
    /// is left as it is, so a forgotten argument shows on the page instead of vanishing.
    fn fill(self, lang: Lang, args: &[(&str, &str)]) -> String {
        let mut out = self.text(lang).to_owned();
        for (name, value) in args {
            out = out.replace(&format!("{{{name}}}"), value);
        }
        out
    }
}

/// Declares a catalog enum and its texts from one table of `Name => ("vi", "en")` lines.
macro_rules! catalog {
    ($(#[$meta:meta])* $vis:vis enum $catalog:ident { $($name:ident => ($vi:literal, $en:literal),)* }) => {
        $(#[$meta])*
        // Each variant's doc is its English text, which may name control characters (`<STX>`)
        // or use brackets that are words, not HTML.
        #[allow(rustdoc::invalid_html_tags, rustdoc::broken_intra_doc_links)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $catalog {
            $(#[doc = $en] $name,)*
        }

        impl $crate::ui::i18n::Text for $catalog {
            const ALL: &'static [Self] = &[$(Self::$name,)*];

            fn pair(self) -> (&'static str, &'static str) {
                match self {
                    $(Self::$name => ($vi, $en),)*
                }
            }
        }
    };
}
pub(crate) use catalog;

/// Panics with the first defect of the catalog `T`: an empty text, outer spaces, a text the
/// same in both languages (unless listed in `same_in_both`), a duplicated variant, or
/// placeholders that differ between the languages. Each catalog's tests call it.
#[cfg(test)]
pub(crate) fn check_catalog<T: Text + PartialEq>(same_in_both: &[T]) {
    use std::collections::BTreeSet;

    fn placeholders(text: &str) -> BTreeSet<&str> {
        text.split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect()
    }

    let distinct: BTreeSet<String> = T::ALL.iter().map(|m| format!("{m:?}")).collect();
    assert_eq!(distinct.len(), T::ALL.len(), "a variant is listed twice");
    for &msg in T::ALL {
        for lang in Lang::ALL {
            let text = msg.text(lang);
            assert!(!text.trim().is_empty(), "{msg:?} is empty in {lang}");
            assert_eq!(text, text.trim(), "{msg:?} has outer spaces in {lang}");
        }
        if !same_in_both.contains(&msg) {
            assert_ne!(
                msg.text(Lang::Vi),
                msg.text(Lang::En),
                "{msg:?} is not translated"
            );
        }
        assert_eq!(
            placeholders(msg.text(Lang::Vi)),
            placeholders(msg.text(Lang::En)),
            "{msg:?}: placeholders differ"
        );
    }
}
