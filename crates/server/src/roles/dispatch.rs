//! The gateway's dispatcher (every `api` node): from durable events to per-player pushes, one
//! consumer per stream shared by every `api` node under the durable name `gateway`. Each push
//! goes to the player's subject, where the node holding their socket picks it up
//! (`gateway::pump`).

use std::time::Duration;

use rally_events::{ConsumerOptions, Events, Stream};
use rally_protocol::{
    event::{Envelope, Event},
    gateway::ServerEvent,
    rating::RatingChange,
};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::{
    accounts::Accounts,
    bus::{Cause, Handled, Handler, Reader, Reading},
    gateway::push,
    sessions::{Sessions, lifecycle},
    voice::{self, Voice},
};

/// The most events a dispatcher takes at once. One at a time, each cost a pull and an ack
/// round trip to NATS in turn, which capped a stream near a thousand events a second across
/// every node; a batch is fetched ahead and its acks are in flight together. A node that
/// stops holding a batch leaves it to the others after the ack wait.
const BATCH: usize = 64;

/// The durable name every node's dispatcher shares.
const DURABLE: &str = "gateway";

/// The streams whose events are pushed to players.
pub const STREAMS: [Stream; 15] = [
    Stream::PartyUpdated,
    Stream::PartyInvite,
    Stream::PartyReadyCheck,
    Stream::PartyDisbanded,
    Stream::QueueUpdated,
    Stream::MatchCreated,
    Stream::MatchAccepted,
    Stream::MatchCancelled,
    Stream::SessionReady,
    Stream::SessionEnded,
    Stream::RatingUpdated,
    Stream::AccountBanned,
    Stream::FriendUpdated,
    Stream::ChatMessage,
    Stream::ModerationNotice,
];

/// How the dispatcher reads `stream`.
pub fn reading(stream: Stream) -> Reading {
    Reading {
        stream,
        durable: DURABLE,
        options: ConsumerOptions {
            ack_wait: Duration::from_secs(30),
            poll_wait: Duration::from_secs(5),
            batch: BATCH,
        },
    }
}

/// Pushes the events of `stream` to the players they concern until `stop` is cancelled.
pub async fn run(dispatcher: Dispatcher, stream: Stream, stop: CancellationToken) {
    let events = dispatcher.events.clone();
    Reader::serve(events, reading(stream), dispatcher, stop).await;
}

/// Pushes each event to the players it concerns.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    accounts: Accounts,
    sessions: Sessions,
    voice: Voice,
    events: Events,
}

impl Dispatcher {
    /// A dispatcher pushing over `events`; `accounts` learns of bans at once, `sessions` signs
    /// each player's session token, `voice` each member's voice access.
    pub fn new(accounts: Accounts, sessions: Sessions, voice: Voice, events: Events) -> Self {
        Self {
            accounts,
            sessions,
            voice,
            events,
        }
    }
}

impl Handler for Dispatcher {
    /// Pushes one event to each player it concerns; a push that cannot be sent is retried.
    async fn handle(&self, envelope: Envelope) -> Handled {
        let occurred_at_ms = i64::try_from(envelope.occurred_at.unix_timestamp_nanos() / 1_000_000)
            .unwrap_or(i64::MAX);
        let mut pushes = pushes(&self.sessions, envelope.event);
        if let Err(error) = voice::hand_out(&self.voice, &mut pushes).await {
            tracing::warn!(error = %error, "cannot hand out voice access; retrying");
            return Handled::Retry;
        }
        if let Some((player_id, ServerEvent::AccountBanned(_))) = pushes.first() {
            // The cached status would admit the player's access tokens for a while: it is
            // banned now (a request that read `active` before the ban cannot write it back).
            if let Err(error) = self.accounts.cache_banned(*player_id).await {
                tracing::warn!(error = %error, "cannot forget a banned player's status; retrying");
                return Handled::Retry;
            }
        }
        // Each push is delivered as a step of the event's handling, in its trace.
        let cause = Cause::current().traced(&tracing::Span::current());
        for (player_id, server_event) in pushes {
            if let Err(error) = push::send(
                &self.events,
                player_id,
                server_event,
                occurred_at_ms,
                Some(&cause),
            )
            .await
            {
                tracing::warn!(error = %error, "cannot push an event; retrying it");
                return Handled::Retry;
            }
        }
        Handled::Done
    }
}

