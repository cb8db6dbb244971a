//! The members' sockets: one per player, each reading forever and reporting the `ready`
//! pushes it receives, with when they arrived.

use std::net::SocketAddr;

use futures::StreamExt;
use serde_json::Value;
use tokio::{sync::mpsc, time::Instant};
use uuid::Uuid;

use crate::{
    player::BenchPlayer,
    socket::{next_frame, open_socket},
};

/// Sockets opened at once.
const OPENING_AT_ONCE: usize = 256;

/// A `ready` change: which party, which player, which answer.
pub(super) type Change = (Uuid, Uuid, bool);
/// A `party.updated` push for a `ready` change, and when it arrived.
pub(super) type Arrival = (Change, Instant);

/// Opens one socket per player ([`OPENING_AT_ONCE`] at a time); each reads forever (answering
/// pings) and reports `ready` pushes to `arrivals`.
pub(super) async fn open_sockets(
    addr: SocketAddr,
    players: &[BenchPlayer],
    arrivals: &mpsc::UnboundedSender<Arrival>,
) -> anyhow::Result<()> {
    let opened = futures::stream::iter(players.iter().cloned())
        .map(|player| {
            let arrivals = arrivals.clone();
            async move { watch_socket(addr, player, arrivals).await }
        })
        .buffer_unordered(OPENING_AT_ONCE)
        .collect::<Vec<_>>()
        .await;
    opened.into_iter().collect()
}

async fn watch_socket(
    addr: SocketAddr,
    player: BenchPlayer,
    arrivals: mpsc::UnboundedSender<Arrival>,
) -> anyhow::Result<()> {
    let mut ws = open_socket(addr, &player.token).await?;
    tokio::spawn(async move {
        while let Some((frame, at)) = next_frame(&mut ws).await {
            let data = &frame["data"];
            if frame["type"] != "party.updated" || data["reason"] != "ready" {
                continue;
            }
            let key = (
                uuid(&data["party_id"]),
                uuid(&data["player_id"]),
                data["ready"].as_bool().unwrap_or(false),
            );
            if arrivals.send((key, at)).is_err() {
                return;
            }
        }
    });
    Ok(())
}

/// A uuid in a JSON value (nil when it is none).
pub(super) fn uuid(value: &Value) -> Uuid {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_default()
}
