//! An account's status (active, banned, disabled) as every request sees it. It is cached in the
//! shared state for at most [`STATUS_CACHE_TTL`], so a ban made anywhere takes effect within
//! that time; bans through Rally replace the cached value at once. A temporary ban whose end
//! has passed is lifted on the next read.

use std::time::Duration;

use rally_state::State;
use rally_store::{PlayerStatus, Store, StoreError};
use uuid::Uuid;

use super::AccountsError;

/// How long a player's status is cached between store reads (the delay before a ban made
/// directly in the database bites; bans through [`forget`] bite at once).
pub const STATUS_CACHE_TTL: Duration = Duration::from_secs(30);

fn key(player_id: Uuid) -> String {
    format!("player-status:{player_id}")
}

/// Refuses a banned or disabled (or deleted) account, reading the status through the cache.
pub async fn ensure_active(
    store: &Store,
    state: &State,
    player_id: Uuid,
) -> Result<(), AccountsError> {
    let key = key(player_id);
    let cached = state
        .get(&key)
        .await?
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| PlayerStatus::try_from(text).ok());
    let status = match cached {
        Some(status) => status,
        None => {
            let status = match store.player(player_id).await {
                Ok(player) => current(store, player_id, player.status).await?,
                Err(StoreError::NotFound) => {
                    return Err(AccountsError::InvalidToken("the token names no player"));
                }
                Err(error) => return Err(error.into()),
            };
            // Only when nothing is cached meanwhile: a ban recorded after the store was read
            // must not be overwritten with the older `active`.
            state
                .set_if_absent(&key, status.as_str().as_bytes(), STATUS_CACHE_TTL)
                .await?;
            status
        }
    };
    refuse_inactive(status)
}

/// The player's status now: a temporary ban whose end has passed is lifted (in the store) and
/// reads as active.
pub async fn current(
    store: &Store,
    player_id: Uuid,
    status: PlayerStatus,
) -> Result<PlayerStatus, AccountsError> {
    if status == PlayerStatus::Banned && store.lift_expired_ban(player_id, store.now()).await? {
        tracing::info!(player.id = %player_id, "a temporary ban ended");
        return Ok(PlayerStatus::Active);
    }
    Ok(status)
}

/// The player's status now, read without writing (for callers inside a transaction): a
/// temporary ban whose end has passed reads as active.
pub async fn read(
    store: &Store,
    player_id: Uuid,
    status: PlayerStatus,
) -> Result<PlayerStatus, AccountsError> {
    if status != PlayerStatus::Banned {
        return Ok(status);
    }
    let ban = store.ban(player_id).await?;
    Ok(rally_store::status_at(status, ban.as_ref(), store.now()))
}

/// The error for a status that may not use the API, if any.
pub fn refuse_inactive(status: PlayerStatus) -> Result<(), AccountsError> {
    match status {
        PlayerStatus::Active => Ok(()),
        PlayerStatus::Banned => Err(AccountsError::AccountBanned),
        PlayerStatus::Disabled => Err(AccountsError::AccountDisabled),
    }
}

/// Caches a player's status as banned, replacing whatever was cached.
pub async fn cache_banned(state: &State, player_id: Uuid) -> Result<(), AccountsError> {
    state
        .set_with_ttl(
            &key(player_id),
            PlayerStatus::Banned.as_str().as_bytes(),
            STATUS_CACHE_TTL,
        )
        .await?;
    Ok(())
}

/// Drops the cached status of a player, so a change of status bites on the next request.
pub async fn forget(state: &State, player_id: Uuid) -> Result<(), AccountsError> {
    state.delete(&key(player_id)).await?;
    Ok(())
}
