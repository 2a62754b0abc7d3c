//! Every tool of the §5–§8 surface as `get_usage_guidance` describes it: its signature (the real
//! argument names; `?` marks optional ones, `auth_token` is left out), what it needs, and which
//! kinds of guidance mention it. A unit test checks the signatures against the tool schemas.

/// What a caller needs before a tool is worth mentioning to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Nothing,
    Read,
    Write,
    Admin,
    /// `authenticate_agent`: an API key configured on this server.
    Login,
    /// `refresh_token`: a refreshable token (or login enabled, to get one).
    Refresh,
}

/// Kinds of guidance (bit flags), see [`super::Kind`].
pub const OPS: u8 = 1;
pub const COORD: u8 = 2;
pub const SEC: u8 = 4;
pub const TROUBLE: u8 = 8;

#[derive(Debug, Clone, Copy)]
pub struct ToolGuide {
    pub name: &'static str,
    pub signature: &'static str,
    pub purpose: &'static str,
    pub needs: Needs,
    /// Bit set of the guidance kinds that list this tool.
    pub kinds: u8,
}

const fn t(
    name: &'static str,
    signature: &'static str,
    purpose: &'static str,
    needs: Needs,
    kinds: u8,
) -> ToolGuide {
    ToolGuide {
        name,
        signature,
        purpose,
        needs,
        kinds,
    }
}

pub const CATALOGUE: &[ToolGuide] = &[
    t(
        "create_session",
        "create_session(purpose, metadata?)",
        "open a shared session; returns session_id",
        Needs::Write,
        OPS | COORD,
    ),
    t(
        "get_session",
        "get_session(session_id)",
        "a session with its 50 most recent messages you may see",
        Needs::Read,
        OPS | COORD | TROUBLE,
    ),
    t(
        "list_sessions",
        "list_sessions(limit?, cursor?, created_by?)",
        "sessions newest first; page with cursor = next_cursor",
        Needs::Read,
        OPS | COORD | TROUBLE,
    ),
    t(
        "add_message",
        "add_message(session_id, content, visibility?, metadata?, parent_message_id?, idempotency_key?)",
        "post a message (visibility public, private, agent_only or admin_only)",
        Needs::Write,
        OPS | COORD,
    ),
    t(
        "get_messages",
        "get_messages(session_id, limit?, offset?, visibility_filter?, after_id?)",
        "messages you may see, oldest first; after_id polls for newer ones",
        Needs::Read,
        OPS | COORD | TROUBLE,
    ),
    t(
        "search_context",
        "search_context(session_id, query, fuzzy_threshold?, limit?, search_metadata?, search_scope?)",
        "fuzzy search of a session's messages you may see",
        Needs::Read,
        OPS | COORD,
    ),
    t(
        "search_by_sender",
        "search_by_sender(session_id, sender, limit?)",
        "messages of one sender, newest first",
        Needs::Read,
        OPS | COORD,
    ),
    t(
        "search_by_timerange",
        "search_by_timerange(session_id, start_time, end_time, limit?)",
        "messages between two RFC 3339 times, oldest first",
        Needs::Read,
        OPS | COORD,
    ),
    t(
        "set_memory",
        "set_memory(key, value, session_id?, expires_in?, metadata?, overwrite?)",
        "store a private value, global or per session, optionally expiring",
        Needs::Write,
        OPS | COORD,
    ),
    t(
        "get_memory",
        "get_memory(key, session_id?)",
        "read one of your private values",
        Needs::Read,
        OPS | COORD,
    ),
    t(
        "list_memory",
        "list_memory(session_id?, prefix?, limit?)",
        "list your private keys (session_id \"all\" for every scope)",
        Needs::Read,
        OPS | COORD,
    ),
    t(
        "delete_memory",
        "delete_memory(key, session_id?)",
        "delete one of your private values",
        Needs::Write,
        OPS | COORD,
    ),
    t(
        "authenticate_agent",
        "authenticate_agent(agent_id, agent_type, requested_permissions?, api_key)",
        "log in with the server's API key; returns an sct_ token for auth_token",
        Needs::Login,
        OPS | SEC,
    ),
    t(
        "refresh_token",
        "refresh_token(current_token)",
        "swap your sct_ token for a new one; the old one is revoked at once",
        Needs::Refresh,
        OPS | SEC | TROUBLE,
    ),
    t(
        "get_usage_guidance",
        "get_usage_guidance(guidance_type?)",
        "this guidance: operations, coordination, security or troubleshooting",
        Needs::Nothing,
        OPS | SEC | TROUBLE,
    ),
    t(
        "get_audit_log",
        "get_audit_log(session_id?, agent_id?, event_type?, limit?, before_id?)",
        "the audit trail, newest first; page with before_id = next_before_id",
        Needs::Admin,
        OPS | SEC | TROUBLE,
    ),
    t(
        "get_performance_metrics",
        "get_performance_metrics()",
        "per-tool latency, cache and database figures of this process",
        Needs::Admin,
        OPS | TROUBLE,
    ),
];

/// The argument names of a signature, without the `?` marks.
pub fn arguments(signature: &str) -> Vec<&str> {
    signature
        .split_once('(')
        .map(|(_, rest)| rest.trim_end_matches(')'))
        .unwrap_or_default()
        .split(',')
        .map(|a| a.trim().trim_end_matches('?'))
        .filter(|a| !a.is_empty())
        .collect()
}

pub fn find(name: &str) -> Option<&'static ToolGuide> {
    CATALOGUE.iter().find(|g| g.name == name)
}
