//! Live notifications (§9): the registry of who listens to what in this process, and the
//! start/stop rule of the [`watcher`] task that notices writes from every process on the file.
//!
//! Invariant: the watcher runs only while some entry needs it (a subscribed session, or a
//! 2026-07-28 listener of `resources/list_changed`); with nobody subscribed there is no work.

pub mod handlers;
mod watcher;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rmcp::model::ResourceUpdatedNotificationParam;
use rmcp::service::SubscriptionSink;
use rmcp::{Peer, RoleServer};
use tokio::sync::Notify;

use crate::auth::Caller;
use crate::db::{Db, live};
use crate::error::AppResult;

/// The URI of a session resource.
pub fn session_uri(session_id: &str) -> String {
    format!("session://{session_id}")
}

/// The registry at a glance, for `get_performance_metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct LiveStats {
    pub watcher_running: bool,
    /// Legacy connections and `subscriptions/listen` requests.
    pub receivers: usize,
    pub session_subscriptions: usize,
}

/// Where an entry's notifications go.
#[derive(Clone)]
pub enum Sink {
    /// A connection on a revision before 2026-07-28 (`resources/subscribe`).
    Legacy(Peer<RoleServer>),
    /// One `subscriptions/listen` request (2026-07-28).
    Listen(SubscriptionSink),
}

/// What to tell a sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Updated(String),
    ListChanged,
}

impl Sink {
    /// Sends one notice; `false` when the receiver is gone and the entry should be dropped.
    async fn send(&self, notice: &Notice) -> bool {
        let sent = match (self, notice) {
            (Sink::Legacy(peer), Notice::Updated(uri)) => peer
                .notify_resource_updated(ResourceUpdatedNotificationParam::new(uri.clone()))
                .await
                .map_err(|e| e.to_string()),
            (Sink::Legacy(peer), Notice::ListChanged) => peer
                .notify_resource_list_changed()
                .await
                .map_err(|e| e.to_string()),
            (Sink::Listen(sink), Notice::Updated(uri)) => sink
                .notify_resource_updated(uri.clone())
                .await
                .map_err(|e| e.to_string()),
            (Sink::Listen(sink), Notice::ListChanged) => sink
                .notify_resource_list_changed()
                .await
                .map_err(|e| e.to_string()),
        };
        match sent {
            Ok(()) => true,
            Err(err) => {
                tracing::debug!(error = %err, "dropping a notification receiver");
                false
            }
        }
    }
}

/// One receiver of notifications: a legacy connection or one listen request.
struct Entry {
    sink: Sink,
    /// Whose §4 view decides which messages count; set with the first session subscription.
    viewer: Option<Caller>,
    /// Subscribed sessions, each with the message id after which a new message counts.
    sessions: HashMap<String, i64>,
    list_changed: bool,
    legacy: bool,
}

#[derive(Default)]
struct Registry {
    entries: HashMap<u64, Entry>,
    watcher_running: bool,
    /// A session was created here while the watcher ran: it must tick once more.
    pending: bool,
}

impl Registry {
    /// Does anyone need the watcher? Legacy connections alone only get in-process
    /// list_changed notices, which need no polling.
    fn needs_watcher(&self) -> bool {
        self.entries
            .values()
            .any(|e| !e.sessions.is_empty() || (e.list_changed && !e.legacy))
    }
}

struct Shared {
    db: Db,
    interval: Duration,
    registry: Mutex<Registry>,
    wake: Notify,
    next_id: AtomicU64,
}

impl Shared {
    fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The process's notification hub; cheap to clone.
#[derive(Clone)]
pub struct Live {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("interval", &self.shared.interval)
            .finish_non_exhaustive()
    }
}

/// Unregisters a listen entry when its request ends, however it ends.
pub struct ListenGuard {
    live: Live,
    id: u64,
}

impl Drop for ListenGuard {
    fn drop(&mut self) {
        self.live.forget(self.id);
    }
}

impl Live {
    /// `interval`: how often the watcher polls while anyone listens.
    pub fn new(db: Db, interval: Duration) -> Live {
        Live {
            shared: Arc::new(Shared {
                db,
                interval,
                registry: Mutex::new(Registry::default()),
                wake: Notify::new(),
                next_id: AtomicU64::new(1),
            }),
        }
    }

