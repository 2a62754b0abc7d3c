//! The append-only `audit_log` table (§8). Callers never pass secrets into it.

use serde_json::Value;
use sqlx::SqliteExecutor;

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
