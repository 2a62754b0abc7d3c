//! The MCP side of subscriptions (§9): `resources/subscribe`/`unsubscribe` for revisions
//! before 2026-07-28 and `subscriptions/listen` for 2026-07-28, both on `session://{id}`.

use rmcp::model::SubscriptionFilter;
use rmcp::service::{RequestContext, SubscriptionContext};
use rmcp::{ErrorData, RoleServer};
use serde_json::json;

use crate::db::sessions;
use crate::resources::{ResourceUri, rpc_error};
use crate::server::Server;

/// The session id of a subscribable URI (`session://{id}` only).
fn session_of(uri: &str) -> Result<String, ErrorData> {
    match ResourceUri::parse(uri) {
        Some(ResourceUri::Session(id)) => Ok(id),
        _ => Err(ErrorData::resource_not_found(
            format!("cannot subscribe to '{uri}': only session://{{session_id}} is subscribable"),
            Some(json!({ "uri": uri })),
        )),
    }
}

impl Server {
    /// `resources/subscribe`: the session must exist; notifications follow the §4 view of
    /// the process identity.
    pub(crate) async fn subscribe_uri(
        &self,
        uri: &str,
        ctx: &RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        let session_id = session_of(uri)?;
        let viewer = self.reader(ctx).await.map_err(rpc_error)?;
        let exists = sessions::exists(self.state.db.pool(), &session_id)
            .await
            .map_err(|e| rpc_error(e.into()))?;
        if !exists {
            return Err(rpc_error(crate::error::AppError::SessionNotFound(
                session_id,
            )));
        }
        self.state
            .live
            .subscribe(self.conn, ctx.peer.clone(), viewer, &session_id)
            .await
            .map_err(rpc_error)
    }

    /// `resources/unsubscribe`: unknown or never-subscribed URIs are a no-op.
    pub(crate) fn unsubscribe_uri(&self, uri: &str) -> Result<(), ErrorData> {
        let session_id = session_of(uri)?;
        self.state.live.unsubscribe(self.conn, &session_id);
        Ok(())
    }

    /// What a `subscriptions/listen` request gets: resource list changes, and updates of
    /// well-formed `session://{id}` URIs (a session that does not exist never updates).
    pub(crate) fn accept_filter(requested: &SubscriptionFilter) -> SubscriptionFilter {
        let uris: Vec<String> = requested
            .resource_subscriptions
            .iter()
            .flatten()
            .filter(|uri| session_of(uri).is_ok())
            .cloned()
            .collect();
        let mut accepted = SubscriptionFilter::new();
        accepted.resources_list_changed = requested.resources_list_changed;
        accepted.resource_subscriptions = (!uris.is_empty()).then_some(uris);
        accepted
    }

    /// Serves one `subscriptions/listen` request until the client cancels it.
    pub(crate) async fn listen_until_cancelled(
        &self,
        context: SubscriptionContext,
    ) -> Result<(), ErrorData> {
        let viewer = self
            .reader(context.request_context())
            .await
            .map_err(rpc_error)?;
        let accepted = context.accepted();
        let session_ids: Vec<String> = accepted
            .resource_subscriptions
            .iter()
            .flatten()
            .filter_map(|uri| session_of(uri).ok())
            .collect();
        let list_changed = accepted.resources_list_changed == Some(true);
        let _guard = self
            .state
            .live
            .listen(context.sink().clone(), viewer, session_ids, list_changed)
            .await
            .map_err(rpc_error)?;
        context.cancelled().await;
        Ok(())
    }
}
