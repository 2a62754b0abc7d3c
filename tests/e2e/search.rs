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

fn result_ids(body: &Value) -> Vec<i64> {
    body["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["message"]["id"].as_i64())
        .collect()
}

#[tokio::test]
async fn search_context_finds_words_in_long_messages_and_tolerates_typos() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    let sid = alice.session("search").await?;
    let filler =
        "the quick brown fox jumps over the lazy dog while nothing else happens ".repeat(300);
    let long = format!("{filler} we finally finished the database migration for payments {filler}");
    let long_id = alice.post(&sid, &long, "public").await?;
    let short_id = alice
        .post(&sid, "Deployment to staging is done", "public")
        .await?;
    alice
        .post(&sid, "completely unrelated chatter about lunch", "public")
        .await?;
    let hit = alice
        .ok(
            "search_context",
            json!({ "session_id": sid, "query": "database migration" }),
        )
        .await?;
    let first = &hit["results"][0];
    assert_eq!(first["message"]["id"], long_id, "{hit}");
    assert!(first["score"].as_f64().unwrap_or(0.0) >= 80.0, "{first}");
    assert_eq!(first["relevance"], "high");
    assert!(
        first["match_preview"]
            .as_str()
            .is_some_and(|p| p.to_lowercase().contains("database migration")),
        "{first}"
    );
    let typo = alice
        .ok(
            "search_context",
            json!({ "session_id": sid, "query": "databse migraton" }),
        )
        .await?;
    let found = typo["results"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["message"]["id"] == long_id)
        .ok_or("typo query missed")?;
    assert!(found["score"].as_f64().unwrap_or(0.0) >= 70.0, "{found}");
    let word = alice
        .ok(
            "search_context",
            json!({ "session_id": sid, "query": "deploymnet" }),
        )
        .await?;
    let found = word["results"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["message"]["id"] == short_id)
        .ok_or("typo word missed")?;
    assert!(found["score"].as_f64().unwrap_or(0.0) >= 70.0, "{found}");
    for r in word["results"].as_array().into_iter().flatten() {
        let s = r["score"].as_f64().unwrap_or(-1.0);
        assert!(
            s >= 60.0 && (s * 100.0).fract().abs() < 1e-9,
            "score {s} not 2 decimals or below threshold"
        );
    }
    assert_eq!(hit["query"], "database migration");
    assert_eq!(hit["threshold"], 60.0);
    assert_eq!(hit["search_scope"], "all");
    assert_eq!(hit["message_count"], 3);
    assert_eq!(hit["searched_count"], 3);
    assert!(hit["search_time_ms"].is_number());
    alice.close().await
}

#[tokio::test]
async fn search_context_threshold_limit_ties_and_no_cap() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    let sid = alice.session("ranking").await?;
    // 1 200 messages: the oldest ones must still be searched (no count or age cap).
    let mut ids = Vec::new();
    for i in 0..1200 {
        let text = if i < 3 {
            "kubernetes rollout".to_owned()
        } else {
            format!("ordinary note number {i}")
        };
        ids.push(alice.post(&sid, &text, "public").await?);
    }
    let found = alice
        .ok(
            "search_context",
            json!({ "session_id": sid, "query": "kubernetes rollout", "fuzzy_threshold": 95 }),
        )
        .await?;
    // Equal scores: newest first. Each message once.
    assert_eq!(result_ids(&found), vec![ids[2], ids[1], ids[0]]);
    let all = alice
        .ok(
            "search_context",
            json!({ "session_id": sid, "query": "zzzz", "fuzzy_threshold": 0, "limit": 100 }),
        )
        .await?;
    assert_eq!(all["results"].as_array().map(Vec::len), Some(100));
    let listed = result_ids(&all);
    let unique: std::collections::BTreeSet<i64> = listed.iter().copied().collect();
    assert_eq!(unique.len(), listed.len(), "a message appeared twice");
    let scores: Vec<f64> = all["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["score"].as_f64())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "not sorted by score"
    );
    let one = alice
        .ok(
            "search_context",
            json!({ "session_id": sid, "query": "kubernetes rollout", "limit": 1 }),
        )
        .await?;
    assert_eq!(result_ids(&one), vec![ids[2]]);
    for bad in [
        json!({ "session_id": sid, "query": "" }),
        json!({ "session_id": sid, "query": "x".repeat(501) }),
        json!({ "session_id": sid, "query": "x", "fuzzy_threshold": 101 }),
        json!({ "session_id": sid, "query": "x", "fuzzy_threshold": -1 }),
        json!({ "session_id": sid, "query": "x", "limit": 0 }),
        json!({ "session_id": sid, "query": "x", "limit": 101 }),
        json!({ "session_id": sid, "query": "x", "search_metadata": "yes" }),
    ] {
        alice.fails("search_context", bad, "INVALID_INPUT").await?;
    }
    alice
        .fails(
            "search_context",
            json!({ "session_id": sid, "query": "x", "search_scope": "everything" }),
            "INVALID_VISIBILITY",
        )
        .await?;
    alice
        .fails(
            "search_context",
            json!({ "session_id": "session_nope", "query": "x" }),
            "SESSION_NOT_FOUND",
        )
        .await?;
    alice.close().await
}

