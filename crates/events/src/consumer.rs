//! Reading a durable stream: a [`Consumer`] of a durable name hands out [`Delivery`]s that must
//! be acknowledged.
//!
//! The semantics are JetStream's durable pull consumer with explicit acks, and the in-process
//! bus keeps the same ones: every consumer of one durable name shares one position, each message
//! goes to one of them at a time, and a message not acknowledged within the ack wait, or nacked,
//! is handed out again (possibly to another consumer of the same durable). Delivery is at least
//! once, so handlers must be idempotent.

use std::fmt;
use std::time::Duration;

use crate::in_process::{InProcessAcker, InProcessPuller};
use crate::nats::{NatsAcker, NatsPuller};
use crate::{EventsError, Stream};

/// How a durable consumer behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsumerOptions {
    /// How long a handed-out message may stay unacknowledged before it is handed out again.
    /// On NATS this is stored with the durable when it is first created; later consumers of
    /// the same durable name keep the first value.
    pub ack_wait: Duration,
    /// How long [`Consumer::next`] waits for a message before returning `Ok(None)`.
    pub poll_wait: Duration,
    /// The most messages [`Consumer::next_batch`] hands out at once. On NATS this is also how
    /// many are fetched ahead for this consumer (held until acked, or the ack wait runs out
    /// if the consumer is dropped). 1 hands them out one at a time.
    pub batch: usize,
}

impl Default for ConsumerOptions {
    /// 30 s ack wait, 5 s poll wait, one message at a time.
    fn default() -> Self {
        Self {
            ack_wait: Duration::from_secs(30),
            poll_wait: Duration::from_secs(5),
            batch: 1,
        }
    }
}

/// What a durable publish stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishReceipt {
    /// The message's sequence number in its stream.
    pub sequence: u64,
    /// True when the message id was already stored within the duplicate window (2 minutes):
    /// nothing new was stored and `sequence` is the earlier message's.
    pub duplicate: bool,
}

/// One consumer of a durable name on one stream. Create as many as you like, in one process or
/// many: they share the durable's position and split its messages between them.
#[derive(Debug)]
pub struct Consumer {
    pub(crate) stream: Stream,
    pub(crate) durable: String,
    /// The most deliveries [`Consumer::next_batch`] hands out.
    pub(crate) batch: usize,
    pub(crate) puller: Puller,
}

#[derive(Debug)]
pub(crate) enum Puller {
    InProcess(InProcessPuller),
    Nats(Box<NatsPuller>),
}

impl Consumer {
    /// Waits up to the poll wait for the next message of the durable; `Ok(None)` when none came.
    ///
    /// Cancel-safe: dropping the future (say in a `select!` with shutdown) loses nothing. On
    /// NATS one message may already be fetched ahead for this consumer; it is returned by the
    /// next call, or handed out again after the ack wait if the consumer is dropped. Call it in
    /// a loop so a consumer does not sit on a fetched message.
    ///
    /// # Errors
    /// [`EventsError::Unavailable`] when NATS cannot be reached.
    pub async fn next(&mut self) -> Result<Option<Delivery>, EventsError> {
        match &mut self.puller {
            Puller::InProcess(p) => Ok(p.next().await),
            Puller::Nats(p) => p.next(self.stream).await,
        }
    }

    /// Waits up to the poll wait for the next message, then takes those already there behind
    /// it, up to the consumer's `batch` in all; empty when none came. Each delivery is settled
    /// on its own. Cancel-safe like [`Consumer::next`].
    ///
    /// # Errors
    /// [`EventsError::Unavailable`] when NATS cannot be reached before the first message.
    pub async fn next_batch(&mut self) -> Result<Vec<Delivery>, EventsError> {
        let Some(first) = self.next().await? else {
            return Ok(Vec::new());
        };
        let mut batch = vec![first];
        while batch.len() < self.batch {
            let more = match &mut self.puller {
                Puller::InProcess(p) => p.try_next(),
                Puller::Nats(p) => p.try_next(self.stream),
            };
            match more {
                Some(delivery) => batch.push(delivery),
                None => break,
            }
        }
        Ok(batch)
    }

