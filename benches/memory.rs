//! Agent memory latency end to end through the MCP stdio protocol (§7, §11): the release binary
//! is spawned once and `set_memory` / `get_memory` / `list_memory` are timed call by call.

#![allow(clippy::print_stderr)] // a failed bench set-up is reported on stderr

mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};

use support::{BenchResult, TextGen, runtime, spawn, temp_db};

/// A JSON object of about `chars` characters of text.
fn value(text: &mut TextGen, chars: usize) -> Value {
    json!({ "note": text.text(chars), "tags": ["bench", "memory"], "n": 42 })
}

fn memory(c: &mut Criterion) -> BenchResult {
    let rt = runtime()?;
    let (_dir, db) = temp_db()?;
    let server = rt.block_on(spawn(&db, &[("SCS_AGENT_ID", "bench")]))?;
    let mut text = TextGen::new(11);
    let small = value(&mut text, 100);
    let big = value(&mut text, 10_000);
    rt.block_on(async {
        // 1 000 other keys, so lookups and lists do not run on an empty table.
        for i in 0..1_000 {
            let args = json!({ "key": format!("filler-{i:04}"), "value": small });
            server.call("set_memory", args).await?;
        }
        server
            .call("set_memory", json!({ "key": "small", "value": small }))
            .await?;
        server
            .call("set_memory", json!({ "key": "big", "value": big }))
            .await?;
        BenchResult::Ok(())
    })?;
    let mut group = c.benchmark_group("memory");
    group.bench_function("set_memory", |b| {
        b.to_async(&rt).iter(|| async {
            server
                .call("set_memory", json!({ "key": "small", "value": small }))
                .await
        })
    });
    group.bench_function("get_memory", |b| {
        b.to_async(&rt)
            .iter(|| async { server.call("get_memory", json!({ "key": "small" })).await })
    });
    group.bench_function("set_memory_10k", |b| {
        b.to_async(&rt).iter(|| async {
            server
                .call("set_memory", json!({ "key": "big", "value": big }))
                .await
        })
    });
    group.bench_function("get_memory_10k", |b| {
        b.to_async(&rt)
            .iter(|| async { server.call("get_memory", json!({ "key": "big" })).await })
    });
    group.bench_function("list_memory_50_of_1000", |b| {
        b.to_async(&rt)
            .iter(|| async { server.call("list_memory", json!({ "limit": 50 })).await })
    });
    group.finish();
    rt.block_on(server.client.cancel())?;
    Ok(())
}

fn benches(c: &mut Criterion) {
    if let Err(err) = memory(c) {
        eprintln!("bench memory failed: {err}");
        std::process::exit(1);
    }
}

criterion_group!(memory_benches, benches);
criterion_main!(memory_benches);
