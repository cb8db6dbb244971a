//! [`AuthenticatedPlayer`]: the extractor of every authenticated route. It reads
//! `Authorization: Bearer <jwt>`, verifies the token, refuses a banned or disabled account
//! (its status is cached in the shared state for at most [`STATUS_CACHE_TTL`], so a ban made
//! anywhere takes effect within that time), and counts the request against the player's API
//! budget.

use std::time::Duration;

use axum::{extract::FromRequestParts, http::header, http::request::Parts};
use rally_state::State;
use rally_store::{PlayerStatus, Store, StoreError};
use uuid::Uuid;

use super::limit;
use crate::{app::AppState, http::ApiError};

/// How long a player's status is cached between store reads (the delay before a ban made
/// directly in the database bites; bans through [`forget_status`] bite at once).
pub const STATUS_CACHE_TTL: Duration = Duration::from_secs(30);

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

/// Verifies an access token and admits its player: not banned or disabled, within the API
/// budget. Shared by the bearer extractor and the WebSocket gateway (whose browsers pass the
/// token as a query parameter).
pub async fn authenticate(app: &AppState, token: &str) -> Result<AuthenticatedPlayer, ApiError> {
    let verified = app.tokens().verify(token)?;
    ensure_active(app, verified.player_id).await?;
    limit::check(
        &app.backends().state,
        &format!("limit:api:{}", verified.player_id),
        app.settings().api_quota(),
    )
    .await?;
    Ok(AuthenticatedPlayer {
        player_id: verified.player_id,
        family_id: verified.family_id,
    })
}

fn status_key(player_id: Uuid) -> String {
    format!("player-status:{player_id}")
}

/// Refuses a banned or disabled (or deleted) account, reading the status through the cache.
pub async fn ensure_active(app: &AppState, player_id: Uuid) -> Result<(), ApiError> {
    let state = &app.backends().state;
    let key = status_key(player_id);
    let cached = state
        .get(&key)
        .await
        .map_err(ApiError::state)?
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| PlayerStatus::try_from(text).ok());
    let status = match cached {
        Some(status) => status,
        None => {
            let store = &app.backends().store;
            let status = match store.player(player_id).await {
                Ok(player) => current_status(store, player_id, player.status).await?,
                Err(StoreError::NotFound) => {
                    return Err(ApiError::InvalidToken("the token names no player"));
                }
                Err(error) => return Err(ApiError::store(error)),
            };
            // Only when nothing is cached meanwhile: a ban recorded after the store was read
            // must not be overwritten with the older `active`.
            state
                .set_if_absent(&key, status.as_str().as_bytes(), STATUS_CACHE_TTL)
                .await
                .map_err(ApiError::state)?;
            status
        }
    };
    refuse_inactive(status)
}

/// The player's status now: a temporary ban whose end has passed is lifted (in the store) and
/// reads as active.
pub async fn current_status(
    store: &Store,
    player_id: Uuid,
    status: PlayerStatus,
) -> Result<PlayerStatus, ApiError> {
    if status == PlayerStatus::Banned
        && store
            .lift_expired_ban(player_id, store.now())
            .await
            .map_err(ApiError::store)?
    {
        tracing::info!(player.id = %player_id, "a temporary ban ended");
        return Ok(PlayerStatus::Active);
    }
    Ok(status)
}

/// The player's status now, read without writing (for callers inside a transaction): a
/// temporary ban whose end has passed reads as active.
pub async fn status_now(
    store: &Store,
    player_id: Uuid,
    status: PlayerStatus,
) -> Result<PlayerStatus, ApiError> {
    if status != PlayerStatus::Banned {
        return Ok(status);
    }
    let ban = store.ban(player_id).await.map_err(ApiError::store)?;
    Ok(rally_store::status_at(status, ban.as_ref(), store.now()))
}

/// The error for a status that may not use the API, if any.
pub fn refuse_inactive(status: PlayerStatus) -> Result<(), ApiError> {
    match status {
        PlayerStatus::Active => Ok(()),
        PlayerStatus::Banned => Err(ApiError::AccountBanned),
        PlayerStatus::Disabled => Err(ApiError::AccountDisabled),
    }
}

/// Caches a player's status as banned, replacing whatever was cached.
pub async fn cache_banned(app: &AppState, player_id: Uuid) -> Result<(), ApiError> {
    app.backends()
        .state
        .set_with_ttl(
            &status_key(player_id),
            PlayerStatus::Banned.as_str().as_bytes(),
            STATUS_CACHE_TTL,
        )
        .await
        .map_err(ApiError::state)
}

/// Drops the cached status of a player, so a change of status bites on the next request.
pub async fn forget_status(app: &AppState, player_id: Uuid) -> Result<(), ApiError> {
    forget_status_in(&app.backends().state, player_id).await
}

/// [`forget_status`] for a tool that holds only the state backend (`rally player unban`).
pub async fn forget_status_in(state: &State, player_id: Uuid) -> Result<(), ApiError> {
    state
        .delete(&status_key(player_id))
        .await
        .map(|_| ())
        .map_err(ApiError::state)
}
