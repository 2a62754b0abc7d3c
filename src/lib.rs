//! shared-context-server: an MCP server over stdio that lets many AI agents share sessions,
//! messages, fuzzy search and private memory through one SQLite file. See ARCHITECTURE.md.

pub mod auth;
pub mod client_config;
pub mod config;
pub mod db;
pub mod error;
pub mod guidance;
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
use crate::config::Config;
use crate::db::{Db, DbOptions};
use crate::error::{AppError, AppResult};
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
    Ok(Arc::new(State { db, process, auth }))
}

/// Serves MCP over `reader`/`writer` until the client closes its side or a shutdown signal
/// arrives, then checkpoints and closes the database.
pub async fn run<R, W>(state: Arc<State>, reader: R, writer: W) -> AppResult<()>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let service = Server::new(state.clone())
        .serve(LineTransport::new(reader, writer))
        .await
        .map_err(|e| AppError::Internal(format!("MCP initialisation failed: {e}")))?;
    let cancel = service.cancellation_token();
    let purge = crate::auth::purge::spawn(
        state.db.clone(),
        state.auth.refresh_grace_s(),
        state.auth.purge_interval(),
    );
    tokio::select! {
        ended = service.waiting() => {
            if let Err(err) = ended {
                tracing::warn!(error = %err, "service ended with an error");
            }
        }
        () = shutdown_signal() => {
            tracing::info!("shutdown signal received");
            cancel.cancel();
        }
    }
    if let Some(purge) = purge {
        purge.abort();
    }
    state.db.close().await;
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
