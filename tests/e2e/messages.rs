//! §5 messages: add_message and get_messages.

use serde_json::{Value, json};

use crate::support::{TestDb, TestResult, count};

#[tokio::test]
async fn add_and_read_messages() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.agent("alice", "claude", "read,write").await?;
    let sid = alice.session("chat").await?;
    let added = alice
        .ok(
            "add_message",
            json!({ "session_id": sid, "content": "  hi\u{0}\tthere\n ", "metadata": { "k": "v" } }),
        )
        .await?;
    let id = added["message_id"].as_i64().unwrap_or_default();
    let second = alice.post(&sid, "second", "public").await?;
    assert!(second > id, "ids increase");
    let got = alice
        .ok("get_messages", json!({ "session_id": sid }))
        .await?;
    assert_eq!(got["count"], 2);
    assert_eq!(got["total_count"], 2);
    assert_eq!(got["has_more"], false);
    let first = &got["messages"][0];
    assert_eq!(first["id"], id);
    assert_eq!(first["session_id"], sid);
    assert_eq!(first["sender"], "alice");
    assert_eq!(first["sender_type"], "claude");
    assert_eq!(first["content"], "hi\tthere");
    assert_eq!(first["visibility"], "public");
    assert!(first["message_type"].is_string());
    assert_eq!(first["metadata"], json!({ "k": "v" }));
    assert_eq!(first["timestamp"], added["timestamp"]);
    assert_eq!(first["parent_message_id"], Value::Null);
    assert_eq!(got["messages"][1]["metadata"], Value::Null);
    let ts = first["timestamp"].as_str().unwrap_or_default();
    assert!(chrono::DateTime::parse_from_rfc3339(ts).is_ok(), "{ts}");
    assert_eq!(ts.len(), 32, "microseconds and +00:00: {ts}");
    alice.close().await
}

#[tokio::test]
async fn bad_message_input_is_rejected_and_nothing_is_stored() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    let sid = alice.session("chat").await?;
    let other = alice.session("other").await?;
    let elsewhere = alice.post(&other, "elsewhere", "public").await?;
    let cases = [
        (json!({ "session_id": sid, "content": "" }), "INVALID_INPUT"),
        (
            json!({ "session_id": sid, "content": "\u{3}\u{4}  " }),
            "INVALID_INPUT",
        ),
        (
            json!({ "session_id": sid, "content": "x".repeat(100_001) }),
            "INVALID_INPUT",
        ),
        (json!({ "session_id": sid }), "INVALID_INPUT"),
        (
            json!({ "session_id": sid, "content": "x", "visibility": "everyone" }),
            "INVALID_VISIBILITY",
        ),
        (
            json!({ "session_id": sid, "content": "x", "visibility": "admin_only" }),
            "PERMISSION_DENIED",
        ),
        (
            json!({ "session_id": sid, "content": "x", "metadata": [1] }),
            "INVALID_INPUT",
        ),
        (
            json!({ "session_id": sid, "content": "x", "parent_message_id": elsewhere }),
            "INVALID_INPUT",
        ),
        (
            json!({ "session_id": sid, "content": "x", "parent_message_id": 999_999 }),
            "INVALID_INPUT",
        ),
        (
            json!({ "session_id": sid, "content": "x", "parent_message_id": "one" }),
            "INVALID_INPUT",
        ),
        (
            json!({ "session_id": "session_ffffffffffffffff", "content": "x" }),
            "SESSION_NOT_FOUND",
        ),
    ];
    for (args, code) in cases {
        alice.fails("add_message", args, code).await?;
    }
    alice.close().await?;
    let path = db.path();
    assert_eq!(count(&path, "SELECT COUNT(*) FROM messages").await?, 1);
    assert_eq!(
        count(
            &path,
            "SELECT COUNT(*) FROM audit_log WHERE event_type = 'message_added'"
        )
        .await?,
        1
    );
    Ok(())
}

#[tokio::test]
async fn longest_content_is_accepted() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    let sid = alice.session("big").await?;
    let content = "é".repeat(100_000);
    alice.post(&sid, &content, "public").await?;
    let got = alice
        .ok("get_messages", json!({ "session_id": sid }))
        .await?;
    assert_eq!(
        got["messages"][0]["content"]
            .as_str()
            .map(|c| c.chars().count()),
        Some(100_000)
    );
    alice.close().await
}

