//! MCP resources (§9): `session://{id}`, `session://{id}/messages/{limit}` and
//! `agent://{id}/memory`, read as the process identity under the §4 rule, plus the list of
//! recently updated sessions. Errors are JSON-RPC errors carrying the §10 body as `data`.

use rmcp::model::{
    ErrorCode, ListResourceTemplatesResult, ListResourcesResult, ReadResourceResult, Resource,
    ResourceContents, ResourceTemplate,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer};
use serde::Serialize;
use serde_json::json;

use crate::auth::{Caller, Permissions};
use crate::db::live::{self, MemoryEntry, SessionStatistics};
use crate::db::messages::{self, Message};
use crate::db::sessions::{self, Session};
use crate::error::{AppError, AppResult};
use crate::server::Server;
use crate::tools::require;
use crate::visibility::Viewer;

pub const MIME: &str = "application/json";
/// Sessions listed by `resources/list`.
const LISTED_SESSIONS: i64 = 50;
/// Most recent visible messages embedded in `session://{id}`.
const SESSION_MESSAGES: i64 = 1000;
/// Most memory entries in `agent://{id}/memory`.
const MEMORY_ENTRIES: i64 = 500;

/// A parsed resource URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceUri {
    Session(String),
    Messages(String, String),
    Memory(String),
}

impl ResourceUri {
    /// `None` for anything that is not one of the three templates.
    pub fn parse(uri: &str) -> Option<ResourceUri> {
        let plain = |s: &str| !s.is_empty() && !s.contains(['/', '?', '#']);
        if let Some(rest) = uri.strip_prefix("session://") {
            return match rest.split_once('/') {
                None if plain(rest) => Some(ResourceUri::Session(rest.to_owned())),
                Some((id, tail)) if plain(id) => tail
                    .strip_prefix("messages/")
                    .filter(|limit| plain(limit))
                    .map(|limit| ResourceUri::Messages(id.to_owned(), limit.to_owned())),
                _ => None,
            };
        }
        let id = uri.strip_prefix("agent://")?.strip_suffix("/memory")?;
        plain(id).then(|| ResourceUri::Memory(id.to_owned()))
    }
}

/// The JSON-RPC form of an error met while serving a resource or prompt.
pub fn rpc_error(err: AppError) -> ErrorData {
    let code = match &err {
        AppError::SessionNotFound(_) | AppError::MemoryNotFound(_) => ErrorCode::RESOURCE_NOT_FOUND,
        AppError::PermissionDenied(_) => ErrorCode::INVALID_REQUEST,
        AppError::Busy | AppError::Internal(_) => ErrorCode::INTERNAL_ERROR,
        _ => ErrorCode::INVALID_PARAMS,
    };
    let body = err.to_body();
    ErrorData::new(code, err.to_string(), Some(body))
}

fn not_found(uri: &str) -> ErrorData {
    ErrorData::resource_not_found(
        format!(
            "unknown resource '{uri}': expected session://{{session_id}}, \
             session://{{session_id}}/messages/{{limit}} or agent://{{agent_id}}/memory"
        ),
        Some(json!({ "uri": uri })),
    )
}

#[derive(Serialize)]
struct SessionResource {
    session: Session,
    /// Oldest first; the most recent 1000 visible messages.
    messages: Vec<Message>,
    statistics: SessionStatistics,
    /// True when the session has more visible messages than `messages` holds.
    truncated: bool,
}

#[derive(Serialize)]
struct MessagesResource {
    session_id: String,
    messages: Vec<Message>,
}

#[derive(Serialize)]
struct MemoryResource {
    agent_id: String,
    entries: Vec<MemoryEntry>,
    count: usize,
}

pub fn templates() -> ListResourceTemplatesResult {
    let t = |uri: &str, name: &str, description: &str| {
        ResourceTemplate::new(uri, name)
            .with_description(description)
            .with_mime_type(MIME)
    };
    ListResourceTemplatesResult::with_all_items(vec![
        t(
            "session://{session_id}",
            "session",
            "A session with the messages you may see (most recent 1000) and statistics.",
        ),
        t(
            "session://{session_id}/messages/{limit}",
            "session-messages",
            "The most recent `limit` (1..500) messages of a session you may see, oldest first.",
        ),
        t(
            "agent://{agent_id}/memory",
            "agent-memory",
            "Your own live memory entries (another agent's id is refused).",
        ),
    ])
}

impl Server {
    /// The identity resources, prompts and subscriptions act as: the process identity.
    pub(crate) async fn reader(&self, ctx: &RequestContext<RoleServer>) -> AppResult<Caller> {
        let caller = self.caller(None, ctx).await?;
        require(&caller, Permissions::READ, "reading resources")?;
        Ok(caller)
    }

