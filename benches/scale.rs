//! Search and reads at scale, end to end through the stdio protocol (§11, issue 4 and 7):
//! search_context over 1 000 / 10 000 / 100 000-message sessions with the result cache
//! defeated (every iteration asks with a different threshold), paging and get_session on
//! 100 000 messages, and the server's memory (idle, and peak after the run).

#![allow(clippy::print_stderr)] // memory readings and set-up failures are reported on stderr

mod support;

use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use serde_json::json;

use support::{BenchResult, runtime, seed, spawn, temp_db};

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];
const QUERIES: [&str; 3] = ["deployment", "deploymnet", "databse migraton"];

fn session_id(n: usize) -> String {
    format!("session_{n:016x}")
}

fn run(c: &mut Criterion) -> BenchResult {
    let rt = runtime()?;
    let (_dir, db) = temp_db()?;
    for (i, n) in SIZES.iter().enumerate() {
        rt.block_on(seed(&db, &session_id(*n), *n, 11 + i as u64))?;
    }
    let server = rt.block_on(spawn(&db, &[("SCS_AGENT_ID", "bench")]))?;
    eprintln!(
        "server idle after start: VmRSS {:?} KiB",
        server.memory_kib("VmRSS:")
    );
    let nonce = AtomicU64::new(0);
    let mut group = c.benchmark_group("scale");
    group.sample_size(20);
    for n in SIZES {
        let sid = session_id(n);
        // Warm the corpus cache once (the first search of a session reads it from the file).
        rt.block_on(server.call(
            "search_context",
            json!({ "session_id": sid, "query": "warm" }),
        ))?;
        for query in QUERIES {
            group.bench_with_input(BenchmarkId::new(format!("search_context/{query}"), n), &sid, |b, sid| {
                b.to_async(&rt).iter(|| async {
                    // A fresh threshold each time: same work, never a result-cache hit.
                    let k = nonce.fetch_add(1, Ordering::Relaxed) % 1_000_000;
                    let threshold = 60.0 - k as f64 * 1e-7;
                    let body = server
                        .call("search_context", json!({ "session_id": sid, "query": query, "fuzzy_threshold": threshold }))
                        .await?;
                    if body["cache_hit"] != false {
                        return Err("unexpected result-cache hit".into());
                    }
                    BenchResult::Ok(())
                })
            });
        }
    }
    let big = session_id(100_000);
    let last = rt.block_on(server.call(
        "get_messages",
        json!({ "session_id": big, "limit": 1, "offset": 99_999 }),
    ))?;
    let last_id = last["messages"][0]["id"].as_i64().unwrap_or(0);
    group.bench_function("get_messages_after_id_100000", |b| {
        b.to_async(&rt).iter(|| async {
            server
                .call(
                    "get_messages",
                    json!({ "session_id": big, "after_id": last_id - 50 }),
                )
                .await
        })
    });
    group.bench_function("get_messages_offset_50000_of_100000", |b| {
        b.to_async(&rt).iter(|| async {
            server
                .call(
                    "get_messages",
                    json!({ "session_id": big, "offset": 50_000 }),
                )
                .await
        })
    });
    group.bench_function("get_session_100000", |b| {
        b.to_async(&rt).iter(|| async {
            server
                .call("get_session", json!({ "session_id": big }))
                .await
        })
    });
    group.finish();
    eprintln!(
        "server after the scale run: VmRSS {:?} KiB, peak VmHWM {:?} KiB",
        server.memory_kib("VmRSS:"),
        server.memory_kib("VmHWM:")
    );
    rt.block_on(server.client.cancel())?;
    Ok(())
}

fn benches(c: &mut Criterion) {
    if let Err(err) = run(c) {
        eprintln!("scale bench failed: {err}");
        std::process::exit(1);
    }
}

criterion_group!(scale, benches);
criterion_main!(scale);
