//! The sentences of the guidance. Each one that names a tool is added only when the caller can
//! use that tool ([`Situation::can_use`]), so the guidance never points at a dead end.

use serde_json::json;

use super::{Example, Kind, Situation};
use crate::auth::Permissions;

type Parts = (Vec<String>, Vec<Example>);

fn example(description: &str, tool: &'static str, arguments: serde_json::Value) -> Example {
    Example {
        description: description.to_owned(),
        tool,
        arguments,
    }
}

fn identity(s: &Situation<'_>) -> String {
    let c = s.caller;
    let source = match &c.token_expires_at {
        Some(at) => format!("from the auth_token you passed, valid until {at}"),
        None => "as this server process's own identity (no auth_token)".to_owned(),
    };
    format!(
        "You act as agent '{}' of type '{}' with permissions [{}], {source}.",
        c.agent_id,
        c.agent_type,
        c.permissions.names().join(", ")
    )
}

pub fn summary(kind: Kind, s: &Situation<'_>) -> String {
    let what = match s.access_level() {
        "ADMIN" => "You have ADMIN access: you see every message and may read the audit log.",
        "AGENT" => "You have AGENT access: you may create sessions and post messages.",
        _ => "You have READ_ONLY access: you may read what you are allowed to see, not write.",
    };
    format!(
        "{} {what} This is the {} guidance of shared-context-server {}.",
        identity(s),
        kind.as_str(),
        env!("CARGO_PKG_VERSION")
    )
}

pub fn operations(s: &Situation<'_>) -> Parts {
    let mut p = Vec::new();
    let exceptions: Vec<&str> = ["authenticate_agent", "refresh_token"]
        .into_iter()
        .filter(|t| s.can_use(t))
        .collect();
    let tokens = if exceptions.is_empty() {
        "Every tool listed here takes an optional auth_token".to_owned()
    } else {
        format!(
            "Every tool except {} takes an optional auth_token",
            exceptions.join(" and ")
        )
    };
    let tokens = format!("{tokens}; omit it or pass \"\" to act as this process's identity.");
    p.push(tokens);
    if !s.caller.can(Permissions::WRITE) {
        p.push(
            "Your permissions do not include write, so creating sessions and posting \
                messages fail with PERMISSION_DENIED."
                .into(),
        );
    }
    if s.can_use("add_message") {
        p.push(
            "add_message content is 1..100000 characters (control characters removed, \
                trimmed); metadata is a JSON object of at most 50 keys and 10 KB."
                .into(),
        );
    }
    p.push(
        "Numbers out of range (e.g. a limit of 0) are INVALID_INPUT naming the field, never \
            silently clamped."
            .into(),
    );
    p.push(
        "Timestamps are RFC 3339 UTC with microseconds; message ids increase with insertion."
            .into(),
    );
    let examples = vec![
        example(
            "Open a session",
            "create_session",
            json!({ "purpose": "Plan the release" }),
        ),
        example(
            "Post to it",
            "add_message",
            json!({ "session_id": "<session_id>", "content": "Build is green", "visibility": "public" }),
        ),
        example(
            "Read it",
            "get_messages",
            json!({ "session_id": "<session_id>", "limit": 50 }),
        ),
        example(
            "Recent failed logins",
            "get_audit_log",
            json!({ "event_type": "authentication_failed", "limit": 20 }),
        ),
    ];
    (p, examples)
}

pub fn coordination(s: &Situation<'_>) -> Parts {
    let mut p = Vec::new();
    if s.can_use("create_session") {
        p.push(
            "Open one session per piece of shared work with create_session(purpose) and \
                give its session_id to the other agents."
                .into(),
        );
    }
    if s.can_use("list_sessions") {
        p.push("Find sessions others opened with list_sessions (newest first).".into());
    }
    if s.can_use("add_message") {
        let admin = if s.caller.is_admin() {
            ", admin_only for admins only"
        } else {
            ""
        };
        p.push(format!(
            "Post with add_message: visibility public for everyone, private for you alone, \
             agent_only for every agent of type '{}'{admin}. Pass idempotency_key to make a \
             retry safe and parent_message_id to reply.",
            s.caller.agent_type
        ));
    }
    if s.can_use("get_messages") {
        p.push(
            "Poll with get_messages(session_id, after_id = the largest message id you have \
                seen): you get only newer messages, without gaps, whichever process wrote them."
                .into(),
        );
    }
    if s.can_use("search_context") {
        p.push("Find earlier context with search_context(session_id, query) instead of reading everything.".into());
    }
    if s.can_use("set_memory") {
        p.push(
            "Keep private working notes with set_memory; other agents never see your memory."
                .into(),
        );
    }
    if s.caller.is_admin() {
        p.push("As an admin you see every message, including other agents' private ones.".into());
    }
    p.push(
        "All agents share one database file: a write by any process is visible to the next \
            read of every other process."
            .into(),
    );
    let examples = vec![
        example(
            "Start shared work",
            "create_session",
            json!({ "purpose": "Review PR 42" }),
        ),
        example(
            "Tell agents of your type only",
            "add_message",
            json!({ "session_id": "<session_id>", "content": "I take the backend",
                    "visibility": "agent_only", "idempotency_key": "claim-backend" }),
        ),
        example(
            "Poll for new messages",
            "get_messages",
            json!({ "session_id": "<session_id>", "after_id": 0 }),
        ),
        example(
            "Search the history",
            "search_context",
            json!({ "session_id": "<session_id>", "query": "rollback plan" }),
        ),
    ];
    (p, examples)
}

