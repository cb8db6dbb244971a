//! [`AuthenticatedPlayer`]: the extractor of every authenticated route. It reads
//! `Authorization: Bearer <jwt>` and has the accounts service admit the token's player: the
//! token verifies, the account is neither banned nor disabled, and the request is within the
//! player's API budget.
//!
//! [`VerifiedPlayer`] is the same for reads with no effect: the token is verified at once, and
//! the admission runs alongside the read ([`VerifiedPlayer::admitted`]), so on Redis the two
//! share one round trip instead of taking one each. A refused player gets the refusal, never
//! the read. What that costs: a player over their budget still makes the read they are refused
//! (a leaderboard read is one call to the sorted sets, as cheap as the admission itself).

use axum::{extract::FromRequestParts, http::header, http::request::Parts};
use uuid::Uuid;

use super::ApiError;
use crate::app::AppState;

/// The player a request is authenticated as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthenticatedPlayer {
    /// The player.
    pub player_id: Uuid,
    /// The refresh-token family of the login the access token came from.
    pub family_id: Uuid,
}

impl FromRequestParts<AppState> for AuthenticatedPlayer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        authenticate(app, bearer(parts)?).await
    }
}

/// The player of a verified access token, admitted only alongside a read
/// ([`VerifiedPlayer::admitted`]; see the module).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedPlayer {
    /// The player.
    pub player_id: Uuid,
}

impl VerifiedPlayer {
    /// Runs `read` while the player is admitted; the refusal when they are not, else what
    /// `read` answered.
    pub async fn admitted<T, E>(
        self,
        app: &AppState,
        read: impl Future<Output = Result<T, E>>,
    ) -> Result<T, ApiError>
    where
        ApiError: From<E>,
    {
        let (admitted, read) = tokio::join!(app.accounts().admit(self.player_id), read);
        admitted?;
        Ok(read?)
    }
}

impl FromRequestParts<AppState> for VerifiedPlayer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let verified = app.accounts().tokens().verify(bearer(parts)?)?;
        Ok(Self {
            player_id: verified.player_id,
        })
    }
}

/// The token of `Authorization: Bearer <token>`.
pub(crate) fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::Unauthorized("this route needs a bearer token"))?;
    value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or(ApiError::Unauthorized(
            "expected `Authorization: Bearer <token>`",
        ))
}

/// Verifies an access token and admits its player (see
/// [`crate::accounts::Accounts::authenticate`]). Shared by
/// the bearer extractor and the WebSocket gateway (whose browsers pass the token as a query
/// parameter).
pub async fn authenticate(app: &AppState, token: &str) -> Result<AuthenticatedPlayer, ApiError> {
    let verified = app.accounts().authenticate(token).await?;
    Ok(AuthenticatedPlayer {
        player_id: verified.player_id,
        family_id: verified.family_id,
    })
}
