//! §8 get_usage_guidance: per access level, true for this server and this caller.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::auth::KEY;
use crate::support::{Agent, AgentSpec, TIMEOUT, TestDb, TestResult};

/// Tool name → its argument names, from `tools/list`.
async fn schemas(agent: &Agent) -> TestResult<BTreeMap<String, BTreeSet<String>>> {
    let tools = tokio::time::timeout(TIMEOUT, agent.client.list_all_tools()).await??;
    Ok(tools
        .into_iter()
        .map(|t| {
            let args = t
                .input_schema
                .get("properties")
                .and_then(Value::as_object)
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            (t.name.to_string(), args)
        })
        .collect())
}

/// Every example calls a real tool with real argument names; every tool named is one of them.
fn check_true(body: &Value, tools: &BTreeMap<String, BTreeSet<String>>) -> TestResult {
    for example in body["examples"].as_array().into_iter().flatten() {
        let tool = example["tool"].as_str().unwrap_or_default();
        let args = tools
            .get(tool)
            .ok_or_else(|| format!("example names no tool: {example}"))?;
        for key in example["arguments"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
        {
            assert!(args.contains(key), "{tool} has no argument {key}");
        }
    }
    Ok(())
}

fn mentions(body: &Value, tool: &str) -> bool {
    let text = format!("{} {}", body["guidance"], body["examples"]);
    text.contains(tool)
}

#[tokio::test]
async fn guidance_fits_each_access_level() -> TestResult {
    let db = TestDb::new()?;
    let admin = db.agent("root", "admin", "read,write,admin").await?;
    let writer = db.agent("alice", "claude", "read,write").await?;
    let reader = db.agent("reader", "generic", "read").await?;
    let tools = schemas(&admin).await?;
    for (agent, level) in [
        (&admin, "ADMIN"),
        (&writer, "AGENT"),
        (&reader, "READ_ONLY"),
    ] {
        for kind in ["operations", "coordination", "security", "troubleshooting"] {
            let body = agent
                .ok("get_usage_guidance", json!({ "guidance_type": kind }))
                .await?;
            assert_eq!(body["access_level"], level);
            assert_eq!(body["guidance_type"], kind);
            assert_eq!(body["agent_info"]["expires_at"], Value::Null);
            assert_eq!(body["agent_info"]["can_refresh"], false);
            assert!(
                chrono::DateTime::parse_from_rfc3339(body["generated_at"].as_str().unwrap_or(""))
                    .is_ok()
            );
            check_true(&body, &tools)?;
            // No API_KEY here: login is never offered.
            assert!(!mentions(&body, "authenticate_agent"), "{level} {kind}");
            assert!(!mentions(&body, "refresh_token"), "{level} {kind}");
            assert_eq!(
                mentions(&body, "get_audit_log"),
                level == "ADMIN" && kind != "coordination",
                "{level} {kind}"
            );
            if level == "READ_ONLY" {
                assert!(
                    !mentions(&body, "add_message") && !mentions(&body, "create_session"),
                    "{body}"
                );
            }
        }
    }
    let ops = writer.ok("get_usage_guidance", json!({})).await?;
    assert_eq!(ops["guidance_type"], "operations");
    assert_eq!(ops["agent_info"]["agent_id"], "alice");
    assert_eq!(ops["agent_info"]["agent_type"], "claude");
    assert_eq!(ops["agent_info"]["permissions"], json!(["read", "write"]));
    assert!(mentions(&ops, "add_message(session_id, content"));
    let security = reader
        .ok("get_usage_guidance", json!({ "guidance_type": "security" }))
        .await?;
    assert!(
        security["guidance"].to_string().contains("API_KEY"),
        "{security}"
    );
    reader
        .fails(
            "get_usage_guidance",
            json!({ "guidance_type": "everything" }),
            "INVALID_INPUT",
        )
        .await?;
    for agent in [admin, writer, reader] {
        agent.close().await?;
    }
    Ok(())
}

#[tokio::test]
async fn guidance_describes_the_token_caller() -> TestResult {
    let db = TestDb::new()?;
    let agent = db
        .spawn(
            AgentSpec::new()
                .env("API_KEY", KEY)
                .env("SCS_AGENT_PERMISSIONS", "read"),
        )
        .await?;
    let tools = schemas(&agent).await?;
    let token = agent
        .login("gem", "gemini", &["read", "write"], KEY)
        .await?;
    let body = agent
        .ok(
            "get_usage_guidance",
            json!({ "guidance_type": "security", "auth_token": token }),
        )
        .await?;
    assert_eq!(body["access_level"], "AGENT");
    assert_eq!(body["agent_info"]["agent_id"], "gem");
    assert_eq!(body["agent_info"]["can_refresh"], true);
    assert!(body["agent_info"]["expires_at"].is_string());
    assert!(mentions(&body, "authenticate_agent") && mentions(&body, "refresh_token"));
    check_true(&body, &tools)?;
    let own = agent
        .ok(
            "get_usage_guidance",
            json!({ "guidance_type": "coordination" }),
        )
        .await?;
    assert_eq!(own["access_level"], "READ_ONLY");
    check_true(&own, &tools)?;
    agent.close().await?;
    Ok(())
}
