//! §7 agent memory: values, keys, expiry, scopes, isolation, atomic overwrite=false, listing,
//! deletion, permissions and auditing.

use std::collections::BTreeSet;

use futures::future::join_all;
use serde_json::{Value, json};

use crate::support::{AgentSpec, TestDb, TestResult, count, eventually, keys_of};

fn fields(body: &Value) -> BTreeSet<String> {
    body.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn values_of_every_json_type_round_trip() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    let values = [
        json!("text"),
        json!(""),
        json!(42),
        json!(-7),
        json!(3.25),
        json!(0),
        json!(true),
        json!(false),
        json!([1, "two", null, [3]]),
        json!([]),
        json!({}),
        json!({ "a": { "b": { "c": [1, { "d": null }] } }, "n": 1.5 }),
        json!("ünïcødé 日本語 🚀 \"quoted\" \\ \n"),
        json!({ "emoji 🙂": "κλειδί" }),
    ];
    for (i, value) in values.iter().enumerate() {
        let key = format!("value-{i}");
        let set = alice
            .ok("set_memory", json!({ "key": key, "value": value }))
            .await?;
        let expected = [
            "success",
            "key",
            "session_scoped",
            "scope",
            "expires_at",
            "stored_at",
        ];
        assert_eq!(fields(&set), names(&expected));
        assert_eq!(set["key"], key);
        assert_eq!(set["session_scoped"], false);
        assert_eq!(set["scope"], "global");
        assert_eq!(set["expires_at"], Value::Null);
        let stored_at = set["stored_at"].as_str().unwrap_or_default();
        assert_eq!(stored_at.len(), 32, "{stored_at}");
        let got = alice.ok("get_memory", json!({ "key": key })).await?;
        let expected = [
            "success",
            "key",
            "value",
            "metadata",
            "created_at",
            "updated_at",
            "expires_at",
            "scope",
        ];
        assert_eq!(fields(&got), names(&expected));
        assert_eq!(&got["value"], value, "{key}");
        assert_eq!(got["metadata"], Value::Null);
        assert_eq!(got["created_at"], stored_at);
        assert_eq!(got["updated_at"], stored_at);
        assert_eq!(got["expires_at"], Value::Null);
        assert_eq!(got["scope"], "global");
    }
    let with_meta = json!({ "key": "m", "value": 1, "metadata": { "source": "test" } });
    alice.ok("set_memory", with_meta).await?;
    let got = alice.ok("get_memory", json!({ "key": "m" })).await?;
    assert_eq!(got["metadata"], json!({ "source": "test" }));
    alice.close().await
}

#[tokio::test]
async fn bad_values_are_rejected_and_nothing_is_stored() -> TestResult {
    let db = TestDb::new()?;
    let spec = AgentSpec::new()
        .env("SCS_AGENT_ID", "alice")
        .env("SCS_MAX_MEMORY_BYTES", "64");
    let alice = db.spawn(spec).await?;
    let too_big = "x".repeat(63); // 65 bytes with its quotes
    let cases = [
        json!({ "key": "k", "value": null }),
        json!({ "key": "k" }),
        json!({ "key": "k", "value": too_big }),
        json!({ "key": "k", "value": [too_big] }),
        json!({ "key": "k", "value": 1, "metadata": [1] }),
        json!({ "key": "k", "value": 1, "metadata": { "k".repeat(101): 1 } }),
        json!({ "key": "k", "value": 1, "overwrite": "no" }),
    ];
    for args in cases {
        let body = alice
            .fails("set_memory", args.clone(), "INVALID_INPUT")
            .await?;
        assert_eq!(body["recoverable"], false, "{args}");
    }
    let body = alice
        .fails(
            "set_memory",
            json!({ "key": "k", "value": too_big }),
            "INVALID_INPUT",
        )
        .await?;
    let error = body["error"].as_str().unwrap_or_default();
    assert!(error.contains("value") && error.contains("64"), "{error}");
    assert_eq!(
        count(&db.path(), "SELECT COUNT(*) FROM agent_memory").await?,
        0
    );
    assert_eq!(
        count(&db.path(), "SELECT COUNT(*) FROM audit_log").await?,
        0
    );
    // Exactly at the limit is fine.
    let fits = "x".repeat(62);
    alice
        .ok("set_memory", json!({ "key": "k", "value": fits }))
        .await?;
    alice.close().await
}

#[tokio::test]
async fn keys_must_be_short_and_without_whitespace_or_controls() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    let bad = [
        String::new(),
        "has space".into(),
        "has\ttab".into(),
        "nb\u{a0}sp".into(),
        "new\nline".into(),
        "bell\u{7}".into(),
        "em\u{2003}space".into(),
        "k".repeat(256),
    ];
    for key in &bad {
        alice
            .fails(
                "set_memory",
                json!({ "key": key, "value": 1 }),
                "INVALID_KEY",
            )
            .await?;
        alice
            .fails("get_memory", json!({ "key": key }), "INVALID_KEY")
            .await?;
        alice
            .fails("delete_memory", json!({ "key": key }), "INVALID_KEY")
            .await?;
    }
    assert_eq!(
        count(&db.path(), "SELECT COUNT(*) FROM agent_memory").await?,
        0
    );
    for key in ["k".repeat(255), "é".repeat(255), "a%_/:.-🙂".into()] {
        alice
            .ok("set_memory", json!({ "key": key, "value": 1 }))
            .await?;
        alice.ok("get_memory", json!({ "key": key })).await?;
    }
    alice.close().await
}

