//! §5 sessions: create_session, get_session, list_sessions.

use serde_json::json;

use crate::support::{AgentSpec, TestDb, TestResult, count};

#[tokio::test]
async fn create_and_get_a_session() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    let created = alice
        .ok(
            "create_session",
            json!({ "purpose": "  plan the\u{0} release \u{7}", "metadata": { "team": "core", "n": 3 } }),
        )
        .await?;
    let id = created["session_id"].as_str().unwrap_or_default();
    assert!(id.starts_with("session_") && id.len() == 24, "{id}");
    assert!(id[8..].chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(created["created_by"], "alice");
    let got = alice.ok("get_session", json!({ "session_id": id })).await?;
    let session = &got["session"];
    assert_eq!(session["id"], id);
    assert_eq!(session["purpose"], "plan the release");
    assert_eq!(session["created_by"], "alice");
    assert_eq!(session["created_at"], created["created_at"]);
    assert_eq!(session["is_active"], true);
    assert_eq!(session["metadata"], json!({ "team": "core", "n": 3 }));
    assert_eq!(got["messages"], json!([]));
    assert_eq!(got["message_count"], 0);
    alice.close().await
}

#[tokio::test]
async fn bad_session_input_is_rejected_and_nothing_is_stored() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    let many: serde_json::Map<String, serde_json::Value> =
        (0..51).map(|i| (format!("k{i}"), json!(i))).collect();
    let cases = [
        json!({ "purpose": "" }),
        json!({ "purpose": " \u{1}\u{2} " }),
        json!({ "purpose": "x".repeat(1001) }),
        json!({ "purpose": 42 }),
        json!({}),
        json!({ "purpose": "ok", "metadata": [1, 2] }),
        json!({ "purpose": "ok", "metadata": "text" }),
        json!({ "purpose": "ok", "metadata": many }),
        json!({ "purpose": "ok", "metadata": { "k".repeat(101): 1 } }),
        json!({ "purpose": "ok", "metadata": { "big": "x".repeat(10_300) } }),
    ];
    for args in cases {
        let body = alice
            .fails("create_session", args.clone(), "INVALID_INPUT")
            .await?;
        assert_eq!(body["recoverable"], false, "{args}");
        assert!(body["context"]["field"].is_string(), "{body}");
    }
    alice
        .ok(
            "create_session",
            json!({ "purpose": "é".repeat(1000), "metadata": null }),
        )
        .await?;
    alice.close().await?;
    assert_eq!(count(&db.path(), "SELECT COUNT(*) FROM sessions").await?, 1);
    Ok(())
}

#[tokio::test]
async fn list_sessions_pages_newest_first() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    let bob = db.default_agent("bob").await?;
    let mut made = Vec::new();
    for i in 0..7 {
        let agent = if i % 2 == 0 { &alice } else { &bob };
        made.push(agent.session(&format!("s{i}")).await?);
    }
    made.reverse();
    let mut seen = Vec::new();
    let mut cursor = serde_json::Value::Null;
    loop {
        let page = alice
            .ok("list_sessions", json!({ "limit": 3, "cursor": cursor }))
            .await?;
        let rows = page["sessions"].as_array().cloned().unwrap_or_default();
        assert_eq!(page["count"], rows.len());
        for row in &rows {
            seen.push(row["id"].as_str().unwrap_or_default().to_owned());
            for field in [
                "purpose",
                "created_by",
                "created_at",
                "updated_at",
                "is_active",
            ] {
                assert!(row.get(field).is_some(), "{field} missing in {row}");
            }
        }
        cursor = page["next_cursor"].clone();
        if cursor.is_null() {
            break;
        }
    }
    assert_eq!(seen, made);
    let bobs = alice
        .ok("list_sessions", json!({ "created_by": "bob" }))
        .await?;
    assert_eq!(bobs["count"], 3);
    assert_eq!(bobs["next_cursor"], serde_json::Value::Null);
    for bad in [
        json!({ "limit": 0 }),
        json!({ "limit": 201 }),
        json!({ "limit": "ten" }),
        json!({ "cursor": "zzz" }),
    ] {
        alice.fails("list_sessions", bad, "INVALID_INPUT").await?;
    }
    let all = alice.ok("list_sessions", json!({ "limit": 200 })).await?;
    assert_eq!(all["count"], 7);
    alice.close().await?;
    bob.close().await
}

#[tokio::test]
async fn unknown_session_and_read_only_agents() -> TestResult {
    let db = TestDb::new()?;
    let reader = db.agent("reader", "generic", "read").await?;
    reader
        .fails(
            "get_session",
            json!({ "session_id": "session_0000000000000000" }),
            "SESSION_NOT_FOUND",
        )
        .await?;
    reader
        .fails(
            "create_session",
            json!({ "purpose": "nope" }),
            "PERMISSION_DENIED",
        )
        .await?;
    reader.close().await?;
    assert_eq!(count(&db.path(), "SELECT COUNT(*) FROM sessions").await?, 0);
    Ok(())
}

#[tokio::test]
async fn agent_id_defaults_to_the_client_name() -> TestResult {
    let db = TestDb::new()?;
    let named = db
        .spawn(AgentSpec::new().client_name("Claude Desktop 2.0"))
        .await?;
    let body = named
        .ok("create_session", json!({ "purpose": "p" }))
        .await?;
    assert_eq!(body["created_by"], "claude-desktop-2.0");
    named.close().await?;
    let unnamed = db.spawn(AgentSpec::new().client_name("   ")).await?;
    let body = unnamed
        .ok("create_session", json!({ "purpose": "p" }))
        .await?;
    assert_eq!(body["created_by"], "local-agent");
    unnamed.close().await?;
    let flagged = db
        .spawn(AgentSpec::new().arg("--agent-id").arg("from-flag"))
        .await?;
    let body = flagged
        .ok("create_session", json!({ "purpose": "p" }))
        .await?;
    assert_eq!(body["created_by"], "from-flag");
    flagged.close().await
}

#[tokio::test]
async fn mutations_are_audited() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    let sid = alice.session("audited").await?;
    alice.post(&sid, "hello", "public").await?;
    alice.close().await?;
    let path = db.path();
    assert_eq!(
        count(&path, "SELECT COUNT(*) FROM audit_log WHERE event_type = 'session_created' AND agent_id = 'alice' AND result = 'success'").await?,
        1
    );
    assert_eq!(
        count(&path, "SELECT COUNT(*) FROM audit_log WHERE event_type = 'message_added' AND session_id IS NOT NULL").await?,
        1
    );
    Ok(())
}
