//! The DatabaseManager: one SQLite pool per process, its pragmas (§2), embedded migrations,
//! and the per-table query functions in the submodules (plain functions over an executor).

pub mod audit;
pub mod live;
pub mod memory;
pub mod messages;
mod plans;
pub mod sessions;
pub mod sweep;
pub mod tokens;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

use crate::error::{AppError, AppResult};

/// The migrations in `migrations/`, compiled into the binary.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// An open write transaction (from [`Db::begin_write`]).
pub type WriteTx = Transaction<'static, Sqlite>;

/// How to open the database.
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub busy_timeout: Duration,
    pub wal_limit_bytes: u64,
    pub pool_size: u32,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions {
            busy_timeout: Duration::from_secs(10),
            wal_limit_bytes: 64 * 1024 * 1024,
            pool_size: 4,
        }
    }
}

/// Opens the pool. On a brand-new file, many processes switching it to WAL at once can see
/// an immediate SQLITE_BUSY (journal-mode changes and WAL recovery do not always wait on the
/// busy handler), so a busy failure here is retried with a short backoff.
async fn connect_pool(connect: SqliteConnectOptions, options: &DbOptions) -> AppResult<SqlitePool> {
    let mut attempt = 0u32;
    loop {
        let opened = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .min_connections(1)
            .max_connections(options.pool_size.max(1))
            .acquire_timeout(options.busy_timeout + Duration::from_secs(5))
            .connect_with(connect.clone())
            .await;
        match opened {
            Err(err) if crate::error::is_busy(&err) && attempt < 20 => {
                attempt += 1;
                tracing::debug!(attempt, "database busy while opening; retrying");
                tokio::time::sleep(Duration::from_millis(25 * u64::from(attempt))).await;
            }
            other => return Ok(other?),
        }
    }
}

/// A cheap-to-clone handle on the process's pool.
#[derive(Debug, Clone)]
pub struct Db {
    pool: SqlitePool,
    path: PathBuf,
    wal: Arc<WalGuard>,
}

/// Keeps the -wal file small under sustained writes from many processes. SQLite's own
/// autocheckpoint is PASSIVE: while other processes keep reading and writing it can never
/// restart the log, which then grows towards `journal_size_limit`. Every
/// [`WalGuard::EVERY`]th write looks at the file's size (one `stat`), and above the threshold
/// one background `wal_checkpoint(TRUNCATE)` waits its turn and resets the log.
#[derive(Debug)]
struct WalGuard {
    file: PathBuf,
    threshold: u64,
    writes: AtomicU64,
    running: AtomicBool,
}

impl WalGuard {
    const EVERY: u64 = 8;

    /// Whether a checkpoint should start now (and claims it if so).
    fn due(&self) -> bool {
        if !self
            .writes
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(Self::EVERY)
        {
            return false;
        }
        let size = std::fs::metadata(&self.file).map_or(0, |m| m.len());
        size > self.threshold && !self.running.swap(true, Ordering::AcqRel)
    }
}

impl Db {
    /// Opens (creating file and folder if needed) and migrates the database. Safe to call from
    /// many processes at once on a new file: migrations run under the write lock.
    pub async fn open(path: &Path, options: &DbOptions) -> AppResult<Db> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                AppError::Internal(format!("cannot create folder {}: {e}", dir.display()))
            })?;
        }
        let connect = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(options.busy_timeout)
            .pragma("journal_size_limit", options.wal_limit_bytes.to_string())
            .pragma("wal_autocheckpoint", "1000")
            .pragma("temp_store", "memory")
            .statement_cache_capacity(128);
        let pool = connect_pool(connect, options).await?;
        let mut wal_file = path.as_os_str().to_owned();
        wal_file.push("-wal");
        let wal = Arc::new(WalGuard {
            file: PathBuf::from(wal_file),
            threshold: (options.wal_limit_bytes / 8).max(1024 * 1024),
            writes: AtomicU64::new(0),
            running: AtomicBool::new(false),
        });
        let db = Db {
            pool,
            path: path.to_path_buf(),
            wal,
        };
        db.migrate().await?;
        Ok(db)
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A write transaction that takes the write lock up front (`BEGIN IMMEDIATE`, §2), so a
    /// busy database is waited for at the start, never failed on half-way.
    pub async fn begin_write(&self) -> AppResult<Transaction<'static, Sqlite>> {
        if self.wal.due() {
            self.spawn_truncate();
        }
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Resets the WAL in the background; a failure (e.g. BUSY) just waits for the next turn.
    fn spawn_truncate(&self) {
        let (pool, wal) = (self.pool.clone(), self.wal.clone());
        tokio::spawn(async move {
            let done = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&pool)
                .await;
            if let Err(err) = done {
                tracing::debug!(error = %err, "WAL truncate deferred");
            }
            wal.running.store(false, Ordering::Release);
        });
    }

    /// A read transaction: one connection and one consistent snapshot for all the queries of
    /// a call (a count and its page agree), at the cost of a single pool checkout.
    pub async fn begin_read(&self) -> AppResult<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin().await?)
    }

    /// Applies the embedded migrations newer than `PRAGMA user_version`, all under one
    /// `BEGIN IMMEDIATE`, so concurrent starters wait for each other instead of racing.
    async fn migrate(&self) -> AppResult<()> {
        let mut tx = self.begin_write().await?;
        let current: i64 = sqlx::query_scalar("PRAGMA user_version")
            .fetch_one(&mut *tx)
            .await?;
        let mut applied = current;
        for migration in MIGRATOR.iter().filter(|m| m.version > current) {
            sqlx::raw_sql(migration.sql.clone())
                .execute(&mut *tx)
                .await?;
            applied = migration.version;
        }
        if applied != current {
            // PRAGMA takes no bind parameters; the value is an integer we produced.
            let set = format!("PRAGMA user_version = {applied}");
            sqlx::raw_sql(sqlx::AssertSqlSafe(set))
                .execute(&mut *tx)
                .await?;
            tracing::info!(from = current, to = applied, "database migrated");
        }
        tx.commit().await?;
        Ok(())
    }

    /// Checkpoints the WAL back to empty and closes the pool; called at shutdown.
    pub async fn close(&self) {
        if let Err(err) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await
        {
            tracing::warn!(error = %err, "checkpoint at shutdown failed");
        }
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn opens_migrates_and_reopens() -> AppResult<()> {
        let dir = tempfile::tempdir().map_err(|e| AppError::Internal(e.to_string()))?;
        let path = dir.path().join("nested").join("t.db");
        let db = Db::open(&path, &DbOptions::default()).await?;
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(db.pool())
            .await?;
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(db.pool())
            .await?;
        assert_eq!(fk, 1);
        db.close().await;
        let again = Db::open(&path, &DbOptions::default()).await?;
        let version: i64 = sqlx::query_scalar("PRAGMA user_version")
            .fetch_one(again.pool())
            .await?;
        assert_eq!(Some(version), MIGRATOR.iter().map(|m| m.version).max());
        Ok(())
    }
}
