//! Search units of a message (content, sender, scalar metadata values), their cached
//! processed form (`PreparedDoc`) and the per-message score (`score_doc`): exact WRatio
//! for units shorter than 8x the query, the best word-aligned window for longer ones.

use super::fuzz::len_ratio;
use super::long::{LongScratch, score_long};
use super::memo::{Known, Memo};
use super::prepared::{PreparedQuery, Scratch};
use super::process::{default_process, is_space};
use super::shrink::ShrinkTable;
use super::sig::{Sig, word_hash};

/// Units at least this many times longer than the query are scored by windows.
const WINDOW_FROM: usize = 8;
/// Best WRatio possible for a choice at least 1.5x the query length (partial band).
const PARTIAL_BAND_MAX: f64 = 0.9 * 100.0;

/// One searchable text of a message, processed, with its words and their sort ranks.
#[derive(Clone, Debug, Default)]
pub(crate) struct Unit {
    pub(crate) chars: Vec<char>,
    /// `(start, end)` of each word in `chars`.
    pub(crate) words: Vec<(u32, u32)>,
    /// Offset of each word in the compact text (words joined by single spaces).
    pub(crate) offs: Vec<u32>,
    /// Rank of each word in code-point order; equal words share a rank.
    pub(crate) ranks: Vec<u32>,
    /// Bigram signature of the compact text.
    pub(crate) sig: Sig,
    /// Sorted, de-duplicated hashes of the words.
    pub(crate) word_hashes: Vec<u64>,
    /// Hash of the processed text (memo key).
    pub(crate) hash: u64,
    /// How short the de-duplicated form of a run of words can get.
    pub(crate) shrink: ShrinkTable,
}

impl Unit {
    pub(crate) fn new(s: &str) -> Self {
        let chars: Vec<char> = default_process(s).chars().collect();
        let mut words = Vec::new();
        let mut start = None;
        for (i, &c) in chars.iter().enumerate() {
            match (is_space(c), start) {
                (true, Some(st)) => {
                    words.push((st, i as u32));
                    start = None;
                }
                (false, None) => start = Some(i as u32),
                _ => {}
            }
        }
        if let Some(st) = start {
            words.push((st, chars.len() as u32));
        }
        let mut offs = Vec::with_capacity(words.len());
        let mut off = 0u32;
        for &(s, e) in &words {
            offs.push(off);
            off += e - s + 1;
        }
        let ranks = word_ranks(&chars, &words);
        let sig = Sig::of_words(&chars, &words);
        let mut word_hashes: Vec<u64> = words
            .iter()
            .map(|&(s, e)| word_hash(&chars[s as usize..e as usize]))
            .collect();
        word_hashes.sort_unstable();
        word_hashes.dedup();
        let hash = word_hash(&chars);
        let shrink = ShrinkTable::new(chars.len(), &words, &ranks);
        Unit {
            hash,
            shrink,
            chars,
            words,
            offs,
            ranks,
            sig,
            word_hashes,
        }
    }
}

fn word_ranks(chars: &[char], words: &[(u32, u32)]) -> Vec<u32> {
    let text = |k: usize| &chars[words[k].0 as usize..words[k].1 as usize];
    let mut order: Vec<usize> = (0..words.len()).collect();
    order.sort_unstable_by(|&a, &b| text(a).cmp(text(b)));
    let mut ranks = vec![0u32; words.len()];
    let mut rank = 0u32;
    for (n, &k) in order.iter().enumerate() {
        if n > 0 && text(order[n - 1]) != text(k) {
            rank += 1;
        }
        ranks[k] = rank;
    }
    ranks
}

/// A message prepared once for any number of queries: processed content, sender and
/// metadata values with their word layout. Cheap to keep cached next to the message.
#[derive(Clone, Debug, Default)]
pub struct PreparedDoc {
    content: Unit,
    sender: Unit,
    metadata: Vec<Unit>,
}

impl PreparedDoc {
    /// Prepares a message from its content, sender name and top-level scalar metadata
    /// values already rendered as text (strings, numbers, bools).
    pub fn new<I, S>(content: &str, sender: &str, metadata_values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let metadata = metadata_values
            .into_iter()
            .map(|v| Unit::new(v.as_ref()))
            .filter(|u| !u.chars.is_empty())
            .collect();
        PreparedDoc {
            content: Unit::new(content),
            sender: Unit::new(sender),
            metadata,
        }
    }

    /// Length of the processed content in chars.
    pub fn content_len(&self) -> usize {
        self.content.chars.len()
    }
}

/// Reusable buffers for scoring documents against *one* query (the memo of short-unit
/// scores is only valid for the query it was filled with).
#[derive(Default)]
pub(crate) struct DocScratch {
    q: Scratch,
    long: LongScratch,
    memo: Memo,
}

/// Best WRatio of the query against the message's units (content, sender and, when
/// `search_metadata`, metadata values). Exact when the result is >= `cutoff`; may be
/// anything below `cutoff` otherwise.
pub fn score_doc(q: &PreparedQuery, d: &PreparedDoc, search_metadata: bool, cutoff: f64) -> f64 {
    score_doc_with(q, d, search_metadata, cutoff, &mut DocScratch::default())
}

/// [`score_doc`] with caller-provided scratch buffers.
pub(crate) fn score_doc_with(
    q: &PreparedQuery,
    d: &PreparedDoc,
    search_metadata: bool,
    cutoff: f64,
    sc: &mut DocScratch,
) -> f64 {
    let lq = q.char_len();
    if lq == 0 {
        return 0.0;
    }
    let mut units: [&Unit; 2] = [&d.sender, &d.content];
    if unit_bound(lq, units[0].chars.len()) < unit_bound(lq, units[1].chars.len()) {
        units.swap(0, 1);
    }
    let meta: &[Unit] = if search_metadata { &d.metadata } else { &[] };
    let mut best = 0.0f64;
    for unit in units.into_iter().chain(meta) {
        let bar = cutoff.max(best);
        if unit_bound(lq, unit.chars.len()) < bar {
            continue;
        }
        best = best.max(score_unit(q, unit, bar, sc));
    }
    best
}

/// Upper bound of a unit's score from lengths alone.
fn unit_bound(lq: usize, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else if n >= WINDOW_FROM * lq || len_ratio(lq, n) >= 1.5 {
        PARTIAL_BAND_MAX
    } else {
        100.0
    }
}

/// Score of one unit: exact WRatio while shorter than 8x the query, else the best window.
fn score_unit(q: &PreparedQuery, u: &Unit, cutoff: f64, sc: &mut DocScratch) -> f64 {
    if u.chars.len() < WINDOW_FROM * q.char_len() {
        return match sc.memo.get(u.hash, &u.chars, cutoff) {
            Known::Exact(s) => s,
            Known::Below => 0.0,
            Known::Unknown => {
                let s = q.wratio_chars(&u.chars, cutoff, &mut sc.q);
                sc.memo.put(u.hash, &u.chars, cutoff, s);
                s
            }
        };
    }
    score_long(q, u, cutoff, &mut sc.long, &mut sc.q)
}
