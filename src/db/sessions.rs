//! The `sessions` table.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteExecutor};

use crate::validate::parse_stored;

/// A session as the tools return it (§5).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Session {
    pub id: String,
    pub purpose: String,
    pub created_at: String,
    pub updated_at: String,
    pub created_by: String,
    pub is_active: bool,
    /// A JSON object, or null.
    pub metadata: Value,
}

/// The row of `list_sessions` (no metadata), with its paging position.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SessionSummary {
    pub id: String,
    pub purpose: String,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub is_active: bool,
    #[serde(skip)]
    #[schemars(skip)]
    pub seq: i64,
}

/// Sessions before cursor ?1, optionally created by ?2, newest first, at most ?3.
pub const LIST_SQL: &str = "SELECT seq, id, purpose, created_by, created_at, updated_at, \
     is_active FROM sessions \
     WHERE seq < ?1 AND (?2 IS NULL OR created_by = ?2) ORDER BY seq DESC LIMIT ?3";

pub struct NewSession<'a> {
    pub id: &'a str,
    pub purpose: &'a str,
    pub created_by: &'a str,
    pub at: &'a str,
    pub metadata: Option<&'a str>,
}

pub async fn insert<'e>(ex: impl SqliteExecutor<'e>, s: &NewSession<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id, purpose, created_by, created_at, updated_at, metadata) \
         VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
    )
    .bind(s.id)
    .bind(s.purpose)
    .bind(s.created_by)
    .bind(s.at)
    .bind(s.metadata)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn get<'e>(ex: impl SqliteExecutor<'e>, id: &str) -> sqlx::Result<Option<Session>> {
    let row = sqlx::query(
        "SELECT id, purpose, created_at, updated_at, created_by, is_active, metadata \
         FROM sessions WHERE id = ?1",
    )
    .bind(id)
    .fetch_optional(ex)
    .await?;
    row.map(|r| session_from_row(&r)).transpose()
}

pub async fn exists<'e>(ex: impl SqliteExecutor<'e>, id: &str) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM sessions WHERE id = ?1")
        .bind(id)
        .fetch_optional(ex)
        .await?;
    Ok(found.is_some())
}

/// Marks the session as changed now (a message was added).
pub async fn touch<'e>(ex: impl SqliteExecutor<'e>, id: &str, at: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET updated_at = ?2 WHERE id = ?1")
        .bind(id)
        .bind(at)
        .execute(ex)
        .await?;
    Ok(())
}

/// Newest first, `limit` rows older than the `before_seq` cursor, optionally by one creator.
pub async fn list<'e>(
    ex: impl SqliteExecutor<'e>,
    limit: i64,
    before_seq: Option<i64>,
    created_by: Option<&str>,
) -> sqlx::Result<Vec<SessionSummary>> {
    let rows = sqlx::query(LIST_SQL)
        .bind(before_seq.unwrap_or(i64::MAX))
        .bind(created_by)
        .bind(limit)
        .fetch_all(ex)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(SessionSummary {
                seq: r.try_get("seq")?,
                id: r.try_get("id")?,
                purpose: r.try_get("purpose")?,
                created_by: r.try_get("created_by")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
                is_active: r.try_get("is_active")?,
            })
        })
        .collect()
}

fn session_from_row(r: &SqliteRow) -> sqlx::Result<Session> {
    let metadata: Option<String> = r.try_get("metadata")?;
    Ok(Session {
        id: r.try_get("id")?,
        purpose: r.try_get("purpose")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        created_by: r.try_get("created_by")?,
        is_active: r.try_get("is_active")?,
        metadata: parse_stored(metadata.as_deref()),
    })
}
