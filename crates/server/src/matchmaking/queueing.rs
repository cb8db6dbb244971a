//! The queue rules below the handlers: joining (alone, or the leader with the whole party once
//! it passed a ready check), cancelling, reading one's ticket, listing the queues, and taking a
//! ticket out of the queue when its party changes, its player disconnects or it times out.
//!
//! A ticket is written to the store, with its `queue.updated` event, before the request is
//! answered; the matchmaker that owns the queue picks it up from there.

use rally_engine::{QueueConfig, Region};
use rally_protocol::{
    QueueInfo, QueueList, QueueRequest, QueueTicket, RegionLatency, TicketState as WireState,
    event::{Event, QueueChange},
    queue::QueueCancelled,
};
use rally_store::{
    NewTicket, ReadyCheckState, StoreError, Ticket, TicketState, Transaction, new_id,
};
use serde_json::json;
use uuid::Uuid;

use super::{QueueError, Queueing};
use super::{
    queues::{rating_system_name, role_id},
    spec::{SpecMember, TicketSpec},
    stats,
};
use crate::bus;

/// Why a ticket left the queue without a match.
pub mod reason {
    /// The player (or the party's leader) cancelled.
    pub const BY_PLAYER: &str = "by_player";
    /// The party changed while queued.
    pub const PARTY_CHANGED: &str = "party_changed";
    /// The ticket waited longer than the queue allows.
    pub const TIMED_OUT: &str = "timed_out";
    /// A player's socket was gone past the resume grace.
    pub const DISCONNECTED: &str = "disconnected";
    /// The queue's definition changed (its roles or regions, say) and the ticket no longer
    /// fits it: the player queues again.
    pub const QUEUE_CHANGED: &str = "queue_changed";
    /// A player of the ticket was banned.
    pub const BANNED: &str = "banned";
    /// A player of the ticket was given a queue cooldown.
    pub const SANCTIONED: &str = "sanctioned";
}

/// Every queue with its shape and the population its matchmaker last reported.
pub async fn list(queueing: &Queueing) -> QueueList {
    let mut queues = Vec::new();
    for (mode, config) in queueing.queues.iter() {
        let figures = stats::read(&queueing.state, mode.as_str(), &config.regions).await;
        queues.push(QueueInfo {
            mode: mode.as_str().to_owned(),
            teams: config.teams,
            team_size: config.team_size,
            max_party_size: config.max_party_size,
            roles: config.roles.iter().map(|r| r.name.clone()).collect(),
            rating_system: rating_system_name(config.rating_system).to_owned(),
            regions: config
                .regions
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
            players_waiting: figures.players_waiting,
            median_wait_s: figures.median_wait_s,
        });
    }
    QueueList { queues }
}

