//! A login's tokens: a new family with its first refresh token, rotation of a refresh token
//! (spent and replaced in one transaction; a spent token presented again revokes its family),
//! and logout.
//!
//! A client that retries a refresh after a network timeout presents the token it just spent.
//! Within `refresh_reuse_interval_s` of the spend that is not theft: the answer is the same
//! successor pair, kept in the state backend for that long under the spent token's hash (the
//! two tokens only). When the state lost it, the login's other tokens are revoked and a new
//! pair issued, so the login never has two live chains. Past the interval, reuse revokes.

use rally_protocol::AuthResponse;
use rally_store::{NewRefreshToken, Player, StoreError, Transaction, new_id};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Accounts, AccountsError, own_profile, refresh_secret, status};

/// Stores the first refresh token of a new login (family) of `player` inside `tx` and returns
/// the answer to give once `tx` commits.
pub async fn start(
    accounts: &Accounts,
    tx: &mut Transaction,
    player: &Player,
) -> Result<AuthResponse, AccountsError> {
    issue(accounts, tx, player, new_id()).await
}

/// A token pair for `player` in the family `family_id`; the refresh token is stored in `tx`.
async fn issue(
    accounts: &Accounts,
    tx: &mut Transaction,
    player: &Player,
    family_id: Uuid,
) -> Result<AuthResponse, AccountsError> {
    let (refresh_token, token_hash) = refresh_secret::generate();
    let now = tx.now();
    let ttl = i64::try_from(accounts.settings.refresh_token_ttl_s)
        .expect("BUG: the refresh token TTL is validated to fit");
    tx.insert_refresh_token(&NewRefreshToken {
        id: new_id(),
        player_id: player.id,
        family_id,
        token_hash,
        issued_at: now,
        expires_at: now.plus(time::Duration::seconds(ttl)),
    })
    .await?;
    let access_token = accounts.tokens.issue(player.id, family_id)?;
    Ok(AuthResponse {
        access_token,
        refresh_token,
        token_type: "Bearer".to_owned(),
        expires_in: accounts.tokens.ttl().as_secs(),
        player: own_profile(player),
    })
}

/// Spends `presented` and answers a new pair in the same family. A spent token presented
/// again revokes the family (RFC 9700, section 4.14.2: refresh token rotation).
pub async fn refresh(accounts: &Accounts, presented: &str) -> Result<AuthResponse, AccountsError> {
    let store = &accounts.store;
    let hash = refresh_secret::hash(presented).ok_or(AccountsError::InvalidRefreshToken)?;
    let mut tx = store.begin().await?;
    let spent = match tx.spend_refresh_token(&hash).await {
        Ok(spent) => spent,
        Err(StoreError::NotFound) => {
            drop(tx);
            return retry_or_refusal(accounts, &hash).await;
        }
        Err(error) => return Err(error.into()),
    };
    let player = store.player(spent.player_id).await?;
    // Inside the spend's transaction: read the ban, lift nothing (the next request does).
    let current = status::read(store, player.id, player.status).await?;
    if let Err(refused) = status::refuse_inactive(current) {
        tx.revoke_player_refresh_tokens(player.id).await?;
        tx.commit().await?;
        return Err(refused);
    }
    let answer = issue(accounts, &mut tx, &player, spent.family_id).await?;
    // Kept before the commit, so a retry that waited for this spend finds it.
    remember_successor(accounts, &hash, &answer).await;
    tx.commit().await?;
    Ok(answer)
}

/// What is kept of a successor: its two tokens, nothing of the player.
#[derive(Serialize, Deserialize)]
struct KeptPair {
    access_token: String,
    refresh_token: String,
}

fn successor_key(hash: &[u8]) -> String {
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("refresh-successor:{hex}")
}

/// Keeps the pair that replaced the token with `hash` for the reuse interval (best effort:
/// without it a retry gets a new pair of the same login).
async fn remember_successor(accounts: &Accounts, hash: &[u8], answer: &AuthResponse) {
    let Some(interval) = accounts.settings.refresh_reuse_interval() else {
        return;
    };
    let kept = KeptPair {
        access_token: answer.access_token.clone(),
        refresh_token: answer.refresh_token.clone(),
    };
    let bytes = serde_json::to_vec(&kept).expect("BUG: a token pair serializes");
    if let Err(error) = accounts
        .state
        .set_with_ttl(&successor_key(hash), &bytes, interval)
        .await
    {
        tracing::debug!(error = %error, "cannot keep a refresh token's successor");
    }
}

/// The answer to a token spent within the reuse interval: the successor kept when it was
/// spent, or a new pair of the same login.
async fn successor(
    accounts: &Accounts,
    hash: &[u8],
    token: &rally_store::RefreshToken,
) -> Result<AuthResponse, AccountsError> {
    let kept = accounts
        .state
        .get(&successor_key(hash))
        .await?
        .and_then(|bytes| serde_json::from_slice::<KeptPair>(&bytes).ok());
    let store = &accounts.store;
    let player = store.player(token.player_id).await?;
    status::refuse_inactive(status::current(store, player.id, player.status).await?)?;
    if let Some(kept) = kept {
        return Ok(AuthResponse {
            access_token: kept.access_token,
            refresh_token: kept.refresh_token,
            token_type: "Bearer".to_owned(),
            expires_in: accounts.tokens.ttl().as_secs(),
            player: own_profile(&player),
        });
    }
    // The successor is unknown here: end the login's other tokens, so only this pair lives.
    let mut tx = store.begin().await?;
    tx.revoke_refresh_family(token.family_id).await?;
    let answer = issue(accounts, &mut tx, &player, token.family_id).await?;
    tx.commit().await?;
    Ok(answer)
}

/// A token that could not be spent: the successor pair when it was spent within the reuse
/// interval (a client's retry); otherwise why it is refused, revoking the family on a reuse.
async fn retry_or_refusal(accounts: &Accounts, hash: &[u8]) -> Result<AuthResponse, AccountsError> {
    let store = &accounts.store;
    let token = match store.refresh_token_by_hash(hash).await {
        Ok(Some(token)) => token,
        Ok(None) => return Err(AccountsError::InvalidRefreshToken),
        Err(error) => return Err(error.into()),
    };
    if token.revoked_at.is_some() {
        return Err(AccountsError::RefreshTokenRevoked);
    }
    if let Some(spent_at) = token.spent_at {
        let since_ms = store
            .now()
            .unix_millis()
            .saturating_sub(spent_at.unix_millis());
        let within = accounts
            .settings
            .refresh_reuse_interval()
            .is_some_and(|interval| {
                u128::try_from(since_ms).is_ok_and(|ms| ms < interval.as_millis())
            });
        if within {
            return successor(accounts, hash, &token).await;
        }
        store.revoke_refresh_family(token.family_id).await?;
        tracing::warn!(player.id = %token.player_id, family.id = %token.family_id, "a spent refresh token was presented again; its family is revoked");
        return Err(AccountsError::RefreshTokenReused);
    }
    Err(AccountsError::RefreshTokenExpired)
}

/// Ends the login `family_id` of `player_id`, or every login of the player when `all`.
pub async fn logout(
    accounts: &Accounts,
    player_id: Uuid,
    family_id: Uuid,
    all: bool,
) -> Result<(), AccountsError> {
    let store = &accounts.store;
    let result = if all {
        store.revoke_player_refresh_tokens(player_id).await
    } else {
        store.revoke_refresh_family(family_id).await
    };
    result?;
    Ok(())
}
