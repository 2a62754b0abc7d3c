//! Long units (at least 8x the query): the best WRatio over the unit's word-aligned
//! windows. Every window lies in WRatio's 0.9 partial band, so that maximum splits into
//! three independent maxima over the windows (ratio, partial_ratio, partial_token_ratio),
//! each computed for the whole unit at once and pruned with sliding char-count bounds.

use super::bounds::{self, Bounds, SCALE, TOKEN_HIT};
use super::doc::Unit;
use super::fuzz::{UNBASE_SCALE, ratio_lcs_cut};
use super::indel::{lcs, ratio_from_lcs, scan_prefixes};
use super::partial::edge_may_reach;
use super::prepared::{EPS, PreparedQuery, Scratch, TokSrc};
use super::runs::joined_partial_bound;
use super::shrink::needle_bound;
use super::windows::{Layout, Window, for_each_window};

/// Window span, in multiples of the query length (see `windows`).
pub(crate) const WINDOW_SPAN: usize = 4;

/// Reusable buffers for long units.
#[derive(Default)]
pub(crate) struct LongScratch {
    compact: Vec<char>,
    /// Prefix counts of words equal to a query token.
    matched: Vec<u32>,
    wins: Vec<Win>,
    ranges: Vec<(usize, usize)>,
    /// Per word: `(length, LCS with the query)` and `(length, LCS with the sorted query)`.
    caps_q: Vec<(u32, u32)>,
    caps_s: Vec<(u32, u32)>,
    /// A window's words in sorted order, as `(rank, word)`, and their caps.
    order: Vec<(u32, u32)>,
    items: Vec<(u32, u32)>,
}

/// A window and its `start..end` in the compact text.
#[derive(Clone, Copy)]
struct Win {
    s: usize,
    e: usize,
    w: Window,
}

/// Best window WRatio of a long unit; exact when >= `cutoff`.
pub(crate) fn score_long(
    q: &PreparedQuery,
    u: &Unit,
    cutoff: f64,
    ls: &mut LongScratch,
    qs: &mut Scratch,
) -> f64 {
    let lq = q.char_len();
    ls.compact.clear();
    // Every window is at least 1.5x the query: its ratio term is at most 80.
    let mut ratio_ub = 80.0;
    let mut b = bounds::quick(q, u);
    // The token bounds only hold for windows whose de-duplicated form is longer than the
    // query's: the others, if the unit may hold any, are scored outright first.
    let short = may_hold_short(q, u, cutoff);
    let mut floor = 0.0;
    if short {
        compact(u, &mut ls.compact);
        prepare(q, u, b.common, ls);
        floor = short_forms(q, u, ls, cutoff, qs);
    }
    let hopeless = |b: &Bounds, r: f64| b.max().max(r).max(floor) < cutoff - EPS;
    if hopeless(&b, ratio_ub) {
        return 0.0;
    }
    compact(u, &mut ls.compact);
    // The edit-distance pass bounds the token term of one-token queries only; when that
    // term survives anyway, the cheaper per-word caps go first and the pass may be spared.
    let edit_first = q.tokens.count == 1 || b.token < cutoff - EPS;
    if edit_first {
        bounds::tighten_edit(q, u, &ls.compact, &mut b, cutoff);
        if hopeless(&b, ratio_ub) {
            return 0.0;
        }
    }
    if !short {
        prepare(q, u, b.common, ls);
    }
    ratio_ub = ls
        .wins
        .iter()
        .map(|w| ratio_from_lcs(lq, w.e - w.s, lq))
        .fold(0.0, f64::max);
    if hopeless(&b, ratio_ub) {
        return 0.0;
    }
    let need_q = b.partial >= cutoff - EPS;
    let need_s = b.token >= cutoff - EPS;
    word_caps(q, u, ls, need_q, need_s);
    bounds::tighten_caps(q, &ls.caps_q, &ls.caps_s, &mut b);
    if !edit_first && b.partial >= cutoff - EPS {
        bounds::tighten_edit(q, u, compact(u, &mut ls.compact), &mut b, cutoff);
    }
    if hopeless(&b, ratio_ub) {
        return 0.0;
    }
    let any_common = ls.wins.iter().any(|w| common(&ls.matched, w.w));
    let mut best: f64 = if any_common { TOKEN_HIT } else { 0.0 };
    best = best.max(floor);
    if b.partial >= cutoff.max(best) - EPS {
        let full = b.full >= cutoff.max(best) - EPS;
        compact(u, &mut ls.compact);
        let pr = partial_term(q, ls, cutoff.max(best) / SCALE - EPS, full);
        best = best.max(pr * SCALE);
    }
    for w in &ls.wins {
        if ratio_from_lcs(lq, w.e - w.s, lq) >= cutoff.max(best) - EPS {
            let text = &compact(u, &mut ls.compact)[w.s..w.e];
            let r = ratio_lcs_cut(lq, text.len(), lcs(q.needle.fwd(), text), 0.0);
            best = best.max(r);
        }
    }
    if !any_common && b.token >= cutoff.max(best) - EPS {
        best = best.max(token_term(q, u, ls, cutoff.max(best), qs));
    }
    best
}

