//! Creating, reading, joining, leaving, kicking and promoting.

use rally_protocol::{CreatePartyRequest, Party, event::Event};
use rally_store::{InviteState, NewParty, PartyState, StoreError, Transaction};
use uuid::Uuid;

use super::{Parties, PartyError};
use super::{announce, commit, commit_update, happened, invite, lock, ready, snapshot, view};
use crate::settings::PartySettings;

/// A party to create, with its size checked against the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartyShape {
    max_size: i32,
    open: bool,
}

impl PartyShape {
    /// `max_size` must be 2 up to `party_max_size` (that maximum when absent).
    pub fn parse(
        request: CreatePartyRequest,
        settings: &PartySettings,
    ) -> Result<Self, PartyError> {
        let max_size = request.max_size.unwrap_or(settings.party_max_size);
        if !(2..=settings.party_max_size).contains(&max_size) {
            return Err(PartyError::Invalid {
                field: "max_size".to_owned(),
                reason: format!("must be between 2 and {}", settings.party_max_size),
            });
        }
        Ok(Self {
            max_size: i32::try_from(max_size).expect("BUG: party_max_size is at most 100"),
            open: request.open.unwrap_or(false),
        })
    }
}

/// Creates a party led by `player_id`, its first member.
pub async fn create(
    parties: &Parties,
    player_id: Uuid,
    shape: PartyShape,
) -> Result<Party, PartyError> {
    let mut tx = begin(parties).await?;
    let created = tx
        .create_party(&NewParty {
            id: rally_store::new_id(),
            leader_id: player_id,
            max_size: shape.max_size,
            open: shape.open,
        })
        .await;
    let party = match created {
        Ok(party) => party,
        Err(StoreError::Conflict { constraint }) if constraint == "party_members_player_key" => {
            return Err(PartyError::AlreadyInParty(
                "you are already in a party; leave it first",
            ));
        }
        Err(error) => return Err(error.into()),
    };
    let members = tx.party_members(party.id).await?;
    announce(
        &mut tx,
        Event::PartyUpdated,
        &party,
        &members,
        happened("created", player_id),
    )
    .await?;
    commit(tx).await?;
    Ok(view(&party, &members))
}

/// The party, with a ready check past its deadline settled as expired.
pub async fn get(parties: &Parties, party_id: Uuid) -> Result<Party, PartyError> {
    let store = &parties.store;
    let party = match store.party(party_id).await {
        Ok(party) => party,
        Err(StoreError::NotFound) => return Err(PartyError::PartyNotFound),
        Err(error) => return Err(error.into()),
    };
    if ready::is_overdue(&party, store.now()) {
        let mut tx = begin(parties).await?;
        let party = ready::settle(&mut tx, party_id).await?;
        let members = tx.party_members(party_id).await?;
        commit(tx).await?;
        return Ok(view(&party, &members));
    }
    let members = store.party_members(party_id).await?;
    Ok(view(&party, &members))
}

/// The caller's party, or `not_in_party`.
pub async fn mine(parties: &Parties, player_id: Uuid) -> Result<Party, PartyError> {
    let party = parties
        .store
        .party_of_player(player_id)
        .await?
        .ok_or(PartyError::NotInParty("you are in no party"))?;
    get(parties, party.id).await
}

/// Joins an open party, or one the caller holds a live invite to (which it spends).
pub async fn join(parties: &Parties, player_id: Uuid, party_id: Uuid) -> Result<Party, PartyError> {
    let mut tx = begin(parties).await?;
    let party = lock(&mut tx, party_id).await?;
    if party.state == PartyState::Closed {
        return Err(PartyError::PartyClosed);
    }
    let members = tx.party_members(party_id).await?;
    if members.iter().any(|m| m.player_id == player_id) {
        return Err(PartyError::AlreadyInParty("you are already in this party"));
    }
    let member_ids: Vec<Uuid> = members.iter().map(|m| m.player_id).collect();
    if !tx.blocks_between(player_id, &member_ids).await?.is_empty() {
        return Err(PartyError::Blocked);
    }
    let now = tx.now();
    match tx
        .answer_party_invite(party_id, player_id, now, InviteState::Accepted)
        .await
    {
        Ok(_) => {}
        Err(StoreError::NotFound) if party.open => {}
        Err(StoreError::NotFound) => {
            drop(tx);
            return Err(invite::why_not_invited(parties, party_id, player_id, now).await);
        }
        Err(error) => return Err(error.into()),
    }
    match tx.add_party_member(party_id, player_id).await {
        Ok(_) => {}
        Err(StoreError::Conflict { constraint }) if constraint == "parties_member_count_max" => {
            return Err(PartyError::PartyFull);
        }
        Err(StoreError::Conflict { constraint })
            if constraint == "party_members_player_key" || constraint == "party_members_pkey" =>
        {
            return Err(PartyError::AlreadyInParty(
                "you are already in a party; leave it first",
            ));
        }
        Err(StoreError::NotFound) => return Err(PartyError::PartyClosed),
        Err(error) => return Err(error.into()),
    }
    // A ready check passed before this member joined does not speak for them.
    tx.clear_passed_ready_check(party_id).await?;
    commit_update(tx, party_id, happened("joined", player_id)).await
}

