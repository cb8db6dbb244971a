//! Readiness and the ready check: the leader starts a check with a deadline; it passes when
//! every member is ready, fails when one answers not ready, and expires at its deadline.
//! Each end is stored, so a later read shows it, and announced as `party.ready_check`.

use rally_protocol::{Party as PartyView, event::Event, gateway::PartyEvent};
use rally_store::{Party, PartyMember, PartyState, ReadyCheckState, Timestamp, Transaction};
use uuid::Uuid;

use super::{Parties, PartyError};
use super::{announce, commit, commit_update_of, happened, lifecycle::begin, lock, snapshot, view};

/// The leader starts a ready check: everyone's readiness is cleared, and members have
/// `party_ready_check_s` to answer.
pub async fn start(
    parties: &Parties,
    leader_id: Uuid,
    party_id: Uuid,
) -> Result<PartyView, PartyError> {
    let mut tx = begin(parties).await?;
    // An overdue check is expired (and announced) first, so it never blocks a new one.
    let party = settle(&mut tx, party_id).await?;
    if party.state == PartyState::Closed {
        return Err(PartyError::PartyClosed);
    }
    if party.leader_id != leader_id {
        return Err(PartyError::NotPartyLeader);
    }
    if party.ready_check_state == Some(ReadyCheckState::Pending) {
        return Err(PartyError::ReadyCheckInProgress);
    }
    let now = tx.now();
    let window = time::Duration::try_from(parties.settings.party_ready_check())
        .expect("BUG: party_ready_check_s is validated to an hour at most");
    let deadline = now.plus(window);
    tx.start_ready_check(party_id, deadline).await?;
    let (party, members) = snapshot(&mut tx, party_id).await?;
    announce_check(&mut tx, &party, &members, ReadyCheckState::Pending).await?;
    commit(tx).await?;
    Ok(view(&party, &members))
}

/// A member answers: their readiness is stored, and a pending check ends when this answer
/// decides it.
pub async fn answer(
    parties: &Parties,
    player_id: Uuid,
    party_id: Uuid,
    ready: bool,
) -> Result<PartyView, PartyError> {
    let mut tx = begin(parties).await?;
    let mut party = settle(&mut tx, party_id).await?;
    match tx.set_member_ready(party_id, player_id, ready).await {
        Ok(()) => {}
        Err(rally_store::StoreError::NotFound) => {
            return Err(PartyError::NotInParty("you are not in this party"));
        }
        Err(error) => return Err(error.into()),
    }
    if party.ready_check_state == Some(ReadyCheckState::Pending) {
        let members = tx.party_members(party_id).await?;
        let end = if !ready {
            Some(ReadyCheckState::Failed)
        } else if members.iter().all(|m| m.ready) {
            Some(ReadyCheckState::Passed)
        } else {
            None
        };
        if let Some(end) = end
            && tx.finish_ready_check(party_id, end).await?
        {
            let (ended, members) = snapshot(&mut tx, party_id).await?;
            announce_check(&mut tx, &ended, &members, end).await?;
            party = ended;
        }
    }
    let said = PartyEvent {
        ready: Some(ready),
        ..happened("ready", player_id)
    };
    // Readiness lives in the members' rows: the party's row is as `settle` (or the check's
    // end) left it.
    commit_update_of(tx, party, said).await
}

/// Whether the party's ready check is pending past its deadline.
pub fn is_overdue(party: &Party, now: Timestamp) -> bool {
    party.ready_check_state == Some(ReadyCheckState::Pending)
        && party
            .ready_check_deadline
            .is_some_and(|deadline| deadline <= now)
}

/// Locks the party and expires its ready check if overdue (announcing it); the party as it
/// now is. The locked row says whether the check is overdue, so a party without one costs
/// the lock alone.
pub(super) async fn settle(tx: &mut Transaction, party_id: Uuid) -> Result<Party, PartyError> {
    let party = lock(tx, party_id).await?;
    if is_overdue(&party, tx.now()) && tx.expire_ready_check(party_id, tx.now()).await? {
        let (party, members) = snapshot(tx, party_id).await?;
        announce_check(tx, &party, &members, ReadyCheckState::Expired).await?;
        return Ok(party);
    }
    Ok(party)
}

async fn announce_check(
    tx: &mut Transaction,
    party: &Party,
    members: &[PartyMember],
    state: ReadyCheckState,
) -> Result<(), PartyError> {
    let said = PartyEvent {
        ready_check: Some(state.as_str().to_owned()),
        deadline: party.ready_check_deadline.map(Timestamp::unix_millis),
        ready_ids: Some(
            members
                .iter()
                .filter(|m| m.ready)
                .map(|m| m.player_id)
                .collect(),
        ),
        ..PartyEvent::default()
    };
    announce(tx, Event::PartyReadyCheck, party, members, said).await
}

/// Expires and announces the ready checks whose deadline has passed on the node's clock (at
/// most `batch`, most overdue first); how many. The ready-check sweeper's step: any number of
/// nodes may run it at once, each expiry runs under the party's lock and applies once.
pub async fn expire_overdue(parties: &Parties, batch: i64) -> Result<usize, PartyError> {
    let overdue = parties
        .store
        .overdue_ready_checks(parties.store.now(), batch)
        .await?;
    for &party_id in &overdue {
        let mut tx = begin(parties).await?;
        settle(&mut tx, party_id).await?;
        commit(tx).await?;
    }
    Ok(overdue.len())
}
