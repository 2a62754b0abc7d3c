//! `add_message` and `get_messages` (§5), under the §4 visibility rule.

use rmcp::handler::server::wrapper::Json;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Parameters, bounded, require};
use crate::auth::{Caller, Permissions};
use crate::db::audit::{self, AuditEvent};
use crate::db::messages::{self, Message, NewMessage, Page};
use crate::db::sessions;
use crate::error::{AppError, AppResult};
use crate::server::Server;
use crate::visibility::{Viewer, Visibility};
use crate::{time, validate};

#[derive(Debug, Deserialize, JsonSchema)]
pub struct AddMessageArgs {
    pub session_id: String,
    /// The message text (1..100000 characters).
    pub content: String,
    /// public (default), private (only you), agent_only (agents of your type), admin_only.
    #[serde(default)]
    pub visibility: Option<String>,
    /// Optional JSON object (at most 50 keys, 10 KB).
    #[serde(default)]
    pub metadata: Option<Value>,
    /// Id of a message of the same session this one replies to.
    #[serde(default)]
    pub parent_message_id: Option<i64>,
    /// Repeating a key (same agent, same session) returns the first message instead of adding one.
    #[serde(default)]
    pub idempotency_key: Option<String>,
    #[serde(default)]
    pub auth_token: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AddMessageResult {
    pub success: bool,
    pub message_id: i64,
    /// The stored timestamp.
    pub timestamp: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetMessagesArgs {
    pub session_id: String,
    /// 1..1000 (default 50).
    #[serde(default)]
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<i64>,
    /// Messages to skip (default 0).
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub offset: Option<i64>,
    /// Only messages of this visibility (public, private, agent_only, admin_only).
    #[serde(default)]
    pub visibility_filter: Option<String>,
    /// Only messages with a larger id, for polling without gaps.
    #[serde(default)]
    pub after_id: Option<i64>,
    #[serde(default)]
    pub auth_token: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct GetMessagesResult {
    pub success: bool,
    /// Oldest first.
    pub messages: Vec<Message>,
    pub count: usize,
    /// All messages matching the filters that the caller may see.
    pub total_count: i64,
    pub has_more: bool,
}

/// The validated, sanitised form of `add_message`'s arguments.
struct Checked {
    content: String,
    visibility: Visibility,
    metadata: Option<String>,
    idempotency_key: Option<String>,
}

fn check_add(args: &AddMessageArgs, caller: &Caller) -> AppResult<Checked> {
    let content = validate::text("content", &args.content, 1, 100_000)?;
    let visibility = Visibility::parse(args.visibility.as_deref().unwrap_or("public"))?;
    let metadata = validate::metadata(args.metadata.as_ref())?;
    let idempotency_key = match args.idempotency_key.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(key) => Some(validate::text("idempotency_key", key, 1, 255)?),
    };
    require(caller, Permissions::WRITE, "add_message")?;
    if visibility == Visibility::AdminOnly {
        require(caller, Permissions::ADMIN, "posting an admin_only message")?;
    }
    Ok(Checked {
        content,
        visibility,
        metadata,
        idempotency_key,
    })
}

#[tool_router(router = message_router, vis = "pub(crate)")]
impl Server {
    #[tool(
        description = "Post a message to a session. visibility: public (default), private, agent_only, admin_only (admins only). Pass idempotency_key to make retries safe.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    pub async fn add_message(
        &self,
        Parameters(args): Parameters<AddMessageArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<Json<AddMessageResult>, AppError> {
        let caller = self.caller(args.auth_token.as_deref(), &ctx).await?;
        let checked = check_add(&args, &caller)?;
        let mut tx = self.state.db.begin_write().await?;
        if !sessions::exists(&mut *tx, &args.session_id).await? {
            return Err(AppError::SessionNotFound(args.session_id));
        }
        if let Some(parent) = args.parent_message_id {
            let parent_session = messages::session_of(&mut *tx, parent).await?;
            if parent_session.as_deref() != Some(args.session_id.as_str()) {
                return Err(AppError::invalid(
                    "parent_message_id",
                    format!(
                        "message {parent} is not a message of session {}",
                        args.session_id
                    ),
                ));
            }
        }
        if let Some(key) = &checked.idempotency_key {
            let earlier =
                messages::find_idempotent(&mut *tx, &args.session_id, &caller.agent_id, key)
                    .await?;
            if let Some((message_id, timestamp)) = earlier {
                return Ok(Json(AddMessageResult {
                    success: true,
                    message_id,
                    timestamp,
                }));
            }
        }
        let timestamp = time::now();
        let new = NewMessage {
            session_id: &args.session_id,
            sender: &caller.agent_id,
            sender_type: &caller.agent_type,
            content: &checked.content,
            visibility: checked.visibility.as_str(),
            metadata: checked.metadata.as_deref(),
            timestamp: &timestamp,
            parent_message_id: args.parent_message_id,
            idempotency_key: checked.idempotency_key.as_deref(),
        };
        let message_id = messages::insert(&mut *tx, &new).await?;
        sessions::touch(&mut *tx, &args.session_id, &timestamp).await?;
        let resource = format!("message:{message_id}");
        let event = AuditEvent {
            event_type: "message_added",
            agent_id: &caller.agent_id,
            session_id: Some(&args.session_id),
            resource: Some(&resource),
            action: "add_message",
            result: "success",
            metadata: Some(json!({ "visibility": checked.visibility.as_str() })),
        };
        audit::insert(&mut *tx, &event).await?;
        tx.commit().await?;
        self.state.live.message_added();
        Ok(Json(AddMessageResult {
            success: true,
            message_id,
            timestamp,
        }))
    }

    #[tool(
        description = "Read a session's messages you may see, oldest first, with limit (1..1000, default 50), offset, visibility_filter and after_id (only newer ids, for polling).",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn get_messages(
        &self,
        Parameters(args): Parameters<GetMessagesArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<Json<GetMessagesResult>, AppError> {
        let limit = bounded("limit", args.limit, 50, 1, 1000)?;
        let offset = bounded("offset", args.offset, 0, 0, i64::MAX)?;
        let after_id = bounded("after_id", args.after_id, 0, 0, i64::MAX)?;
        let filter = Visibility::parse_filter(args.visibility_filter.as_deref())?;
        let caller = self.caller(args.auth_token.as_deref(), &ctx).await?;
        require(&caller, Permissions::READ, "get_messages")?;
        let mut tx = self.state.db.begin_read().await?;
        if !sessions::exists(&mut *tx, &args.session_id).await? {
            return Err(AppError::SessionNotFound(args.session_id));
        }
        let viewer = Viewer::binds(&caller);
        let page = Page {
            session_id: &args.session_id,
            visibility: filter.map(Visibility::as_str),
            after_id,
            limit,
            offset,
        };
        let found = messages::page(&mut *tx, &viewer, &page).await?;
        let total_count = messages::count_visible(&mut *tx, &viewer, &page).await?;
        tx.commit().await?;
        let has_more = offset.saturating_add(found.len() as i64) < total_count;
        Ok(Json(GetMessagesResult {
            success: true,
            count: found.len(),
            messages: found,
            total_count,
            has_more,
        }))
    }
}
