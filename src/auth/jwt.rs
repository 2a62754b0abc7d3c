//! HS256 JWT verification (§3): tokens signed with `JWT_SECRET_KEY`, audience `mcp-agents`,
//! issuer `shared-context-server`. Only HS256 is accepted; `alg: none` and every other
//! algorithm are refused before any claim is read.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use super::Permissions;

pub const AUDIENCE: &str = "mcp-agents";
pub const ISSUER: &str = "shared-context-server";

/// The claims of a verified token. `permissions` is what the token claims, before capping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub agent_id: String,
    pub agent_type: String,
    pub permissions: Permissions,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
}

/// Why a JWT was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtError {
    /// Not decodable as a JWT at all.
    Malformed(&'static str),
    /// Decodable but not acceptable: bad signature, algorithm, audience, issuer, expiry, claims.
    Rejected(String),
}

/// Three dot-separated base64url segments, header and payload non-empty.
pub fn looks_like_jwt(token: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    parts.len() == 3
        && !parts[0].is_empty()
        && !parts[1].is_empty()
        && parts.iter().all(|p| {
            p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// Verifies signature and claims of an HS256 token at time `now` (Unix seconds).
pub fn verify(token: &str, key: &[u8], now: i64) -> Result<Claims, JwtError> {
    let malformed = JwtError::Malformed("a JWT has three dot-separated parts");
    let (signing_input, signature) = token.rsplit_once('.').ok_or(malformed.clone())?;
    let (header, payload) = signing_input.split_once('.').ok_or(malformed.clone())?;
    if payload.contains('.') {
        return Err(malformed);
    }
    let header = decode_json(header).ok_or(JwtError::Malformed("header is not base64url JSON"))?;
    check_header(&header)?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| JwtError::Malformed("signature is not base64url"))?;
    if signature.is_empty() {
        return Err(reject("unsigned tokens are not accepted"));
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .map_err(|_| reject("the server's JWT key is unusable"))?;
    mac.update(signing_input.as_bytes());
    // verify_slice compares in constant time.
    mac.verify_slice(&signature)
        .map_err(|_| reject("signature does not match"))?;
    let claims = decode_json(payload).ok_or_else(|| reject("claims are not base64url JSON"))?;
    check_claims(&claims, now)
}

fn reject(why: impl Into<String>) -> JwtError {
    JwtError::Rejected(why.into())
}

fn decode_json(segment: &str) -> Option<Value> {
    let bytes = URL_SAFE_NO_PAD.decode(segment).ok()?;
    serde_json::from_slice::<Value>(&bytes)
        .ok()
        .filter(Value::is_object)
}

fn check_header(header: &Value) -> Result<(), JwtError> {
    match header.get("alg").and_then(Value::as_str) {
        Some("HS256") => {}
        Some(other) => return Err(reject(format!("algorithm '{other}' is not accepted"))),
        None => return Err(reject("header names no algorithm")),
    }
    if header.get("crit").is_some() {
        return Err(reject("critical header extensions are not supported"));
    }
    Ok(())
}

fn check_claims(claims: &Value, now: i64) -> Result<Claims, JwtError> {
    if claims.get("iss").and_then(Value::as_str) != Some(ISSUER) {
        return Err(reject(format!("issuer must be '{ISSUER}'")));
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => aud == AUDIENCE,
        Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(AUDIENCE)),
        _ => false,
    };
    if !audience_ok {
        return Err(reject(format!("audience must include '{AUDIENCE}'")));
    }
    let exp = claims
        .get("exp")
        .and_then(seconds)
        .ok_or_else(|| reject("exp (expiry, Unix seconds) is required"))?;
    if exp <= now {
        return Err(reject("token has expired"));
    }
    if claims
        .get("nbf")
        .and_then(seconds)
        .is_some_and(|nbf| nbf > now)
    {
        return Err(reject("token is not valid yet (nbf)"));
    }
    let agent_id = text_claim(claims, "agent_id", 100)?;
    let agent_type = text_claim(claims, "agent_type", 50)?;
    // Unknown names are ignored: the claim is intersected with the type's permissions anyway.
    let permissions = claims
        .get("permissions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(Permissions::from_name)
        .fold(Permissions::default(), Permissions::union);
    Ok(Claims {
        agent_id,
        agent_type,
        permissions,
        exp,
    })
}

/// A NumericDate: integer seconds, or fractional seconds (truncated).
fn seconds(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
}

fn text_claim(claims: &Value, name: &str, max: usize) -> Result<String, JwtError> {
    let text = claims
        .get(name)
        .and_then(Value::as_str)
        .map(crate::validate::sanitize)
        .unwrap_or_default();
    let len = text.chars().count();
    if len == 0 || len > max {
        return Err(reject(format!(
            "claim {name} must be a string of 1..{max} characters"
        )));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sign(header: &Value, claims: &Value, key: &[u8]) -> String {
        let h = URL_SAFE_NO_PAD.encode(header.to_string());
        let c = URL_SAFE_NO_PAD.encode(claims.to_string());
        let input = format!("{h}.{c}");
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
            return input;
        };
        mac.update(input.as_bytes());
        let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{input}.{sig}")
    }

    fn claims(exp: i64) -> Value {
        json!({"iss": ISSUER, "aud": AUDIENCE, "exp": exp, "agent_id": "a1",
               "agent_type": "claude", "permissions": ["read", "admin", "bogus"]})
    }

    const HS: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

    fn hs256() -> Value {
        serde_json::from_str(HS).unwrap_or_default()
    }

    #[test]
    fn a_good_token_verifies() {
        let t = sign(&hs256(), &claims(2_000), b"k");
        assert!(looks_like_jwt(&t));
        let c = verify(&t, b"k", 1_000);
        assert_eq!(c.as_ref().map(|c| c.agent_id.as_str()), Ok("a1"));
        assert_eq!(c.map(|c| c.permissions.names()), Ok(vec!["read", "admin"]));
    }

    #[test]
    fn bad_tokens_are_rejected() {
        let good = claims(2_000);
        let rejected =
            |t: &str, key: &[u8]| matches!(verify(t, key, 1_000), Err(JwtError::Rejected(_)));
        assert!(rejected(&sign(&hs256(), &good, b"k"), b"other"));
        assert!(rejected(&sign(&hs256(), &claims(999), b"k"), b"k"));
        assert!(rejected(&sign(&json!({"alg": "none"}), &good, b"k"), b"k"));
        assert!(rejected(&sign(&json!({"alg": "HS512"}), &good, b"k"), b"k"));
        let mut wrong_aud = good.clone();
        wrong_aud["aud"] = json!("someone-else");
        assert!(rejected(&sign(&hs256(), &wrong_aud, b"k"), b"k"));
        let mut wrong_iss = good.clone();
        wrong_iss["iss"] = json!("x");
        assert!(rejected(&sign(&hs256(), &wrong_iss, b"k"), b"k"));
        let mut no_agent = good.clone();
        no_agent["agent_id"] = json!("");
        assert!(rejected(&sign(&hs256(), &no_agent, b"k"), b"k"));
        // alg none with an empty signature
        let t = sign(&json!({"alg": "none"}), &good, b"k");
        let unsigned = format!("{}.", t.rsplit_once('.').map_or("", |(a, _)| a));
        assert!(rejected(&unsigned, b"k"));
        // payload swapped after signing
        let other = sign(&hs256(), &claims(9_999), b"k");
        let parts: Vec<&str> = t.split('.').collect();
        let swapped: Vec<&str> = other.split('.').collect();
        let forged = format!("{}.{}.{}", parts[0], swapped[1], parts[2]);
        assert!(verify(&forged, b"k", 1_000).is_err());
    }

    #[test]
    fn shapes() {
        assert!(!looks_like_jwt("sct_x"));
        assert!(!looks_like_jwt("a.b"));
        assert!(!looks_like_jwt("a.b.c.d"));
        assert!(!looks_like_jwt("a b.c.d"));
        assert!(matches!(
            verify("e30.e30.", b"k", 0),
            Err(JwtError::Rejected(_))
        ));
        assert!(matches!(
            verify("@@.e30.x", b"k", 0),
            Err(JwtError::Malformed(_))
        ));
    }
}
