//! Session tokens: what a player shows a game server to be let in. A game server verifies one
//! offline with the shared key, or online (`POST /v1/server/sessions/{match_id}/verify`).
//!
//! # Format
//! `rst1.<kid>.<payload>.<signature>`, where
//! - `kid` is the first 8 hex digits of SHA-256 of the key (so keys rotate: the server signs
//!   with `session_token_key` and also accepts `previous_session_token_keys`);
//! - `payload` is base64url (no padding) of the JSON `{"m": match_id, "p": player_id,
//!   "e": endpoint, "x": expiry in Unix seconds}`;
//! - `signature` is base64url (no padding) of HMAC-SHA256 with the key over
//!   `rst1.<kid>.<payload>` (the token without its last part).
//!
//! A token is valid when its signature checks with the key of its `kid`, it has not expired,
//! and it names the match (and, for a game server that checks, its own endpoint).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

const PREFIX: &str = "rst1";

/// What a token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The match.
    #[serde(rename = "m")]
    pub match_id: Uuid,
    /// The player.
    #[serde(rename = "p")]
    pub player_id: Uuid,
    /// The game server's endpoint.
    #[serde(rename = "e")]
    pub endpoint: String,
    /// Expiry, in Unix seconds.
    #[serde(rename = "x")]
    pub expires_at: i64,
}

/// Why a token is refused (stable codes: `malformed`, `unknown_key`, `bad_signature`,
/// `expired`, `other_match`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Not a token of this format.
    #[error("malformed")]
    Malformed,
    /// Signed with a key this server does not hold.
    #[error("unknown_key")]
    UnknownKey,
    /// The signature does not match.
    #[error("bad_signature")]
    BadSignature,
    /// Past its expiry.
    #[error("expired")]
    Expired,
    /// For another match.
    #[error("other_match")]
    OtherMatch,
}

/// Signs and verifies session tokens.
#[derive(Clone)]
pub struct SessionTokens {
    current: (String, Vec<u8>),
    previous: Vec<(String, Vec<u8>)>,
}

impl std::fmt::Debug for SessionTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionTokens")
            .field("kid", &self.current.0)
            .finish_non_exhaustive()
    }
}

/// The key id of a key: the first 8 hex digits of its SHA-256.
pub fn key_id(key: &[u8]) -> String {
    let digest = Sha256::digest(key);
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}

fn sign(key: &[u8], message: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("BUG: HMAC takes keys of any size");
    mac.update(message.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

impl SessionTokens {
    /// Tokens signed with `key`, also accepting `previous` keys.
    pub fn new(key: &str, previous: &[&str]) -> Self {
        let entry = |k: &str| (key_id(k.as_bytes()), k.as_bytes().to_vec());
        Self {
            current: entry(key),
            previous: previous.iter().map(|k| entry(k)).collect(),
        }
    }

    /// A token for `claims`.
    pub fn issue(&self, claims: &Claims) -> String {
        let (kid, key) = &self.current;
        let payload =
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("BUG: claims serialize"));
        let signed = format!("{PREFIX}.{kid}.{payload}");
        let signature = URL_SAFE_NO_PAD.encode(sign(key, &signed));
        format!("{signed}.{signature}")
    }

    /// The claims of a valid token for `match_id` at `now` (Unix seconds).
    pub fn verify(&self, token: &str, match_id: Uuid, now: i64) -> Result<Claims, Refusal> {
        let mut parts = token.split('.');
        let (Some(prefix), Some(kid), Some(payload), Some(signature), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(Refusal::Malformed);
        };
        if prefix != PREFIX {
            return Err(Refusal::Malformed);
        }
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|(id, _)| id == kid)
            .map(|(_, key)| key)
            .ok_or(Refusal::UnknownKey)?;
        let given = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| Refusal::Malformed)?;
        let mut mac =
            Hmac::<Sha256>::new_from_slice(key).expect("BUG: HMAC takes keys of any size");
        mac.update(format!("{prefix}.{kid}.{payload}").as_bytes());
        mac.verify_slice(&given)
            .map_err(|_| Refusal::BadSignature)?;
        let claims: Claims = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or(Refusal::Malformed)?;
        if claims.expires_at <= now {
            return Err(Refusal::Expired);
        }
        if claims.match_id != match_id {
            return Err(Refusal::OtherMatch);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            match_id: Uuid::from_u128(7),
            player_id: Uuid::from_u128(9),
            endpoint: "10.0.0.5:7777".to_owned(),
            expires_at: 1_000,
        }
    }

    #[test]
    fn a_token_verifies_until_it_expires_and_only_for_its_match() {
        let tokens = SessionTokens::new("a-session-key-of-enough-length", &[]);
        let token = tokens.issue(&claims());
        assert_eq!(tokens.verify(&token, Uuid::from_u128(7), 999), Ok(claims()));
        assert_eq!(
            tokens.verify(&token, Uuid::from_u128(7), 1_000),
            Err(Refusal::Expired)
        );
        assert_eq!(
            tokens.verify(&token, Uuid::from_u128(8), 999),
            Err(Refusal::OtherMatch)
        );
    }

    #[test]
    fn forged_altered_and_foreign_tokens_are_refused_with_a_reason() {
        let tokens = SessionTokens::new("a-session-key-of-enough-length", &[]);
        let token = tokens.issue(&claims());
        let mut forged = claims();
        forged.player_id = Uuid::from_u128(10);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap_or_default());
        let parts: Vec<&str> = token.split('.').collect();
        let altered = format!("{}.{}.{payload}.{}", parts[0], parts[1], parts[3]);
        let match_id = Uuid::from_u128(7);
        assert_eq!(
            tokens.verify(&altered, match_id, 0),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            tokens.verify("nonsense", match_id, 0),
            Err(Refusal::Malformed)
        );
        let other = SessionTokens::new("another-key-entirely-different", &[]);
        assert_eq!(other.verify(&token, match_id, 0), Err(Refusal::UnknownKey));
    }

    #[test]
    fn a_rotated_key_still_verifies_the_tokens_it_signed() {
        let old = SessionTokens::new("the-old-session-key-0123456789", &[]);
        let token = old.issue(&claims());
        let rotated = SessionTokens::new(
            "the-new-session-key-0123456789",
            &["the-old-session-key-0123456789"],
        );
        assert_eq!(rotated.verify(&token, Uuid::from_u128(7), 0), Ok(claims()));
        assert_ne!(
            rotated.issue(&claims()).split('.').nth(1),
            token.split('.').nth(1)
        );
    }
}
