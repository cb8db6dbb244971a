//! `friend.presence`: where a player is, pushed to each of their friends whenever it changes:
//! coming online or going offline (the `disconnects` loop), and joining or leaving a party, a
//! queue or a match (the `whereabouts` role, from those events).
//!
//! Each announcement reads where the player is now, so one that comes late or twice says what
//! is true, and compares it with the last one told (kept in the state backend): an event that
//! moved nothing their friends see (a party's leader changed, a match accepted) tells nobody.
//! Announcements of one player are taken one at a time across every node (a short lock in the
//! state backend), so an older reading never overtakes a newer one. A player is held to
//! `friend_presence_per_minute` changes told a minute (the state backend's limiter, shared by
//! every node); a change over it is not dropped but put off ([`Announcement::Later`]) until it
//! is allowed, when where the player is then is told. Going offline is always told at once, so
//! no friend is left seeing a player online who is gone.

use std::time::Duration;

use rally_events::Events;
use rally_protocol::{
    friend::{FriendPresence, FriendPresenceChange},
    gateway::ServerEvent,
};
use rally_state::Quota;
use rally_store::StoreError;
use uuid::Uuid;

use super::{FriendError, Friends, presence_of};
use crate::gateway::{presence, push};

/// How long one announcement may hold a player's lock (it lapses by itself after a crash).
const LOCK_TTL: Duration = Duration::from_secs(5);

/// How long an announcement that found the lock held is put off.
const LOCK_WAIT: Duration = Duration::from_millis(100);

/// How long the last presence told is remembered (after which it is told again, once).
const TOLD_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// The shortest wait for an announcement over the quota.
const QUOTA_WAIT: Duration = Duration::from_millis(100);

/// How long an announcement that could not reach every friend is put off.
const UNSENT_WAIT: Duration = Duration::from_secs(1);

/// What an announcement did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announcement {
    /// Each of this many friends was told.
    Told(usize),
    /// Nothing to tell: no friends, no such player, or nothing their friends see moved.
    Unchanged,
    /// Not now (over the player's quota, or another announcement of theirs under way): ask
    /// again after this long.
    Later(Duration),
}

/// Tells each friend of `player_id` where they are now, over `events`, unless that is what
/// they were last told.
pub async fn announce_presence(
    friends: &Friends,
    events: &Events,
    player_id: Uuid,
) -> Result<Announcement, FriendError> {
    let told = friends.store.friend_ids(player_id).await?;
    if told.is_empty() {
        return Ok(Announcement::Unchanged);
    }
    let lock = format!("friend-presence-lock:{player_id}");
    let holder = Uuid::now_v7();
    if !friends
        .state
        .set_if_absent(&lock, holder.as_bytes(), LOCK_TTL)
        .await?
    {
        return Ok(Announcement::Later(LOCK_WAIT));
    }
    let announced = announce_held(friends, events, player_id, &told).await;
    if let Err(error) = friends.state.delete_if(&lock, holder.as_bytes()).await {
        // It lapses after LOCK_TTL.
        tracing::warn!(error = %error, "cannot release a friend presence lock");
    }
    announced
}

/// [`announce_presence`], holding the player's lock.
async fn announce_held(
    friends: &Friends,
    events: &Events,
    player_id: Uuid,
    told: &[Uuid],
) -> Result<Announcement, FriendError> {
    let online = presence::node_of(&friends.state, player_id)
        .await?
        .is_some();
    let whereabouts = match friends.store.whereabouts(player_id).await {
        Ok(whereabouts) => whereabouts,
        Err(StoreError::NotFound) => return Ok(Announcement::Unchanged),
        Err(error) => return Err(error.into()),
    };
    let presence = presence_of(&whereabouts, online);
    let last = format!("friend-presence-told:{player_id}");
    let said = said(&presence);
    if friends.state.get(&last).await?.as_deref() == Some(said.as_slice()) {
        return Ok(Announcement::Unchanged);
    }
    if online {
        let per_minute = friends.settings.friend_presence_per_minute;
        let quota = Quota::new(per_minute, Duration::from_secs(60))?;
        let key = format!("friend-presence:{player_id}");
        let decision = friends.state.rate_limit(&key, quota).await?;
        if !decision.allowed {
            metrics::counter!("rally_friend_presence_pushes_deferred_total").increment(1);
            return Ok(Announcement::Later(decision.retry_after.max(QUOTA_WAIT)));
        }
    }
    let change = FriendPresenceChange {
        player_id,
        presence,
    };
    let at = push::now_ms();
    let mut unsent = 0;
    for friend in told {
        let event = ServerEvent::FriendPresence(change.clone());
        if let Err(error) = push::send(events, *friend, event, at, None).await {
            tracing::warn!(error = %error, "cannot push a friend's presence");
            unsent += 1;
        }
    }
    if unsent > 0 {
        // Told again, to everyone, once the bus is back.
        return Ok(Announcement::Later(UNSENT_WAIT));
    }
    friends.state.set_with_ttl(&last, &said, TOLD_TTL).await?;
    Ok(Announcement::Told(told.len()))
}

/// A presence as remembered: its status, and when last seen.
fn said(presence: &FriendPresence) -> Vec<u8> {
    let status = serde_json::to_string(&presence.status).unwrap_or_default();
    let seen = presence
        .last_seen_at
        .map(|at| at.unix_timestamp_nanos() / 1_000_000)
        .unwrap_or_default();
    format!("{status}@{seen}").into_bytes()
}

#[cfg(test)]
mod tests {
    use rally_protocol::PresenceStatus;

    use super::*;

    #[test]
    fn a_presence_is_remembered_by_status_and_when_last_seen() {
        let online = FriendPresence {
            status: PresenceStatus::InQueue,
            last_seen_at: None,
        };
        assert_eq!(said(&online), b"\"in_queue\"@0");
        let seen = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("in range");
        let offline = FriendPresence {
            status: PresenceStatus::Offline,
            last_seen_at: Some(seen),
        };
        assert_eq!(said(&offline), b"\"offline\"@1700000000000");
        assert_ne!(said(&online), said(&offline));
    }
}
