//! §8: every authentication event is audited, successes and failures, without secrets;
//! `get_audit_log` filters, pages with before_id and is admin only.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::auth::{JWT_SECRET, KEY};
use crate::support::{AgentSpec, TestDb, TestResult, jwt, table_text, unix_now};

const ALL_AUDIT_TEXT: &str = "SELECT timestamp || ' ' || event_type || ' ' || agent_id || ' ' || \
     coalesce(session_id, '') || ' ' || coalesce(resource, '') || ' ' || coalesce(action, '') || \
     ' ' || result || ' ' || coalesce(metadata, '') FROM audit_log ORDER BY id";

fn events(body: &Value) -> Vec<(String, String)> {
    body["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
            (s("event_type"), s("result"))
        })
        .collect()
}

#[tokio::test]
async fn authentication_events_are_audited_without_secrets() -> TestResult {
    let db = TestDb::new()?;
    let spec = AgentSpec::new()
        .env("API_KEY", KEY)
        .env("JWT_SECRET_KEY", JWT_SECRET)
        .env("SCS_AGENT_ID", "auditor")
        .env("SCS_AGENT_PERMISSIONS", "read,write,admin");
    let admin = db.spawn(spec).await?;
    let no_key = db.default_agent("plain").await?;
    let token = admin
        .login("alice", "claude", &["read", "write"], KEY)
        .await?;
    let args = |key: &str| json!({ "agent_id": "mallory", "agent_type": "admin", "api_key": key });
    admin
        .fails("authenticate_agent", args("guess"), "AUTH_FAILED")
        .await?;
    no_key
        .fails("authenticate_agent", args(KEY), "AUTH_DISABLED")
        .await?;
    let refreshed = admin
        .ok("refresh_token", json!({ "current_token": token }))
        .await?;
    let new_token = refreshed["token"].as_str().ok_or("no token")?.to_owned();
    admin
        .fails(
            "refresh_token",
            json!({ "current_token": token }),
            "TOKEN_REFRESH_FAILED",
        )
        .await?;
    let sid = admin.session("audited").await?;
    let read = |t: &str| json!({ "session_id": sid, "auth_token": t });
    admin
        .fails("get_messages", read(&token), "TOKEN_AUTHENTICATION_FAILED")
        .await?;
    admin
        .fails("get_messages", read("not-a-token"), "INVALID_TOKEN_FORMAT")
        .await?;
    let forged = jwt(
        "wrong-secret",
        &json!({ "iss": "shared-context-server", "aud": "mcp-agents",
        "exp": unix_now() + 60, "agent_id": "eve", "agent_type": "admin", "permissions": ["admin"] }),
    );
    admin
        .fails("get_messages", read(&forged), "TOKEN_AUTHENTICATION_FAILED")
        .await?;
    admin
        .ok(
            "add_message",
            json!({ "session_id": sid, "content": "hi", "auth_token": new_token }),
        )
        .await?;

    let log = admin.ok("get_audit_log", json!({ "limit": 500 })).await?;
    let seen: BTreeSet<(String, String)> = events(&log).into_iter().collect();
    for (event, result) in [
        ("authentication_success", "success"),
        ("authentication_failed", "failure"),
        ("token_refreshed", "success"),
        ("token_refresh_failed", "failure"),
        ("token_authentication_failed", "failure"),
        ("session_created", "success"),
        ("message_added", "success"),
    ] {
        assert!(
            seen.contains(&(event.into(), result.into())),
            "{event} missing: {seen:?}"
        );
    }
    for (event, result) in &seen {
        assert_eq!(
            result == "failure",
            event.ends_with("_failed"),
            "{event} {result}"
        );
    }
    let failed = admin
        .ok(
            "get_audit_log",
            json!({ "event_type": "authentication_failed" }),
        )
        .await?;
    assert_eq!(failed["count"], 2, "{failed}");
    let refused = admin
        .ok(
            "get_audit_log",
            json!({ "event_type": "token_authentication_failed" }),
        )
        .await?;
    assert_eq!(refused["count"], 3);
    let by_alice = admin
        .ok("get_audit_log", json!({ "agent_id": "alice" }))
        .await?;
    let alice_events: BTreeSet<String> = events(&by_alice).into_iter().map(|e| e.0).collect();
    for e in [
        "authentication_success",
        "token_refreshed",
        "token_refresh_failed",
        "token_authentication_failed",
        "message_added",
    ] {
        assert!(
            alice_events.contains(e),
            "{e} not attributed to alice: {alice_events:?}"
        );
    }
    let text = table_text(&db.path(), ALL_AUDIT_TEXT).await?;
    let hash = |t: &str| hex::encode(<sha2::Sha256 as sha2::Digest>::digest(t.as_bytes()));
    for secret in [
        KEY,
        "guess",
        JWT_SECRET,
        &token,
        &new_token,
        &forged,
        &hash(&token),
        &hash(&new_token),
    ] {
        assert!(
            !text.contains(secret),
            "a secret is in the audit log:\n{text}"
        );
    }
    admin.close().await?;
    no_key.close().await?;
    Ok(())
}

