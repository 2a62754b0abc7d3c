//! shared-context-server: an MCP server over stdio that lets many AI agents share sessions,
//! messages, fuzzy search and private memory through one SQLite file. See ARCHITECTURE.md.

pub mod auth;
pub mod cache;
pub mod client_config;
pub mod config;
pub mod db;
pub mod error;

pub mod guidance;
pub mod live;
pub mod maintenance;
pub mod metrics;
pub mod prompts;
pub mod resources;
pub mod search;
pub mod server;
pub mod time;
pub mod tools;
pub mod transport;
pub mod validate;
pub mod visibility;

use std::sync::Arc;
use std::time::Duration;

use rmcp::ServiceExt;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::auth::ProcessIdentity;
use crate::auth::tokens::Authenticator;
use crate::cache::SearchCache;
use crate::config::Config;
use crate::db::{Db, DbOptions};
use crate::error::{AppError, AppResult};
use crate::live::Live;
use crate::maintenance::Schedule;
use crate::metrics::Metrics;
use crate::server::{Server, State};
use crate::transport::LineTransport;

/// Opens the database named by `config` and builds the shared state.
pub async fn open_state(config: &Config) -> AppResult<Arc<State>> {
    // Configuration errors (e.g. a bad PERMISSIONS_CONFIG_FILE) stop start-up before any I/O.
    let auth = Authenticator::from_config(config)?;
    let path = config.database_file()?;
    let options = DbOptions {
        busy_timeout: Duration::from_millis(config.busy_timeout_ms),
        wal_limit_bytes: config.wal_limit_bytes,
        pool_size: config.pool_size,
    };
    let db = Db::open(&path, &options).await?;
    tracing::info!(path = %path.display(), "database ready");
    let process = ProcessIdentity {
        agent_id: config.agent_id.clone().filter(|id| !id.trim().is_empty()),
        agent_type: config.agent_type.clone(),
        permissions: config.process_permissions()?,
    };
    let live = Live::new(
        db.clone(),
        Duration::from_millis(config.notify_interval_ms.clamp(10, 5_000)),
    );
    Ok(Arc::new(State {
        db,
        process,
        auth,
        max_memory_bytes: config.max_memory_bytes,
        maintenance: Schedule::from_config(config),
        metrics: Metrics::default(),
        live,
        search: SearchCache::new(
            config.search_cache_bytes,
            Duration::from_secs(config.search_cache_ttl),
        ),
    }))
}

/// How long a shutdown waits for in-flight calls before closing anyway (§2: exit within 2 s).
const SHUTDOWN_GRACE: Duration = Duration::from_millis(1500);

/// Serves MCP over `reader`/`writer` (with the background maintenance task alongside) until the
/// client closes its side or a shutdown signal arrives, then lets in-flight calls finish, stops
/// maintenance, checkpoints and closes the database.
pub async fn run<R, W>(state: Arc<State>, reader: R, writer: W) -> AppResult<()>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let shutdown = shutdown_signal();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let transport = LineTransport::new(reader, writer).with_stop(stopped);
    let service = Server::new(state.clone())
        .serve(transport)
        .await
        .map_err(|e| AppError::Internal(format!("MCP initialisation failed: {e}")))?;
    let (stop_maintenance, maintenance_stopped) = tokio::sync::watch::channel(false);
    let maintenance = maintenance::spawn(
        state.db.clone(),
        state.maintenance.clone(),
        maintenance_stopped,
    );
    let mut waiting = std::pin::pin!(service.waiting());
    tokio::select! {
        ended = &mut waiting => log_end(ended),
        () = shutdown => {
            tracing::info!("shutdown signal received; finishing in-flight calls");
            let _ = stop.send(true);
            match tokio::time::timeout(SHUTDOWN_GRACE, waiting).await {
                Ok(ended) => log_end(ended),
                Err(_) => tracing::warn!("in-flight calls did not finish in time"),
            }
        }
    }
    let _ = stop_maintenance.send(true);
    maintenance::join(maintenance).await;
    state.db.close().await;
    Ok(())
}

fn log_end<E: std::fmt::Display>(ended: Result<rmcp::service::QuitReason, E>) {
    match ended {
        Ok(reason) => tracing::debug!(?reason, "service ended"),
        Err(err) => tracing::warn!(error = %err, "service ended with an error"),
    }
}

/// Resolves on SIGTERM or SIGINT. The handlers are installed when this is called, not when
/// the future is first polled, so a signal arriving at any point after that is graceful.
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                _ => {
                    tracing::warn!("cannot listen for SIGTERM/SIGINT; only end of input stops");
                    std::future::pending::<()>().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
