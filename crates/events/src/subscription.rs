//! Fan-out subjects: a message published on a subject reaches every current subscriber of that
//! exact subject, at most once, and is not stored (core NATS semantics). Used for per-player
//! pushes (`player.<id>`), reaching whichever node holds the player's WebSocket.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::{Stream as FuturesStream, StreamExt};
use tokio::sync::mpsc;

/// A message received on a fan-out subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The subject it was published on, as given to [`crate::Events::publish`].
    pub subject: String,
    /// The message body.
    pub payload: Vec<u8>,
}

/// The receiving end of [`crate::Events::subscribe`]. Dropping it unsubscribes. Also a
/// [`futures::Stream`] of [`Message`]s.
#[derive(Debug)]
pub struct Subscription {
    pub(crate) inner: Inner,
}

#[derive(Debug)]
pub(crate) enum Inner {
    InProcess(mpsc::Receiver<Message>),
    Nats {
        subscriber: async_nats::Subscriber,
        /// Length of `<prefix>.fanout.` to strip from incoming subjects.
        strip: usize,
    },
}

impl Subscription {
    /// Waits for the next message; `None` once the bus is gone (never while it lives; a NATS
    /// subscription survives reconnects, though messages published while disconnected are lost).
    pub async fn recv(&mut self) -> Option<Message> {
        self.next().await
    }
}

impl FuturesStream for Subscription {
    type Item = Message;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        match &mut self.inner {
            Inner::InProcess(rx) => rx.poll_recv(cx),
            Inner::Nats { subscriber, strip } => {
                let strip = *strip;
                subscriber.poll_next_unpin(cx).map(|m| {
                    m.map(|m| Message {
                        subject: m
                            .subject
                            .as_str()
                            .get(strip..)
                            .unwrap_or_default()
                            .to_owned(),
                        payload: m.payload.into(),
                    })
                })
            }
        }
    }
}
