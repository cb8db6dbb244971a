//! Blocks: a player blocks another, lifts the block, lists whom they blocked. A block ends any
//! friendship or request between the two (the other sees it removed, cancelled or declined,
//! never that they were blocked), and from then on, either way round, the two cannot befriend
//! or invite one another, and the matchmaker keeps them apart (their tickets' avoid lists).
//!
//! Like friend changes, a block locks both players' rows in id order first, so a friend request
//! crossing it either lands before it (and is ended by it) or sees it and is refused.

use rally_protocol::{BlockList, BlockedPlayer, friend::FriendChangeKind};
use rally_store::{FriendshipState, Transaction};
use uuid::Uuid;

use super::{FriendError, Friends, announce, locked};

/// `caller` blocks `other`. Blocking a player blocked already changes nothing.
pub async fn block(friends: &Friends, caller: Uuid, other: Uuid) -> Result<(), FriendError> {
    if caller == other {
        return Err(FriendError::CannotBlockSelf);
    }
    let mut tx = locked(friends, caller, other).await?;
    if !tx.block(caller, other).await? {
        return Ok(());
    }
    if tx.block_count(caller).await? > i64::from(friends.settings.blocks_max) {
        return Err(FriendError::BlocksLimit);
    }
    if let Some(f) = tx.friendship_between(caller, other).await? {
        let kind = match f.state {
            FriendshipState::Accepted => FriendChangeKind::Removed,
            FriendshipState::Pending if f.requester_id == caller => FriendChangeKind::Cancelled,
            FriendshipState::Pending => FriendChangeKind::Declined,
        };
        tx.delete_friendship(f.id).await?;
        announce(&mut tx, &f, kind, caller).await?;
    }
    tx.commit().await?;
    metrics::counter!("rally_player_blocks_total").increment(1);
    Ok(())
}

/// `caller` lifts their block of `other`.
pub async fn unblock(friends: &Friends, caller: Uuid, other: Uuid) -> Result<(), FriendError> {
    let mut tx = locked(friends, caller, other).await?;
    if !tx.unblock(caller, other).await? {
        return Err(FriendError::NotBlocked);
    }
    tx.commit().await?;
    Ok(())
}

/// The players `caller` blocked, most recent first.
pub async fn blocked(friends: &Friends, caller: Uuid) -> Result<BlockList, FriendError> {
    let entries = friends.store.blocks_of(caller).await?;
    Ok(BlockList {
        blocked: entries
            .into_iter()
            .map(|e| BlockedPlayer {
                player_id: e.blocked_id,
                display_name: e.display_name,
                since: e.created_at.to_offset_date_time(),
            })
            .collect(),
    })
}

/// Refuses with [`FriendError::Blocked`] when either of the two blocked the other.
pub(super) async fn refuse_blocked(
    tx: &mut Transaction,
    caller: Uuid,
    other: Uuid,
) -> Result<(), FriendError> {
    if tx.blocks_between(caller, &[other]).await?.is_empty() {
        Ok(())
    } else {
        Err(FriendError::Blocked)
    }
}
