//! §7 agent memory, continued: overwriting, listing (order, literal prefixes, limits), deleting,
//! permissions, and the audit trail (sizes, never values).

use serde_json::{Value, json};

use crate::support::{TestDb, TestResult, inspect, keys_of};

/// event_type, agent_id, session_id, result, metadata
type AuditRow = (String, String, Option<String>, String, Option<String>);

#[tokio::test]
async fn overwrite_replaces_and_overwrite_false_refuses() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    let first = alice
        .ok(
            "set_memory",
            json!({ "key": "k", "value": 1, "metadata": { "v": 1 }, "expires_in": 600 }),
        )
        .await?;
    let refused = alice
        .fails(
            "set_memory",
            json!({ "key": "k", "value": 2, "overwrite": false }),
            "KEY_EXISTS",
        )
        .await?;
    assert_eq!(refused["recoverable"], false);
    let got = alice.ok("get_memory", json!({ "key": "k" })).await?;
    assert_eq!(got["value"], 1, "a refused write changes nothing");
    assert_eq!(got["expires_at"], first["expires_at"]);
    let second = alice
        .ok("set_memory", json!({ "key": "k", "value": 2 }))
        .await?;
    let got = alice.ok("get_memory", json!({ "key": "k" })).await?;
    assert_eq!(got["value"], 2);
    assert_eq!(got["metadata"], Value::Null, "metadata is replaced too");
    assert_eq!(got["expires_at"], Value::Null, "so is the expiry");
    assert_eq!(got["created_at"], first["stored_at"], "created_at is kept");
    assert_eq!(got["updated_at"], second["stored_at"]);
    alice
        .ok(
            "set_memory",
            json!({ "key": "k", "value": 3, "overwrite": true }),
        )
        .await?;
    alice.close().await
}

#[tokio::test]
async fn list_is_most_recent_first_with_literal_prefixes() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    for key in ["a%b", "axb", "a_c", "abc", "A%b", "zzz"] {
        alice
            .ok("set_memory", json!({ "key": key, "value": key }))
            .await?;
    }
    let prefix = |p: &str| json!({ "prefix": p });
    let listed = alice.ok("list_memory", prefix("a%")).await?;
    assert_eq!(keys_of(&listed), ["a%b"]);
    let listed = alice.ok("list_memory", prefix("a_")).await?;
    assert_eq!(keys_of(&listed), ["a_c"]);
    let listed = alice.ok("list_memory", prefix("A")).await?;
    assert_eq!(keys_of(&listed), ["A%b"], "prefixes are case-sensitive");
    let listed = alice.ok("list_memory", prefix("a")).await?;
    assert_eq!(keys_of(&listed), ["abc", "a_c", "axb", "a%b"]);
    assert_eq!(listed["count"], 4);
    let listed = alice.ok("list_memory", prefix("%")).await?;
    assert_eq!(listed["count"], 0);
    // Updating a key moves it to the front.
    alice
        .ok("set_memory", json!({ "key": "axb", "value": "héllo" }))
        .await?;
    let listed = alice.ok("list_memory", json!({})).await?;
    assert_eq!(keys_of(&listed), ["axb", "zzz", "A%b", "abc", "a_c", "a%b"]);
    let first = &listed["entries"][0];
    let fields: Vec<&str> = first
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let mut fields = fields;
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "created_at",
            "expires_at",
            "key",
            "scope",
            "session_id",
            "updated_at",
            "value_size"
        ]
    );
    assert_eq!(first["value_size"], "\"héllo\"".len());
    assert_eq!(first["scope"], "global");
    assert_eq!(first["session_id"], Value::Null);
    assert_eq!(first["expires_at"], Value::Null);
    let two = alice.ok("list_memory", json!({ "limit": 2 })).await?;
    assert_eq!(keys_of(&two), ["axb", "zzz"]);
    for limit in [0, 201, -1] {
        alice
            .fails("list_memory", json!({ "limit": limit }), "INVALID_INPUT")
            .await?;
    }
    alice.ok("list_memory", json!({ "limit": 200 })).await?;
    alice.close().await
}

