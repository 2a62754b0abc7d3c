//! Test support: a fresh database file per test and agents that are real server processes
//! driven through the rmcp client over stdio.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use rmcp::model::{CallToolRequestParams, ClientConfig, Implementation};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, ClientLifecycleMode, ClientServiceExt, RoleClient, ServiceExt};
use serde_json::{Map, Value};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Every protocol exchange in the tests is bounded by this.
pub const TIMEOUT: Duration = Duration::from_secs(60);

pub const BIN: &str = env!("CARGO_BIN_EXE_shared-context-server");

/// A temporary folder holding one database file shared by the agents of a test.
pub struct TestDb {
    pub dir: tempfile::TempDir,
}

impl TestDb {
    pub fn new() -> TestResult<Self> {
        Ok(TestDb {
            dir: tempfile::tempdir()?,
        })
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("shared.db")
    }

    /// A process acting as `agent_id` of `agent_type` with `permissions` (comma separated).
    pub async fn agent(
        &self,
        agent_id: &str,
        agent_type: &str,
        permissions: &str,
    ) -> TestResult<Agent> {
        self.spawn(
            AgentSpec::new()
                .env("SCS_AGENT_ID", agent_id)
                .env("SCS_AGENT_TYPE", agent_type)
                .env("SCS_AGENT_PERMISSIONS", permissions),
        )
        .await
    }

    /// A default read/write `generic` agent.
    pub async fn default_agent(&self, agent_id: &str) -> TestResult<Agent> {
        self.agent(agent_id, "generic", "read,write").await
    }

    /// Like [`TestDb::default_agent`], owning its id (for spawning many at once).
    pub async fn default_agent_owned(&self, agent_id: String) -> TestResult<Agent> {
        self.default_agent(&agent_id).await
    }

    pub async fn spawn(&self, spec: AgentSpec) -> TestResult<Agent> {
        spawn_on(&self.path(), spec).await
    }
}

/// How to start one server process.
#[derive(Clone)]
pub struct AgentSpec {
    pub env: Vec<(String, String)>,
    pub args: Vec<String>,
    pub client_name: String,
}

impl AgentSpec {
    pub fn new() -> Self {
        AgentSpec {
            env: Vec::new(),
            args: Vec::new(),
            client_name: "e2e-test".into(),
        }
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn arg(mut self, arg: &str) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn client_name(mut self, name: &str) -> Self {
        self.client_name = name.into();
        self
    }
}

/// The command line of a server process on `db` (stderr discarded unless SCS_TEST_STDERR is set).
pub fn server_command(db: &Path, spec: &AgentSpec) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(&spec.args)
        .env_remove("RUST_LOG")
        .env_remove("SCS_AGENT_ID")
        .env_remove("SCS_AGENT_TYPE")
        .env_remove("SCS_AGENT_PERMISSIONS")
        .env_remove("API_KEY")
        .env_remove("JWT_SECRET_KEY")
        .env_remove("DATABASE_URL")
        .env("DATABASE_PATH", db)
        .env("SCS_LOG_LEVEL", "warn");
    for (k, v) in &spec.env {
        cmd.env(k, v);
    }
    cmd
}

/// A server process driven with raw JSON-RPC lines, for protocol-level tests.
pub struct RawServer {
    pub child: Child,
    pub stdin: ChildStdin,
    pub lines: Lines<BufReader<ChildStdout>>,
}

/// Starts a server with piped stdio and no handshake yet (stderr discarded).
pub fn spawn_raw(db: &Path, spec: &AgentSpec) -> TestResult<RawServer> {
    let mut cmd = server_command(db, spec);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn()?;
    let stdin = child.stdin.take().ok_or("no stdin")?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    Ok(RawServer {
        child,
        stdin,
        lines: BufReader::new(stdout).lines(),
    })
}

/// The `initialize` request (with `id`) and the `initialized` notification, as two lines.
pub fn handshake(id: Value, client: &str) -> String {
    let init = serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": client, "version": "1"}}});
    let initialized = serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    format!("{init}\n{initialized}\n")
}

