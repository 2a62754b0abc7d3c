//! The `agent_memory` table (§7): per-agent key-value memory, global (`scope = ''`) or scoped
//! to one session (`scope = <session id>`). A row whose `expires_at` is not after "now" is
//! expired: every read here ignores it and a write treats it as absent.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;
use sqlx::{Row, SqliteExecutor};

use crate::validate::parse_stored;

/// Where a memory entry lives. There is no fall-back between the two (§7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Global,
    Session(String),
}

impl Scope {
    /// `None` or an empty session id means global.
    pub fn from_session_id(session_id: Option<&str>) -> Scope {
        match session_id.filter(|s| !s.is_empty()) {
            Some(id) => Scope::Session(id.to_owned()),
            None => Scope::Global,
        }
    }

    /// The value of the `scope` column.
    pub fn column(&self) -> &str {
        match self {
            Scope::Global => "",
            Scope::Session(id) => id,
        }
    }

    /// `"global"` or `"session"`, as the tools report it.
    pub fn name(&self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::Session(_) => "session",
        }
    }

    pub fn session_id(&self) -> Option<&str> {
        match self {
            Scope::Global => None,
            Scope::Session(id) => Some(id),
        }
    }
}

/// A write of one entry.
pub struct NewEntry<'a> {
    pub agent_id: &'a str,
    pub scope: &'a Scope,
    pub key: &'a str,
    /// Serialised JSON.
    pub value: &'a str,
    pub metadata: Option<&'a str>,
    /// The time of the write; also the "now" that decides whether an existing row is expired.
    pub now: &'a str,
    pub expires_at: Option<&'a str>,
    /// false: fail (store nothing) when a live entry already has this key.
    pub overwrite: bool,
}

/// One entry as `get_memory` returns it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub value: Value,
    pub metadata: Value,
    pub created_at: String,
    pub updated_at: String,
    pub expires_at: Option<String>,
}

/// One row of `list_memory` (no value, only its size).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Summary {
    pub key: String,
    /// "global" or "session".
    pub scope: String,
    /// The session of a session-scoped entry; null for a global one.
    pub session_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub expires_at: Option<String>,
    /// Bytes of the serialised value.
    pub value_size: i64,
}

/// Which scopes `list` reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeFilter {
    Only(Scope),
    All,
}

/// Stores an entry; returns false (and changes nothing) when `overwrite` is false and a live
/// entry exists. Check and write are this one statement, so concurrent writers from any
/// process cannot both succeed. Replacing an expired row starts a new entry (new
/// `created_at`); overwriting a live one keeps its `created_at`.
pub async fn set<'e>(ex: impl SqliteExecutor<'e>, e: &NewEntry<'_>) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO agent_memory \
         (agent_id, scope, key, value, metadata, created_at, updated_at, expires_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7) \
         ON CONFLICT (agent_id, scope, key) DO UPDATE SET \
           value = excluded.value, metadata = excluded.metadata, \
           updated_at = excluded.updated_at, expires_at = excluded.expires_at, \
           created_at = CASE WHEN agent_memory.expires_at <= excluded.updated_at \
             THEN excluded.created_at ELSE agent_memory.created_at END \
         WHERE ?8 OR agent_memory.expires_at <= excluded.updated_at",
    )
    .bind(e.agent_id)
    .bind(e.scope.column())
    .bind(e.key)
    .bind(e.value)
    .bind(e.metadata)
    .bind(e.now)
    .bind(e.expires_at)
    .bind(e.overwrite)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The live entry under this key in exactly this scope.
pub async fn get<'e>(
    ex: impl SqliteExecutor<'e>,
    agent_id: &str,
    scope: &Scope,
    key: &str,
    now: &str,
) -> sqlx::Result<Option<Entry>> {
    let row = sqlx::query(
        "SELECT value, metadata, created_at, updated_at, expires_at FROM agent_memory \
         WHERE agent_id = ?1 AND scope = ?2 AND key = ?3 \
         AND (expires_at IS NULL OR expires_at > ?4)",
    )
    .bind(agent_id)
    .bind(scope.column())
    .bind(key)
    .bind(now)
    .fetch_optional(ex)
    .await?;
    row.map(|r| {
        let value: String = r.try_get("value")?;
        let metadata: Option<String> = r.try_get("metadata")?;
        let value = serde_json::from_str(&value).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        Ok(Entry {
            value,
            metadata: parse_stored(metadata.as_deref()),
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
            expires_at: r.try_get("expires_at")?,
        })
    })
    .transpose()
}

/// Live entries of the agent, most recently updated first. `prefix` is compared literally
/// (`substr`, so `%` and `_` are ordinary characters and case matters).
pub async fn list<'e>(
    ex: impl SqliteExecutor<'e>,
    agent_id: &str,
    filter: &ScopeFilter,
    prefix: Option<&str>,
    limit: i64,
    now: &str,
) -> sqlx::Result<Vec<Summary>> {
    let scope = match filter {
        ScopeFilter::Only(scope) => Some(scope.column()),
        ScopeFilter::All => None,
    };
    let rows = sqlx::query(
        "SELECT key, scope, created_at, updated_at, expires_at, \
         length(CAST(value AS BLOB)) AS value_size FROM agent_memory \
         WHERE agent_id = ?1 AND (?2 IS NULL OR scope = ?2) \
         AND (expires_at IS NULL OR expires_at > ?3) \
         AND (?4 IS NULL OR substr(key, 1, length(?4)) = ?4) \
         ORDER BY updated_at DESC, id DESC LIMIT ?5",
    )
    .bind(agent_id)
    .bind(scope)
    .bind(now)
    .bind(prefix)
    .bind(limit)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            let scope = Scope::from_session_id(Some(r.try_get::<&str, _>("scope")?));
            Ok(Summary {
                key: r.try_get("key")?,
                scope: scope.name().to_owned(),
                session_id: scope.session_id().map(str::to_owned),
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
                expires_at: r.try_get("expires_at")?,
                value_size: r.try_get("value_size")?,
            })
        })
        .collect()
}

/// Removes the entry under this key (an expired one too, as housekeeping); true only when a
/// live entry was removed.
pub async fn delete<'e>(
    ex: impl SqliteExecutor<'e>,
    agent_id: &str,
    scope: &Scope,
    key: &str,
    now: &str,
) -> sqlx::Result<bool> {
    let was_live: Option<bool> = sqlx::query_scalar(
        "DELETE FROM agent_memory WHERE agent_id = ?1 AND scope = ?2 AND key = ?3 \
         RETURNING (expires_at IS NULL OR expires_at > ?4)",
    )
    .bind(agent_id)
    .bind(scope.column())
    .bind(key)
    .bind(now)
    .fetch_optional(ex)
    .await?;
    Ok(was_live.unwrap_or(false))
}
