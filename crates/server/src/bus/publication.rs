//! Putting outbox rows on their durable streams: the relay's batches, and the events a role
//! publishes itself the moment their transaction commits.
//!
//! A role on the path a player waits on (a match's `session.ready`) need not wait for the relay
//! to notice its commit, take its turn, read the rows and publish them: it publishes them
//! itself after the commit and marks them published. The outbox still holds them, so one this
//! node could not publish (the stream down, the node gone between commit and publication) is
//! published by the next relay pass, and one both publish is dropped by the stream, which knows
//! each event by its outbox id. An event published this way may overtake an earlier event of
//! its key still waiting for the relay, so only an event that is the one event of its key on
//! its stream may take this path.

use rally_events::{Events, EventsError, Stream};
use rally_protocol::event::EnvelopeTrace;
use rally_store::{NewEvent, OutboxEvent, Store};
use tracing::{Instrument, Span};
use uuid::Uuid;

use crate::telemetry::trace_context;

/// An outbox row as published: its id (the stream's message id), stream name, key and body.
pub trait Publishable {
    /// The row's id.
    fn id(&self) -> Uuid;
    /// The stream it goes to (the outbox topic).
    fn topic(&self) -> &str;
    /// The key it is published under.
    fn key(&self) -> &str;
    /// The envelope, as JSON.
    fn payload(&self) -> &str;
    /// The envelope's W3C `traceparent`, for the message's header.
    fn traceparent(&self) -> Option<String> {
        serde_json::from_str::<EnvelopeTrace>(self.payload())
            .ok()
            .and_then(|trace| trace.traceparent)
    }
}

/// Both kinds of row carry the same four fields under the same names.
macro_rules! publishable {
    ($($row:ty),*) => {$(
        impl Publishable for $row {
            fn id(&self) -> Uuid {
                self.id
            }
            fn topic(&self) -> &str {
                &self.topic
            }
            fn key(&self) -> &str {
                &self.key
            }
            fn payload(&self) -> &str {
                &self.payload
            }
        }
    )*};
}

publishable!(OutboxEvent, NewEvent);

/// What publishing a batch came to: the ids the streams took, the ids that failed, and the
/// first failure.
#[derive(Debug, Default)]
pub struct Publication {
    /// Taken by their stream, in the batch's order, up to the first failure.
    pub published: Vec<Uuid>,
    /// Refused or unanswered.
    pub failed: Vec<Uuid>,
    /// The first failure.
    pub failure: Option<EventsError>,
}

/// Publishes `batch`, every publish in flight together (sent in the batch's order, acknowledged
/// in any order), so a batch costs about one round trip to the streams rather than one per
/// event. Only the events before the first failure count as published: the rest are sent
/// again, in order, by the relay's next pass, so a later event of a key never lands before an
/// earlier one. A row naming no stream is logged and left unpublished.
pub async fn publish<E: Publishable>(events: &Events, batch: &[E]) -> Publication {
    let mut publishes = Vec::with_capacity(batch.len());
    for event in batch {
        let Some(stream) = Stream::from_name(event.topic()) else {
            tracing::error!(outbox.id = %event.id(), outbox.topic = %event.topic(), "outbox event names no stream; left unpublished");
            continue;
        };
        let payload = event.payload().as_bytes().to_vec();
        let traceparent = event
            .traceparent()
            .filter(|t| trace_context::parse(t).is_some());
        // Publishing is a step of the work that wrote the event, in its trace: the time from the
        // write to this span is the outbox's lag. An event of untraced work goes untraced.
        let span = match traceparent.as_deref() {
            Some(writer) => {
                let span = tracing::info_span!(
                    "event.publish",
                    event.stream = stream.name(),
                    event.id = %event.id(),
                    messaging.system = events.backend_name(),
                    error.type = tracing::field::Empty,
                );
                trace_context::continue_from(&span, Some(writer));
                span
            }
            None => Span::none(),
        };
        publishes.push(
            async move {
                let id = event.id().to_string();
                let result = events
                    .publish_traced(
                        stream,
                        event.key(),
                        payload,
                        Some(&id),
                        traceparent.as_deref(),
                    )
                    .await;
                if let Err(error) = &result {
                    Span::current().record("error.type", error.kind());
                }
                (event.id(), result)
            }
            .instrument(span),
        );
    }
    let mut publication = Publication {
        published: Vec::with_capacity(publishes.len()),
        ..Publication::default()
    };
    for (id, result) in futures::future::join_all(publishes).await {
        match result {
            Ok(_) if publication.failure.is_none() => publication.published.push(id),
            Ok(_) => {}
            Err(error) => {
                publication.failed.push(id);
                publication.failure.get_or_insert(error);
            }
        }
    }
    publication
}

/// Publishes `rows`, just committed to the outbox, without waiting for the relay, and marks
/// those the streams took as published. Nothing here fails its caller: the commit stands, and
/// whatever was not published or not marked is the relay's to publish (again).
pub async fn publish_committed(events: &Events, store: &Store, rows: &[NewEvent]) {
    if rows.is_empty() {
        return;
    }
    let publication = publish(events, rows).await;
    if let Some(error) = &publication.failure {
        tracing::debug!(error = %error, "events left for the outbox relay");
    }
    if publication.published.is_empty() {
        return;
    }
    metrics::counter!("rally_outbox_published_total").increment(publication.published.len() as u64);
    if let Err(error) = store.mark_published(&publication.published).await {
        tracing::debug!(error = %error, "published events left unmarked; the relay publishes them again and the stream drops them");
    }
}
