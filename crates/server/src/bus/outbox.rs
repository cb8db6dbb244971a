//! Writing an event: sealed in its envelope (with the running work's [`Cause`]) and written to
//! the store's outbox in the transaction of the change it describes; the outbox relay publishes
//! it once that commits.

use std::fmt::Display;

use rally_protocol::event::{Envelope, Event, SCHEMA_VERSION};
use rally_store::{NewEvent, StoreError, Timestamp, Transaction};
use uuid::Uuid;

use super::Cause;

/// Writes `event`, keyed by `key` (the id of what changed: ordering and deduplication on its
/// stream), in `tx`, as occurring now on the store's clock; its id once enqueued.
pub async fn enqueue(
    tx: &mut Transaction,
    key: impl Display,
    event: Event,
) -> Result<Uuid, StoreError> {
    let envelope = seal(event, tx.now());
    tx.enqueue(&NewEvent {
        id: envelope.id,
        topic: envelope.event.type_name().to_owned(),
        key: key.to_string(),
        payload: serde_json::to_value(&envelope).expect("BUG: an event serializes"),
    })
    .await?;
    Ok(envelope.id)
}

/// `event` in an envelope of the running work's cause, with a fresh id.
pub fn seal(event: Event, occurred_at: Timestamp) -> Envelope {
    let cause = Cause::current();
    Envelope {
        id: rally_store::new_id(),
        schema_version: SCHEMA_VERSION,
        occurred_at: occurred_at.to_offset_date_time(),
        correlation_id: cause.correlation_id,
        causation_id: cause.causation_id,
        traceparent: cause.traceparent,
        event,
    }
}
