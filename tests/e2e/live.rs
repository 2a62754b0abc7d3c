//! §9 live notifications across processes: `resources/subscribe` (2025 revisions) and
//! `subscriptions/listen` (2026-07-28), filtered by the §4 view of the subscriber.
//!
//! "No notification for an invisible message" is checked without waiting for silence: the
//! invisible message is posted to one subscribed session, then a visible one to another; the
//! first update must name the second session. A leak would arrive first (it is older).

#![allow(deprecated)] // resources/subscribe is the legacy path we must keep serving

use rmcp::model::{
    CallToolRequestParams, ClientConfig, Implementation, ProtocolVersion,
    ResourceUpdatedNotificationParam, ServerNotification, SubscribeRequestParams,
    SubscriptionFilter, UnsubscribeRequestParams,
};
use rmcp::service::{NotificationContext, RunningService};
use rmcp::{ClientHandler, ClientLifecycleMode, Peer, RoleClient};
use serde_json::{Value, json};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::support::{AgentSpec, TIMEOUT, TestDb, TestResult, spawn_with};

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Updated(String),
    ListChanged,
}

/// A client that forwards resource notifications into a channel.
#[derive(Clone)]
pub struct Recorder {
    tx: UnboundedSender<Event>,
}

impl ClientHandler for Recorder {
    async fn on_resource_updated(
        &self,
        params: ResourceUpdatedNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        let _ = self.tx.send(Event::Updated(params.uri));
    }

    async fn on_resource_list_changed(&self, _context: NotificationContext<RoleClient>) {
        let _ = self.tx.send(Event::ListChanged);
    }

    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(Default::default(), Implementation::new("live-test", "1.0"))
    }
}

pub struct Listener {
    pub client: RunningService<RoleClient, Recorder>,
    pub rx: UnboundedReceiver<Event>,
}

fn spec(id: &str, ty: &str, perms: &str) -> AgentSpec {
    AgentSpec::new()
        .env("SCS_AGENT_ID", id)
        .env("SCS_AGENT_TYPE", ty)
        .env("SCS_AGENT_PERMISSIONS", perms)
}

/// A legacy (`initialize`) client that records notifications.
pub async fn listener(db: &TestDb, id: &str, ty: &str, perms: &str) -> TestResult<Listener> {
    let (tx, rx) = unbounded_channel();
    let client = spawn_with(&db.path(), spec(id, ty, perms), Recorder { tx }, None).await?;
    Ok(Listener { client, rx })
}

pub fn uri(session_id: &str) -> String {
    format!("session://{session_id}")
}

impl Listener {
    pub async fn subscribe(&self, session_id: &str) -> TestResult {
        let params = SubscribeRequestParams::new(uri(session_id));
        tokio::time::timeout(TIMEOUT, self.client.subscribe(params)).await??;
        Ok(())
    }

    pub async fn unsubscribe(&self, session_id: &str) -> TestResult {
        let params = UnsubscribeRequestParams::new(uri(session_id));
        tokio::time::timeout(TIMEOUT, self.client.unsubscribe(params)).await??;
        Ok(())
    }

    /// The next `resources/updated` URI (list changes are skipped), within the test timeout.
    pub async fn next_update(&mut self) -> TestResult<String> {
        loop {
            match tokio::time::timeout(TIMEOUT, self.rx.recv()).await? {
                Some(Event::Updated(uri)) => return Ok(uri),
                Some(Event::ListChanged) => continue,
                None => return Err("notification channel closed".into()),
            }
        }
    }

    /// Waits for the next `resources/list_changed` (updates are skipped).
    pub async fn next_list_changed(&mut self) -> TestResult {
        loop {
            match tokio::time::timeout(TIMEOUT, self.rx.recv()).await? {
                Some(Event::ListChanged) => return Ok(()),
                Some(Event::Updated(_)) => continue,
                None => return Err("notification channel closed".into()),
            }
        }
    }
}

