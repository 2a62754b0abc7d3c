//! Issuing tokens (§3): `authenticate_agent` and `refresh_token`, each one write transaction
//! that also appends its audit row (§8); failures are audited in a transaction of their own.
//! Audit rows name the agent and the outcome, never the API key, a token or a token hash.

use serde_json::{Value, json};

use super::Permissions;
use super::tokens::{Authenticator, hash_token, is_opaque_token, new_opaque_token};
use crate::db::audit::{self, AuditEvent};
use crate::db::tokens::{self, TokenRow};
use crate::db::{Db, WriteTx as Transaction};
use crate::error::{AppError, AppResult};
use crate::time;

/// A request to log in, already validated for shape (lengths, permission names).
#[derive(Debug)]
pub struct Login<'a> {
    pub agent_id: &'a str,
    pub agent_type: &'a str,
    pub requested: Permissions,
    pub api_key: Option<&'a str>,
}

/// A newly issued opaque token. The token text exists only here and in the caller's answer.
#[derive(Debug)]
pub struct Issued {
    pub token: String,
    pub agent_id: String,
    pub agent_type: String,
    pub permissions: Permissions,
    pub issued_at: String,
    pub expires_at: String,
}

impl Authenticator {
    /// `authenticate_agent`: checks the API key and issues a token with
    /// requested ∩ type permissions (at least `read`).
    pub async fn login(&self, db: &Db, req: &Login<'_>) -> AppResult<Issued> {
        let requested = req.requested.names();
        if let Err(err) = self.check_api_key(req.api_key) {
            let reason = match &err {
                AppError::AuthDisabled => "authentication disabled (no API_KEY configured)",
                _ if req.api_key.is_none_or(str::is_empty) => "api_key missing",
                _ => "api_key wrong",
            };
            let meta = json!({ "agent_type": req.agent_type, "requested_permissions": requested,
                               "reason": reason, "code": err.code() });
            audit_failure(
                db,
                "authentication_failed",
                req.agent_id,
                "authenticate_agent",
                meta,
            )
            .await;
            return Err(err);
        }
        let permissions = self.table.grant(req.agent_type, req.requested);
        let mut tx = db.begin_write().await?;
        let issued = self
            .insert_token(&mut tx, req.agent_id, req.agent_type, permissions)
            .await?;
        let meta = json!({ "agent_type": req.agent_type, "requested_permissions": requested,
                           "granted_permissions": permissions.names(),
                           "expires_at": issued.expires_at });
        let event = success(
            "authentication_success",
            &issued.agent_id,
            "authenticate_agent",
            meta,
        );
        audit::insert(&mut *tx, &event).await?;
        tx.commit().await?;
        Ok(issued)
    }

    /// `refresh_token`: revokes `current` and issues its successor in one transaction. An
    /// expired token is refreshable only within the grace period; a revoked one never.
    pub async fn refresh(&self, db: &Db, current: &str) -> AppResult<Issued> {
        if !is_opaque_token(current) {
            let error = if super::jwt::looks_like_jwt(current) {
                AppError::TokenRefreshFailed(
                    "JWTs are refreshed by whoever signs them; only sct_ tokens from \
                     authenticate_agent can be refreshed here"
                        .into(),
                )
            } else {
                AppError::InvalidTokenFormat("expected sct_ followed by a UUID".into())
            };
            let meta = json!({ "reason": error.to_string(), "code": error.code() });
            audit_failure(db, "token_refresh_failed", "unknown", "refresh_token", meta).await;
            return Err(error);
        }
        let mut tx = db.begin_write().await?;
        match self.rotate(&mut tx, current).await {
            Ok(issued) => {
                tx.commit().await?;
                Ok(issued)
            }
            Err((error, agent_id)) => {
                drop(tx);
                if matches!(error, AppError::TokenRefreshFailed(_)) {
                    let meta = json!({ "reason": error.to_string(), "code": error.code() });
                    let agent = agent_id.as_deref().unwrap_or("unknown");
                    audit_failure(db, "token_refresh_failed", agent, "refresh_token", meta).await;
                }
                Err(error)
            }
        }
    }

