//! Where events go: to the callbacks registered for their kind, and to a bounded queue that a
//! game loop drains once a frame.
//!
//! # Threads
//! Callbacks run on the thread that received the event: a worker of the tokio runtime the
//! [`Client`](crate::Client) was connected on (the SDK's own thread for
//! [`BlockingClient`](crate::BlockingClient)). They must return quickly and must not block on
//! SDK calls; hand work to the game thread instead. The queue may be drained from any thread.

use std::{
    collections::VecDeque,
    sync::{
        Arc, Mutex, MutexGuard, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
};

use tokio::sync::Notify;

use crate::event::{Event, EventKind};

/// A registered callback.
type Callback = Arc<dyn Fn(&Event) + Send + Sync>;

/// The handle of a registered callback, to remove it with
/// [`Client::remove_callback`](crate::Client::remove_callback).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallbackId(u64);

/// The events of one client.
pub(crate) struct Inbox {
    queue: Mutex<VecDeque<Event>>,
    capacity: usize,
    dropped: AtomicU64,
    callbacks: Mutex<Vec<(CallbackId, Option<EventKind>, Callback)>>,
    next_id: AtomicU64,
    arrived: Notify,
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbox")
            .field("capacity", &self.capacity)
            .field("dropped", &self.dropped)
            .finish_non_exhaustive()
    }
}

/// A lock that a panicking callback elsewhere cannot wedge: the data are plain queues.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Inbox {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            queue: Mutex::new(VecDeque::new()),
            capacity,
            dropped: AtomicU64::new(0),
            callbacks: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(1),
            arrived: Notify::new(),
        }
    }

    /// Hands `event` to its callbacks, then queues it (dropping the oldest when full).
    pub(crate) fn deliver(&self, event: Event) {
        let kind = event.kind();
        let callbacks: Vec<Callback> = lock(&self.callbacks)
            .iter()
            .filter(|(_, only, _)| only.is_none_or(|k| k == kind))
            .map(|(_, _, callback)| Arc::clone(callback))
            .collect();
        for callback in callbacks {
            // A game's panicking callback must not take the connection down with it.
            if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| callback(&event))).is_err()
            {
                tracing::error!(event.kind = kind.name(), "an event callback panicked");
            }
        }
        if self.capacity == 0 {
            return;
        }
        let mut queue = lock(&self.queue);
        if queue.len() >= self.capacity {
            queue.pop_front();
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
        queue.push_back(event);
        drop(queue);
        self.arrived.notify_waiters();
    }

    /// Registers `callback` for events of `kind`, or of every kind with `None`.
    pub(crate) fn on(
        &self,
        kind: Option<EventKind>,
        callback: impl Fn(&Event) + Send + Sync + 'static,
    ) -> CallbackId {
        let id = CallbackId(self.next_id.fetch_add(1, Ordering::Relaxed));
        lock(&self.callbacks).push((id, kind, Arc::new(callback)));
        id
    }

    /// Removes a callback; whether it was registered.
    pub(crate) fn remove(&self, id: CallbackId) -> bool {
        let mut callbacks = lock(&self.callbacks);
        let before = callbacks.len();
        callbacks.retain(|(registered, _, _)| *registered != id);
        callbacks.len() != before
    }

    /// Every queued event, oldest first, without waiting.
    pub(crate) fn drain(&self) -> Vec<Event> {
        lock(&self.queue).drain(..).collect()
    }

    /// The oldest queued event, without waiting.
    pub(crate) fn pop(&self) -> Option<Event> {
        lock(&self.queue).pop_front()
    }

    /// The oldest queued event, waiting for one.
    pub(crate) async fn next(&self) -> Event {
        loop {
            let arrived = self.arrived.notified();
            if let Some(event) = self.pop() {
                return event;
            }
            arrived.await;
        }
    }

    /// How many events were dropped because the queue was full.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    fn logged_out(code: &str) -> Event {
        Event::LoggedOut { code: code.into() }
    }

    #[test]
    fn the_queue_keeps_order_and_drops_the_oldest_when_full() {
        let inbox = Inbox::new(2);
        for code in ["a", "b", "c"] {
            inbox.deliver(logged_out(code));
        }
        assert_eq!(inbox.drain(), vec![logged_out("b"), logged_out("c")]);
        assert_eq!(inbox.dropped(), 1);
        assert_eq!(inbox.pop(), None);
    }

    #[test]
    fn callbacks_see_their_kind_only_and_can_be_removed() {
        let inbox = Inbox::new(0);
        let seen = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&seen);
        let id = inbox.on(Some(EventKind::LoggedOut), move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        inbox.deliver(logged_out("x"));
        inbox.deliver(Event::Disconnected {
            reason: "closed".into(),
            retry_in: None,
        });
        assert_eq!(seen.load(Ordering::Relaxed), 1);
        assert!(inbox.remove(id) && !inbox.remove(id));
        inbox.deliver(logged_out("y"));
        assert_eq!(seen.load(Ordering::Relaxed), 1);
        assert!(inbox.drain().is_empty(), "capacity 0 keeps no queue");
    }

    #[test]
    fn a_panicking_callback_does_not_stop_the_others() {
        let inbox = Inbox::new(4);
        inbox.on(None, |_| panic!("a game bug"));
        inbox.deliver(logged_out("x"));
        assert_eq!(inbox.drain(), vec![logged_out("x")]);
    }

    #[tokio::test]
    async fn next_waits_for_an_event_from_another_thread() {
        let inbox = Arc::new(Inbox::new(4));
        let sender = Arc::clone(&inbox);
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            sender.deliver(logged_out("late"));
        });
        assert_eq!(inbox.next().await, logged_out("late"));
    }
}
