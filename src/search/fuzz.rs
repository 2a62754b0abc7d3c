//! The RapidFuzz `fuzz` scorers on char slices, with RapidFuzz's `score_cutoff` semantics
//! (a result below the cutoff is reported as 0): ratio, the token scorers and WRatio.

use super::indel::{Pattern, indel_from_lcs, lcs, lcs_slices, ratio_from_lcs};
use super::partial::partial_ratio_slices;
use super::tokens::{TokenForm, decompose, has_common};

/// WRatio's down-weighting of the token scorers.
pub(crate) const UNBASE_SCALE: f64 = 0.95;

/// `score` if it reaches `cutoff`, else 0.
#[inline]
pub(crate) fn cut(score: f64, cutoff: f64) -> f64 {
    if score >= cutoff { score } else { 0.0 }
}

/// WRatio's partial scale for a length ratio of at least 1.5 (0.9 up to and including 8).
#[inline]
pub(crate) fn partial_scale(len_ratio: f64) -> f64 {
    if len_ratio <= 8.0 { 0.9 } else { 0.6 }
}

/// `max(l1, l2) / min(l1, l2)` for non-empty lengths.
#[inline]
pub(crate) fn len_ratio(l1: usize, l2: usize) -> f64 {
    if l1 > l2 {
        l1 as f64 / l2 as f64
    } else {
        l2 as f64 / l1 as f64
    }
}

/// RapidFuzz's `norm_distance`: `100 - 100 * dist / lensum` (100 when `lensum` is 0).
#[inline]
pub(crate) fn norm_distance(dist: usize, lensum: usize, cutoff: f64) -> f64 {
    let score = if lensum > 0 {
        100.0 - 100.0 * dist as f64 / lensum as f64
    } else {
        100.0
    };
    cut(score, cutoff)
}

pub(crate) fn ratio_slices(a: &[char], b: &[char], cutoff: f64) -> f64 {
    cut(ratio_from_lcs(a.len(), b.len(), lcs_slices(a, b)), cutoff)
}

/// Scratch buffers for the set decomposition.
#[derive(Default)]
pub(crate) struct SetBufs {
    pub(crate) diff_ab: Vec<char>,
    pub(crate) diff_ba: Vec<char>,
    pat: Pattern,
}

impl SetBufs {
    /// LCS of the two difference strings.
    fn diff_lcs(&mut self) -> usize {
        let (a, b) = (&self.diff_ab, &self.diff_ba);
        let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
        if short.is_empty() {
            return 0;
        }
        self.pat.set(short);
        lcs(&self.pat, long)
    }
}

/// The token-set part shared by `token_set_ratio` and `token_ratio`; `base` is the score
/// already known (the sorted ratio for `token_ratio`, 0 for `token_set_ratio`).
pub(crate) fn token_set_part(
    a: &TokenForm,
    b: &TokenForm,
    base: f64,
    cutoff: f64,
    bufs: &mut SetBufs,
) -> f64 {
    let sect_len = decompose(a, b, &mut bufs.diff_ab, &mut bufs.diff_ba);
    let (ab_len, ba_len) = (bufs.diff_ab.len(), bufs.diff_ba.len());
    if sect_len > 0 && (ab_len == 0 || ba_len == 0) {
        return 100.0;
    }
    let sep = usize::from(sect_len > 0);
    let sect_ab_len = sect_len + sep + ab_len;
    let sect_ba_len = sect_len + sep + ba_len;
    let lensum = sect_ab_len + sect_ba_len;
    let dist = indel_from_lcs(ab_len, ba_len, bufs.diff_lcs());
    let mut result = base.max(norm_distance(dist, lensum, cutoff));
    if sect_len == 0 {
        return result;
    }
    result = result.max(norm_distance(sep + ab_len, sect_len + sect_ab_len, cutoff));
    result.max(norm_distance(sep + ba_len, sect_len + sect_ba_len, cutoff))
}

pub(crate) fn token_sort_ratio_forms(a: &TokenForm, b: &TokenForm, cutoff: f64) -> f64 {
    ratio_slices(&a.joined, &b.joined, cutoff)
}

pub(crate) fn token_set_ratio_forms(a: &TokenForm, b: &TokenForm, cutoff: f64) -> f64 {
    if a.count == 0 || b.count == 0 {
        return 0.0;
    }
    token_set_part(a, b, 0.0, cutoff, &mut SetBufs::default())
}

pub(crate) fn token_ratio_forms(a: &TokenForm, b: &TokenForm, cutoff: f64) -> f64 {
    let base = ratio_slices(&a.joined, &b.joined, cutoff);
    token_set_part(a, b, base, cutoff, &mut SetBufs::default())
}

pub(crate) fn partial_token_sort_ratio_forms(a: &TokenForm, b: &TokenForm, cutoff: f64) -> f64 {
    partial_ratio_slices(&a.joined, &b.joined, cutoff)
}

pub(crate) fn partial_token_set_ratio_forms(a: &TokenForm, b: &TokenForm, cutoff: f64) -> f64 {
    if a.count == 0 || b.count == 0 {
        return 0.0;
    }
    if has_common(a, b) {
        return 100.0;
    }
    partial_ratio_slices(&a.uniq_joined, &b.uniq_joined, cutoff)
}

pub(crate) fn partial_token_ratio_forms(a: &TokenForm, b: &TokenForm, cutoff: f64) -> f64 {
    if has_common(a, b) {
        return 100.0;
    }
    let result = partial_ratio_slices(&a.joined, &b.joined, cutoff);
    if !a.has_duplicates() && !b.has_duplicates() {
        return result;
    }
    let second = partial_ratio_slices(&a.uniq_joined, &b.uniq_joined, cutoff.max(result));
    result.max(second)
}

/// Generic WRatio on char slices, following RapidFuzz's cutoff propagation.
pub(crate) fn wratio_slices(a: &[char], b: &[char], cutoff: f64) -> f64 {
    if cutoff > 100.0 || a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let lr = len_ratio(a.len(), b.len());
    let mut end = ratio_slices(a, b, cutoff);
    let (ta, tb) = (TokenForm::new(a), TokenForm::new(b));
    if lr < 1.5 {
        let c = cutoff.max(end) / UNBASE_SCALE;
        return end.max(token_ratio_forms(&ta, &tb, c) * UNBASE_SCALE);
    }
    let scale = partial_scale(lr);
    let c = cutoff.max(end) / scale;
    end = end.max(partial_ratio_slices(a, b, c) * scale);
    let c = c.max(end) / UNBASE_SCALE;
    end.max(partial_token_ratio_forms(&ta, &tb, c) * UNBASE_SCALE * scale)
}

/// Generic QRatio: `ratio`, but 0 when either string is empty.
pub(crate) fn qratio_slices(a: &[char], b: &[char], cutoff: f64) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    ratio_slices(a, b, cutoff)
}

/// `ratio` from an already known LCS, for callers holding prepared masks.
#[inline]
pub(crate) fn ratio_lcs_cut(l1: usize, l2: usize, lcs: usize, cutoff: f64) -> f64 {
    cut(ratio_from_lcs(l1, l2, lcs), cutoff)
}