#[tokio::test]
async fn expires_in_must_be_within_a_year() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    for ttl in [json!(-1), json!(31_536_001), json!(1.5), json!(1e20)] {
        alice
            .fails(
                "set_memory",
                json!({ "key": "k", "value": 1, "expires_in": ttl }),
                "INVALID_TTL",
            )
            .await?;
    }
    alice
        .fails(
            "set_memory",
            json!({ "key": "k", "value": 1, "expires_in": "10" }),
            "INVALID_INPUT",
        )
        .await?;
    assert_eq!(
        count(&db.path(), "SELECT COUNT(*) FROM agent_memory").await?,
        0
    );
    let never = alice
        .ok(
            "set_memory",
            json!({ "key": "zero", "value": 1, "expires_in": 0 }),
        )
        .await?;
    assert_eq!(never["expires_at"], Value::Null);
    let year = alice
        .ok(
            "set_memory",
            json!({ "key": "year", "value": 1, "expires_in": 31_536_000 }),
        )
        .await?;
    let stored = chrono::DateTime::parse_from_rfc3339(year["stored_at"].as_str().unwrap_or(""))?;
    let expires = chrono::DateTime::parse_from_rfc3339(year["expires_at"].as_str().unwrap_or(""))?;
    assert_eq!((expires - stored).num_seconds(), 31_536_000);
    let got = alice.ok("get_memory", json!({ "key": "year" })).await?;
    assert_eq!(got["expires_at"], year["expires_at"]);
    alice.close().await
}

#[tokio::test]
async fn expired_entries_are_gone_before_any_sweep() -> TestResult {
    let db = TestDb::new()?;
    // No sweeper: reads alone must hide expired rows.
    let spec = AgentSpec::new()
        .env("SCS_AGENT_ID", "alice")
        .env("SCS_MAINTENANCE_INTERVAL", "0");
    let alice = db.spawn(spec).await?;
    let sid = alice.session("expiry").await?;
    let first = alice
        .ok(
            "set_memory",
            json!({ "key": "brief", "value": "soon gone", "expires_in": 1 }),
        )
        .await?;
    alice
        .ok(
            "set_memory",
            json!({ "key": "brief", "value": 2, "expires_in": 1, "session_id": sid }),
        )
        .await?;
    assert!(first["expires_at"].is_string());
    let got = alice.ok("get_memory", json!({ "key": "brief" })).await?;
    assert_eq!(got["expires_at"], first["expires_at"]);
    eventually("the global entry to expire", || async {
        let reply = alice.call("get_memory", json!({ "key": "brief" })).await?;
        Ok(reply.is_error && reply.body["code"] == "MEMORY_NOT_FOUND")
    })
    .await?;
    eventually("the session entry to expire", || async {
        let args = json!({ "key": "brief", "session_id": sid });
        let reply = alice.call("get_memory", args).await?;
        Ok(reply.is_error && reply.body["code"] == "MEMORY_NOT_FOUND")
    })
    .await?;
    let all = alice
        .ok("list_memory", json!({ "session_id": "all" }))
        .await?;
    assert_eq!(all["count"], 0);
    assert_eq!(
        count(&db.path(), "SELECT COUNT(*) FROM agent_memory").await?,
        2,
        "the rows are still in the file; only reads hide them"
    );
    // An expired key counts as absent: overwrite=false succeeds and starts a new entry.
    let again = alice
        .ok(
            "set_memory",
            json!({ "key": "brief", "value": "new", "overwrite": false }),
        )
        .await?;
    let got = alice.ok("get_memory", json!({ "key": "brief" })).await?;
    assert_eq!(got["value"], "new");
    assert_eq!(got["created_at"], again["stored_at"]);
    assert_eq!(got["expires_at"], Value::Null);
    let gone = alice
        .ok(
            "delete_memory",
            json!({ "key": "brief", "session_id": sid }),
        )
        .await?;
    assert_eq!(gone["deleted"], false, "an expired key is not a live key");
    alice.close().await
}

