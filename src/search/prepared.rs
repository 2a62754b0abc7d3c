//! `PreparedQuery`: a query processed once (chars, token forms, bit-parallel masks, char
//! histogram) and a WRatio against processed choices that reuses all of it, prunes with
//! upper bounds against the cutoff and allocates nothing per choice.

use std::cell::RefCell;

use super::fuzz::{
    SetBufs, UNBASE_SCALE, cut, len_ratio, partial_scale, ratio_lcs_cut, token_set_part,
};
use super::indel::{lcs, ratio_from_lcs};
use super::partial::{NeedleBuf, partial_bound, partial_core};
use super::process::{default_process, is_space};
use super::sig::{FormBigrams, word_hash};
use super::tokens::{TokenForm, has_common};

/// Slack for float comparisons against cutoffs: bounds and inner cutoffs are loosened by
/// this much so that pruning never drops a score equal to the cutoff.
pub(crate) const EPS: f64 = 1e-12;

/// A search query prepared once for many WRatio comparisons.
#[derive(Clone, Debug)]
pub struct PreparedQuery {
    processed: String,
    chars: Vec<char>,
    pub(crate) needle: NeedleBuf,
    pub(crate) tokens: TokenForm,
    pub(crate) sorted_needle: NeedleBuf,
    uniq_needle: NeedleBuf,
    pub(crate) hist: CharHist,
    /// Bigrams of the query, its sorted tokens and its unique sorted tokens.
    pub(crate) forms: [FormBigrams; 3],
    /// Hashes of the query's unique tokens.
    pub(crate) token_hashes: Vec<u64>,
}

/// Where the choice's tokens come from.
#[derive(Clone, Copy)]
pub(crate) enum TokSrc<'a> {
    /// Split the choice text itself.
    Text,
    /// Precomputed words of `src` with their ranks; `common` tells whether one of them
    /// equals a query token.
    Words {
        src: &'a [char],
        words: &'a [(u32, u32)],
        ranks: &'a [u32],
        common: bool,
    },
    /// The choice is one token that equals no query token.
    Single,
}

/// Reusable per-thread buffers for the choice side.
#[derive(Default)]
pub(crate) struct Scratch {
    tokens: TokenForm,
    needle: NeedleBuf,
    set: SetBufs,
    counts: Vec<u32>,
    pub(crate) chars: Vec<char>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Multiset of the query's non-space chars, for LCS upper bounds.
#[derive(Clone, Debug, Default)]
pub(crate) struct CharHist {
    ascii: Vec<u16>,
    other: Vec<(char, u16)>,
    pub(crate) caps: Vec<u32>,
    pub(crate) spaces: usize,
}

impl CharHist {
    fn new(s: &[char]) -> Self {
        let mut h = CharHist {
            ascii: vec![0; 128],
            ..CharHist::default()
        };
        for &c in s {
            if is_space(c) {
                h.spaces += 1;
                continue;
            }
            let slot = match h.slot(c) {
                Some(k) => k,
                None => h.add(c),
            };
            h.caps[slot] += 1;
        }
        h
    }

    fn add(&mut self, c: char) -> usize {
        let k = self.caps.len();
        self.caps.push(0);
        let tag = (k + 1) as u16;
        if c.is_ascii() {
            self.ascii[c as usize] = tag;
        } else {
            let at = self.other.partition_point(|&(x, _)| x < c);
            self.other.insert(at, (c, tag));
        }
        k
    }

    #[inline]
    pub(crate) fn slot(&self, c: char) -> Option<usize> {
        let tag = if c.is_ascii() {
            self.ascii[c as usize]
        } else {
            match self.other.binary_search_by(|&(x, _)| x.cmp(&c)) {
                Ok(i) => self.other[i].1,
                Err(_) => 0,
            }
        };
        (tag as usize).checked_sub(1)
    }

