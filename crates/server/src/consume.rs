//! Opening a durable consumer for a role's loop: retried until it opens or the node stops.

use std::time::Duration;

use rally_events::{Consumer, ConsumerOptions, Events, Stream};
use tokio::sync::watch;

/// How long to wait between attempts.
const BACKOFF: Duration = Duration::from_secs(1);

/// The durable `durable` on `stream`, once it opens; `None` when `stop` turns true first.
pub async fn open(
    events: &Events,
    stream: Stream,
    durable: &str,
    options: ConsumerOptions,
    stop: &mut watch::Receiver<bool>,
) -> Option<Consumer> {
    loop {
        match events.consumer(stream, durable, options).await {
            Ok(consumer) => return Some(consumer),
            Err(error) => {
                tracing::warn!(error = %error, stream = stream.name(), durable, "cannot open a consumer; retrying");
                tokio::select! {
                    _ = stop.changed() => return None,
                    () = tokio::time::sleep(BACKOFF) => {}
                }
            }
        }
    }
}
