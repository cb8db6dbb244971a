//! Access tokens: short-lived JWTs (HS256) naming the player, signed with the node's token
//! signing key. The header's `kid` names the key (the first 8 bytes of its SHA-256, in hex), so
//! the key can rotate: former keys (`previous_token_signing_keys`) still verify the tokens they
//! signed until those expire.
//!
//! Verification pins the algorithm (so `alg: none`, RS256 and the like are refused before any
//! key is tried), requires every claim, checks the issuer, the audience and the expiry, and
//! refuses a token issued in the future (beyond [`LEEWAY_S`]). Times are read from the node's
//! clock, so a test steps a token past its expiry. See RFC 7519 and RFC 8725
//! (JWT best current practices), sections 3.1 and 3.11.

use std::{collections::HashMap, fmt, time::Duration};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use rally_clock::Clock;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::AccountsError;
use crate::settings::{Secret, Secrets, Settings};

/// Clock skew tolerated on `exp` and `iat`, in seconds.
pub const LEEWAY_S: u64 = 30;

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The player's id.
    pub sub: String,
    /// Who issued the token (`token_issuer`).
    pub iss: String,
    /// Who the token is for (`token_audience`).
    pub aud: String,
    /// Issued at, Unix seconds.
    pub iat: u64,
    /// Expires at, Unix seconds.
    pub exp: u64,
    /// The token's own id.
    pub jti: String,
    /// The login (refresh-token family) the token belongs to, so logout can end it.
    pub sid: String,
}

/// A verified access token: who is calling, and from which login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// The player.
    pub player_id: Uuid,
    /// The refresh-token family of the login.
    pub family_id: Uuid,
}

/// The node's token keys: the current one signs (named by its `kid`), it and the former ones
/// (`previous_token_signing_keys`) verify. Players' access tokens and operators' tokens share
/// them, each with its own audience.
pub struct SigningKeys {
    kid: String,
    signing: EncodingKey,
    verifying: HashMap<String, DecodingKey>,
}

/// The keys never print: their ids do.
impl fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKeys")
            .field("kid", &self.kid)
            .field("verifying_kids", &self.kids())
            .finish_non_exhaustive()
    }
}

impl SigningKeys {
    /// The keys the settings and secrets configure.
    pub fn new(settings: &Settings, secrets: &Secrets) -> Self {
        let current = &secrets.token_signing_key;
        let verifying = settings
            .keys
            .previous_token_signing_keys
            .iter()
            .chain(std::iter::once(current))
            .map(|key| {
                (
                    key_id(key),
                    DecodingKey::from_secret(key.expose().as_bytes()),
                )
            })
            .collect();
        Self {
            kid: key_id(current),
            signing: EncodingKey::from_secret(current.expose().as_bytes()),
            verifying,
        }
    }

    /// Signs `claims` with the current key, its `kid` in the header.
    pub fn sign<T: Serialize>(&self, claims: &T) -> jsonwebtoken::errors::Result<String> {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.signing)
    }

    /// The key that verifies `token`: HS256 only (so `alg: none`, RS256 and the like are refused
    /// before any key is tried), by its `kid`; `None` for a token no key of this node signed.
    pub fn key_of(&self, token: &str) -> Option<&DecodingKey> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        if header.alg != Algorithm::HS256 {
            return None;
        }
        header
            .kid
            .as_deref()
            .and_then(|kid| self.verifying.get(kid))
    }

    /// The current key's id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The ids of every key that verifies.
    pub fn kids(&self) -> Vec<&String> {
        self.verifying.keys().collect()
    }
}

/// Issues and verifies access tokens; built once per node and shared through the app state.
pub struct AccessTokens {
    keys: SigningKeys,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: Duration,
    clock: Clock,
}

