//! §2 and §10 at the protocol level: tool metadata, raw JSON-RPC lines, stdout hygiene, CLI.

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::support::{AgentSpec, BIN, TIMEOUT, TestDb, TestResult, handshake, spawn_raw};

#[tokio::test]
async fn every_tool_has_output_schema_and_annotations() -> TestResult {
    let db = TestDb::new()?;
    let agent = db.default_agent("alice").await?;
    let tools = tokio::time::timeout(TIMEOUT, agent.client.list_all_tools()).await??;
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    for expected in [
        "create_session",
        "get_session",
        "list_sessions",
        "add_message",
        "get_messages",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    for tool in &tools {
        assert!(
            tool.output_schema.is_some(),
            "{} has no outputSchema",
            tool.name
        );
        let a = tool.annotations.as_ref().ok_or("no annotations")?;
        assert!(
            a.read_only_hint.is_some()
                && a.destructive_hint.is_some()
                && a.idempotent_hint.is_some(),
            "{}",
            tool.name
        );
        let schema = Value::Object((*tool.input_schema).clone());
        assert_eq!(schema["type"], "object", "{}", tool.name);
    }
    agent.close().await
}

/// Writes raw lines to a server and reads every stdout line it produces.
async fn raw_session(lines: &[String]) -> TestResult<Vec<Value>> {
    let db = TestDb::new()?;
    let raw = spawn_raw(&db.path(), &AgentSpec::new())?;
    let (mut child, mut stdin, mut reader) = (raw.child, raw.stdin, raw.lines);
    let mut out = Vec::new();
    for line in lines {
        stdin.write_all(line.as_bytes()).await?;
        stdin.write_all(b"\n").await?;
        stdin.flush().await?;
    }
    // The last line is always a request with id 99; read until its answer arrives.
    loop {
        let line = tokio::time::timeout(TIMEOUT, reader.next_line())
            .await??
            .ok_or("stdout closed early")?;
        let value: Value = serde_json::from_str(&line)
            .map_err(|e| format!("stdout line is not JSON ({e}): {line}"))?;
        assert_eq!(value["jsonrpc"], "2.0", "not JSON-RPC: {line}");
        let done = value["id"] == 99;
        out.push(value);
        if done {
            break;
        }
    }
    drop(stdin);
    let status = tokio::time::timeout(TIMEOUT, child.wait()).await??;
    assert!(status.success(), "server exited with {status}");
    Ok(out)
}

fn init_lines() -> Vec<String> {
    handshake(json!(1), "raw")
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn malformed_lines_get_errors_and_serving_goes_on() -> TestResult {
    let mut lines = init_lines();
    lines.push("{this is not json".into());
    lines.push(json!({"jsonrpc":"2.0","id":7,"method":17}).to_string());
    lines.push(json!({"jsonrpc":"2.0","id":99,"method":"tools/call","params":{"name":"create_session","arguments":{"purpose":"still alive"}}}).to_string());
    let out = raw_session(&lines).await?;
    let parse_error = out
        .iter()
        .find(|v| v["error"]["code"] == -32700)
        .ok_or("no parse error reply")?;
    assert_eq!(parse_error["id"], Value::Null);
    let invalid = out
        .iter()
        .find(|v| v["id"] == 7)
        .ok_or("no reply to the invalid request")?;
    assert!(invalid["error"]["code"].is_i64());
    let last = out.last().ok_or("no replies")?;
    assert_eq!(last["result"]["structuredContent"]["success"], true);
    Ok(())
}

#[tokio::test]
async fn schema_errors_are_tool_results_not_jsonrpc_errors() -> TestResult {
    let mut lines = init_lines();
    lines.push(json!({"jsonrpc":"2.0","id":99,"method":"tools/call","params":{"name":"get_messages","arguments":{"session_id":5}}}).to_string());
    let out = raw_session(&lines).await?;
    let last = out.last().ok_or("no replies")?;
    assert!(last.get("error").is_none(), "{last}");
    assert_eq!(last["result"]["isError"], true);
    assert_eq!(last["result"]["structuredContent"]["code"], "INVALID_INPUT");
    assert_eq!(
        last["result"]["structuredContent"]["context"]["field"],
        "session_id"
    );
    Ok(())
}

#[tokio::test]
async fn version_help_and_client_config() -> TestResult {
    let version = tokio::process::Command::new(BIN)
        .arg("--version")
        .output()
        .await?;
    assert!(String::from_utf8(version.stdout)?.contains(env!("CARGO_PKG_VERSION")));
    let help = String::from_utf8(
        tokio::process::Command::new(BIN)
            .arg("--help")
            .output()
            .await?
            .stdout,
    )?;
    for flag in [
        "--database-path",
        "DATABASE_PATH",
        "--agent-id",
        "SCS_AGENT_ID",
        "--agent-permissions",
        "client-config",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
    let db = TestDb::new()?;
    for client in ["claude", "cursor", "vscode", "generic"] {
        let out = tokio::process::Command::new(BIN)
            .args(["client-config", client, "--database-path"])
            .arg(db.path())
            .output()
            .await?;
        assert!(out.status.success(), "{client}");
        let config: Value =
            serde_json::from_slice(&out.stdout).map_err(|e| format!("{client}: {e}"))?;
        let text = config.to_string();
        assert!(
            text.contains(BIN) || text.contains("shared-context-server"),
            "{text}"
        );
        assert!(text.contains(db.path().to_str().unwrap_or("?")), "{text}");
    }
    let code = tokio::process::Command::new(BIN)
        .args(["client-config", "claude-code"])
        .output()
        .await?;
    assert!(String::from_utf8(code.stdout)?.starts_with("claude mcp add shared-context-server"));
    let bad = tokio::process::Command::new(BIN)
        .args(["client-config", "emacs"])
        .output()
        .await?;
    assert!(!bad.status.success());
    Ok(())
}

#[tokio::test]
async fn database_url_and_xdg_default_are_honoured() -> TestResult {
    let db = TestDb::new()?;
    let url_file = db.dir.path().join("from-url.db");
    let via_url = db
        .spawn(AgentSpec::new().env("DATABASE_URL", &format!("sqlite://{}", url_file.display())))
        .await;
    // DATABASE_PATH (set by the harness) wins over DATABASE_URL.
    via_url?.close().await?;
    assert!(db.path().exists() && !url_file.exists());
    let mut cmd = tokio::process::Command::new(BIN);
    let xdg = db.dir.path().join("xdg");
    cmd.env_remove("DATABASE_PATH")
        .env("DATABASE_URL", format!("sqlite://{}", url_file.display()))
        .env("XDG_DATA_HOME", &xdg)
        .args(["client-config", "generic"]);
    let out: Value = serde_json::from_slice(&cmd.output().await?.stdout)?;
    assert_eq!(out["env"]["DATABASE_PATH"], url_file.display().to_string());
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.env_remove("DATABASE_PATH")
        .env_remove("DATABASE_URL")
        .env("XDG_DATA_HOME", &xdg)
        .args(["client-config", "generic"]);
    let out: Value = serde_json::from_slice(&cmd.output().await?.stdout)?;
    let want = xdg.join("shared-context-server").join("shared_context.db");
    assert_eq!(out["env"]["DATABASE_PATH"], want.display().to_string());
    Ok(())
}
