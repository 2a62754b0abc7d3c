//! The background maintenance task (§3, §7, §8): every `SCS_MAINTENANCE_INTERVAL` seconds
//! (and once shortly after start) it deletes expired memory, tokens expired for longer than the
//! refresh grace, and audit rows older than the retention, in small `BEGIN IMMEDIATE` batches
//! with a pause between them so tool calls of any process never wait long for the write lock;
//! then it runs a passive WAL checkpoint. It stops when `run` signals shutdown.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::db::Db;
use crate::db::sweep::{self, Target};
use crate::error::AppResult;
use crate::time;

/// Rows deleted per write transaction.
pub const BATCH_ROWS: i64 = 500;
/// Pause between two batches, so writers of other processes (whose busy handlers poll) get
/// the lock in between.
pub const BATCH_PAUSE: Duration = Duration::from_millis(25);
/// Longest wait before the first sweep after start.
pub const FIRST_SWEEP_AFTER: Duration = Duration::from_secs(2);

/// When and what the sweeper deletes.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Time between sweeps; zero disables the task.
    pub interval: Duration,
    /// Tokens are kept this long after expiry (they can still be refreshed, §3).
    pub token_grace: Duration,
    /// Audit rows are kept this many days; zero keeps them forever.
    pub audit_retention_days: u32,
    pub batch_rows: i64,
    pub batch_pause: Duration,
}

impl Schedule {
    pub fn from_config(config: &Config) -> Schedule {
        Schedule {
            interval: Duration::from_secs(config.maintenance_interval),
            token_grace: Duration::from_secs(config.token_refresh_grace),
            audit_retention_days: config.audit_log_retention_days,
            batch_rows: BATCH_ROWS,
            batch_pause: BATCH_PAUSE,
        }
    }

    /// The stored timestamp at or before which rows of `target` are due; `None`: keep all.
    pub fn cutoff(&self, target: Target, now: DateTime<Utc>) -> Option<String> {
        let keep = match target {
            Target::ExpiredMemory => chrono::Duration::zero(),
            Target::ExpiredTokens => chrono::Duration::from_std(self.token_grace).ok()?,
            Target::OldAudit if self.audit_retention_days == 0 => return None,
            Target::OldAudit => chrono::Duration::days(i64::from(self.audit_retention_days)),
        };
        now.checked_sub_signed(keep).map(time::format)
    }
}

/// Rows deleted by one sweep.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub memory: u64,
    pub tokens: u64,
    pub audit: u64,
}

impl Swept {
    fn add(&mut self, target: Target, n: u64) {
        match target {
            Target::ExpiredMemory => self.memory += n,
            Target::ExpiredTokens => self.tokens += n,
            Target::OldAudit => self.audit += n,
        }
    }

    pub fn total(&self) -> u64 {
        self.memory + self.tokens + self.audit
    }
}

/// Starts the task, unless the interval is zero. Send `true` on the channel (or drop its
/// sender) to stop it, then await the handle.
pub fn spawn(db: Db, schedule: Schedule, stop: watch::Receiver<bool>) -> Option<JoinHandle<()>> {
    if schedule.interval.is_zero() {
        tracing::info!("background maintenance disabled (interval 0)");
        return None;
    }
    Some(tokio::spawn(run_loop(db, schedule, stop)))
}

async fn run_loop(db: Db, schedule: Schedule, mut stop: watch::Receiver<bool>) {
    let mut delay = schedule.interval.min(FIRST_SWEEP_AFTER);
    while !pause(&mut stop, delay).await {
        match sweep_once(&db, &schedule, &mut stop).await {
            Ok(swept) if swept.total() > 0 => tracing::info!(
                memory = swept.memory,
                tokens = swept.tokens,
                audit = swept.audit,
                "maintenance sweep deleted rows"
            ),
            Ok(_) => tracing::debug!("maintenance sweep: nothing due"),
            Err(err) => {
                tracing::warn!(error = %err, "maintenance sweep failed; retrying next tick")
            }
        }
        delay = schedule.interval;
    }
    tracing::debug!("maintenance stopped");
}

/// Sleeps for `delay`; true when shutdown was asked for (before or during the sleep).
async fn pause(stop: &mut watch::Receiver<bool>, delay: Duration) -> bool {
    if *stop.borrow() {
        return true;
    }
    tokio::select! {
        () = tokio::time::sleep(delay) => *stop.borrow(),
        changed = stop.changed() => changed.is_err() || *stop.borrow(),
    }
}

/// One sweep over every target, then a passive checkpoint. Stops early (between batches) when
/// shutdown is asked for.
pub async fn sweep_once(
    db: &Db,
    schedule: &Schedule,
    stop: &mut watch::Receiver<bool>,
) -> AppResult<Swept> {
    let now = Utc::now();
    let mut swept = Swept::default();
    for target in Target::ALL {
        let Some(cutoff) = schedule.cutoff(target, now) else {
            continue;
        };
        // A read first: an idle database costs no write lock.
        if !sweep::any_due(db.pool(), target, &cutoff).await? {
            continue;
        }
        loop {
            let mut tx = db.begin_write().await?;
            let n = sweep::delete_batch(&mut *tx, target, &cutoff, schedule.batch_rows).await?;
            tx.commit().await?;
            swept.add(target, n);
            tracing::debug!(what = target.name(), rows = n, "maintenance batch");
            if n < schedule.batch_rows.max(1) as u64 {
                break;
            }
            if pause(stop, schedule.batch_pause).await {
                return Ok(swept);
            }
        }
    }
    let (busy, frames, done) = sweep::checkpoint_passive(db.pool()).await?;
    tracing::debug!(busy, frames, done, "passive WAL checkpoint");
    Ok(swept)
}

