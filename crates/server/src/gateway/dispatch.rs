//! From durable events to per-player pushes: the dispatcher (one consumer per stream, shared by
//! every `api` node under the durable name `gateway`), and the pump that feeds one session from
//! its player's subject.

use std::{sync::Arc, time::Duration};

use rally_events::{ConsumerOptions, Delivery, Events, Stream, Subscription};
use rally_protocol::{
    gateway::{AccountBanned, PartyEvent, ServerEvent},
    queue::MatchFound,
    rating::RatingChange,
    session::{MatchCancelled, SessionEnded},
};
use tokio::sync::watch;
use uuid::Uuid;

use super::{GatewaySession, push};
use crate::{
    app::AppState, auth::authenticated, matchmaking::queueing::QueueEvent, ratings::apply::Applied,
    sessions::lifecycle,
};

/// The durable name every node's dispatcher shares.
const DURABLE: &str = "gateway";
/// How long the dispatcher rests after the events backend failed.
const BACKOFF: Duration = Duration::from_secs(1);

/// The streams whose events are pushed to players.
pub const STREAMS: [Stream; 11] = [
    Stream::PartyUpdated,
    Stream::PartyInvite,
    Stream::PartyReadyCheck,
    Stream::PartyDisbanded,
    Stream::QueueUpdated,
    Stream::MatchCreated,
    Stream::MatchCancelled,
    Stream::SessionReady,
    Stream::SessionEnded,
    Stream::RatingUpdated,
    Stream::AccountBanned,
];

