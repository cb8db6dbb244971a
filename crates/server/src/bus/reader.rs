//! The one consumer loop of every role that reads a durable stream: open the durable (retried),
//! take each delivery, read its envelope, hand the event to the role's [`Handler`] inside the
//! event's [`Cause`] and a tracing span, and acknowledge or retry as the handler says. Consumer
//! failures back off exponentially with jitter; a message that cannot be read goes to the
//! dead-letter stream instead of being dropped.

use std::{future::Future, time::Duration};

use backon::{BackoffBuilder, ExponentialBuilder};
use rally_events::{Consumer, ConsumerOptions, Delivery, Events, EventsError, Stream};
use rally_protocol::event::{Envelope, Event, SCHEMA_VERSION};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::{Cause, dead_letter};
use crate::telemetry::trace_context;

/// How long a message the handler could not settle waits before it is delivered again.
pub const RETRY_AFTER: Duration = Duration::from_secs(1);

/// How often a reader records its durable's backlog (`rally_events_consumer_pending`).
const BACKLOG_EVERY: Duration = Duration::from_secs(5);

/// What a handler made of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// Settled (applied, pushed, or found already done): acknowledge it.
    Done,
    /// Not settled this time (a backend failed): deliver it again after [`RETRY_AFTER`].
    Retry,
    /// Not yet due (a rate limit holds it back): deliver it again after this long. Nothing
    /// failed, so it is not counted as a retry.
    Later(Duration),
}

/// A role's work on each event of its stream.
pub trait Handler: Send + Sync {
    /// Handles one event; runs inside the event's [`Cause`].
    fn handle(&self, envelope: Envelope) -> impl Future<Output = Handled> + Send;

    /// Handles the events of one batch (a reading whose `batch` is over 1 takes whatever is
    /// waiting, up to that many); one [`Handled`] per envelope, in their order. By default each
    /// in turn, inside its own [`Cause`]; a handler that can do the work of many at once (one
    /// transaction for a batch of results) does it here, carrying each one's cause itself.
    fn handle_all(&self, envelopes: Vec<Envelope>) -> impl Future<Output = Vec<Handled>> + Send {
        async move {
            let mut handled = Vec::with_capacity(envelopes.len());
            for envelope in envelopes {
                let cause = Cause::following(&envelope);
                handled.push(cause.scope(self.handle(envelope)).await);
            }
            handled
        }
    }
}

/// Which durable a role reads, and how.
#[derive(Debug, Clone, Copy)]
pub struct Reading {
    /// The stream.
    pub stream: Stream,
    /// The durable name, shared by every node of the role.
    pub durable: &'static str,
    /// Ack wait and poll wait.
    pub options: ConsumerOptions,
}

/// A role's open durable consumer and its handler.
#[derive(Debug)]
pub struct Reader<H> {
    events: Events,
    reading: Reading,
    consumer: Consumer,
    handler: H,
}

impl<H: Handler> Reader<H> {
    /// Opens the durable, retrying with backoff; `None` when `stop` is cancelled first.
    pub async fn open(
        events: Events,
        reading: Reading,
        handler: H,
        stop: &CancellationToken,
    ) -> Option<Self> {
        let mut delays = backoff();
        loop {
            match events
                .consumer(reading.stream, reading.durable, reading.options)
                .await
            {
                Ok(consumer) => {
                    return Some(Self {
                        events,
                        reading,
                        consumer,
                        handler,
                    });
                }
                Err(error) => {
                    tracing::warn!(error = %error, stream = reading.stream.name(), durable = reading.durable, "cannot open a consumer; retrying");
                    let delay = delays.next().unwrap_or(RETRY_AFTER);
                    tokio::select! {
                        () = stop.cancelled() => return None,
                        () = tokio::time::sleep(delay) => {}
                    }
                }
            }
        }
    }

    /// Opens the durable and handles its deliveries until `stop` is cancelled: a role's whole
    /// loop over one stream.
    pub async fn serve(events: Events, reading: Reading, handler: H, stop: CancellationToken) {
        if let Some(reader) = Self::open(events, reading, handler, &stop).await {
            reader.run(stop).await;
        }
    }