    /// A fresh id for a connection or a listen request.
    pub fn next_id(&self) -> u64 {
        self.shared.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Whether the watcher runs, how many receivers are registered and how many session
    /// subscriptions they hold.
    pub fn stats(&self) -> LiveStats {
        let reg = self.shared.registry();
        LiveStats {
            watcher_running: reg.watcher_running,
            receivers: reg.entries.len(),
            session_subscriptions: reg.entries.values().map(|e| e.sessions.len()).sum(),
        }
    }

    /// A legacy connection finished `initialize`: it hears of sessions created here.
    pub fn connect(&self, conn: u64, peer: Peer<RoleServer>) {
        self.shared.registry().entries.entry(conn).or_insert(Entry {
            sink: Sink::Legacy(peer),
            viewer: None,
            sessions: HashMap::new(),
            list_changed: true,
            legacy: true,
        });
    }

    /// `resources/subscribe` on a session for a legacy connection.
    pub async fn subscribe(
        &self,
        conn: u64,
        peer: Peer<RoleServer>,
        viewer: Caller,
        session_id: &str,
    ) -> AppResult<()> {
        let (since, seq) = live::high_water(self.shared.db.pool()).await?;
        let mut reg = self.shared.registry();
        let entry = reg.entries.entry(conn).or_insert(Entry {
            sink: Sink::Legacy(peer),
            viewer: None,
            sessions: HashMap::new(),
            list_changed: true,
            legacy: true,
        });
        entry.viewer = Some(viewer);
        entry.sessions.entry(session_id.to_owned()).or_insert(since);
        self.ensure_watcher(&mut reg, since, seq);
        Ok(())
    }

    /// `resources/unsubscribe`; the watcher stops if nobody else needs it.
    pub fn unsubscribe(&self, conn: u64, session_id: &str) {
        if let Some(entry) = self.shared.registry().entries.get_mut(&conn) {
            entry.sessions.remove(session_id);
        }
        self.shared.wake.notify_one();
    }

    /// Registers one `subscriptions/listen` request until the returned guard is dropped.
    pub async fn listen(
        &self,
        sink: SubscriptionSink,
        viewer: Caller,
        session_ids: Vec<String>,
        list_changed: bool,
    ) -> AppResult<ListenGuard> {
        let (since, seq) = live::high_water(self.shared.db.pool()).await?;
        let id = self.next_id();
        let mut reg = self.shared.registry();
        reg.entries.insert(
            id,
            Entry {
                sink: Sink::Listen(sink),
                viewer: Some(viewer),
                sessions: session_ids.into_iter().map(|s| (s, since)).collect(),
                list_changed,
                legacy: false,
            },
        );
        if reg.needs_watcher() {
            self.ensure_watcher(&mut reg, since, seq);
        }
        Ok(ListenGuard {
            live: self.clone(),
            id,
        })
    }

    /// Drops a connection's or listener's entry (its connection or request ended).
    pub fn forget(&self, id: u64) {
        self.shared.registry().entries.remove(&id);
        self.shared.wake.notify_one();
    }

    /// A message was added by this process: tick now instead of at the next interval.
    pub fn message_added(&self) {
        if self.shared.registry().watcher_running {
            self.shared.wake.notify_one();
        }
    }

    /// A session was created by this process: `resources/list_changed` to every listener,
    /// through the watcher if it runs (so it is sent once), else directly.
    pub async fn session_created(&self) {
        let direct: Vec<Sink> = {
            let mut reg = self.shared.registry();
            if reg.watcher_running {
                reg.pending = true;
                self.shared.wake.notify_one();
                return;
            }
            reg.entries
                .values()
                .filter(|e| e.list_changed)
                .map(|e| e.sink.clone())
                .collect()
        };
        for sink in direct {
            sink.send(&Notice::ListChanged).await;
        }
    }

    fn ensure_watcher(&self, reg: &mut Registry, since: i64, seq: i64) {
        if !reg.watcher_running {
            reg.watcher_running = true;
            tokio::spawn(watcher::run(self.shared.clone(), since, seq));
        }
    }
}
