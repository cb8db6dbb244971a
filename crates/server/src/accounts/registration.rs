//! Registration: validate at the edge, hash the password off the runtime, then create the
//! player, its first login and its `player.registered` event in one transaction. The unique
//! indexes decide races: of two registrations of one name, one gets 201 and the other 409.

use rally_protocol::{
    AuthResponse, DisplayName, Email, FieldError, Password, RegionName, RegisterRequest, Username,
    event::{Event, PlayerRegistered},
};
use std::net::IpAddr;

use rally_store::{NewPlayer, new_id};

use super::{Accounts, AccountsError, session};
use crate::{bus, settings::AccountSettings};

/// A registration whose every field follows its rule.
#[derive(Debug)]
pub struct Registration {
    username: Username,
    email: Email,
    password: Password,
    display_name: DisplayName,
    region: Option<RegionName>,
}

impl Registration {
    /// Parses a request against the rules and the regions `settings` offer.
    pub fn parse(
        request: RegisterRequest,
        settings: &AccountSettings,
    ) -> Result<Self, AccountsError> {
        let username = Username::try_from(request.username)?;
        let email = Email::try_from(request.email)?;
        let password = Password::try_from(request.password)?;
        let display_name = DisplayName::try_from(
            request
                .display_name
                .unwrap_or_else(|| username.as_str().to_owned()),
        )?;
        let region = request
            .region
            .map(|region| offered_region(region, settings))
            .transpose()?;
        Ok(Self {
            username,
            email,
            password,
            display_name,
            region,
        })
    }
}

/// A region that both has the right shape and is offered by this server.
pub fn offered_region(
    region: String,
    settings: &AccountSettings,
) -> Result<RegionName, AccountsError> {
    let region = RegionName::try_from(region)?;
    if settings.offers_region(region.as_str()) {
        Ok(region)
    } else {
        Err(FieldError {
            field: "region",
            code: "invalid_region",
            reason: "not a region this server offers",
        }
        .into())
    }
}

/// Creates the player and its first login, for a client at `address` (registrations per
/// address are rate-limited).
pub async fn register(
    accounts: &Accounts,
    request: RegisterRequest,
    address: IpAddr,
) -> Result<AuthResponse, AccountsError> {
    accounts.admit_registration(address).await?;
    let registration = Registration::parse(request, &accounts.settings)?;
    let hash = accounts
        .hasher
        .hash(registration.password.into_inner())
        .await?;
    let new = NewPlayer {
        id: new_id(),
        username: registration.username.into_inner(),
        email: registration.email.into_inner(),
        display_name: registration.display_name.into_inner(),
        region: registration.region.map(RegionName::into_inner),
    };
    // The hash is paid for: the write waits its turn at the store rather than being refused
    // and making the player pay for another.
    rally_store::unsheddable(create(accounts, &new, &hash)).await
}

/// Stores the new player, its `player.registered` event and its first login.
async fn create(
    accounts: &Accounts,
    new: &NewPlayer,
    hash: &str,
) -> Result<AuthResponse, AccountsError> {
    let mut tx = accounts.store.begin().await?;
    let player = tx
        .create_player(new, hash)
        .await
        .map_err(AccountsError::conflict_or_store)?;
    let registered = PlayerRegistered {
        player_id: player.id,
        username: player.username.clone(),
        display_name: player.display_name.clone(),
        region: player.region.clone(),
        registered_at: player.created_at.unix_millis(),
    };
    let event = Event::PlayerRegistered(registered);
    bus::outbox::enqueue(&mut tx, player.id, event).await?;
    let answer = session::start(accounts, &mut tx, &player).await?;
    tx.commit()
        .await
        .map_err(AccountsError::conflict_or_store)?;
    tracing::info!(player.id = %player.id, "player registered");
    Ok(answer)
}
