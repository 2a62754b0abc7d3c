//! The binary: parse the configuration, log to stderr, open the database, serve stdio.

use std::process::ExitCode;

use clap::Parser;
use shared_context_server::config::{Cli, Command};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.config.log_level.as_deref());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            tracing::error!(error = %err, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            Some(Command::ClientConfig { client }) => {
                shared_context_server::client_config::print(client, &cli.config)
            }
            None => {
                let state = shared_context_server::open_state(&cli.config).await?;
                let (stdin, stdout) = rmcp::transport::io::stdio_pipes();
                shared_context_server::run(state, stdin, stdout).await
            }
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "shared-context-server failed");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr only: stdout carries nothing but JSON-RPC (§2).
fn init_tracing(level: Option<&str>) {
    let filter = level
        .map(EnvFilter::new)
        .or_else(|| EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| EnvFilter::new("info,rmcp=warn,sqlx=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
}
