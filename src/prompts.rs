//! MCP prompts (§9): `setup-collaboration` and `debug-session`, plain markdown text messages
//! (never JSON). `debug-session` shows only what the process identity may see (§4).

use std::fmt::Write as _;

use rmcp::model::{
    GetPromptResult, JsonObject, ListPromptsResult, Prompt, PromptArgument, PromptMessage, Role,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer};
use serde_json::Value;

use crate::auth::Caller;
use crate::db::live::{self, SessionStatistics};
use crate::db::messages::{self, Message};
use crate::db::sessions::{self, Session};
use crate::error::{AppError, AppResult};
use crate::resources::rpc_error;
use crate::server::Server;
use crate::validate;
use crate::visibility::Viewer;

/// Recent messages shown by `debug-session`.
const DEBUG_MESSAGES: i64 = 20;
/// Characters of each message shown by `debug-session`.
const PREVIEW_CHARS: usize = 160;

pub fn list() -> ListPromptsResult {
    let arg = |name: &str, description: &str, required: bool| {
        PromptArgument::new(name)
            .with_description(description)
            .with_required(required)
    };
    ListPromptsResult::with_all_items(vec![
        Prompt::new(
            "setup-collaboration",
            Some(
                "How to set up a shared session for several agents: session, visibility, roles, live updates.",
            ),
            Some(vec![
                arg("purpose", "What the agents will work on together.", true),
                arg(
                    "agent_types",
                    "Comma-separated agent types taking part, e.g. claude,gemini.",
                    false,
                ),
                arg(
                    "project_name",
                    "Name of the project, used as the heading.",
                    false,
                ),
            ]),
        ),
        Prompt::new(
            "debug-session",
            Some(
                "A markdown report of a session as you may see it: counts, senders, recent messages, checks.",
            ),
            Some(vec![arg("session_id", "The session to inspect.", true)]),
        ),
    ])
}

/// A string argument (prompt arguments are strings; an array of strings is joined by commas).
fn text_arg(args: Option<&JsonObject>, name: &str) -> Option<String> {
    match args?.get(name)? {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(","),
        ),
        Value::Null => None,
        other => Some(other.to_string()),
    }
    .filter(|s| !s.trim().is_empty())
}

fn required(args: Option<&JsonObject>, name: &str) -> AppResult<String> {
    text_arg(args, name).ok_or_else(|| AppError::invalid(name, "is required"))
}

fn markdown(description: &str, text: String) -> GetPromptResult {
    GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
        .with_description(description)
}

impl Server {
    /// `prompts/get`.
    pub(crate) async fn prompt(
        &self,
        name: &str,
        args: Option<&JsonObject>,
        ctx: &RequestContext<RoleServer>,
    ) -> Result<GetPromptResult, ErrorData> {
        let result = match name {
            "setup-collaboration" => self.setup_collaboration(args, ctx).await,
            "debug-session" => self.debug_session(args, ctx).await,
            other => {
                return Err(ErrorData::invalid_params(
                    format!(
                        "unknown prompt '{other}': expected setup-collaboration or debug-session"
                    ),
                    None,
                ));
            }
        };
        result.map_err(rpc_error)
    }

    async fn setup_collaboration(
        &self,
        args: Option<&JsonObject>,
        ctx: &RequestContext<RoleServer>,
    ) -> AppResult<GetPromptResult> {
        let purpose = validate::text("purpose", &required(args, "purpose")?, 1, 1000)?;
        let project = match text_arg(args, "project_name") {
            Some(p) => Some(validate::text("project_name", &p, 1, 200)?),
            None => None,
        };
        let types: Vec<String> = text_arg(args, "agent_types")
            .map(|t| {
                t.split(',')
                    .map(|s| validate::sanitize(s).to_lowercase())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let caller = self.caller(None, ctx).await?;
        Ok(markdown(
            "Collaboration setup guide",
            setup_text(project.as_deref(), &purpose, &types, &caller),
        ))
    }

    async fn debug_session(
        &self,
        args: Option<&JsonObject>,
        ctx: &RequestContext<RoleServer>,
    ) -> AppResult<GetPromptResult> {
        let id = required(args, "session_id")?;
        let caller = self.reader(ctx).await?;
        let pool = self.state.db.pool();
        let session = sessions::get(pool, &id)
            .await?
            .ok_or_else(|| AppError::SessionNotFound(id.clone()))?;
        let viewer = Viewer::binds(&caller);
        let stats = live::session_statistics(pool, &viewer, &id).await?;
        let recent = messages::recent(pool, &viewer, &id, DEBUG_MESSAGES).await?;
        Ok(markdown(
            "Session debug report",
            debug_text(&session, &stats, &recent, &caller),
        ))
    }
}

fn setup_text(project: Option<&str>, purpose: &str, types: &[String], caller: &Caller) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Collaboration setup: {}\n",
        project.unwrap_or("shared work")
    );
    let _ = writeln!(t, "**Purpose:** {purpose}\n");
    let agents = if types.is_empty() {
        "any agent types".to_owned()
    } else {
        types.join(", ")
    };
    let _ = writeln!(t, "**Agents taking part:** {agents}\n");
    let _ = writeln!(
        t,
        "**You are:** `{}` (type `{}`, permissions: {})\n",
        caller.agent_id,
        caller.agent_type,
        caller.permissions.names().join(", ")
    );
    t.push_str("## 1. Create the shared session\n\n");
    t.push_str("Call `create_session` with `purpose` set to the purpose above");
    if let Some(project) = project {
        let json = serde_json::json!({ "project": project });
        let _ = write!(t, " and `metadata: {json}`");
    }
    t.push_str(". Share the returned `session_id` with every agent taking part.\n\n");
    t.push_str(
        "## 2. Agree on visibility\n\n\
         | visibility | who sees it |\n|---|---|\n\
         | `public` | every agent in the session (default) |\n\
         | `private` | only the sender |\n\
         | `agent_only` | every agent of the sender's type |\n\
         | `admin_only` | admins only; posting it needs `admin` |\n\n",
    );
    t.push_str("## 3. Roles\n\n");
    if types.is_empty() {
        t.push_str("- Each agent posts its plan, progress and results as `public` messages.\n");
    }
    for ty in types {
        let _ = writeln!(
            t,
            "- **{ty}**: post progress and results as `public`; use `agent_only` for notes meant \
             only for other `{ty}` agents."
        );
    }
    t.push_str(
        "- Reply to a message with `parent_message_id`; pass `idempotency_key` to make retries safe.\n\n\
         ## 4. Stay in sync without polling\n\n\
         - Subscribe to the resource `session://{session_id}` (`resources/subscribe`, or \
         `subscriptions/listen` on protocol 2026-07-28): you get `notifications/resources/updated` \
         within a second whenever a message you may see is added, by any agent.\n\
         - Read `session://{session_id}/messages/20` for the 20 most recent messages.\n\
         - Without notifications, poll `get_messages` with `after_id` = the last id you saw.\n\n\
         ## 5. Remember and find\n\n\
         - `set_memory` / `get_memory` keep your private notes (global, or per session with \
         `session_id`; optional `expires_in`).\n\
         - `search_context` (fuzzy), `search_by_sender` and `search_by_timerange` search a session.\n",
    );
    t
}