impl fmt::Debug for AccessTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessTokens")
            .field("kid", &self.keys.kid())
            .field("verifying_kids", &self.keys.kids())
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// The key id of a signing key: the first 8 bytes of its SHA-256, in hex.
pub fn key_id(key: &Secret) -> String {
    let digest = Sha256::digest(key.expose().as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

impl AccessTokens {
    /// The node's token issuer and verifier, telling time by `clock`.
    pub fn new(settings: &Settings, secrets: &Secrets, clock: Clock) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_S;
        // Expiry is checked against `clock` below, not the system's time.
        validation.validate_exp = false;
        validation.set_issuer(&[&settings.accounts.token_issuer]);
        validation.set_audience(&[&settings.accounts.token_audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub", "jti"]);
        Self {
            keys: SigningKeys::new(settings, secrets),
            validation,
            issuer: settings.accounts.token_issuer.clone(),
            audience: settings.accounts.token_audience.clone(),
            ttl: settings.accounts.access_token_ttl(),
            clock,
        }
    }

    /// How long a new token lives.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// A new token for `player_id` from the login `family_id`.
    pub fn issue(&self, player_id: Uuid, family_id: Uuid) -> anyhow::Result<String> {
        let now = self.now();
        self.issue_at(player_id, family_id, now, now + self.ttl.as_secs())
    }

    /// A token with chosen times (for tests of expiry and clock skew, and benchmarks).
    pub fn issue_at(
        &self,
        player_id: Uuid,
        family_id: Uuid,
        iat: u64,
        exp: u64,
    ) -> anyhow::Result<String> {
        let claims = Claims {
            sub: player_id.to_string(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat,
            exp,
            jti: Uuid::now_v7().to_string(),
            sid: family_id.to_string(),
        };
        Ok(self.keys.sign(&claims)?)
    }

    /// The time now on the clock, in Unix seconds.
    pub fn now(&self) -> u64 {
        u64::try_from(self.clock.unix_millis() / 1000).unwrap_or(0)
    }

    /// Verifies a token: its key, algorithm, signature and claims.
    pub fn verify(&self, token: &str) -> Result<Verified, AccountsError> {
        if jsonwebtoken::decode_header(token).is_err() {
            return Err(AccountsError::InvalidToken("the access token is malformed"));
        }
        let key = self.keys.key_of(token).ok_or(AccountsError::InvalidToken(
            "the token's algorithm or key is not accepted",
        ))?;
        let data =
            jsonwebtoken::decode::<Claims>(token, key, &self.validation).map_err(|error| {
                match error.kind() {
                    ErrorKind::ExpiredSignature => AccountsError::TokenExpired,
                    ErrorKind::InvalidSignature => {
                        AccountsError::InvalidToken("the token's signature does not verify")
                    }
                    ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => {
                        AccountsError::InvalidToken("the token is not for this server")
                    }
                    _ => AccountsError::InvalidToken("the access token is malformed"),
                }
            })?;
        let claims = data.claims;
        let now = self.now();
        if claims.exp.saturating_add(LEEWAY_S) < now {
            return Err(AccountsError::TokenExpired);
        }
        if claims.iat > now + LEEWAY_S {
            return Err(AccountsError::InvalidToken(
                "the token is dated in the future",
            ));
        }
        // A token that lives longer than this server issues was not made by this server's
        // rules: a leaked former key must not mint tokens that outlive a rotation.
        if claims.exp.saturating_sub(claims.iat) > self.ttl.as_secs() {
            return Err(AccountsError::InvalidToken(
                "the token lives longer than this server issues",
            ));
        }
        let player_id = Uuid::parse_str(&claims.sub)
            .map_err(|_| AccountsError::InvalidToken("the token names no player"))?;
        let family_id = Uuid::parse_str(&claims.sid)
            .map_err(|_| AccountsError::InvalidToken("the token names no login"))?;
        Ok(Verified {
            player_id,
            family_id,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn tokens(key: &str, previous: &[&str]) -> AccessTokens {
        tokens_on(key, previous, Clock::system())
    }

    fn tokens_on(key: &str, previous: &[&str], clock: Clock) -> AccessTokens {
        let mut settings = Settings::default();
        settings.keys.previous_token_signing_keys =
            previous.iter().map(|k| Secret::new(*k)).collect();
        let secrets = Secrets {
            token_signing_key: Secret::new(key),
            session_token_key: Secret::new("session"),
            server_key: Secret::new("server"),
        };
        AccessTokens::new(&settings, &secrets, clock)
    }

    fn code(result: Result<Verified, AccountsError>) -> &'static str {
        match result.unwrap_err() {
            AccountsError::InvalidToken(_) => "invalid_token",
            AccountsError::TokenExpired => "token_expired",
            other => panic!("not a token refusal: {other}"),
        }
    }

    #[test]
    fn a_token_verifies_with_its_key_and_names_the_player_and_login() {
        let tokens = tokens("key-one", &[]);
        let (player, family) = (Uuid::now_v7(), Uuid::now_v7());
        let verified = tokens
            .verify(&tokens.issue(player, family).unwrap())
            .unwrap();
        assert_eq!((verified.player_id, verified.family_id), (player, family));
    }

    #[test]
    fn a_token_of_a_previous_key_still_verifies_and_one_of_another_key_does_not() {
        let old = tokens("key-old", &[]);
        let rotated = tokens("key-new", &["key-old"]);
        let stranger = tokens("key-stranger", &[]);
        let token = old.issue(Uuid::now_v7(), Uuid::now_v7()).unwrap();
        assert!(rotated.verify(&token).is_ok());
        assert_eq!(code(stranger.verify(&token)), "invalid_token");
    }

    #[test]
    fn expired_and_future_dated_tokens_are_refused_with_their_codes() {
        let tokens = tokens("key", &[]);
        let now = tokens.now();
        let expired = tokens
            .issue_at(Uuid::now_v7(), Uuid::now_v7(), now - 7200, now - 3600)
            .unwrap();
        assert_eq!(code(tokens.verify(&expired)), "token_expired");
        let future = tokens
            .issue_at(Uuid::now_v7(), Uuid::now_v7(), now + 3600, now + 7200)
            .unwrap();
        assert_eq!(code(tokens.verify(&future)), "invalid_token");
    }

    #[test]
    fn a_token_expires_when_the_clock_passes_its_lifetime_and_leeway() {
        let manual = rally_clock::ManualClock::starting_now();
        let tokens = tokens_on("key", &[], manual.clock());
        let token = tokens.issue(Uuid::now_v7(), Uuid::now_v7()).unwrap();
        manual.advance(tokens.ttl() + Duration::from_secs(LEEWAY_S));
        assert!(tokens.verify(&token).is_ok(), "within the leeway");
        manual.advance(Duration::from_secs(2));
        assert_eq!(code(tokens.verify(&token)), "token_expired");
    }

    #[test]
    fn a_token_that_lives_longer_than_the_configured_lifetime_is_refused() {
        let tokens = tokens("key", &[]);
        let now = tokens.now();
        let ttl = tokens.ttl().as_secs();
        let (player, family) = (Uuid::now_v7(), Uuid::now_v7());
        let longest = tokens.issue_at(player, family, now, now + ttl).unwrap();
        assert!(tokens.verify(&longest).is_ok());
        let too_long = tokens.issue_at(player, family, now, now + ttl + 1).unwrap();
        assert_eq!(code(tokens.verify(&too_long)), "invalid_token");
        let year = tokens
            .issue_at(player, family, now - 60, now + 365 * 86_400)
            .unwrap();
        assert_eq!(code(tokens.verify(&year)), "invalid_token");
    }

    #[test]
    fn unsigned_and_garbage_tokens_are_refused() {
        let tokens = tokens("key", &[]);
        let token = tokens.issue(Uuid::now_v7(), Uuid::now_v7()).unwrap();
        let mut parts = token.split('.');
        let (_, claims) = (parts.next().unwrap(), parts.next().unwrap());
        use base64::Engine;
        let none = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert_eq!(
            code(tokens.verify(&format!("{none}.{claims}."))),
            "invalid_token"
        );
        assert_eq!(code(tokens.verify("not-a-token")), "invalid_token");
        assert_eq!(code(tokens.verify("")), "invalid_token");
    }
}
