//! §3 and §4 with tokens: the visibility matrix for tokens and process identities (tokens
//! minted in one process, used in another), login grants, API-key errors, the permission file.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::support::{
    AGENTS, Agent, AgentSpec, BIN, Posted, TestDb, TestResult, count, ids, inspect, may_see,
};

pub const KEY: &str = "e2e-api-key-7f3a9c";
pub const JWT_SECRET: &str = "e2e-jwt-secret-with-enough-bytes-0042";

pub fn with_key(spec: AgentSpec) -> AgentSpec {
    spec.env("API_KEY", KEY)
}

/// A read-only generic process that accepts logins: every elevated call through it must come
/// from a token.
pub async fn gateway(db: &TestDb, extra: &[(&str, &str)]) -> TestResult<Agent> {
    let mut spec = with_key(AgentSpec::new())
        .env("SCS_AGENT_ID", "gateway")
        .env("SCS_AGENT_PERMISSIONS", "read");
    for (k, v) in extra {
        spec = spec.env(k, v);
    }
    db.spawn(spec).await
}

/// What `viewer` reads through get_messages (all and per filter) and get_session.
async fn reads(agent: &Agent, sid: &str, token: Option<&str>) -> TestResult<Vec<BTreeSet<i64>>> {
    let mut out = Vec::new();
    for filter in [
        None,
        Some("public"),
        Some("private"),
        Some("agent_only"),
        Some("admin_only"),
    ] {
        let mut args = json!({ "session_id": sid, "limit": 1000 });
        if let Some(f) = filter {
            args["visibility_filter"] = json!(f);
        }
        if let Some(t) = token {
            args["auth_token"] = json!(t);
        }
        out.push(ids(&agent.ok("get_messages", args).await?));
    }
    let mut args = json!({ "session_id": sid });
    if let Some(t) = token {
        args["auth_token"] = json!(t);
    }
    let session = agent.ok("get_session", args).await?;
    if session["message_count"].as_u64() != Some(ids(&session).len() as u64) {
        return Err(format!("message_count disagrees: {session}").into());
    }
    out.push(ids(&session));
    Ok(out)
}

fn expected(viewer: (&str, &str, &str), posted: &[Posted]) -> Vec<BTreeSet<i64>> {
    let pick = |filter: Option<&str>| {
        posted
            .iter()
            .filter(|m| filter.is_none_or(|f| m.visibility == f) && may_see(viewer, m))
            .map(|m| m.id)
            .collect()
    };
    let mut out: Vec<BTreeSet<i64>> = [None, Some("public"), Some("private"), Some("agent_only")]
        .into_iter()
        .map(pick)
        .collect();
    out.push(pick(Some("admin_only")));
    out.push(pick(None));
    out
}