#[tokio::test]
async fn get_audit_log_filters_pages_and_is_admin_only() -> TestResult {
    let db = TestDb::new()?;
    let admin = db.agent("root", "admin", "read,write,admin").await?;
    let alice = db.default_agent("alice").await?;
    let s1 = alice.session("one").await?;
    let s2 = admin.session("two").await?;
    for i in 0..4 {
        alice.post(&s1, &format!("a{i}"), "public").await?;
        admin.post(&s2, &format!("r{i}"), "public").await?;
    }
    let all = admin.ok("get_audit_log", json!({})).await?;
    let ids: Vec<i64> = all["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["id"].as_i64())
        .collect();
    assert_eq!(ids.len(), 10);
    assert!(
        ids.windows(2).all(|w| w[0] > w[1]),
        "not newest first: {ids:?}"
    );
    assert_eq!(all["count"], 10);
    assert_eq!(all["next_before_id"], Value::Null);
    let entry = &all["entries"][0];
    for field in [
        "id",
        "timestamp",
        "event_type",
        "agent_id",
        "session_id",
        "resource",
        "action",
        "result",
        "metadata",
    ] {
        assert!(entry.get(field).is_some(), "{field} missing from {entry}");
    }
    let in_s1 = admin
        .ok("get_audit_log", json!({ "session_id": s1 }))
        .await?;
    assert_eq!(in_s1["count"], 5);
    assert!(
        in_s1["entries"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|e| e["session_id"] == s1.as_str())
    );
    let both = admin
        .ok(
            "get_audit_log",
            json!({ "agent_id": "root", "event_type": "message_added" }),
        )
        .await?;
    assert_eq!(both["count"], 4);
    let none = admin
        .ok(
            "get_audit_log",
            json!({ "session_id": s1, "agent_id": "root" }),
        )
        .await?;
    assert_eq!(none["count"], 0);
    // Paging with before_id walks every entry once, in order.
    let mut paged = Vec::new();
    let mut before = Value::Null;
    for _ in 0..10 {
        let mut args = json!({ "limit": 3 });
        if !before.is_null() {
            args["before_id"] = before.clone();
        }
        let page = admin.ok("get_audit_log", args).await?;
        paged.extend(
            page["entries"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["id"].as_i64()),
        );
        before = page["next_before_id"].clone();
        if before.is_null() {
            break;
        }
    }
    assert_eq!(paged, ids);
    for bad in [
        json!({ "limit": 0 }),
        json!({ "limit": 501 }),
        json!({ "before_id": 0 }),
        json!({ "limit": "x" }),
    ] {
        admin.fails("get_audit_log", bad, "INVALID_INPUT").await?;
    }
    alice
        .fails("get_audit_log", json!({}), "PERMISSION_DENIED")
        .await?;
    admin.close().await?;
    alice.close().await?;
    Ok(())
}

#[tokio::test]
async fn audit_access_follows_the_token_not_the_process() -> TestResult {
    let db = TestDb::new()?;
    let admin_process = db
        .spawn(
            AgentSpec::new()
                .env("API_KEY", KEY)
                .env("SCS_AGENT_ID", "root")
                .env("SCS_AGENT_TYPE", "admin")
                .env("SCS_AGENT_PERMISSIONS", "read,write,admin"),
        )
        .await?;
    let plain_process = db
        .spawn(
            AgentSpec::new()
                .env("API_KEY", KEY)
                .env("SCS_AGENT_ID", "plain"),
        )
        .await?;
    let claude = plain_process
        .login("alice", "claude", &["read", "write", "admin"], KEY)
        .await?;
    let boss = plain_process
        .login("boss", "admin", &["read", "admin"], KEY)
        .await?;
    admin_process
        .fails(
            "get_audit_log",
            json!({ "auth_token": claude }),
            "PERMISSION_DENIED",
        )
        .await?;
    plain_process
        .fails("get_audit_log", json!({}), "PERMISSION_DENIED")
        .await?;
    let log = plain_process
        .ok(
            "get_audit_log",
            json!({ "auth_token": boss, "agent_id": "boss" }),
        )
        .await?;
    assert_eq!(log["count"], 1);
    admin_process.close().await?;
    plain_process.close().await?;
    Ok(())
}
