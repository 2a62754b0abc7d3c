//! `partial_ratio`: the best `ratio` of the shorter string (the needle) against every
//! substring of the longer one that RapidFuzz considers (all full-length windows, the
//! shorter prefixes and suffixes), with RapidFuzz's swap and equal-length rules.

use super::indel::{Pattern, lcs, ratio_from_lcs, scan_prefixes};

/// The needle side of a partial comparison: its length plus forward and reversed masks.
pub(crate) struct Needle<'a> {
    pub(crate) len: usize,
    pub(crate) fwd: &'a Pattern,
    pub(crate) rev: &'a Pattern,
}

/// Best window ratio of `needle` in `text` (`1 <= needle.len <= text.len()`), or 0 when it
/// is below `cutoff`.
pub(crate) fn partial_core(needle: &Needle, text: &[char], cutoff: f64) -> f64 {
    let m = needle.len;
    let n = text.len();
    let mut best = 0.0f64;
    if m > 1 && edge_bound(m) >= cutoff {
        let head = text[..m - 1].iter().copied();
        scan_prefixes(needle.fwd, head, |k, l| {
            best = best.max(ratio_from_lcs(m, k, l));
            edge_may_reach(m, k, l, cutoff.max(best))
        });
        let tail = text[n - (m - 1)..].iter().rev().copied();
        scan_prefixes(needle.rev, tail, |k, l| {
            best = best.max(ratio_from_lcs(m, k, l));
            edge_may_reach(m, k, l, cutoff.max(best))
        });
    }
    let bar = cutoff.max(best);
    if let Some((_, d)) = best_window(needle.fwd, text, bar) {
        best = best.max(ratio_from_lcs(m, m, m - d / 2));
    }
    if best >= cutoff { best } else { 0.0 }
}

/// Whether a longer edge (up to `m - 1` chars) than one of `k` chars with LCS `l` can
/// still reach `bar`: each further char adds at most one to the LCS, and the ratio
/// `200 (l + j) / (m + k + j)` then grows with `j`, so the longest edge bounds them all
/// (strictly, far above float noise).
#[inline]
pub(crate) fn edge_may_reach(m: usize, k: usize, l: usize, bar: f64) -> bool {
    k + 1 < m && ratio_from_lcs(m, m - 1, l + (m - 1 - k)) >= bar
}

/// Highest ratio a prefix or suffix shorter than the needle can reach.
fn edge_bound(m: usize) -> f64 {
    200.0 * (m - 1) as f64 / (2 * m - 1) as f64
}

/// `(start, distance)` of the first full-length window with the smallest Indel distance,
/// among windows whose ratio can reach `bar`, if any. Skips windows that cannot improve:
/// shifting a window by one changes its distance by at most 2.
pub(crate) fn best_window(p: &Pattern, text: &[char], bar: f64) -> Option<(usize, usize)> {
    let m = p.len();
    let span = (2 * m) as f64;
    // Slack far below any real score gap, above float noise.
    let allowed = span * (1.0 - bar / 100.0) + span * 1e-13;
    if allowed < 0.0 {
        return None;
    }
    let allowed = allowed.floor() as usize;
    // Windows must reach a distance strictly below `need` (distances are always even).
    let mut need = (allowed & !1) + 2;
    let mut found = None;
    let mut i = 0;
    while i + m <= text.len() {
        let d = 2 * m - 2 * lcs(p, &text[i..i + m]);
        if d < need {
            need = d;
            found = Some((i, d));
            if d == 0 {
                break;
            }
        }
        i += ((d + 2).saturating_sub(need) / 2).max(1);
    }
    found
}

/// Generic `partial_ratio` on char slices (builds the masks itself).
pub(crate) fn partial_ratio_slices(a: &[char], b: &[char], cutoff: f64) -> f64 {
    if cutoff > 100.0 {
        return 0.0;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return if long.is_empty() { 100.0 } else { 0.0 };
    }
    let r = partial_with_masks(short, long, cutoff);
    if r != 100.0 && short.len() == long.len() {
        let r2 = partial_with_masks(long, short, cutoff.max(r));
        if r2 > r {
            return r2;
        }
    }
    r
}

fn partial_with_masks(needle: &[char], text: &[char], cutoff: f64) -> f64 {
    let mut nb = NeedleBuf::default();
    nb.set(needle);
    partial_core(&nb.needle(), text, cutoff)
}

/// Owned, reusable forward and reversed masks of one needle.
#[derive(Clone, Debug, Default)]
pub(crate) struct NeedleBuf {
    fwd: Pattern,
    rev: Pattern,
    rev_chars: Vec<char>,
}

impl NeedleBuf {
    /// Masks for `s`.
    pub(crate) fn new(s: &[char]) -> Self {
        let mut nb = NeedleBuf::default();
        nb.set(s);
        nb
    }

    /// Replaces the needle with `s`, reusing buffers.
    pub(crate) fn set(&mut self, s: &[char]) {
        self.fwd.set(s);
        self.rev_chars.clear();
        self.rev_chars.extend(s.iter().rev());
        self.rev.set(&self.rev_chars);
    }

    /// Borrowed view for [`partial_core`].
    pub(crate) fn needle(&self) -> Needle<'_> {
        Needle {
            len: self.fwd.len(),
            fwd: &self.fwd,
            rev: &self.rev,
        }
    }

    /// Forward masks.
    pub(crate) fn fwd(&self) -> &Pattern {
        &self.fwd
    }
}

/// Upper bound of `partial_ratio` when the needle has `m` chars and at most `h` of them
/// can be matched by any substring of the other string.
pub(crate) fn partial_bound(m: usize, h: usize) -> f64 {
    let l = h.min(m);
    if m == 0 {
        return 100.0;
    }
    200.0 * l as f64 / (m + l) as f64
}
