//! Upper bounds of a long unit's three window terms (WRatio's partial, token and ratio
//! parts, already scaled), from cheap to dearer: bigram fingerprints, the smallest edit
//! distance of the query to the unit's text (Myers), and per-word LCS caps.

use super::doc::Unit;
use super::fuzz::UNBASE_SCALE;
use super::indel::{min_substring_edit, ratio_from_lcs, scan_prefixes};
use super::partial::partial_bound;
use super::prepared::PreparedQuery;
use super::runs::{any_order_partial_bound, run_bound};

/// WRatio's partial scale for windows (1.5x to 8x the query).
pub(crate) const SCALE: f64 = 0.9;
/// partial_token_ratio term of a window holding one of the query's tokens.
pub(crate) const TOKEN_HIT: f64 = 100.0 * UNBASE_SCALE * SCALE;

/// Scaled upper bounds of the window terms of one unit.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bounds {
    /// `0.9 * partial_ratio` over all alignments.
    pub(crate) partial: f64,
    /// `0.9 * partial_ratio` over full-length alignments only.
    pub(crate) full: f64,
    /// `0.855 * partial_token_ratio`.
    pub(crate) token: f64,
    /// Whether a query token may equal a word of the unit (by hash).
    pub(crate) common: bool,
}

impl Bounds {
    /// Best of the partial and token bounds.
    pub(crate) fn max(&self) -> f64 {
        self.partial.max(self.token)
    }
}

/// Bounds from the unit's bigram signature and word hashes.
pub(crate) fn quick(q: &PreparedQuery, u: &Unit) -> Bounds {
    let common = q
        .token_hashes
        .iter()
        .any(|h| u.word_hashes.binary_search(h).is_ok());
    let pr = SCALE * q.forms[0].partial_bound(&u.sig);
    let pt = if common {
        100.0
    } else {
        q.forms[1]
            .partial_bound(&u.sig)
            .max(q.forms[2].partial_bound(&u.sig))
    };
    Bounds {
        partial: pr,
        full: pr,
        token: pt * UNBASE_SCALE * SCALE,
        common,
    }
}

/// Ratio bounds `(full length, shorter edge)` for alignments of a needle of `m` chars
/// with text at edit distance at least `ed`: the Indel distance is at least `ed`, at least
/// the length difference, and has the parity of the summed lengths.
fn edit_ratio_bounds(m: usize, ed: usize) -> (f64, f64) {
    let full = 100.0 * (1.0 - (2 * ed.div_ceil(2)).min(2 * m) as f64 / (2 * m) as f64);
    let mut edge = 0.0f64;
    for k in 1..m {
        let mut d = ed.max(m - k);
        if (d + m + k) % 2 == 1 {
            d += 1;
        }
        edge = edge.max(100.0 * (1.0 - (d.min(m + k)) as f64 / (m + k) as f64));
    }
    (full, edge)
}

/// Tightens `b` with the smallest edit distance of the query to any substring of the
/// unit's compact text. For a one-token query the sorted windows are bounded too: inside
/// a token the same distance holds, a full-length alignment across tokens holds an
/// unmatched space, and the shorter edges of a sorted window are word prefixes/suffixes.
///
/// `compact` is the unit's compact text (its words joined by single spaces).
pub(crate) fn tighten_edit(
    q: &PreparedQuery,
    u: &Unit,
    compact: &[char],
    b: &mut Bounds,
    cutoff: f64,
) {
    let lq = q.char_len();
    let one_token = q.tokens.count == 1 && q.tokens.joined.len() == lq;
    if b.partial < cutoff && (!one_token || b.token < cutoff) {
        return;
    }
    let Some(ed) = min_substring_edit(q.needle.fwd(), compact.iter().copied()) else {
        return;
    };
    let (full, edge) = edit_ratio_bounds(lq, ed);
    b.full = b.full.min(SCALE * full);
    b.partial = b.partial.min(SCALE * full.max(edge));
    if !one_token || b.token >= TOKEN_HIT {
        return;
    }
    let across = 100.0 * (lq - 1) as f64 / lq as f64;
    let across_edge = if lq > 1 {
        200.0 * (lq - 2) as f64 / (2 * lq - 1) as f64
    } else {
        0.0
    };
    let scale = UNBASE_SCALE * SCALE;
    let mut pt = full.max(across).max(across_edge);
    if scale * pt.max(edge) >= cutoff {
        pt = pt.max(word_edges(q, u));
    }
    b.token = b.token.min(scale * pt);
}

/// Best ratio of the query with a proper prefix or suffix (shorter than the query) of a
/// word of `u`.
fn word_edges(q: &PreparedQuery, u: &Unit) -> f64 {
    let lq = q.char_len();
    let n = q.needle.needle();
    let mut best = 0.0f64;
    for &(s, e) in &u.words {
        let w = &u.chars[s as usize..e as usize];
        let k = w.len().min(lq - 1);
        scan_prefixes(n.fwd, w[..k].iter().copied(), |k, l| {
            best = best.max(ratio_from_lcs(lq, k, l));
            true
        });
        scan_prefixes(n.rev, w[w.len() - k..].iter().rev().copied(), |k, l| {
            best = best.max(ratio_from_lcs(lq, k, l));
            true
        });
    }
    best
}

/// Tightens `b` with per-word caps (`(length, LCS with the query)` and the same with the
/// sorted query), see `runs`. Either list may be empty (not computed): its part is then
/// skipped.
pub(crate) fn tighten_caps(
    q: &PreparedQuery,
    caps_q: &[(u32, u32)],
    caps_s: &[(u32, u32)],
    b: &mut Bounds,
) {
    let lq = q.char_len();
    if !caps_q.is_empty() {
        let runs = run_bound(caps_q, lq, q.hist.spaces);
        b.partial = b.partial.min(SCALE * partial_bound(lq, runs));
        b.full = b.full.min(SCALE * 100.0 * runs as f64 / lq as f64);
    }
    if caps_s.is_empty() || b.token >= TOKEN_HIT {
        return;
    }
    let m = q.tokens.joined.len();
    if !q.tokens.has_duplicates() {
        let spaces = q.tokens.count.saturating_sub(1);
        let any = any_order_partial_bound(caps_s, m, spaces);
        b.token = b.token.min(UNBASE_SCALE * SCALE * any);
    }
    if q.tokens.count == 1 {
        // Inside one token at most the best cap; across tokens a space stays unmatched.
        let top = caps_s.iter().map(|&(_, c)| c as usize).max().unwrap_or(0);
        let l = top.max(m.saturating_sub(1)).min(m);
        b.token = b.token.min(UNBASE_SCALE * SCALE * partial_bound(m, l));
    }
}
