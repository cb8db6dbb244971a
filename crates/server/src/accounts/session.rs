//! A login's tokens: a new family with its first refresh token, rotation of a refresh token
//! (spent and replaced in one transaction; a spent token presented again revokes its family),
//! and logout.

use rally_protocol::AuthResponse;
use rally_store::{NewRefreshToken, Player, StoreError, Timestamp, Transaction, new_id};
use uuid::Uuid;

use super::own_profile;
use crate::{
    app::AppState,
    auth::{authenticated, refresh_secret},
    http::ApiError,
};

/// Stores the first refresh token of a new login (family) of `player` inside `tx` and returns
/// the answer to give once `tx` commits.
pub async fn start(
    app: &AppState,
    tx: &mut Transaction,
    player: &Player,
) -> Result<AuthResponse, ApiError> {
    issue(app, tx, player, new_id()).await
}

/// A token pair for `player` in the family `family_id`; the refresh token is stored in `tx`.
async fn issue(
    app: &AppState,
    tx: &mut Transaction,
    player: &Player,
    family_id: Uuid,
) -> Result<AuthResponse, ApiError> {
    let (refresh_token, token_hash) = refresh_secret::generate();
    let now = Timestamp::now();
    let ttl = i64::try_from(app.settings().refresh_token_ttl_s)
        .expect("BUG: the refresh token TTL is validated to fit");
    tx.insert_refresh_token(&NewRefreshToken {
        id: new_id(),
        player_id: player.id,
        family_id,
        token_hash,
        issued_at: now,
        expires_at: now.plus(time::Duration::seconds(ttl)),
    })
    .await
    .map_err(ApiError::store)?;
    let access_token = app.tokens().issue(player.id, family_id)?;
    Ok(AuthResponse {
        access_token,
        refresh_token,
        token_type: "Bearer".to_owned(),
        expires_in: app.tokens().ttl().as_secs(),
        player: own_profile(player),
    })
}

/// Spends `presented` and answers a new pair in the same family. A spent token presented
/// again revokes the family (RFC 9700, section 4.14.2: refresh token rotation).
pub async fn refresh(app: &AppState, presented: &str) -> Result<AuthResponse, ApiError> {
    let store = &app.backends().store;
    let hash = refresh_secret::hash(presented).ok_or(ApiError::InvalidRefreshToken)?;
    let mut tx = store.begin().await.map_err(ApiError::store)?;
    let spent = match tx.spend_refresh_token(&hash).await {
        Ok(spent) => spent,
        Err(StoreError::NotFound) => {
            drop(tx);
            return Err(why_refused(app, &hash).await);
        }
        Err(error) => return Err(ApiError::store(error)),
    };
    let player = store
        .player(spent.player_id)
        .await
        .map_err(ApiError::store)?;
    if let Err(refused) = authenticated::refuse_inactive(player.status) {
        tx.revoke_player_refresh_tokens(player.id)
            .await
            .map_err(ApiError::store)?;
        tx.commit().await.map_err(ApiError::store)?;
        return Err(refused);
    }
    let answer = issue(app, &mut tx, &player, spent.family_id).await?;
    tx.commit().await.map_err(ApiError::store)?;
    Ok(answer)
}

/// Why a token could not be spent; revokes the family when it is a reuse.
async fn why_refused(app: &AppState, hash: &[u8]) -> ApiError {
    let store = &app.backends().store;
    let token = match store.refresh_token_by_hash(hash).await {
        Ok(Some(token)) => token,
        Ok(None) => return ApiError::InvalidRefreshToken,
        Err(error) => return ApiError::store(error),
    };
    if token.revoked_at.is_some() {
        return ApiError::RefreshTokenRevoked;
    }
    if token.spent_at.is_some() {
        if let Err(error) = store.revoke_refresh_family(token.family_id).await {
            return ApiError::store(error);
        }
        tracing::warn!(player.id = %token.player_id, family.id = %token.family_id, "a spent refresh token was presented again; its family is revoked");
        return ApiError::RefreshTokenReused;
    }
    ApiError::RefreshTokenExpired
}

/// Ends the login `family_id` of `player_id`, or every login of the player when `all`.
pub async fn logout(
    app: &AppState,
    player_id: Uuid,
    family_id: Uuid,
    all: bool,
) -> Result<(), ApiError> {
    let store = &app.backends().store;
    let result = if all {
        store.revoke_player_refresh_tokens(player_id).await
    } else {
        store.revoke_refresh_family(family_id).await
    };
    result.map(|_| ()).map_err(ApiError::store)
}