#[tokio::test]
async fn search_context_respects_visibility_scope_and_metadata() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.agent("alice", "claude", "read,write").await?;
    let bob = db.agent("bob", "gemini", "read,write").await?;
    let root = db.agent("root", "admin", "read,write,admin").await?;
    let sid = alice.session("secrets").await?;
    let public = alice
        .post(&sid, "launch codes are public knowledge", "public")
        .await?;
    let private = alice
        .post(&sid, "launch codes are in my private notes", "private")
        .await?;
    let team = alice
        .post(&sid, "launch codes for claude agents", "agent_only")
        .await?;
    let admin = root
        .post(&sid, "launch codes for admins", "admin_only")
        .await?;
    let tagged = alice
        .ok("add_message", json!({ "session_id": sid, "content": "see attachment", "metadata": { "topic": "launch codes", "n": 7 } }))
        .await?["message_id"]
        .as_i64()
        .unwrap_or_default();
    let query =
        json!({ "session_id": sid, "query": "launch codes", "fuzzy_threshold": 80, "limit": 100 });
    let sorted = |mut v: Vec<i64>| {
        v.sort();
        v
    };
    let bobs = bob.ok("search_context", query.clone()).await?;
    assert_eq!(sorted(result_ids(&bobs)), vec![public, tagged]);
    assert_eq!(bobs["message_count"], 2);
    let alices = alice.ok("search_context", query.clone()).await?;
    assert_eq!(
        sorted(result_ids(&alices)),
        vec![public, private, team, tagged]
    );
    let roots = root.ok("search_context", query.clone()).await?;
    assert_eq!(
        sorted(result_ids(&roots)),
        vec![public, private, team, admin, tagged]
    );
    let mut scoped = query.clone();
    scoped["search_scope"] = json!("private");
    assert_eq!(
        result_ids(&bob.ok("search_context", scoped.clone()).await?),
        Vec::<i64>::new()
    );
    let alice_private = alice.ok("search_context", scoped).await?;
    assert_eq!(result_ids(&alice_private), vec![private]);
    assert_eq!(alice_private["searched_count"], 1);
    let mut no_meta = query.clone();
    no_meta["search_metadata"] = json!(false);
    assert_eq!(
        result_ids(&bob.ok("search_context", no_meta).await?),
        vec![public]
    );
    // The sender is a searchable unit too.
    let by_name = bob
        .ok(
            "search_context",
            json!({ "session_id": sid, "query": "root", "fuzzy_threshold": 90 }),
        )
        .await?;
    assert_eq!(
        result_ids(&by_name),
        Vec::<i64>::new(),
        "bob may not see root's only message"
    );
    let by_name = root
        .ok(
            "search_context",
            json!({ "session_id": sid, "query": "root", "fuzzy_threshold": 90 }),
        )
        .await?;
    assert_eq!(result_ids(&by_name), vec![admin]);
    for agent in [alice, bob, root] {
        agent.close().await?;
    }
    Ok(())
}

#[tokio::test]
async fn cached_answers_are_never_stale_across_processes() -> TestResult {
    let db = TestDb::new()?;
    let reader = db.default_agent("reader").await?;
    let writer = db.default_agent("writer").await?;
    let sid = writer.session("cache").await?;
    let first = writer
        .post(&sid, "quarterly budget review", "public")
        .await?;
    let query = json!({ "session_id": sid, "query": "budget review" });
    let cold = reader.ok("search_context", query.clone()).await?;
    assert_eq!(cold["cache_hit"], false);
    assert_eq!(result_ids(&cold), vec![first]);
    let warm = reader.ok("search_context", query.clone()).await?;
    assert_eq!(warm["cache_hit"], true);
    assert_eq!(result_ids(&warm), vec![first]);
    // Another process writes; the very next search here must see it.
    let second = writer
        .post(&sid, "budget review moved to friday", "public")
        .await?;
    let after = reader.ok("search_context", query.clone()).await?;
    assert_eq!(after["cache_hit"], false);
    let mut got = result_ids(&after);
    got.sort();
    assert_eq!(got, vec![first, second]);
    // A private message of the writer changes the session but not what the reader may see.
    writer
        .post(&sid, "budget review notes (mine)", "private")
        .await?;
    let again = reader.ok("search_context", query).await?;
    assert_eq!(again["results"].as_array().map(Vec::len), Some(2));
    reader.close().await?;
    writer.close().await
}
