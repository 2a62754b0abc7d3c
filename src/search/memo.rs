//! Per-ranking memo of short-unit scores: senders (and often metadata values) repeat
//! across messages, so a unit text scored once is not scored again. An entry keeps the
//! cutoff it was computed under: its score is exact when it reached that cutoff, and
//! otherwise only known to be below it, which still settles any later, higher cutoff.

/// Slots of the direct-mapped table.
const SLOTS: usize = 64;
/// Longer texts are not memoised (copying them would cost more than it saves).
const MAX_KEY: usize = 256;

struct Entry {
    hash: u64,
    key: Vec<char>,
    cutoff: f64,
    score: f64,
}

/// Direct-mapped memo from a unit's processed text to its score.
#[derive(Default)]
pub(crate) struct Memo {
    slots: Vec<Option<Entry>>,
}

/// What the memo knows about a text under a given cutoff.
pub(crate) enum Known {
    /// The exact score (it reached the cutoff it was computed under).
    Exact(f64),
    /// Below the asked cutoff.
    Below,
    /// Nothing usable.
    Unknown,
}

impl Memo {
    /// Looks `text` (with hash `hash`) up for a computation under `cutoff`.
    pub(crate) fn get(&self, hash: u64, text: &[char], cutoff: f64) -> Known {
        let Some(Some(e)) = self.slots.get(hash as usize % SLOTS) else {
            return Known::Unknown;
        };
        if e.hash != hash || e.key != text {
            return Known::Unknown;
        }
        if e.score >= e.cutoff {
            Known::Exact(e.score)
        } else if cutoff >= e.cutoff {
            Known::Below
        } else {
            Known::Unknown
        }
    }

    /// Records the result `score` of scoring `text` under `cutoff`.
    pub(crate) fn put(&mut self, hash: u64, text: &[char], cutoff: f64, score: f64) {
        if text.len() > MAX_KEY {
            return;
        }
        if self.slots.is_empty() {
            self.slots.resize_with(SLOTS, || None);
        }
        let slot = &mut self.slots[hash as usize % SLOTS];
        match slot {
            Some(e) => {
                e.hash = hash;
                e.key.clear();
                e.key.extend_from_slice(text);
                e.cutoff = cutoff;
                e.score = score;
            }
            None => {
                *slot = Some(Entry {
                    hash,
                    key: text.to_vec(),
                    cutoff,
                    score,
                })
            }
        }
    }
}