    /// Handles the next delivery, waiting at most the poll wait for one; whether there was one.
    pub async fn step(&mut self) -> Result<bool, EventsError> {
        match self.consumer.next().await? {
            Some(delivery) => {
                self.settle(delivery).await;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Handles deliveries until `stop` is cancelled. Only the wait for the next delivery is cut
    /// short by a stop: an event being handled is settled first, so a stop never leaves a
    /// handler's work half done.
    pub async fn run(mut self, stop: CancellationToken) {
        let mut delays = backoff();
        let mut backlog_read_at: Option<std::time::Instant> = None;
        loop {
            if backlog_read_at.is_none_or(|at| at.elapsed() >= BACKLOG_EVERY) {
                backlog_read_at = Some(std::time::Instant::now());
                self.record_backlog().await;
            }
            let next = tokio::select! {
                () = stop.cancelled() => return,
                next = self.consumer.next_batch() => next,
            };
            let stepped = match next {
                Ok(mut batch) if batch.len() == 1 => {
                    if let Some(delivery) = batch.pop() {
                        self.settle(delivery).await;
                    }
                    Ok(())
                }
                Ok(batch) => {
                    self.settle_all(batch).await;
                    Ok(())
                }
                Err(error) => Err(error),
            };
            match stepped {
                Ok(()) => delays = backoff(),
                Err(error) => {
                    tracing::warn!(error = %error, stream = self.reading.stream.name(), durable = self.reading.durable, "consumer failed; retrying");
                    let delay = delays.next().unwrap_or(RETRY_AFTER);
                    tokio::select! {
                        () = stop.cancelled() => return,
                        () = tokio::time::sleep(delay) => {}
                    }
                }
            }
        }
    }

    /// Sets `rally_events_consumer_pending` to the durable's backlog (a failure to read it is
    /// left to the next delivery to report).
    async fn record_backlog(&self) {
        if let Ok(backlog) = self.consumer.unacknowledged().await {
            metrics::gauge!(
                "rally_events_consumer_pending",
                "stream" => self.reading.stream.name(),
                "durable" => self.reading.durable,
            )
            .set(backlog as f64);
        }
    }

    /// Reads, handles and settles one delivery.
    async fn settle(&self, delivery: Delivery) {
        let envelope = match open(&delivery) {
            Ok(envelope) => envelope,
            Err(reason) => {
                dead_letter::send(&self.events, self.reading.durable, &delivery, &reason).await;
                return;
            }
        };
        let span = tracing::info_span!(
            "event",
            event.stream = delivery.stream().name(),
            event.id = %envelope.id,
            event.attempt = delivery.attempt(),
            correlation_id = %envelope.correlation_id,
            durable = self.reading.durable,
            trace_id = tracing::field::Empty,
        );
        // The handling is a step of the work that wrote the event, in its trace.
        trace_context::continue_from(&span, envelope.traceparent.as_deref());
        trace_context::record_trace_id(&span);
        let cause = Cause::following(&envelope);
        let handled = cause
            .scope(self.handler.handle(envelope))
            .instrument(span.clone())
            .await;
        span.in_scope(|| tracing::debug!(?handled, "event handled"));
        self.conclude(&delivery, handled, &span).await;
    }

    /// Reads the deliveries of a batch, hands the readable ones to the handler together, and
    /// settles each as the handler says (the acks in flight together).
    async fn settle_all(&self, deliveries: Vec<Delivery>) {
        if deliveries.is_empty() {
            return;
        }
        let mut readable = Vec::with_capacity(deliveries.len());
        let mut envelopes = Vec::with_capacity(deliveries.len());
        for delivery in deliveries {
            match open(&delivery) {
                Ok(envelope) => {
                    readable.push(delivery);
                    envelopes.push(envelope);
                }
                Err(reason) => {
                    dead_letter::send(&self.events, self.reading.durable, &delivery, &reason).await;
                }
            }
        }
        if envelopes.is_empty() {
            return;
        }
        let span = tracing::info_span!(
            "events",
            event.stream = self.reading.stream.name(),
            event.count = envelopes.len(),
            durable = self.reading.durable,
        );
        span.in_scope(|| {
            for envelope in &envelopes {
                let trace_id = envelope.traceparent.as_deref().and_then(trace_context::trace_id);
                tracing::debug!(event.id = %envelope.id, correlation_id = %envelope.correlation_id, trace_id, "in the batch");
            }
        });
        // A batch follows from many traces: it links to each rather than joining one.
        for envelope in &envelopes {
            trace_context::link_to(&span, envelope.traceparent.as_deref());
        }
        let handled = self
            .handler
            .handle_all(envelopes)
            .instrument(span.clone())
            .await;
        let settles = readable
            .iter()
            .zip(handled)
            .map(|(delivery, handled)| self.conclude(delivery, handled, &span));
        futures::future::join_all(settles).await;
    }

    /// Acknowledges `delivery`, or has it delivered again, as `handled` says.
    async fn conclude(&self, delivery: &Delivery, handled: Handled, span: &tracing::Span) {
        let settled = match handled {
            Handled::Done => delivery.ack().await,
            Handled::Retry => {
                // A handler that keeps failing (a backend down, a poison event) shows here
                // before the stream's backlog does.
                metrics::counter!(
                    "rally_events_retried_total",
                    "stream" => delivery.stream().name(),
                    "durable" => self.reading.durable,
                )
                .increment(1);
                delivery.nack_after(RETRY_AFTER).await
            }
            Handled::Later(after) => delivery.nack_after(after).await,
        };
        if let Err(error) = settled {
            span.in_scope(|| {
                tracing::warn!(error = %error, ?handled, "cannot settle an event; it may come again");
            });
        }
    }
}

/// The envelope of `delivery`; one without trace context (a legacy event) takes the message's
/// `traceparent` header, when the publisher set one.
fn open(delivery: &Delivery) -> Result<Envelope, String> {
    let mut envelope = read(delivery.stream(), delivery.payload())?;
    if envelope.traceparent.is_none() {
        envelope.traceparent = delivery
            .traceparent()
            .filter(|t| trace_context::parse(t).is_some())
            .map(str::to_owned);
    }
    Ok(envelope)
}

/// The envelope of a delivery on `stream`, or why it cannot be read. A bare payload, as Rally
/// wrote before events had envelopes (schema 0), is read as the event of its stream, in an
/// envelope of its own, so what was in flight across an upgrade is still handled.
pub fn read(stream: Stream, payload: &[u8]) -> Result<Envelope, String> {
    let envelope: Envelope = match serde_json::from_slice(payload) {
        Ok(envelope) => envelope,
        Err(error) => {
            return legacy(stream, payload).ok_or_else(|| format!("not a Rally event: {error}"));
        }
    };
    if envelope.schema_version > SCHEMA_VERSION {
        return Err(format!(
            "written with schema version {}, newer than this node's {SCHEMA_VERSION}",
            envelope.schema_version
        ));
    }
    let type_name = envelope.event.type_name();
    if type_name != stream.name() {
        return Err(format!("a {type_name} event on the {stream} stream"));
    }
    Ok(envelope)
}

/// A schema-0 payload (the event's body alone) read as the event of `stream`.
fn legacy(stream: Stream, payload: &[u8]) -> Option<Envelope> {
    let data: serde_json::Value = serde_json::from_slice(payload).ok()?;
    if !data.is_object() || data.get("type").is_some() {
        return None;
    }
    let event: Event =
        serde_json::from_value(serde_json::json!({"type": stream.name(), "data": data})).ok()?;
    let cause = Cause::fresh();
    Some(Envelope {
        id: uuid::Uuid::now_v7(),
        schema_version: 0,
        // When it occurred was not written; only the push-latency histogram reads this.
        occurred_at: time::OffsetDateTime::now_utc(),
        correlation_id: cause.correlation_id,
        causation_id: None,
        traceparent: None,
        event,
    })
}

/// Delays between attempts after failures: from 100 ms doubling to 5 s, jittered, unending.
fn backoff() -> impl Iterator<Item = Duration> {
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(100))
        .with_max_delay(Duration::from_secs(5))
        .with_jitter()
        .without_max_times()
        .build()
}
