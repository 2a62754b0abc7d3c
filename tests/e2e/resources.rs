//! §9 resources and prompts read as the process identity under §4, and §8
//! `get_performance_metrics` (admin only, real figures).

use std::collections::BTreeSet;

use rmcp::model::{GetPromptRequestParams, ReadResourceRequestParams, ResourceContents};
use rmcp::{ErrorData, Peer, RoleClient, ServiceError};
use serde_json::{Value, json};

use crate::support::{TIMEOUT, TestDb, TestResult};

/// Reads a resource that must exist; returns its JSON and checks its URI and MIME type.
async fn read(peer: &Peer<RoleClient>, uri: &str) -> TestResult<Value> {
    let params = ReadResourceRequestParams::new(uri);
    let result = tokio::time::timeout(TIMEOUT, peer.read_resource(params)).await??;
    let [
        ResourceContents::TextResourceContents {
            uri: got,
            mime_type,
            text,
            ..
        },
    ] = result.contents.as_slice()
    else {
        return Err(format!("{uri}: expected one text content").into());
    };
    assert_eq!(got, uri);
    assert_eq!(mime_type.as_deref(), Some("application/json"));
    Ok(serde_json::from_str(text)?)
}

/// Reads a resource that must fail; returns the JSON-RPC error.
async fn read_err(peer: &Peer<RoleClient>, uri: &str) -> TestResult<ErrorData> {
    let params = ReadResourceRequestParams::new(uri);
    match tokio::time::timeout(TIMEOUT, peer.read_resource(params)).await? {
        Err(ServiceError::McpError(e)) => Ok(e),
        other => Err(format!("{uri}: expected an error, got {other:?}").into()),
    }
}

fn contents(messages: &Value) -> Vec<String> {
    messages
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["content"].as_str().map(str::to_owned))
        .collect()
}

fn section_10_code(e: &ErrorData) -> Value {
    e.data
        .as_ref()
        .map(|d| d["code"].clone())
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn session_resources_show_only_what_the_process_may_see() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.agent("alice", "claude", "read,write").await?;
    let bob = db.agent("bob", "claude", "read,write").await?;
    let root = db.agent("root", "admin", "read,write,admin").await?;
    let sid = alice.session("resources").await?;
    alice.post(&sid, "alice secret", "private").await?;
    bob.post(&sid, "bob secret", "private").await?;
    bob.post(&sid, "hello all", "public").await?;
    let uri = format!("session://{sid}");

    let mine = read(&alice.client, &uri).await?;
    assert_eq!(mine["session"]["id"], sid.as_str());
    assert_eq!(contents(&mine["messages"]), ["alice secret", "hello all"]);
    let stats = &mine["statistics"];
    assert_eq!(stats["message_count"], 2);
    assert_eq!(stats["by_visibility"]["private"], 1);
    assert_eq!(stats["by_visibility"]["public"], 1);
    assert_eq!(stats["senders"], json!(["alice", "bob"]));
    assert_eq!(stats["unique_senders"], 2);
    assert_eq!(mine["truncated"], false);
    let theirs = read(&bob.client, &uri).await?;
    assert_eq!(contents(&theirs["messages"]), ["bob secret", "hello all"]);
    let all = read(&root.client, &uri).await?;
    assert_eq!(all["statistics"]["message_count"], 3);

    let last = read(&alice.client, &format!("{uri}/messages/1")).await?;
    assert_eq!(last["session_id"], sid.as_str());
    assert_eq!(contents(&last["messages"]), ["hello all"]);
    let most = read(&alice.client, &format!("{uri}/messages/500")).await?;
    assert_eq!(contents(&most["messages"]), ["alice secret", "hello all"]);
    for bad in ["0", "501", "abc", "-1"] {
        let e = read_err(&alice.client, &format!("{uri}/messages/{bad}")).await?;
        assert_eq!(e.code.0, -32602, "limit {bad}");
        assert_eq!(section_10_code(&e), "INVALID_INPUT", "limit {bad}");
        assert!(e.message.contains("1..500"), "{}", e.message);
    }
    let e = read_err(&alice.client, "session://session_0000000000000000").await?;
    assert_eq!(e.code.0, -32002);
    assert_eq!(section_10_code(&e), "SESSION_NOT_FOUND");
    for unknown in [
        "file:///etc/passwd",
        "session://",
        &format!("{uri}/other/1"),
    ] {
        assert_eq!(read_err(&alice.client, unknown).await?.code.0, -32002);
    }
    for agent in [alice, bob, root] {
        agent.close().await?;
    }
    Ok(())
}

