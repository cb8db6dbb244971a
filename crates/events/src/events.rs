//! [`Events`]: the one handle the server holds, in process or on NATS.

use std::sync::Arc;
use std::time::Duration;

use crate::consumer::Puller;
use crate::in_process::InProcessBus;
use crate::name::{check_subject, check_token};
use crate::nats::NatsBus;
use crate::subscription::Inner;
use crate::{Consumer, ConsumerOptions, EventsError, PublishReceipt, Stream, Subscription};

/// The event bus. Cheap to clone; clones share one bus (one NATS connection, or one in-process
/// set of streams and subscribers).
#[derive(Debug, Clone)]
pub struct Events {
    backend: Backend,
}

#[derive(Debug, Clone)]
enum Backend {
    InProcess(Arc<InProcessBus>),
    Nats(Arc<NatsBus>),
}

impl Events {
    /// A bus living in this process only: the embedded single-process mode.
    pub fn in_process() -> Events {
        Events {
            backend: Backend::InProcess(Arc::default()),
        }
    }

    /// Connects to NATS at `url` (e.g. `nats://127.0.0.1:4222`; credentials in the URL are
    /// never logged) and creates this prefix's streams if they do not exist. Every stream and
    /// subject lives under `prefix` (1 to 64 of `[A-Za-z0-9_-]`, e.g. `rally`), so several
    /// deployments or tests can share one server.
    ///
    /// Connecting is tried once and bounded (5 s); after that the client reconnects by itself
    /// whenever the connection drops.
    ///
    /// # Errors
    /// [`EventsError::InvalidName`] for a bad prefix, [`EventsError::Unavailable`] when NATS
    /// cannot be reached, [`EventsError::Refused`] when a stream cannot be created (for example
    /// JetStream disabled, or an existing stream of the same name with other subjects).
    pub async fn nats(url: &str, prefix: &str) -> Result<Events, EventsError> {
        check_token("prefix", prefix)?;
        let bus = NatsBus::connect(url, prefix).await?;
        Ok(Events {
            backend: Backend::Nats(Arc::new(bus)),
        })
    }

    /// Which implementation this is: `"in-process"` or `"nats"` (for readiness reports).
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::InProcess(_) => "in-process",
            Backend::Nats(_) => "nats",
        }
    }

    /// Checks the bus answers, returning the round-trip time. Bounded (2 s on NATS); fails
    /// while NATS is down and succeeds again once the client has reconnected by itself.
    ///
    /// # Errors
    /// [`EventsError::Unavailable`] when NATS is disconnected or does not answer in time.
    pub async fn ping(&self) -> Result<Duration, EventsError> {
        match &self.backend {
            Backend::InProcess(_) => Ok(Duration::ZERO),
            Backend::Nats(bus) => bus.ping().await,
        }
    }

    /// Stores `payload` on `stream` under `key` (one or more dot-separated parts, such as a
    /// match id) and returns once it is stored (on NATS: the JetStream publish ack).
    ///
    /// With a `msg_id`, a second publish of the same id within 2 minutes stores nothing and
    /// reports [`PublishReceipt::duplicate`]: give the outbox row id so a relay that retries
    /// after a crash does not publish twice.
    ///
    /// # Errors
    /// [`EventsError::InvalidName`] for a bad key, [`EventsError::Unavailable`] when the
    /// message could not be confirmed as stored (retry with the same `msg_id`).
    pub async fn publish_durable(
        &self,
        stream: Stream,
        key: &str,
        payload: Vec<u8>,
        msg_id: Option<&str>,
    ) -> Result<PublishReceipt, EventsError> {
        self.publish_traced(stream, key, payload, msg_id, None)
            .await
    }

    /// Like [`Events::publish_durable`], with the W3C `traceparent` of the work that published
    /// the message: on NATS its `traceparent` header (W3C Trace Context for messaging), and
    /// [`Delivery::traceparent`](crate::Delivery::traceparent) to every consumer.
    ///
    /// # Errors
    /// As [`Events::publish_durable`].
    pub async fn publish_traced(
        &self,
        stream: Stream,
        key: &str,
        payload: Vec<u8>,
        msg_id: Option<&str>,
        traceparent: Option<&str>,
    ) -> Result<PublishReceipt, EventsError> {
        check_subject("key", key)?;
        match &self.backend {
            Backend::InProcess(bus) => {
                Ok(bus.publish_durable(stream, key, payload, msg_id, traceparent))
            }
            Backend::Nats(bus) => {
                bus.publish_durable(stream, key, payload, msg_id, traceparent)
                    .await
            }
        }
    }

    /// Opens a consumer of the durable `durable` (1 to 64 of `[A-Za-z0-9_-]`, e.g.
    /// `sessions`) on `stream`, creating the durable if it is new; a new durable starts with
    /// the oldest message the stream holds. Consumers of one durable name split its messages.
    ///
    /// # Errors
    /// [`EventsError::InvalidName`] for a bad durable name, [`EventsError::Unavailable`] when
    /// NATS cannot be reached.
    pub async fn consumer(
        &self,
        stream: Stream,
        durable: &str,
        options: ConsumerOptions,
    ) -> Result<Consumer, EventsError> {
        check_token("durable name", durable)?;
        let puller = match &self.backend {
            Backend::InProcess(bus) => Puller::InProcess(bus.consumer(stream, durable, options)),
            Backend::Nats(bus) => {
                Puller::Nats(Box::new(bus.consumer(stream, durable, options).await?))
            }
        };
        Ok(Consumer {
            stream,
            durable: durable.to_owned(),
            batch: options.batch.max(1),
            puller,
        })
    }

    /// Sends `payload` to every current subscriber of exactly `subject` (such as
    /// `player.<id>`), at most once and without storing it.
    ///
    /// # Errors
    /// [`EventsError::InvalidName`] for a bad subject (wildcards are refused),
    /// [`EventsError::Unavailable`] while NATS is disconnected.
    pub async fn publish(&self, subject: &str, payload: Vec<u8>) -> Result<(), EventsError> {
        check_subject("subject", subject)?;
        match &self.backend {
            Backend::InProcess(bus) => {
                bus.publish(subject, &payload);
                Ok(())
            }
            Backend::Nats(bus) => bus.publish(subject, payload).await,
        }
    }

    /// Subscribes to exactly `subject`. Returns once the subscription is in place, so a
    /// message published after this returns reaches it.
    ///
    /// # Errors
    /// [`EventsError::InvalidName`] for a bad subject (wildcards are refused),
    /// [`EventsError::Unavailable`] while NATS is disconnected.
    pub async fn subscribe(&self, subject: &str) -> Result<Subscription, EventsError> {
        check_subject("subject", subject)?;
        match &self.backend {
            Backend::InProcess(bus) => Ok(Subscription {
                inner: Inner::InProcess(bus.subscribe(subject)),
            }),
            Backend::Nats(bus) => bus.subscribe(subject).await,
        }
    }

    /// Deletes every stream of this bus with its messages and durables (on NATS, those of this
    /// prefix). For tests and tooling that start over; the running platform never calls it.
    ///
    /// # Errors
    /// [`EventsError::Unavailable`] when NATS cannot be reached or a stream is already gone.
    pub async fn delete_streams(&self) -> Result<(), EventsError> {
        match &self.backend {
            Backend::InProcess(bus) => {
                bus.clear();
                Ok(())
            }
            Backend::Nats(bus) => bus.delete_streams().await,
        }
    }
}
