//! Profiles: a player's own (with the email), changes to it (with the `profile.updated` event
//! in the same transaction), the public profile other players see, and status changes (bans).

use rally_engine::RatingSystem;
use rally_protocol::{
    AvatarUrl, DisplayName, Email, Password, PlayerProfile, PublicProfile, RatingSummary,
    UpdateProfileRequest,
    event::{Event, ProfileUpdated},
};
use rally_store::{PlayerStatus, ProfileChange, StoreError};
use uuid::Uuid;

use super::{Accounts, AccountsError, limit, own_profile, registration::offered_region, status};
use crate::{
    bus,
    matchmaking::{Queues, queues::rating_system_name},
    settings::AccountSettings,
};

/// A profile change whose every field follows its rule.
#[derive(Debug, Default)]
pub struct ProfileUpdate {
    change: ProfileChange,
    new_password: Option<Password>,
    current_password: Option<String>,
}

impl ProfileUpdate {
    /// Parses a request against the rules and the regions `settings` offer.
    pub fn parse(
        request: UpdateProfileRequest,
        settings: &AccountSettings,
    ) -> Result<Self, AccountsError> {
        let display_name = request
            .display_name
            .map(|v| DisplayName::try_from(v).map(DisplayName::into_inner))
            .transpose()?;
        let region = request
            .region
            .map(|v| offered_region(v, settings).map(|r| r.into_inner()))
            .transpose()?;
        let avatar_url = request
            .avatar_url
            .map(|v| AvatarUrl::try_from(v).map(AvatarUrl::into_inner))
            .transpose()?;
        let email = request
            .email
            .map(|v| Email::try_from(v).map(Email::into_inner))
            .transpose()?;
        let new_password = request
            .new_password
            .map(|v| Password::parse("new_password", v))
            .transpose()?;
        Ok(Self {
            change: ProfileChange {
                display_name,
                region,
                avatar_url,
                email,
            },
            new_password,
            current_password: request.current_password,
        })
    }

    /// The names of the fields this update changes, for the event.
    fn changed_fields(&self) -> Vec<&'static str> {
        let c = &self.change;
        [
            ("display_name", c.display_name.is_some()),
            ("region", c.region.is_some()),
            ("avatar_url", c.avatar_url.is_some()),
            ("email", c.email.is_some()),
            ("password", self.new_password.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, changed)| changed.then_some(name))
        .collect()
    }
}

/// The player's own profile.
pub async fn me(accounts: &Accounts, player_id: Uuid) -> Result<PlayerProfile, AccountsError> {
    match accounts.store.player(player_id).await {
        Ok(player) => Ok(own_profile(&player)),
        Err(StoreError::NotFound) => Err(AccountsError::PlayerNotFound),
        Err(error) => Err(error.into()),
    }
}

/// Applies an update; the email and the password change only with the current password, and a
/// new password ends every other login of the player.
pub async fn update(
    accounts: &Accounts,
    player_id: Uuid,
    family_id: Uuid,
    update: ProfileUpdate,
) -> Result<PlayerProfile, AccountsError> {
    let store = &accounts.store;
    if update.change.email.is_some() || update.new_password.is_some() {
        let current = update
            .current_password
            .clone()
            .ok_or(AccountsError::CurrentPasswordRequired)?;
        // Guesses of the current password count with failed logins, under the same subject
        // and lock: a stolen access token must not be a way to brute-force the password.
        let state = &accounts.state;
        let subject = format!("player:{player_id}");
        limit::check_login_lock(state, &subject).await?;
        let stored = store.password_hash(player_id).await?;
        if !accounts.hasher.verify(current, stored).await? {
            let quota = accounts.settings.login_failure_quota();
            limit::record_login_failure(state, &subject, quota).await?;
            return Err(AccountsError::CurrentPasswordRequired);
        }
    }
    let new_hash = match &update.new_password {
        Some(new) => Some(accounts.hasher.hash(new.as_str().to_owned()).await?),
        None => None,
    };
    let fields = update.changed_fields();
    let mut tx = store.begin().await?;
    let player = tx
        .update_profile(player_id, &update.change)
        .await
        .map_err(AccountsError::conflict_or_store)?;
    if let Some(hash) = &new_hash {
        tx.set_password_hash(player_id, hash).await?;
        tx.revoke_other_refresh_families(player_id, family_id)
            .await?;
    }
    if !fields.is_empty() {
        let updated = ProfileUpdated {
            player_id,
            changed: fields.iter().map(ToString::to_string).collect(),
            display_name: player.display_name.clone(),
            region: player.region.clone(),
            avatar_url: player.avatar_url.clone(),
            updated_at: player.updated_at.unix_millis(),
        };
        let event = Event::ProfileUpdated(updated);
        bus::outbox::enqueue(&mut tx, player_id, event).await?;
    }
    tx.commit()
        .await
        .map_err(AccountsError::conflict_or_store)?;
    Ok(own_profile(&player))
}

/// What other players see of `player_id`: never the email. Each rating is shown whole, in the
/// system of its queue (`queues`).
pub async fn public(
    accounts: &Accounts,
    queues: &Queues,
    player_id: Uuid,
) -> Result<PublicProfile, AccountsError> {
    let store = &accounts.store;
    let player = match store.player(player_id).await {
        Ok(player) => player,
        Err(StoreError::NotFound) => return Err(AccountsError::PlayerNotFound),
        Err(error) => return Err(error.into()),
    };
    let ratings = match store.active_season().await? {
        Some(season) => store
            .player_ratings(player_id, season.id)
            .await?
            .into_iter()
            .map(|r| {
                // A queue no longer configured has no system to read the rating in.
                let system = queues.get(&r.mode).map(|(_, config)| config.rating_system);
                RatingSummary {
                    system: system.map(|s| rating_system_name(s).to_owned()),
                    volatility: (system == Some(RatingSystem::Glicko2)).then_some(r.volatility),
                    mode: r.mode,
                    mean: r.mean,
                    uncertainty: r.uncertainty,
                    games: r.games,
                }
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(PublicProfile {
        id: player.id,
        username: player.username,
        display_name: player.display_name,
        region: player.region,
        avatar_url: player.avatar_url,
        ratings,
    })
}

/// Bans, disables or reinstates a player: their refresh tokens are revoked (unless reinstated)
/// and their live access tokens stop working on the next request, on every node sharing the
/// state (and within `STATUS_CACHE_TTL` on nodes that do not).
pub async fn set_status(
    accounts: &Accounts,
    player_id: Uuid,
    status: PlayerStatus,
) -> Result<(), AccountsError> {
    let store = &accounts.store;
    let mut tx = store.begin().await?;
    match tx.set_player_status(player_id, status).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => return Err(AccountsError::PlayerNotFound),
        Err(error) => return Err(error.into()),
    }
    if status != PlayerStatus::Active {
        tx.revoke_player_refresh_tokens(player_id).await?;
    }
    tx.commit().await?;
    status::forget(&accounts.state, player_id).await
}
