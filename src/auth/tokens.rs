//! Token checking (§3): opaque `sct_<uuid4>` tokens looked up by hash.

use sha2::{Digest, Sha256};

use super::{Caller, Permissions};
use crate::db::{Db, tokens};
use crate::error::{AppError, AppResult};

/// Issues and verifies tokens for this process.
#[derive(Debug, Clone, Default)]
pub struct Authenticator {}

impl Authenticator {
    /// The agent a token stands for. Never falls back to the process identity (§3).
    pub async fn verify(&self, db: &Db, token: &str) -> AppResult<Caller> {
        if !is_opaque_token(token) {
            return Err(AppError::InvalidTokenFormat(
                "expected sct_<uuid4> from authenticate_agent".into(),
            ));
        }
        let row = tokens::get(db.pool(), &hash_token(token))
            .await?
            .ok_or_else(|| AppError::TokenAuthenticationFailed("unknown token".into()))?;
        if row.revoked_at.is_some() {
            return Err(AppError::TokenAuthenticationFailed(
                "token was revoked".into(),
            ));
        }
        if row.expires_at <= crate::time::now() {
            return Err(AppError::TokenAuthenticationFailed(
                "token has expired".into(),
            ));
        }
        let permissions = Permissions::parse_list(row.permissions.split(','))
            .map_err(|e| AppError::Internal(format!("stored token permissions: {e}")))?;
        Ok(Caller {
            agent_id: row.agent_id,
            agent_type: row.agent_type,
            permissions,
            token_expires_at: Some(row.expires_at),
        })
    }
}

/// `sct_` followed by a hyphenated UUID.
pub fn is_opaque_token(token: &str) -> bool {
    token
        .strip_prefix("sct_")
        .is_some_and(|rest| rest.len() == 36 && uuid::Uuid::parse_str(rest).is_ok())
}

/// The stored form of a token: hex SHA-256.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_shape() {
        let token = format!("sct_{}", uuid::Uuid::new_v4());
        assert!(is_opaque_token(&token));
        assert!(!is_opaque_token("sct_123"));
        assert!(!is_opaque_token("Bearer x"));
        assert_eq!(hash_token(&token).len(), 64);
        assert_ne!(hash_token(&token), token);
    }
}
