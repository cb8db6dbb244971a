//! Invites: sending one (the leader, or any member of an open party) and declining one.
//! Joining with an invite is [`lifecycle::join`](super::lifecycle::join).

use rally_protocol::{PartyInvite, event::Event, gateway::PartyEvent};
use rally_store::{InviteState, NewPartyInvite, PartyState, StoreError, Timestamp};
use uuid::Uuid;

use super::{announce, commit, lifecycle::begin, lock};
use crate::{app::AppState, http::ApiError};

/// Invites `invitee_id`; the invite admits for `party_invite_ttl_s`.
pub async fn send(
    app: &AppState,
    inviter_id: Uuid,
    party_id: Uuid,
    invitee_id: Uuid,
) -> Result<PartyInvite, ApiError> {
    let mut tx = begin(app).await?;
    let party = lock(&mut tx, party_id).await?;
    if party.state == PartyState::Closed {
        return Err(ApiError::PartyClosed);
    }
    let members = tx.party_members(party_id).await.map_err(ApiError::store)?;
    if !members.iter().any(|m| m.player_id == inviter_id) {
        return Err(ApiError::NotInParty("you are not in this party"));
    }
    if !party.open && party.leader_id != inviter_id {
        return Err(ApiError::NotPartyLeader);
    }
    if members.iter().any(|m| m.player_id == invitee_id) {
        return Err(ApiError::AlreadyInParty(
            "that player is already in this party",
        ));
    }
    let ttl = time::Duration::try_from(app.settings().party_invite_ttl())
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
            return Err(ApiError::AlreadyInvited);
        }
        // The party is locked and the inviter a member: only the invitee can be missing.
        Err(StoreError::Conflict { .. }) => return Err(ApiError::PlayerNotFound),
        Err(error) => return Err(ApiError::store(error)),
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
pub async fn decline(app: &AppState, invitee_id: Uuid, party_id: Uuid) -> Result<(), ApiError> {
    let mut tx = begin(app).await?;
    let party = lock(&mut tx, party_id).await?;
    let now = tx.now();
    let invite = match tx
        .answer_party_invite(party_id, invitee_id, now, InviteState::Declined)
        .await
    {
        Ok(invite) => invite,
        Err(StoreError::NotFound) => {
            drop(tx);
            return Err(why_not_invited(app, party_id, invitee_id, now).await);
        }
        Err(error) => return Err(ApiError::store(error)),
    };
    let members = tx.party_members(party_id).await.map_err(ApiError::store)?;
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
    app: &AppState,
    party_id: Uuid,
    invitee_id: Uuid,
    now: Timestamp,
) -> ApiError {
    match app
        .backends()
        .store
        .latest_party_invite(party_id, invitee_id)
        .await
    {
        Ok(Some(invite))
            if invite.state == InviteState::Expired
                || (invite.state == InviteState::Pending && invite.expires_at <= now) =>
        {
            ApiError::InviteExpired
        }
        Ok(_) => ApiError::NotInvited,
        Err(error) => ApiError::store(error),
    }
}