#[tokio::test]
async fn delete_removes_only_the_live_key_in_its_scope() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    let sid = alice.session("delete").await?;
    alice
        .ok("set_memory", json!({ "key": "k", "value": "global" }))
        .await?;
    alice
        .ok(
            "set_memory",
            json!({ "key": "k", "value": "session", "session_id": sid }),
        )
        .await?;
    let deleted = alice
        .ok("delete_memory", json!({ "key": "k", "session_id": sid }))
        .await?;
    assert_eq!(
        deleted,
        json!({ "success": true, "key": "k", "deleted": true })
    );
    alice
        .fails(
            "get_memory",
            json!({ "key": "k", "session_id": sid }),
            "MEMORY_NOT_FOUND",
        )
        .await?;
    let global = alice.ok("get_memory", json!({ "key": "k" })).await?;
    assert_eq!(global["value"], "global", "the other scope is untouched");
    let again = alice
        .ok("delete_memory", json!({ "key": "k", "session_id": sid }))
        .await?;
    assert_eq!(again["deleted"], false);
    let never = alice
        .ok("delete_memory", json!({ "key": "never-set" }))
        .await?;
    assert_eq!(never["deleted"], false);
    let deleted = alice.ok("delete_memory", json!({ "key": "k" })).await?;
    assert_eq!(deleted["deleted"], true);
    alice.close().await
}

#[tokio::test]
async fn reads_need_read_and_mutations_need_write() -> TestResult {
    let db = TestDb::new()?;
    let writer = db.default_agent("shared").await?;
    writer
        .ok("set_memory", json!({ "key": "k", "value": 1 }))
        .await?;
    let reader = db.agent("shared", "generic", "read").await?;
    reader
        .fails(
            "set_memory",
            json!({ "key": "k", "value": 2 }),
            "PERMISSION_DENIED",
        )
        .await?;
    reader
        .fails("delete_memory", json!({ "key": "k" }), "PERMISSION_DENIED")
        .await?;
    let got = reader.ok("get_memory", json!({ "key": "k" })).await?;
    assert_eq!(got["value"], 1);
    reader.ok("list_memory", json!({})).await?;
    let nobody = db.agent("shared", "generic", "debug").await?;
    nobody
        .fails("get_memory", json!({ "key": "k" }), "PERMISSION_DENIED")
        .await?;
    nobody
        .fails("list_memory", json!({}), "PERMISSION_DENIED")
        .await?;
    for agent in [writer, reader, nobody] {
        agent.close().await?;
    }
    Ok(())
}

#[tokio::test]
async fn mutations_are_audited_without_values() -> TestResult {
    let db = TestDb::new()?;
    let alice = db.default_agent("alice").await?;
    let sid = alice.session("audit").await?;
    let secret = "do-not-log-this-value";
    alice
        .ok(
            "set_memory",
            json!({ "key": "k", "value": secret, "session_id": sid }),
        )
        .await?;
    alice
        .ok("delete_memory", json!({ "key": "k", "session_id": sid }))
        .await?;
    alice
        .fails(
            "set_memory",
            json!({ "key": "bad key", "value": secret }),
            "INVALID_KEY",
        )
        .await?;
    alice.close().await?;
    let pool = inspect(&db.path()).await?;
    let rows: Vec<AuditRow> = sqlx::query_as(
        "SELECT event_type, agent_id, session_id, result, metadata FROM audit_log \
         WHERE event_type LIKE 'memory%' ORDER BY id",
    )
    .fetch_all(&pool)
    .await?;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].0, "memory_set");
    assert_eq!(rows[1].0, "memory_deleted");
    for (_, agent, session, result, _) in &rows {
        assert_eq!(agent, "alice");
        assert_eq!(session.as_deref(), Some(sid.as_str()));
        assert_eq!(result, "success");
    }
    let set_meta: Value = serde_json::from_str(rows[0].4.as_deref().unwrap_or("null"))?;
    assert_eq!(set_meta["value_bytes"], secret.len() + 2);
    let leaked: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE instr(coalesce(metadata, '') || \
         coalesce(resource, '') || coalesce(action, ''), ?1) > 0",
    )
    .bind(secret)
    .fetch_one(&pool)
    .await?;
    assert_eq!(leaked, 0, "no value in the audit log");
    pool.close().await;
    Ok(())
}
