//! Many processes on one database file, as users run us (§2, §11, issue 7).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures::future::join_all;
use serde_json::json;

use crate::support::{TestDb, TestResult, count, inspect};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_writers_and_searching_readers_lose_nothing() -> TestResult {
    const WRITERS: usize = 20;
    const EACH: usize = 100;
    const READERS: usize = 3;
    let db = TestDb::new()?;
    // All writers and readers start at once on a file that does not exist yet.
    let started =
        join_all((0..WRITERS + READERS).map(|i| db.default_agent_owned(format!("agent-{i}"))))
            .await;
    let mut agents = started.into_iter().collect::<TestResult<Vec<_>>>()?;
    let readers = agents.split_off(WRITERS);
    let sid = agents[0].session("contention").await?;
    let writing = Arc::new(AtomicBool::new(true));
    let searches = Arc::new(AtomicUsize::new(0));
    let reads = readers.iter().map(|reader| {
        let (sid, writing, searches) = (sid.clone(), writing.clone(), searches.clone());
        async move {
            while writing.load(Ordering::Relaxed) {
                reader
                    .ok(
                        "search_context",
                        json!({ "session_id": sid, "query": "writer message" }),
                    )
                    .await?;
                reader
                    .ok(
                        "get_messages",
                        json!({ "session_id": sid, "limit": 20, "offset": 0 }),
                    )
                    .await?;
                searches.fetch_add(1, Ordering::Relaxed);
            }
            TestResult::Ok(())
        }
    });
    let writes = agents.iter().enumerate().map(|(i, agent)| {
        let sid = sid.clone();
        async move {
            let mut ids = Vec::new();
            for n in 0..EACH {
                ids.push(
                    agent
                        .post(&sid, &format!("writer {i} message {n}"), "public")
                        .await?,
                );
            }
            TestResult::Ok(ids)
        }
    });
    let stop = writing.clone();
    let all_writes = async move {
        let done = join_all(writes).await;
        stop.store(false, Ordering::Relaxed);
        done
    };
    let (write_results, read_results) = tokio::join!(all_writes, join_all(reads));
    let mut all = BTreeSet::new();
    for ids in write_results {
        for id in ids? {
            assert!(all.insert(id), "id {id} returned twice");
        }
    }
    for read in read_results {
        read?;
    }
    assert_eq!(all.len(), WRITERS * EACH);
    assert!(
        searches.load(Ordering::Relaxed) > 0,
        "the readers never searched"
    );
    for agent in agents.into_iter().chain(readers) {
        agent.close().await?;
    }
    let path = db.path();
    assert_eq!(
        count(&path, "SELECT COUNT(*) FROM messages").await?,
        (WRITERS * EACH) as i64
    );
    let pool = inspect(&path).await?;
    let per_writer: Vec<(String, i64)> =
        sqlx::query_as("SELECT sender, COUNT(*) FROM messages GROUP BY sender")
            .fetch_all(&pool)
            .await?;
    assert_eq!(per_writer.len(), WRITERS);
    assert!(per_writer.iter().all(|(_, n)| *n == EACH as i64));
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await?;
    assert_eq!(check, "ok");
    pool.close().await;
    Ok(())
}