/// Queues the caller alone, or (as its leader) the caller's party. Nothing is written unless
/// every rule holds.
pub async fn join(
    queueing: &Queueing,
    player_id: Uuid,
    request: QueueRequest,
) -> Result<QueueTicket, QueueError> {
    let (mode, config) = queueing
        .queues
        .get(&request.mode)
        .ok_or_else(|| QueueError::UnknownQueue(request.mode.clone()))?;
    let latencies = latencies(config, &request.regions)?;
    let roles = roles(config, request.roles.as_deref())?;
    let store = &queueing.store;

    let party = store
        .party_of_player(player_id)
        .await?
        .filter(|party| party.member_count > 1);
    let member_ids = match &party {
        None => vec![player_id],
        Some(party) => {
            if party.leader_id != player_id {
                return Err(QueueError::NotPartyLeader);
            }
            if party.ready_check_state != Some(ReadyCheckState::Passed) {
                return Err(QueueError::PartyNotReady);
            }
            let members = store.party_members(party.id).await?;
            if members.len() > usize::from(config.max_party_size) {
                return Err(QueueError::PartyTooLarge(config.max_party_size));
            }
            members.into_iter().map(|m| m.player_id).collect()
        }
    };
    // One query for every member: present, not queued, not in a match, and rated.
    let standings = store.queue_standings(&member_ids, mode.as_str()).await?;
    let mut members = Vec::with_capacity(member_ids.len());
    for &member in &member_ids {
        let standing = standings
            .iter()
            .find(|s| s.player_id == member)
            .ok_or(StoreError::NotFound)?;
        if standing.queued {
            return Err(QueueError::AlreadyQueued);
        }
        if standing.in_match {
            return Err(QueueError::InMatch);
        }
        let now = store.now();
        // The later of a cooldown for declining and one given as a sanction.
        let cooldown = standing
            .cooldown_until
            .into_iter()
            .chain(standing.sanction_until)
            .max_by_key(|until| until.unix_millis());
        if let Some(until) = cooldown
            && until.unix_millis() > now.unix_millis()
        {
            return Err(QueueError::Cooldown {
                player_id: member,
                until,
                left_ms: until.unix_millis() - now.unix_millis(),
            });
        }
        let initial = config.rating_system.initial();
        let (mu, sigma, volatility) = match (standing.mean, standing.uncertainty) {
            (Some(mean), Some(uncertainty)) => (
                mean,
                uncertainty,
                standing.volatility.unwrap_or(initial.volatility),
            ),
            _ => (initial.mu, initial.sigma, initial.volatility),
        };
        members.push(SpecMember {
            player_id: member,
            display_name: standing.display_name.clone(),
            mu,
            sigma,
            volatility,
            roles: if member == player_id {
                roles.clone()
            } else {
                Vec::new()
            },
        });
    }
    let season_id = standings.first().and_then(|s| s.season_id);
    // Read at queue time: a block made while the ticket waits applies from the next ticket.
    let avoid = store.avoided_by(&member_ids).await?;
    // The region the engine matches the ticket in first (the lowest latency, ties to the
    // queue's earlier region): the bucket it belongs to.
    let best = latencies
        .iter()
        .min_by_key(|(region, ms)| (*ms, config.regions.iter().position(|r| r == region)))
        .map(|(region, _)| region.as_str().to_owned())
        .expect("BUG: latencies are not empty");
    let spec = TicketSpec {
        members,
        latencies: latencies
            .iter()
            .map(|(region, ms)| (region.as_str().to_owned(), *ms))
            .collect(),
        season_id,
        traceparent: crate::telemetry::trace_context::traceparent_of(&tracing::Span::current()),
        avoid,
    };
    let new = NewTicket {
        id: new_id(),
        owner_id: player_id,
        party_id: party.as_ref().map(|p| p.id),
        mode: mode.as_str().to_owned(),
        region: best,
        latencies: serde_json::Value::Object(
            latencies
                .iter()
                .map(|(region, ms)| (region.as_str().to_owned(), json!(ms)))
                .collect(),
        ),
        spec: serde_json::to_value(&spec).expect("BUG: a spec serializes"),
        members: member_ids,
        created_at: queueing.store.now(),
    };

    let view = match &party {
        // Alone: the ticket, its members and its event are one write.
        None => {
            let joined = Event::QueueUpdated(QueueChange::Joined(view(&new.as_stored())));
            let event = bus::outbox::sealed(new.id, joined, store.now());
            view(&not_queued_yet(
                store.create_ticket_announced(&new, &event).await,
            )?)
        }
        Some(party) => join_party(queueing, party.id, player_id, &new).await?,
    };
    metrics::counter!("rally_tickets_queued_total", "mode" => mode.as_str().to_owned(), "region" => new.region.clone())
        .increment(1);
    Ok(view)
}

/// Writes the ticket of a party whose leader `player_id` queues it, once the party's roster
/// and ready check are decided again under its lock.
async fn join_party(
    queueing: &Queueing,
    party_id: Uuid,
    player_id: Uuid,
    new: &NewTicket,
) -> Result<QueueTicket, QueueError> {
    let mut tx = queueing.store.begin().await?;
    // Decided again under the party's lock: the roster and the check read before may have
    // changed since.
    let locked = tx.lock_party(party_id).await?;
    if locked.leader_id != player_id {
        return Err(QueueError::NotPartyLeader);
    }
    if locked.ready_check_state != Some(ReadyCheckState::Passed) {
        return Err(QueueError::PartyNotReady);
    }
    let mut now_members: Vec<Uuid> = tx
        .party_members(party_id)
        .await?
        .into_iter()
        .map(|m| m.player_id)
        .collect();
    let mut queued = new.members.clone();
    now_members.sort_unstable();
    queued.sort_unstable();
    if now_members != queued {
        return Err(QueueError::PartyNotReady);
    }
    // A passed check admits one queue.
    tx.clear_passed_ready_check(party_id).await?;
    tx.set_party_queued(party_id, true).await?;
    let ticket = not_queued_yet(tx.create_ticket(new).await)?;
    let view = view(&ticket);
    let joined = Event::QueueUpdated(QueueChange::Joined(view.clone()));
    bus::outbox::enqueue(&mut tx, ticket.id, joined).await?;
    tx.commit().await?;
    Ok(view)
}

