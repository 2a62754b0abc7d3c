//! The search tools (§6): `search_context` (fuzzy, ranked), `search_by_sender`,
//! `search_by_timerange`, all under the §4 rule.

use rmcp::handler::server::wrapper::Json;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Parameters, bounded, require};
use crate::auth::Permissions;
use crate::db::messages::{self, Message};
use crate::db::sessions;
use crate::error::{AppError, AppResult};
use crate::server::Server;
use crate::time;
use crate::visibility::Viewer;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SearchBySenderArgs {
    pub session_id: String,
    /// Exact agent id of the sender.
    pub sender: String,
    /// 1..100 (default 20).
    #[serde(default)]
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<i64>,
    #[serde(default)]
    pub auth_token: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SearchBySenderResult {
    pub success: bool,
    pub session_id: String,
    pub sender: String,
    /// Newest first.
    pub messages: Vec<Message>,
    pub count: usize,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SearchByTimerangeArgs {
    pub session_id: String,
    /// RFC 3339 (a time without offset is UTC), inclusive.
    pub start_time: String,
    /// RFC 3339 (a time without offset is UTC), inclusive.
    pub end_time: String,
    /// 1..200 (default 50).
    #[serde(default)]
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    #[serde(default)]
    pub auth_token: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SearchByTimerangeResult {
    pub success: bool,
    pub session_id: String,
    /// The range as understood, in the stored timestamp format.
    pub start_time: String,
    pub end_time: String,
    /// Oldest first.
    pub messages: Vec<Message>,
    pub count: usize,
}

/// Both ends parsed and in order, in the stored format (so text order is time order).
fn parse_range(start: &str, end: &str) -> AppResult<(String, String)> {
    let parse = |field: &str, text: &str| {
        time::parse(text).ok_or_else(|| {
            AppError::InvalidTimerange(format!("{field} '{text}' is not an RFC 3339 time"))
        })
    };
    let (from, to) = (parse("start_time", start)?, parse("end_time", end)?);
    if from > to {
        return Err(AppError::InvalidTimerange(
            "start_time is after end_time".into(),
        ));
    }
    Ok((time::format(from), time::format(to)))
}

#[tool_router(router = search_router, vis = "pub(crate)")]
impl Server {
    #[tool(
        description = "Messages of a session sent by one agent (exact agent id) that you may see, newest first (limit 1..100, default 20).",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn search_by_sender(
        &self,
        Parameters(args): Parameters<SearchBySenderArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<Json<SearchBySenderResult>, AppError> {
        let limit = bounded("limit", args.limit, 20, 1, 100)?;
        let caller = self.caller(args.auth_token.as_deref(), &ctx).await?;
        require(&caller, Permissions::READ, "search_by_sender")?;
        let mut tx = self.state.db.begin_read().await?;
        if !sessions::exists(&mut *tx, &args.session_id).await? {
            return Err(AppError::SessionNotFound(args.session_id));
        }
        let viewer = Viewer::binds(&caller);
        let found =
            messages::by_sender(&mut *tx, &viewer, &args.session_id, &args.sender, limit).await?;
        tx.commit().await?;
        Ok(Json(SearchBySenderResult {
            success: true,
            count: found.len(),
            messages: found,
            session_id: args.session_id,
            sender: args.sender,
        }))
    }

    #[tool(
        description = "Messages of a session you may see whose timestamps fall within [start_time, end_time] (RFC 3339, inclusive; no offset means UTC), oldest first (limit 1..200, default 50).",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn search_by_timerange(
        &self,
        Parameters(args): Parameters<SearchByTimerangeArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<Json<SearchByTimerangeResult>, AppError> {
        let limit = bounded("limit", args.limit, 50, 1, 200)?;
        let (start, end) = parse_range(&args.start_time, &args.end_time)?;
        let caller = self.caller(args.auth_token.as_deref(), &ctx).await?;
        require(&caller, Permissions::READ, "search_by_timerange")?;
        let mut tx = self.state.db.begin_read().await?;
        if !sessions::exists(&mut *tx, &args.session_id).await? {
            return Err(AppError::SessionNotFound(args.session_id));
        }
        let viewer = Viewer::binds(&caller);
        let range = (start.as_str(), end.as_str());
        let found = messages::by_time(&mut *tx, &viewer, &args.session_id, range, limit).await?;
        tx.commit().await?;
        Ok(Json(SearchByTimerangeResult {
            success: true,
            count: found.len(),
            messages: found,
            session_id: args.session_id,
            start_time: start,
            end_time: end,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_checked() {
        assert!(parse_range("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z").is_ok());
        assert!(matches!(
            parse_range("2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z"),
            Err(AppError::InvalidTimerange(_))
        ));
        assert!(matches!(
            parse_range("soon", "2026-01-01T00:00:00Z"),
            Err(AppError::InvalidTimerange(_))
        ));
        let (a, _) =
            parse_range("2026-01-01T02:00:00+02:00", "2026-01-01T05:00:00").unwrap_or_default();
        assert_eq!(a, "2026-01-01T00:00:00.000000+00:00");
    }
}
