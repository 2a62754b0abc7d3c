//! How short the de-duplicated form of a run of words can get. A window of repeated words
//! has a de-duplicated sorted form (its distinct words joined by single spaces) that may
//! be no longer than the query's; partial_ratio then takes the *window's* form as the
//! needle, a case the token-term bounds of long units do not cover. This query-independent
//! table tells, per unit, whether such a window can exist at all, so only units that may
//! hold one pay for scoring those windows outright (see `long::short_forms`).

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

    /// Whether some run of at least `len` compact chars may have a de-duplicated form of
    /// at most `max` chars. The bound of the largest threshold not above `len` holds,
    /// since lengthening a run never shortens its de-duplicated form.
    pub(crate) fn may_shrink(&self, len: usize, max: usize) -> bool {
        let k = self.0.partition_point(|&(l, _)| l as usize <= len);
        match k.checked_sub(1) {
            Some(k) => self.0[k].1 as usize <= max,
            None => true,
        }
    }
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

    #[test]
    fn repeated_words_shrink_and_distinct_ones_do_not() {
        let u = Unit::new(&"server ".repeat(30));
        // Any run is "server" de-duplicated: 6 chars.
        assert!(u.shrink.may_shrink(21, 6));
        assert!(!u.shrink.may_shrink(21, 5));
        let u = Unit::new("alpha bravo charlie delta echo foxtrot golf hotel india juliet");
        // Distinct words: a run of at least 12 chars is its own de-duplicated form.
        assert!(!u.shrink.may_shrink(12, 11));
        assert!(u.shrink.may_shrink(12, 12));
        // Below the first threshold nothing is known.
        assert!(u.shrink.may_shrink(1, 0));
    }
}