/// A ticket written, or [`QueueError::AlreadyQueued`] when one of its players has a searching
/// ticket already.
fn not_queued_yet(written: Result<Ticket, StoreError>) -> Result<Ticket, QueueError> {
    match written {
        Ok(ticket) => Ok(ticket),
        Err(StoreError::Conflict { constraint })
            if constraint == "ticket_members_active_player_key" =>
        {
            Err(QueueError::AlreadyQueued)
        }
        Err(error) => Err(error.into()),
    }
}

/// Cancels the caller's searching ticket (the leader's call for a party ticket).
pub async fn cancel(queueing: &Queueing, player_id: Uuid) -> Result<QueueTicket, QueueError> {
    let store = &queueing.store;
    let ticket = store
        .active_ticket_of_player(player_id)
        .await?
        .ok_or(QueueError::NotQueued)?;
    if ticket.owner_id != player_id {
        return Err(QueueError::NotPartyLeader);
    }
    if ticket.party_id.is_some() {
        // The party is freed in the same transaction.
        let mut tx = store.begin().await?;
        let ended = end(&mut tx, &ticket, TicketState::Cancelled, reason::BY_PLAYER)
            .await?
            .ok_or(QueueError::NotQueued)?;
        tx.commit().await?;
        return Ok(view(&ended));
    }
    // Alone: the ticket's state and its event are one write.
    let why = reason::BY_PLAYER;
    let event = bus::outbox::sealed(ticket.id, cancelled(&ticket, why), store.now());
    let ended = match store
        .end_ticket_announced(
            ticket.id,
            TicketState::Searching,
            TicketState::Cancelled,
            why,
            &event,
        )
        .await
    {
        Ok(ended) => ended,
        Err(StoreError::NotFound) => return Err(QueueError::NotQueued),
        Err(error) => return Err(error.into()),
    };
    count_cancelled(&ticket, why);
    Ok(view(&ended))
}

/// The caller's ticket: the searching one, else the one that changed last.
pub async fn current(queueing: &Queueing, player_id: Uuid) -> Result<QueueTicket, QueueError> {
    let store = &queueing.store;
    let ticket = match store.active_ticket_of_player(player_id).await? {
        Some(ticket) => ticket,
        None => store
            .latest_ticket_of_player(player_id)
            .await?
            .ok_or(QueueError::NotQueued)?,
    };
    Ok(view(&ticket))
}

/// Takes the party's searching ticket out of the queue (`party_changed`), in the transaction of
/// the change. Returns whether there was one.
pub async fn dequeue_party(tx: &mut Transaction, party_id: Uuid) -> Result<bool, QueueError> {
    let Some(ticket) = tx.active_ticket_of_party(party_id).await? else {
        tx.set_party_queued(party_id, false).await?;
        return Ok(false);
    };
    Ok(
        end(tx, &ticket, TicketState::Cancelled, reason::PARTY_CHANGED)
            .await?
            .is_some(),
    )
}

/// Takes the player's searching ticket out of the queue because their socket is gone.
pub async fn dequeue_disconnected(
    queueing: &Queueing,
    player_id: Uuid,
) -> Result<bool, QueueError> {
    let store = &queueing.store;
    let Some(ticket) = store.active_ticket_of_player(player_id).await? else {
        return Ok(false);
    };
    let mut tx = store.begin().await?;
    let ended = end(
        &mut tx,
        &ticket,
        TicketState::Cancelled,
        reason::DISCONNECTED,
    )
    .await?;
    tx.commit().await?;
    Ok(ended.is_some())
}

/// Moves a searching ticket to `to` (cancelled or timed out) with `why`, frees its party and
/// announces `queue.cancelled`. `None` when it was no longer searching (matched or cancelled
/// meanwhile): nothing changed.
pub async fn end(
    tx: &mut Transaction,
    ticket: &Ticket,
    to: TicketState,
    why: &str,
) -> Result<Option<Ticket>, QueueError> {
    // The party before the ticket, the order every writer of both takes them in (a round locks
    // its parties, then its tickets): the other order deadlocked with a round under load.
    if let Some(party_id) = ticket.party_id {
        tx.lock_parties(&[party_id]).await?;
    }
    let ended = match tx
        .set_ticket_state(ticket.id, TicketState::Searching, to, None, Some(why))
        .await
    {
        Ok(ended) => ended,
        Err(StoreError::NotFound) => return Ok(None),
        Err(error) => return Err(error.into()),
    };
    if let Some(party_id) = ticket.party_id {
        tx.set_party_queued(party_id, false).await?;
    }
    bus::outbox::enqueue(tx, ticket.id, cancelled(ticket, why)).await?;
    count_cancelled(ticket, why);
    Ok(Some(ended))
}