    /// `(non-space chars matchable, whitespace chars in choice)`: the first is an upper
    /// bound of the LCS of the query's non-space chars with any part of `choice`.
    fn overlap(&self, choice: &[char], counts: &mut Vec<u32>) -> (usize, usize) {
        counts.clear();
        counts.resize(self.caps.len(), 0);
        let (mut h, mut ws) = (0usize, 0usize);
        for &c in choice {
            if let Some(k) = self.slot(c) {
                if counts[k] < self.caps[k] {
                    counts[k] += 1;
                    h += 1;
                }
            } else if is_space(c) {
                ws += 1;
            }
        }
        (h, ws)
    }
}

impl PreparedQuery {
    /// Processes `query` with [`default_process`] and precomputes everything query-side.
    pub fn new(query: &str) -> Self {
        let processed = default_process(query);
        let chars: Vec<char> = processed.chars().collect();
        let tokens = TokenForm::new(&chars);
        let forms = [
            FormBigrams::new(&chars),
            FormBigrams::new(&tokens.joined),
            FormBigrams::new(&tokens.uniq_joined),
        ];
        let token_hashes = (0..tokens.uniq.len())
            .map(|i| word_hash(tokens.tok(i)))
            .collect();
        PreparedQuery {
            forms,
            token_hashes,
            needle: NeedleBuf::new(&chars),
            sorted_needle: NeedleBuf::new(&tokens.joined),
            uniq_needle: NeedleBuf::new(&tokens.uniq_joined),
            hist: CharHist::new(&chars),
            tokens,
            chars,
            processed,
        }
    }

    /// The processed query.
    pub fn processed(&self) -> &str {
        &self.processed
    }

    /// The processed query's chars.
    pub(crate) fn chars(&self) -> &[char] {
        &self.chars
    }

    /// Length of the processed query in chars.
    pub fn char_len(&self) -> usize {
        self.chars.len()
    }

    /// `wratio(self.processed(), processed_choice)` when that is >= `score_cutoff`; may
    /// return 0 (or any value below the cutoff) otherwise.
    pub fn wratio(&self, processed_choice: &str, score_cutoff: f64) -> f64 {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut sc) => {
                let mut buf = std::mem::take(&mut sc.chars);
                buf.clear();
                buf.extend(processed_choice.chars());
                let r = self.wratio_chars(&buf, score_cutoff, &mut sc);
                sc.chars = buf;
                r
            }
            Err(_) => {
                let buf: Vec<char> = processed_choice.chars().collect();
                self.wratio_chars(&buf, score_cutoff, &mut Scratch::default())
            }
        })
    }

    /// Whether `w` equals one of the query's tokens.
    pub(crate) fn has_token(&self, w: &[char]) -> bool {
        let t = &self.tokens;
        let (mut lo, mut hi) = (0, t.uniq.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match t.tok(mid).cmp(w) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }

    /// WRatio against a choice given as chars.
    pub(crate) fn wratio_chars(&self, c: &[char], cutoff: f64, sc: &mut Scratch) -> f64 {
        self.wratio_src(c, TokSrc::Text, cutoff, sc)
    }

    /// WRatio against a choice whose tokens come from `src`.
    pub(crate) fn wratio_src(&self, c: &[char], src: TokSrc, cutoff: f64, sc: &mut Scratch) -> f64 {
        let (l1, l2) = (self.chars.len(), c.len());
        if cutoff > 100.0 || l1 == 0 || l2 == 0 {
            return 0.0;
        }
        let (h_ns, c_ws) = self.hist.overlap(c, &mut sc.counts);
        let h = (h_ns + self.hist.spaces.min(c_ws)).min(l1.min(l2));
        let r_ub = ratio_from_lcs(l1, l2, h);
        let lr = len_ratio(l1, l2);
        if lr < 1.5 {
            return self.token_band(c, src, cutoff, r_ub, sc);
        }
        let scale = partial_scale(lr);
        let pr_ub = partial_bound(l1.min(l2), h);
        let tok_ub = 100.0 * UNBASE_SCALE * scale;
        if r_ub.max(pr_ub * scale).max(tok_ub) < cutoff - EPS {
            return 0.0;
        }
        let mut end = 0.0;
        if r_ub >= cutoff - EPS {
            end = ratio_lcs_cut(l1, l2, lcs(self.needle.fwd(), c), cutoff);
        }
        let bar = cutoff.max(end);
        if pr_ub * scale >= bar - EPS {
            end = end.max(self.partial(c, bar / scale - EPS, sc) * scale);
        }
        let bar = cutoff.max(end);
        if tok_ub >= bar - EPS {
            let tc = bar / (UNBASE_SCALE * scale) - EPS;
            let m = self.tokens.joined.len().min(l2 - c_ws);
            let pt = self.partial_token(c, src, tc, (m, h_ns), sc);
            end = end.max(pt * UNBASE_SCALE * scale);
        }
        cut(end, cutoff)
    }

    /// WRatio for length ratios below 1.5: `max(ratio, 0.95 * token_ratio)`.
    fn token_band(&self, c: &[char], src: TokSrc, cutoff: f64, r_ub: f64, sc: &mut Scratch) -> f64 {
        let (l1, l2) = (self.chars.len(), c.len());
        let mut end = 0.0;
        if r_ub >= cutoff - EPS {
            end = ratio_lcs_cut(l1, l2, lcs(self.needle.fwd(), c), cutoff);
        }
        let bar = cutoff.max(end);
        if 100.0 * UNBASE_SCALE >= bar - EPS {
            let tc = bar / UNBASE_SCALE - EPS;
            fill_tokens(c, src, &mut sc.tokens);
            end = end.max(self.token_ratio(tc, sc) * UNBASE_SCALE);
        }
        cut(end, cutoff)
    }

    /// `token_ratio(query, c)` with the query's sorted form and masks precomputed.
    /// Expects the choice's forms in `sc.tokens`.
    fn token_ratio(&self, cutoff: f64, sc: &mut Scratch) -> f64 {
        let (qs, cs) = (&self.tokens.joined, &sc.tokens.joined);
        let base = ratio_lcs_cut(
            qs.len(),
            cs.len(),
            lcs(self.sorted_needle.fwd(), cs),
            cutoff,
        );
        token_set_part(&self.tokens, &sc.tokens, base, cutoff, &mut sc.set)
    }

    /// `partial_ratio(query, c)`.
    fn partial(&self, c: &[char], cutoff: f64, sc: &mut Scratch) -> f64 {
        partial_prepared(&self.chars, &self.needle, c, cutoff, &mut sc.needle)
    }

    /// `partial_token_ratio(query, c)`. `m` is at most the shorter sorted length and
    /// `h_ns` bounds the matchable non-space chars.
    pub(crate) fn partial_token(
        &self,
        c: &[char],
        src: TokSrc,
        cutoff: f64,
        (m, h_ns): (usize, usize),
        sc: &mut Scratch,
    ) -> f64 {
        if cutoff > 100.0 {
            return 0.0;
        }
        let qt = &self.tokens;
        let common = match src {
            TokSrc::Text => {
                sc.tokens.fill(c);
                has_common(qt, &sc.tokens)
            }
            TokSrc::Words { common, .. } => common,
            TokSrc::Single => false,
        };
        if common {
            return 100.0;
        }
        let hs = h_ns + qt.count.saturating_sub(1);
        let first_ok = partial_bound(m, hs) >= cutoff - EPS;
        if !first_ok && !qt.has_duplicates() && matches!(src, TokSrc::Single) {
            return 0.0;
        }
        if !matches!(src, TokSrc::Text) {
            fill_tokens(c, src, &mut sc.tokens);
        }
        let ct = &sc.tokens;
        let sn = &mut sc.needle;
        let mut result = 0.0;
        if first_ok {
            result = partial_prepared(&qt.joined, &self.sorted_needle, &ct.joined, cutoff, sn);
        }
        if !qt.has_duplicates() && !ct.has_duplicates() {
            return result;
        }
        // The de-duplicated forms are shorter: their own bound applies.
        let cutoff = cutoff.max(result);
        let m = qt.uniq_joined.len().min(ct.uniq_joined.len());
        if partial_bound(m, hs) < cutoff - EPS {
            return result;
        }
        let (qu, cu) = (&qt.uniq_joined, &ct.uniq_joined);
        result.max(partial_prepared(qu, &self.uniq_needle, cu, cutoff, sn))
    }
}