/// Whether `u` may hold a window whose de-duplicated form is not longer than the query's
/// (every window has at least 1.5x the query's chars) and whose token term, with that
/// form as partial_ratio's needle, may reach `cutoff`. Both sides of an equal-length
/// comparison are covered: the query's form as the needle by its bigram bound.
fn may_hold_short(q: &PreparedQuery, u: &Unit, cutoff: f64) -> bool {
    let qu = &q.tokens.uniq_joined;
    let kmin = u.shrink.min_form((3 * q.char_len()).div_ceil(2));
    if kmin > qu.len() {
        return false;
    }
    let pt = needle_bound(qu, &u.sig, kmin).max(q.forms[2].partial_bound(&u.sig));
    UNBASE_SCALE * SCALE * pt >= cutoff - EPS
}

/// Best WRatio (exact when >= `cutoff`, else below it) of the windows whose de-duplicated
/// sorted form is not longer than the query's. There partial_token_ratio's second
/// partial_ratio takes the window's form as the needle inside the query's ("server"
/// inside "deploy servers" scores 100), which the token bounds (`bounds`, `runs`,
/// `sorted_bound`) do not cover: they treat the query's form as the needle. Windows
/// holding a query token score `TOKEN_HIT` anyway and are left to `score_long`.
fn short_forms(
    q: &PreparedQuery,
    u: &Unit,
    ls: &mut LongScratch,
    cutoff: f64,
    qs: &mut Scratch,
) -> f64 {
    let qu = q.tokens.uniq_joined.len();
    let mut best = 0.0f64;
    let LongScratch {
        compact,
        matched,
        wins,
        order,
        ..
    } = ls;
    for w in wins.iter() {
        // A chunk is one word: its de-duplicated form is the whole (long) window.
        let Window::Words(i, j) = w.w else {
            continue;
        };
        if common(matched, w.w) {
            continue;
        }
        order.clear();
        order.extend((i..=j).map(|k| (u.ranks[k], k as u32)));
        order.sort_unstable();
        order.dedup_by_key(|p| p.0);
        let len: usize = order
            .iter()
            .map(|&(_, k)| (u.words[k as usize].1 - u.words[k as usize].0) as usize + 1)
            .sum();
        if len - 1 > qu {
            continue;
        }
        let src = TokSrc::Words {
            src: &u.chars,
            words: &u.words[i..=j],
            ranks: &u.ranks[i..=j],
            common: false,
        };
        let text = &compact[w.s..w.e];
        best = best.max(q.wratio_src(text, src, cutoff.max(best), qs));
    }
    best
}

/// Per word of `u`: `(length, LCS with the query)` and `(length, LCS with the sorted
/// query)`.
/// Only the lists asked for are filled; the others are left empty.
fn word_caps(q: &PreparedQuery, u: &Unit, ls: &mut LongScratch, need_q: bool, need_s: bool) {
    ls.caps_q.clear();
    ls.caps_s.clear();
    let same_sorted = q.tokens.joined == q.chars();
    let need_q = need_q || (need_s && same_sorted);
    for &(s, e) in &u.words {
        let w = &u.chars[s as usize..e as usize];
        let len = w.len() as u32;
        let cq = if need_q {
            lcs(q.needle.fwd(), w) as u32
        } else {
            len
        };
        if need_q {
            ls.caps_q.push((len, cq));
        }
        if need_s {
            let cs = if same_sorted {
                cq
            } else {
                lcs(q.sorted_needle.fwd(), w) as u32
            };
            ls.caps_s.push((len, cs));
        }
    }
}

