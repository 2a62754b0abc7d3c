//! `client-config <client>`: prints a ready-to-paste configuration for this binary (§2).
//! This subcommand never serves, so it may write to stdout.

use std::io::Write;

use serde_json::{Value, json};

use crate::config::{ClientKind, Config};
use crate::error::{AppError, AppResult};

/// Writes the configuration for `client` to stdout.
pub fn print(client: ClientKind, config: &Config) -> AppResult<()> {
    let text = render(client, config)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").map_err(|e| AppError::Internal(format!("stdout: {e}")))
}

/// The text `print` writes: JSON for JSON-configured clients, a shell command for Claude Code.
pub fn render(client: ClientKind, config: &Config) -> AppResult<String> {
    let command = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| AppError::Internal(format!("cannot find this binary: {e}")))?;
    let command = command.display().to_string();
    let database = absolute(config.database_file()?)?;
    let agent_type = match client {
        ClientKind::Claude | ClientKind::ClaudeCode => "claude",
        _ => config.agent_type.as_str(),
    };
    let env = json!({ "DATABASE_PATH": database, "SCS_AGENT_TYPE": agent_type });
    let server = json!({ "command": command, "args": [], "env": env });
    let value: Value = match client {
        ClientKind::Claude | ClientKind::Cursor => {
            json!({ "mcpServers": { "shared-context-server": server } })
        }
        ClientKind::Vscode => json!({ "servers": { "shared-context-server": {
            "type": "stdio", "command": command, "args": [], "env": env } } }),
        ClientKind::Generic => json!({ "name": "shared-context-server", "transport": "stdio",
            "command": command, "args": [], "env": env }),
        ClientKind::ClaudeCode => {
            return Ok(format!(
                "claude mcp add shared-context-server --scope user -e DATABASE_PATH={} -e SCS_AGENT_TYPE={agent_type} -- {}",
                shell_quote(&database),
                shell_quote(&command)
            ));
        }
    };
    Ok(serde_json::to_string_pretty(&value)?)
}

fn absolute(path: std::path::PathBuf) -> AppResult<String> {
    let path = if path.is_absolute() {
        path
    } else {
        std::env::current_dir()
            .map_err(|e| AppError::Internal(format!("no current folder: {e}")))?
            .join(path)
    };
    Ok(path.display().to_string())
}

/// Single-quotes a word for POSIX shells when it needs it.
fn shell_quote(word: &str) -> String {
    let plain = word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+=:@".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("/usr/bin/x"), "/usr/bin/x");
        assert_eq!(shell_quote("/a b/x"), "'/a b/x'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
