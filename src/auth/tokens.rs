//! Token checking (§3): the [`Authenticator`] holds this process's auth settings and turns an
//! `auth_token` — an opaque `sct_<uuid4>` looked up by its SHA-256 hash, or an HS256 JWT —
//! into the [`Caller`] it stands for. Issuing and refreshing live in [`super::login`].

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::table::TypePermissions;
use super::{Caller, Permissions, jwt};
use crate::config::Config;
use crate::db::{Db, tokens};
use crate::error::{AppError, AppResult};

/// The settings an [`Authenticator`] is built from.
#[derive(Clone)]
pub struct AuthSettings {
    /// `API_KEY`; `None` (or empty) disables `authenticate_agent`.
    pub api_key: Option<String>,
    /// `JWT_SECRET_KEY`; `None` (or empty) refuses JWTs.
    pub jwt_secret: Option<String>,
    pub table: TypePermissions,
    /// Lifetime of issued tokens, seconds (`SCS_TOKEN_TTL`).
    pub token_ttl_s: i64,
    /// How long after expiry a token may still be refreshed, seconds.
    pub refresh_grace_s: i64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            api_key: None,
            jwt_secret: None,
            table: TypePermissions::default(),
            token_ttl_s: 3600,
            refresh_grace_s: 86_400,
        }
    }
}

/// Issues and verifies tokens for this process. Holds secrets only as the API key's hash and
/// the JWT key; its `Debug` output shows neither.
#[derive(Clone)]
pub struct Authenticator {
    api_key_hash: Option<[u8; 32]>,
    jwt_key: Option<Vec<u8>>,
    pub(crate) table: TypePermissions,
    pub(crate) token_ttl_s: i64,
    pub(crate) refresh_grace_s: i64,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("api_key", &self.api_key_hash.map(|_| "<set>"))
            .field("jwt_key", &self.jwt_key.as_ref().map(|_| "<set>"))
            .field("token_ttl_s", &self.token_ttl_s)
            .field("refresh_grace_s", &self.refresh_grace_s)
            .finish_non_exhaustive()
    }
}

impl Default for Authenticator {
    fn default() -> Self {
        Authenticator::new(AuthSettings::default())
    }
}

/// Why a presented token was not accepted, with what is known about it for the audit row.
#[derive(Debug)]
pub struct Rejection {
    pub error: AppError,
    /// The agent the token names, when that much could be read from it.
    pub agent_id: Option<String>,
    /// "opaque", "jwt" or "unknown".
    pub token_kind: &'static str,
}

impl Rejection {
    fn new(error: AppError, token_kind: &'static str) -> Self {
        Rejection {
            error,
            agent_id: None,
            token_kind,
        }
    }

    /// True for a refused token, false for an internal failure while checking it.
    pub fn is_auth_failure(&self) -> bool {
        matches!(
            self.error,
            AppError::TokenAuthenticationFailed(_) | AppError::InvalidTokenFormat(_)
        )
    }
}

impl From<sqlx::Error> for Rejection {
    fn from(err: sqlx::Error) -> Self {
        Rejection::new(err.into(), "opaque")
    }
}

fn failed(why: impl Into<String>) -> AppError {
    AppError::TokenAuthenticationFailed(why.into())
}

impl Authenticator {
    pub fn new(settings: AuthSettings) -> Self {
        let nonempty = |s: Option<String>| s.filter(|v| !v.is_empty());
        Authenticator {
            api_key_hash: nonempty(settings.api_key).map(|k| sha256(k.as_bytes())),
            jwt_key: nonempty(settings.jwt_secret).map(String::into_bytes),
            table: settings.table,
            token_ttl_s: settings.token_ttl_s,
            refresh_grace_s: settings.refresh_grace_s,
        }
    }

    /// Builds the authenticator from the command line / environment; a bad
    /// `PERMISSIONS_CONFIG_FILE` or an out-of-range lifetime is a start-up error.
    pub fn from_config(config: &Config) -> AppResult<Self> {
        let table = match &config.permissions_config_file {
            Some(path) => TypePermissions::load(path)?,
            None => TypePermissions::default(),
        };
        let seconds = |field: &str, v: u64, min: u64| {
            i64::try_from(v)
                .ok()
                .filter(|s| *s >= min as i64 && *s <= 10 * 365 * 86_400)
                .ok_or_else(|| {
                    AppError::invalid(field, format!("must be {min}..315360000 seconds"))
                })
        };
        if config
            .jwt_secret_key
            .as_ref()
            .is_some_and(|k| !k.is_empty() && k.len() < 32)
        {
            tracing::warn!(
                "JWT_SECRET_KEY is shorter than 32 bytes; HS256 needs a long random key"
            );
        }
        Ok(Authenticator::new(AuthSettings {
            api_key: config.api_key.clone(),
            jwt_secret: config.jwt_secret_key.clone(),
            table,
            token_ttl_s: seconds("SCS_TOKEN_TTL", config.token_ttl, 1)?,
            refresh_grace_s: seconds("SCS_TOKEN_REFRESH_GRACE", config.token_refresh_grace, 0)?,
        }))
    }

    /// Whether `authenticate_agent` works (an API key is configured).
    pub fn login_enabled(&self) -> bool {
        self.api_key_hash.is_some()
    }

    pub fn jwt_enabled(&self) -> bool {
        self.jwt_key.is_some()
    }

    pub fn table(&self) -> &TypePermissions {
        &self.table
    }

    pub fn token_ttl_s(&self) -> i64 {
        self.token_ttl_s
    }

