//! Presence after a state outage (every `api` node): when the state backend lost its data, the
//! node records again the presence of every player with a socket on it, so they show online
//! without waiting for their next ping.

use tokio_util::sync::CancellationToken;

use std::sync::Arc;

use crate::{gateway::Gateway, state_epoch::StateEpoch};

/// Records every connected player's presence again each time the state backend loses its data.
pub async fn run(gateway: Gateway, epoch: Arc<StateEpoch>, stop: CancellationToken) {
    let mut generations = epoch.subscribe();
    // The first generation is the node's own start: nobody is connected yet.
    generations.mark_unchanged();
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            changed = generations.changed() => {
                if changed.is_err() {
                    return;
                }
                gateway.reannounce().await;
            }
        }
    }
}