/// One line of a markdown table cell: no newlines or pipes, at most `PREVIEW_CHARS`.
fn cell(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(PREVIEW_CHARS)
        .collect::<String>()
        .replace('|', "\\|");
    if text.chars().count() > PREVIEW_CHARS {
        format!("{flat}…")
    } else {
        flat
    }
}

fn debug_text(s: &Session, st: &SessionStatistics, recent: &[Message], who: &Caller) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "# Session `{}`\n", s.id);
    let _ = writeln!(t, "- **Purpose:** {}", cell(&s.purpose));
    let _ = writeln!(t, "- **Created:** {} by `{}`", s.created_at, s.created_by);
    let _ = writeln!(t, "- **Last update:** {}", s.updated_at);
    let _ = writeln!(
        t,
        "- **Active:** {}",
        if s.is_active { "yes" } else { "no" }
    );
    let _ = writeln!(
        t,
        "- **Viewed as:** `{}` (type `{}`{}); only messages this agent may see are counted.\n",
        who.agent_id,
        who.agent_type,
        if who.is_admin() { ", admin" } else { "" }
    );
    let v = &st.by_visibility;
    t.push_str("## Messages you can see\n\n");
    let _ = writeln!(
        t,
        "- **Total:** {} (public {}, private {}, agent_only {}, admin_only {})",
        st.message_count, v.public, v.private, v.agent_only, v.admin_only
    );
    let _ = writeln!(
        t,
        "- **Senders ({}):** {}",
        st.unique_senders,
        if st.senders.is_empty() {
            "none".to_owned()
        } else {
            st.senders.join(", ")
        }
    );
    if let (Some(first), Some(last)) = (&st.first_message_at, &st.last_message_at) {
        let _ = writeln!(t, "- **First / last:** {first} / {last}");
    }
    let _ = writeln!(t, "\n## Most recent {} (oldest first)\n", recent.len());
    if recent.is_empty() {
        t.push_str("_No messages you can see._\n");
    } else {
        t.push_str("| id | time | sender | visibility | content |\n|---|---|---|---|---|\n");
        for m in recent {
            let _ = writeln!(
                t,
                "| {} | {} | `{}` | {} | {} |",
                m.id,
                m.timestamp,
                m.sender,
                m.visibility,
                cell(&m.content)
            );
        }
    }
    t.push_str("\n## Checks\n\n");
    for check in checks(s, st) {
        let _ = writeln!(t, "- {check}");
    }
    t
}

fn checks(s: &Session, st: &SessionStatistics) -> Vec<String> {
    let mut out = Vec::new();
    if !s.is_active {
        out.push("The session is not active.".to_owned());
    }
    match st.unique_senders {
        0 => out.push("Nobody has posted a message you can see yet.".to_owned()),
        1 => out.push(
            "Only one agent has posted messages you can see: are the others using this session_id?"
                .to_owned(),
        ),
        _ => {}
    }
    if st.message_count > 0 && st.by_visibility.public == 0 {
        out.push(
            "None of the messages you can see is public: other agents may not see them.".to_owned(),
        );
    }
    out.push(format!(
        "For live updates subscribe to `session://{}`; to poll, call get_messages with after_id.",
        s.id
    ));
    out
}