/// Fills `out` with the token forms of choice `c` as described by `src`.
fn fill_tokens(c: &[char], src: TokSrc, out: &mut TokenForm) {
    match src {
        TokSrc::Words {
            src, words, ranks, ..
        } => out.fill_ranked(src, words, ranks),
        TokSrc::Text | TokSrc::Single => out.fill(c),
    }
}

/// `partial_ratio(q, c)` where `q`'s masks are prepared in `qn`; `cn` is scratch space
/// for the choice-side masks when the choice is the needle.
fn partial_prepared(
    q: &[char],
    qn: &NeedleBuf,
    c: &[char],
    cutoff: f64,
    cn: &mut NeedleBuf,
) -> f64 {
    if cutoff > 100.0 {
        return 0.0;
    }
    let (l1, l2) = (q.len(), c.len());
    if l1 == 0 || l2 == 0 {
        return if l1 == l2 { 100.0 } else { 0.0 };
    }
    if l1 > l2 {
        cn.set(c);
        return partial_core(&cn.needle(), q, cutoff);
    }
    let r = partial_core(&qn.needle(), c, cutoff);
    if r == 100.0 || l1 != l2 {
        return r;
    }
    cn.set(c);
    r.max(partial_core(&cn.needle(), q, cutoff.max(r)))
}
