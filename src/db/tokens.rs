//! The `auth_tokens` table: opaque tokens, stored only as SHA-256 hashes (§3).

use sqlx::{Row, SqliteExecutor};

#[derive(Debug, Clone)]
pub struct TokenRow {
    pub agent_id: String,
    pub agent_type: String,
    /// Comma-separated permission names.
    pub permissions: String,
    pub issued_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
}

pub async fn insert<'e>(
    ex: impl SqliteExecutor<'e>,
    token_hash: &str,
    row: &TokenRow,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO auth_tokens \
         (token_hash, agent_id, agent_type, permissions, issued_at, expires_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(token_hash)
    .bind(&row.agent_id)
    .bind(&row.agent_type)
    .bind(&row.permissions)
    .bind(&row.issued_at)
    .bind(&row.expires_at)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn get<'e>(
    ex: impl SqliteExecutor<'e>,
    token_hash: &str,
) -> sqlx::Result<Option<TokenRow>> {
    let row = sqlx::query(
        "SELECT agent_id, agent_type, permissions, issued_at, expires_at, revoked_at \
         FROM auth_tokens WHERE token_hash = ?1",
    )
    .bind(token_hash)
    .fetch_optional(ex)
    .await?;
    row.map(|r| {
        Ok(TokenRow {
            agent_id: r.try_get("agent_id")?,
            agent_type: r.try_get("agent_type")?,
            permissions: r.try_get("permissions")?,
            issued_at: r.try_get("issued_at")?,
            expires_at: r.try_get("expires_at")?,
            revoked_at: r.try_get("revoked_at")?,
        })
    })
    .transpose()
}

/// Revokes a live token; false if it was already revoked or unknown.
pub async fn revoke<'e>(
    ex: impl SqliteExecutor<'e>,
    token_hash: &str,
    at: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE auth_tokens SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .bind(at)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes up to `batch` token rows that expired before `cutoff` (expiry + refresh grace has
/// passed, so they can neither authenticate nor be refreshed); returns how many were deleted.
/// Callers loop until it returns less than `batch`, one short transaction per batch.
pub async fn purge_expired<'e>(
    ex: impl SqliteExecutor<'e>,
    cutoff: &str,
    batch: i64,
) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "DELETE FROM auth_tokens WHERE rowid IN \
         (SELECT rowid FROM auth_tokens WHERE expires_at < ?1 LIMIT ?2)",
    )
    .bind(cutoff)
    .bind(batch)
    .execute(ex)
    .await?;
    Ok(done.rows_affected())
}
