//! `set_memory`, `get_memory`, `list_memory`, `delete_memory` (§7): each agent's private
//! key-value memory, global or scoped to one session, with optional expiry.

use chrono::Utc;
use rmcp::handler::server::wrapper::Json;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Number, Value, json};

use super::{Parameters, bounded, require};
use crate::auth::{Caller, Permissions};
use crate::db::audit::{self, AuditEvent};
use crate::db::memory::{self, NewEntry, Scope, ScopeFilter, Summary};
use crate::db::sessions;
use crate::error::{AppError, AppResult};
use crate::server::Server;
use crate::{time, validate};

pub const KEY_MAX_CHARS: usize = 255;
/// One year: the longest `expires_in`.
pub const TTL_MAX_SECONDS: i64 = 31_536_000;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SetMemoryArgs {
    /// 1..255 characters, no whitespace or control characters.
    pub key: String,
    /// Any JSON value except null (at most SCS_MAX_MEMORY_BYTES serialised, default 1 MiB).
    pub value: Value,
    /// Store in this session's scope; omit for your global memory.
    #[serde(default)]
    pub session_id: Option<String>,
    /// Seconds until the entry expires, 1..31536000; 0 or omitted: never.
    #[serde(default)]
    #[schemars(with = "Option<i64>", range(min = 0, max = 31_536_000))]
    pub expires_in: Option<Number>,
    /// Optional JSON object (at most 50 keys, 10 KB).
    #[serde(default)]
    pub metadata: Option<Value>,
    /// false: fail with KEY_EXISTS instead of replacing a live entry (default true).
    #[serde(default)]
    pub overwrite: Option<bool>,
    #[serde(default)]
    pub auth_token: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SetMemoryResult {
    pub success: bool,
    pub key: String,
    pub session_scoped: bool,
    /// "global" or "session".
    pub scope: String,
    /// null: never expires.
    pub expires_at: Option<String>,
    pub stored_at: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct KeyArgs {
    pub key: String,
    /// The session scope to read; omit for your global memory (no fall-back between them).
    #[serde(default)]
    pub session_id: Option<String>,
    #[serde(default)]
    pub auth_token: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct GetMemoryResult {
    pub success: bool,
    pub key: String,
    pub value: Value,
    /// A JSON object, or null.
    pub metadata: Value,
    pub created_at: String,
    pub updated_at: String,
    pub expires_at: Option<String>,
    /// "global" or "session".
    pub scope: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListMemoryArgs {
    /// Omit for your global memory, a session id for that session's, "all" for every scope.
    #[serde(default)]
    pub session_id: Option<String>,
    /// Only keys starting with exactly this text (no wildcards; case-sensitive).
    #[serde(default)]
    pub prefix: Option<String>,
    /// 1..200 (default 50).
    #[serde(default)]
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    #[serde(default)]
    pub auth_token: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListMemoryResult {
    pub success: bool,
    /// Most recently updated first.
    pub entries: Vec<Summary>,
    pub count: usize,
    /// "global", "all", or the session id that was listed.
    pub scope_filter: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct DeleteMemoryResult {
    pub success: bool,
    pub key: String,
    /// false when there was no live entry under this key.
    pub deleted: bool,
}

/// 1..255 characters, none of them (Unicode) whitespace or control characters (§7).
pub fn check_key(key: &str) -> AppResult<()> {
    let chars = key.chars().count();
    if chars == 0 || chars > KEY_MAX_CHARS {
        return Err(AppError::InvalidKey(format!(
            "must be 1..{KEY_MAX_CHARS} characters, got {chars}"
        )));
    }
    if let Some((at, c)) = key
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_whitespace() || c.is_control())
    {
        return Err(AppError::InvalidKey(format!(
            "must not contain whitespace or control characters (U+{:04X} at position {at})",
            u32::from(c)
        )));
    }
    Ok(())
}

/// Seconds until expiry: `None` for no expiry (0 or absent), else 1..31536000 (§7).
pub fn check_ttl(expires_in: Option<&Number>) -> AppResult<Option<i64>> {
    let Some(number) = expires_in else {
        return Ok(None);
    };
    match number.as_i64() {
        Some(0) => Ok(None),
        Some(n @ 1..=TTL_MAX_SECONDS) => Ok(Some(n)),
        _ => Err(AppError::InvalidTtl(format!(
            "expires_in must be a whole number of seconds 1..{TTL_MAX_SECONDS}, or 0 for no expiry; got {number}"
        ))),
    }
}

/// The stored text of a value: not null, at most `max_bytes` serialised (§7).
pub fn check_value(value: &Value, max_bytes: usize) -> AppResult<String> {
    if value.is_null() {
        return Err(AppError::invalid(
            "value",
            "must not be null (use delete_memory to remove a key)",
        ));
    }
    let text = serde_json::to_string(value)?;
    if text.len() > max_bytes {
        return Err(AppError::invalid(
            "value",
            format!(
                "serialises to {} bytes; at most {max_bytes} bytes (SCS_MAX_MEMORY_BYTES)",
                text.len()
            ),
        ));
    }
    Ok(text)
}

/// The validated form of `set_memory`'s arguments.
struct Checked {
    scope: Scope,
    value: String,
    metadata: Option<String>,
    ttl: Option<i64>,
}

fn check_set(args: &SetMemoryArgs, caller: &Caller, max_bytes: usize) -> AppResult<Checked> {
    check_key(&args.key)?;
    let ttl = check_ttl(args.expires_in.as_ref())?;
    let value = check_value(&args.value, max_bytes)?;
    let metadata = validate::metadata(args.metadata.as_ref())?;
    require(caller, Permissions::WRITE, "set_memory")?;
    Ok(Checked {
        scope: Scope::from_session_id(args.session_id.as_deref()),
        value,
        metadata,
        ttl,
    })
}

/// Fails with `SESSION_NOT_FOUND` when a session scope names no session.
async fn check_scope<'e>(ex: impl sqlx::SqliteExecutor<'e>, scope: &Scope) -> AppResult<()> {
    match scope.session_id() {
        Some(id) if !sessions::exists(ex, id).await? => {
            Err(AppError::SessionNotFound(id.to_owned()))
        }
        _ => Ok(()),
    }
}

/// The list scope: omitted or empty = global, "all" = every scope, else one session.
fn list_filter(session_id: Option<&str>) -> (ScopeFilter, String) {
    match session_id.filter(|s| !s.is_empty()) {
        None => (ScopeFilter::Only(Scope::Global), "global".to_owned()),
        Some("all") => (ScopeFilter::All, "all".to_owned()),
        Some(id) => (
            ScopeFilter::Only(Scope::Session(id.to_owned())),
            id.to_owned(),
        ),
    }
}

#[tool_router(router = memory_router, vis = "pub(crate)")]
impl Server {
    #[tool(
        description = "Store a JSON value (not null) under a key in your private memory: global, or scoped to session_id. expires_in seconds (1..31536000) makes it expire. overwrite=false fails with KEY_EXISTS if the key is live.",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn set_memory(
        &self,
        Parameters(args): Parameters<SetMemoryArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<Json<SetMemoryResult>, AppError> {
        let caller = self.caller(args.auth_token.as_deref(), &ctx).await?;
        let checked = check_set(&args, &caller, self.state.max_memory_bytes)?;
        let at = Utc::now();
        let stored_at = time::format(at);
        let expires_at = checked
            .ttl
            .map(|s| time::format(at + chrono::Duration::seconds(s)));
        let mut tx = self.state.db.begin_write().await?;
        check_scope(&mut *tx, &checked.scope).await?;
        let entry = NewEntry {
            agent_id: &caller.agent_id,
            scope: &checked.scope,
            key: &args.key,
            value: &checked.value,
            metadata: checked.metadata.as_deref(),
            now: &stored_at,
            expires_at: expires_at.as_deref(),
            overwrite: args.overwrite.unwrap_or(true),
        };
        if !memory::set(&mut *tx, &entry).await? {
            return Err(AppError::KeyExists(args.key));
        }
        let resource = format!("memory:{}", args.key);
        let event = AuditEvent {
            event_type: "memory_set",
            agent_id: &caller.agent_id,
            session_id: checked.scope.session_id(),
            resource: Some(&resource),
            action: "set_memory",
            result: "success",
            metadata: Some(json!({
                "scope": checked.scope.name(),
                "value_bytes": checked.value.len(),
                "expires_in": checked.ttl,
                "overwrite": entry.overwrite,
            })),
        };
        audit::insert(&mut *tx, &event).await?;
        tx.commit().await?;
        Ok(Json(SetMemoryResult {
            success: true,
            session_scoped: checked.scope.session_id().is_some(),
            scope: checked.scope.name().to_owned(),
            key: args.key,
            expires_at,
            stored_at,
        }))
    }

    #[tool(
        description = "Read a key from your private memory, in exactly the scope given (session_id, or global when omitted; no fall-back). Expired keys are MEMORY_NOT_FOUND.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn get_memory(
        &self,
        Parameters(args): Parameters<KeyArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<Json<GetMemoryResult>, AppError> {
        check_key(&args.key)?;
        let caller = self.caller(args.auth_token.as_deref(), &ctx).await?;
        require(&caller, Permissions::READ, "get_memory")?;
        let scope = Scope::from_session_id(args.session_id.as_deref());
        let pool = self.state.db.pool();
        check_scope(pool, &scope).await?;
        let entry = memory::get(pool, &caller.agent_id, &scope, &args.key, &time::now())
            .await?
            .ok_or_else(|| AppError::MemoryNotFound(args.key.clone()))?;
        Ok(Json(GetMemoryResult {
            success: true,
            key: args.key,
            value: entry.value,
            metadata: entry.metadata,
            created_at: entry.created_at,
            updated_at: entry.updated_at,
            expires_at: entry.expires_at,
            scope: scope.name().to_owned(),
        }))
    }

    #[tool(
        description = "List keys of your private memory, most recently updated first: global (default), one session (session_id) or every scope (session_id=\"all\"); prefix is literal; limit 1..200 (default 50).",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn list_memory(
        &self,
        Parameters(args): Parameters<ListMemoryArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<Json<ListMemoryResult>, AppError> {
        let limit = bounded("limit", args.limit, 50, 1, 200)?;
        let caller = self.caller(args.auth_token.as_deref(), &ctx).await?;
        require(&caller, Permissions::READ, "list_memory")?;
        let (filter, scope_filter) = list_filter(args.session_id.as_deref());
        let pool = self.state.db.pool();
        if let ScopeFilter::Only(scope) = &filter {
            check_scope(pool, scope).await?;
        }
        let prefix = args.prefix.as_deref().filter(|p| !p.is_empty());
        let now = time::now();
        let entries = memory::list(pool, &caller.agent_id, &filter, prefix, limit, &now).await?;
        Ok(Json(ListMemoryResult {
            success: true,
            count: entries.len(),
            entries,
            scope_filter,
        }))
    }

    #[tool(
        description = "Delete a key from your private memory in exactly the scope given (session_id, or global when omitted). deleted=false when there was no live key.",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn delete_memory(
        &self,
        Parameters(args): Parameters<KeyArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<Json<DeleteMemoryResult>, AppError> {
        check_key(&args.key)?;
        let caller = self.caller(args.auth_token.as_deref(), &ctx).await?;
        require(&caller, Permissions::WRITE, "delete_memory")?;
        let scope = Scope::from_session_id(args.session_id.as_deref());
        let mut tx = self.state.db.begin_write().await?;
        check_scope(&mut *tx, &scope).await?;
        let deleted =
            memory::delete(&mut *tx, &caller.agent_id, &scope, &args.key, &time::now()).await?;
        let resource = format!("memory:{}", args.key);
        let event = AuditEvent {
            event_type: "memory_deleted",
            agent_id: &caller.agent_id,
            session_id: scope.session_id(),
            resource: Some(&resource),
            action: "delete_memory",
            result: "success",
            metadata: Some(json!({ "scope": scope.name(), "deleted": deleted })),
        };
        audit::insert(&mut *tx, &event).await?;
        tx.commit().await?;
        Ok(Json(DeleteMemoryResult {
            success: true,
            key: args.key,
            deleted,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_rules() {
        assert!(check_key("a").is_ok());
        assert!(check_key("proj/ctx.v1:ä_%").is_ok());
        assert!(check_key(&"k".repeat(255)).is_ok());
        for bad in ["", "a b", "a\tb", "a\u{a0}b", "a\nb", "a\u{7}b", "\u{2003}"] {
            assert!(
                matches!(check_key(bad), Err(AppError::InvalidKey(_))),
                "{bad:?}"
            );
        }
        assert!(check_key(&"k".repeat(256)).is_err());
        assert!(check_key(&"é".repeat(255)).is_ok(), "characters, not bytes");
    }

    #[test]
    fn ttl_rules() {
        let n = |v: Value| v.as_number().cloned();
        assert_eq!(check_ttl(None).ok(), Some(None));
        assert_eq!(check_ttl(n(json!(0)).as_ref()).ok(), Some(None));
        assert_eq!(check_ttl(n(json!(1)).as_ref()).ok(), Some(Some(1)));
        assert_eq!(
            check_ttl(n(json!(31_536_000)).as_ref()).ok(),
            Some(Some(31_536_000))
        );
        for bad in [json!(-1), json!(31_536_001), json!(1.5), json!(1e20)] {
            assert!(
                matches!(
                    check_ttl(n(bad.clone()).as_ref()),
                    Err(AppError::InvalidTtl(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn value_rules() {
        assert!(matches!(
            check_value(&Value::Null, 10),
            Err(AppError::InvalidInput { .. })
        ));
        assert_eq!(
            check_value(&json!("abcdefgh"), 10).ok().as_deref(),
            Some("\"abcdefgh\"")
        );
        assert!(check_value(&json!("abcdefghi"), 10).is_err());
        assert!(check_value(&json!({"a": [1, true, null]}), 100).is_ok());
    }
}
