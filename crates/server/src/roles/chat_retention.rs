//! The chat purge (every `api` node): every hour on the node's clock, deletes the messages past
//! their channel kind's retention ([`chat::purge`]). Two nodes purging at once delete the same
//! rows once.

use std::time::Duration;

use rally_clock::Clock;
use rally_store::Timestamp;
use tokio_util::sync::CancellationToken;

use crate::chat::{self, Chat};

/// How often the purge runs.
const PERIOD: Duration = Duration::from_secs(3600);

/// Purges `chat` every hour on `clock` until `stop` is cancelled.
pub async fn run(chat: Chat, clock: Clock, stop: CancellationToken) {
    loop {
        let next = clock.elapsed() + PERIOD;
        match chat::purge(&chat, Timestamp::from(clock.now())).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "chat messages past their retention deleted"),
            Err(error) => tracing::warn!(error = %error, "chat purge failed; retrying next hour"),
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = clock.sleep_until(next) => {}
        }
    }
}
