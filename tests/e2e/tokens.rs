//! §3 tokens over time and across processes: refresh and its races, expiry and the refresh
//! grace, the background purge, and HS256 JWTs (capping by type, refusal of bad ones).

use std::time::Duration;

use serde_json::{Value, json};

use crate::auth::{JWT_SECRET, KEY, gateway, with_key};
use crate::support::{Agent, AgentSpec, TestDb, TestResult, count, jwt, jwt_with_header, unix_now};

#[tokio::test]
async fn refresh_revokes_the_old_token_in_every_process() -> TestResult {
    let db = TestDb::new()?;
    let a = db.spawn(with_key(AgentSpec::new())).await?;
    let b = gateway(&db, &[]).await?;
    let old = a.login("alice", "claude", &["read", "write"], KEY).await?;
    let sid = b
        .ok(
            "create_session",
            json!({ "purpose": "p", "auth_token": old }),
        )
        .await?;
    assert_eq!(sid["created_by"], "alice");
    let refreshed = a
        .ok("refresh_token", json!({ "current_token": old }))
        .await?;
    let new = refreshed["token"].as_str().ok_or("no token")?.to_owned();
    assert_ne!(new, old);
    assert_eq!(refreshed["agent_id"], "alice");
    assert_eq!(refreshed["permissions"], json!(["read", "write"]));
    let sid = sid["session_id"].as_str().ok_or("no session")?;
    b.fails(
        "get_messages",
        json!({ "session_id": sid, "auth_token": old }),
        "TOKEN_AUTHENTICATION_FAILED",
    )
    .await?;
    b.ok(
        "add_message",
        json!({ "session_id": sid, "content": "hi", "auth_token": new }),
    )
    .await?;
    a.fails(
        "refresh_token",
        json!({ "current_token": old }),
        "TOKEN_REFRESH_FAILED",
    )
    .await?;
    b.ok(
        "get_messages",
        json!({ "session_id": sid, "auth_token": format!(" {new} ") }),
    )
    .await?;
    // A refreshed token can itself be refreshed, in another process.
    b.ok("refresh_token", json!({ "current_token": new }))
        .await?;
    a.fails(
        "get_session",
        json!({ "session_id": sid, "auth_token": new }),
        "TOKEN_AUTHENTICATION_FAILED",
    )
    .await?;
    a.close().await?;
    b.close().await?;
    Ok(())
}

