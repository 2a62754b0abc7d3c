//! `get_audit_log` (§8): the audit trail, newest first, for admins only.

use rmcp::handler::server::wrapper::Json;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Parameters, bounded, require};
use crate::auth::Permissions;
use crate::db::audit::{self, AuditEntry, AuditFilter};
use crate::error::{AppError, AppResult};
use crate::server::Server;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetAuditLogArgs {
    /// Only events of this session.
    #[serde(default)]
    pub session_id: Option<String>,
    /// Only events of this agent.
    #[serde(default)]
    pub agent_id: Option<String>,
    /// Only events of this type, e.g. message_added, authentication_failed.
    #[serde(default)]
    pub event_type: Option<String>,
    /// 1..500 (default 100).
    #[serde(default)]
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<i64>,
    /// `next_before_id` of the previous page: only older events.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub before_id: Option<i64>,
    #[serde(default)]
    pub auth_token: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct GetAuditLogResult {
    pub success: bool,
    /// Newest first.
    pub entries: Vec<AuditEntry>,
    pub count: usize,
    /// Pass as before_id for the next (older) page; null on the last page.
    pub next_before_id: Option<i64>,
}

/// An optional text filter: blank means none; longer than `max` is `INVALID_INPUT`.
fn filter<'a>(field: &str, value: Option<&'a str>, max: usize) -> AppResult<Option<&'a str>> {
    match value.filter(|v| !v.trim().is_empty()) {
        Some(v) if v.chars().count() > max => Err(AppError::invalid(
            field,
            format!("must be at most {max} characters"),
        )),
        other => Ok(other),
    }
}

#[tool_router(router = audit_router, vis = "pub(crate)")]
impl Server {
    #[tool(
        description = "Admin only: read the audit log (mutations and authentication events), newest first, filtered by session_id, agent_id or event_type; page with before_id = next_before_id.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn get_audit_log(
        &self,
        Parameters(args): Parameters<GetAuditLogArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<Json<GetAuditLogResult>, AppError> {
        let limit = bounded("limit", args.limit, 100, 1, 500)?;
        let before_id = bounded("before_id", args.before_id, i64::MAX, 1, i64::MAX)?;
        let query = AuditFilter {
            session_id: filter("session_id", args.session_id.as_deref(), 200)?,
            agent_id: filter("agent_id", args.agent_id.as_deref(), 100)?,
            event_type: filter("event_type", args.event_type.as_deref(), 100)?,
            before_id,
            limit: limit + 1,
        };
        let caller = self.caller(args.auth_token.as_deref(), &ctx).await?;
        require(&caller, Permissions::ADMIN, "get_audit_log")?;
        let mut entries = audit::list(self.state.db.pool(), &query).await?;
        let more = entries.len() as i64 > limit;
        entries.truncate(limit as usize);
        let next_before_id = more.then(|| entries.last().map(|e| e.id)).flatten();
        Ok(Json(GetAuditLogResult {
            success: true,
            count: entries.len(),
            entries,
            next_before_id,
        }))
    }
}
