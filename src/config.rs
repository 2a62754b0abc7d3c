//! Command line and environment configuration (§2): every option is a flag with an env fallback.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::auth::Permissions;
use crate::error::{AppError, AppResult};

/// `shared-context-server`: shared sessions, messages, search and memory for many AI agents,
/// served over MCP stdio against one SQLite file.
#[derive(Debug, Parser)]
#[command(name = "shared-context-server", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a ready-to-paste client configuration for this binary and exit.
    ClientConfig {
        /// Which client to configure.
        #[arg(value_enum)]
        client: ClientKind,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClientKind {
    Claude,
    ClaudeCode,
    Cursor,
    Vscode,
    Generic,
}

/// Server settings. Flags win over environment variables, which win over defaults.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// SQLite database file (created with its folder if missing).
    #[arg(long, env = "DATABASE_PATH", global = true)]
    pub database_path: Option<PathBuf>,
    /// Database as a URL: sqlite:///abs/path or sqlite://relative/path (used if no path is given).
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Agent id of this process (default: the MCP client's name, else "local-agent").
    #[arg(long, env = "SCS_AGENT_ID", global = true)]
    pub agent_id: Option<String>,
    /// Agent type of this process.
    #[arg(long, env = "SCS_AGENT_TYPE", default_value = "generic", global = true)]
    pub agent_type: String,
    /// Permissions of this process, comma separated (read, write, admin, debug).
    #[arg(
        long,
        env = "SCS_AGENT_PERMISSIONS",
        default_value = "read,write",
        global = true
    )]
    pub agent_permissions: String,
    /// Log filter for stderr (overrides RUST_LOG), e.g. "info" or "debug".
    #[arg(long, env = "SCS_LOG_LEVEL", global = true)]
    pub log_level: Option<String>,
    /// API key that authenticate_agent checks; unset disables token login.
    #[arg(long, env = "API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Secret for accepting HS256 JWTs as auth_token; unset disables JWTs.
    #[arg(long, env = "JWT_SECRET_KEY", hide_env_values = true)]
    pub jwt_secret_key: Option<String>,
    /// JSON file mapping agent types to permissions (replaces the built-in table).
    #[arg(long, env = "PERMISSIONS_CONFIG_FILE")]
    pub permissions_config_file: Option<PathBuf>,
    /// Token lifetime in seconds.
    #[arg(long, env = "SCS_TOKEN_TTL", default_value_t = 3600)]
    pub token_ttl: u64,
    /// How long after expiry a token may still be refreshed, in seconds.
    #[arg(long, env = "SCS_TOKEN_REFRESH_GRACE", default_value_t = 86_400)]
    pub token_refresh_grace: u64,
    /// Largest serialised memory value in bytes.
    #[arg(long, env = "SCS_MAX_MEMORY_BYTES", default_value_t = 1_048_576)]
    pub max_memory_bytes: usize,
    /// Days to keep audit rows.
    #[arg(long, env = "AUDIT_LOG_RETENTION_DAYS", default_value_t = 30)]
    pub audit_log_retention_days: u32,
    /// Seconds between background sweeps (expired memory, tokens, old audit rows).
    #[arg(long, env = "SCS_MAINTENANCE_INTERVAL", default_value_t = 60)]
    pub maintenance_interval: u64,
    /// How long a write waits for the SQLite write lock before failing with BUSY, in ms.
    #[arg(long, env = "SCS_BUSY_TIMEOUT_MS", default_value_t = 10_000)]
    pub busy_timeout_ms: u64,
    /// Size the -wal file is truncated back to after checkpoints, in bytes.
    #[arg(long, env = "SCS_WAL_LIMIT_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub wal_limit_bytes: u64,
    /// Bytes of prepared search corpora kept in memory (~5 KB per cached 200-character
    /// message; sessions that do not fit are re-read and prepared for each search).
    #[arg(long, env = "SCS_SEARCH_CACHE_BYTES", default_value_t = 1024 * 1024 * 1024)]
    pub search_cache_bytes: u64,
    /// Seconds a cached search answer is kept (it is only served while the session is unchanged).
    #[arg(long, env = "SCS_SEARCH_CACHE_TTL", default_value_t = 300)]
    pub search_cache_ttl: u64,
    /// Connections in this process's pool.
    #[arg(long, env = "SCS_POOL_SIZE", default_value_t = 4)]
    pub pool_size: u32,
    /// How often, in ms, a process with resource subscribers checks the file for new
    /// messages and sessions written by any process (10..5000; no polling without subscribers).
    #[arg(long, env = "SCS_NOTIFY_INTERVAL_MS", default_value_t = 100)]
    pub notify_interval_ms: u64,
}

impl Config {
    /// The database file: --database-path, else DATABASE_URL, else the XDG data folder.
    pub fn database_file(&self) -> AppResult<PathBuf> {
        if let Some(path) = &self.database_path {
            return Ok(path.clone());
        }
        if let Some(url) = &self.database_url {
            return path_from_url(url);
        }
        default_database_file()
    }

    /// Permissions of the process identity, parsed from `--agent-permissions`.
    pub fn process_permissions(&self) -> AppResult<Permissions> {
        Permissions::parse_list(self.agent_permissions.split(','))
            .map_err(|bad| AppError::invalid("SCS_AGENT_PERMISSIONS", bad))
    }
}

/// `sqlite:///abs/file.db` → `/abs/file.db`; `sqlite://rel.db` and `sqlite:rel.db` → `rel.db`.
pub fn path_from_url(url: &str) -> AppResult<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| AppError::invalid("DATABASE_URL", "must start with sqlite://"))?;
    let rest = rest.split('?').next().unwrap_or_default();
    if rest.is_empty() {
        return Err(AppError::invalid("DATABASE_URL", "names no file"));
    }
    Ok(PathBuf::from(rest))
}

fn default_database_file() -> AppResult<PathBuf> {
    let base = match std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => {
            let home = std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .ok_or_else(|| AppError::invalid("DATABASE_PATH", "no HOME to default from"))?;
            Path::new(&home).join(".local").join("share")
        }
    };
    Ok(base.join("shared-context-server").join("shared_context.db"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_files() {
        assert_eq!(
            path_from_url("sqlite:///tmp/a.db").ok(),
            Some(PathBuf::from("/tmp/a.db"))
        );
        assert_eq!(
            path_from_url("sqlite://rel/a.db?mode=rwc").ok(),
            Some(PathBuf::from("rel/a.db"))
        );
        assert!(path_from_url("postgres://x").is_err());
        assert!(path_from_url("sqlite://").is_err());
    }
}
