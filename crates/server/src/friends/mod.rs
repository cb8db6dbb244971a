//! Friends: requests, acceptance, removal and the friends list with each friend's presence.
//! Handlers in `routes::friends` parse, call one function here and answer.
//!
//! Every change runs in one store transaction that first locks both players' rows, in id order,
//! then decides with the pair's one row (`friendships_pair_key`) as it now is: two requests
//! crossing each other queue, and the second accepts the first. The limits (`friends_max`,
//! `friend_requests_max`) are counted under the same locks, so no race goes past them. Each
//! change writes its `friend.updated` to the outbox before committing; the gateway pushes it to
//! both players.
//!
//! Presence comes from two places: whether a friend holds a socket (the `state` backend, as
//! for `presence.query`), and from the store whether they are in a party, a queue or a match
//! not yet over, and when their last socket closed. Whenever that changes (coming online or
//! going offline, joining or leaving a party, a queue or a match) it is pushed to their friends
//! ([`announce_presence`], `friend.presence`), at most `friend_presence_per_minute` times a
//! minute per player, a change over that told as soon as it is allowed.
//!
//! Blocks live here too ([`block`]): a block ends the pair's friendship and refuses their
//! requests, either way round.

mod block;
mod error;
mod presence_change;

use rally_protocol::{
    Friend, FriendChange, FriendList, FriendState, PresenceStatus,
    event::Event,
    friend::{FriendChangeKind, FriendPresence},
};
use rally_state::State;
use rally_store::{
    FriendEntry, Friendship, FriendshipState, Store, Transaction, Whereabouts, new_id,
};
use uuid::Uuid;

use crate::{bus, gateway::presence, settings::FriendSettings};

pub use block::{block, blocked, unblock};
pub use error::FriendError;
pub use presence_change::{Announcement, announce_presence};

/// The friends service: the store, the state backend for presence, and its settings section.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Friends {
    store: Store,
    state: State,
    settings: FriendSettings,
}

impl Friends {
    /// The service over these parts.
    pub fn new(store: Store, state: State, settings: FriendSettings) -> Self {
        Self {
            store,
            state,
            settings,
        }
    }
}

/// `caller` asks `other` to be friends. When `other` had asked `caller` already, this accepts
/// that request instead. The entry as `caller` now sees it.
pub async fn request(friends: &Friends, caller: Uuid, other: Uuid) -> Result<Friend, FriendError> {
    if caller == other {
        return Err(FriendError::CannotBefriendSelf);
    }
    let mut tx = locked(friends, caller, other).await?;
    block::refuse_blocked(&mut tx, caller, other).await?;
    let changed = match tx.friendship_between(caller, other).await? {
        Some(f) if f.state == FriendshipState::Accepted => return Err(FriendError::AlreadyFriends),
        Some(f) if f.requester_id == caller => return Err(FriendError::RequestExists),
        Some(theirs) => accept_in(friends, &mut tx, &theirs, caller).await?,
        None => {
            let limit = i64::from(friends.settings.friend_requests_max);
            let mine = tx.friend_counts(caller).await?;
            let theirs = tx.friend_counts(other).await?;
            check_room(friends, mine.friends, theirs.friends)?;
            if mine.outgoing >= limit {
                return Err(FriendError::RequestsLimit(
                    "you have as many friend requests waiting as a player may send",
                ));
            }
            if theirs.incoming >= limit {
                return Err(FriendError::RequestsLimit(
                    "this player has as many friend requests waiting as a player may receive",
                ));
            }
            let asked = tx.create_friend_request(new_id(), caller, other).await?;
            announce(&mut tx, &asked, FriendChangeKind::Requested, caller).await?;
            asked
        }
    };
    let entry = tx.friend_entry(caller, changed.other(caller)).await?;
    tx.commit().await?;
    entry_of(friends, caller, entry).await
}

/// `caller` accepts the request `other` sent them.
pub async fn accept(friends: &Friends, caller: Uuid, other: Uuid) -> Result<Friend, FriendError> {
    let mut tx = locked(friends, caller, other).await?;
    let theirs = incoming(&mut tx, caller, other).await?;
    accept_in(friends, &mut tx, &theirs, caller).await?;
    let entry = tx.friend_entry(caller, other).await?;
    tx.commit().await?;
    entry_of(friends, caller, entry).await
}

/// `caller` declines the request `other` sent them; `other` may ask again.
pub async fn decline(friends: &Friends, caller: Uuid, other: Uuid) -> Result<(), FriendError> {
    let mut tx = locked(friends, caller, other).await?;
    let theirs = incoming(&mut tx, caller, other).await?;
    end(tx, &theirs, FriendChangeKind::Declined, caller).await
}

/// `caller` withdraws the request they sent `other`.
pub async fn cancel(friends: &Friends, caller: Uuid, other: Uuid) -> Result<(), FriendError> {
    let mut tx = locked(friends, caller, other).await?;
    match tx.friendship_between(caller, other).await? {
        Some(f) if f.state == FriendshipState::Pending && f.requester_id == caller => {
            end(tx, &f, FriendChangeKind::Cancelled, caller).await
        }
        _ => Err(FriendError::RequestNotFound),
    }
}

/// `caller` ends their friendship with `other`.
pub async fn remove(friends: &Friends, caller: Uuid, other: Uuid) -> Result<(), FriendError> {
    let mut tx = locked(friends, caller, other).await?;
    match tx.friendship_between(caller, other).await? {
        Some(f) if f.state == FriendshipState::Accepted => {
            end(tx, &f, FriendChangeKind::Removed, caller).await
        }
        _ => Err(FriendError::NotFriends),
    }
}

