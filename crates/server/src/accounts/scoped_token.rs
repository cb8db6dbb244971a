//! Scoped tokens: short-lived JWTs (HS256) naming one subject, signed with the node's token
//! signing key like players' access tokens but for an audience of their own
//! (`<token_audience>:<scope>`), so a token of one scope is refused everywhere else. Two scopes
//! use them: `operators` (an operator's token for `/admin/v1/*`; their role is read from the
//! store on each request, so a role change or a disable bites at once) and `appeals` (what a
//! banned player's login answers: good only for reading their sanctions and appealing them).

use std::{fmt, time::Duration};

use jsonwebtoken::{Algorithm, Validation};
use rally_clock::Clock;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::access_token::{LEEWAY_S, SigningKeys};
use crate::settings::{Secrets, Settings};

/// Why a scoped token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopedTokenError {
    /// Not a token of this scope and server.
    Invalid,
    /// Past its end.
    Expired,
}

/// The claims of a scoped token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iss: String,
    aud: String,
    iat: u64,
    exp: u64,
    jti: String,
}

/// Issues and verifies the tokens of one scope.
pub struct ScopedTokens {
    keys: SigningKeys,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: Duration,
    clock: Clock,
}

impl fmt::Debug for ScopedTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopedTokens")
            .field("kid", &self.keys.kid())
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl ScopedTokens {
    /// The node's issuer and verifier of `scope`'s tokens, each good for `ttl`, telling time
    /// by `clock`.
    pub fn new(
        settings: &Settings,
        secrets: &Secrets,
        clock: Clock,
        scope: &str,
        ttl: Duration,
    ) -> Self {
        let audience = format!("{}:{scope}", settings.accounts.token_audience);
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_S;
        validation.validate_exp = false;
        validation.set_issuer(&[&settings.accounts.token_issuer]);
        validation.set_audience(&[&audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub", "jti"]);
        Self {
            keys: SigningKeys::new(settings, secrets),
            validation,
            issuer: settings.accounts.token_issuer.clone(),
            audience,
            ttl,
            clock,
        }
    }

    /// How long a token lives.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// A new token for `subject`.
    pub fn issue(&self, subject: Uuid) -> anyhow::Result<String> {
        let now = self.now();
        let claims = Claims {
            sub: subject.to_string(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + self.ttl.as_secs(),
            jti: Uuid::now_v7().to_string(),
        };
        Ok(self.keys.sign(&claims)?)
    }

    /// The subject a token names, once its key, algorithm, signature, audience and times
    /// check out.
    pub fn verify(&self, token: &str) -> Result<Uuid, ScopedTokenError> {
        let key = self.keys.key_of(token).ok_or(ScopedTokenError::Invalid)?;
        let claims = jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map_err(|_| ScopedTokenError::Invalid)?
            .claims;
        let now = self.now();
        if claims.exp.saturating_add(LEEWAY_S) < now {
            return Err(ScopedTokenError::Expired);
        }
        if claims.iat > now + LEEWAY_S || claims.exp.saturating_sub(claims.iat) > self.ttl.as_secs()
        {
            return Err(ScopedTokenError::Invalid);
        }
        Uuid::parse_str(&claims.sub).map_err(|_| ScopedTokenError::Invalid)
    }

    fn now(&self) -> u64 {
        u64::try_from(self.clock.unix_millis() / 1000).unwrap_or(0)
    }
}