/// Stores memory rows directly (the memory tools are built separately).
async fn remember(db: &TestDb, rows: &[(&str, &str, &str, &str, Option<&str>)]) -> TestResult {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.path().display())).await?;
    let now = "2026-01-01T00:00:00.000000+00:00";
    for (agent, scope, key, value, expires) in rows {
        sqlx::query(
            "INSERT INTO agent_memory (agent_id, scope, key, value, created_at, updated_at, \
             expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
        )
        .bind(agent)
        .bind(scope)
        .bind(key)
        .bind(value)
        .bind(now)
        .bind(expires)
        .execute(&pool)
        .await?;
    }
    pool.close().await;
    Ok(())
}

#[tokio::test]
async fn memory_resource_is_private_to_its_agent() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.agent("alice", "claude", "read,write").await?;
    let root = db.agent("root", "admin", "read,write,admin").await?;
    let past = Some("2000-01-01T00:00:00.000000+00:00");
    remember(
        &db,
        &[
            ("alice", "", "plan", r#"{"step":1}"#, None),
            ("alice", "session_x", "note", r#""scoped""#, None),
            ("alice", "", "old", "1", past),
            ("bob", "", "theirs", "2", None),
        ],
    )
    .await?;
    let mine = read(&alice.client, "agent://alice/memory").await?;
    assert_eq!(mine["agent_id"], "alice");
    let keys: BTreeSet<&str> = mine["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["key"].as_str())
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from(["plan", "note"]),
        "expired or foreign entries"
    );
    let entries = mine["entries"].as_array().cloned().unwrap_or_default();
    let plan = entries.iter().find(|e| e["key"] == "plan");
    assert_eq!(plan.map(|e| e["value"].clone()), Some(json!({ "step": 1 })));
    assert_eq!(plan.map(|e| e["scope"].clone()), Some(json!("global")));
    let note = entries.iter().find(|e| e["key"] == "note");
    assert_eq!(
        note.map(|e| e["session_id"].clone()),
        Some(json!("session_x"))
    );
    // Another agent's memory is refused, to admins too (§7).
    for (reader, other) in [(&alice, "bob"), (&root, "alice")] {
        let e = read_err(&reader.client, &format!("agent://{other}/memory")).await?;
        assert_eq!(section_10_code(&e), "PERMISSION_DENIED");
    }
    alice.close().await?;
    root.close().await
}

#[tokio::test]
async fn resource_list_templates_and_capabilities() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    let caps = alice
        .client
        .peer_info()
        .map(|i| i.capabilities.clone())
        .ok_or("no server info")?;
    let resources = caps.resources.as_ref().ok_or("no resources capability")?;
    assert_eq!(resources.subscribe, Some(true));
    assert_eq!(resources.list_changed, Some(true));
    assert!(caps.prompts.is_some());

    let mut ids = Vec::new();
    for i in 0..52 {
        ids.push(alice.session(&format!("session {i}")).await?);
    }
    alice.post(&ids[0], "bump the oldest", "public").await?;
    let listed = tokio::time::timeout(TIMEOUT, alice.client.list_all_resources()).await??;
    assert_eq!(listed.len(), 50, "the 50 most recently updated");
    assert_eq!(listed[0].uri, format!("session://{}", ids[0]));
    assert_eq!(listed[1].uri, format!("session://{}", ids[51]));
    assert!(
        listed
            .iter()
            .all(|r| r.mime_type.as_deref() == Some("application/json"))
    );
    assert!(
        !listed
            .iter()
            .any(|r| r.uri == format!("session://{}", ids[1]))
    );

    let templates =
        tokio::time::timeout(TIMEOUT, alice.client.list_all_resource_templates()).await??;
    let uris: BTreeSet<&str> = templates.iter().map(|t| t.uri_template.as_str()).collect();
    assert_eq!(
        uris,
        BTreeSet::from([
            "session://{session_id}",
            "session://{session_id}/messages/{limit}",
            "agent://{agent_id}/memory",
        ])
    );
    alice.close().await
}

async fn prompt_text(peer: &Peer<RoleClient>, name: &str, args: Value) -> TestResult<String> {
    let args = args.as_object().cloned().unwrap_or_default();
    let params = GetPromptRequestParams::new(name).with_arguments(args);
    let result = tokio::time::timeout(TIMEOUT, peer.get_prompt(params)).await??;
    let text: String = result
        .messages
        .iter()
        .filter_map(|m| m.content.as_text().map(|t| t.text.clone()))
        .collect();
    assert!(
        !text.trim_start().starts_with('{'),
        "{name} looks like JSON"
    );
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "{name} is JSON"
    );
    Ok(text)
}