#[tokio::test]
async fn a_message_from_another_process_notifies_the_subscriber() -> TestResult {
    let db = TestDb::new()?;
    let mut alice = listener(&db, "alice", "claude", "read,write").await?;
    let bob = db.agent("bob", "claude", "read,write").await?;
    let sid = bob.session("live").await?;
    alice.subscribe(&sid).await?;
    bob.post(&sid, "hello from another process", "public")
        .await?;
    assert_eq!(alice.next_update().await?, uri(&sid));
    // Subscribing to something that is not a session is refused.
    let bad = SubscribeRequestParams::new(format!("{}/messages/5", uri(&sid)));
    assert!(alice.client.subscribe(bad).await.is_err());
    let missing = SubscribeRequestParams::new("session://session_0000000000000000");
    assert!(alice.client.subscribe(missing).await.is_err());
    bob.close().await?;
    alice.client.cancel().await?;
    Ok(())
}

#[tokio::test]
async fn messages_the_subscriber_may_not_see_do_not_notify() -> TestResult {
    let db = TestDb::new()?;
    let mut alice = listener(&db, "alice", "claude", "read,write").await?;
    let bob = db.agent("bob", "claude", "read,write").await?;
    let carol = db.agent("carol", "gemini", "read,write").await?;
    let root = db.agent("root", "admin", "read,write,admin").await?;
    let hidden = bob.session("hidden").await?;
    let shown = bob.session("shown").await?;
    alice.subscribe(&hidden).await?;
    alice.subscribe(&shown).await?;
    // Invisible to alice: bob's private, a gemini agent_only, an admin_only.
    bob.post(&hidden, "bob private", "private").await?;
    carol.post(&hidden, "gemini only", "agent_only").await?;
    root.post(&hidden, "admins only", "admin_only").await?;
    bob.post(&shown, "visible", "public").await?;
    assert_eq!(
        alice.next_update().await?,
        uri(&shown),
        "a hidden message leaked"
    );
    // The hidden session's subscription is live: a message alice may see there notifies.
    bob.post(&hidden, "for claude agents", "agent_only").await?;
    assert_eq!(alice.next_update().await?, uri(&hidden));
    for agent in [bob, carol, root] {
        agent.close().await?;
    }
    alice.client.cancel().await?;
    Ok(())
}

/// Calls a tool that must succeed through any client; returns its structured result.
pub async fn call_ok(
    peer: &Peer<RoleClient>,
    tool: &'static str,
    args: Value,
) -> TestResult<Value> {
    let args = args.as_object().cloned().unwrap_or_default();
    let params = CallToolRequestParams::new(tool).with_arguments(args);
    let result = tokio::time::timeout(TIMEOUT, peer.call_tool(params)).await??;
    let body = result.structured_content.unwrap_or(Value::Null);
    if result.is_error == Some(true) {
        return Err(format!("{tool} failed: {body}").into());
    }
    Ok(body)
}

async fn watcher_state(peer: &Peer<RoleClient>) -> TestResult<Value> {
    let m = call_ok(peer, "get_performance_metrics", json!({})).await?;
    Ok(m["notifications"].clone())
}

