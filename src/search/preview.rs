//! Match previews: a short excerpt of the original content around the place where the
//! query matches best (or the start of the content), cut on char boundaries with "…".

use super::indel::{Pattern, ratio_from_lcs};
use super::partial::best_window;
use super::process::{default_process, process_char};

/// Maximum preview length in chars, ellipses included.
const PREVIEW_CHARS: usize = 200;
/// Chars of context kept before the match.
const CONTEXT_BEFORE: usize = 60;
/// How far a cut may move to land on whitespace.
const SNAP: usize = 15;
/// Minimum alignment ratio for a match to move the excerpt away from the start.
const MIN_MATCH: f64 = 50.0;

/// A short (at most 200 chars) excerpt of `content` around the best match of `query`,
/// with "…" where it was cut; the start of the content when nothing matches well.
pub fn match_preview(content: &str, query: &str) -> String {
    let chars: Vec<char> = content.chars().collect();
    if chars.len() <= PREVIEW_CHARS {
        return content.to_string();
    }
    let pos = best_match(&chars, query).unwrap_or(0);
    excerpt(&chars, pos)
}

/// Char index in `chars` where the processed query aligns best.
fn best_match(chars: &[char], query: &str) -> Option<usize> {
    let q: Vec<char> = default_process(query).chars().collect();
    if q.is_empty() {
        return None;
    }
    let lead = chars
        .iter()
        .take_while(|&&c| process_char(c) == ' ')
        .count();
    let text: Vec<char> = chars[lead..].iter().map(|&c| process_char(c)).collect();
    if text.len() <= q.len() {
        return None;
    }
    let m = q.len();
    let (pos, dist) = best_window(&Pattern::new(&q), &text, 0.0)?;
    (ratio_from_lcs(m, m, m - dist / 2) >= MIN_MATCH).then_some(lead + pos)
}

/// The excerpt of at most `PREVIEW_CHARS` chars around char `pos`.
fn excerpt(chars: &[char], pos: usize) -> String {
    let n = chars.len();
    let body = PREVIEW_CHARS - 2;
    let mut start = pos.saturating_sub(CONTEXT_BEFORE);
    let mut end = (start + body).min(n);
    start = end.saturating_sub(body).min(start);
    if start > 0
        && let Some(k) = (start..start + SNAP).find(|&i| chars[i].is_whitespace())
    {
        start = (k + 1).min(pos.max(start));
    }
    if end < n
        && let Some(k) = (end - SNAP..end).rev().find(|&i| chars[i].is_whitespace())
    {
        end = k.max(pos + 1).min(end);
    }
    let mut out = String::with_capacity((end - start) * 4 + 8);
    if start > 0 {
        out.push('…');
    }
    out.extend(chars[start..end].iter().copied());
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    if end < n {
        out.push('…');
    }
    out
}