/// Polls `get_messages` with `token` until it fails (bounded); returns the failure code.
async fn wait_until_refused(agent: &Agent, sid: &str, token: &str) -> TestResult<String> {
    for _ in 0..200 {
        let reply = agent
            .call(
                "get_messages",
                json!({ "session_id": sid, "auth_token": token }),
            )
            .await?;
        if reply.is_error {
            return Ok(reply.body["code"].as_str().unwrap_or_default().to_owned());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err("the token never expired".into())
}

#[tokio::test]
async fn expired_tokens_fail_and_refresh_only_within_the_grace_period() -> TestResult {
    let db = TestDb::new()?;
    let short = gateway(&db, &[("SCS_TOKEN_TTL", "1")]).await?;
    let no_grace = gateway(
        &db,
        &[("SCS_TOKEN_TTL", "1"), ("SCS_TOKEN_REFRESH_GRACE", "0")],
    )
    .await?;
    let owner = db.default_agent("owner").await?;
    let sid = owner.session("expiry").await?;
    let token = short.login("alice", "claude", &["read"], KEY).await?;
    assert_eq!(
        wait_until_refused(&short, &sid, &token).await?,
        "TOKEN_AUTHENTICATION_FAILED"
    );
    // Within the grace period an expired token can still be refreshed.
    let fresh = short
        .ok("refresh_token", json!({ "current_token": token }))
        .await?;
    let fresh = fresh["token"].as_str().ok_or("no token")?.to_owned();
    short
        .ok(
            "get_messages",
            json!({ "session_id": sid, "auth_token": fresh }),
        )
        .await?;
    let doomed = no_grace.login("bob", "claude", &["read"], KEY).await?;
    assert_eq!(
        wait_until_refused(&no_grace, &sid, &doomed).await?,
        "TOKEN_AUTHENTICATION_FAILED"
    );
    let body = no_grace
        .fails(
            "refresh_token",
            json!({ "current_token": doomed }),
            "TOKEN_REFRESH_FAILED",
        )
        .await?;
    assert!(
        body["error"].as_str().is_some_and(|e| e.contains("grace")),
        "{body}"
    );
    short.close().await?;
    no_grace.close().await?;
    owner.close().await?;
    Ok(())
}

fn claims(agent_id: &str, agent_type: &str, permissions: Value) -> Value {
    json!({ "iss": "shared-context-server", "aud": "mcp-agents", "exp": unix_now() + 600,
            "agent_id": agent_id, "agent_type": agent_type, "permissions": permissions })
}

#[tokio::test]
async fn jwts_are_capped_by_type_and_bad_ones_refused() -> TestResult {
    let db = TestDb::new()?;
    let agent = gateway(&db, &[("JWT_SECRET_KEY", JWT_SECRET)]).await?;
    let owner = db.default_agent("owner").await?;
    let sid = owner.session("jwt").await?;
    let greedy = jwt(
        JWT_SECRET,
        &claims("jay", "claude", json!(["read", "write", "admin"])),
    );
    let guide = agent
        .ok("get_usage_guidance", json!({ "auth_token": greedy }))
        .await?;
    assert_eq!(guide["agent_info"]["permissions"], json!(["read", "write"]));
    assert_eq!(guide["agent_info"]["agent_id"], "jay");
    assert_eq!(guide["access_level"], "AGENT");
    agent
        .fails(
            "get_audit_log",
            json!({ "auth_token": greedy }),
            "PERMISSION_DENIED",
        )
        .await?;
    let admin_only = json!({ "session_id": sid, "content": "x", "visibility": "admin_only", "auth_token": greedy });
    agent
        .fails("add_message", admin_only, "PERMISSION_DENIED")
        .await?;
    let posted = agent
        .ok(
            "add_message",
            json!({ "session_id": sid, "content": "from jwt", "auth_token": greedy }),
        )
        .await?;
    let msgs = agent
        .ok(
            "get_messages",
            json!({ "session_id": sid, "auth_token": greedy }),
        )
        .await?;
    assert!(
        msgs["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|m| m["id"] == posted["message_id"] && m["sender"] == "jay")
    );
    let admin = jwt(
        JWT_SECRET,
        &claims("boss", "admin", json!(["read", "admin"])),
    );
    agent
        .ok("get_audit_log", json!({ "auth_token": admin }))
        .await?;
    let mut bad = vec![
        jwt("another-secret", &claims("jay", "claude", json!(["read"]))),
        jwt_with_header(
            JWT_SECRET,
            &json!({ "alg": "none" }),
            &claims("jay", "claude", json!(["read"])),
        ),
        jwt_with_header(
            JWT_SECRET,
            &json!({ "alg": "HS512" }),
            &claims("jay", "claude", json!(["read"])),
        ),
    ];
    for (field, value) in [
        ("aud", json!("someone-else")),
        ("iss", json!("x")),
        ("exp", json!(unix_now() - 5)),
    ] {
        let mut c = claims("jay", "claude", json!(["read"]));
        c[field] = value;
        bad.push(jwt(JWT_SECRET, &c));
    }
    let unsigned = bad[1]
        .rsplit_once('.')
        .map(|(a, _)| format!("{a}."))
        .unwrap_or_default();
    bad.push(unsigned);
    for token in &bad {
        agent
            .fails(
                "get_messages",
                json!({ "session_id": sid, "auth_token": token }),
                "TOKEN_AUTHENTICATION_FAILED",
            )
            .await?;
    }
    for garbage in ["hello", "sct_123", "Bearer sct_x", "a.b"] {
        agent
            .fails(
                "get_messages",
                json!({ "session_id": sid, "auth_token": garbage }),
                "INVALID_TOKEN_FORMAT",
            )
            .await?;
    }
    // An empty auth_token means no token: the gateway's own identity.
    let own = agent
        .ok("get_usage_guidance", json!({ "auth_token": "" }))
        .await?;
    assert_eq!(own["agent_info"]["agent_id"], "gateway");
    // A server without JWT_SECRET_KEY refuses JWTs.
    let plain = gateway(&db, &[]).await?;
    plain
        .fails(
            "get_messages",
            json!({ "session_id": sid, "auth_token": greedy }),
            "TOKEN_AUTHENTICATION_FAILED",
        )
        .await?;
    plain
        .fails(
            "refresh_token",
            json!({ "current_token": greedy }),
            "TOKEN_REFRESH_FAILED",
        )
        .await?;
    agent.close().await?;
    plain.close().await?;
    owner.close().await?;
    Ok(())
}

#[tokio::test]
async fn expired_token_rows_are_purged_in_the_background() -> TestResult {
    let db = TestDb::new()?;
    let env = [
        ("SCS_TOKEN_TTL", "1"),
        ("SCS_TOKEN_REFRESH_GRACE", "0"),
        ("SCS_MAINTENANCE_INTERVAL", "1"),
    ];
    let agent = gateway(&db, &env).await?;
    agent.login("alice", "claude", &["read"], KEY).await?;
    assert_eq!(
        count(&db.path(), "SELECT COUNT(*) FROM auth_tokens").await?,
        1
    );
    let mut left = 1;
    for _ in 0..300 {
        left = count(&db.path(), "SELECT COUNT(*) FROM auth_tokens").await?;
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(left, 0, "the expired token row was never purged");
    agent.close().await?;
    Ok(())
}

#[tokio::test]
async fn concurrent_refreshes_of_one_token_succeed_once() -> TestResult {
    let db = TestDb::new()?;
    let a = gateway(&db, &[]).await?;
    let b = gateway(&db, &[]).await?;
    let token = a.login("alice", "claude", &["read", "write"], KEY).await?;
    let args = json!({ "current_token": token });
    let (x, y) = tokio::join!(
        a.call("refresh_token", args.clone()),
        b.call("refresh_token", args)
    );
    let (x, y) = (x?, y?);
    assert!(
        x.is_error != y.is_error,
        "exactly one refresh must win: {:?} {:?}",
        x.body,
        y.body
    );
    let loser = if x.is_error { &x } else { &y };
    assert_eq!(loser.body["code"], "TOKEN_REFRESH_FAILED");
    let live = count(
        &db.path(),
        "SELECT COUNT(*) FROM auth_tokens WHERE revoked_at IS NULL",
    )
    .await?;
    assert_eq!(live, 1);
    a.close().await?;
    b.close().await?;
    Ok(())
}