/// The push for each player an event concerns (none for events players are not told of).
fn pushes(sessions: &Sessions, event: Event) -> Vec<(Uuid, ServerEvent)> {
    let to_all = |recipients: Vec<Uuid>, event: ServerEvent| {
        recipients
            .into_iter()
            .map(|p| (p, event.clone()))
            .collect::<Vec<_>>()
    };
    match event {
        Event::QueueUpdated(change) => {
            let recipients = change.recipients().to_vec();
            let pushed = match change {
                rally_protocol::event::QueueChange::Joined(ticket) => {
                    ServerEvent::QueueJoined(ticket)
                }
                rally_protocol::event::QueueChange::Cancelled(cancelled) => {
                    ServerEvent::QueueCancelled(cancelled)
                }
            };
            to_all(recipients, pushed)
        }
        Event::MatchCreated(found) => {
            let recipients = found.teams.iter().flatten().map(|p| p.player_id).collect();
            to_all(recipients, ServerEvent::MatchFound(found))
        }
        Event::MatchAccepted(accepted) => {
            let recipients = accepted.player_ids.clone();
            to_all(recipients, ServerEvent::MatchAccepted(accepted))
        }
        Event::MatchCancelled(cancelled) => {
            let recipients = cancelled.player_ids.clone();
            to_all(recipients, ServerEvent::MatchCancelled(cancelled))
        }
        Event::SessionEnded(ended) => {
            let recipients = ended.player_ids.clone();
            to_all(recipients, ServerEvent::SessionEnded(ended))
        }
        Event::RatingUpdated(applied) => applied
            .changes
            .iter()
            .map(|c| {
                let change = RatingChange {
                    match_id: applied.match_id,
                    mode: applied.mode.clone(),
                    season_id: applied.season_id,
                    mean_before: c.mean_before,
                    mean_after: c.mean_after,
                    uncertainty_before: c.uncertainty_before,
                    uncertainty_after: c.uncertainty_after,
                    mmr_before: c.mmr_before,
                    mmr_after: c.mmr_after,
                    placement: c.placement,
                };
                (c.player_id, ServerEvent::RatingUpdated(change))
            })
            .collect(),
        Event::FriendUpdated(change) => to_all(
            vec![change.actor_id, change.player_id],
            ServerEvent::FriendUpdated(change),
        ),
        Event::ChatMessage(push) => to_all(push.recipients, ServerEvent::ChatMessage(push.change)),
        Event::AccountBanned(banned) => {
            vec![(banned.player_id, ServerEvent::AccountBanned(banned))]
        }
        Event::ModerationNotice(notice) => {
            vec![(notice.player_id, ServerEvent::ModerationNotice(notice))]
        }
        // Each player gets their own token.
        Event::SessionReady(ready) => ready
            .player_ids
            .iter()
            .map(|p| {
                let info = lifecycle::ready_info(sessions, ready.match_id, &ready.endpoint, *p);
                (*p, ServerEvent::SessionReady(info))
            })
            .collect(),
        Event::PartyUpdated(party) => to_all(party.recipients(), ServerEvent::PartyUpdated(party)),
        Event::PartyInvite(party) => to_all(party.recipients(), ServerEvent::PartyInvite(party)),
        Event::PartyReadyCheck(party) => {
            to_all(party.recipients(), ServerEvent::PartyReadyCheck(party))
        }
        Event::PartyDisbanded(party) => {
            to_all(party.recipients(), ServerEvent::PartyDisbanded(party))
        }
        Event::PlayerRegistered(_) | Event::ProfileUpdated(_) | Event::MatchCompleted(_) => {
            Vec::new()
        }
    }
}