/// The caller leaves; the longest-standing member leads when the leader leaves, and the party
/// closes (`party.disbanded`) when it is empty.
pub async fn leave(parties: &Parties, player_id: Uuid, party_id: Uuid) -> Result<(), PartyError> {
    let mut tx = begin(parties).await?;
    lock(&mut tx, party_id).await?;
    remove(
        &mut tx,
        party_id,
        player_id,
        "left",
        "you are not in this party",
    )
    .await?;
    commit(tx).await
}

/// The leader removes another member.
pub async fn kick(
    parties: &Parties,
    leader_id: Uuid,
    party_id: Uuid,
    player_id: Uuid,
) -> Result<Party, PartyError> {
    let mut tx = begin(parties).await?;
    let party = lock(&mut tx, party_id).await?;
    if party.leader_id != leader_id || party.state == PartyState::Closed {
        return Err(PartyError::NotPartyLeader);
    }
    if player_id == leader_id {
        return Err(PartyError::Invalid {
            field: "player_id".to_owned(),
            reason: "the leader cannot kick themselves; leave instead".to_owned(),
        });
    }
    remove(
        &mut tx,
        party_id,
        player_id,
        "kicked",
        "that player is not in this party",
    )
    .await?;
    let (party, members) = snapshot(&mut tx, party_id).await?;
    commit(tx).await?;
    Ok(view(&party, &members))
}

/// The leader hands the lead to another member.
pub async fn promote(
    parties: &Parties,
    leader_id: Uuid,
    party_id: Uuid,
    player_id: Uuid,
) -> Result<Party, PartyError> {
    let mut tx = begin(parties).await?;
    let party = lock(&mut tx, party_id).await?;
    if party.leader_id != leader_id || party.state == PartyState::Closed {
        return Err(PartyError::NotPartyLeader);
    }
    match tx.set_party_leader(party_id, leader_id, player_id).await {
        Ok(()) => {}
        Err(StoreError::NotFound) => {
            return Err(PartyError::NotInParty("that player is not in this party"));
        }
        Err(error) => return Err(error.into()),
    }
    commit_update(tx, party_id, happened("promoted", player_id)).await
}

/// Takes a banned player out of their party, in the ban's transaction: the rest are told
/// (`reason: banned`), a queued party leaves the queue, a party left empty closes. Nothing
/// happens when the player left meanwhile.
pub async fn remove_banned(
    tx: &mut Transaction,
    party_id: Uuid,
    player_id: Uuid,
) -> Result<(), PartyError> {
    lock(tx, party_id).await?;
    match remove(tx, party_id, player_id, "banned", "not in this party").await {
        Ok(()) | Err(PartyError::NotInParty(_)) => Ok(()),
        Err(error) => Err(error),
    }
}

/// Removes a member (who left or was kicked) and tells the rest, or closes the party.
async fn remove(
    tx: &mut Transaction,
    party_id: Uuid,
    player_id: Uuid,
    reason: &str,
    not_member: &'static str,
) -> Result<(), PartyError> {
    let party = match tx.remove_party_member(party_id, player_id).await {
        Ok(party) => party,
        Err(StoreError::NotFound) => return Err(PartyError::NotInParty(not_member)),
        Err(error) => return Err(error.into()),
    };
    // Whoever stays is handed a new voice room; the one who left holds no token for it.
    tx.next_voice_room(party_id).await?;
    let (party, members) = if party.state == PartyState::Queued {
        super::leave_queue(tx, party_id).await?
    } else {
        let members = tx.party_members(party_id).await?;
        (party, members)
    };
    let said = happened(reason, player_id);
    if party.state == PartyState::Closed {
        tx.revoke_party_invites(party_id).await?;
        announce(tx, Event::PartyDisbanded, &party, &members, said).await
    } else {
        announce(tx, Event::PartyUpdated, &party, &members, said).await
    }
}

/// A transaction on the store.
pub(super) async fn begin(parties: &Parties) -> Result<Transaction, PartyError> {
    parties.store.begin().await.map_err(PartyError::from)
}