/// Compact text, token-match prefix counts and the windows of `u`.
/// Token matches are only looked for when the word hashes allow one (`may_match`); the
/// compact text is built later, on demand (`compact`).
fn prepare(q: &PreparedQuery, u: &Unit, may_match: bool, ls: &mut LongScratch) {
    ls.matched.clear();
    ls.matched.push(0);
    let mut hits = 0u32;
    for &(s, e) in &u.words {
        if may_match {
            hits += u32::from(q.has_token(&u.chars[s as usize..e as usize]));
        }
        ls.matched.push(hits);
    }
    ls.wins.clear();
    let lay = Layout {
        words: &u.words,
        offs: &u.offs,
    };
    let wins = &mut ls.wins;
    for_each_window(&lay, WINDOW_SPAN * q.char_len(), |w| {
        let (s, e) = match w {
            Window::Words(i, j) => (u.offs[i], u.offs[j] + u.words[j].1 - u.words[j].0),
            Window::Chunk(s, e) => (s as u32, e as u32),
        };
        wins.push(Win {
            s: s as usize,
            e: e as usize,
            w,
        });
        true
    });
}

/// The compact text of `u` (its words joined by single spaces), built once per unit.
fn compact<'a>(u: &Unit, buf: &'a mut Vec<char>) -> &'a [char] {
    if buf.is_empty() {
        for &(s, e) in &u.words {
            if !buf.is_empty() {
                buf.push(' ');
            }
            buf.extend_from_slice(&u.chars[s as usize..e as usize]);
        }
    }
    buf
}

fn common(matched: &[u32], w: Window) -> bool {
    match w {
        Window::Words(i, j) => matched[j + 1] > matched[i],
        // A chunk is longer than any query token, so it equals none.
        Window::Chunk(..) => false,
    }
}

/// Highest ratio of an edge (prefix or suffix shorter than the query) with at most `t`
/// matchable chars.
fn edge_bound(lq: usize, t: usize) -> f64 {
    let t = t.min(lq - 1);
    200.0 * t as f64 / (lq + t) as f64
}

/// Max over windows of `partial_ratio(query, window)` if it reaches `bar` (else less).
fn partial_term(q: &PreparedQuery, ls: &mut LongScratch, bar: f64, full: bool) -> f64 {
    let lq = q.char_len();
    let mut best = 0.0f64;
    if lq > 1 {
        best = edges(q, ls, bar);
    }
    if !full {
        return best;
    }
    ls.ranges.clear();
    ls.ranges.extend(ls.wins.iter().map(|w| (w.s, w.e - lq)));
    ls.ranges.sort_unstable();
    let bar = bar.max(best);
    let span = (2 * lq) as f64;
    let allowed = span * (1.0 - bar / 100.0) + span * 1e-13;
    if allowed < 0.0 {
        return best;
    }
    let mut need = ((allowed.floor() as usize) & !1) + 2;
    let mut found = None;
    let mut from = 0;
    for &(a, b) in &ls.ranges {
        let mut p = a.max(from);
        while p <= b && need > 0 {
            let d = 2 * lq - 2 * lcs(q.needle.fwd(), &ls.compact[p..p + lq]);
            if d < need {
                need = d;
                found = Some(d);
            }
            p += ((d + 2).saturating_sub(need) / 2).max(1);
        }
        from = from.max(p);
    }
    if let Some(d) = found {
        best = best.max(ratio_from_lcs(lq, lq, lq - d / 2));
    }
    best
}

