//! `create_session`, `get_session`, `list_sessions` (§5).

use rmcp::handler::server::wrapper::Json;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Parameters, bounded, require};
use crate::auth::Permissions;
use crate::db::audit::{self, AuditEvent};
use crate::db::messages::{self, Message, Page};
use crate::db::sessions::{self, NewSession, Session, SessionSummary};
use crate::error::{AppError, AppResult};
use crate::server::Server;
use crate::visibility::Viewer;
use crate::{time, validate};

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateSessionArgs {
    /// What the session is for (1..1000 characters).
    pub purpose: String,
    /// Optional JSON object (at most 50 keys, 10 KB).
    #[serde(default)]
    pub metadata: Option<Value>,
    /// Token from authenticate_agent; omit to act as this process's agent.
    #[serde(default)]
    pub auth_token: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CreateSessionResult {
    pub success: bool,
    pub session_id: String,
    pub created_by: String,
    pub created_at: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetSessionArgs {
    pub session_id: String,
    #[serde(default)]
    pub auth_token: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct GetSessionResult {
    pub success: bool,
    pub session: Session,
    /// The 50 most recent messages the caller may see, oldest first.
    pub messages: Vec<Message>,
    /// All messages of the session the caller may see.
    pub message_count: i64,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListSessionsArgs {
    /// Page size, 1..200 (default 50).
    #[serde(default)]
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Only sessions created by this agent id.
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub auth_token: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListSessionsResult {
    pub success: bool,
    /// Newest first.
    pub sessions: Vec<SessionSummary>,
    pub count: usize,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// `session_<16 hex>` from a fresh random UUID.
fn new_session_id() -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    format!("session_{}", &hex[..16])
}

fn parse_cursor(cursor: Option<&str>) -> AppResult<Option<i64>> {
    match cursor.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) => c
            .parse::<i64>()
            .ok()
            .filter(|seq| *seq > 0)
            .map(Some)
            .ok_or_else(|| AppError::invalid("cursor", "not a cursor returned by list_sessions")),
    }
}

#[tool_router(router = session_router, vis = "pub(crate)")]
impl Server {
    #[tool(
        description = "Create a shared session that agents can post messages to. Returns its session_id.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    pub async fn create_session(
        &self,
        Parameters(args): Parameters<CreateSessionArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<Json<CreateSessionResult>, AppError> {
        let purpose = validate::text("purpose", &args.purpose, 1, 1000)?;
        let metadata = validate::metadata(args.metadata.as_ref())?;
        let caller = self.caller(args.auth_token.as_deref(), &ctx).await?;
        require(&caller, Permissions::WRITE, "create_session")?;
        let id = new_session_id();
        let at = time::now();
        let mut tx = self.state.db.begin_write().await?;
        let new = NewSession {
            id: &id,
            purpose: &purpose,
            created_by: &caller.agent_id,
            at: &at,
            metadata: metadata.as_deref(),
        };
        sessions::insert(&mut *tx, &new).await?;
        let event = AuditEvent {
            event_type: "session_created",
            agent_id: &caller.agent_id,
            session_id: Some(&id),
            resource: Some(&id),
            action: "create_session",
            result: "success",
            metadata: Some(json!({ "purpose_chars": purpose.chars().count() })),
        };
        audit::insert(&mut *tx, &event).await?;
        tx.commit().await?;
        self.state.live.session_created().await;
        Ok(Json(CreateSessionResult {
            success: true,
            session_id: id,
            created_by: caller.agent_id,
            created_at: at,
        }))
    }

    #[tool(
        description = "Get a session with its 50 most recent messages you may see (oldest first) and the count of all you may see.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn get_session(
        &self,
        Parameters(args): Parameters<GetSessionArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<Json<GetSessionResult>, AppError> {
        let caller = self.caller(args.auth_token.as_deref(), &ctx).await?;
        require(&caller, Permissions::READ, "get_session")?;
        let mut tx = self.state.db.begin_read().await?;
        let session = sessions::get(&mut *tx, &args.session_id)
            .await?
            .ok_or_else(|| AppError::SessionNotFound(args.session_id.clone()))?;
        let viewer = Viewer::binds(&caller);
        let recent = messages::recent(&mut *tx, &viewer, &session.id, 50).await?;
        let all = Page {
            session_id: &session.id,
            visibility: None,
            after_id: 0,
            limit: -1,
            offset: 0,
        };
        let message_count = messages::count_visible(&mut *tx, &viewer, &all).await?;
        tx.commit().await?;
        Ok(Json(GetSessionResult {
            success: true,
            session,
            messages: recent,
            message_count,
        }))
    }

    #[tool(
        description = "List sessions, newest first, with cursor paging (limit 1..200, default 50) and an optional created_by filter.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn list_sessions(
        &self,
        Parameters(args): Parameters<ListSessionsArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<Json<ListSessionsResult>, AppError> {
        let limit = bounded("limit", args.limit, 50, 1, 200)?;
        let before = parse_cursor(args.cursor.as_deref())?;
        let caller = self.caller(args.auth_token.as_deref(), &ctx).await?;
        require(&caller, Permissions::READ, "list_sessions")?;
        let created_by = args.created_by.as_deref().filter(|c| !c.is_empty());
        // One row more than asked tells whether another page exists.
        let mut rows = sessions::list(self.state.db.pool(), limit + 1, before, created_by).await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = more
            .then(|| rows.last().map(|s| s.seq.to_string()))
            .flatten();
        Ok(Json(ListSessionsResult {
            success: true,
            count: rows.len(),
            sessions: rows,
            next_cursor,
        }))
    }
}
