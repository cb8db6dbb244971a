//! The party rules, below the handlers: creating, joining, leaving, kicking and promoting
//! ([`lifecycle`]), invites ([`invite`]) and readiness and ready checks ([`ready`]).
//! Handlers in `routes::party` parse, call one function here and answer.
//!
//! Every change runs in one store transaction that first locks the party's row
//! ([`rally_store::Transaction::lock_party`]), decides with the rows as they now are, lets the
//! database's constraints decide the races (`party_members_player_key`: one party per player;
//! `parties_member_count_max`: never over size), and writes its `party.*` event to the outbox
//! before committing. Each event's payload names the members to tell (`member_ids`) and, when
//! a player left, was kicked or was invited, that player (`player_id`), so the gateway can push
//! it to everyone concerned.
//!
//! A change to a queued party (a member joins, leaves, is kicked or promoted, or readiness
//! changes) takes its ticket out of the queue in the same transaction, and its members are told
//! (`queue.cancelled` with reason `party_changed`).
//!
//! Ready checks end when every member is ready (`passed`), when a member answers not ready
//! (`failed`) or when their deadline passes (`expired`); expiry is settled within a second of
//! the deadline by the ready-check sweeper (`roles::ready_checks`, whose step is
//! [`ready::expire_overdue`]), or by the next read or answer if that comes first.

mod error;
pub mod invite;
pub mod lifecycle;
pub mod ready;

use rally_protocol::{self as wire, event::Event, gateway::PartyEvent};
use rally_store::{
    Party, PartyMember, PartyState, ReadyCheckState, Store, StoreError, Transaction,
};
use uuid::Uuid;

use crate::{bus, settings::PartySettings};

pub use error::PartyError;

/// The parties service: what it uses is given when it is built (the store, its settings
/// section), and every call answers with a [`PartyError`].
#[derive(Debug, Clone)]
pub struct Parties {
    store: Store,
    settings: PartySettings,
}

impl Parties {
    /// The service over these parts.
    pub fn new(store: Store, settings: PartySettings) -> Self {
        Self { store, settings }
    }
}

/// A party as answered to a client.
pub fn view(party: &Party, members: &[PartyMember]) -> wire::Party {
    wire::Party {
        id: party.id,
        leader_id: party.leader_id,
        max_size: u32::try_from(party.max_size).expect("BUG: a party's size is positive"),
        open: party.open,
        state: party_state(party.state),
        members: members
            .iter()
            .map(|m| wire::PartyMember {
                player_id: m.player_id,
                leader: m.player_id == party.leader_id,
                ready: m.ready,
                joined_at: m.joined_at.to_offset_date_time(),
            })
            .collect(),
        ready_check: party.ready_check_state.zip(party.ready_check_deadline).map(
            |(state, deadline)| wire::ReadyCheck {
                state: ready_check_state(state),
                deadline: deadline.to_offset_date_time(),
            },
        ),
        created_at: party.created_at.to_offset_date_time(),
        updated_at: party.updated_at.to_offset_date_time(),
        voice: None,
    }
}

fn party_state(state: PartyState) -> wire::PartyState {
    match state {
        PartyState::Active => wire::PartyState::Active,
        PartyState::Queued => wire::PartyState::Queued,
        PartyState::Closed => wire::PartyState::Closed,
    }
}

fn ready_check_state(state: ReadyCheckState) -> wire::ReadyCheckState {
    match state {
        ReadyCheckState::Pending => wire::ReadyCheckState::Pending,
        ReadyCheckState::Passed => wire::ReadyCheckState::Passed,
        ReadyCheckState::Failed => wire::ReadyCheckState::Failed,
        ReadyCheckState::Expired => wire::ReadyCheckState::Expired,
    }
}

/// Locks the party for this transaction: its row as it now is, or `party_not_found`.
async fn lock(tx: &mut Transaction, party_id: Uuid) -> Result<Party, PartyError> {
    match tx.lock_party(party_id).await {
        Ok(party) => Ok(party),
        Err(StoreError::NotFound) => Err(PartyError::PartyNotFound),
        Err(error) => Err(error.into()),
    }
}

/// The party and its members as this transaction now sees them.
async fn snapshot(
    tx: &mut Transaction,
    party_id: Uuid,
) -> Result<(Party, Vec<PartyMember>), PartyError> {
    let party = lock(tx, party_id).await?;
    let members = tx.party_members(party_id).await?;
    Ok((party, members))
}

/// Writes a `party.*` event (`kind`): the party's id, leader, state and members, and what
/// `said` says happened (its reason, the player concerned, the invite or ready check).
async fn announce(
    tx: &mut Transaction,
    kind: fn(PartyEvent) -> Event,
    party: &Party,
    members: &[PartyMember],
    said: PartyEvent,
) -> Result<(), PartyError> {
    let event = PartyEvent {
        party_id: party.id,
        leader_id: party.leader_id,
        state: Some(party_state(party.state)),
        member_ids: members.iter().map(|m| m.player_id).collect(),
        updated_at: party.updated_at.unix_millis(),
        ..said
    };
    bus::outbox::enqueue(tx, party.id, kind(event)).await?;
    Ok(())
}

/// What happened to `player_id`, for `reason`.
fn happened(reason: &str, player_id: Uuid) -> PartyEvent {
    PartyEvent {
        reason: Some(reason.to_owned()),
        player_id: Some(player_id),
        ..PartyEvent::default()
    }
}

/// Commits a party change.
async fn commit(tx: Transaction) -> Result<(), PartyError> {
    tx.commit().await.map_err(PartyError::from)
}

/// Ends a change: writes `party.updated` (saying `said`) for the party as it now is, commits,
/// and answers that party.
async fn commit_update(
    mut tx: Transaction,
    party_id: Uuid,
    said: PartyEvent,
) -> Result<wire::Party, PartyError> {
    let (party, members) = snapshot(&mut tx, party_id).await?;
    finish_update(tx, party, members, said).await
}

/// [`commit_update`] for a change that holds the party's row as this transaction last wrote it
/// (locked by it): only the members are read again, not the row (one statement and one row
/// version fewer on every change of readiness).
async fn commit_update_of(
    mut tx: Transaction,
    party: Party,
    said: PartyEvent,
) -> Result<wire::Party, PartyError> {
    let members = tx.party_members(party.id).await?;
    finish_update(tx, party, members, said).await
}

/// Takes a queued party out of the queue, announces the change and commits.
async fn finish_update(
    mut tx: Transaction,
    party: Party,
    members: Vec<PartyMember>,
    said: PartyEvent,
) -> Result<wire::Party, PartyError> {
    let party_id = party.id;
    let (party, members) = if party.state == PartyState::Queued {
        leave_queue(&mut tx, party_id).await?
    } else {
        (party, members)
    };
    announce(&mut tx, Event::PartyUpdated, &party, &members, said).await?;
    commit(tx).await?;
    Ok(view(&party, &members))
}

/// A queued party changed: its ticket leaves the queue (`queue.cancelled`, `party_changed`)
/// in the change's transaction, and the party is active again; the party as it now is.
async fn leave_queue(
    tx: &mut Transaction,
    party_id: Uuid,
) -> Result<(Party, Vec<PartyMember>), PartyError> {
    crate::matchmaking::queueing::dequeue_party(tx, party_id).await?;
    snapshot(tx, party_id).await
}
