//! The outbox relay: publishes the events committed to the store's outbox onto the durable
//! streams, then marks them published. An event is written in the same transaction as the change
//! it describes, so a crash between commit and publish loses nothing: the next pass (on this node
//! or another) publishes it. Publishing twice is harmless: each event carries its outbox id as
//! its message id, which the stream uses to drop duplicates, and every consumer is idempotent.
//!
//! Every `api` node runs a relay, and one relay at a time takes a turn
//! ([`rally_store::Store::outbox_turn`]): relays that each published whatever they found raced
//! for the events once commits came faster than a pass, so two nodes published 14,000 events
//! for 11,000 (the stream dropped the duplicates after the store, the nodes and NATS had done
//! the work), and their batches could interleave out of the outbox's order.

use std::time::Duration;

use rally_events::Events;
use rally_store::Store;

use crate::backends::Backends;
use crate::bus::publication::{self, Publication};
use tokio_util::sync::CancellationToken;

/// How many events one pass publishes at most.
const BATCH: i64 = 100;
/// How long the relay rests when the outbox is empty, unless a commit of this node wakes it
/// (events written by other nodes wait at most this long, when their own relay is down).
const IDLE: Duration = Duration::from_millis(250);
/// How long it rests after a failure before trying again.
const BACKOFF: Duration = Duration::from_secs(1);
/// How long it rests when another relay holds the turn: that relay may have read the outbox
/// before this node's last commit, so the turn is tried again soon rather than at `IDLE`.
const BUSY: Duration = Duration::from_millis(10);

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
            let (rest, wake_on_commit) = match self.pass().await {
                Ok(Some(0)) => (IDLE, true),
                Ok(Some(_)) => (Duration::ZERO, false),
                Ok(None) => (BUSY, false),
                Err(error) => {
                    tracing::warn!(error = %error, "outbox relay pass failed; retrying");
                    (BACKOFF, true)
                }
            };
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(rest) => {}
                () = self.store.outbox_written(), if wake_on_commit => {}
            }
            if stop.is_cancelled() {
                return;
            }
        }
    }

    /// Publishes one batch in a turn of its own; returns how many events it published, or
    /// `None` when another relay holds the turn. The batch's publishes are in flight together
    /// (sent in outbox order, acknowledged in any order), so a batch costs about one round
    /// trip to the stream rather than one per event; on PostgreSQL the turn, the read and the
    /// marks are one transaction of four round trips.
    pub async fn pass(&self) -> anyhow::Result<Option<usize>> {
        let Some(turn) = self.store.outbox_turn(BATCH).await? else {
            // The relay holding the turn reports the lag: this node's last reading is no
            // longer news, and the highest across nodes is the one that counts.
            metrics::gauge!("rally_outbox_lag_seconds").set(0.0);
            return Ok(None);
        };
        // The batch is the oldest of the outbox, oldest first.
        let lag_ms = turn.events().first().map_or(0, |oldest| {
            (self.store.clock().unix_millis() - oldest.created_at.unix_millis()).max(0)
        });
        metrics::gauge!("rally_outbox_lag_seconds").set(lag_ms as f64 / 1000.0);
        let Publication {
            published,
            failed,
            failure,
        } = publication::publish(&self.events, turn.events()).await;
        // The turn ends whatever the batch did, so a failed pass does not hold up the others:
        // what was published is kept, the failures are counted, and the next pass retries them.
        turn.end(&published, &failed).await?;
        metrics::counter!("rally_outbox_published_total").increment(published.len() as u64);
        match failure {
            Some(error) => {
                metrics::counter!("rally_backend_errors_total", "backend" => "events").increment(1);
                Err(error.into())
            }
            None => Ok(Some(published.len())),
        }
    }
}
