//! Patient names as a search key: Vietnamese folded to plain lower-case letters, so
//! "nguyen van an" finds "NGUYỄN VĂN AN" and "Đỗ" is found by "do".
//!
//! Pure: the store writes [`search_keys`] of every patient's name into `patient_name_keys` and
//! looks a typed query up by its [`fold`] with an index range (prefix) scan.

/// Vietnamese letters with their tone and vowel marks (lower case), each with its plain letter;
/// also the Latin-1 letters a foreign name may carry. `đ` is a letter of its own in Vietnamese,
/// but people type it as `d`.
const PLAIN: &[(char, &str)] = &[
    ('a', "àáảãạăằắẳẵặâầấẩẫậäåāą"),
    ('c', "çćč"),
    ('d', "đď"),
    ('e', "èéẻẽẹêềếểễệëēęě"),
    ('i', "ìíỉĩịîïī"),
    ('n', "ñńň"),
    ('o', "òóỏõọôồốổỗộơờớởỡợöøō"),
    ('u', "ùúủũụưừứửữựûüūů"),
    ('y', "ỳýỷỹỵÿ"),
    ('s', "śšß"),
    ('z', "źżž"),
];

/// Whether `c` is a combining mark of the block U+0300–U+036F (tone and vowel marks typed or
/// sent decomposed, as macOS and some HIS do).
fn is_combining_mark(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

/// The plain lower-case letter of `c` (already lower case), or `c` itself.
fn plain(c: char) -> char {
    PLAIN
        .iter()
        .find(|(_, marked)| marked.contains(c))
        .map_or(c, |(base, _)| *base)
}

/// A name or query folded for search: lower case, without tone or vowel marks, `đ` as `d`,
/// anything but letters and digits as a space, words separated by one space, no space at
/// either end. `"  NGUYỄN  Văn-An "` folds to `"nguyen van an"`.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if is_combining_mark(c) {
            continue;
        }
        let c = plain(c);
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        } else {
            space = true;
        }
    }
    out
}

/// The keys a name is found by: its folded form from each word on (`"nguyen van an"`,
/// `"van an"`, `"an"`), so a query matching the start of any of them (the full name, the middle
/// and given name, the given name) finds it. Empty for a name without letters or digits.
pub fn search_keys(name: &str) -> Vec<String> {
    let folded = fold(name);
    let mut keys = Vec::new();
    let mut rest = folded.as_str();
    while !rest.is_empty() {
        keys.push(rest.to_owned());
        rest = rest.split_once(' ').map_or("", |(_, tail)| tail);
    }
    keys
}

/// The smallest string greater than every string that starts with `prefix`, in SQLite's binary
/// (UTF-8 byte) order: `prefix` followed by U+10FFFF, whose first UTF-8 byte (0xF4) is larger
/// than the first byte of any other character. `key >= prefix AND key < prefix_end(prefix)` is
/// a prefix match an index can answer.
pub fn prefix_end(prefix: &str) -> String {
    let mut end = prefix.to_owned();
    end.push(char::MAX);
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_names_fold_to_plain_lower_case() {
        // Expected folds written by hand, letter by letter.
        let cases = [
            ("NGUYỄN VĂN AN", "nguyen van an"),
            ("Trần Thị Bích Ngọc", "tran thi bich ngoc"),
            ("ĐỖ ĐỨC ĐẠT", "do duc dat"),
            ("Lê Hoàng Yến", "le hoang yen"),
            ("Phạm Thị Ánh Tuyết", "pham thi anh tuyet"),
            ("Huỳnh Ngọc Ẩn", "huynh ngoc an"),
            ("Vũ Thị Hương Ly", "vu thi huong ly"),
            ("Bùi Quốc Khải", "bui quoc khai"),
            ("Ngô Thị Mỹ Dung", "ngo thi my dung"),
            ("Dương Văn Lực", "duong van luc"),
            ("Hồ Thị Thuỷ", "ho thi thuy"),
            ("Đặng Thị Hường", "dang thi huong"),
        ];
        for (name, want) in cases {
            assert_eq!(fold(name), want, "{name}");
        }
    }

    #[test]
    fn decomposed_marks_spaces_and_punctuation_fold_the_same() {
        // "Nguyễn" with e + U+0302 (circumflex) + U+0303 (tilde), as a decomposed form arrives.
        assert_eq!(fold("Nguye\u{0302}\u{0303}n"), "nguyen");
        assert_eq!(fold("  NGUYỄN   Văn-An. "), "nguyen van an");
        assert_eq!(fold("nguyen van an"), "nguyen van an");
        assert_eq!(fold("BN-0042"), "bn 0042");
        assert_eq!(fold(" - "), "");
        // A letter outside the table is kept, lower-cased.
        assert_eq!(fold("Иван"), "иван");
    }

    #[test]
    fn keys_start_at_each_word() {
        assert_eq!(
            search_keys("NGUYỄN VĂN AN"),
            ["nguyen van an", "van an", "an"]
        );
        assert_eq!(search_keys("Lê"), ["le"]);
        assert!(search_keys("..").is_empty());
    }

    #[test]
    fn the_prefix_end_is_above_every_continuation() {
        let end = prefix_end("nguyen van an");
        for key in [
            "nguyen van an",
            "nguyen van anh",
            "nguyen van an z",
            "nguyen van an иван",
        ] {
            assert!(key >= "nguyen van an" && key < end.as_str(), "{key}");
        }
        assert!("nguyen van ao" >= end.as_str());
        assert!("nguyen van am" < "nguyen van an");
    }
}
