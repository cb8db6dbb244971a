//! The NATS bus: durable streams on JetStream, fan-out on core NATS subjects.
//!
//! Only what NATS 2.9 supports is used: streams, durable pull consumers with explicit acks,
//! publish with ack and the `Nats-Msg-Id` header. Names under one prefix:
//!
//! - stream `<PREFIX>_<NAME>` (e.g. `rally_MATCH_CREATED`) holding `<prefix>.stream.<name>.>`;
//!   a durable message's subject is `<prefix>.stream.<name>.<key>`;
//! - a fan-out subject `s` travels as `<prefix>.fanout.<s>`, so it can never land in a stream.
//!
//! The client reconnects by itself; the bus reports `Unavailable` while it is disconnected.

use std::time::Duration;

use async_nats::jetstream::{self, AckKind, consumer, message::PublishMessage, stream};
use async_nats::{Client, ConnectOptions, connection::State};
use futures::{FutureExt, StreamExt};
use tokio::time::{Instant, timeout};

use crate::consumer::{Acker, Delivery};
use crate::name::{STREAM_MAX_AGE, STREAM_MAX_MESSAGES};
use crate::subscription::Inner;
use crate::{ConsumerOptions, EventsError, PublishReceipt, Stream, Subscription};

/// Longest wait for the TCP/TLS connection and the server's greeting.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest wait for a JetStream API answer (publish ack, consumer creation).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest wait for a readiness round trip.
const PING_TIMEOUT: Duration = Duration::from_secs(2);
/// The header carrying a message's W3C trace context.
const TRACEPARENT: &str = "traceparent";
/// How long a message id is remembered for deduplication.
const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

/// A connection to NATS with the names of one prefix.
#[derive(Debug)]
pub(crate) struct NatsBus {
    client: Client,
    jetstream: jetstream::Context,
    prefix: String,
}

impl NatsBus {
    /// Connects (once, bounded) and creates the streams that do not exist yet.
    pub(crate) async fn connect(url: &str, prefix: &str) -> Result<Self, EventsError> {
        // The URL may carry credentials: errors name the failure kind, never the URL.
        let client = ConnectOptions::new()
            .name("rally")
            .connection_timeout(CONNECT_TIMEOUT)
            .request_timeout(Some(REQUEST_TIMEOUT))
            .connect(url)
            .await
            .map_err(|e| EventsError::unavailable("connecting to NATS", e.kind()))?;
        let jetstream = jetstream::ContextBuilder::new()
            .timeout(REQUEST_TIMEOUT)
            .build(client.clone());
        let bus = Self {
            client,
            jetstream,
            prefix: prefix.to_owned(),
        };
        for stream in Stream::ALL {
            bus.ensure_stream(stream).await?;
        }
        Ok(bus)
    }

    fn stream_name(&self, stream: Stream) -> String {
        format!("{}_{}", self.prefix, stream.stream_suffix())
    }

    fn stream_root(&self, stream: Stream) -> String {
        format!("{}.stream.{}.", self.prefix, stream.name())
    }

    fn fanout_root(&self) -> String {
        format!("{}.fanout.", self.prefix)
    }

    fn check_connected(&self) -> Result<(), EventsError> {
        match self.client.connection_state() {
            State::Connected => Ok(()),
            state => Err(EventsError::unavailable("NATS", format!("{state:?}"))),
        }
    }

    async fn ensure_stream(&self, stream: Stream) -> Result<(), EventsError> {
        let config = stream::Config {
            name: self.stream_name(stream),
            subjects: vec![format!("{}>", self.stream_root(stream))],
            retention: stream::RetentionPolicy::Limits,
            storage: stream::StorageType::File,
            max_age: STREAM_MAX_AGE,
            max_messages: i64::try_from(STREAM_MAX_MESSAGES)
                .expect("BUG: the message limit fits in i64"),
            discard: stream::DiscardPolicy::Old,
            duplicate_window: DUPLICATE_WINDOW,
            ..Default::default()
        };
        self.jetstream
            .get_or_create_stream(config)
            .await
            .map_err(|e| EventsError::refused("creating a JetStream stream", e))?;
        Ok(())
    }

    /// One round trip to the JetStream API; any answer means the server is there.
    pub(crate) async fn ping(&self) -> Result<Duration, EventsError> {
        self.check_connected()?;
        let started = Instant::now();
        match timeout(
            PING_TIMEOUT,
            self.client.request("$JS.API.INFO", Vec::new().into()),
        )
        .await
        {
            Ok(Ok(_)) => Ok(started.elapsed()),
            Ok(Err(e)) => Err(EventsError::unavailable("NATS ping", e)),
            Err(_) => Err(EventsError::Unavailable("NATS ping: timed out".to_owned())),
        }
    }

