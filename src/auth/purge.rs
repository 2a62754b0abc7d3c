//! The background purge of expired token rows (§3): every `purge_interval`, rows whose expiry
//! plus the refresh grace has passed are deleted in small batches, each its own short write
//! transaction, so the purge never holds the write lock for long.

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::db::{Db, tokens};
use crate::error::AppResult;

/// Rows deleted per transaction.
pub const BATCH: i64 = 500;

/// Deletes every token row that expired more than `grace_s` seconds ago; returns the count.
pub async fn purge_once(db: &Db, grace_s: i64) -> AppResult<u64> {
    let cutoff = crate::time::in_seconds(-grace_s);
    let mut total = 0;
    loop {
        let mut tx = db.begin_write().await?;
        let deleted = tokens::purge_expired(&mut *tx, &cutoff, BATCH).await?;
        tx.commit().await?;
        total += deleted;
        if deleted < BATCH as u64 {
            return Ok(total);
        }
    }
}

/// Starts the periodic purge; `None` when `every` is zero (disabled). The first run is one
/// interval after start, so that start-up stays free of writes. Abort the handle to stop it.
pub fn spawn(db: Db, grace_s: i64, every: Duration) -> Option<JoinHandle<()>> {
    if every.is_zero() {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match purge_once(&db, grace_s).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(deleted = n, "purged expired tokens"),
                Err(err) => tracing::warn!(error = %err, "token purge failed; will retry"),
            }
        }
    }))
}
