//! In-process fan-out: subscribers of each exact subject, each behind a bounded channel.
//!
//! Like core NATS, a subscriber that does not keep up loses messages instead of slowing the
//! publisher or growing without bound.

use std::collections::HashMap;

use tokio::sync::mpsc;

use crate::Message;

/// Messages a subscriber may have waiting before new ones are dropped for it.
const SUBSCRIBER_CAPACITY: usize = 4096;

/// Subscriptions made between two sweeps of the subscribers that are gone.
const SWEEP_EVERY: u32 = 64;

/// Every live subscriber, by subject.
///
/// A subscriber that is dropped leaves its sender here until something looks: a publish to
/// its subject, a new subscriber of its subject, or the sweep of the whole registry that every
/// [`SWEEP_EVERY`]th subscription runs. Without the sweep, a player who disconnects and is
/// never pushed to again would keep a channel here for ever (about 2.4 KB each).
#[derive(Debug, Default)]
pub(crate) struct FanoutRegistry {
    subscribers: HashMap<String, Vec<mpsc::Sender<Message>>>,
    since_sweep: u32,
}

impl FanoutRegistry {
    /// Adds a subscriber of `subject`.
    pub(crate) fn subscribe(&mut self, subject: &str) -> mpsc::Receiver<Message> {
        self.since_sweep += 1;
        if self.since_sweep >= SWEEP_EVERY {
            self.sweep();
        } else if let Some(senders) = self.subscribers.get_mut(subject) {
            senders.retain(|tx| !tx.is_closed());
        }
        let (tx, rx) = mpsc::channel(SUBSCRIBER_CAPACITY);
        self.subscribers
            .entry(subject.to_owned())
            .or_default()
            .push(tx);
        rx
    }

    /// Forgets every subscriber that is gone, and subjects left without one.
    pub(crate) fn sweep(&mut self) {
        self.since_sweep = 0;
        self.subscribers.retain(|_, senders| {
            senders.retain(|tx| !tx.is_closed());
            !senders.is_empty()
        });
        if self.subscribers.capacity() > 64
            && self.subscribers.len() < self.subscribers.capacity() / 4
        {
            self.subscribers.shrink_to_fit();
        }
    }

    /// How many subscribers are kept, gone or not (for tests).
    #[cfg(test)]
    fn kept(&self) -> usize {
        self.subscribers.values().map(Vec::len).sum()
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

    #[test]
    fn subscribers_that_are_gone_are_swept_without_any_publish() {
        let mut registry = FanoutRegistry::default();
        for cycle in 0..20 {
            let live: Vec<_> = (0..100)
                .map(|i| registry.subscribe(&format!("player.{cycle}.{i}")))
                .collect();
            drop(live);
        }
        // 2,000 subscribers came and went; at most the last cycle and one interval are left.
        assert!(
            registry.kept() < 100 + SWEEP_EVERY as usize,
            "{} kept",
            registry.kept()
        );
        let alive = registry.subscribe("player.kept");
        registry.sweep();
        assert_eq!(registry.kept(), 1);
        drop(alive);
    }
}
