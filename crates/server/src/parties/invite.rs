//! Invites: sending one (the leader, or any member of an open party) and declining one.
//! Joining with an invite is [`lifecycle::join`](super::lifecycle::join).

use rally_protocol::{PartyInvite, event::Event, gateway::PartyEvent};
use rally_store::{InviteState, NewPartyInvite, PartyState, StoreError, Timestamp};
use uuid::Uuid;

use super::{Parties, PartyError};
use super::{announce, commit, lifecycle::begin, lock};

/// Invites `invitee_id`; the invite admits for `party_invite_ttl_s`.
pub async fn send(
    parties: &Parties,
    inviter_id: Uuid,
    party_id: Uuid,
    invitee_id: Uuid,
) -> Result<PartyInvite, PartyError> {
    let mut tx = begin(parties).await?;
    let party = lock(&mut tx, party_id).await?;
    if party.state == PartyState::Closed {
        return Err(PartyError::PartyClosed);
    }
    let members = tx.party_members(party_id).await?;
    if !members.iter().any(|m| m.player_id == inviter_id) {
        return Err(PartyError::NotInParty("you are not in this party"));
    }
    if !party.open && party.leader_id != inviter_id {
        return Err(PartyError::NotPartyLeader);
    }
    if members.iter().any(|m| m.player_id == invitee_id) {
        return Err(PartyError::AlreadyInParty(
            "that player is already in this party",
        ));
    }
    // Nobody is invited to play beside a player either of them blocked.
    let member_ids: Vec<Uuid> = members.iter().map(|m| m.player_id).collect();
    if !tx.blocks_between(invitee_id, &member_ids).await?.is_empty() {
        return Err(PartyError::Blocked);
    }
    let ttl = time::Duration::try_from(parties.settings.party_invite_ttl())
        .expect("BUG: party_invite_ttl_s is validated to a week at most");
    let sent = tx
        .create_party_invite(&NewPartyInvite {
            id: rally_store::new_id(),
            party_id,
            inviter_id,
            invitee_id,
            expires_at: tx.now().plus(ttl),
        })
        .await;
    let invite = match sent {
        Ok(invite) => invite,
        Err(StoreError::Conflict { constraint }) if constraint == "party_invites_pending_key" => {
            return Err(PartyError::AlreadyInvited);
        }
        // The party is locked and the inviter a member: only the invitee can be missing.
        Err(StoreError::Conflict { .. }) => return Err(PartyError::PlayerNotFound),
        Err(error) => return Err(error.into()),
    };
    let said = PartyEvent {
        invite_id: Some(invite.id),
        inviter_id: Some(inviter_id),
        player_id: Some(invitee_id),
        answer: Some("pending".to_owned()),
        expires_at: Some(invite.expires_at.unix_millis()),
        ..PartyEvent::default()
    };
    announce(&mut tx, Event::PartyInvite, &party, &members, said).await?;
    commit(tx).await?;
    Ok(PartyInvite {
        id: invite.id,
        party_id,
        inviter_id,
        invitee_id,
        expires_at: invite.expires_at.to_offset_date_time(),
    })
}

/// The caller declines their live invite to the party; its members are told.
pub async fn decline(
    parties: &Parties,
    invitee_id: Uuid,
    party_id: Uuid,
) -> Result<(), PartyError> {
    let mut tx = begin(parties).await?;
    let party = lock(&mut tx, party_id).await?;
    let now = tx.now();
    let invite = match tx
        .answer_party_invite(party_id, invitee_id, now, InviteState::Declined)
        .await
    {
        Ok(invite) => invite,
        Err(StoreError::NotFound) => {
            drop(tx);
            return Err(why_not_invited(parties, party_id, invitee_id, now).await);
        }
        Err(error) => return Err(error.into()),
    };
    let members = tx.party_members(party_id).await?;
    let said = PartyEvent {
        invite_id: Some(invite.id),
        inviter_id: Some(invite.inviter_id),
        player_id: Some(invitee_id),
        answer: Some("declined".to_owned()),
        ..PartyEvent::default()
    };
    announce(&mut tx, Event::PartyInvite, &party, &members, said).await?;
    commit(tx).await
}

/// Why the player holds no live invite: `invite_expired` when their last one ran out unanswered,
/// else `not_invited`.
pub(super) async fn why_not_invited(
    parties: &Parties,
    party_id: Uuid,
    invitee_id: Uuid,
    now: Timestamp,
) -> PartyError {
    match parties
        .store
        .latest_party_invite(party_id, invitee_id)
        .await
    {
        Ok(Some(invite))
            if invite.state == InviteState::Expired
                || (invite.state == InviteState::Pending && invite.expires_at <= now) =>
        {
            PartyError::InviteExpired
        }
        Ok(_) => PartyError::NotInvited,
        Err(error) => error.into(),
    }
}
