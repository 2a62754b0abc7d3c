//! String preprocessing identical to RapidFuzz's `utils.default_process`, plus the
//! whitespace predicate RapidFuzz uses to split strings into tokens.

use super::unicode_table::NOT_ALNUM;

/// RapidFuzz's `utils.default_process`: every alphanumeric character is lower-cased
/// (simple one-to-one mapping), every other character becomes a space, and leading /
/// trailing spaces are trimmed. The output always has as many chars as the input minus
/// the trimmed ones, so processed char `i` is original char `i + leading_trimmed`.
pub fn default_process(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        out.push(process_char(c));
    }
    out.trim_matches(' ').to_string()
}

/// Maps one char the way `default_process` does (before trimming).
pub(crate) fn process_char(c: char) -> char {
    if c.is_ascii() {
        return if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            ' '
        };
    }
    if !is_alnum(c) {
        return ' ';
    }
    // Simple case mapping: the first char of the full lower-case mapping (only U+0130
    // has a multi-char full mapping, and its simple mapping is that first char).
    c.to_lowercase().next().unwrap_or(c)
}

/// Alphanumeric in RapidFuzz's sense (Python `str.isalnum` of its Unicode table).
fn is_alnum(c: char) -> bool {
    c.is_alphanumeric() && !in_ranges(c as u32)
}

fn in_ranges(cp: u32) -> bool {
    let pairs = NOT_ALNUM.len() / 2;
    let (mut lo, mut hi) = (0usize, pairs);
    while lo < hi {
        let mid = (lo + hi) / 2;
        let (start, end) = (NOT_ALNUM[2 * mid], NOT_ALNUM[2 * mid + 1]);
        if cp < start {
            hi = mid;
        } else if cp > end {
            lo = mid + 1;
        } else {
            return true;
        }
    }
    false
}

/// Whitespace as RapidFuzz's token splitter sees it (Python's `str.isspace` set, which
/// unlike Rust's `char::is_whitespace` includes the separators U+001C..U+001F).
pub(crate) fn is_space(c: char) -> bool {
    matches!(
        c as u32,
        0x09..=0x0D
            | 0x1C..=0x20
            | 0x85
            | 0xA0
            | 0x1680
            | 0x2000..=0x200A
            | 0x2028
            | 0x2029
            | 0x202F
            | 0x205F
            | 0x3000
    )
}
