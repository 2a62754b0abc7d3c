//! Process lifecycle (§2): clean exit on stdin EOF and on SIGTERM, with in-flight writes
//! finished and the WAL checkpointed.

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::support::{
    AgentSpec, RawServer as Raw, TIMEOUT, TestDb, TestResult, count, handshake, spawn_raw,
};

/// A raw server on `db`, past the handshake.
async fn start(db: &TestDb) -> TestResult<Raw> {
    let mut raw = spawn_raw(&db.path(), &AgentSpec::new())?;
    raw.stdin
        .write_all(handshake(json!(0), "life").as_bytes())
        .await?;
    tokio::time::timeout(TIMEOUT, raw.lines.next_line())
        .await??
        .ok_or("no initialize answer")?;
    Ok(raw)
}

fn call(id: u64, tool: &str, args: Value) -> String {
    format!(
        "{}\n",
        json!({"jsonrpc":"2.0","id":id,"method":"tools/call","params":{"name":tool,"arguments":args}})
    )
}

/// The next response, skipping notifications (e.g. resources/list_changed).
async fn answer(raw: &mut Raw) -> TestResult<Value> {
    loop {
        let line = tokio::time::timeout(TIMEOUT, raw.lines.next_line())
            .await??
            .ok_or("stdout closed")?;
        let value: Value = serde_json::from_str(&line)?;
        if value.get("id").is_some() {
            return Ok(value);
        }
    }
}

/// Creates a session through the raw protocol and returns its id.
async fn create_session(raw: &mut Raw, purpose: &str) -> TestResult<String> {
    raw.stdin
        .write_all(call(1, "create_session", json!({ "purpose": purpose })).as_bytes())
        .await?;
    let reply = answer(raw).await?;
    let sid = reply["result"]["structuredContent"]["session_id"]
        .as_str()
        .ok_or(format!("no session id in {reply}"))?;
    Ok(sid.to_owned())
}

fn wal_bytes(db: &TestDb) -> u64 {
    let wal = db.path().with_extension("db-wal");
    std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0)
}

#[tokio::test]
async fn stdin_eof_exits_zero_and_checkpoints() -> TestResult {
    let db = TestDb::new()?;
    let mut raw = start(&db).await?;
    let sid = create_session(&mut raw, "eof").await?;
    for i in 0..20 {
        raw.stdin
            .write_all(
                call(
                    10 + i,
                    "add_message",
                    json!({"session_id": sid, "content": format!("m{i}")}),
                )
                .as_bytes(),
            )
            .await?;
    }
    drop(raw.stdin);
    let status = tokio::time::timeout(TIMEOUT, raw.child.wait()).await??;
    assert!(status.success(), "exit status {status}");
    // Every request written before EOF was answered.
    let mut answered = 0;
    while let Some(line) = raw.lines.next_line().await? {
        let v: Value = serde_json::from_str(&line)?;
        if v.get("id").is_none() {
            continue;
        }
        assert_eq!(v["result"]["isError"], false, "{v}");
        answered += 1;
    }
    assert_eq!(answered, 20);
    assert_eq!(
        count(&db.path(), "SELECT COUNT(*) FROM messages").await?,
        20
    );
    assert_eq!(wal_bytes(&db), 0, "the WAL was not checkpointed at exit");
    Ok(())
}

#[tokio::test]
async fn sigterm_finishes_in_flight_writes_and_exits_zero() -> TestResult {
    let db = TestDb::new()?;
    let mut raw = start(&db).await?;
    let sid = create_session(&mut raw, "term").await?;
    let mut burst = String::new();
    for i in 0..50 {
        burst.push_str(&call(
            100 + i,
            "add_message",
            json!({"session_id": sid, "content": format!("m{i}")}),
        ));
    }
    raw.stdin.write_all(burst.as_bytes()).await?;
    raw.stdin.flush().await?;
    let pid = raw.child.id().ok_or("no pid")?;
    let killed = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("kill -TERM {pid}"))
        .status()
        .await?;
    assert!(killed.success());
    let status = tokio::time::timeout(TIMEOUT, raw.child.wait()).await??;
    assert!(status.success(), "exit status after SIGTERM: {status}");
    let mut acknowledged = 0;
    while let Some(line) = raw.lines.next_line().await? {
        let v: Value = serde_json::from_str(&line)?;
        if v["result"]["isError"] == false {
            acknowledged += 1;
        }
    }
    let stored = count(&db.path(), "SELECT COUNT(*) FROM messages").await?;
    assert!(
        stored >= acknowledged,
        "acknowledged {acknowledged} but stored {stored}"
    );
    let check = count(
        &db.path(),
        "SELECT COUNT(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'",
    )
    .await?;
    assert_eq!(check, 1);
    Ok(())
}