pub fn security(s: &Situation<'_>) -> Parts {
    let mut p = vec![identity(s)];
    if s.can_use("authenticate_agent") {
        p.push(format!(
            "authenticate_agent with the server's api_key issues an sct_ token valid for {} s; \
             it grants requested_permissions ∩ the agent type's permissions (type '{}' allows \
             [{}]), at least read.",
            s.token_ttl_s,
            s.caller.agent_type,
            s.type_permissions.join(", ")
        ));
    } else {
        p.push(
            "Token login is disabled on this server (no API_KEY is configured); the operator \
                enables it by setting API_KEY."
                .into(),
        );
    }
    if s.can_use("refresh_token") {
        p.push(format!(
            "refresh_token(current_token) returns a new token and revokes the old one at once; \
             an expired token can still be refreshed for {} s after it expires, a revoked one never.",
            s.refresh_grace_s
        ));
    }
    if s.jwt_enabled {
        p.push(
            "HS256 JWTs (aud mcp-agents, iss shared-context-server, claims agent_id, \
                agent_type, permissions, exp) are accepted as auth_token; their permissions are \
                capped by the agent type's."
                .into(),
        );
    }
    p.push(
        "An invalid, expired or revoked auth_token fails the call (TOKEN_AUTHENTICATION_FAILED, \
            or INVALID_TOKEN_FORMAT when it is not shaped like a token); the call never falls \
            back to the process identity."
            .into(),
    );
    p.push(
        "Visibility: public is for everyone, private for its sender, agent_only for agents \
            of the sender's type, admin_only for admins; admins see everything."
            .into(),
    );
    p.push("Never put tokens or API keys into message content, metadata or memory.".into());
    let audit = if s.can_use("get_audit_log") {
        " Read it with get_audit_log; failed logins have event_type authentication_failed and \
         refused tokens token_authentication_failed."
    } else {
        ""
    };
    p.push(format!(
        "Every change and every authentication attempt is written to the audit log, without \
         secrets.{audit}"
    ));
    let examples = vec![
        example(
            "Log in",
            "authenticate_agent",
            json!({ "agent_id": s.caller.agent_id, "agent_type": s.caller.agent_type,
                    "requested_permissions": ["read", "write"], "api_key": "<API_KEY>" }),
        ),
        example(
            "Refresh before expiry",
            "refresh_token",
            json!({ "current_token": "<your sct_ token>" }),
        ),
        example(
            "Act as the token's agent",
            "get_messages",
            json!({ "session_id": "<session_id>", "auth_token": "<your sct_ token>" }),
        ),
        example(
            "Audit one agent",
            "get_audit_log",
            json!({ "agent_id": s.caller.agent_id, "limit": 50 }),
        ),
    ];
    (p, examples)
}

pub fn troubleshooting(s: &Situation<'_>) -> Parts {
    let mut p = vec![
        "INVALID_INPUT: the error names the field and its limit; fix that field.".to_owned(),
        "INVALID_VISIBILITY: use public, private, agent_only or admin_only (visibility_filter \
         also takes all)."
            .into(),
        format!(
            "PERMISSION_DENIED: you hold [{}]; writes need write, admin_only messages and admin \
             tools need admin.",
            s.caller.permissions.names().join(", ")
        ),
        "BUSY: the database stayed locked for the whole busy timeout; retry shortly.".into(),
        "INTERNAL_ERROR: retry once; the detail is in the server's log (stderr).".into(),
    ];
    let session = if s.can_use("list_sessions") {
        "SESSION_NOT_FOUND: check the session_id (session_ and 16 hex digits); list_sessions \
         shows the existing ones."
    } else {
        "SESSION_NOT_FOUND: check the session_id (session_ and 16 hex digits)."
    };
    p.push(session.into());
    let token_fix = match (s.can_use("refresh_token"), s.can_use("authenticate_agent")) {
        (true, true) => "call refresh_token, or authenticate_agent for a new token",
        (true, false) => "call refresh_token",
        (false, true) => "call authenticate_agent for a new token",
        (false, false) => "drop the auth_token to act as the process identity",
    };
    p.push(format!(
        "TOKEN_AUTHENTICATION_FAILED: the token is unknown, expired, revoked or badly signed; \
         {token_fix}."
    ));
    if s.can_use("authenticate_agent") {
        p.push("AUTH_FAILED: the api_key is missing or wrong.".into());
    } else {
        p.push("AUTH_DISABLED: token login is off because this server has no API_KEY.".into());
    }
    if s.can_use("set_memory") || s.can_use("get_memory") {
        p.push(
            "INVALID_KEY, KEY_EXISTS, MEMORY_NOT_FOUND, INVALID_TTL: memory keys are 1..255 \
                characters without whitespace; overwrite=false refuses a live key; expired \
                values are gone; expires_in is 1..31536000 s."
                .into(),
        );
    }
    if s.can_use("search_by_timerange") {
        p.push("INVALID_TIMERANGE: use RFC 3339 times with start_time <= end_time.".into());
    }
    p.push(
        "A message you expect but do not see is one you may not see: private messages of \
            others, agent_only messages of another type, admin_only messages."
            .into(),
    );
    let examples = vec![
        example(
            "Check who you are",
            "get_usage_guidance",
            json!({ "guidance_type": "security" }),
        ),
        example(
            "Check a session",
            "get_session",
            json!({ "session_id": "<session_id>" }),
        ),
        example(
            "What failed recently",
            "get_audit_log",
            json!({ "event_type": "token_authentication_failed", "limit": 20 }),
        ),
    ];
    (p, examples)
}
