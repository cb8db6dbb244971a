//! [`PlayerPush`]: what travels on the events backend to a player's subject (`player.<id>`), so
//! a push made by any node reaches the node that holds the player's socket.

use rally_events::{Events, EventsError};
use rally_protocol::gateway::ServerEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::bus::Cause;

/// One push for one player, between nodes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlayerPush {
    /// The event, as the client will see it.
    pub event: ServerEvent,
    /// When the change it reports happened (milliseconds since the Unix epoch), for the
    /// push-latency histogram.
    pub occurred_at_ms: i64,
    /// The trace context of the work that sent it, so its delivery joins that trace (absent
    /// when no exporter records spans, and from nodes of earlier versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    /// The correlation id of the chain of work that sent it, for the delivering node's log
    /// lines (absent for news on a cadence, and from nodes of earlier versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

/// The subject a player's pushes travel on.
pub fn subject(player_id: Uuid) -> String {
    format!("player.{player_id}")
}

/// Sends `event` to every gateway session of `player_id`, on whichever node. At most once: a
/// player with no session (offline, or past the resume grace) misses it, and reads the state
/// afresh when they connect. A push sent by a step of a player's journey (`cause`) is
/// delivered in its chain: the delivery's span joins its trace and carries its correlation id.
pub async fn send(
    events: &Events,
    player_id: Uuid,
    event: ServerEvent,
    occurred_at_ms: i64,
    cause: Option<&Cause>,
) -> Result<(), EventsError> {
    let push = PlayerPush {
        event,
        occurred_at_ms,
        traceparent: cause.and_then(|c| c.traceparent.clone()),
        correlation_id: cause.map(|c| c.correlation_id.clone()),
    };
    let payload = serde_json::to_vec(&push).expect("BUG: a push serializes");
    events.publish(&subject(player_id), payload).await
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}