#[tokio::test]
async fn prompts_are_markdown_and_debug_session_hides_invisible() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.agent("alice", "claude", "read,write").await?;
    let bob = db.agent("bob", "claude", "read,write").await?;
    let prompts = tokio::time::timeout(TIMEOUT, alice.client.list_all_prompts()).await??;
    let names: BTreeSet<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        BTreeSet::from(["setup-collaboration", "debug-session"])
    );

    let setup = prompt_text(
        &alice.client,
        "setup-collaboration",
        json!({ "purpose": "Ship the parser", "agent_types": "claude,gemini", "project_name": "Parser" }),
    )
    .await?;
    assert!(
        setup.starts_with("# Collaboration setup: Parser"),
        "{setup}"
    );
    assert!(setup.contains("Ship the parser") && setup.contains("**gemini**"));
    assert!(setup.contains("create_session") && setup.contains("session://"));
    let missing = GetPromptRequestParams::new("setup-collaboration");
    assert!(alice.client.get_prompt(missing).await.is_err());

    let sid = alice.session("debugging").await?;
    alice.post(&sid, "alice secret", "private").await?;
    bob.post(&sid, "bob secret", "private").await?;
    bob.post(&sid, "hello | all", "public").await?;
    let args = json!({ "session_id": sid });
    let report = prompt_text(&alice.client, "debug-session", args.clone()).await?;
    assert!(report.contains(&sid) && report.contains("alice secret"));
    assert!(report.contains("hello \\| all"), "{report}");
    assert!(!report.contains("bob secret"), "{report}");
    assert!(report.contains("**Total:** 2 "), "{report}");
    let theirs = prompt_text(&bob.client, "debug-session", args).await?;
    assert!(theirs.contains("bob secret") && !theirs.contains("alice secret"));
    let unknown = GetPromptRequestParams::new("debug-session").with_arguments(
        json!({ "session_id": "session_0000000000000000" })
            .as_object()
            .cloned()
            .unwrap_or_default(),
    );
    assert!(alice.client.get_prompt(unknown).await.is_err());
    alice.close().await?;
    bob.close().await
}

#[tokio::test]
async fn performance_metrics_are_real_and_admin_only() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    alice
        .fails("get_performance_metrics", json!({}), "PERMISSION_DENIED")
        .await?;
    let root = db.agent("root", "admin", "read,write,admin").await?;
    let before = root.ok("get_performance_metrics", json!({})).await?;
    assert_eq!(before["tools"], json!({}), "no calls yet");
    let sid = root.session("metrics").await?;
    for i in 0..3 {
        root.post(&sid, &format!("m{i}"), "public").await?;
    }
    root.fails(
        "get_messages",
        json!({ "session_id": sid, "limit": 0 }),
        "INVALID_INPUT",
    )
    .await?;
    let m = root.ok("get_performance_metrics", json!({})).await?;
    let tools = &m["tools"];
    assert_eq!(tools["add_message"]["calls"], 3);
    assert_eq!(tools["add_message"]["errors"], 0);
    assert_eq!(tools["get_messages"]["calls"], 1);
    assert_eq!(tools["get_messages"]["errors"], 1);
    assert_eq!(tools["create_session"]["calls"], 1);
    assert_eq!(tools["get_performance_metrics"]["calls"], 1);
    let p = |q: &str| tools["add_message"][q].as_f64().unwrap_or(-1.0);
    assert!(p("p50_ms") > 0.0 && p("p50_ms") <= p("p95_ms") && p("p95_ms") <= p("p99_ms"));
    assert!(m["uptime_s"].as_f64().unwrap_or(0.0) > 0.0);
    assert!(m["database"]["file_bytes"].as_u64().unwrap_or(0) > 0);
    assert!(m["database"]["pool_size"].as_u64().unwrap_or(0) >= 1);
    assert_eq!(
        m["cache"],
        json!({ "hits": 0, "misses": 0, "hit_rate": 0.0 })
    );
    let again = root.ok("get_performance_metrics", json!({})).await?;
    assert_eq!(again["tools"]["get_performance_metrics"]["calls"], 2);
    alice.close().await?;
    root.close().await
}
