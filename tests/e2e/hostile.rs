//! Hostile input (§10, issue 7): property tests throw arbitrary JSON at every tool and
//! arbitrary lines at the transport. The server must never crash, never report bad input as
//! an internal error, and every failure must be a §10 body.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value, json};
use tokio::io::AsyncWriteExt;

use crate::support::{AgentSpec, TIMEOUT, TestDb, TestResult, handshake, spawn_raw};

const CODES: [&str; 18] = [
    "INVALID_INPUT",
    "INVALID_VISIBILITY",
    "INVALID_TIMERANGE",
    "INVALID_KEY",
    "INVALID_TTL",
    "KEY_EXISTS",
    "SESSION_NOT_FOUND",
    "MESSAGE_NOT_FOUND",
    "MEMORY_NOT_FOUND",
    "PERMISSION_DENIED",
    "AUTH_FAILED",
    "AUTH_DISABLED",
    "INVALID_TOKEN_FORMAT",
    "TOKEN_AUTHENTICATION_FAILED",
    "TOKEN_REFRESH_FAILED",
    "BUSY",
    "INTERNAL_ERROR",
    "",
];

/// Arbitrary JSON, weighted towards the shapes that break parsers and validators.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        prop_oneof![Just(0_i64), Just(-1), Just(1), Just(1001), Just(i64::MAX)]
            .prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
        "[\\PC\\p{Cc}\u{202e}\u{301}'%_;-]{0,20}".prop_map(Value::String),
        Just(Value::String("session_0000000000000000".into())),
        Just(Value::String("x".repeat(100_001))),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Arguments for a tool: its own field names (and a junk one) with arbitrary values.
fn arguments(fields: Vec<String>) -> impl Strategy<Value = Map<String, Value>> {
    let mut names = fields;
    names.push("unexpected_field".into());
    prop::collection::vec((prop::sample::select(names), json_value()), 0..6)
        .prop_map(|pairs| pairs.into_iter().collect())
}

fn check_reply(tool: &str, reply: &crate::support::Reply) -> Result<(), TestCaseError> {
    if !reply.is_error {
        prop_assert_eq!(
            &reply.body["success"],
            &Value::Bool(true),
            "{} ok without success",
            tool
        );
        return Ok(());
    }
    let code = reply.body["code"].as_str().unwrap_or("");
    prop_assert!(
        CODES[..16].contains(&code),
        "{} failed with code {:?}: {}",
        tool,
        code,
        reply.body
    );
    prop_assert_eq!(&reply.body["success"], &Value::Bool(false));
    prop_assert!(reply.body["error"].is_string() && reply.body["recoverable"].is_boolean());
    Ok(())
}

#[test]
fn arbitrary_tool_arguments_get_section_10_answers() -> TestResult {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // Timers are created and client handles dropped in this runtime's context.
    let _context = rt.enter();
    let db = TestDb::new()?;
    let agent = rt.block_on(db.agent("fuzzer", "admin", "read,write,admin,debug"))?;
    let session = rt.block_on(agent.session("fuzz target"))?;
    let tools = rt.block_on(tokio::time::timeout(TIMEOUT, agent.client.list_all_tools()))??;
    for tool in tools {
        let fields: Vec<String> = tool
            .input_schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        let name = tool.name.to_string();
        let mut runner = TestRunner::new(Config {
            cases: 48,
            failure_persistence: None,
            ..Config::default()
        });
        let strategy = (arguments(fields), any::<bool>());
        runner
            .run(&strategy, |(mut args, real_session)| {
                if real_session && args.contains_key("session_id") {
                    args.insert("session_id".into(), Value::String(session.clone()));
                }
                let reply = rt
                    .block_on(agent.call(&name, Value::Object(args)))
                    .map_err(|e| TestCaseError::fail(format!("{name}: transport failure: {e}")))?;
                check_reply(&name, &reply)
            })
            .map_err(|e| format!("{name}: {e}"))?;
    }
    // Still serving after everything.
    rt.block_on(agent.ok("list_sessions", json!({})))?;
    rt.block_on(agent.close())?;
    Ok(())
}

/// Arbitrary lines: garbage bytes, truncated JSON, JSON that is not JSON-RPC.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        "[^\n]{0,60}",
        json_value().prop_map(|v| v.to_string()),
        json_value().prop_map(|v| json!({"jsonrpc": "2.0", "id": 5, "method": v}).to_string()),
        json_value().prop_map(|v| json!({"jsonrpc": "2.0", "id": v, "method": "tools/call", "params": {"name": "get_messages", "arguments": v}}).to_string()),
        json_value().prop_map(|v| {
            let s = v.to_string();
            s.chars().take(s.chars().count() / 2).collect::<String>()
        }),
    ]
}

#[test]
fn arbitrary_lines_never_stop_the_server() -> TestResult {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut runner = TestRunner::new(Config {
        cases: 8,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&prop::collection::vec(line(), 1..40), |lines| {
            rt.block_on(survives(lines))
                .map_err(|e| TestCaseError::fail(e.to_string()))
        })
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// Sends the lines after a handshake, then a real request; it must be answered and every
/// stdout line must be a JSON-RPC message.
async fn survives(lines: Vec<String>) -> TestResult {
    let db = TestDb::new()?;
    let raw = spawn_raw(&db.path(), &AgentSpec::new())?;
    let (mut child, mut stdin, mut out) = (raw.child, raw.stdin, raw.lines);
    let mut input = handshake(json!("init"), "fuzz");
    for l in &lines {
        input.push_str(l);
        input.push('\n');
    }
    input.push_str(&json!({"jsonrpc":"2.0","id":"last","method":"tools/call","params":{"name":"list_sessions","arguments":{}}}).to_string());
    input.push('\n');
    // Write from another task, then close stdin: the server's answers must be read while it
    // reads its input, or both sides block on full pipes. Error replies may come in any order,
    // so stdout is read to its end.
    let writer = tokio::spawn(async move {
        let written = stdin.write_all(input.as_bytes()).await;
        drop(stdin);
        written
    });
    let mut answered = false;
    while let Some(line) = tokio::time::timeout(TIMEOUT, out.next_line()).await?? {
        let v: Value =
            serde_json::from_str(&line).map_err(|e| format!("non-JSON on stdout ({e}): {line}"))?;
        if v["jsonrpc"] != "2.0" {
            return Err(format!("not JSON-RPC: {line}").into());
        }
        if v["id"] == "last" {
            if v["result"]["structuredContent"]["success"] != true {
                return Err(format!("final request failed: {line}").into());
            }
            answered = true;
        }
    }
    writer.await??;
    if !answered {
        return Err("the request after the hostile lines was never answered".into());
    }
    let status = tokio::time::timeout(TIMEOUT, child.wait()).await??;
    if !status.success() {
        return Err(format!("exit status {status}").into());
    }
    Ok(())
}
