//! Word-aligned windows over a long processed unit. Windows live in the unit's *compact*
//! text (its words joined by single spaces). A window is a run of consecutive words,
//! between `span / 2` and `1.5 * span` chars long (shorter ones, squeezed between
//! over-long words, are skipped); consecutive windows start at most `span / 2` compact
//! chars apart, so every phrase of up to `span / 2` compact chars lies entirely inside a
//! window. Words longer than `span` are cut into overlapping chunks of `span` chars.

/// Word layout of a unit: each word's length and offset in the compact text.
pub(crate) struct Layout<'a> {
    /// `(start, end)` of each word in the processed text.
    pub(crate) words: &'a [(u32, u32)],
    /// Offset of each word in the compact text.
    pub(crate) offs: &'a [u32],
}

impl Layout<'_> {
    fn wlen(&self, k: usize) -> usize {
        let (s, e) = self.words[k];
        (e - s) as usize
    }

    /// Compact length of words `i..=j`.
    fn span_len(&self, i: usize, j: usize) -> usize {
        (self.offs[j] - self.offs[i]) as usize + self.wlen(j)
    }
}

/// One window: words `first..=last`, or a chunk `start..end` (compact offsets) of one
/// over-long word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Window {
    Words(usize, usize),
    Chunk(usize, usize),
}

/// Calls `f` for each window (see the module docs); stops when `f` returns `false`.
pub(crate) fn for_each_window(lay: &Layout, span: usize, mut f: impl FnMut(Window) -> bool) {
    let nw = lay.words.len();
    let half = (span / 2).max(1);
    let mut i = 0;
    while i < nw {
        if lay.wlen(i) > span {
            if !chunks(lay, i, span, half, &mut f) {
                return;
            }
            i += 1;
            continue;
        }
        let (i0, j) = window_at(lay, i, span, half);
        // Windows under 3/8 span (1.5x the query) only occur between over-long words;
        // they are skipped so every window stays in WRatio's partial band.
        let keep = lay.span_len(i0, j) * 8 >= span * 3;
        if (keep && !f(Window::Words(i0, j))) || j + 1 == nw {
            return;
        }
        i = next_start(lay, i, j, half);
    }
}

/// Words `(first, last)` of the window that starts at word `i`.
fn window_at(lay: &Layout, i: usize, span: usize, half: usize) -> (usize, usize) {
    let nw = lay.words.len();
    let mut j = i;
    while j + 1 < nw && lay.wlen(j + 1) <= span && lay.span_len(i, j + 1) <= span {
        j += 1;
    }
    // Too short: take the next word as well (at most 1.5 * span + 1 chars in total).
    if lay.span_len(i, j) < half && j + 1 < nw && lay.wlen(j + 1) <= span {
        j += 1;
    }
    // Last or still too short: extend backwards while it fits.
    let mut i0 = i;
    if j + 1 == nw || lay.span_len(i, j) < half {
        while i0 > 0 && lay.wlen(i0 - 1) <= span && lay.span_len(i0 - 1, j) <= span {
            i0 -= 1;
        }
    }
    (i0, j)
}

/// Start word of the window after the one spanning words `i..=j`.
fn next_start(lay: &Layout, i: usize, j: usize, half: usize) -> usize {
    let mut k = i + 1;
    while k < j + 1 && (lay.offs[k + 1] - lay.offs[i]) as usize <= half {
        k += 1;
    }
    k
}

/// Overlapping chunks of `span` chars (step `half`) of over-long word `k`.
fn chunks(
    lay: &Layout,
    k: usize,
    span: usize,
    half: usize,
    f: &mut impl FnMut(Window) -> bool,
) -> bool {
    let s = lay.offs[k] as usize;
    let e = s + lay.wlen(k);
    let mut a = s;
    loop {
        let b = (a + span).min(e);
        let a0 = b.saturating_sub(span).max(s);
        if !f(Window::Chunk(a0, b)) {
            return false;
        }
        if b == e {
            return true;
        }
        a += half;
    }
}
