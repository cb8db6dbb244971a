//! [`AuthenticatedPlayer`]: the extractor of every authenticated route. It reads
//! `Authorization: Bearer <jwt>` and has the accounts service admit the token's player: the
//! token verifies, the account is neither banned nor disabled, and the request is within the
//! player's API budget.

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
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or(ApiError::Unauthorized("this route needs a bearer token"))?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or(ApiError::Unauthorized(
                "expected `Authorization: Bearer <token>`",
            ))?;
        authenticate(app, token).await
    }
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