    pub(crate) async fn publish_durable(
        &self,
        stream: Stream,
        key: &str,
        payload: Vec<u8>,
        msg_id: Option<&str>,
        traceparent: Option<&str>,
    ) -> Result<PublishReceipt, EventsError> {
        self.check_connected()?;
        let mut message = PublishMessage::build().payload(payload.into());
        if let Some(id) = msg_id {
            message = message.message_id(id);
        }
        if let Some(traceparent) = traceparent {
            message = message.header(TRACEPARENT, traceparent);
        }
        let subject = format!("{}{key}", self.stream_root(stream));
        let ack = self
            .jetstream
            .send_publish(subject, message)
            .await
            .map_err(|e| EventsError::unavailable("publishing to JetStream", e))?
            .await
            .map_err(|e| EventsError::unavailable("awaiting the JetStream publish ack", e))?;
        Ok(PublishReceipt {
            sequence: ack.sequence,
            duplicate: ack.duplicate,
        })
    }

    pub(crate) async fn consumer(
        &self,
        stream: Stream,
        durable: &str,
        options: ConsumerOptions,
    ) -> Result<NatsPuller, EventsError> {
        self.check_connected()?;
        let config = consumer::pull::Config {
            durable_name: Some(durable.to_owned()),
            ack_policy: consumer::AckPolicy::Explicit,
            ack_wait: options.ack_wait,
            deliver_policy: consumer::DeliverPolicy::All,
            ..Default::default()
        };
        let consumer = self
            .jetstream
            .get_stream_no_info(self.stream_name(stream))
            .await
            .map_err(|e| EventsError::unavailable("opening a JetStream stream", e))?
            .get_or_create_consumer(durable, config)
            .await
            .map_err(|e| EventsError::unavailable("creating a JetStream consumer", e))?;
        Ok(NatsPuller {
            client: self.client.clone(),
            consumer,
            messages: None,
            root: self.stream_root(stream),
            poll_wait: options.poll_wait,
            batch: options.batch.max(1),
        })
    }

    pub(crate) async fn publish(&self, subject: &str, payload: Vec<u8>) -> Result<(), EventsError> {
        self.check_connected()?;
        self.client
            .publish(format!("{}{subject}", self.fanout_root()), payload.into())
            .await
            .map_err(|e| EventsError::unavailable("publishing to NATS", e))
    }

    /// Subscribes and waits until the subscription has left for the server.
    pub(crate) async fn subscribe(&self, subject: &str) -> Result<Subscription, EventsError> {
        self.check_connected()?;
        let root = self.fanout_root();
        let subscriber = self
            .client
            .subscribe(format!("{root}{subject}"))
            .await
            .map_err(|e| EventsError::unavailable("subscribing on NATS", e))?;
        match timeout(PING_TIMEOUT, self.client.flush()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(EventsError::unavailable("subscribing on NATS", e)),
            Err(_) => {
                return Err(EventsError::Unavailable(
                    "subscribing on NATS: timed out".to_owned(),
                ));
            }
        }
        Ok(Subscription {
            inner: Inner::Nats {
                subscriber,
                strip: root.len(),
            },
        })
    }

    /// Deletes this prefix's streams (and with them their durables).
    pub(crate) async fn delete_streams(&self) -> Result<(), EventsError> {
        for stream in Stream::ALL {
            self.jetstream
                .delete_stream(self.stream_name(stream))
                .await
                .map_err(|e| EventsError::unavailable("deleting a JetStream stream", e))?;
        }
        Ok(())
    }
}

/// The NATS side of a [`crate::Consumer`].
///
/// It keeps one long-lived pull subscription (opened on the first `next`) rather than one
/// pull request per call: with a fresh inbox per call, a message the server sends just as a
/// request expires would land in a dropped inbox and wait a whole ack wait to come back. At
/// most the consumer's `batch` of messages are fetched ahead (one, unless it asked for more); if
/// the consumer is dropped holding them, they come back after the ack wait like any
/// unacknowledged message.
/// How long one pull request waits on the server before the client renews it.
const PULL_EXPIRES: Duration = Duration::from_secs(5);
/// How often the server confirms an open pull request is alive (under half of `PULL_EXPIRES`).
const PULL_HEARTBEAT: Duration = Duration::from_secs(2);

pub(crate) struct NatsPuller {
    client: Client,
    consumer: consumer::PullConsumer,
    messages: Option<consumer::pull::Stream>,
    root: String,
    poll_wait: Duration,
    /// How many messages one pull fetches ahead.
    batch: usize,
}

