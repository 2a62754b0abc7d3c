//! Bit-parallel longest-common-subsequence (the basis of the Indel distance) in the style
//! of Hyyrö / Allison–Dix: a reusable per-pattern match-mask table and the LCS kernels
//! (whole text, running prefix scan) built on it.

/// Match masks of one pattern: bit `i` of block `b` is set for char `c` when
/// `pattern[64 * b + i] == c`. ASCII chars use a dense table, others a sorted list.
#[derive(Clone, Debug, Default)]
pub(crate) struct Pattern {
    len: usize,
    blocks: usize,
    ascii: Vec<u64>,
    ascii_used: Vec<u8>,
    other_keys: Vec<char>,
    other_masks: Vec<u64>,
}

impl Pattern {
    /// Builds the masks for `s`.
    pub(crate) fn new(s: &[char]) -> Self {
        let mut p = Pattern::default();
        p.set(s);
        p
    }

    /// Replaces the pattern with `s`, reusing the allocated tables.
    pub(crate) fn set(&mut self, s: &[char]) {
        let blocks = s.len().div_ceil(64).max(1);
        if blocks != self.blocks || self.ascii.len() != 128 * blocks {
            self.ascii.clear();
            self.ascii.resize(128 * blocks, 0);
            self.blocks = blocks;
        } else {
            for &a in &self.ascii_used {
                let row = a as usize * blocks;
                self.ascii[row..row + blocks].fill(0);
            }
        }
        self.ascii_used.clear();
        self.other_keys.clear();
        self.other_masks.clear();
        self.len = s.len();
        for (i, &c) in s.iter().enumerate() {
            self.insert(c, i);
        }
    }

    fn insert(&mut self, c: char, i: usize) {
        let (b, bit) = (i / 64, 1u64 << (i % 64));
        if c.is_ascii() {
            let row = c as usize * self.blocks;
            if self.ascii[row..row + self.blocks].iter().all(|&m| m == 0) {
                self.ascii_used.push(c as u8);
            }
            self.ascii[row + b] |= bit;
            return;
        }
        let slot = match self.other_keys.binary_search(&c) {
            Ok(k) => k,
            Err(k) => {
                self.other_keys.insert(k, c);
                let at = k * self.blocks;
                for _ in 0..self.blocks {
                    self.other_masks.insert(at, 0);
                }
                k
            }
        };
        self.other_masks[slot * self.blocks + b] |= bit;
    }

    /// Pattern length in chars.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Mask of block `b` for char `c`.
    #[inline]
    pub(crate) fn get(&self, b: usize, c: char) -> u64 {
        if c.is_ascii() {
            return self.ascii[c as usize * self.blocks + b];
        }
        match self.other_keys.binary_search(&c) {
            Ok(k) => self.other_masks[k * self.blocks + b],
            Err(_) => 0,
        }
    }

    /// Mask of the single block for char `c` (patterns of at most 64 chars).
    #[inline]
    fn get0(&self, c: char) -> u64 {
        if c.is_ascii() {
            return self.ascii[c as usize];
        }
        match self.other_keys.binary_search(&c) {
            Ok(k) => self.other_masks[k],
            Err(_) => 0,
        }
    }

    fn last_mask(&self) -> u64 {
        match self.len % 64 {
            0 if self.len > 0 => !0,
            0 => 0,
            r => (1u64 << r) - 1,
        }
    }
}

/// Length of the LCS of the pattern and `text`.
pub(crate) fn lcs(p: &Pattern, text: &[char]) -> usize {
    if p.len == 0 || text.is_empty() {
        return 0;
    }
    if p.blocks == 1 {
        return lcs_single(p, text.iter().copied());
    }
    let mut st = vec![!0u64; p.blocks];
    for &c in text {
        step_multi(p, &mut st, c);
    }
    popcount_multi(p, &st)
}

/// LCS of the pattern and a char iterator, one 64-bit block.
#[inline]
fn lcs_single(p: &Pattern, text: impl Iterator<Item = char>) -> usize {
    let mut s = !0u64;
    for c in text {
        let m = p.get0(c);
        let u = s & m;
        s = s.wrapping_add(u) | (s & !m);
    }
    (!s & p.last_mask()).count_ones() as usize
}

fn step_multi(p: &Pattern, st: &mut [u64], c: char) {
    let mut carry = 0u64;
    for (b, sb) in st.iter_mut().enumerate() {
        let m = p.get(b, c);
        let u = *sb & m;
        let (x, c1) = sb.overflowing_add(u);
        let (x, c2) = x.overflowing_add(carry);
        carry = u64::from(c1 || c2);
        *sb = x | (*sb & !m);
    }
}

