//! The outbox relay: publishes the events committed to the store's outbox onto the durable
//! streams, then marks them published. An event is written in the same transaction as the change
//! it describes, so a crash between commit and publish loses nothing: the next pass (on this node
//! or another) publishes it. Publishing twice is harmless: each event carries its outbox id as
//! its message id, which the stream uses to drop duplicates, and every consumer is idempotent.

use std::time::Duration;

use rally_events::{Events, Stream};
use rally_store::Store;

use crate::backends::Backends;
use tokio_util::sync::CancellationToken;

/// How many events one pass publishes at most.
const BATCH: i64 = 100;
/// How long the relay rests when the outbox is empty, unless a commit of this node wakes it
/// (events written by other nodes wait at most this long, when their own relay is down).
const IDLE: Duration = Duration::from_millis(250);
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

    /// Relays until `stop` is cancelled.
    pub async fn run(self, stop: CancellationToken) {
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
                () = stop.cancelled() => return,
                () = tokio::time::sleep(rest) => {}
                () = self.store.outbox_written(), if !rest.is_zero() => {}
            }
            if stop.is_cancelled() {
                return;
            }
        }
    }

    /// Publishes one batch; returns how many events it published. The batch's publishes are in
    /// flight together (sent in outbox order, acknowledged in any order), so a batch costs
    /// about one round trip to the stream rather than one per event.
    pub async fn pass(&self) -> anyhow::Result<usize> {
        let batch = self.store.next_unpublished(BATCH).await?;
        let mut publishes = Vec::with_capacity(batch.len());
        for event in &batch {
            let Some(stream) = Stream::from_name(&event.topic) else {
                tracing::error!(outbox.id = %event.id, outbox.topic = %event.topic, "outbox event names no stream; left unpublished");
                continue;
            };
            let payload = serde_json::to_vec(&event.payload)?;
            publishes.push(async move {
                let id = event.id.to_string();
                let result = self
                    .events
                    .publish_durable(stream, &event.key, payload, Some(&id))
                    .await;
                (event.id, result)
            });
        }
        // Only the events before the first failure count as published: the rest are sent again,
        // in order, by the next pass (the stream drops the duplicates by message id), so a
        // later event of a key never lands before an earlier one.
        let mut published = Vec::with_capacity(publishes.len());
        let mut failed = Vec::new();
        let mut failure = None;
        for (id, result) in futures::future::join_all(publishes).await {
            match result {
                Ok(_) if failure.is_none() => published.push(id),
                Ok(_) => {}
                Err(error) => {
                    failed.push(id);
                    failure.get_or_insert(error);
                }
            }
        }
        // Keep what was published, count the failures, and let the next pass retry them.
        self.store.mark_published(&published).await?;
        metrics::counter!("rally_outbox_published_total").increment(published.len() as u64);
        if let Some(error) = failure {
            self.store.record_failed_attempt(&failed).await?;
            return Err(error.into());
        }
        Ok(published.len())
    }
}
