//! Notification latency (§9): from the start of an `add_message` call in one process to the
//! `notifications/resources/updated` a subscriber receives from its own server process, which
//! learns of the write by polling the shared file. `same_process` writes through the
//! subscriber's own server for comparison (woken at once, no polling delay). Cross-process
//! writes start at a pseudo-random point of the poll interval, as real writes do. Besides
//! criterion's figures, the median and p95 of every notification are printed on stderr.

#![allow(clippy::print_stderr)] // the percentile summary and set-up failures go to stderr

mod support;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use rmcp::model::{
    CallToolRequestParams, ResourceUpdatedNotificationParam, SubscribeRequestParams,
};
use rmcp::service::{NotificationContext, RunningService};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, Peer, RoleClient, ServiceExt};
use serde_json::json;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use support::{BenchResult, command, runtime, spawn, temp_db};

/// Forwards the arrival time of each resource update.
struct Arrivals(UnboundedSender<Instant>);

impl ClientHandler for Arrivals {
    async fn on_resource_updated(
        &self,
        _params: ResourceUpdatedNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        let _ = self.0.send(Instant::now());
    }
}

/// A notification that never came counts as this (far beyond any real figure).
const MISSED: Duration = Duration::from_secs(5);

async fn subscriber(
    db: &std::path::Path,
    session_id: &str,
) -> BenchResult<(
    RunningService<RoleClient, Arrivals>,
    UnboundedReceiver<Instant>,
)> {
    let (tx, rx) = unbounded_channel();
    let (transport, _) = TokioChildProcess::builder(command(db, &[("SCS_AGENT_ID", "reader")]))
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let client = Arrivals(tx).serve(transport).await?;
    #[allow(deprecated)] // resources/subscribe: the path today's clients use
    client
        .subscribe(SubscribeRequestParams::new(format!(
            "session://{session_id}"
        )))
        .await?;
    Ok((client, rx))
}

/// A pause of 0..100 ms before a write, so writes do not fall in step with the subscriber's
/// 100 ms poll (writing right after each notification would always wait a whole interval).
fn jitter(step: u64) -> Duration {
    Duration::from_micros(step.wrapping_mul(7_919) % 100_000)
}

/// One write through `writer`, timed until the subscriber hears of it.
async fn once(
    writer: &Peer<RoleClient>,
    session_id: &str,
    arrivals: &tokio::sync::Mutex<UnboundedReceiver<Instant>>,
    pause: Duration,
) -> Duration {
    let mut rx = arrivals.lock().await;
    tokio::time::sleep(pause).await;
    while rx.try_recv().is_ok() {}
    let args = json!({ "session_id": session_id, "content": "ping" });
    let params = CallToolRequestParams::new("add_message")
        .with_arguments(args.as_object().cloned().unwrap_or_default());
    let started = Instant::now();
    if writer.call_tool(params).await.is_err() {
        return MISSED;
    }
    match tokio::time::timeout(MISSED, rx.recv()).await {
        Ok(Some(at)) => at.saturating_duration_since(started),
        _ => MISSED,
    }
}

fn summary(name: &str, samples: &Mutex<Vec<Duration>>) {
    let mut all = samples.lock().map(|s| s.clone()).unwrap_or_default();
    if all.is_empty() {
        return;
    }
    all.sort_unstable();
    let at = |pct: usize| all[((pct * all.len()).div_ceil(100)).clamp(1, all.len()) - 1];
    eprintln!(
        "notify/{name}: {} notifications, median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        all.len(),
        at(50).as_secs_f64() * 1e3,
        at(95).as_secs_f64() * 1e3,
        all[all.len() - 1].as_secs_f64() * 1e3
    );
}

fn notify(c: &mut Criterion) -> BenchResult {
    let rt = runtime()?;
    let (_dir, db) = temp_db()?;
    let writer = rt.block_on(spawn(&db, &[("SCS_AGENT_ID", "writer")]))?;
    let sid = rt.block_on(writer.session("notify bench"))?;
    let (reader, rx) = rt.block_on(subscriber(&db, &sid))?;
    let arrivals = tokio::sync::Mutex::new(rx);
    let mut group = c.benchmark_group("notify");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(15));
    for (name, through, jittered) in [
        ("cross_process", writer.client.peer(), true),
        ("same_process", reader.peer(), false),
    ] {
        let samples = Mutex::new(Vec::new());
        let (samples_ref, sid, arrivals) = (&samples, sid.as_str(), &arrivals);
        group.bench_function(name, |b| {
            b.to_async(&rt).iter_custom(|iters| async move {
                let mut total = Duration::ZERO;
                for step in 0..iters {
                    let pause = if jittered {
                        jitter(step)
                    } else {
                        Duration::ZERO
                    };
                    let took = once(through, sid, arrivals, pause).await;
                    if let Ok(mut s) = samples_ref.lock() {
                        s.push(took);
                    }
                    total += took;
                }
                total
            })
        });
        summary(name, &samples);
    }
    group.finish();
    rt.block_on(async {
        reader.cancel().await?;
        writer.client.cancel().await?;
        BenchResult::Ok(())
    })?;
    Ok(())
}

fn benches(c: &mut Criterion) {
    if let Err(err) = notify(c) {
        eprintln!("bench notify failed: {err}");
        std::process::exit(1);
    }
}

criterion_group!(notify_group, benches);
criterion_main!(notify_group);
