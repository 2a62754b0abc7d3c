//! §4: one visibility rule on every read path, checked as a matrix.

use std::collections::BTreeSet;

use serde_json::json;

use crate::support::{AGENTS, Agent, Posted, TestDb, TestResult, ids, may_see};

#[tokio::test]
async fn every_viewer_sees_exactly_what_section_4_allows() -> TestResult {
    let db = TestDb::new()?;
    let mut agents: Vec<Agent> = Vec::new();
    for (id, ty, perms) in AGENTS {
        agents.push(db.agent(id, ty, perms).await?);
    }
    let sid = agents[0].session("matrix").await?;
    let mut posted = Vec::new();
    for (i, (sender, sender_type, _)) in AGENTS.iter().enumerate().take(4) {
        let visibilities: &[&str] = if *sender == "root" {
            &["public", "private", "agent_only", "admin_only"]
        } else {
            &["public", "private", "agent_only"]
        };
        for v in visibilities {
            let id = agents[i].post(&sid, &format!("{sender} {v}"), v).await?;
            posted.push(Posted {
                id,
                sender,
                sender_type,
                visibility: v,
            });
        }
    }
    for (i, viewer) in AGENTS.iter().enumerate() {
        let expect: BTreeSet<i64> = posted
            .iter()
            .filter(|m| may_see(*viewer, m))
            .map(|m| m.id)
            .collect();
        let msgs = agents[i]
            .ok("get_messages", json!({ "session_id": sid, "limit": 1000 }))
            .await?;
        assert_eq!(ids(&msgs), expect, "get_messages as {}", viewer.0);
        assert_eq!(
            msgs["total_count"],
            expect.len(),
            "total_count as {}",
            viewer.0
        );
        let session = agents[i]
            .ok("get_session", json!({ "session_id": sid }))
            .await?;
        assert_eq!(ids(&session), expect, "get_session as {}", viewer.0);
        assert_eq!(session["message_count"], expect.len());
        for filter in ["public", "private", "agent_only", "admin_only"] {
            let want: BTreeSet<i64> = posted
                .iter()
                .filter(|m| m.visibility == filter && may_see(*viewer, m))
                .map(|m| m.id)
                .collect();
            let got = agents[i]
                .ok(
                    "get_messages",
                    json!({ "session_id": sid, "visibility_filter": filter }),
                )
                .await?;
            assert_eq!(ids(&got), want, "{filter} as {}", viewer.0);
        }
    }
    // An admin filtering on private sees every private message.
    let privates = agents[3]
        .ok(
            "get_messages",
            json!({ "session_id": sid, "visibility_filter": "private" }),
        )
        .await?;
    assert_eq!(ids(&privates).len(), 4);
    // agent_only is shared by type, not private to the sender.
    let bob_sees = agents[1]
        .ok(
            "get_messages",
            json!({ "session_id": sid, "visibility_filter": "agent_only" }),
        )
        .await?;
    assert!(
        bob_sees["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|m| m["sender"] == "alice")
    );
    for agent in agents {
        agent.close().await?;
    }
    Ok(())
}
