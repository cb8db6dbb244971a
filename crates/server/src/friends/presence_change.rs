//! `friend.presence`: a player who came online or went offline is pushed to each of their
//! friends, with where they are now. A player whose connection flaps is held to a burst of
//! [`ARRIVALS_PER_MINUTE`] announced arrivals a minute (the state backend's limiter, shared by
//! every node); a departure is always announced, so no friend is left seeing a player online
//! who is gone. What a friend misses meanwhile, the friends list shows when read.

use std::time::Duration;

use rally_events::Events;
use rally_protocol::{friend::FriendPresenceChange, gateway::ServerEvent};
use rally_state::Quota;
use rally_store::StoreError;
use uuid::Uuid;

use super::{FriendError, Friends, presence_of};
use crate::gateway::{presence, push};

/// How many of one player's arrivals are announced a minute.
const ARRIVALS_PER_MINUTE: u32 = 10;

/// Tells each friend of `player_id` where they are now, over `events`; how many were told (none
/// for a player without friends, or, for an arrival, over their quota).
pub async fn announce_presence(
    friends: &Friends,
    events: &Events,
    player_id: Uuid,
) -> Result<usize, FriendError> {
    let told = friends.store.friend_ids(player_id).await?;
    if told.is_empty() {
        return Ok(0);
    }
    let online = presence::node_of(&friends.state, player_id)
        .await?
        .is_some();
    if online {
        let quota = Quota::new(ARRIVALS_PER_MINUTE, Duration::from_secs(60))?;
        let key = format!("friend-presence:{player_id}");
        if !friends.state.rate_limit(&key, quota).await?.allowed {
            metrics::counter!("rally_friend_presence_pushes_skipped_total").increment(1);
            return Ok(0);
        }
    }
    let whereabouts = match friends.store.whereabouts(player_id).await {
        Ok(whereabouts) => whereabouts,
        Err(StoreError::NotFound) => return Ok(0),
        Err(error) => return Err(error.into()),
    };
    let change = FriendPresenceChange {
        player_id,
        presence: presence_of(&whereabouts, online),
    };
    let at = push::now_ms();
    for friend in &told {
        let event = ServerEvent::FriendPresence(change.clone());
        if let Err(error) = push::send(events, *friend, event, at, None).await {
            tracing::warn!(error = %error, "cannot push a friend's presence");
        }
    }
    Ok(told.len())
}