    /// How many messages of the stream the durable has not acknowledged yet: those never
    /// handed out plus those handed out and not acknowledged (JetStream's `num_pending` plus
    /// `num_ack_pending`). Every consumer of the durable sees the same number: it is the
    /// durable's backlog, the consumer lag an operator watches.
    ///
    /// # Errors
    /// [`EventsError::Unavailable`] when NATS cannot be reached.
    pub async fn unacknowledged(&self) -> Result<u64, EventsError> {
        match &self.puller {
            Puller::InProcess(p) => Ok(p.unacknowledged()),
            Puller::Nats(p) => p.unacknowledged().await,
        }
    }

    /// The stream this consumer reads.
    pub fn stream(&self) -> Stream {
        self.stream
    }

    /// The durable name this consumer shares with the other consumers of its group.
    pub fn durable(&self) -> &str {
        &self.durable
    }
}

/// One message handed to one consumer. Call [`Delivery::ack`] once it is handled, or
/// [`Delivery::nack`] to have it handed out again now; dropping it without either leaves it to
/// be handed out again when the ack wait runs out.
pub struct Delivery {
    pub(crate) stream: Stream,
    pub(crate) key: String,
    pub(crate) payload: Vec<u8>,
    pub(crate) traceparent: Option<String>,
    pub(crate) attempt: u64,
    pub(crate) acker: Acker,
}

pub(crate) enum Acker {
    InProcess(InProcessAcker),
    Nats(Box<NatsAcker>),
}

impl Delivery {
    /// The stream the message was published on.
    pub fn stream(&self) -> Stream {
        self.stream
    }

    /// The key given to [`crate::Events::publish_durable`].
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The message body.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The W3C `traceparent` the message was published with (on NATS its `traceparent` header),
    /// for a consumer to continue the publisher's trace.
    pub fn traceparent(&self) -> Option<&str> {
        self.traceparent.as_deref()
    }

    /// Which delivery of this message this is to the durable: 1 the first time, 2 after one
    /// redelivery, and so on.
    pub fn attempt(&self) -> u64 {
        self.attempt
    }

    /// Acknowledges the message: the durable will not hand it out again. On NATS this waits for
    /// the server to confirm the ack.
    ///
    /// # Errors
    /// [`EventsError::Unavailable`] when the ack could not be confirmed; the message may then
    /// be delivered again, which an idempotent handler tolerates.
    pub async fn ack(&self) -> Result<(), EventsError> {
        match &self.acker {
            Acker::InProcess(a) => {
                a.ack();
                Ok(())
            }
            Acker::Nats(a) => a.ack().await,
        }
    }

    /// Refuses the message for now: the durable hands it out again right away, possibly to
    /// another consumer, with the attempt count raised.
    ///
    /// # Errors
    /// [`EventsError::Unavailable`] when NATS cannot be reached (the ack wait still applies).
    pub async fn nack(&self) -> Result<(), EventsError> {
        self.nack_after(Duration::ZERO).await
    }

    /// Refuses the message and asks for it again after `delay` (instead of after the ack
    /// wait), for a handler that failed on something transient and wants to back off.
    ///
    /// # Errors
    /// [`EventsError::Unavailable`] when NATS cannot be reached (the ack wait still applies).
    pub async fn nack_after(&self, delay: Duration) -> Result<(), EventsError> {
        match &self.acker {
            Acker::InProcess(a) => {
                a.nack(delay);
                Ok(())
            }
            Acker::Nats(a) => a.nack(delay).await,
        }
    }
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("stream", &self.stream)
            .field("key", &self.key)
            .field("payload_len", &self.payload.len())
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}
