//! Finds where a key path is in the TOML text, and which key path a byte offset is in.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// 1-based line of a byte offset.
pub fn line_of_offset(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()
        .get(..end)
        .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
        + 1
}

/// The document with spans on every key and value.
pub struct Tree<'t> {
    text: &'t str,
    root: Spanned<DeTable<'t>>,
}

enum Segment<'p> {
    Key(&'p str),
    Index(usize),
}

fn segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (part.get(..i).unwrap_or(""), part.get(i..).unwrap_or("")),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Segment::Key(key));
        }
        while let Some(stripped) = rest.strip_prefix('[') {
            let Some(close) = stripped.find(']') else {
                break;
            };
            if let Some(Ok(i)) = stripped.get(..close).map(str::parse) {
                out.push(Segment::Index(i));
            }
            rest = stripped.get(close + 1..).unwrap_or("");
        }
    }
    out
}

impl<'t> Tree<'t> {
    /// Parses the text; `None` when it is not valid TOML.
    pub fn parse(text: &'t str) -> Option<Self> {
        DeTable::parse(text).ok().map(|root| Self { text, root })
    }

    /// Line of the deepest part of `path` present in the document (the key itself when it is
    /// there, else its nearest enclosing table).
    pub fn line_of_path(&self, path: &str) -> Option<usize> {
        let mut span: Option<Range<usize>> = None;
        let mut table: Option<&DeTable<'t>> = Some(self.root.get_ref());
        let mut array: Option<&[Spanned<DeValue<'t>>]> = None;
        for seg in segments(path) {
            let next = match seg {
                Segment::Key(k) => table.and_then(|t| {
                    t.iter()
                        .find(|(key, _)| key.get_ref().as_ref() == k)
                        .map(|(key, v)| (key.span(), v))
                }),
                Segment::Index(i) => array.and_then(|a| a.get(i)).map(|v| (v.span(), v)),
            };
            let Some((key_span, value)) = next else {
                break;
            };
            span = Some(key_span);
            table = value.get_ref().as_table();
            array = value.get_ref().as_array().map(|a| &a[..]);
        }
        span.map(|s| line_of_offset(self.text, s.start))
    }

    /// The key path of the innermost key or array element whose value contains `offset`.
    pub fn path_at(&self, offset: usize) -> String {
        let mut path = String::new();
        walk_table(self.root.get_ref(), offset, &mut path);
        path
    }
}

fn walk_table(table: &DeTable<'_>, offset: usize, path: &mut String) {
    for (key, value) in table.iter() {
        if key.span().contains(&offset) || value.span().contains(&offset) {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key.get_ref());
            walk_value(value.get_ref(), offset, path);
            return;
        }
    }
}

fn walk_value(value: &DeValue<'_>, offset: usize, path: &mut String) {
    if let Some(t) = value.as_table() {
        walk_table(t, offset, path);
    } else if let Some(a) = value.as_array() {
        for (i, v) in a.iter().enumerate() {
            if v.span().contains(&offset) {
                path.push_str(&format!("[{i}]"));
                walk_value(v.get_ref(), offset, path);
                return;
            }
        }
    }
}

/// Makes the path precise when serde names the field (`missing field `unit``, `unknown field
/// `nmae``) or the key (`... for key `ranges.low``).
pub(crate) fn refine(path: &str, message: &str) -> (String, String) {
    let message = message.trim().to_owned();
    let named = |marker: &str| -> Option<String> {
        let start = message.find(marker)? + marker.len();
        let rest = message.get(start..)?;
        let end = rest.find('`')?;
        rest.get(..end).map(str::to_owned)
    };
    if let Some(field) = named("unknown field `") {
        return (format!("{path}.{field}"), message);
    }
    if let Some(key) = named("for key `") {
        return (format!("{path}.{key}"), message);
    }
    (path.to_owned(), message)
}