#[tokio::test]
async fn the_visibility_matrix_holds_for_tokens_and_process_identities() -> TestResult {
    let db = TestDb::new()?;
    let mut processes = Vec::new();
    for (id, ty, perms) in AGENTS {
        processes.push(db.agent(id, ty, perms).await?);
    }
    // Tokens are minted in one process and used in another.
    let issuer = db.spawn(with_key(AgentSpec::new())).await?;
    let gate = gateway(&db, &[]).await?;
    let mut tokens = Vec::new();
    for (id, ty, perms) in AGENTS {
        let wanted: Vec<&str> = perms.split(',').collect();
        tokens.push(issuer.login(id, ty, &wanted, KEY).await?);
    }
    let sid = processes[0].session("matrix").await?;
    let mut posted = Vec::new();
    for (i, &(sender, sender_type, perms)) in AGENTS.iter().enumerate().take(4) {
        let mut visibilities = vec!["public", "private", "agent_only"];
        if perms.contains("admin") {
            visibilities.push("admin_only");
        }
        for v in visibilities {
            // Every message once through the process identity and once through the token.
            let id = processes[i].post(&sid, &format!("{sender} {v}"), v).await?;
            posted.push(Posted {
                id,
                sender,
                sender_type,
                visibility: v,
            });
            let args = json!({ "session_id": sid, "content": format!("{sender} {v} by token"),
                               "visibility": v, "auth_token": tokens[i] });
            let body = gate.ok("add_message", args).await?;
            let id = body["message_id"].as_i64().ok_or("no message_id")?;
            posted.push(Posted {
                id,
                sender,
                sender_type,
                visibility: v,
            });
        }
    }
    for (i, viewer) in AGENTS.iter().enumerate() {
        let want = expected(*viewer, &posted);
        assert_eq!(
            reads(&processes[i], &sid, None).await?,
            want,
            "process {}",
            viewer.0
        );
        assert_eq!(
            reads(&gate, &sid, Some(&tokens[i])).await?,
            want,
            "token {}",
            viewer.0
        );
    }
    // The gateway's own identity sees only public messages.
    let public = gate
        .ok("get_messages", json!({ "session_id": sid, "limit": 1000 }))
        .await?;
    assert!(
        public["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|m| m["visibility"] == "public")
    );
    // Write and admin_only rules apply to the token's agent.
    let reader_post = json!({ "session_id": sid, "content": "x", "auth_token": tokens[4] });
    gate.fails("add_message", reader_post, "PERMISSION_DENIED")
        .await?;
    let admin_only = json!({ "session_id": sid, "content": "x", "visibility": "admin_only",
                             "auth_token": tokens[0] });
    gate.fails("add_message", admin_only, "PERMISSION_DENIED")
        .await?;
    gate.fails(
        "create_session",
        json!({ "purpose": "x", "auth_token": tokens[4] }),
        "PERMISSION_DENIED",
    )
    .await?;
    let by_token = gate
        .ok(
            "create_session",
            json!({ "purpose": "x", "auth_token": tokens[2] }),
        )
        .await?;
    assert_eq!(by_token["created_by"], "carol");
    for agent in processes.into_iter().chain([issuer, gate]) {
        agent.close().await?;
    }
    Ok(())
}

#[tokio::test]
async fn login_grants_requested_and_type_permissions() -> TestResult {
    let db = TestDb::new()?;
    let agent = db.spawn(with_key(AgentSpec::new())).await?;
    let body = agent
        .ok(
            "authenticate_agent",
            json!({ "agent_id": "alice", "agent_type": "claude",
             "requested_permissions": ["read", "write", "admin", "debug"], "api_key": KEY }),
        )
        .await?;
    assert_eq!(body["permissions"], json!(["read", "write"]));
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["token_format"], "sct");
    assert_eq!(body["agent_id"], "alice");
    assert_eq!(body["agent_type"], "claude");
    let token = body["token"].as_str().ok_or("no token")?;
    assert!(token.starts_with("sct_") && token.len() == 40, "{token}");
    let issued = chrono::DateTime::parse_from_rfc3339(body["issued_at"].as_str().unwrap_or(""))?;
    let expires = chrono::DateTime::parse_from_rfc3339(body["expires_at"].as_str().unwrap_or(""))?;
    assert!((expires - issued).num_seconds().abs_diff(3600) <= 1);
    // Defaults: read and write requested.
    let default = agent
        .ok(
            "authenticate_agent",
            json!({ "agent_id": "g", "agent_type": "gemini", "api_key": KEY }),
        )
        .await?;
    assert_eq!(default["permissions"], json!(["read", "write"]));
    for (ty, asked, granted) in [
        ("admin", json!(["read", "admin"]), json!(["read", "admin"])),
        ("test", json!(["debug", "admin"]), json!(["debug"])),
        ("generic", json!(["write"]), json!(["read"])),
        ("martian", json!(["read", "write"]), json!(["read"])),
        ("claude", json!([]), json!(["read"])),
    ] {
        let got = agent
            .ok(
                "authenticate_agent",
                json!({ "agent_id": "x", "agent_type": ty,
                               "requested_permissions": asked, "api_key": KEY }),
            )
            .await?;
        assert_eq!(got["permissions"], granted, "{ty}");
    }
    // Only the hash is stored.
    let pool = inspect(&db.path()).await?;
    let hashes: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM auth_tokens")
        .fetch_all(&pool)
        .await?;
    pool.close().await;
    let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(token.as_bytes()));
    assert!(hashes.contains(&hash));
    assert!(!hashes.iter().any(|h| h.contains(token)));
    agent.close().await?;
    Ok(())
}

