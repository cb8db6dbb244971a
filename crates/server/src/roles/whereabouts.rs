//! Friends told as a player moves (every `api` node): from the events that put players into or
//! out of a party, a queue or a match, each moved player's friends are told where they are now
//! (`friends::announce_presence`). One consumer per stream shared by every `api` node under the
//! durable name `friend-presence`, apart from the gateway's, so pushes of the events themselves
//! never wait on it.
//!
//! A batch asks the store once which of its players have friends at all; only theirs are
//! announced. An announcement put off (over the player's quota) has its event delivered again
//! when it is allowed.

use std::time::Duration;

use rally_events::{Events, Stream};
use rally_protocol::event::{Envelope, Event};
use rally_store::Store;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::{
    bus::{Cause, Handled, Handler, Reader, Reading},
    friends::{self, Announcement, Friends},
};

/// The durable name every node shares.
const DURABLE: &str = "friend-presence";

/// The streams whose events move players.
pub const STREAMS: [Stream; 8] = [
    Stream::PartyUpdated,
    Stream::PartyDisbanded,
    Stream::QueueUpdated,
    Stream::MatchCreated,
    Stream::MatchCancelled,
    Stream::SessionReady,
    Stream::SessionEnded,
    Stream::MatchCompleted,
];

/// How the role reads `stream`: as the gateway's dispatcher does, under its own durable.
pub fn reading(stream: Stream) -> Reading {
    Reading {
        durable: DURABLE,
        ..super::dispatch::reading(stream)
    }
}

/// Tells the friends of the players moved by the events of `stream` until `stop` is cancelled.
pub async fn run(announcer: Announcer, stream: Stream, stop: CancellationToken) {
    let events = announcer.events.clone();
    Reader::serve(events, reading(stream), announcer, stop).await;
}

/// Tells friends where the players an event moved are now.
#[derive(Debug, Clone)]
pub struct Announcer {
    friends: Friends,
    store: Store,
    events: Events,
}

impl Announcer {
    /// An announcer reading friendships from `store` and pushing over `events`.
    pub fn new(friends: Friends, store: Store, events: Events) -> Self {
        Self {
            friends,
            store,
            events,
        }
    }

    /// Announces each of `players` (those with friends); how the events that moved them end.
    async fn announce(&self, players: &[Uuid]) -> Handled {
        let mut later: Option<Duration> = None;
        for player_id in players {
            match friends::announce_presence(&self.friends, &self.events, *player_id).await {
                Ok(Announcement::Told(_) | Announcement::Unchanged) => {}
                Ok(Announcement::Later(after)) => {
                    later = Some(later.map_or(after, |l| l.max(after)));
                }
                Err(error) => {
                    tracing::warn!(error = %error, "cannot tell a player's friends where they are; retrying");
                    return Handled::Retry;
                }
            }
        }
        later.map_or(Handled::Done, Handled::Later)
    }

    /// Those of `players` with friends, or why the store could not say.
    async fn with_friends(&self, players: &[Uuid]) -> Option<Vec<Uuid>> {
        match self.store.with_friends(players).await {
            Ok(players) => Some(players),
            Err(error) => {
                tracing::warn!(error = %error, "cannot read who has friends; retrying");
                None
            }
        }
    }
}

impl Handler for Announcer {
    async fn handle(&self, envelope: Envelope) -> Handled {
        let Some(players) = self.with_friends(&moved(&envelope.event)).await else {
            return Handled::Retry;
        };
        self.announce(&players).await
    }

    /// One store read for the batch; then each event settles as its own players' announcements
    /// do.
    async fn handle_all(&self, envelopes: Vec<Envelope>) -> Vec<Handled> {
        let moves: Vec<Vec<Uuid>> = envelopes.iter().map(|e| moved(&e.event)).collect();
        let all: Vec<Uuid> = moves.iter().flatten().copied().collect();
        let Some(with_friends) = self.with_friends(&all).await else {
            return vec![Handled::Retry; envelopes.len()];
        };
        let mut handled = Vec::with_capacity(envelopes.len());
        for (envelope, players) in envelopes.iter().zip(moves) {
            let players: Vec<Uuid> = players
                .into_iter()
                .filter(|p| with_friends.contains(p))
                .collect();
            if players.is_empty() {
                handled.push(Handled::Done);
                continue;
            }
            let cause = Cause::following(envelope);
            handled.push(cause.scope(self.announce(&players)).await);
        }
        handled
    }
}

/// The players an event may have moved into or out of a party, a queue or a match.
fn moved(event: &Event) -> Vec<Uuid> {
    match event {
        Event::PartyUpdated(party) | Event::PartyDisbanded(party) => party.recipients(),
        Event::QueueUpdated(change) => change.recipients().to_vec(),
        Event::MatchCreated(found) => found.teams.iter().flatten().map(|p| p.player_id).collect(),
        Event::MatchCancelled(cancelled) => cancelled.player_ids.clone(),
        Event::SessionReady(ready) => ready.player_ids.clone(),
        Event::SessionEnded(ended) => ended.player_ids.clone(),
        Event::MatchCompleted(completed) => {
            completed.outcomes.iter().map(|o| o.player_id).collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use rally_protocol::{gateway::PartyEvent, session::MatchCancelled};

    use super::*;

    #[test]
    fn a_party_change_moves_its_members_and_the_player_who_left() {
        let (stays, left) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let event = Event::PartyUpdated(PartyEvent {
            member_ids: vec![stays],
            player_id: Some(left),
            ..PartyEvent::default()
        });
        assert_eq!(moved(&event), vec![stays, left]);
        let cancelled = Event::MatchCancelled(MatchCancelled {
            match_id: Uuid::from_u128(9),
            reason: "declined".to_owned(),
            requeued: true,
            player_ids: vec![stays, left],
        });
        assert_eq!(moved(&cancelled), vec![stays, left]);
    }
}