/// Ends a ticket placed in a match that will not be played (its player declined the match)
/// as cancelled for `why`, and announces `queue.cancelled`; its party was freed when the match
/// was made. A ticket no longer matched is left as it is.
pub async fn end_matched(
    tx: &mut Transaction,
    ticket: &Ticket,
    why: &str,
) -> Result<(), StoreError> {
    match tx
        .set_ticket_state(
            ticket.id,
            TicketState::Matched,
            TicketState::Cancelled,
            None,
            Some(why),
        )
        .await
    {
        Ok(_) => {}
        Err(StoreError::NotFound) => return Ok(()),
        Err(error) => return Err(error),
    }
    bus::outbox::enqueue(tx, ticket.id, cancelled(ticket, why)).await?;
    count_cancelled(ticket, why);
    Ok(())
}

/// The `queue.updated` event of `ticket` leaving the queue for `why`.
fn cancelled(ticket: &Ticket, why: &str) -> Event {
    Event::QueueUpdated(QueueChange::Cancelled(QueueCancelled {
        ticket_id: ticket.id,
        mode: ticket.mode.clone(),
        reason: why.to_owned(),
        member_ids: member_ids(ticket),
    }))
}

fn count_cancelled(ticket: &Ticket, why: &str) {
    metrics::counter!("rally_tickets_cancelled_total", "mode" => ticket.mode.clone(), "reason" => why.to_owned())
        .increment(1);
}

/// The players of a stored ticket.
fn member_ids(ticket: &Ticket) -> Vec<Uuid> {
    TicketSpec::of(&ticket.spec)
        .map(|spec| spec.members.iter().map(|m| m.player_id).collect())
        .unwrap_or_else(|_| vec![ticket.owner_id])
}

/// A ticket as answered to a client.
pub fn view(ticket: &Ticket) -> QueueTicket {
    let mut regions: Vec<RegionLatency> = ticket
        .latencies
        .as_object()
        .map(|map| {
            map.iter()
                .map(|(region, ms)| RegionLatency {
                    region: region.clone(),
                    latency_ms: ms.as_u64().and_then(|v| u32::try_from(v).ok()).unwrap_or(0),
                })
                .collect()
        })
        .unwrap_or_default();
    regions.sort_by_key(|r| r.latency_ms);
    QueueTicket {
        id: ticket.id,
        mode: ticket.mode.clone(),
        state: match ticket.state {
            TicketState::Searching => WireState::Searching,
            TicketState::Matched => WireState::Matched,
            TicketState::Cancelled => WireState::Cancelled,
            TicketState::TimedOut => WireState::TimedOut,
        },
        party_id: ticket.party_id,
        member_ids: member_ids(ticket),
        regions,
        cancel_reason: ticket.cancel_reason.clone(),
        match_id: ticket.match_id,
        created_at: ticket.created_at.to_offset_date_time(),
    }
}

/// The latencies of a request, checked against the queue: known regions, each once, at least
/// one within the queue's widest latency limit.
fn latencies(
    config: &QueueConfig,
    given: &[RegionLatency],
) -> Result<Vec<(Region, u16)>, QueueError> {
    if given.is_empty() {
        return Err(QueueError::NoRegionInReach(
            "give the latency to at least one region".to_owned(),
        ));
    }
    let mut latencies: Vec<(Region, u16)> = Vec::with_capacity(given.len());
    for entry in given {
        let region = config
            .regions
            .iter()
            .find(|r| r.as_str() == entry.region)
            .copied()
            .ok_or_else(|| QueueError::UnknownRegion(entry.region.clone()))?;
        if latencies.iter().any(|(r, _)| *r == region) {
            return Err(QueueError::Invalid {
                field: "regions".to_owned(),
                reason: format!("region `{}` is listed twice", entry.region),
            });
        }
        latencies.push((region, u16::try_from(entry.latency_ms).unwrap_or(u16::MAX)));
    }
    let widest = config.latency_ms.max;
    if latencies.iter().all(|(_, ms)| f64::from(*ms) > widest) {
        return Err(QueueError::NoRegionInReach(format!(
            "no region within this queue's latency limit of {widest} ms"
        )));
    }
    Ok(latencies)
}

/// The roles of a request, as ids in the queue's role list.
fn roles(config: &QueueConfig, given: Option<&[String]>) -> Result<Vec<u8>, QueueError> {
    let Some(given) = given else {
        return Ok(Vec::new());
    };
    given
        .iter()
        .map(|name| {
            role_id(config, name)
                .map(|id| id.0)
                .ok_or_else(|| QueueError::UnknownRole(name.clone()))
        })
        .collect()
}
