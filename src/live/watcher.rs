//! The watcher task: while anyone listens, one O(1) query per tick (`MAX(id)` of messages,
//! `MAX(seq)` of sessions); only when a mark grew does it read the new rows of the subscribed
//! sessions and notify each entry whose §4 view includes at least one of them.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use super::{Notice, Shared, Sink, session_uri};
use crate::db::live::{self, NewRow};
use crate::visibility::can_see;

/// Runs until no entry needs it. `last_id`/`last_seq` are the marks already accounted for.
pub(super) async fn run(shared: Arc<Shared>, mut last_id: i64, mut last_seq: i64) {
    tracing::debug!("notification watcher started");
    loop {
        tokio::select! {
            () = tokio::time::sleep(shared.interval) => {}
            () = shared.wake.notified() => {}
        }
        {
            let mut reg = shared.registry();
            if !reg.needs_watcher() && !reg.pending {
                reg.watcher_running = false;
                tracing::debug!("notification watcher stopped");
                return;
            }
            reg.pending = false;
        }
        match tick(&shared, last_id, last_seq).await {
            Ok((id, seq)) => (last_id, last_seq) = (id, seq),
            Err(err) if shared.db.pool().is_closed() => {
                tracing::debug!(error = %err, "database closed; watcher ends");
                shared.registry().watcher_running = false;
                return;
            }
            Err(err) => tracing::warn!(error = %err, "notification watcher tick failed"),
        }
    }
}

/// One poll; returns the new marks.
async fn tick(shared: &Shared, last_id: i64, last_seq: i64) -> sqlx::Result<(i64, i64)> {
    let pool = shared.db.pool();
    let (max_id, max_seq) = live::high_water(pool).await?;
    let mut sends: Vec<(u64, Sink, Notice)> = Vec::new();
    if max_id > last_id {
        let watched = watched_sessions(shared);
        if !watched.is_empty() {
            let json = serde_json::Value::from(watched.into_iter().collect::<Vec<_>>());
            let rows = live::new_rows(pool, last_id, max_id, &json.to_string()).await?;
            sends.extend(updates(shared, &rows));
        }
    }
    if max_seq > last_seq {
        let reg = shared.registry();
        sends.extend(
            reg.entries
                .iter()
                .filter(|(_, e)| e.list_changed)
                .map(|(id, e)| (*id, e.sink.clone(), Notice::ListChanged)),
        );
    }
    deliver(shared, sends).await;
    Ok((max_id.max(last_id), max_seq.max(last_seq)))
}

/// Every session some entry subscribed to.
fn watched_sessions(shared: &Shared) -> BTreeSet<String> {
    shared
        .registry()
        .entries
        .values()
        .flat_map(|e| e.sessions.keys().cloned())
        .collect()
}

/// For each entry, one `updated` per session with at least one new message it may see,
/// in the order of those messages.
fn updates(shared: &Shared, rows: &[NewRow]) -> Vec<(u64, Sink, Notice)> {
    let reg = shared.registry();
    let mut out = Vec::new();
    for (id, entry) in &reg.entries {
        let Some(viewer) = &entry.viewer else {
            continue;
        };
        let mut told: HashSet<&str> = HashSet::new();
        for row in rows {
            let Some(since) = entry.sessions.get(&row.session_id) else {
                continue;
            };
            if row.id > *since
                && !told.contains(row.session_id.as_str())
                && can_see(viewer, &row.visibility, &row.sender, &row.sender_type)
            {
                told.insert(&row.session_id);
                out.push((
                    *id,
                    entry.sink.clone(),
                    Notice::Updated(session_uri(&row.session_id)),
                ));
            }
        }
    }
    out
}

/// Sends outside the registry lock; receivers that are gone are dropped.
async fn deliver(shared: &Shared, sends: Vec<(u64, Sink, Notice)>) {
    let mut gone = Vec::new();
    for (id, sink, notice) in sends {
        if !sink.send(&notice).await {
            gone.push(id);
        }
    }
    if !gone.is_empty() {
        let mut reg = shared.registry();
        for id in gone {
            reg.entries.remove(&id);
        }
    }
}
