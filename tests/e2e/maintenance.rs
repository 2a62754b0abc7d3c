//! Background maintenance (§3, §7, §8): the sweeper really deletes expired memory, tokens
//! expired beyond the refresh grace and audit rows past retention, and keeps the rest; a
//! process with the task running still shuts down cleanly.

use chrono::{Duration, Utc};
use serde_json::json;
use tokio::io::AsyncWriteExt;

use crate::support::{
    AgentSpec, TIMEOUT, TestDb, TestResult, count, eventually, handshake, open_rw, spawn_raw,
};

fn stamp(at: chrono::DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}

/// 1 100 audit rows 40 days old (more than two sweeper batches), one recent; tokens expired
/// two days ago (gone), ten minutes ago (within the one-hour grace: kept) and live.
async fn plant_old_rows(db: &std::path::Path) -> TestResult {
    let pool = open_rw(db).await?;
    let old = stamp(Utc::now() - Duration::days(40));
    let mut tx = pool.begin().await?;
    for i in 0..1_100 {
        sqlx::query(
            "INSERT INTO audit_log (timestamp, event_type, agent_id, result) \
             VALUES (?1, 'planted_old', ?2, 'success')",
        )
        .bind(&old)
        .bind(format!("agent-{i}"))
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO audit_log (timestamp, event_type, agent_id, result) \
         VALUES (?1, 'planted_recent', 'x', 'success')",
    )
    .bind(stamp(Utc::now() - Duration::days(29)))
    .execute(&mut *tx)
    .await?;
    let tokens = [
        ("long-expired", Utc::now() - Duration::days(2)),
        ("in-grace", Utc::now() - Duration::minutes(10)),
        ("live", Utc::now() + Duration::hours(1)),
    ];
    for (hash, expires) in tokens {
        sqlx::query(
            "INSERT INTO auth_tokens (token_hash, agent_id, agent_type, permissions, \
             issued_at, expires_at) VALUES (?1, 'x', 'generic', 'read', ?2, ?3)",
        )
        .bind(hash)
        .bind(stamp(expires - Duration::hours(1)))
        .bind(stamp(expires))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    pool.close().await;
    Ok(())
}

#[tokio::test]
async fn the_sweeper_deletes_due_rows_and_keeps_the_rest() -> TestResult {
    let db = TestDb::new()?;
    let spec = AgentSpec::new()
        .env("SCS_AGENT_ID", "alice")
        .env("SCS_MAINTENANCE_INTERVAL", "1")
        .env("AUDIT_LOG_RETENTION_DAYS", "30")
        .env("SCS_TOKEN_REFRESH_GRACE", "3600");
    let alice = db.spawn(spec).await?;
    let sid = alice.session("sweep").await?;
    for i in 0..5 {
        let args = json!({ "key": format!("brief-{i}"), "value": i, "expires_in": 1 });
        alice.ok("set_memory", args).await?;
    }
    let scoped = json!({ "key": "brief", "value": 1, "expires_in": 1, "session_id": sid });
    alice.ok("set_memory", scoped).await?;
    alice
        .ok("set_memory", json!({ "key": "keep", "value": "forever" }))
        .await?;
    let later = json!({ "key": "later", "value": 1, "expires_in": 3600 });
    alice.ok("set_memory", later).await?;
    plant_old_rows(&db.path()).await?;
    let path = db.path();
    eventually(
        "expired memory, old audit rows and tokens to be swept",
        || {
            let path = path.clone();
            async move {
                let memory = count(&path, "SELECT COUNT(*) FROM agent_memory").await?;
                let audit = count(
                    &path,
                    "SELECT COUNT(*) FROM audit_log WHERE event_type = 'planted_old'",
                )
                .await?;
                let tokens = count(&path, "SELECT COUNT(*) FROM auth_tokens").await?;
                Ok(memory == 2 && audit == 0 && tokens == 2)
            }
        },
    )
    .await?;
    let pool = crate::support::inspect(&db.path()).await?;
    let kept: Vec<String> = sqlx::query_scalar("SELECT key FROM agent_memory ORDER BY key")
        .fetch_all(&pool)
        .await?;
    assert_eq!(kept, ["keep", "later"]);
    let tokens: Vec<String> =
        sqlx::query_scalar("SELECT token_hash FROM auth_tokens ORDER BY token_hash")
            .fetch_all(&pool)
            .await?;
    assert_eq!(tokens, ["in-grace", "live"]);
    let recent: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE event_type IN ('planted_recent', 'memory_set')",
    )
    .fetch_one(&pool)
    .await?;
    assert_eq!(recent, 9, "recent audit rows stay");
    pool.close().await;
    // The process keeps serving while its sweeper runs.
    let got = alice.ok("get_memory", json!({ "key": "keep" })).await?;
    assert_eq!(got["value"], "forever");
    alice.close().await
}

#[tokio::test]
async fn a_process_with_maintenance_running_exits_cleanly() -> TestResult {
    let db = TestDb::new()?;
    let spec = AgentSpec::new().env("SCS_MAINTENANCE_INTERVAL", "3600");
    let raw = spawn_raw(&db.path(), &spec)?;
    let (mut child, mut stdin, mut lines) = (raw.child, raw.stdin, raw.lines);
    stdin.write_all(handshake(json!(1), "t").as_bytes()).await?;
    stdin.flush().await?;
    let answer = tokio::time::timeout(TIMEOUT, lines.next_line()).await??;
    assert!(answer.is_some_and(|l| l.contains("\"result\"")));
    drop(stdin);
    let status = tokio::time::timeout(TIMEOUT, child.wait()).await??;
    assert!(status.success(), "{status}");
    let wal = db.path().with_extension("db-wal");
    let wal_bytes = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal_bytes, 0, "the -wal is checkpointed away at shutdown");
    Ok(())
}