impl std::fmt::Debug for NatsPuller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsPuller")
            .field("root", &self.root)
            .field("poll_wait", &self.poll_wait)
            .field("open", &self.messages.is_some())
            .finish_non_exhaustive()
    }
}

impl NatsPuller {
    /// The durable's messages not yet acknowledged, as the server counts them.
    pub(crate) async fn unacknowledged(&self) -> Result<u64, EventsError> {
        let info = self
            .consumer
            .get_info()
            .await
            .map_err(|e| EventsError::unavailable("reading a JetStream consumer's state", e))?;
        Ok(info.num_pending + info.num_ack_pending as u64)
    }

    /// Waits up to the poll wait for a message.
    pub(crate) async fn next(&mut self, stream: Stream) -> Result<Option<Delivery>, EventsError> {
        if self.client.connection_state() != State::Connected {
            return Err(EventsError::Unavailable("NATS: not connected".to_owned()));
        }
        let messages = match &mut self.messages {
            Some(messages) => messages,
            None => self.messages.insert(
                self.consumer
                    .stream()
                    .max_messages_per_batch(self.batch)
                    // Short-lived pull requests: if one is lost under load (its message then
                    // waits for the ack wait), the next starts within seconds, not after the
                    // client's default 30 s.
                    .expires(PULL_EXPIRES)
                    .heartbeat(PULL_HEARTBEAT)
                    .messages()
                    .await
                    .map_err(|e| EventsError::unavailable("pulling from JetStream", e))?,
            ),
        };
        let message = match timeout(self.poll_wait, messages.next()).await {
            Err(_) => return Ok(None),
            Ok(Some(Ok(message))) => message,
            Ok(ended) => {
                // The pull subscription failed or ended: start a fresh one next time.
                self.messages = None;
                return match ended {
                    // Still connected: the pull request was lost (a missed idle heartbeat
                    // under load); the fresh one next time is all it takes.
                    Some(Err(e)) if self.client.connection_state() == State::Connected => {
                        tracing::debug!(error = %e, "a JetStream pull ended; pulling again");
                        Ok(None)
                    }
                    Some(Err(e)) => Err(EventsError::unavailable("pulling from JetStream", e)),
                    _ => Ok(None),
                };
            }
        };
        Ok(Some(self.delivery(stream, message)))
    }

    /// A message already fetched ahead, without waiting; `None` when there is none (or the
    /// pull ended: the next [`NatsPuller::next`] starts a fresh one).
    pub(crate) fn try_next(&mut self, stream: Stream) -> Option<Delivery> {
        let messages = self.messages.as_mut()?;
        match messages.next().now_or_never()? {
            Some(Ok(message)) => Some(self.delivery(stream, message)),
            _ => {
                self.messages = None;
                None
            }
        }
    }

    /// The delivery of a fetched `message` of `stream`.
    fn delivery(&self, stream: Stream, message: jetstream::Message) -> Delivery {
        let attempt = message
            .info()
            .ok()
            .and_then(|info| u64::try_from(info.delivered).ok())
            .unwrap_or(1);
        let (message, acker) = message.split();
        let traceparent = message
            .headers
            .as_ref()
            .and_then(|headers| headers.get(TRACEPARENT))
            .map(|value| value.as_str().to_owned());
        let key = message
            .subject
            .as_str()
            .strip_prefix(self.root.as_str())
            .unwrap_or(message.subject.as_str())
            .to_owned();
        Delivery {
            stream,
            key,
            payload: message.payload.into(),
            traceparent,
            attempt,
            acker: Acker::Nats(Box::new(NatsAcker { acker })),
        }
    }
}

/// Acknowledges one JetStream delivery.
pub(crate) struct NatsAcker {
    acker: jetstream::message::Acker,
}

impl std::fmt::Debug for NatsAcker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsAcker").finish_non_exhaustive()
    }
}

impl NatsAcker {
    /// Acks and waits for the server's confirmation.
    pub(crate) async fn ack(&self) -> Result<(), EventsError> {
        self.acker
            .double_ack()
            .await
            .map_err(|e| EventsError::unavailable("acknowledging a JetStream message", e))
    }

    /// Asks for redelivery after `delay` (at once when zero).
    pub(crate) async fn nack(&self, delay: Duration) -> Result<(), EventsError> {
        let delay = (!delay.is_zero()).then_some(delay);
        self.acker
            .ack_with(AckKind::Nak(delay))
            .await
            .map_err(|e| EventsError::unavailable("nacking a JetStream message", e))
    }
}
