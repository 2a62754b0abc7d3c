//! Upper bounds of partial alignments from per-word LCS caps: a substring of at most `m`
//! chars of words joined by single spaces touches a run of consecutive words, so its LCS
//! with a needle is at most the sum of those words' LCS with the needle, plus the spaces.

/// Upper bound of the LCS of a needle with any substring of at most `m` chars of words
/// joined by single spaces. `items[i]` is `(length, cap)` of word `i`, `cap` being its
/// LCS with the needle; `spaces` is the needle's space count. A substring touching words
/// `a..=b` holds the interior words whole and pieces of the end words, so its LCS is at
/// most the interior caps, plus what the remaining room allows of the end words' caps,
/// plus the matched separators.
pub(crate) fn run_bound(items: &[(u32, u32)], m: usize, spaces: usize) -> usize {
    let mut best = 0;
    for b in 0..items.len() {
        best = best.max((items[b].1 as usize).min(m));
        let (mut inner, mut inner_caps) = (0usize, 0usize);
        let mut a = b;
        while a > 0 {
            a -= 1;
            if a + 1 < b {
                inner += items[a + 1].0 as usize;
                inner_caps += items[a + 1].1 as usize;
            }
            let seps = b - a;
            if inner + seps + 2 > m {
                break;
            }
            let room = m - inner - seps;
            let ends = (items[a].1 + items[b].1) as usize;
            best = best.max((inner_caps + room.min(ends) + seps.min(spaces)).min(m));
        }
    }
    best
}

/// Upper bound (0..=100) of `partial_ratio(needle, joined)` where `joined` is the words
/// `items` joined by single spaces (longer than the needle of `m` chars): full-length
/// alignments are bounded by the run bound, the shorter prefix / suffix alignments by the
/// caps of the words they cover from either end.
pub(crate) fn joined_partial_bound(items: &[(u32, u32)], m: usize, spaces: usize) -> f64 {
    if m == 0 {
        return 100.0;
    }
    let full = 100.0 * run_bound(items, m, spaces).min(m) as f64 / m as f64;
    let head = edge_bound(items.iter(), m, spaces);
    let tail = edge_bound(items.iter().rev(), m, spaces);
    full.max(head).max(tail)
}

/// Best ratio bound of an edge (shorter than `m`) covering the words in `items` order.
/// Within a word the bound grows while the piece is within the word's cap, then falls,
/// so each word is evaluated once, at the longest piece not exceeding its cap.
fn edge_bound<'a>(items: impl Iterator<Item = &'a (u32, u32)>, m: usize, spaces: usize) -> f64 {
    let (mut pos, mut caps, mut seps, mut best) = (0usize, 0usize, 0usize, 0.0f64);
    for &(len, cap) in items {
        let (len, cap) = (len as usize, cap as usize);
        if pos + 1 >= m {
            break;
        }
        let p = cap.min(len).min(m - 1 - pos).max(1);
        let k = pos + p;
        let l = (caps + p.min(cap) + seps.min(spaces)).min(k);
        best = best.max(200.0 * l as f64 / (m + k) as f64);
        caps += cap;
        pos += len + 1;
        seps += 1;
    }
    best
}

/// Upper bound (0..=100) of `partial_ratio(needle, joined)` for `joined` *any*
/// arrangement of a subset of the word occurrences `items` (longer than the needle of
/// `m` chars with `spaces` spaces). A substring crossing `s` separators holds pieces of
/// two end words and `s - 1` whole interior words; an interior word of length `len`
/// and cap `cap` costs `len + 1` chars for `cap` matches, so at least `len - cap` chars
/// of the room go unmatched. Shorter alignments only sit at the arrangement's ends.
pub(crate) fn any_order_partial_bound(items: &[(u32, u32)], m: usize, spaces: usize) -> f64 {
    let (mut c1, mut c2, mut slack) = (0usize, 0usize, usize::MAX);
    for &(len, cap) in items {
        let cap = cap as usize;
        if cap > c1 {
            c2 = c1;
            c1 = cap;
        } else if cap > c2 {
            c2 = cap;
        }
        slack = slack.min(len as usize - cap.min(len as usize));
    }
    let n = items.len();
    let two = c1 + c2 + spaces.min(1);
    let lcs_within = |k: usize| -> usize {
        let mut b = c1.min(k);
        if n >= 2 && k >= 3 {
            b = b.max(two.min(k - 1 + spaces.min(1)).min(k));
        }
        let mut s = 2;
        while s < n && 2 * s < k {
            let v = (k - s + s.min(spaces)).saturating_sub((s - 1) * slack);
            b = b.max(v.min(k));
            s += 1;
        }
        b
    };
    if m == 0 {
        return 100.0;
    }
    // An edge (prefix or suffix of the arrangement) that crosses a separator holds its
    // first (or last) word whole: best cap per word length, for lengths below `m`.
    let mut by_len = vec![0usize; m];
    let mut has_len = vec![false; m];
    for &(len, cap) in items {
        let len = len as usize;
        if len < m {
            by_len[len] = by_len[len].max(cap as usize);
            has_len[len] = true;
        }
    }
    let lcs_edge = |k: usize| -> usize {
        let mut b = c1.min(k);
        for len in 1..m {
            if n >= 2 && has_len[len] && len + 2 <= k {
                let v = by_len[len] + (k - len - 1).min(c1) + spaces.min(1);
                b = b.max(v.min(k));
            }
        }
        let mut s = 2;
        while s < n && 2 * s < k {
            let v = (k - s + s.min(spaces)).saturating_sub(s * slack);
            b = b.max(v.min(k));
            s += 1;
        }
        b
    };
    let mut best = 100.0 * lcs_within(m) as f64 / m as f64;
    for k in 1..m {
        best = best.max(200.0 * lcs_edge(k) as f64 / (m + k) as f64);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::run_bound;

    #[test]
    fn runs_fit_the_needle_length() {
        // "aaaa bb cccc": caps 4, 2, 4.
        let items = [(4, 4), (2, 2), (4, 4)];
        assert_eq!(run_bound(&items, 20, 0), 10);
        assert_eq!(run_bound(&items, 20, 2), 12);
        // A 4-char substring can touch "bb" and both neighbours' ends.
        assert_eq!(run_bound(&items, 4, 0), 4);
        assert_eq!(run_bound(&[(9, 3), (9, 3)], 5, 1), 5);
        assert_eq!(run_bound(&[(9, 1), (9, 1)], 5, 1), 3);
        assert_eq!(run_bound(&[], 5, 1), 0);
    }

    #[test]
    fn any_order_bound_is_a_bound() {
        // "ab cd" against needle "ab cd": 100 possible.
        let items = [(2, 2), (2, 2)];
        assert_eq!(super::any_order_partial_bound(&items, 5, 1), 100.0);
        // Words that each match one char of a 6-char one-token needle.
        let items = [(5, 1), (5, 1), (5, 1)];
        let b = super::any_order_partial_bound(&items, 6, 0);
        assert!(b <= 200.0 * 3.0 / 9.0 + 1e-9, "{b}");
    }

    #[test]
    fn joined_bound_covers_full_and_edges() {
        // Needle "abcd" (m = 4) against "abcd xyz": exact match possible.
        assert_eq!(super::joined_partial_bound(&[(4, 4), (3, 0)], 4, 0), 100.0);
        // Against "xyz ab": best is the 2-char suffix "ab" (2 * 2 / 6).
        let b = super::joined_partial_bound(&[(3, 0), (2, 2)], 4, 0);
        assert!((b - 200.0 * 2.0 / 6.0).abs() < 1e-9, "{b}");
    }
}
