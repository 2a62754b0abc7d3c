//! Ranking: the best `limit` documents by `score_doc`, with a running top-k whose lowest
//! score becomes the cutoff, split across threads for large inputs.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::doc::{DocScratch, PreparedDoc, score_doc_with};
use super::prepared::PreparedQuery;

/// Below this many documents ranking stays on the calling thread (spawning two scoped
/// threads costs tens of microseconds; 512 documents take at least ~0.15 ms).
const PARALLEL_FROM: usize = 512;

/// Scores closer than this count as ties (far above float noise, far below the gap
/// between two distinct scores of strings shorter than ~20 000 chars).
const TIE_EPS: f64 = 5e-11;

/// One ranked document; ordered so that the *worse* hit is the greater one, making
/// `BinaryHeap` a min-heap of the current top-k.
#[derive(Clone, Copy, Debug)]
struct Hit {
    score: f64,
    index: usize,
}

impl Hit {
    /// Better = higher score, then newer (higher index).
    fn better(&self, other: &Hit) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then(self.index.cmp(&other.index))
    }
}

impl PartialEq for Hit {
    fn eq(&self, other: &Self) -> bool {
        self.better(other) == Ordering::Equal
    }
}
impl Eq for Hit {}
impl PartialOrd for Hit {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Hit {
    fn cmp(&self, other: &Self) -> Ordering {
        other.better(self)
    }
}

/// Indices of the best `limit` documents whose score ([`score_doc`]) is >= `threshold`,
/// as `(index, score)` sorted by score descending, ties newest (highest index) first.
/// Documents are given oldest first. Each document appears at most once. Scores within
/// 5e-11 of each other count as ties. Large slices are split across the available cores.
///
/// [`score_doc`]: super::score_doc
pub fn rank<D: Borrow<PreparedDoc> + Sync>(
    q: &PreparedQuery,
    docs: &[D],
    search_metadata: bool,
    threshold: f64,
    limit: usize,
) -> Vec<(usize, f64)> {
    if limit == 0 || docs.is_empty() {
        return Vec::new();
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut hits = if docs.len() > PARALLEL_FROM && threads > 1 {
        rank_parallel(q, docs, search_metadata, threshold, limit, threads)
    } else {
        top_k(q, docs, 0, search_metadata, threshold, limit)
    };
    hits.sort_by(|a, b| b.better(a));
    hits.truncate(limit);
    hits.into_iter().map(|h| (h.index, h.score)).collect()
}

fn rank_parallel<D: Borrow<PreparedDoc> + Sync>(
    q: &PreparedQuery,
    docs: &[D],
    search_metadata: bool,
    threshold: f64,
    limit: usize,
    threads: usize,
) -> Vec<Hit> {
    let chunk = docs.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = docs
            .chunks(chunk)
            .enumerate()
            .map(|(k, part)| {
                s.spawn(move || top_k(q, part, k * chunk, search_metadata, threshold, limit))
            })
            .collect();
        let mut all = Vec::new();
        for h in handles {
            // A panicking worker would be a bug; its hits are dropped rather than
            // propagating the panic.
            if let Ok(hits) = h.join() {
                all.extend(hits);
            }
        }
        all
    })
}

/// Top-k of one slice (global indices start at `offset`), scanned newest first so that a
/// document tying the current k-th score can be skipped: the kept one is newer.
fn top_k<D: Borrow<PreparedDoc>>(
    q: &PreparedQuery,
    docs: &[D],
    offset: usize,
    search_metadata: bool,
    threshold: f64,
    limit: usize,
) -> Vec<Hit> {
    let mut heap: BinaryHeap<Hit> = BinaryHeap::with_capacity(limit.min(docs.len()) + 1);
    let mut sc = DocScratch::default();
    for (i, d) in docs.iter().enumerate().rev() {
        // Once full, a document must beat the k-th score (a tie loses: the kept hit is
        // newer), so the cutoff sits just above it.
        let cutoff = match heap.peek() {
            Some(worst) if heap.len() >= limit => threshold.max(worst.score + TIE_EPS),
            _ => threshold,
        };
        let score = score_doc_with(q, d.borrow(), search_metadata, cutoff, &mut sc);
        if score < cutoff {
            continue;
        }
        if heap.len() >= limit {
            heap.pop();
        }
        heap.push(Hit {
            score,
            index: offset + i,
        });
    }
    heap.into_vec()
}