/// Waits for a task started by [`spawn`] to finish.
pub async fn join(handle: Option<JoinHandle<()>>) {
    if let Some(handle) = handle
        && let Err(err) = handle.await
    {
        tracing::warn!(error = %err, "maintenance task ended abnormally");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::DbOptions;
    use crate::error::AppError;

    fn schedule(batch_rows: i64) -> Schedule {
        Schedule {
            interval: Duration::from_secs(1),
            token_grace: Duration::from_secs(3600),
            audit_retention_days: 30,
            batch_rows,
            batch_pause: Duration::from_millis(1),
        }
    }

    async fn fill(db: &Db) -> AppResult<()> {
        let long_ago = time::format(Utc::now() - chrono::Duration::days(40));
        let recent = time::format(Utc::now() - chrono::Duration::minutes(30));
        let later = time::in_seconds(3600);
        let mut tx = db.begin_write().await?;
        for i in 0..1_203 {
            let expires = if i < 1_200 {
                Some(&long_ago)
            } else {
                Some(&later)
            };
            sqlx::query(
                "INSERT INTO agent_memory (agent_id, scope, key, value, created_at, updated_at, \
                 expires_at) VALUES ('a', '', ?1, '1', ?2, ?2, ?3)",
            )
            .bind(format!("k{i}"))
            .bind(&long_ago)
            .bind(expires)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO agent_memory (agent_id, scope, key, value, created_at, updated_at) \
             VALUES ('a', '', 'forever', '1', ?1, ?1)",
        )
        .bind(&long_ago)
        .execute(&mut *tx)
        .await?;
        for (hash, expires) in [("old", &long_ago), ("grace", &recent), ("live", &later)] {
            sqlx::query(
                "INSERT INTO auth_tokens (token_hash, agent_id, agent_type, permissions, \
                 issued_at, expires_at) VALUES (?1, 'a', 'generic', 'read', ?2, ?2)",
            )
            .bind(hash)
            .bind(expires)
            .execute(&mut *tx)
            .await?;
        }
        for (i, at) in [&long_ago, &long_ago, &recent].into_iter().enumerate() {
            sqlx::query(
                "INSERT INTO audit_log (timestamp, event_type, agent_id, result) \
                 VALUES (?1, ?2, 'a', 'success')",
            )
            .bind(at)
            .bind(format!("e{i}"))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn count(db: &Db, sql: &'static str) -> AppResult<i64> {
        Ok(sqlx::query_scalar(sql).fetch_one(db.pool()).await?)
    }

    #[tokio::test]
    async fn sweep_deletes_only_due_rows_in_batches() -> AppResult<()> {
        let dir = tempfile::tempdir().map_err(|e| AppError::Internal(e.to_string()))?;
        let db = Db::open(&dir.path().join("m.db"), &DbOptions::default()).await?;
        fill(&db).await?;
        let (_tx, mut stop) = watch::channel(false);
        let swept = sweep_once(&db, &schedule(500), &mut stop).await?;
        assert_eq!(
            swept,
            Swept {
                memory: 1_200,
                tokens: 1,
                audit: 2
            }
        );
        assert_eq!(count(&db, "SELECT COUNT(*) FROM agent_memory").await?, 4);
        let tokens: Vec<String> =
            sqlx::query_scalar("SELECT token_hash FROM auth_tokens ORDER BY token_hash")
                .fetch_all(db.pool())
                .await?;
        assert_eq!(tokens, ["grace", "live"]);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM audit_log").await?, 1);
        let again = sweep_once(&db, &schedule(500), &mut stop).await?;
        assert_eq!(again, Swept::default());
        db.close().await;
        Ok(())
    }

    #[tokio::test]
    async fn a_stop_request_ends_the_sweep_between_batches() -> AppResult<()> {
        let dir = tempfile::tempdir().map_err(|e| AppError::Internal(e.to_string()))?;
        let db = Db::open(&dir.path().join("m.db"), &DbOptions::default()).await?;
        fill(&db).await?;
        let (tx, mut stop) = watch::channel(false);
        let _ = tx.send(true);
        let swept = sweep_once(&db, &schedule(100), &mut stop).await?;
        assert_eq!(swept.memory, 100, "one batch, then the stop is seen");
        let task = spawn(db.clone(), schedule(100), stop.clone());
        assert!(task.is_some());
        join(task).await;
        db.close().await;
        Ok(())
    }

    #[tokio::test]
    async fn zero_interval_disables_and_zero_retention_keeps_audit() -> AppResult<()> {
        let mut s = schedule(10);
        s.audit_retention_days = 0;
        assert_eq!(s.cutoff(Target::OldAudit, Utc::now()), None);
        assert!(s.cutoff(Target::ExpiredTokens, Utc::now()).is_some());
        s.interval = Duration::ZERO;
        let dir = tempfile::tempdir().map_err(|e| AppError::Internal(e.to_string()))?;
        let db = Db::open(&dir.path().join("z.db"), &DbOptions::default()).await?;
        let (_tx, stop) = watch::channel(false);
        assert!(spawn(db.clone(), s, stop).is_none());
        db.close().await;
        Ok(())
    }
}