pub async fn spawn_on(db: &Path, spec: AgentSpec) -> TestResult<Agent> {
    let cmd = server_command(db, &spec);
    let stderr = if std::env::var_os("SCS_TEST_STDERR").is_some() {
        Stdio::inherit()
    } else {
        Stdio::null()
    };
    let (transport, _) = TokioChildProcess::builder(cmd).stderr(stderr).spawn()?;
    let info = ClientConfig::new(
        Default::default(),
        Implementation::new(spec.client_name.clone(), "1.0"),
    );
    let client = tokio::time::timeout(TIMEOUT, info.serve(transport)).await??;
    Ok(Agent { client })
}

/// One connected server process.
pub struct Agent {
    pub client: RunningService<RoleClient, ClientConfig>,
}

/// A tool result: whether it failed, and its structured body.
#[derive(Debug, Clone)]
pub struct Reply {
    pub is_error: bool,
    pub body: Value,
    pub text: String,
}

impl Agent {
    pub async fn call(&self, tool: &str, args: Value) -> TestResult<Reply> {
        let args: Map<String, Value> = match args {
            Value::Object(map) => map,
            Value::Null => Map::new(),
            other => return Err(format!("arguments must be an object, got {other}").into()),
        };
        let params = CallToolRequestParams::new(tool.to_owned()).with_arguments(args);
        let result = tokio::time::timeout(TIMEOUT, self.client.call_tool(params)).await??;
        let text = result
            .content
            .iter()
            .filter_map(|c| c.as_text().map(|t| t.text.clone()))
            .collect::<Vec<_>>()
            .join("");
        let body = result.structured_content.clone().unwrap_or(Value::Null);
        Ok(Reply {
            is_error: result.is_error.unwrap_or(false),
            body,
            text,
        })
    }

    /// Calls a tool that must succeed; returns its structured result.
    pub async fn ok(&self, tool: &str, args: Value) -> TestResult<Value> {
        let reply = self.call(tool, args).await?;
        if reply.is_error || reply.body["success"] != Value::Bool(true) {
            return Err(format!("{tool} failed: {}", reply.body).into());
        }
        let from_text: Value = serde_json::from_str(&reply.text)?;
        if from_text != reply.body {
            return Err(format!("{tool}: text and structuredContent differ").into());
        }
        Ok(reply.body)
    }

    /// Calls a tool that must fail with `code`; returns the error body.
    pub async fn fails(&self, tool: &str, args: Value, code: &str) -> TestResult<Value> {
        let reply = self.call(tool, args).await?;
        if !reply.is_error || reply.body["success"] != Value::Bool(false) {
            return Err(format!("{tool} should fail with {code}, got {}", reply.body).into());
        }
        if reply.body["code"] != Value::String(code.into()) {
            return Err(format!("{tool} should fail with {code}, got {}", reply.body).into());
        }
        Ok(reply.body)
    }

    /// Creates a session and returns its id.
    pub async fn session(&self, purpose: &str) -> TestResult<String> {
        let body = self
            .ok("create_session", serde_json::json!({ "purpose": purpose }))
            .await?;
        Ok(body["session_id"].as_str().unwrap_or_default().to_owned())
    }

    /// Posts a message and returns its id.
    pub async fn post(&self, session_id: &str, content: &str, visibility: &str) -> TestResult<i64> {
        let body = self
            .ok(
                "add_message",
                serde_json::json!({ "session_id": session_id, "content": content, "visibility": visibility }),
            )
            .await?;
        body["message_id"]
            .as_i64()
            .ok_or_else(|| "no message_id".into())
    }

    pub async fn close(self) -> TestResult {
        tokio::time::timeout(TIMEOUT, self.client.cancel()).await??;
        Ok(())
    }
}

/// Opens the database file directly (read-only) for checks of what was stored.
pub async fn inspect(db: &Path) -> TestResult<sqlx::SqlitePool> {
    let url = format!("sqlite://{}?mode=ro", db.display());
    Ok(sqlx::SqlitePool::connect(&url).await?)
}

pub async fn count(db: &Path, sql: &'static str) -> TestResult<i64> {
    let pool = inspect(db).await?;
    let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await?;
    pool.close().await;
    Ok(n)
}

/// Opens the database file directly for writing (to plant rows a test cannot create through
/// the tools, e.g. old audit rows or expired tokens).
pub async fn open_rw(db: &Path) -> TestResult<sqlx::SqlitePool> {
    let url = format!("sqlite://{}?mode=rw", db.display());
    Ok(sqlx::SqlitePool::connect(&url).await?)
}

