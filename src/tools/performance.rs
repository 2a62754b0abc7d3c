//! `get_performance_metrics` (§8): admin only; real figures of this process.

use std::collections::BTreeMap;
use std::path::Path;

use rmcp::handler::server::wrapper::Json;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Parameters, require};
use crate::auth::Permissions;
use crate::error::AppError;
use crate::live::LiveStats;
use crate::metrics::{CacheSummary, ToolSummary};
use crate::server::Server;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetPerformanceMetricsArgs {
    #[serde(default)]
    pub auth_token: Option<String>,
}

/// The database as this process sees it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DatabaseSummary {
    /// Connections the pool holds open now.
    pub pool_size: u32,
    pub idle_connections: usize,
    /// The most connections the pool may open.
    pub max_connections: u32,
    pub file_bytes: u64,
    /// Size of the -wal file (0 when absent).
    pub wal_bytes: u64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct GetPerformanceMetricsResult {
    pub success: bool,
    /// Seconds since this process started serving.
    pub uptime_s: f64,
    /// Per tool called in this process: calls, errors and latency percentiles of the most
    /// recent 1024 calls, measured around the whole tool call.
    pub tools: BTreeMap<String, ToolSummary>,
    /// The search cache of this process.
    pub cache: CacheSummary,
    pub database: DatabaseSummary,
    /// Resource subscriptions of this process and whether its watcher polls the file.
    pub notifications: LiveStats,
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

#[tool_router(router = performance_router, vis = "pub(crate)")]
impl Server {
    #[tool(
        description = "Admin only: this process's uptime, per-tool call counts, errors and latency percentiles (p50/p95/p99 ms), search cache hit rate, and database pool and file sizes.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn get_performance_metrics(
        &self,
        Parameters(args): Parameters<GetPerformanceMetricsArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<Json<GetPerformanceMetricsResult>, AppError> {
        let caller = self.caller(args.auth_token.as_deref(), &ctx).await?;
        require(&caller, Permissions::ADMIN, "get_performance_metrics")?;
        let db = &self.state.db;
        let pool = db.pool();
        let mut wal = db.path().as_os_str().to_owned();
        wal.push("-wal");
        let metrics = &self.state.metrics;
        Ok(Json(GetPerformanceMetricsResult {
            success: true,
            uptime_s: metrics.uptime_s(),
            tools: metrics.tools(),
            cache: metrics.cache(),
            database: DatabaseSummary {
                pool_size: pool.size(),
                idle_connections: pool.num_idle(),
                max_connections: pool.options().get_max_connections(),
                file_bytes: file_len(db.path()),
                wal_bytes: file_len(Path::new(&wal)),
            },
            notifications: self.state.live.stats(),
        }))
    }
}
