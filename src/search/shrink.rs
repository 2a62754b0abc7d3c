//! How short the de-duplicated form of a run of words can get. A window of repeated words
//! has a de-duplicated sorted form (its distinct words joined by single spaces) that may
//! be no longer than the query's; partial_ratio then takes the *window's* form as the
//! needle, a case the token-term bounds of long units do not cover. This query-independent
//! table tells, per unit, whether such a window can exist at all, so only units that may
//! hold one pay for scoring those windows outright (see `long::short_forms`).

use super::sig::{Sig, bigram_bit};

/// Entries `(l, f)`, `l` increasing: every run of consecutive words whose compact text
/// (words joined by single spaces) has at least `l` chars has a de-duplicated form of at
/// least `f` chars.
#[derive(Clone, Debug, Default)]
pub(crate) struct ShrinkTable(Vec<(u32, u32)>);

impl ShrinkTable {
    /// Table of a unit of `n` chars with words `words` (`(start, end)`) and their ranks
    /// (equal words share a rank). Thresholds grow by about 1.25x up to `3n/16 + 2`:
    /// windows (at least 1.5x the query) only exist in units of at least 8x the query.
    pub(crate) fn new(n: usize, words: &[(u32, u32)], ranks: &[u32]) -> Self {
        let Some(&top) = ranks.iter().max() else {
            return ShrinkTable::default();
        };
        let mut counts = vec![0u32; top as usize + 1];
        let mut out = Vec::new();
        let mut l = 2usize;
        while l <= 3 * n / 16 + 2 {
            let Some(f) = min_dedup(words, ranks, l, &mut counts) else {
                break;
            };
            out.push((l as u32, f as u32));
            l = (l * 5 / 4).max(l + 1);
        }
        ShrinkTable(out)
    }

    /// Lower bound of the de-duplicated form of the runs of at least `len` compact chars:
    /// the bound of the largest threshold not above `len` (lengthening a run never
    /// shortens its de-duplicated form), 0 when there is none.
    pub(crate) fn min_form(&self, len: usize) -> usize {
        let k = self.0.partition_point(|&(l, _)| l as usize <= len);
        k.checked_sub(1).map_or(0, |k| self.0[k].1 as usize)
    }
}

/// Upper bound (0..=100) of `partial_ratio(w, qu)` for any `w` of `kmin..=qu.len()` chars
/// whose bigrams all are in `sig` (`w` being the needle). Turning `w` into an alignment
/// `t` (a substring of `qu`) takes at least `len difference` Indel edits, and at least
/// half as many as `t` has bigrams missing from `sig`: an insertion adds at most two new
/// bigrams, a deletion one.
pub(crate) fn needle_bound(qu: &[char], sig: &Sig, kmin: usize) -> f64 {
    let m = qu.len();
    let kmin = kmin.max(1);
    if kmin > m {
        return 0.0;
    }
    // held[i]: bigrams among the first i of `qu` that are in `sig`.
    let mut held = Vec::with_capacity(m);
    held.push(0usize);
    for p in qu.windows(2) {
        let h = held[held.len() - 1] + usize::from(sig.has(bigram_bit(p[0], p[1])));
        held.push(h);
    }
    let miss = |a: usize, len: usize| (len - 1) - (held[a + len - 1] - held[a]);
    let mut best = 0.0f64;
    // Full-length alignments: `t` as long as `w`.
    for len in kmin..=m {
        for a in 0..=m - len {
            let d = miss(a, len).div_ceil(2);
            best = best.max(100.0 * (1.0 - d as f64 / (2 * len) as f64));
        }
    }
    // Edges: a prefix or suffix of `qu` shorter than `w`.
    for len in 1..m {
        let c = miss(0, len).min(miss(m - len, len)).div_ceil(2);
        let k = (len + c.max(1)).clamp(kmin.max(len + 1), m);
        let d = c.max(k - len);
        best = best.max(100.0 * (1.0 - d as f64 / (k + len) as f64));
    }
    best
}

/// Shortest de-duplicated form over the runs of at least `l` compact chars (`None` when
/// no run is that long). For each first word the shortest such run is the best, and its
/// last word never moves back as the first word advances (two pointers).
fn min_dedup(words: &[(u32, u32)], ranks: &[u32], l: usize, counts: &mut [u32]) -> Option<usize> {
    counts.fill(0);
    let cost = |k: usize| (words[k].1 - words[k].0) as usize + 1;
    let nw = words.len();
    // Words i..j: `span` and `uniq` sum word length + 1 over all / distinct words.
    let (mut j, mut span, mut uniq) = (0usize, 0usize, 0usize);
    let mut best: Option<usize> = None;
    for i in 0..nw {
        while j < nw && span < l + 1 {
            let r = ranks[j] as usize;
            if counts[r] == 0 {
                uniq += cost(j);
            }
            counts[r] += 1;
            span += cost(j);
            j += 1;
        }
        if span < l + 1 {
            break;
        }
        let f = uniq - 1;
        best = Some(best.map_or(f, |b| b.min(f)));
        let r = ranks[i] as usize;
        counts[r] -= 1;
        if counts[r] == 0 {
            uniq -= cost(i);
        }
        span -= cost(i);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::super::doc::Unit;
    use super::needle_bound;

    #[test]
    fn repeated_words_shrink_and_distinct_ones_do_not() {
        let u = Unit::new(&"server ".repeat(30));
        // Any run is "server" de-duplicated: 6 chars.
        assert_eq!(u.shrink.min_form(21), 6);
        let u = Unit::new("alpha bravo charlie delta echo foxtrot golf hotel india juliet");
        // Distinct words: a run of at least 12 chars is its own de-duplicated form.
        assert_eq!(u.shrink.min_form(12), 12);
        // Below the first threshold nothing is known.
        assert_eq!(u.shrink.min_form(1), 0);
    }

    #[test]
    fn needle_bound_sees_words_inside_the_query() {
        let qu: Vec<char> = "deploy servers".chars().collect();
        let u = Unit::new(&"server ".repeat(30));
        assert_eq!(needle_bound(&qu, &u.sig, 6), 100.0);
        let u = Unit::new(&"xyz qvw ".repeat(30));
        assert!(needle_bound(&qu, &u.sig, 3) < 90.0);
    }
}
