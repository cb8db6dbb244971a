//! Presence after a state outage (every `api` node): when the state backend lost its data, the
//! node records again the presence of every player with a socket on it, so they show online
//! without waiting for their next ping.

use tokio_util::sync::CancellationToken;

use crate::app::AppState;

/// Records every connected player's presence again each time the state backend loses its data.
pub async fn run(app: AppState, stop: CancellationToken) {
    let mut generations = app.state_epoch().subscribe();
    // The first generation is the node's own start: nobody is connected yet.
    generations.mark_unchanged();
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            changed = generations.changed() => {
                if changed.is_err() {
                    return;
                }
                app.gateway().reannounce().await;
            }
        }
    }
}