fn popcount_multi(p: &Pattern, st: &[u64]) -> usize {
    let last = st.len() - 1;
    st.iter()
        .enumerate()
        .map(|(b, &s)| {
            let mask = if b == last { p.last_mask() } else { !0 };
            (!s & mask).count_ones() as usize
        })
        .sum()
}

/// Feeds `text` char by char and calls `f(k, lcs)` with the LCS of the pattern and the
/// first `k` chars, for `k = 1..=text.len()`. Returning `false` from `f` stops the scan.
pub(crate) fn scan_prefixes(
    p: &Pattern,
    text: impl Iterator<Item = char>,
    mut f: impl FnMut(usize, usize) -> bool,
) {
    if p.len == 0 {
        return;
    }
    if p.blocks == 1 {
        let mut s = !0u64;
        let mask = p.last_mask();
        for (k, c) in text.enumerate() {
            let m = p.get0(c);
            let u = s & m;
            s = s.wrapping_add(u) | (s & !m);
            if !f(k + 1, (!s & mask).count_ones() as usize) {
                return;
            }
        }
        return;
    }
    let mut st = vec![!0u64; p.blocks];
    for (k, c) in text.enumerate() {
        step_multi(p, &mut st, c);
        if !f(k + 1, popcount_multi(p, &st)) {
            return;
        }
    }
}

/// Smallest edit (Levenshtein) distance between the pattern and any substring of
/// `text` (Myers' bit-vector search); `None` for patterns longer than 64 chars or empty.
pub(crate) fn min_substring_edit(p: &Pattern, text: impl Iterator<Item = char>) -> Option<usize> {
    if p.blocks != 1 || p.len == 0 {
        return None;
    }
    let high = 1u64 << (p.len - 1);
    let (mut pv, mut mv) = (!0u64, 0u64);
    let (mut score, mut best) = (p.len, p.len);
    for c in text {
        let eq = p.get0(c);
        let xv = eq | mv;
        let xh = ((eq & pv).wrapping_add(pv) ^ pv) | eq;
        let ph = mv | !(xh | pv);
        let mh = pv & xh;
        // At most one of the two bits is set.
        score = score + usize::from(ph & high != 0) - usize::from(mh & high != 0);
        // Row 0 is free (a match may start anywhere), so nothing is shifted in.
        let (ph, mh) = (ph << 1, mh << 1);
        pv = mh | !(xv | ph);
        mv = ph & xv;
        best = best.min(score);
        if best == 0 {
            break;
        }
    }
    Some(best)
}

/// LCS of two plain slices (builds a pattern for the shorter one).
pub(crate) fn lcs_slices(a: &[char], b: &[char]) -> usize {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return 0;
    }
    lcs(&Pattern::new(short), long)
}

/// Indel distance (insertions + deletions) from an LCS length.
#[inline]
pub(crate) fn indel_from_lcs(len1: usize, len2: usize, lcs: usize) -> usize {
    len1 + len2 - 2 * lcs
}

/// RapidFuzz's `ratio` value from lengths and LCS: `(1 - dist / lensum) * 100`, 100 for
/// two empty strings.
#[inline]
pub(crate) fn ratio_from_lcs(len1: usize, len2: usize, lcs: usize) -> f64 {
    let lensum = len1 + len2;
    if lensum == 0 {
        return 100.0;
    }
    let dist = indel_from_lcs(len1, len2, lcs);
    (1.0 - dist as f64 / lensum as f64) * 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute_min_edit(p: &[char], t: &[char]) -> usize {
        // Semi-global DP: free start and end in `t`.
        let mut prev: Vec<usize> = vec![0; t.len() + 1];
        for (i, &pc) in p.iter().enumerate() {
            let mut cur = vec![i + 1; t.len() + 1];
            for (j, &tc) in t.iter().enumerate() {
                let sub = prev[j] + usize::from(pc != tc);
                cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
            }
            prev = cur;
        }
        prev.into_iter().min().unwrap_or(p.len())
    }

    #[test]
    fn myers_matches_brute_force() {
        let mut x = 12345u64;
        let mut next = |n: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % n
        };
        let alpha: Vec<char> = "abcdé ".chars().collect();
        for _ in 0..3000 {
            let pl = 1 + next(20) as usize;
            let tl = next(60) as usize;
            let p: Vec<char> = (0..pl).map(|_| alpha[next(6) as usize]).collect();
            let t: Vec<char> = (0..tl).map(|_| alpha[next(6) as usize]).collect();
            let got = min_substring_edit(&Pattern::new(&p), t.iter().copied());
            assert_eq!(got, Some(brute_min_edit(&p, &t)), "{p:?} in {t:?}");
        }
    }
}