/// Polls `check` every 100 ms until it returns true; fails after [`TIMEOUT`].
pub async fn eventually<F, Fut>(what: &str, mut check: F) -> TestResult
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = TestResult<bool>>,
{
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    while tokio::time::Instant::now() < deadline {
        if check().await? {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("timed out waiting for {what}").into())
}

/// A server process driven by a custom client `handler` (e.g. one that records notifications).
/// `lifecycle`: `None` for the `initialize` handshake, else e.g. `Discover` for 2026-07-28.
pub async fn spawn_with<H: ClientHandler>(
    db: &Path,
    spec: AgentSpec,
    handler: H,
    lifecycle: Option<ClientLifecycleMode>,
) -> TestResult<RunningService<RoleClient, H>> {
    let cmd = server_command(db, &spec);
    let stderr = if std::env::var_os("SCS_TEST_STDERR").is_some() {
        Stdio::inherit()
    } else {
        Stdio::null()
    };
    let (transport, _) = TokioChildProcess::builder(cmd).stderr(stderr).spawn()?;
    let client = match lifecycle {
        None => tokio::time::timeout(TIMEOUT, handler.serve(transport)).await??,
        Some(mode) => {
            tokio::time::timeout(TIMEOUT, handler.serve_with_lifecycle(transport, mode)).await??
        }
    };
    Ok(client)
}

/// An HS256 JWT over `claims`, signed with `secret`, as an external issuer would mint it.
pub fn jwt(secret: &str, claims: &Value) -> String {
    jwt_with_header(
        secret,
        &serde_json::json!({ "alg": "HS256", "typ": "JWT" }),
        claims,
    )
}

pub fn jwt_with_header(secret: &str, header: &Value, claims: &Value) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use hmac::{Hmac, Mac};
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = match Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(input.as_bytes());
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    };
    format!("{input}.{signature}")
}

/// Seconds since the Unix epoch, for JWT `exp` claims.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Agent {
    /// Logs in through `authenticate_agent`; returns the token.
    pub async fn login(
        &self,
        agent_id: &str,
        agent_type: &str,
        permissions: &[&str],
        api_key: &str,
    ) -> TestResult<String> {
        let body = self
            .ok(
                "authenticate_agent",
                serde_json::json!({ "agent_id": agent_id, "agent_type": agent_type,
                                    "requested_permissions": permissions, "api_key": api_key }),
            )
            .await?;
        body["token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| "no token".into())
    }
}

/// All text of a table's rows, one line per row, for checks that no secret was stored.
pub async fn table_text(db: &Path, sql: &'static str) -> TestResult<String> {
    let pool = inspect(db).await?;
    let lines: Vec<String> = sqlx::query_scalar(sql).fetch_all(&pool).await?;
    pool.close().await;
    Ok(lines.join("\n"))
}

/// The §4 test matrix: (agent id, agent type, permissions) — two agents of one type, one of
/// another, an admin and a read-only agent.
pub const AGENTS: [(&str, &str, &str); 5] = [
    ("alice", "claude", "read,write"),
    ("bob", "claude", "read,write"),
    ("carol", "gemini", "read,write"),
    ("root", "admin", "read,write,admin"),
    ("reader", "generic", "read"),
];

/// A message a matrix test posted.
pub struct Posted {
    pub id: i64,
    pub sender: &'static str,
    pub sender_type: &'static str,
    pub visibility: &'static str,
}

/// The §4 rule, restated independently of the server's code.
pub fn may_see(viewer: (&str, &str, &str), m: &Posted) -> bool {
    let (id, ty, perms) = viewer;
    perms.contains("admin")
        || m.visibility == "public"
        || (m.visibility == "private" && m.sender == id)
        || (m.visibility == "agent_only" && m.sender_type == ty)
}

/// The ids of a result's `messages`.
pub fn ids(body: &Value) -> std::collections::BTreeSet<i64> {
    body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["id"].as_i64())
        .collect()
}

/// The keys of a `list_memory` result, in order.
pub fn keys_of(listed: &Value) -> Vec<String> {
    listed["entries"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["key"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