/// `caller`'s friends and requests, friends first, each friend with their presence.
pub async fn list(friends: &Friends, caller: Uuid) -> Result<FriendList, FriendError> {
    let entries = friends.store.friends_of(caller).await?;
    let accepted: Vec<Uuid> = entries
        .iter()
        .filter(|e| e.friendship.state == FriendshipState::Accepted)
        .map(|e| e.friend_id)
        .collect();
    let online = presence::online(&friends.state, &accepted).await?;
    Ok(FriendList {
        friends: entries
            .iter()
            .map(|e| view(caller, e, online.contains(&e.friend_id)))
            .collect(),
    })
}

/// A transaction holding both players' rows; [`FriendError::PlayerNotFound`] when `other` is
/// no player.
async fn locked(friends: &Friends, caller: Uuid, other: Uuid) -> Result<Transaction, FriendError> {
    let mut tx = friends.store.begin().await?;
    let found = tx.lock_players(&[caller, other]).await?;
    // The caller too: a token outlives a deleted account.
    if !found.contains(&other) || !found.contains(&caller) {
        return Err(FriendError::PlayerNotFound);
    }
    Ok(tx)
}

/// The request `other` sent `caller`, pending.
async fn incoming(
    tx: &mut Transaction,
    caller: Uuid,
    other: Uuid,
) -> Result<Friendship, FriendError> {
    match tx.friendship_between(caller, other).await? {
        Some(f) if f.state == FriendshipState::Pending && f.requester_id == other => Ok(f),
        _ => Err(FriendError::RequestNotFound),
    }
}

/// Accepts `theirs` for `caller` once both have room for one more friend.
async fn accept_in(
    friends: &Friends,
    tx: &mut Transaction,
    theirs: &Friendship,
    caller: Uuid,
) -> Result<Friendship, FriendError> {
    let mine = tx.friend_counts(caller).await?;
    let other = tx.friend_counts(theirs.other(caller)).await?;
    check_room(friends, mine.friends, other.friends)?;
    let accepted = tx.accept_friendship(theirs.id).await?;
    announce(tx, &accepted, FriendChangeKind::Accepted, caller).await?;
    Ok(accepted)
}

/// Refuses a new friendship when either player is at `friends_max`.
fn check_room(friends: &Friends, mine: i64, theirs: i64) -> Result<(), FriendError> {
    let most = i64::from(friends.settings.friends_max);
    if mine >= most {
        return Err(FriendError::FriendsLimit("you have"));
    }
    if theirs >= most {
        return Err(FriendError::FriendsLimit("this player has"));
    }
    Ok(())
}

/// Deletes `friendship` for `kind`, announces it and commits.
async fn end(
    mut tx: Transaction,
    friendship: &Friendship,
    kind: FriendChangeKind,
    actor: Uuid,
) -> Result<(), FriendError> {
    tx.delete_friendship(friendship.id).await?;
    announce(&mut tx, friendship, kind, actor).await?;
    tx.commit().await?;
    Ok(())
}

/// Writes the `friend.updated` of `actor` doing `kind` to `friendship`.
async fn announce(
    tx: &mut Transaction,
    friendship: &Friendship,
    kind: FriendChangeKind,
    actor: Uuid,
) -> Result<(), FriendError> {
    let change = FriendChange {
        kind,
        actor_id: actor,
        player_id: friendship.other(actor),
        at_ms: tx.now().unix_millis(),
    };
    bus::outbox::enqueue(tx, friendship.id, Event::FriendUpdated(change)).await?;
    Ok(())
}

/// The entry `caller` sees, read in the transaction that changed it, with presence for a
/// friend.
async fn entry_of(
    friends: &Friends,
    caller: Uuid,
    entry: Option<FriendEntry>,
) -> Result<Friend, FriendError> {
    let entry = entry.ok_or(FriendError::RequestNotFound)?;
    let online = presence::node_of(&friends.state, entry.friend_id)
        .await?
        .is_some();
    Ok(view(caller, &entry, online))
}

/// An entry of `caller`'s list.
fn view(caller: Uuid, entry: &FriendEntry, online: bool) -> Friend {
    let friendship = &entry.friendship;
    let (state, since) = match friendship.state {
        FriendshipState::Accepted => (FriendState::Friend, friendship.updated_at),
        FriendshipState::Pending if friendship.requester_id == caller => {
            (FriendState::Outgoing, friendship.created_at)
        }
        FriendshipState::Pending => (FriendState::Incoming, friendship.created_at),
    };
    let presence = (state == FriendState::Friend).then(|| presence_of(&entry.whereabouts, online));
    Friend {
        player_id: entry.friend_id,
        display_name: entry.display_name.clone(),
        state,
        since: since.to_offset_date_time(),
        presence,
    }
}

/// Where a friend is: offline (with when they were last seen) unless they hold a socket, then
/// the most engaged of in a match, in a queue, in a party, online.
fn presence_of(whereabouts: &Whereabouts, online: bool) -> FriendPresence {
    let status = if !online {
        PresenceStatus::Offline
    } else if whereabouts.in_match {
        PresenceStatus::InMatch
    } else if whereabouts.in_queue {
        PresenceStatus::InQueue
    } else if whereabouts.in_party {
        PresenceStatus::InParty
    } else {
        PresenceStatus::Online
    };
    FriendPresence {
        status,
        last_seen_at: whereabouts
            .last_seen_at
            .filter(|_| !online)
            .map(|at| at.to_offset_date_time()),
    }
}
