//! Presence: which players hold an open socket, and on which node, kept in the `state` backend
//! under `presence:<player_id>` with a time to live the node refreshes while the socket lives.
//! A node that dies leaves no ghost: its players' entries lapse within one idle timeout.

use std::time::Duration;

use rally_state::{State, StateError};
use uuid::Uuid;

fn key(player_id: Uuid) -> String {
    format!("presence:{player_id}")
}

/// Marks `player_id` online on `node_id` for `ttl` (renewed while the socket lives).
pub async fn mark_online(
    state: &State,
    player_id: Uuid,
    node_id: Uuid,
    ttl: Duration,
) -> Result<(), StateError> {
    state
        .set_with_ttl(&key(player_id), node_id.to_string().as_bytes(), ttl)
        .await
}

/// Marks `player_id` offline, unless another node holds them now: a player who moved to
/// another node stays online when this node clears its old entry.
pub async fn mark_offline(state: &State, player_id: Uuid, node_id: Uuid) -> Result<(), StateError> {
    state
        .delete_if(&key(player_id), node_id.to_string().as_bytes())
        .await
        .map(|_| ())
}

/// The node `player_id` is connected to, if they are online.
pub async fn node_of(state: &State, player_id: Uuid) -> Result<Option<Uuid>, StateError> {
    Ok(state
        .get(&key(player_id))
        .await?
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.parse().ok()))
}

/// The players of `player_ids` that are online, in the order asked: one read of every key (an
/// `MGET` on Redis), so a friends list of hundreds costs one round trip.
pub async fn online(state: &State, player_ids: &[Uuid]) -> Result<Vec<Uuid>, StateError> {
    if player_ids.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = player_ids.iter().map(|id| key(*id)).collect();
    let values = state.get_all(&keys).await?;
    Ok(player_ids
        .iter()
        .zip(values)
        .filter(|(_, value)| value.is_some())
        .map(|(id, _)| *id)
        .collect())
}
