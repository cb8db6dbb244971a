//! In-process fan-out: subscribers of each exact subject, each behind a bounded channel.
//!
//! Like core NATS, a subscriber that does not keep up loses messages instead of slowing the
//! publisher or growing without bound.

use std::collections::HashMap;

use tokio::sync::mpsc;

use crate::Message;

/// Messages a subscriber may have waiting before new ones are dropped for it.
const SUBSCRIBER_CAPACITY: usize = 4096;

/// Every live subscriber, by subject.
#[derive(Debug, Default)]
pub(crate) struct FanoutRegistry {
    subscribers: HashMap<String, Vec<mpsc::Sender<Message>>>,
}

impl FanoutRegistry {
    /// Adds a subscriber of `subject`.
    pub(crate) fn subscribe(&mut self, subject: &str) -> mpsc::Receiver<Message> {
        let (tx, rx) = mpsc::channel(SUBSCRIBER_CAPACITY);
        self.subscribers
            .entry(subject.to_owned())
            .or_default()
            .push(tx);
        rx
    }

    /// Hands `payload` to every live subscriber of `subject`, forgetting those that are gone.
    pub(crate) fn publish(&mut self, subject: &str, payload: &[u8]) {
        let Some(senders) = self.subscribers.get_mut(subject) else {
            return;
        };
        senders.retain(|tx| {
            let message = Message {
                subject: subject.to_owned(),
                payload: payload.to_vec(),
            };
            match tx.try_send(message) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    tracing::warn!(subject, "slow subscriber: fan-out message dropped");
                    true
                }
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            }
        });
        if senders.is_empty() {
            self.subscribers.remove(subject);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_dropped_subscriber_is_forgotten_on_the_next_publish() {
        let mut registry = FanoutRegistry::default();
        let rx = registry.subscribe("player.1");
        drop(rx);
        registry.publish("player.1", b"x");
        assert!(registry.subscribers.is_empty());
    }
}
