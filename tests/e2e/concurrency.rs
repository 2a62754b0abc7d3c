//! Many processes on one database file, as users run us (§2, §11).

use std::collections::BTreeSet;

use futures::future::join_all;

use crate::support::{TestDb, TestResult, count, inspect};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_processes_start_together_and_write_concurrently() -> TestResult {
    const PROCESSES: usize = 20;
    const EACH: usize = 50;
    let db = TestDb::new()?;
    // All twenty start at once on a file that does not exist yet.
    let started =
        join_all((0..PROCESSES).map(|i| db.default_agent_owned(format!("writer-{i}")))).await;
    let agents = started.into_iter().collect::<TestResult<Vec<_>>>()?;
    let sid = agents[0].session("contention").await?;
    let runs = agents.iter().enumerate().map(|(i, agent)| {
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
    let mut all = BTreeSet::new();
    for ids in join_all(runs).await {
        for id in ids? {
            assert!(all.insert(id), "id {id} returned twice");
        }
    }
    assert_eq!(all.len(), PROCESSES * EACH);
    for agent in agents {
        agent.close().await?;
    }
    assert_eq!(
        count(&db.path(), "SELECT COUNT(*) FROM messages").await?,
        (PROCESSES * EACH) as i64
    );
    let pool = inspect(&db.path()).await?;
    let per_writer: Vec<(String, i64)> =
        sqlx::query_as("SELECT sender, COUNT(*) FROM messages GROUP BY sender")
            .fetch_all(&pool)
            .await?;
    assert_eq!(per_writer.len(), PROCESSES);
    assert!(per_writer.iter().all(|(_, n)| *n == EACH as i64));
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await?;
    assert_eq!(check, "ok");
    pool.close().await;
    Ok(())
}