    pub fn refresh_grace_s(&self) -> i64 {
        self.refresh_grace_s
    }

    /// `AUTH_DISABLED` without an API key; `AUTH_FAILED` unless `given` equals it. The
    /// comparison is of SHA-256 digests in constant time, so neither content nor length leaks.
    pub fn check_api_key(&self, given: Option<&str>) -> AppResult<()> {
        let expected = self.api_key_hash.ok_or(AppError::AuthDisabled)?;
        let given = given
            .filter(|g| !g.is_empty())
            .ok_or_else(|| AppError::AuthFailed("api_key is required".into()))?;
        if bool::from(sha256(given.as_bytes()).ct_eq(&expected)) {
            Ok(())
        } else {
            Err(AppError::AuthFailed("api_key is wrong".into()))
        }
    }

    /// The agent a token stands for. Never falls back to the process identity (§3).
    pub async fn verify(&self, db: &Db, token: &str) -> AppResult<Caller> {
        self.check(db, token).await.map_err(|r| r.error)
    }

    /// Like [`Authenticator::verify`], keeping what is known about a refused token.
    pub async fn check(&self, db: &Db, token: &str) -> Result<Caller, Rejection> {
        if token.starts_with("sct_") {
            return self.check_opaque(db, token).await;
        }
        if jwt::looks_like_jwt(token) {
            return self.check_jwt(token);
        }
        Err(Rejection::new(
            AppError::InvalidTokenFormat(
                "expected an sct_<uuid4> token from authenticate_agent or an HS256 JWT".into(),
            ),
            "unknown",
        ))
    }

    async fn check_opaque(&self, db: &Db, token: &str) -> Result<Caller, Rejection> {
        if !is_opaque_token(token) {
            return Err(Rejection::new(
                AppError::InvalidTokenFormat("expected sct_ followed by a UUID".into()),
                "opaque",
            ));
        }
        let row = tokens::get(db.pool(), &hash_token(token))
            .await?
            .ok_or_else(|| Rejection::new(failed("unknown token"), "opaque"))?;
        let refuse = |why: &str| Rejection {
            error: failed(why),
            agent_id: Some(row.agent_id.clone()),
            token_kind: "opaque",
        };
        if row.revoked_at.is_some() {
            return Err(refuse("token was revoked"));
        }
        if row.expires_at <= crate::time::now() {
            return Err(refuse(
                "token has expired; call refresh_token within the grace period, or authenticate_agent",
            ));
        }
        let stored = Permissions::parse_list(row.permissions.split(',')).map_err(|e| {
            Rejection::new(AppError::Internal(format!("stored token: {e}")), "opaque")
        })?;
        Ok(Caller {
            permissions: self.table.grant(&row.agent_type, stored),
            agent_id: row.agent_id,
            agent_type: row.agent_type,
            token_expires_at: Some(row.expires_at),
        })
    }

    fn check_jwt(&self, token: &str) -> Result<Caller, Rejection> {
        let key = self.jwt_key.as_deref().ok_or_else(|| {
            Rejection::new(
                failed("JWTs are not accepted: the server has no JWT_SECRET_KEY"),
                "jwt",
            )
        })?;
        let now = chrono::Utc::now().timestamp();
        let claims = jwt::verify(token, key, now).map_err(|e| {
            let error = match e {
                jwt::JwtError::Malformed(why) => AppError::InvalidTokenFormat(why.into()),
                jwt::JwtError::Rejected(why) => failed(why),
            };
            Rejection::new(error, "jwt")
        })?;
        let expires_at = chrono::DateTime::from_timestamp(claims.exp, 0)
            .map(crate::time::format)
            .ok_or_else(|| Rejection::new(failed("exp is out of range"), "jwt"))?;
        Ok(Caller {
            permissions: self.table.grant(&claims.agent_type, claims.permissions),
            agent_id: claims.agent_id,
            agent_type: claims.agent_type,
            token_expires_at: Some(expires_at),
        })
    }
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// `sct_` followed by a hyphenated UUID.
pub fn is_opaque_token(token: &str) -> bool {
    token
        .strip_prefix("sct_")
        .is_some_and(|rest| rest.len() == 36 && uuid::Uuid::parse_str(rest).is_ok())
}

/// A new opaque token.
pub fn new_opaque_token() -> String {
    format!("sct_{}", uuid::Uuid::new_v4())
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
        let token = new_opaque_token();
        assert!(is_opaque_token(&token));
        assert!(!is_opaque_token("sct_123"));
        assert!(!is_opaque_token("Bearer x"));
        assert_eq!(hash_token(&token).len(), 64);
        assert_ne!(hash_token(&token), token);
    }

    #[test]
    fn api_key_checks() {
        let off = Authenticator::default();
        assert!(matches!(
            off.check_api_key(Some("x")),
            Err(AppError::AuthDisabled)
        ));
        let on = Authenticator::new(AuthSettings {
            api_key: Some("s3cret".into()),
            ..AuthSettings::default()
        });
        assert!(on.check_api_key(Some("s3cret")).is_ok());
        assert!(matches!(
            on.check_api_key(Some("s3cre")),
            Err(AppError::AuthFailed(_))
        ));
        assert!(matches!(
            on.check_api_key(None),
            Err(AppError::AuthFailed(_))
        ));
        assert!(matches!(
            on.check_api_key(Some("")),
            Err(AppError::AuthFailed(_))
        ));
        assert!(!format!("{on:?}").contains("s3cret"));
    }
}
