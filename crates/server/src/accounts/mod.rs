//! The account rules, below the handlers: registration, login, refresh and logout, profiles
//! and bans. Handlers in `routes::auth` and `routes::profile` parse, call one function here and
//! answer.
//!
//! - [`registration`]: a new player, its first login and its `player.registered` event.
//! - [`login`]: password login with per-account lockout, the same work whether or not the
//!   account exists.
//! - [`session`]: starting a login (token pair), rotating its refresh token, logout.
//! - [`profile`]: reading and changing profiles (`profile.updated`), public profiles, status.
//! - [`ban`]: bans and what they do at once: tokens, party, ticket, sockets on every node.

pub mod ban;
pub mod login;
pub mod profile;
pub mod registration;
pub mod session;

use rally_protocol::PlayerProfile;
use rally_store::{Player, StoreError};

use crate::http::ApiError;

/// A player's own profile, as answered to them.
pub fn own_profile(player: &Player) -> PlayerProfile {
    PlayerProfile {
        id: player.id,
        username: player.username.clone(),
        email: player.email.clone(),
        display_name: player.display_name.clone(),
        region: player.region.clone(),
        avatar_url: player.avatar_url.clone(),
        created_at: player.created_at.to_offset_date_time(),
        updated_at: player.updated_at.to_offset_date_time(),
    }
}

/// A store error from a write that may hit a player's unique keys.
fn conflict_or_internal(error: StoreError) -> ApiError {
    match &error {
        StoreError::Conflict { constraint } if constraint == "players_username_key" => {
            ApiError::UsernameTaken
        }
        StoreError::Conflict { constraint } if constraint == "players_email_key" => {
            ApiError::EmailTaken
        }
        _ => ApiError::store(error),
    }
}