/// Best prefix / suffix (shorter than the query) ratio at the windows' ends.
fn edges(q: &PreparedQuery, ls: &LongScratch, bar: f64) -> f64 {
    let lq = q.char_len();
    let n = q.needle.needle();
    let mut best = 0.0f64;
    let (mut last_s, mut last_e) = (usize::MAX, usize::MAX);
    for w in &ls.wins {
        if w.s != last_s {
            last_s = w.s;
            if edge_bound(lq, lq) >= bar.max(best) - EPS {
                let head = ls.compact[w.s..w.s + lq - 1].iter().copied();
                scan_prefixes(n.fwd, head, |k, l| {
                    best = best.max(ratio_from_lcs(lq, k, l));
                    edge_may_reach(lq, k, l, bar.max(best))
                });
            }
        }
        if w.e != last_e {
            last_e = w.e;
            if edge_bound(lq, lq) >= bar.max(best) - EPS {
                let tail = ls.compact[w.e + 1 - lq..w.e].iter().rev().copied();
                scan_prefixes(n.rev, tail, |k, l| {
                    best = best.max(ratio_from_lcs(lq, k, l));
                    edge_may_reach(lq, k, l, bar.max(best))
                });
            }
        }
    }
    best
}

/// Max over windows of the partial_token_ratio term, when no window holds a query token.
fn token_term(
    q: &PreparedQuery,
    u: &Unit,
    ls: &mut LongScratch,
    bar: f64,
    qs: &mut Scratch,
) -> f64 {
    let mut best = 0.0f64;
    let LongScratch {
        compact: buf,
        wins,
        caps_s,
        order,
        items,
        ..
    } = ls;
    for w in wins.iter() {
        let bar = bar.max(best);
        if TOKEN_HIT < bar - EPS {
            break;
        }
        let m = q.tokens.joined.len().min(w.e - w.s);
        if UNBASE_SCALE * SCALE * sorted_bound(q, u, w.w, caps_s, order, items) < bar - EPS {
            continue;
        }
        let src = match w.w {
            Window::Words(i, j) => TokSrc::Words {
                src: &u.chars,
                words: &u.words[i..=j],
                ranks: &u.ranks[i..=j],
                common: false,
            },
            Window::Chunk(..) => TokSrc::Single,
        };
        let text = &compact(u, buf)[w.s..w.e];
        let cut = bar / (UNBASE_SCALE * SCALE) - EPS;
        let pt = q.partial_token(text, src, cut, (m, q.char_len()), qs);
        best = best.max(pt * UNBASE_SCALE * SCALE);
    }
    best
}

/// Bound (see `runs`) of `partial_ratio(sorted query, sorted tokens of window w)`, and
/// of the de-duplicated variant; 100 when no bound applies.
fn sorted_bound(
    q: &PreparedQuery,
    u: &Unit,
    w: Window,
    caps_s: &[(u32, u32)],
    order: &mut Vec<(u32, u32)>,
    items: &mut Vec<(u32, u32)>,
) -> f64 {
    let m = q.tokens.joined.len();
    let Window::Words(i, j) = w else {
        return 100.0;
    };
    if q.tokens.has_duplicates() || caps_s.is_empty() {
        return 100.0;
    }
    let spaces = q.tokens.count.saturating_sub(1);
    order.clear();
    order.extend((i..=j).map(|k| (u.ranks[k], k as u32)));
    order.sort_unstable();
    items.clear();
    items.extend(order.iter().map(|&(_, k)| caps_s[k as usize]));
    let mut bound = joined_partial_bound(items, m, spaces);
    if order.windows(2).any(|p| p[0].0 == p[1].0) {
        items.clear();
        let mut prev = None;
        for &(r, k) in order.iter() {
            if prev != Some(r) {
                items.push(caps_s[k as usize]);
            }
            prev = Some(r);
        }
        bound = bound.max(joined_partial_bound(items, m, spaces));
    }
    bound
}

/// Reference for tests: max over the windows of the plain `wratio` of each window text.
#[cfg(test)]
pub(crate) fn reference_long(q: &PreparedQuery, content: &str) -> f64 {
    let u = Unit::new(content);
    let mut ls = LongScratch::default();
    prepare(q, &u, true, &mut ls);
    compact(&u, &mut ls.compact);
    ls.wins
        .iter()
        .map(|w| {
            let text: String = ls.compact[w.s..w.e].iter().collect();
            super::wratio(q.processed(), &text)
        })
        .fold(0.0, f64::max)
}
