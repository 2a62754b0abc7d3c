//! Token handling shared by the token scorers: whitespace splitting, sorted / sorted-unique
//! joined forms (RapidFuzz's `sorted_split(...).join()` and its de-duplicated variant) and
//! the set decomposition (intersection / differences) of two token sets.

use super::process::is_space;

/// Sorted tokens of one string, joined by single spaces, with and without duplicates.
#[derive(Clone, Debug, Default)]
pub(crate) struct TokenForm {
    /// All tokens, sorted by code points, joined with `' '`.
    pub(crate) joined: Vec<char>,
    /// Unique tokens, sorted, joined with `' '`.
    pub(crate) uniq_joined: Vec<char>,
    /// `(start, end)` of each unique token inside `uniq_joined`.
    pub(crate) uniq: Vec<(u32, u32)>,
    /// Number of tokens, duplicates included.
    pub(crate) count: usize,
    ranges: Vec<(u32, u32)>,
}

impl TokenForm {
    /// Builds the forms of `src`.
    pub(crate) fn new(src: &[char]) -> Self {
        let mut t = TokenForm::default();
        t.fill(src);
        t
    }

    /// Rebuilds the forms for `src`, reusing buffers.
    pub(crate) fn fill(&mut self, src: &[char]) {
        self.ranges.clear();
        let mut start = None;
        for (i, &c) in src.iter().enumerate() {
            match (is_space(c), start) {
                (true, Some(s)) => {
                    self.ranges.push((s, i as u32));
                    start = None;
                }
                (false, None) => start = Some(i as u32),
                _ => {}
            }
        }
        if let Some(s) = start {
            self.ranges.push((s, src.len() as u32));
        }
        let tok = |r: &(u32, u32)| &src[r.0 as usize..r.1 as usize];
        self.ranges.sort_unstable_by(|a, b| tok(a).cmp(tok(b)));
        self.count = self.ranges.len();
        self.joined.clear();
        self.uniq_joined.clear();
        self.uniq.clear();
        let mut prev: Option<&[char]> = None;
        for r in &self.ranges {
            let t = tok(r);
            if !self.joined.is_empty() {
                self.joined.push(' ');
            }
            self.joined.extend_from_slice(t);
            if prev == Some(t) {
                continue;
            }
            prev = Some(t);
            if !self.uniq_joined.is_empty() {
                self.uniq_joined.push(' ');
            }
            let s = self.uniq_joined.len() as u32;
            self.uniq_joined.extend_from_slice(t);
            self.uniq.push((s, self.uniq_joined.len() as u32));
        }
    }

    /// Rebuilds the forms from precomputed words of `src` (`(start, end)` ranges) and
    /// their ranks (equal words share a rank; rank order is code-point order).
    pub(crate) fn fill_ranked(&mut self, src: &[char], words: &[(u32, u32)], ranks: &[u32]) {
        self.ranges.clear();
        self.ranges
            .extend(ranks.iter().zip(0u32..).map(|(&r, k)| (r, k)));
        self.ranges.sort_unstable();
        self.count = words.len();
        self.joined.clear();
        self.uniq_joined.clear();
        self.uniq.clear();
        let mut prev = None;
        for &(r, k) in &self.ranges {
            let (s, e) = words[k as usize];
            let t = &src[s as usize..e as usize];
            if !self.joined.is_empty() {
                self.joined.push(' ');
            }
            self.joined.extend_from_slice(t);
            if prev == Some(r) {
                continue;
            }
            prev = Some(r);
            if !self.uniq_joined.is_empty() {
                self.uniq_joined.push(' ');
            }
            let at = self.uniq_joined.len() as u32;
            self.uniq_joined.extend_from_slice(t);
            self.uniq.push((at, self.uniq_joined.len() as u32));
        }
    }

    /// Unique token `i`.
    #[inline]
    pub(crate) fn tok(&self, i: usize) -> &[char] {
        let (s, e) = self.uniq[i];
        &self.uniq_joined[s as usize..e as usize]
    }

    /// Whether some token has duplicates.
    pub(crate) fn has_duplicates(&self) -> bool {
        self.count != self.uniq.len()
    }
}

/// Whether the two token sets share a token.
pub(crate) fn has_common(a: &TokenForm, b: &TokenForm) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.uniq.len() && j < b.uniq.len() {
        match a.tok(i).cmp(b.tok(j)) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// Set decomposition: writes the joined sorted differences `a - b` and `b - a` and returns
/// the joined length of the intersection (0 when it is empty).
pub(crate) fn decompose(
    a: &TokenForm,
    b: &TokenForm,
    diff_ab: &mut Vec<char>,
    diff_ba: &mut Vec<char>,
) -> usize {
    diff_ab.clear();
    diff_ba.clear();
    let (mut i, mut j) = (0, 0);
    let (mut sect_len, mut sect_n) = (0usize, 0usize);
    while i < a.uniq.len() || j < b.uniq.len() {
        let ord = match (i < a.uniq.len(), j < b.uniq.len()) {
            (true, true) => a.tok(i).cmp(b.tok(j)),
            (true, false) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match ord {
            std::cmp::Ordering::Less => {
                push_token(diff_ab, a.tok(i));
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                push_token(diff_ba, b.tok(j));
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                sect_len += a.tok(i).len();
                sect_n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    if sect_n > 0 { sect_len + sect_n - 1 } else { 0 }
}

fn push_token(out: &mut Vec<char>, t: &[char]) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.extend_from_slice(t);
}
