//! The in-process bus: durable streams as in-memory logs and fan-out as channels, for the
//! embedded single-process mode. Same semantics as NATS within one process; nothing survives
//! a restart (the store's outbox is what makes events durable across restarts there).

mod fanout;
mod stream_log;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use self::fanout::FanoutRegistry;
use self::stream_log::{Handout, Pull, StreamLog};
use crate::consumer::{Acker, Delivery};
use crate::{ConsumerOptions, Message, PublishReceipt, Stream};

/// The shared state of one in-process bus.
#[derive(Debug, Default)]
pub(crate) struct InProcessBus {
    streams: Mutex<HashMap<Stream, StreamLog>>,
    /// Woken whenever something may have become available to pull (publish, nack).
    available: Notify,
    fanout: Mutex<FanoutRegistry>,
}

impl InProcessBus {
    fn streams(&self) -> MutexGuard<'_, HashMap<Stream, StreamLog>> {
        self.streams
            .lock()
            .expect("BUG: the stream lock is never held across a panic")
    }

    fn fanout(&self) -> MutexGuard<'_, FanoutRegistry> {
        self.fanout
            .lock()
            .expect("BUG: the fan-out lock is never held across a panic")
    }

    /// Stores a message on a stream.
    pub(crate) fn publish_durable(
        &self,
        stream: Stream,
        key: &str,
        payload: Vec<u8>,
        msg_id: Option<&str>,
        traceparent: Option<&str>,
    ) -> PublishReceipt {
        let receipt = self.streams().entry(stream).or_default().append(
            key,
            payload,
            msg_id,
            traceparent,
            Instant::now(),
        );
        self.available.notify_waiters();
        receipt
    }

    /// Opens (creating if new) a durable on a stream.
    pub(crate) fn consumer(
        self: &Arc<Self>,
        stream: Stream,
        durable: &str,
        options: ConsumerOptions,
    ) -> InProcessPuller {
        self.streams()
            .entry(stream)
            .or_default()
            .open(durable, options.ack_wait);
        InProcessPuller {
            bus: Arc::clone(self),
            stream,
            durable: Arc::from(durable),
            poll_wait: options.poll_wait,
        }
    }

    /// Sends to every subscriber of `subject`.
    pub(crate) fn publish(&self, subject: &str, payload: &[u8]) {
        self.fanout().publish(subject, payload);
    }

    /// Subscribes to `subject`.
    pub(crate) fn subscribe(&self, subject: &str) -> tokio::sync::mpsc::Receiver<Message> {
        self.fanout().subscribe(subject)
    }

    /// Forgets every stream and durable.
    pub(crate) fn clear(&self) {
        self.streams().clear();
    }
}

/// The in-process side of a [`crate::Consumer`].
#[derive(Debug)]
pub(crate) struct InProcessPuller {
    bus: Arc<InProcessBus>,
    stream: Stream,
    durable: Arc<str>,
    poll_wait: Duration,
}

impl InProcessPuller {
    /// Waits up to the poll wait for a message.
    pub(crate) async fn next(&mut self) -> Option<Delivery> {
        let give_up = Instant::now() + self.poll_wait;
        loop {
            // Register for wake-ups before looking, so a publish in between is not missed.
            let available = self.bus.available.notified();
            tokio::pin!(available);
            available.as_mut().enable();
            let due = match self.pull() {
                Pull::Ready(handout) => return Some(self.delivery(handout)),
                Pull::Idle(due) => due,
            };
            if Instant::now() >= give_up {
                return None;
            }
            let wake = due.map_or(give_up, |due| due.min(give_up));
            tokio::select! {
                () = &mut available => {}
                () = tokio::time::sleep_until(wake) => {}
            }
        }
    }

    /// The next message if one is there now, without waiting.
    pub(crate) fn try_next(&mut self) -> Option<Delivery> {
        match self.pull() {
            Pull::Ready(handout) => Some(self.delivery(handout)),
            Pull::Idle(_) => None,
        }
    }

    /// The durable's messages not yet acknowledged.
    pub(crate) fn unacknowledged(&self) -> u64 {
        self.bus
            .streams()
            .get(&self.stream)
            .map_or(0, |log| log.unacknowledged(&self.durable))
    }

    fn pull(&self) -> Pull {
        self.bus
            .streams()
            .entry(self.stream)
            .or_default()
            .pull(&self.durable, Instant::now())
    }

    fn delivery(&self, handout: Handout) -> Delivery {
        Delivery {
            stream: self.stream,
            key: handout.key,
            payload: handout.payload,
            traceparent: handout.traceparent,
            attempt: handout.attempt,
            acker: Acker::InProcess(InProcessAcker {
                bus: Arc::clone(&self.bus),
                stream: self.stream,
                durable: Arc::clone(&self.durable),
                sequence: handout.sequence,
                token: handout.token,
            }),
        }
    }
}

/// Acknowledges one in-process delivery.
#[derive(Debug)]
pub(crate) struct InProcessAcker {
    bus: Arc<InProcessBus>,
    stream: Stream,
    durable: Arc<str>,
    sequence: u64,
    token: u64,
}

impl InProcessAcker {
    pub(crate) fn ack(&self) {
        if let Some(log) = self.bus.streams().get_mut(&self.stream) {
            log.ack(&self.durable, self.sequence);
        }
    }

    pub(crate) fn nack(&self, delay: Duration) {
        if let Some(log) = self.bus.streams().get_mut(&self.stream) {
            log.nack(
                &self.durable,
                self.sequence,
                self.token,
                Instant::now() + delay,
            );
        }
        self.bus.available.notify_waiters();
    }
}