#[tokio::test]
async fn scopes_never_fall_back_and_sessions_must_exist() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    let sid = alice.session("scopes").await?;
    alice
        .ok("set_memory", json!({ "key": "both", "value": "global" }))
        .await?;
    let in_session = alice
        .ok(
            "set_memory",
            json!({ "key": "both", "value": "session", "session_id": sid }),
        )
        .await?;
    assert_eq!(in_session["session_scoped"], true);
    assert_eq!(in_session["scope"], "session");
    alice
        .ok("set_memory", json!({ "key": "only-global", "value": 1 }))
        .await?;
    alice
        .ok(
            "set_memory",
            json!({ "key": "only-session", "value": 1, "session_id": sid }),
        )
        .await?;
    let global = alice.ok("get_memory", json!({ "key": "both" })).await?;
    assert_eq!(global["value"], "global");
    assert_eq!(global["scope"], "global");
    let scoped = alice
        .ok("get_memory", json!({ "key": "both", "session_id": sid }))
        .await?;
    assert_eq!(scoped["value"], "session");
    assert_eq!(scoped["scope"], "session");
    let misses = [
        json!({ "key": "only-global", "session_id": sid }),
        json!({ "key": "only-session" }),
        json!({ "key": "only-session", "session_id": "" }),
    ];
    for args in misses {
        alice.fails("get_memory", args, "MEMORY_NOT_FOUND").await?;
    }
    let ghost = "session_0000000000000000";
    let with_ghost = [
        (
            "set_memory",
            json!({ "key": "k", "value": 1, "session_id": ghost }),
        ),
        ("get_memory", json!({ "key": "k", "session_id": ghost })),
        ("delete_memory", json!({ "key": "k", "session_id": ghost })),
        ("list_memory", json!({ "session_id": ghost })),
    ];
    for (tool, args) in with_ghost {
        alice.fails(tool, args, "SESSION_NOT_FOUND").await?;
    }
    let listed = alice.ok("list_memory", json!({})).await?;
    assert_eq!(listed["scope_filter"], "global");
    assert_eq!(keys_of(&listed), ["only-global", "both"]);
    let listed = alice
        .ok("list_memory", json!({ "session_id": sid }))
        .await?;
    assert_eq!(listed["scope_filter"], sid);
    assert_eq!(keys_of(&listed), ["only-session", "both"]);
    assert!(listed["entries"].as_array().is_some_and(|a| {
        a.iter()
            .all(|e| e["session_id"] == sid && e["scope"] == "session")
    }));
    let all = alice
        .ok("list_memory", json!({ "session_id": "all" }))
        .await?;
    assert_eq!(all["scope_filter"], "all");
    assert_eq!(all["count"], 4);
    alice.close().await
}

#[tokio::test]
async fn agents_are_isolated_and_one_agents_processes_share() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    let alice_too = db.default_agent("alice").await?;
    let bob = db.default_agent("bob").await?;
    alice
        .ok("set_memory", json!({ "key": "plan", "value": "alice's" }))
        .await?;
    let shared = alice_too.ok("get_memory", json!({ "key": "plan" })).await?;
    assert_eq!(shared["value"], "alice's");
    bob.fails("get_memory", json!({ "key": "plan" }), "MEMORY_NOT_FOUND")
        .await?;
    let listed = bob
        .ok("list_memory", json!({ "session_id": "all" }))
        .await?;
    assert_eq!(listed["count"], 0);
    let deleted = bob.ok("delete_memory", json!({ "key": "plan" })).await?;
    assert_eq!(deleted["deleted"], false);
    bob.ok(
        "set_memory",
        json!({ "key": "plan", "value": "bob's", "overwrite": false }),
    )
    .await?;
    let mine = bob.ok("get_memory", json!({ "key": "plan" })).await?;
    assert_eq!(mine["value"], "bob's");
    let still = alice.ok("get_memory", json!({ "key": "plan" })).await?;
    assert_eq!(still["value"], "alice's");
    alice_too
        .ok("set_memory", json!({ "key": "plan", "value": "updated" }))
        .await?;
    let seen = alice.ok("get_memory", json!({ "key": "plan" })).await?;
    assert_eq!(seen["value"], "updated");
    for agent in [alice, alice_too, bob] {
        agent.close().await?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_processes_racing_overwrite_false_have_one_winner() -> TestResult {
    const RACERS: usize = 10;
    let db = TestDb::new()?;
    let started = join_all((0..RACERS).map(|_| db.default_agent_owned("racer".into()))).await;
    let racers = started.into_iter().collect::<TestResult<Vec<_>>>()?;
    let calls = racers.iter().enumerate().map(|(i, racer)| {
        racer.call(
            "set_memory",
            json!({ "key": "lock", "value": i, "overwrite": false }),
        )
    });
    let replies = join_all(calls)
        .await
        .into_iter()
        .collect::<TestResult<Vec<_>>>()?;
    let winners: Vec<usize> = (0..RACERS).filter(|i| !replies[*i].is_error).collect();
    assert_eq!(winners.len(), 1, "{replies:?}");
    for reply in replies.iter().filter(|r| r.is_error) {
        assert_eq!(reply.body["code"], "KEY_EXISTS", "{reply:?}");
    }
    let got = racers[0].ok("get_memory", json!({ "key": "lock" })).await?;
    assert_eq!(got["value"], winners[0]);
    for racer in racers {
        racer.close().await?;
    }
    assert_eq!(
        count(&db.path(), "SELECT COUNT(*) FROM agent_memory").await?,
        1
    );
    Ok(())
}
