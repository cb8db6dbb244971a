//! [`AppealingPlayer`]: the extractor of the appeal routes (`/v1/sanctions`, `/v1/appeals`).
//! It takes a player's access token, as every player route does, or the appeal token a
//! banned player's login answers: a ban refuses everything else, but a banned player may still
//! read their sanctions and appeal them. An appeal token works nowhere but here.

use axum::{extract::FromRequestParts, http::request::Parts};
use uuid::Uuid;

use super::{ApiError, authenticated::bearer};
use crate::{accounts::scoped_token::ScopedTokenError, app::AppState};

/// The player a request on an appeal route is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppealingPlayer(pub Uuid);

impl FromRequestParts<AppState> for AppealingPlayer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        match app.accounts().appeal_tokens().verify(token) {
            Ok(player_id) => Ok(Self(player_id)),
            Err(ScopedTokenError::Expired) => Err(ApiError::TokenExpired),
            Err(ScopedTokenError::Invalid) => {
                let verified = app.accounts().authenticate(token).await?;
                Ok(Self(verified.player_id))
            }
        }
    }
}