#[tokio::test]
async fn api_key_problems_and_bad_login_input() -> TestResult {
    let db = TestDb::new()?;
    let off = db.default_agent("no-key").await?;
    let body = off
        .fails(
            "authenticate_agent",
            json!({ "agent_id": "a", "agent_type": "claude", "api_key": KEY }),
            "AUTH_DISABLED",
        )
        .await?;
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("API_KEY")),
        "{body}"
    );
    let on = db.spawn(with_key(AgentSpec::new())).await?;
    let login = |key: Value| json!({ "agent_id": "a", "agent_type": "claude", "api_key": key });
    on.fails("authenticate_agent", login(json!("wrong")), "AUTH_FAILED")
        .await?;
    on.fails(
        "authenticate_agent",
        login(json!(format!("{KEY}x"))),
        "AUTH_FAILED",
    )
    .await?;
    on.fails("authenticate_agent", login(json!("")), "AUTH_FAILED")
        .await?;
    on.fails(
        "authenticate_agent",
        json!({ "agent_id": "a", "agent_type": "claude" }),
        "AUTH_FAILED",
    )
    .await?;
    for (args, field) in [
        (
            json!({ "agent_id": "", "agent_type": "claude", "api_key": KEY }),
            "agent_id",
        ),
        (
            json!({ "agent_id": "a".repeat(101), "agent_type": "claude", "api_key": KEY }),
            "agent_id",
        ),
        (
            json!({ "agent_id": "a", "agent_type": "t".repeat(51), "api_key": KEY }),
            "agent_type",
        ),
        (
            json!({ "agent_id": "a", "agent_type": "claude", "requested_permissions": ["root"], "api_key": KEY }),
            "requested_permissions",
        ),
        (
            json!({ "agent_type": "claude", "api_key": KEY }),
            "agent_id",
        ),
    ] {
        let body = on
            .fails("authenticate_agent", args, "INVALID_INPUT")
            .await?;
        assert_eq!(body["context"]["field"], field, "{body}");
    }
    assert_eq!(
        count(&db.path(), "SELECT COUNT(*) FROM auth_tokens").await?,
        0
    );
    // Bad input writes nothing, not even an audit row; refused keys are audited.
    let n = count(
        &db.path(),
        "SELECT COUNT(*) FROM audit_log WHERE event_type = 'authentication_failed'",
    )
    .await?;
    assert_eq!(n, 5);
    on.fails(
        "refresh_token",
        json!({ "current_token": "" }),
        "INVALID_INPUT",
    )
    .await?;
    on.fails(
        "refresh_token",
        json!({ "current_token": "hello" }),
        "INVALID_TOKEN_FORMAT",
    )
    .await?;
    on.fails(
        "refresh_token",
        json!({ "current_token": "sct_123" }),
        "INVALID_TOKEN_FORMAT",
    )
    .await?;
    let unknown = format!("sct_{}", uuid::Uuid::new_v4());
    on.fails(
        "refresh_token",
        json!({ "current_token": unknown }),
        "TOKEN_REFRESH_FAILED",
    )
    .await?;
    off.close().await?;
    on.close().await?;
    Ok(())
}

#[tokio::test]
async fn permissions_config_file_replaces_the_table() -> TestResult {
    let db = TestDb::new()?;
    let file = db.dir.path().join("perms.json");
    std::fs::write(
        &file,
        r#"{"Claude": ["read"], "ops": ["read", "write", "admin"], "*": ["read", "write"]}"#,
    )?;
    let path = file.to_string_lossy().into_owned();
    let agent = db
        .spawn(with_key(AgentSpec::new()).env("PERMISSIONS_CONFIG_FILE", &path))
        .await?;
    for (ty, granted) in [
        ("claude", json!(["read"])),
        ("ops", json!(["read", "write", "admin"])),
        ("martian", json!(["read", "write"])),
        ("admin", json!(["read", "write"])),
    ] {
        let body = agent
            .ok(
                "authenticate_agent",
                json!({ "agent_id": "x", "agent_type": ty,
                "requested_permissions": ["read", "write", "admin"], "api_key": KEY }),
            )
            .await?;
        assert_eq!(body["permissions"], granted, "{ty}");
    }
    agent.close().await?;
    std::fs::write(&file, r#"{"claude": ["read", "root"]}"#)?;
    let out = tokio::process::Command::new(BIN)
        .env("DATABASE_PATH", db.path())
        .env("PERMISSIONS_CONFIG_FILE", &path)
        .stdin(std::process::Stdio::null())
        .output()
        .await?;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("PERMISSIONS_CONFIG_FILE") && stderr.contains("root"),
        "{stderr}"
    );
    Ok(())
}