    /// Inside the refresh transaction: check, revoke, issue, audit. The error carries the
    /// token's agent when the token was found.
    async fn rotate(
        &self,
        tx: &mut Transaction,
        current: &str,
    ) -> Result<Issued, (AppError, Option<String>)> {
        let hash = hash_token(current);
        let internal = |e: sqlx::Error| (AppError::from(e), None);
        let row = tokens::get(&mut **tx, &hash)
            .await
            .map_err(internal)?
            .ok_or_else(|| (refresh_failed("unknown token"), None))?;
        let agent = Some(row.agent_id.clone());
        if row.revoked_at.is_some() {
            let why = "token was revoked (it was already refreshed); call authenticate_agent";
            return Err((refresh_failed(why), agent));
        }
        let now = time::now();
        if row.expires_at < time::in_seconds(-self.refresh_grace_s) {
            let why = format!(
                "token expired more than {} s ago, past the refresh grace period; call \
                 authenticate_agent",
                self.refresh_grace_s
            );
            return Err((refresh_failed(&why), agent));
        }
        if !tokens::revoke(&mut **tx, &hash, &now)
            .await
            .map_err(internal)?
        {
            return Err((refresh_failed("token was revoked concurrently"), agent));
        }
        let stored = Permissions::parse_list(row.permissions.split(','))
            .map_err(|e| (AppError::Internal(format!("stored token: {e}")), None))?;
        let permissions = self.table.grant(&row.agent_type, stored);
        let issued = self
            .insert_token(tx, &row.agent_id, &row.agent_type, permissions)
            .await
            .map_err(|e| (e, None))?;
        let meta = json!({ "agent_type": row.agent_type, "permissions": permissions.names(),
                           "was_expired": row.expires_at <= now,
                           "expires_at": issued.expires_at });
        let event = success("token_refreshed", &row.agent_id, "refresh_token", meta);
        audit::insert(&mut **tx, &event).await.map_err(internal)?;
        Ok(issued)
    }

    async fn insert_token(
        &self,
        tx: &mut Transaction,
        agent_id: &str,
        agent_type: &str,
        permissions: Permissions,
    ) -> AppResult<Issued> {
        let token = new_opaque_token();
        let issued_at = time::now();
        let expires_at = time::in_seconds(self.token_ttl_s);
        let row = TokenRow {
            agent_id: agent_id.to_owned(),
            agent_type: agent_type.to_owned(),
            permissions: permissions.names().join(","),
            issued_at: issued_at.clone(),
            expires_at: expires_at.clone(),
            revoked_at: None,
        };
        tokens::insert(&mut **tx, &hash_token(&token), &row).await?;
        Ok(Issued {
            token,
            agent_id: row.agent_id,
            agent_type: row.agent_type,
            permissions,
            issued_at,
            expires_at,
        })
    }
}

fn refresh_failed(why: &str) -> AppError {
    AppError::TokenRefreshFailed(why.to_owned())
}

fn success<'a>(
    event_type: &'a str,
    agent_id: &'a str,
    action: &'a str,
    meta: Value,
) -> AuditEvent<'a> {
    AuditEvent {
        event_type,
        agent_id,
        session_id: None,
        resource: Some("auth_token"),
        action,
        result: "success",
        metadata: Some(meta),
    }
}

/// Appends a failed authentication event in its own transaction. A failure to write it is
/// logged and does not replace the authentication error the caller gets.
pub async fn audit_failure(db: &Db, event_type: &str, agent_id: &str, action: &str, meta: Value) {
    let event = AuditEvent {
        event_type,
        agent_id,
        session_id: None,
        resource: Some("auth_token"),
        action,
        result: "failure",
        metadata: Some(meta),
    };
    let written = async {
        let mut tx = db.begin_write().await?;
        audit::insert(&mut *tx, &event).await?;
        tx.commit().await?;
        AppResult::Ok(())
    };
    if let Err(err) = written.await {
        tracing::warn!(error = %err, event_type, "could not write the audit row");
    }
}
