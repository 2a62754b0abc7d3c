//! Scale (issue 7): the -wal file stays bounded under a long multi-process burst, and a
//! 100 000-message session still answers every read path.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use futures::future::join_all;
use serde_json::json;

use crate::support::{TestDb, TestResult, count, open_rw};

/// The configured `journal_size_limit` default; the bound the README states.
const WAL_BOUND: u64 = 64 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wal_stays_bounded_through_a_20000_message_burst() -> TestResult {
    const PROCESSES: usize = 4;
    const EACH: usize = 5_000;
    let db = TestDb::new()?;
    let agents = join_all((0..PROCESSES).map(|i| db.default_agent_owned(format!("burst-{i}"))))
        .await
        .into_iter()
        .collect::<TestResult<Vec<_>>>()?;
    let sid = agents[0].session("burst").await?;
    let wal = db.path().with_extension("db-wal");
    let largest = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (largest, done, wal) = (largest.clone(), done.clone(), wal.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
                largest.fetch_max(size, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let content = "x".repeat(300);
    let runs = agents.iter().map(|agent| {
        let (sid, content) = (sid.clone(), content.clone());
        async move {
            for _ in 0..EACH {
                agent.post(&sid, &content, "public").await?;
            }
            TestResult::Ok(())
        }
    });
    for run in join_all(runs).await {
        run?;
    }
    done.store(true, Ordering::Relaxed);
    watcher.await?;
    let peak = largest.load(Ordering::Relaxed);
    assert!(peak > 0, "the watcher never saw a -wal file");
    assert!(peak < WAL_BOUND, "-wal grew to {peak} bytes");
    for agent in agents {
        agent.close().await?;
    }
    assert_eq!(
        count(&db.path(), "SELECT COUNT(*) FROM messages").await?,
        (PROCESSES * EACH) as i64
    );
    let after = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(after, 0, "the last process out did not truncate the WAL");
    Ok(())
}

/// Inserts `n` messages into a new session straight into the file (fast fixture set-up).
pub async fn seed_session(db: &std::path::Path, n: usize) -> TestResult<String> {
    let pool = open_rw(db).await?;
    let sid = "session_00000000000000aa".to_owned();
    let at = "2026-01-01T00:00:00.000000+00:00";
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO sessions (id, purpose, created_by, created_at, updated_at) VALUES (?1, 'big', 'seed', ?2, ?2)")
        .bind(&sid)
        .bind(at)
        .execute(&mut *tx)
        .await?;
    let words = [
        "deploy", "database", "review", "latency", "cache", "rollback", "queue", "index",
    ];
    for i in 0..n {
        let content = format!(
            "note {i}: {} {} {} is fine",
            words[i % 8],
            words[(i / 8) % 8],
            words[(i / 64) % 8]
        );
        let visibility = if i % 10 == 0 { "private" } else { "public" };
        sqlx::query("INSERT INTO messages (session_id, sender, sender_type, content, visibility, timestamp) VALUES (?1, 'seed', 'generic', ?2, ?3, ?4)")
            .bind(&sid)
            .bind(content)
            .bind(visibility)
            .bind(at)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    pool.close().await;
    Ok(sid)
}

#[tokio::test]
async fn a_100000_message_session_answers_every_read() -> TestResult {
    const N: usize = 100_000;
    let db = TestDb::new()?;
    // Bring the schema up through a real server first.
    db.default_agent("init").await?.close().await?;
    let sid = seed_session(&db.path(), N).await?;
    let other = db.default_agent("other").await?;
    let visible = N - N / 10;
    let session = other
        .ok("get_session", json!({ "session_id": sid }))
        .await?;
    assert_eq!(session["message_count"], visible);
    assert_eq!(session["messages"].as_array().map(Vec::len), Some(50));
    let tail = other
        .ok(
            "get_messages",
            json!({ "session_id": sid, "limit": 100, "offset": visible - 100 }),
        )
        .await?;
    assert_eq!(tail["count"], 100);
    assert_eq!(tail["has_more"], false);
    let last_id = tail["messages"][99]["id"].as_i64().unwrap_or_default();
    let polled = other
        .ok(
            "get_messages",
            json!({ "session_id": sid, "after_id": last_id - 1000, "limit": 1000 }),
        )
        .await?;
    assert_eq!(polled["total_count"], 900);
    let by_sender = other
        .ok(
            "search_by_sender",
            json!({ "session_id": sid, "sender": "seed", "limit": 100 }),
        )
        .await?;
    assert_eq!(by_sender["count"], 100);
    other.close().await
}
