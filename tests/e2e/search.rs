//! §6 search: search_context (fuzzy), search_by_sender, search_by_timerange.

use serde_json::{Value, json};

use crate::support::{TestDb, TestResult};

fn ids(body: &Value, key: &str) -> Vec<i64> {
    body[key]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["id"].as_i64().or_else(|| m["message"]["id"].as_i64()))
        .collect()
}

#[tokio::test]
async fn by_sender_is_exact_visible_and_newest_first() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.agent("alice", "claude", "read,write").await?;
    let bob = db.agent("bob", "gemini", "read,write").await?;
    let sid = alice.session("senders").await?;
    let a1 = alice.post(&sid, "one", "public").await?;
    let _secret = alice.post(&sid, "two", "private").await?;
    let a3 = alice.post(&sid, "three", "public").await?;
    bob.post(&sid, "bob's", "public").await?;
    let seen = bob
        .ok(
            "search_by_sender",
            json!({ "session_id": sid, "sender": "alice" }),
        )
        .await?;
    assert_eq!(ids(&seen, "messages"), vec![a3, a1]);
    assert_eq!(seen["count"], 2);
    let own = alice
        .ok(
            "search_by_sender",
            json!({ "session_id": sid, "sender": "alice", "limit": 2 }),
        )
        .await?;
    assert_eq!(own["count"], 2);
    let partial = bob
        .ok(
            "search_by_sender",
            json!({ "session_id": sid, "sender": "alic" }),
        )
        .await?;
    assert_eq!(partial["count"], 0);
    for bad in [
        json!({ "session_id": sid, "sender": "alice", "limit": 0 }),
        json!({ "session_id": sid, "sender": "alice", "limit": 101 }),
    ] {
        bob.fails("search_by_sender", bad, "INVALID_INPUT").await?;
    }
    bob.fails(
        "search_by_sender",
        json!({ "session_id": "x", "sender": "alice" }),
        "SESSION_NOT_FOUND",
    )
    .await?;
    alice.close().await?;
    bob.close().await
}

#[tokio::test]
async fn by_timerange_is_inclusive_and_checks_its_bounds() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    let sid = alice.session("times").await?;
    let mut stamps = Vec::new();
    for i in 0..5 {
        let body = alice
            .ok(
                "add_message",
                json!({ "session_id": sid, "content": format!("m{i}") }),
            )
            .await?;
        stamps.push((
            body["message_id"].as_i64().unwrap_or(0),
            body["timestamp"].as_str().unwrap_or("").to_owned(),
        ));
    }
    let (start, end) = (&stamps[1].1, &stamps[3].1);
    let got = alice
        .ok(
            "search_by_timerange",
            json!({ "session_id": sid, "start_time": start, "end_time": end }),
        )
        .await?;
    assert_eq!(
        ids(&got, "messages"),
        vec![stamps[1].0, stamps[2].0, stamps[3].0]
    );
    // A time without offset is UTC: the same instant written naively.
    let naive_start = start.trim_end_matches("+00:00");
    let naive = alice
        .ok(
            "search_by_timerange",
            json!({ "session_id": sid, "start_time": naive_start, "end_time": end }),
        )
        .await?;
    assert_eq!(naive["count"], 3);
    // The same instants in another offset.
    let all = alice
        .ok("search_by_timerange", json!({ "session_id": sid, "start_time": "2000-01-01T02:00:00+02:00", "end_time": "2999-01-01T00:00:00Z" }))
        .await?;
    assert_eq!(all["count"], 5);
    for bad in [
        json!({ "session_id": sid, "start_time": end, "end_time": start }),
        json!({ "session_id": sid, "start_time": "yesterday", "end_time": end }),
        json!({ "session_id": sid, "start_time": start, "end_time": "2026-13-45T00:00:00Z" }),
    ] {
        alice
            .fails("search_by_timerange", bad, "INVALID_TIMERANGE")
            .await?;
    }
    alice
        .fails(
            "search_by_timerange",
            json!({ "session_id": sid, "start_time": start, "end_time": end, "limit": 201 }),
            "INVALID_INPUT",
        )
        .await?;
    alice.close().await
}