#[tokio::test]
async fn replies_need_a_parent_in_the_same_session() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    let sid = alice.session("thread").await?;
    let root = alice.post(&sid, "root", "public").await?;
    alice
        .ok(
            "add_message",
            json!({ "session_id": sid, "content": "reply", "parent_message_id": root }),
        )
        .await?;
    let got = alice
        .ok("get_messages", json!({ "session_id": sid }))
        .await?;
    assert_eq!(got["messages"][1]["parent_message_id"], root);
    alice.close().await
}

#[tokio::test]
async fn idempotency_key_returns_the_first_message() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    let bob = db.default_agent("bob").await?;
    let sid = alice.session("retries").await?;
    let sid2 = alice.session("other").await?;
    let args = json!({ "session_id": sid, "content": "once", "idempotency_key": "k-1" });
    let first = alice.ok("add_message", args.clone()).await?;
    let again = alice.ok("add_message", args.clone()).await?;
    assert_eq!(first, again);
    let by_bob = bob.ok("add_message", args).await?;
    assert_ne!(by_bob["message_id"], first["message_id"]);
    let other_session = alice
        .ok(
            "add_message",
            json!({ "session_id": sid2, "content": "once", "idempotency_key": "k-1" }),
        )
        .await?;
    assert_ne!(other_session["message_id"], first["message_id"]);
    alice.close().await?;
    bob.close().await?;
    assert_eq!(count(&db.path(), "SELECT COUNT(*) FROM messages").await?, 3);
    Ok(())
}

#[tokio::test]
async fn paging_offsets_and_after_id() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    let sid = alice.session("paging").await?;
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(alice.post(&sid, &format!("m{i}"), "public").await?);
    }
    let page = alice
        .ok(
            "get_messages",
            json!({ "session_id": sid, "limit": 5, "offset": 5 }),
        )
        .await?;
    let got: Vec<i64> = page["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["id"].as_i64())
        .collect();
    assert_eq!(got, ids[5..10]);
    assert_eq!(page["total_count"], 12);
    assert_eq!(page["has_more"], true);
    let tail = alice
        .ok(
            "get_messages",
            json!({ "session_id": sid, "limit": 5, "offset": 10 }),
        )
        .await?;
    assert_eq!(tail["count"], 2);
    assert_eq!(tail["has_more"], false);
    let newer = alice
        .ok(
            "get_messages",
            json!({ "session_id": sid, "after_id": ids[9] }),
        )
        .await?;
    let got: Vec<i64> = newer["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["id"].as_i64())
        .collect();
    assert_eq!(got, ids[10..]);
    assert_eq!(newer["total_count"], 2);
    for bad in [
        json!({ "session_id": sid, "limit": 0 }),
        json!({ "session_id": sid, "limit": 1001 }),
        json!({ "session_id": sid, "offset": -1 }),
        json!({ "session_id": sid, "limit": "many" }),
    ] {
        let body = alice.fails("get_messages", bad, "INVALID_INPUT").await?;
        assert!(
            body["error"]
                .as_str()
                .is_some_and(|e| e.contains("limit") || e.contains("offset")),
            "{body}"
        );
    }
    alice
        .fails(
            "get_messages",
            json!({ "session_id": sid, "visibility_filter": "secret" }),
            "INVALID_VISIBILITY",
        )
        .await?;
    alice
        .fails(
            "get_messages",
            json!({ "session_id": "nope" }),
            "SESSION_NOT_FOUND",
        )
        .await?;
    let max = alice
        .ok("get_messages", json!({ "session_id": sid, "limit": 1000 }))
        .await?;
    assert_eq!(max["count"], 12);
    alice.close().await
}

#[tokio::test]
async fn get_session_shows_the_50_most_recent() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    let sid = alice.session("long").await?;
    let mut ids = Vec::new();
    for i in 0..55 {
        ids.push(alice.post(&sid, &format!("m{i}"), "public").await?);
    }
    let got = alice
        .ok("get_session", json!({ "session_id": sid }))
        .await?;
    let shown: Vec<i64> = got["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["id"].as_i64())
        .collect();
    assert_eq!(shown, ids[5..]);
    assert_eq!(got["message_count"], 55);
    alice.close().await
}
