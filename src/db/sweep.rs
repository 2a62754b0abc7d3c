//! The background sweeper's queries (§3, §7, §8): delete expired memory, long-expired tokens
//! and old audit rows, one bounded batch per call, and probe cheaply (read-only, index only)
//! whether there is anything to delete at all.

use sqlx::SqliteExecutor;

/// One kind of row the sweeper removes. `cutoff` is a stored timestamp: rows whose time column
/// is at or before it (memory) or before it (tokens, audit) are deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `agent_memory` rows with `expires_at <= cutoff` (cutoff = now).
    ExpiredMemory,
    /// `auth_tokens` rows with `expires_at < cutoff` (cutoff = now − refresh grace).
    ExpiredTokens,
    /// `audit_log` rows with `timestamp < cutoff` (cutoff = now − retention).
    OldAudit,
}

impl Target {
    pub const ALL: [Target; 3] = [
        Target::ExpiredMemory,
        Target::ExpiredTokens,
        Target::OldAudit,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Target::ExpiredMemory => "expired memory",
            Target::ExpiredTokens => "expired tokens",
            Target::OldAudit => "old audit rows",
        }
    }
}

/// Whether at least one row of `target` is due (a read; takes no write lock).
pub async fn any_due<'e>(
    ex: impl SqliteExecutor<'e>,
    target: Target,
    cutoff: &str,
) -> sqlx::Result<bool> {
    let sql = match target {
        Target::ExpiredMemory => {
            "SELECT EXISTS (SELECT 1 FROM agent_memory \
             WHERE expires_at IS NOT NULL AND expires_at <= ?1)"
        }
        Target::ExpiredTokens => "SELECT EXISTS (SELECT 1 FROM auth_tokens WHERE expires_at < ?1)",
        Target::OldAudit => "SELECT EXISTS (SELECT 1 FROM audit_log WHERE timestamp < ?1)",
    };
    sqlx::query_scalar(sql).bind(cutoff).fetch_one(ex).await
}

/// Deletes at most `batch` due rows of `target`; returns how many went.
pub async fn delete_batch<'e>(
    ex: impl SqliteExecutor<'e>,
    target: Target,
    cutoff: &str,
    batch: i64,
) -> sqlx::Result<u64> {
    let sql = match target {
        Target::ExpiredMemory => {
            "DELETE FROM agent_memory WHERE id IN (SELECT id FROM agent_memory \
             WHERE expires_at IS NOT NULL AND expires_at <= ?1 LIMIT ?2)"
        }
        Target::ExpiredTokens => {
            "DELETE FROM auth_tokens WHERE token_hash IN (SELECT token_hash FROM auth_tokens \
             WHERE expires_at < ?1 LIMIT ?2)"
        }
        Target::OldAudit => {
            "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log \
             WHERE timestamp < ?1 ORDER BY timestamp LIMIT ?2)"
        }
    };
    let done = sqlx::query(sql)
        .bind(cutoff)
        .bind(batch)
        .execute(ex)
        .await?;
    Ok(done.rows_affected())
}

/// A passive checkpoint: copies what it can from the -wal into the database without waiting
/// for readers or blocking writers. Returns (busy, wal frames, frames checkpointed).
pub async fn checkpoint_passive<'e>(ex: impl SqliteExecutor<'e>) -> sqlx::Result<(i64, i64, i64)> {
    sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(ex)
        .await
}
