//! The search caches (§6), never stale across processes. Messages are append-only with
//! increasing ids, so a session's newest id is its version: every search reads it (one
//! indexed query) inside its read transaction, appends only the messages it has not seen to
//! the cached corpus, and keys cached results by that version.

use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;
use serde_json::Value;
use sqlx::SqliteConnection;

use crate::db::messages::{self, Message};
use crate::search::PreparedDoc;

/// One message with its search-ready form.
#[derive(Debug)]
pub struct Entry {
    pub message: Message,
    pub doc: PreparedDoc,
}

impl Entry {
    fn new(message: Message) -> Self {
        let values = metadata_values(&message.metadata);
        let doc = PreparedDoc::new(&message.content, &message.sender, values);
        Entry { message, doc }
    }

    /// Approximate heap size, for the cache's byte budget: the message, its processed
    /// chars (4 bytes each), word layout and windows. Measured: a 100 000-message session of
    /// ~200-character messages grows a process by ~480 MB, i.e. ~24 bytes per content byte.
    fn weight(&self) -> usize {
        self.message.content.len() * 24 + 512
    }
}

/// Every message of one session as of `version` (its newest id), oldest first.
#[derive(Debug, Default)]
pub struct Corpus {
    pub version: i64,
    pub entries: Vec<Arc<Entry>>,
}

/// What a computed search found: `(index into the corpus, score)` best first, and counts.
#[derive(Debug, Clone)]
pub struct Ranked {
    pub hits: Vec<(usize, f64)>,
    pub message_count: usize,
    pub searched_count: usize,
}

/// Identifies a search answer: the session version, the viewer's §4 identity and every
/// argument that changes the answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResultKey {
    pub session_id: String,
    pub version: i64,
    pub viewer: (String, String, bool),
    pub query: String,
    pub threshold_bits: u64,
    pub limit: usize,
    pub search_metadata: bool,
    pub scope: Option<&'static str>,
}

pub struct SearchCache {
    corpora: Cache<String, Arc<Corpus>>,
    results: Cache<ResultKey, Arc<Ranked>>,
}

impl std::fmt::Debug for SearchCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchCache")
            .field("corpora", &self.corpora.entry_count())
            .field("results", &self.results.entry_count())
            .finish()
    }
}

impl SearchCache {
    /// `corpus_bytes` bounds the prepared messages kept (sessions beyond it are rebuilt per
    /// search); results live for `ttl` but are only ever served for an unchanged session.
    pub fn new(corpus_bytes: u64, ttl: Duration) -> Self {
        let corpora = Cache::builder()
            .max_capacity(corpus_bytes)
            .weigher(|_: &String, c: &Arc<Corpus>| {
                let bytes: usize = c.entries.iter().map(|e| e.weight()).sum();
                u32::try_from(bytes).unwrap_or(u32::MAX)
            })
            .time_to_idle(Duration::from_secs(30 * 60))
            .build();
        let results = Cache::builder()
            .max_capacity(10_000)
            .time_to_live(ttl)
            .build();
        SearchCache { corpora, results }
    }

    /// The session's corpus as of the transaction's snapshot: the cached one if current,
    /// else the cached one plus the messages added since (or built from scratch).
    pub async fn corpus(
        &self,
        conn: &mut SqliteConnection,
        session_id: &str,
    ) -> sqlx::Result<Arc<Corpus>> {
        let version = messages::max_id(&mut *conn, session_id).await?;
        let cached = self.corpora.get(session_id);
        if let Some(corpus) = cached.as_ref().filter(|c| c.version == version) {
            return Ok(corpus.clone());
        }
        // A cached corpus newer than our snapshot (another call refreshed it meanwhile) is
        // useless to us; one that is older is extended.
        let base = cached.filter(|c| c.version < version);
        let after = base.as_ref().map_or(0, |c| c.version);
        let fresh = messages::since(&mut *conn, session_id, after).await?;
        let mut entries = base.map(|c| c.entries.clone()).unwrap_or_default();
        entries.extend(fresh.into_iter().map(|m| Arc::new(Entry::new(m))));
        let corpus = Arc::new(Corpus { version, entries });
        self.corpora.insert(session_id.to_owned(), corpus.clone());
        Ok(corpus)
    }

    pub fn result(&self, key: &ResultKey) -> Option<Arc<Ranked>> {
        self.results.get(key)
    }

    pub fn store(&self, key: ResultKey, ranked: Arc<Ranked>) {
        self.results.insert(key, ranked);
    }
}

/// Top-level scalar metadata values as text (strings as is, numbers and booleans printed).
fn metadata_values(metadata: &Value) -> Vec<String> {
    let Some(object) = metadata.as_object() else {
        return Vec::new();
    };
    object
        .values()
        .filter_map(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_top_level_scalars_are_searchable_metadata() {
        let values = metadata_values(
            &json!({ "a": "text", "b": 3, "c": true, "d": { "x": "no" }, "e": ["no"], "f": null }),
        );
        assert_eq!(values, vec!["text", "3", "true"]);
        assert!(metadata_values(&Value::Null).is_empty());
    }
}
