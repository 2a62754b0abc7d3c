//! Read-only queries behind resources, prompts and live notifications (§9): the watcher's
//! high-water marks and new rows, recently updated sessions, visible statistics of a
//! session, and an agent's own live memory entries.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;
use sqlx::{Row, SqliteExecutor};

use crate::validate::parse_stored;
use crate::visibility::Viewer;

/// The largest message id and session seq on the file (0 when empty). Both are O(1) reads of
/// the rightmost key of an `INTEGER PRIMARY KEY`.
pub async fn high_water<'e>(ex: impl SqliteExecutor<'e>) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as(
        "SELECT COALESCE((SELECT MAX(id) FROM messages), 0), \
         COALESCE((SELECT MAX(seq) FROM sessions), 0)",
    )
    .fetch_one(ex)
    .await
}

/// What the watcher needs of a new message to decide who may hear about it (§4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRow {
    pub id: i64,
    pub session_id: String,
    pub sender: String,
    pub sender_type: String,
    pub visibility: String,
}

/// Messages with `after < id <= upto` in the sessions named by the JSON array `sessions`.
pub async fn new_rows<'e>(
    ex: impl SqliteExecutor<'e>,
    after: i64,
    upto: i64,
    sessions: &str,
) -> sqlx::Result<Vec<NewRow>> {
    let rows = sqlx::query(
        "SELECT id, session_id, sender, sender_type, visibility FROM messages \
         WHERE id > ?1 AND id <= ?2 AND session_id IN (SELECT value FROM json_each(?3)) \
         ORDER BY id",
    )
    .bind(after)
    .bind(upto)
    .bind(sessions)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(NewRow {
                id: r.try_get("id")?,
                session_id: r.try_get("session_id")?,
                sender: r.try_get("sender")?,
                sender_type: r.try_get("sender_type")?,
                visibility: r.try_get("visibility")?,
            })
        })
        .collect()
}

/// A session as listed among the resources.
#[derive(Debug, Clone)]
pub struct RecentSession {
    pub id: String,
    pub purpose: String,
    pub updated_at: String,
}

/// The `limit` most recently updated sessions (index `idx_sessions_updated_at`).
pub async fn recent_sessions<'e>(
    ex: impl SqliteExecutor<'e>,
    limit: i64,
) -> sqlx::Result<Vec<RecentSession>> {
    let rows = sqlx::query(
        "SELECT id, purpose, updated_at FROM sessions ORDER BY updated_at DESC, seq DESC LIMIT ?1",
    )
    .bind(limit)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(RecentSession {
                id: r.try_get("id")?,
                purpose: r.try_get("purpose")?,
                updated_at: r.try_get("updated_at")?,
            })
        })
        .collect()
}

/// Counts of the messages a viewer may see, per visibility.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct VisibilityCounts {
    pub public: i64,
    pub private: i64,
    pub agent_only: i64,
    pub admin_only: i64,
}

/// What a viewer may know about a session's messages: only visible ones are counted (§4).
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct SessionStatistics {
    /// All messages of the session the viewer may see.
    pub message_count: i64,
    pub by_visibility: VisibilityCounts,
    pub unique_senders: usize,
    /// Senders of visible messages, alphabetical.
    pub senders: Vec<String>,
    pub first_message_at: Option<String>,
    pub last_message_at: Option<String>,
}

