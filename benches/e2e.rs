//! End-to-end latency through the MCP stdio protocol (§11): the release binary is spawned once
//! per group and timed call by call, as an agent's client sees it.

#![allow(clippy::print_stderr)] // a failed bench set-up is reported on stderr

mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use support::{BenchResult, TextGen, command, runtime, spawn, temp_db};

fn sessions_and_messages(c: &mut Criterion) -> BenchResult {
    let rt = runtime()?;
    let (_dir, db) = temp_db()?;
    let server = rt.block_on(spawn(&db, &[("SCS_AGENT_ID", "bench")]))?;
    let sid = rt.block_on(server.session("bench"))?;
    let mut group = c.benchmark_group("e2e");
    group.bench_function("create_session", |b| {
        b.to_async(&rt).iter(|| async {
            server
                .call("create_session", json!({ "purpose": "bench session" }))
                .await
        })
    });
    let mut text = TextGen::new(7);
    let content = text.text(200);
    group.bench_function("add_message", |b| {
        b.to_async(&rt).iter(|| async {
            server
                .call(
                    "add_message",
                    json!({ "session_id": sid, "content": content }),
                )
                .await
        })
    });
    let big = rt.block_on(server.session("thousand"))?;
    rt.block_on(async {
        for _ in 0..1000 {
            server
                .call(
                    "add_message",
                    json!({ "session_id": big, "content": text.text(200) }),
                )
                .await?;
        }
        BenchResult::Ok(())
    })?;
    group.bench_function("get_messages_50_of_1000", |b| {
        b.to_async(&rt).iter(|| async {
            server
                .call(
                    "get_messages",
                    json!({ "session_id": big, "limit": 50, "offset": 500 }),
                )
                .await
        })
    });
    group.bench_function("get_session_1000", |b| {
        b.to_async(&rt).iter(|| async {
            server
                .call("get_session", json!({ "session_id": big }))
                .await
        })
    });
    group.finish();
    rt.block_on(server.client.cancel())?;
    Ok(())
}

/// Process start to the `initialize` answer, on an existing database.
async fn start_once(db: &std::path::Path) -> BenchResult<Duration> {
    let mut cmd = command(db, &[]);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let started = Instant::now();
    let mut child = cmd.spawn()?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
        "protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}});
    stdin.write_all(format!("{init}\n").as_bytes()).await?;
    stdin.flush().await?;
    let mut lines = BufReader::new(stdout).lines();
    lines.next_line().await?.ok_or("no initialize answer")?;
    let elapsed = started.elapsed();
    drop(stdin);
    child.wait().await?;
    Ok(elapsed)
}

fn startup(c: &mut Criterion) -> BenchResult {
    let rt = runtime()?;
    let (_dir, db) = temp_db()?;
    rt.block_on(start_once(&db))?;
    let mut group = c.benchmark_group("e2e");
    group.sample_size(30);
    group.bench_function("startup_to_initialize", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let db = db.clone();
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += start_once(&db).await.unwrap_or(Duration::MAX / 1_000_000);
                }
                total
            }
        })
    });
    group.finish();
    Ok(())
}

fn benches(c: &mut Criterion) {
    for (name, result) in [
        ("sessions_and_messages", sessions_and_messages(c)),
        ("startup", startup(c)),
    ] {
        if let Err(err) = result {
            eprintln!("bench {name} failed: {err}");
            std::process::exit(1);
        }
    }
}

criterion_group!(e2e, benches);
criterion_main!(e2e);