#[tokio::test]
async fn unsubscribe_stops_notifications_and_the_watcher() -> TestResult {
    let db = TestDb::new()?;
    let mut root = listener(&db, "root", "admin", "read,write,admin").await?;
    let admin = root.client.peer().clone();
    let bob = db.agent("bob", "claude", "read,write").await?;
    let first = bob.session("first").await?;
    let second = bob.session("second").await?;
    assert_eq!(watcher_state(&admin).await?["watcher_running"], false);
    root.subscribe(&first).await?;
    root.subscribe(&second).await?;
    assert_eq!(watcher_state(&admin).await?["watcher_running"], true);
    bob.post(&first, "one", "public").await?;
    assert_eq!(root.next_update().await?, uri(&first));
    root.unsubscribe(&first).await?;
    bob.post(&first, "after unsubscribe", "public").await?;
    bob.post(&second, "still subscribed", "public").await?;
    assert_eq!(
        root.next_update().await?,
        uri(&second),
        "unsubscribed session notified"
    );
    root.unsubscribe(&second).await?;
    // The watcher stops by itself once nobody is subscribed (bounded by the test timeout).
    let stopped = async {
        while watcher_state(&admin).await?["watcher_running"] != false {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        TestResult::Ok(())
    };
    tokio::time::timeout(TIMEOUT, stopped).await??;
    assert_eq!(watcher_state(&admin).await?["session_subscriptions"], 0);
    bob.close().await?;
    root.client.cancel().await?;
    Ok(())
}

#[tokio::test]
async fn listen_on_2026_07_28_gets_the_same_notifications() -> TestResult {
    let db = TestDb::new()?;
    let bob = db.agent("bob", "claude", "read,write").await?;
    let hidden = bob.session("hidden").await?;
    let shown = bob.session("shown").await?;
    let (tx, _rx) = unbounded_channel();
    let modern = Some(ClientLifecycleMode::Discover {
        preferred_versions: vec![ProtocolVersion::V_2026_07_28],
    });
    let alice = spawn_with(
        &db.path(),
        spec("alice", "claude", "read,write"),
        Recorder { tx },
        modern,
    )
    .await?;
    let filter = SubscriptionFilter::builder()
        .resource_subscription(uri(&hidden))
        .resource_subscription(uri(&shown))
        .resource_subscription("file:///not-ours")
        .resources_list_changed()
        .build();
    let mut sub = tokio::time::timeout(TIMEOUT, alice.listen(filter)).await??;
    let acked = sub.acknowledged().clone();
    assert_eq!(acked.resources_list_changed, Some(true));
    assert_eq!(
        acked.resource_subscriptions,
        Some(vec![uri(&hidden), uri(&shown)])
    );
    bob.post(&hidden, "bob private", "private").await?;
    bob.post(&shown, "visible", "public").await?;
    let mut next_update = async || -> TestResult<String> {
        loop {
            let n = tokio::time::timeout(TIMEOUT, sub.next()).await??;
            match n.ok_or("subscription ended")? {
                ServerNotification::ResourceUpdatedNotification(u) => return Ok(u.params.uri),
                ServerNotification::ResourceListChangedNotification(_) => continue,
                other => return Err(format!("unexpected {other:?}").into()),
            }
        }
    };
    assert_eq!(next_update().await?, uri(&shown), "a hidden message leaked");
    bob.post(&hidden, "public now", "public").await?;
    assert_eq!(next_update().await?, uri(&hidden));
    // A session created by another process is announced on the same stream.
    bob.session("new one").await?;
    loop {
        let n = tokio::time::timeout(TIMEOUT, sub.next()).await??;
        if let ServerNotification::ResourceListChangedNotification(_) = n.ok_or("ended")? {
            break;
        }
    }
    sub.cancel().await?;
    bob.close().await?;
    alice.cancel().await?;
    Ok(())
}

#[tokio::test]
async fn sessions_created_anywhere_change_the_resource_list() -> TestResult {
    let db = TestDb::new()?;
    let mut alice = listener(&db, "alice", "claude", "read,write").await?;
    let bob = db.agent("bob", "claude", "read,write").await?;
    // In this process: announced even without any subscription.
    call_ok(
        &alice.client,
        "create_session",
        json!({ "purpose": "mine" }),
    )
    .await?;
    alice.next_list_changed().await?;
    // In another process: seen by the watcher while alice subscribes to something.
    let sid = bob.session("watched").await?;
    alice.subscribe(&sid).await?;
    bob.session("created elsewhere").await?;
    alice.next_list_changed().await?;
    bob.close().await?;
    alice.client.cancel().await?;
    Ok(())
}