    /// `resources/list`: the 50 most recently updated sessions.
    pub(crate) async fn session_resources(
        &self,
        ctx: &RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        self.reader(ctx).await.map_err(rpc_error)?;
        let recent = live::recent_sessions(self.state.db.pool(), LISTED_SESSIONS)
            .await
            .map_err(|e| rpc_error(e.into()))?;
        let resources = recent
            .into_iter()
            .map(|s| {
                let title: String = s.purpose.chars().take(80).collect();
                Resource::new(crate::live::session_uri(&s.id), s.id)
                    .with_title(title)
                    .with_description(format!("{} (updated {})", s.purpose, s.updated_at))
                    .with_mime_type(MIME)
            })
            .collect();
        Ok(ListResourcesResult::with_all_items(resources))
    }

    /// `resources/read` of one of the three templates.
    pub(crate) async fn read(
        &self,
        uri: &str,
        ctx: &RequestContext<RoleServer>,
    ) -> Result<ReadResourceResult, ErrorData> {
        let parsed = ResourceUri::parse(uri).ok_or_else(|| not_found(uri))?;
        let caller = self.reader(ctx).await.map_err(rpc_error)?;
        let text = match parsed {
            ResourceUri::Session(id) => self.session_json(&caller, &id).await,
            ResourceUri::Messages(id, limit) => self.messages_json(&caller, &id, &limit).await,
            ResourceUri::Memory(agent) => self.memory_json(&caller, &agent).await,
        }
        .map_err(rpc_error)?;
        let contents = ResourceContents::text(text, uri).with_mime_type(MIME);
        Ok(ReadResourceResult::new(vec![contents]))
    }

    async fn session_json(&self, caller: &Caller, id: &str) -> AppResult<String> {
        let pool = self.state.db.pool();
        let session = sessions::get(pool, id)
            .await?
            .ok_or_else(|| AppError::SessionNotFound(id.to_owned()))?;
        let viewer = Viewer::binds(caller);
        let recent = messages::recent(pool, &viewer, id, SESSION_MESSAGES).await?;
        let statistics = live::session_statistics(pool, &viewer, id).await?;
        let body = SessionResource {
            truncated: statistics.message_count > recent.len() as i64,
            session,
            messages: recent,
            statistics,
        };
        Ok(serde_json::to_string(&body)?)
    }

    async fn messages_json(&self, caller: &Caller, id: &str, limit: &str) -> AppResult<String> {
        let limit = limit
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=500).contains(n))
            .ok_or_else(|| {
                AppError::invalid("limit", format!("must be an integer 1..500, got '{limit}'"))
            })?;
        let pool = self.state.db.pool();
        if !sessions::exists(pool, id).await? {
            return Err(AppError::SessionNotFound(id.to_owned()));
        }
        let found = messages::recent(pool, &Viewer::binds(caller), id, limit).await?;
        let body = MessagesResource {
            session_id: id.to_owned(),
            messages: found,
        };
        Ok(serde_json::to_string(&body)?)
    }

    async fn memory_json(&self, caller: &Caller, agent_id: &str) -> AppResult<String> {
        if agent_id != caller.agent_id {
            return Err(AppError::PermissionDenied(format!(
                "agent '{}' may read only its own memory (agent://{}/memory), not '{agent_id}'",
                caller.agent_id, caller.agent_id
            )));
        }
        let now = crate::time::now();
        let entries =
            live::memory_entries(self.state.db.pool(), agent_id, &now, MEMORY_ENTRIES).await?;
        let body = MemoryResource {
            agent_id: agent_id.to_owned(),
            count: entries.len(),
            entries,
        };
        Ok(serde_json::to_string(&body)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_parse_into_the_three_templates() {
        use ResourceUri::*;
        assert_eq!(
            ResourceUri::parse("session://session_ab"),
            Some(Session("session_ab".into()))
        );
        assert_eq!(
            ResourceUri::parse("session://s/messages/20"),
            Some(Messages("s".into(), "20".into()))
        );
        assert_eq!(
            ResourceUri::parse("agent://alice/memory"),
            Some(Memory("alice".into()))
        );
        for bad in [
            "session://",
            "session://s/other/1",
            "session://s/messages/",
            "agent://alice",
            "agent:///memory",
            "file:///etc/passwd",
            "session://a/b/messages/1",
        ] {
            assert_eq!(ResourceUri::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn errors_keep_the_section_10_body() {
        let e = rpc_error(AppError::SessionNotFound("s".into()));
        assert_eq!(e.code, ErrorCode::RESOURCE_NOT_FOUND);
        assert_eq!(
            e.data.as_ref().map(|d| d["code"].clone()),
            Some(json!("SESSION_NOT_FOUND"))
        );
    }
}
