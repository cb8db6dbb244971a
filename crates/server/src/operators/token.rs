//! Operator tokens: short-lived JWTs (HS256) naming the operator, signed with the node's token
//! signing key like players' access tokens but for their own audience (`<token_audience>:operators`),
//! so an operator token is refused on every player route and a player's on every admin route.
//! The operator's role is read from the store on each request, not from the token, so a role
//! change or a disable bites at once.

use std::{fmt, time::Duration};

use jsonwebtoken::{Algorithm, Validation};
use rally_clock::Clock;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::OperatorError;
use crate::{
    accounts::access_token::{LEEWAY_S, SigningKeys},
    settings::{Secrets, Settings},
};

/// How long an operator token lives: a working session, then log in again.
pub const OPERATOR_TOKEN_TTL: Duration = Duration::from_secs(15 * 60);

/// The claims of an operator token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iss: String,
    aud: String,
    iat: u64,
    exp: u64,
    jti: String,
}

/// Issues and verifies operator tokens.
pub struct OperatorTokens {
    keys: SigningKeys,
    validation: Validation,
    issuer: String,
    audience: String,
    clock: Clock,
}

impl fmt::Debug for OperatorTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OperatorTokens")
            .field("kid", &self.keys.kid())
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl OperatorTokens {
    /// The node's operator-token issuer and verifier, telling time by `clock`.
    pub fn new(settings: &Settings, secrets: &Secrets, clock: Clock) -> Self {
        let audience = format!("{}:operators", settings.accounts.token_audience);
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
            clock,
        }
    }

    /// A new token for `operator_id`.
    pub fn issue(&self, operator_id: Uuid) -> anyhow::Result<String> {
        let now = self.now();
        let claims = Claims {
            sub: operator_id.to_string(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + OPERATOR_TOKEN_TTL.as_secs(),
            jti: Uuid::now_v7().to_string(),
        };
        Ok(self.keys.sign(&claims)?)
    }

    /// The operator a token names, once its key, algorithm, signature, audience and times
    /// check out.
    pub fn verify(&self, token: &str) -> Result<Uuid, OperatorError> {
        let key = self.keys.key_of(token).ok_or(OperatorError::InvalidToken)?;
        let claims = jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map_err(|_| OperatorError::InvalidToken)?
            .claims;
        let now = self.now();
        if claims.exp.saturating_add(LEEWAY_S) < now {
            return Err(OperatorError::TokenExpired);
        }
        if claims.iat > now + LEEWAY_S
            || claims.exp.saturating_sub(claims.iat) > OPERATOR_TOKEN_TTL.as_secs()
        {
            return Err(OperatorError::InvalidToken);
        }
        Uuid::parse_str(&claims.sub).map_err(|_| OperatorError::InvalidToken)
    }

    fn now(&self) -> u64 {
        u64::try_from(self.clock.unix_millis() / 1000).unwrap_or(0)
    }
}
