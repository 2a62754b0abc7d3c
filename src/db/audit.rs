//! The append-only `audit_log` table (§8). Callers never pass secrets into it.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteExecutor};

use crate::validate::parse_stored;

/// One audit event. `result` is "success" or "failure".
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    pub event_type: &'a str,
    pub agent_id: &'a str,
    pub session_id: Option<&'a str>,
    pub resource: Option<&'a str>,
    pub action: &'a str,
    pub result: &'a str,
    pub metadata: Option<Value>,
}

pub async fn insert<'e>(ex: impl SqliteExecutor<'e>, e: &AuditEvent<'_>) -> sqlx::Result<()> {
    let metadata = e.metadata.as_ref().map(Value::to_string);
    sqlx::query(
        "INSERT INTO audit_log \
         (timestamp, event_type, agent_id, session_id, resource, action, result, metadata) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(crate::time::now())
    .bind(e.event_type)
    .bind(e.agent_id)
    .bind(e.session_id)
    .bind(e.resource)
    .bind(e.action)
    .bind(e.result)
    .bind(metadata)
    .execute(ex)
    .await?;
    Ok(())
}

/// An audit row as `get_audit_log` returns it (§8).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub timestamp: String,
    pub event_type: String,
    pub agent_id: String,
    pub session_id: Option<String>,
    pub resource: Option<String>,
    pub action: Option<String>,
    /// "success" or "failure".
    pub result: String,
    /// A JSON object, or null.
    pub metadata: Value,
}

/// Which rows to read: every filter is optional; `before_id` pages backwards.
#[derive(Debug, Clone, Copy)]
pub struct AuditFilter<'a> {
    pub session_id: Option<&'a str>,
    pub agent_id: Option<&'a str>,
    pub event_type: Option<&'a str>,
    /// Only ids below this (use `i64::MAX` for the newest).
    pub before_id: i64,
    pub limit: i64,
}

/// The columns and the residual filters shared by the four queries of [`list`].
macro_rules! audit_select {
    ($lead:literal) => {
        concat!(
            "SELECT id, timestamp, event_type, agent_id, session_id, resource, action, result, \
             metadata FROM audit_log WHERE ",
            $lead,
            " AND id < ?4 AND (?1 IS NULL OR session_id = ?1) AND (?2 IS NULL OR agent_id = ?2) \
             AND (?3 IS NULL OR event_type = ?3) ORDER BY id DESC LIMIT ?5"
        )
    };
}

/// Matching rows, newest first. The query leads with the most selective filter given, so
/// that SQLite walks that filter's `(column, id)` index backwards from `before_id`.
pub async fn list<'e>(
    ex: impl SqliteExecutor<'e>,
    f: &AuditFilter<'_>,
) -> sqlx::Result<Vec<AuditEntry>> {
    let sql: &'static str = if f.session_id.is_some() {
        audit_select!("session_id = ?1")
    } else if f.agent_id.is_some() {
        audit_select!("agent_id = ?2")
    } else if f.event_type.is_some() {
        audit_select!("event_type = ?3")
    } else {
        audit_select!("1")
    };
    let rows = sqlx::query(sql)
        .bind(f.session_id)
        .bind(f.agent_id)
        .bind(f.event_type)
        .bind(f.before_id)
        .bind(f.limit)
        .fetch_all(ex)
        .await?;
    rows.iter().map(entry_from_row).collect()
}

fn entry_from_row(r: &SqliteRow) -> sqlx::Result<AuditEntry> {
    let metadata: Option<String> = r.try_get("metadata")?;
    Ok(AuditEntry {
        id: r.try_get("id")?,
        timestamp: r.try_get("timestamp")?,
        event_type: r.try_get("event_type")?,
        agent_id: r.try_get("agent_id")?,
        session_id: r.try_get("session_id")?,
        resource: r.try_get("resource")?,
        action: r.try_get("action")?,
        result: r.try_get("result")?,
        metadata: parse_stored(metadata.as_deref()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Db, DbOptions};
    use crate::error::{AppError, AppResult};

    #[tokio::test]
    async fn filtered_queries_use_their_index() -> AppResult<()> {
        let dir = tempfile::tempdir().map_err(|e| AppError::Internal(e.to_string()))?;
        let db = Db::open(&dir.path().join("a.db"), &DbOptions::default()).await?;
        for (sql, index) in [
            (audit_select!("session_id = ?1"), "idx_audit_session"),
            (audit_select!("agent_id = ?2"), "idx_audit_agent"),
            (audit_select!("event_type = ?3"), "idx_audit_event"),
        ] {
            let plan: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
                    .bind("x")
                    .bind("x")
                    .bind("x")
                    .bind(10_i64)
                    .bind(10_i64)
                    .fetch_all(db.pool())
                    .await?;
            let detail: Vec<String> = plan.into_iter().map(|p| p.3).collect();
            assert!(
                detail.iter().any(|d| d.contains(index)),
                "{index}: {detail:?}"
            );
            assert!(
                !detail.iter().any(|d| d.contains("TEMP B-TREE")),
                "{detail:?}"
            );
        }
        let filter = AuditFilter {
            session_id: None,
            agent_id: Some("nobody"),
            event_type: None,
            before_id: i64::MAX,
            limit: 5,
        };
        assert!(list(db.pool(), &filter).await?.is_empty());
        Ok(())
    }
}