pub async fn session_statistics(
    pool: &sqlx::SqlitePool,
    viewer: &Viewer<'_>,
    session_id: &str,
) -> sqlx::Result<SessionStatistics> {
    let row = sqlx::query(concat!(
        "SELECT COUNT(*) AS n, \
         COALESCE(SUM(visibility = 'public'), 0) AS public, \
         COALESCE(SUM(visibility = 'private'), 0) AS private, \
         COALESCE(SUM(visibility = 'agent_only'), 0) AS agent_only, \
         COALESCE(SUM(visibility = 'admin_only'), 0) AS admin_only, \
         MIN(timestamp) AS first_at, MAX(timestamp) AS last_at \
         FROM messages WHERE session_id = ?4 AND ",
        crate::visible_sql!()
    ))
    .bind(viewer.is_admin)
    .bind(viewer.agent_id)
    .bind(viewer.agent_type)
    .bind(session_id)
    .fetch_one(pool)
    .await?;
    let senders: Vec<String> = sqlx::query_scalar(concat!(
        "SELECT DISTINCT sender FROM messages WHERE session_id = ?4 AND ",
        crate::visible_sql!(),
        " ORDER BY sender"
    ))
    .bind(viewer.is_admin)
    .bind(viewer.agent_id)
    .bind(viewer.agent_type)
    .bind(session_id)
    .fetch_all(pool)
    .await?;
    Ok(SessionStatistics {
        message_count: row.try_get("n")?,
        by_visibility: VisibilityCounts {
            public: row.try_get("public")?,
            private: row.try_get("private")?,
            agent_only: row.try_get("agent_only")?,
            admin_only: row.try_get("admin_only")?,
        },
        unique_senders: senders.len(),
        senders,
        first_message_at: row.try_get("first_at")?,
        last_message_at: row.try_get("last_at")?,
    })
}

/// One live memory entry of the agent reading `agent://{id}/memory`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct MemoryEntry {
    pub key: String,
    /// `global` or `session`.
    pub scope: String,
    /// The session of a session-scoped entry, else null.
    pub session_id: Option<String>,
    pub value: Value,
    pub updated_at: String,
    pub expires_at: Option<String>,
}

/// The agent's entries that have not expired at `now`, most recently updated first.
pub async fn memory_entries<'e>(
    ex: impl SqliteExecutor<'e>,
    agent_id: &str,
    now: &str,
    limit: i64,
) -> sqlx::Result<Vec<MemoryEntry>> {
    let rows = sqlx::query(
        "SELECT key, scope, value, updated_at, expires_at FROM agent_memory \
         WHERE agent_id = ?1 AND (expires_at IS NULL OR expires_at > ?2) \
         ORDER BY updated_at DESC, id DESC LIMIT ?3",
    )
    .bind(agent_id)
    .bind(now)
    .bind(limit)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            let scope: String = r.try_get("scope")?;
            let value: String = r.try_get("value")?;
            Ok(MemoryEntry {
                key: r.try_get("key")?,
                scope: if scope.is_empty() {
                    "global"
                } else {
                    "session"
                }
                .to_owned(),
                session_id: (!scope.is_empty()).then_some(scope),
                value: parse_stored(Some(&value)),
                updated_at: r.try_get("updated_at")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Db, DbOptions};
    use crate::error::AppError;

    #[tokio::test]
    async fn memory_skips_expired_and_other_agents() -> Result<(), AppError> {
        let dir = tempfile::tempdir().map_err(|e| AppError::Internal(e.to_string()))?;
        let db = Db::open(&dir.path().join("m.db"), &DbOptions::default()).await?;
        for (agent, scope, key, expires) in [
            ("a", "", "live", None),
            (
                "a",
                "session_1",
                "scoped",
                Some("2999-01-01T00:00:00.000000+00:00"),
            ),
            ("a", "", "old", Some("2000-01-01T00:00:00.000000+00:00")),
            ("b", "", "theirs", None),
        ] {
            sqlx::query(
                "INSERT INTO agent_memory (agent_id, scope, key, value, created_at, updated_at, \
                 expires_at) VALUES (?1, ?2, ?3, '{\"v\":1}', ?4, ?4, ?5)",
            )
            .bind(agent)
            .bind(scope)
            .bind(key)
            .bind(crate::time::now())
            .bind(expires)
            .execute(db.pool())
            .await?;
        }
        let got = memory_entries(db.pool(), "a", &crate::time::now(), 100).await?;
        let keys: Vec<&str> = got.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys.len(), 2);
        assert!(keys.contains(&"live") && keys.contains(&"scoped"));
        let scoped = got.iter().find(|e| e.key == "scoped");
        assert_eq!(
            scoped.and_then(|e| e.session_id.as_deref()),
            Some("session_1")
        );
        assert_eq!(got[0].value["v"], 1);
        let (max_id, max_seq) = high_water(db.pool()).await?;
        assert_eq!((max_id, max_seq), (0, 0));
        Ok(())
    }
}