/// Pushes the events of `stream` to the players they concern until `stop` turns true.
pub async fn run(app: AppState, events: Events, stream: Stream, mut stop: watch::Receiver<bool>) {
    let options = ConsumerOptions {
        ack_wait: Duration::from_secs(30),
        poll_wait: Duration::from_secs(5),
    };
    let Some(mut consumer) =
        crate::consume::open(&events, stream, DURABLE, options, &mut stop).await
    else {
        return;
    };
    loop {
        let next = tokio::select! {
            _ = stop.changed() => return,
            next = consumer.next() => next,
        };
        match next {
            Ok(Some(delivery)) => handle(&app, &events, delivery).await,
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(error = %error, stream = stream.name(), "gateway consumer failed; retrying");
                tokio::time::sleep(BACKOFF).await;
            }
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// Pushes one event to each player it concerns, then acknowledges it. An event that cannot be
/// read is logged and acknowledged (it would never read better); a push that cannot be sent
/// is retried after a pause.
async fn handle(app: &AppState, events: &Events, delivery: Delivery) {
    let stream = delivery.stream();
    let Some((pushes, occurred_at_ms)) = read(app, stream, delivery.payload()) else {
        tracing::error!(
            stream = stream.name(),
            key = delivery.key(),
            "unreadable event; dropped"
        );
        let _ = delivery.ack().await;
        return;
    };
    if stream == Stream::AccountBanned {
        // The cached status would admit the player's access tokens for a while: it is banned
        // now (a request that read `active` before the ban cannot write it back over this).
        for (player_id, _) in &pushes {
            if let Err(error) = authenticated::cache_banned(app, *player_id).await {
                tracing::warn!(error = %error, "cannot forget a banned player's status; retrying");
                let _ = delivery.nack_after(BACKOFF).await;
                return;
            }
        }
    }
    for (player_id, server_event) in pushes {
        if let Err(error) = push::send(events, player_id, server_event, occurred_at_ms).await {
            tracing::warn!(error = %error, stream = stream.name(), "cannot push an event; retrying it");
            let _ = delivery.nack_after(BACKOFF).await;
            return;
        }
    }
    if let Err(error) = delivery.ack().await {
        tracing::warn!(error = %error, stream = stream.name(), "cannot acknowledge a pushed event; it may be pushed again");
    }
}

/// The push for each player an event concerns, and when it happened.
fn read(app: &AppState, stream: Stream, payload: &[u8]) -> Option<(Vec<(Uuid, ServerEvent)>, i64)> {
    let to_all = |recipients: Vec<Uuid>, event: ServerEvent| {
        recipients
            .into_iter()
            .map(|p| (p, event.clone()))
            .collect::<Vec<_>>()
    };
    match stream {
        Stream::QueueUpdated => {
            let event: QueueEvent = serde_json::from_slice(payload).ok()?;
            let recipients = event.recipients().to_vec();
            let pushed = match event {
                QueueEvent::Joined(ticket) => ServerEvent::QueueJoined(ticket),
                QueueEvent::Cancelled(cancelled) => ServerEvent::QueueCancelled(cancelled),
            };
            Some((to_all(recipients, pushed), push::now_ms()))
        }
        Stream::MatchCreated => {
            let found: MatchFound = serde_json::from_slice(payload).ok()?;
            let recipients = found.teams.iter().flatten().map(|p| p.player_id).collect();
            let at = found.created_at_ms;
            Some((to_all(recipients, ServerEvent::MatchFound(found)), at))
        }
        Stream::MatchCancelled => {
            let cancelled: MatchCancelled = serde_json::from_slice(payload).ok()?;
            let recipients = cancelled.player_ids.clone();
            Some((
                to_all(recipients, ServerEvent::MatchCancelled(cancelled)),
                push::now_ms(),
            ))
        }
        Stream::SessionEnded => {
            let ended: SessionEnded = serde_json::from_slice(payload).ok()?;
            let recipients = ended.player_ids.clone();
            Some((
                to_all(recipients, ServerEvent::SessionEnded(ended)),
                push::now_ms(),
            ))
        }
        Stream::RatingUpdated => {
            let applied: Applied = serde_json::from_slice(payload).ok()?;
            let pushes = applied
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
                .collect();
            Some((pushes, push::now_ms()))
        }
        Stream::AccountBanned => {
            let banned: AccountBanned = serde_json::from_slice(payload).ok()?;
            let pushes = vec![(banned.player_id, ServerEvent::AccountBanned(banned))];
            Some((pushes, push::now_ms()))
        }
        Stream::SessionReady => {
            // Each player gets their own token.
            let ready: SessionReadyEvent = serde_json::from_slice(payload).ok()?;
            let pushes = ready
                .player_ids
                .iter()
                .map(|p| {
                    let info = lifecycle::ready_info(app, ready.match_id, &ready.endpoint, *p);
                    (*p, ServerEvent::SessionReady(info))
                })
                .collect();
            Some((pushes, push::now_ms()))
        }
        _ => {
            let event: PartyEvent = serde_json::from_slice(payload).ok()?;
            let at = event.updated_at;
            let recipients = event.recipients();
            let pushed = match stream {
                Stream::PartyInvite => ServerEvent::PartyInvite(event),
                Stream::PartyReadyCheck => ServerEvent::PartyReadyCheck(event),
                Stream::PartyDisbanded => ServerEvent::PartyDisbanded(event),
                _ => ServerEvent::PartyUpdated(event),
            };
            Some((to_all(recipients, pushed), at))
        }
    }
}

/// The payload of `session.ready`.
#[derive(Debug, serde::Deserialize)]
struct SessionReadyEvent {
    match_id: Uuid,
    endpoint: String,
    player_ids: Vec<Uuid>,
}

/// Feeds `session` every push published for its player, until the session ends (its task is
/// aborted) or the subscription closes.
pub async fn pump(session: Arc<GatewaySession>, mut subscription: Subscription) {
    while let Some(message) = subscription.recv().await {
        match serde_json::from_slice::<push::PlayerPush>(&message.payload) {
            Ok(push) => {
                if session.deliver(push) {
                    metrics::counter!("rally_ws_slow_consumers_total").increment(1);
                }
            }
            Err(error) => {
                tracing::error!(error = %error, "unreadable player push; dropped");
            }
        }
    }
}
