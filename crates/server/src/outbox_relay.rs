//! The outbox relay: publishes the events committed to the store's outbox onto the durable
//! streams, then marks them published. An event is written in the same transaction as the change
//! it describes, so a crash between commit and publish loses nothing: the next pass (on this node
//! or another) publishes it. Publishing twice is harmless: each event carries its outbox id as
//! its message id, which the stream uses to drop duplicates, and every consumer is idempotent.

use std::time::Duration;

use rally_events::{Events, Stream};
use rally_store::Store;
use tokio::sync::watch;

use crate::backends::Backends;

/// How many events one pass publishes at most.
const BATCH: i64 = 100;
/// How long the relay rests when the outbox is empty.
const IDLE: Duration = Duration::from_millis(100);
/// How long it rests after a failure before trying again.
const BACKOFF: Duration = Duration::from_secs(1);

/// The relay loop of one node.
#[derive(Debug)]
pub struct OutboxRelay {
    store: Store,
    events: Events,
}

impl OutboxRelay {
    /// A relay between this node's store and events.
    pub fn new(backends: Backends) -> Self {
        Self {
            store: backends.store,
            events: backends.events,
        }
    }

    /// Relays until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        loop {
            let rest = match self.pass().await {
                Ok(0) => IDLE,
                Ok(_) => Duration::ZERO,
                Err(error) => {
                    tracing::warn!(error = %error, "outbox relay pass failed; retrying");
                    BACKOFF
                }
            };
            tokio::select! {
                _ = stop.changed() => return,
                () = tokio::time::sleep(rest) => {}
            }
            if *stop.borrow() {
                return;
            }
        }
    }

    /// Publishes one batch; returns how many events it published.
    pub async fn pass(&self) -> anyhow::Result<usize> {
        let batch = self.store.next_unpublished(BATCH).await?;
        let mut published = Vec::with_capacity(batch.len());
        for event in &batch {
            let Some(stream) = Stream::from_name(&event.topic) else {
                tracing::error!(outbox.id = %event.id, outbox.topic = %event.topic, "outbox event names no stream; left unpublished");
                continue;
            };
            let id = event.id.to_string();
            let payload = serde_json::to_vec(&event.payload)?;
            if let Err(error) = self
                .events
                .publish_durable(stream, &event.key, payload, Some(&id))
                .await
            {
                // Keep what was published, count the failure, and let the next pass retry.
                self.store.mark_published(&published).await?;
                self.store.record_failed_attempt(&[event.id]).await?;
                return Err(error.into());
            }
            published.push(event.id);
        }
        self.store.mark_published(&published).await?;
        metrics::counter!("rally_outbox_published_total").increment(published.len() as u64);
        Ok(published.len())
    }
}
