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
    let id = envelope.id;
    tx.enqueue(&stored(key, &envelope)).await?;
    Ok(id)
}

/// Writes each `(key, event, cause)` of `events` in `tx` with one statement, each event in an
/// envelope of its own cause: work done for several events at once (a batch of results) still
/// carries each one's chain on. Returns the rows written, for a caller that publishes them
/// itself once `tx` commits ([`super::publication::publish_committed`]).
pub async fn enqueue_all(
    tx: &mut Transaction,
    events: Vec<(String, Event, Cause)>,
) -> Result<Vec<NewEvent>, StoreError> {
    let now = tx.now();
    let stored: Vec<NewEvent> = events
        .into_iter()
        .map(|(key, event, cause)| stored(key, &seal_as(event, now, cause)))
        .collect();
    tx.enqueue_all(&stored).await?;
    Ok(stored)
}

/// `event`, keyed by `key`, sealed as occurring at `occurred_at` in an envelope of the running
/// work's cause: an outbox row for a store write that takes its event along rather than a
/// transaction.
pub fn sealed(key: impl Display, event: Event, occurred_at: Timestamp) -> NewEvent {
    stored(key, &seal(event, occurred_at))
}

/// `event` in an envelope of the running work's cause (and the running span's trace context),
/// with a fresh id.
pub fn seal(event: Event, occurred_at: Timestamp) -> Envelope {
    seal_as(
        event,
        occurred_at,
        Cause::current().traced(&tracing::Span::current()),
    )
}

/// `event` in an envelope of `cause`, with a fresh id.
fn seal_as(event: Event, occurred_at: Timestamp, cause: Cause) -> Envelope {
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

/// The outbox row of `envelope`, keyed by `key`.
fn stored(key: impl Display, envelope: &Envelope) -> NewEvent {
    NewEvent {
        id: envelope.id,
        topic: envelope.event.type_name().to_owned(),
        key: key.to_string(),
        payload: serde_json::to_string(envelope).expect("BUG: an event serializes"),
    }
}
