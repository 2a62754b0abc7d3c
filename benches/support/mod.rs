//! Bench support: the release server binary spawned once per bench group, driven through the
//! rmcp client exactly as an agent's client would.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use rmcp::model::{CallToolRequestParams, ClientConfig, Implementation};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Map, Value};
use tokio::process::Command;

pub type BenchResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

pub const BIN: &str = env!("CARGO_BIN_EXE_shared-context-server");

pub struct Server {
    pub client: RunningService<RoleClient, ClientConfig>,
    /// The server process id (for memory readings).
    pub pid: Option<u32>,
}

pub fn command(db: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env("DATABASE_PATH", db)
        .env("SCS_LOG_LEVEL", "error")
        .env_remove("RUST_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

pub async fn spawn(db: &Path, env: &[(&str, &str)]) -> BenchResult<Server> {
    let (transport, _) = TokioChildProcess::builder(command(db, env))
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let pid = transport.id();
    let info = ClientConfig::new(Default::default(), Implementation::new("bench", "1.0"));
    let client = info.serve(transport).await?;
    Ok(Server { client, pid })
}

impl Server {
    /// Calls a tool and returns its structured result, failing on a tool error.
    pub async fn call(&self, tool: &'static str, args: Value) -> BenchResult<Value> {
        let Value::Object(args) = args else {
            return Err("arguments must be an object".into());
        };
        let params = CallToolRequestParams::new(tool).with_arguments(args);
        let result = self.client.call_tool(params).await?;
        let body = result.structured_content.unwrap_or(Value::Null);
        if result.is_error == Some(true) {
            return Err(format!("{tool} failed: {body}").into());
        }
        Ok(body)
    }

    pub async fn session(&self, purpose: &str) -> BenchResult<String> {
        let body = self
            .call("create_session", serde_json::json!({ "purpose": purpose }))
            .await?;
        Ok(body["session_id"].as_str().unwrap_or_default().to_owned())
    }
}

impl Server {
    /// A `VmRSS`/`VmHWM`-style line of the server's /proc status, in KiB (Linux only).
    pub fn memory_kib(&self, field: &str) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid?)).ok()?;
        let line = status.lines().find(|l| l.starts_with(field))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }
}

/// Writes a session of `n` generated ~200-character messages straight into the database file
/// (migrating it first), for benches that need big sessions fast. Returns the session id.
pub async fn seed(db: &Path, session_id: &str, n: usize, seed: u64) -> BenchResult<()> {
    use shared_context_server::db::{Db, DbOptions};
    let store = Db::open(db, &DbOptions::default()).await?;
    let mut text = TextGen::new(seed);
    let mut tx = store.begin_write().await?;
    let at = "2026-01-01T00:00:00.000000+00:00";
    sqlx::query("INSERT INTO sessions (id, purpose, created_by, created_at, updated_at) VALUES (?1, 'bench', 'seed', ?2, ?2)")
        .bind(session_id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
    for i in 0..n {
        sqlx::query("INSERT INTO messages (session_id, sender, sender_type, content, visibility, timestamp) VALUES (?1, ?2, 'generic', ?3, 'public', ?4)")
            .bind(session_id)
            .bind(format!("agent-{}", i % 17))
            .bind(text.text(200))
            .bind(at)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    store.close().await;
    Ok(())
}

/// The runtime every bench drives its clients with.
pub fn runtime() -> BenchResult<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Empty JSON object.
pub fn no_args() -> Value {
    Value::Object(Map::new())
}

/// A fresh folder for a bench database; kept alive by the caller.
pub fn temp_db() -> BenchResult<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.db");
    Ok((dir, path))
}

/// Deterministic text: a small vocabulary walked by a linear congruential generator.
pub struct TextGen {
    state: u64,
}

const WORDS: [&str; 48] = [
    "deploy",
    "database",
    "migration",
    "review",
    "customer",
    "payments",
    "service",
    "nightly",
    "build",
    "runner",
    "cache",
    "region",
    "latency",
    "timeout",
    "release",
    "feature",
    "flag",
    "rollback",
    "incident",
    "alert",
    "metrics",
    "dashboard",
    "queue",
    "worker",
    "schema",
    "index",
    "query",
    "token",
    "session",
    "agent",
    "context",
    "search",
    "memory",
    "audit",
    "notify",
    "policy",
    "budget",
    "report",
    "green",
    "failed",
    "fixed",
    "merged",
    "tests",
    "staging",
    "production",
    "canary",
    "backup",
    "restore",
];

impl TextGen {
    pub fn new(seed: u64) -> Self {
        TextGen { state: seed }
    }

    fn next(&mut self) -> u64 {
        self.state = self
            .state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.state >> 33
    }

    /// About `chars` characters of words.
    pub fn text(&mut self, chars: usize) -> String {
        let mut out = String::with_capacity(chars + 16);
        while out.len() < chars {
            if !out.is_empty() {
                out.push(' ');
            }
            let i = (self.next() % WORDS.len() as u64) as usize;
            out.push_str(WORDS[i]);
        }
        out
    }
}
