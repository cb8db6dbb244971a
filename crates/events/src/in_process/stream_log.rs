//! One durable stream held in memory: the stored messages and, per durable name, what was
//! handed out and not yet acknowledged.
//!
//! Pure bookkeeping with time passed in, so the redelivery rules are tested without a clock.
//! The rules follow a JetStream durable pull consumer with explicit acks: a message goes to one
//! puller of a durable at a time; it is handed out again when its ack wait runs out or when it
//! is nacked; an ack removes it for that durable only. Messages are kept by the same limits
//! as the NATS streams (age and count), and a durable created later still receives them,
//! except that a message every existing durable has acknowledged is dropped once it is older
//! than [`KEEP_ACKNOWLEDGED`]. That is where this log differs from JetStream, on purpose: in one
//! process every durable is opened when its role starts (well within that time), nothing
//! outlives the process, and a node under load must not hold a week of events in memory.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Duration;

use tokio::time::Instant;

use crate::PublishReceipt;
use crate::name::{STREAM_MAX_AGE, STREAM_MAX_MESSAGES};

/// How long a message every durable has acknowledged is still kept, for durables opened later.
pub(crate) const KEEP_ACKNOWLEDGED: Duration = Duration::from_secs(60);

/// How long a message id is remembered for deduplication (the JetStream default window).
pub(crate) const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

/// A message handed to one consumer of a durable.
#[derive(Debug, Clone)]
pub(crate) struct Handout {
    pub(crate) sequence: u64,
    pub(crate) token: u64,
    pub(crate) attempt: u64,
    pub(crate) key: String,
    pub(crate) payload: Vec<u8>,
    pub(crate) traceparent: Option<String>,
}

/// What a pull found.
#[derive(Debug)]
pub(crate) enum Pull {
    /// A message to process.
    Ready(Handout),
    /// Nothing now; something may become due at this instant (an ack wait running out).
    Idle(Option<Instant>),
}

#[derive(Debug)]
struct Stored {
    at: Instant,
    key: String,
    payload: Vec<u8>,
    traceparent: Option<String>,
}

#[derive(Debug)]
struct InFlight {
    attempts: u64,
    due: Instant,
    token: u64,
}

#[derive(Debug)]
struct Cursor {
    ack_wait: Duration,
    /// The first sequence never handed out to this durable.
    next: u64,
    /// Handed out and not acknowledged, by sequence.
    in_flight: BTreeMap<u64, InFlight>,
}

/// The messages of one stream and the progress of each durable on it.
#[derive(Debug)]
pub(crate) struct StreamLog {
    /// Sequence of `messages[0]`; sequences start at 1 like JetStream's.
    first: u64,
    messages: VecDeque<Stored>,
    recent_ids: HashMap<String, u64>,
    recent_order: VecDeque<(Instant, String)>,
    durables: HashMap<String, Cursor>,
    next_token: u64,
}

impl Default for StreamLog {
    fn default() -> Self {
        Self {
            first: 1,
            messages: VecDeque::new(),
            recent_ids: HashMap::new(),
            recent_order: VecDeque::new(),
            durables: HashMap::new(),
            next_token: 1,
        }
    }
}

impl StreamLog {
    fn end(&self) -> u64 {
        self.first + self.messages.len() as u64
    }

    /// Stores a message unless `msg_id` was stored within the duplicate window.
    pub(crate) fn append(
        &mut self,
        key: &str,
        payload: Vec<u8>,
        msg_id: Option<&str>,
        traceparent: Option<&str>,
        now: Instant,
    ) -> PublishReceipt {
        while let Some((at, _)) = self.recent_order.front() {
            if now.saturating_duration_since(*at) < DUPLICATE_WINDOW {
                break;
            }
            if let Some((_, id)) = self.recent_order.pop_front() {
                self.recent_ids.remove(&id);
            }
        }
        if self.recent_ids.capacity() > 1024
            && self.recent_ids.len() < self.recent_ids.capacity() / 4
        {
            self.recent_ids.shrink_to_fit();
            self.recent_order.shrink_to_fit();
        }
        if let Some(id) = msg_id
            && let Some(&sequence) = self.recent_ids.get(id)
        {
            return PublishReceipt {
                sequence,
                duplicate: true,
            };
        }
        let sequence = self.end();
        self.messages.push_back(Stored {
            at: now,
            key: key.to_owned(),
            payload,
            traceparent: traceparent.map(str::to_owned),
        });
        if let Some(id) = msg_id {
            self.recent_ids.insert(id.to_owned(), sequence);
            self.recent_order.push_back((now, id.to_owned()));
        }
        self.enforce_limits(now);
        PublishReceipt {
            sequence,
            duplicate: false,
        }
    }

    /// Creates the durable if it is new: it starts at the oldest stored message.
    /// An existing durable keeps its progress and its ack wait.
    pub(crate) fn open(&mut self, durable: &str, ack_wait: Duration) {
        let first = self.first;
        self.durables
            .entry(durable.to_owned())
            .or_insert_with(|| Cursor {
                ack_wait,
                next: first,
                in_flight: BTreeMap::new(),
            });
    }

    /// Hands out the next message for `durable`: first an overdue one (ack wait ran out or
    /// nacked), oldest first, then the next never-delivered one.
    pub(crate) fn pull(&mut self, durable: &str, now: Instant) -> Pull {
        self.enforce_limits(now);
        let end = self.end();
        let first = self.first;
        let token = self.next_token;
        let Some(cursor) = self.durables.get_mut(durable) else {
            return Pull::Idle(None);
        };
        // Messages dropped by the limits are skipped, as JetStream does.
        cursor.next = cursor.next.max(first);
        cursor.in_flight = cursor.in_flight.split_off(&first);
        let overdue = cursor
            .in_flight
            .iter()
            .find(|(_, f)| f.due <= now)
            .map(|(seq, _)| *seq);
        let (sequence, attempt) = if let Some(seq) = overdue {
            let flight = cursor
                .in_flight
                .get_mut(&seq)
                .expect("BUG: overdue sequence was just found in flight");
            flight.attempts += 1;
            flight.due = now + cursor.ack_wait;
            flight.token = token;
            (seq, flight.attempts)
        } else if cursor.next < end {
            let seq = cursor.next;
            cursor.next += 1;
            cursor.in_flight.insert(
                seq,
                InFlight {
                    attempts: 1,
                    due: now + cursor.ack_wait,
                    token,
                },
            );
            (seq, 1)
        } else {
            return Pull::Idle(cursor.in_flight.values().map(|f| f.due).min());
        };
        self.next_token += 1;
        let index = usize::try_from(sequence - first)
            .expect("BUG: an in-flight message is never pruned from the stream");
        let stored = &self.messages[index];
        Pull::Ready(Handout {
            sequence,
            token,
            attempt,
            key: stored.key.clone(),
            payload: stored.payload.clone(),
            traceparent: stored.traceparent.clone(),
        })
    }

    /// How many stored messages `durable` has not acknowledged: never handed out, or handed
    /// out and not acknowledged (messages dropped by the limits no longer count).
    pub(crate) fn unacknowledged(&self, durable: &str) -> u64 {
        let Some(cursor) = self.durables.get(durable) else {
            return 0;
        };
        let end = self.end();
        let never_handed_out = end.saturating_sub(cursor.next.max(self.first));
        let in_flight = cursor.in_flight.range(self.first..).count() as u64;
        never_handed_out + in_flight
    }

    /// Acknowledges `sequence` for `durable` (whichever delivery of it acks).
    pub(crate) fn ack(&mut self, durable: &str, sequence: u64) {
        if let Some(cursor) = self.durables.get_mut(durable) {
            cursor.in_flight.remove(&sequence);
        }
    }

    /// Drops the oldest messages that every durable has acknowledged and that are older than
    /// [`KEEP_ACKNOWLEDGED`].
    fn drop_acknowledged(&mut self, now: Instant) {
        let needed = self
            .durables
            .values()
            .map(|c| c.in_flight.keys().next().map_or(c.next, |&s| s.min(c.next)))
            .min();
        let Some(needed) = needed else {
            return;
        };
        while self.first < needed
            && self
                .messages
                .front()
                .is_some_and(|m| now.saturating_duration_since(m.at) >= KEEP_ACKNOWLEDGED)
        {
            self.messages.pop_front();
            self.first += 1;
        }
        if self.messages.capacity() > 1024 && self.messages.len() < self.messages.capacity() / 4 {
            self.messages.shrink_to_fit();
        }
    }

    /// Makes `sequence` due again at `due`, if `token` is still its latest delivery (a stale
    /// nack must not take a message away from the consumer that holds it now).
    pub(crate) fn nack(&mut self, durable: &str, sequence: u64, token: u64, due: Instant) {
        if let Some(flight) = self
            .durables
            .get_mut(durable)
            .and_then(|c| c.in_flight.get_mut(&sequence))
            && flight.token == token
        {
            flight.due = due;
        }
    }

    /// Drops the oldest messages past the age or count limit, and those every durable is done
    /// with.
    fn enforce_limits(&mut self, now: Instant) {
        self.drop_acknowledged(now);
        while let Some(oldest) = self.messages.front() {
            let too_old = now.saturating_duration_since(oldest.at) >= STREAM_MAX_AGE;
            if !too_old && self.messages.len() <= STREAM_MAX_MESSAGES {
                break;
            }
            self.messages.pop_front();
            self.first += 1;
        }
    }

    /// How many messages are held (for tests of pruning).
    #[cfg(test)]
    fn stored(&self) -> usize {
        self.messages.len()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const WAIT: Duration = Duration::from_secs(30);

    fn ready(pull: Pull) -> Handout {
        match pull {
            Pull::Ready(h) => h,
            Pull::Idle(_) => panic!("expected a message"),
        }
    }

    #[test]
    fn unacknowledged_counts_what_was_never_handed_out_and_what_is_in_flight() {
        let now = Instant::now();
        let mut log = StreamLog::default();
        log.open("d", WAIT);
        assert_eq!(log.unacknowledged("d"), 0);
        for key in ["m1", "m2", "m3"] {
            log.append(key, b"x".to_vec(), None, None, now);
        }
        assert_eq!(log.unacknowledged("d"), 3);
        let first = ready(log.pull("d", now));
        assert_eq!(log.unacknowledged("d"), 3, "handed out is not acknowledged");
        log.ack("d", first.sequence);
        assert_eq!(log.unacknowledged("d"), 2);
        assert_eq!(
            log.unacknowledged("another"),
            0,
            "an unknown durable has no backlog"
        );
    }

    #[test]
    fn a_message_published_before_the_durable_exists_is_delivered_to_it() {
        let now = Instant::now();
        let mut log = StreamLog::default();
        log.append("m1", b"a".to_vec(), None, None, now);
        log.open("d", WAIT);
        let h = ready(log.pull("d", now));
        assert_eq!((h.sequence, h.attempt, h.key.as_str()), (1, 1, "m1"));
    }

    #[test]
    fn an_unacked_message_comes_back_once_its_ack_wait_runs_out() {
        let now = Instant::now();
        let mut log = StreamLog::default();
        log.open("d", WAIT);
        log.append("m1", b"a".to_vec(), None, None, now);
        ready(log.pull("d", now));
        assert!(matches!(log.pull("d", now), Pull::Idle(Some(due)) if due == now + WAIT));
        let h = ready(log.pull("d", now + WAIT));
        assert_eq!((h.sequence, h.attempt), (1, 2));
    }

    #[test]
    fn a_stale_nack_does_not_release_a_newer_delivery() {
        let now = Instant::now();
        let mut log = StreamLog::default();
        log.open("d", WAIT);
        log.append("m1", b"a".to_vec(), None, None, now);
        let first = ready(log.pull("d", now));
        let second = ready(log.pull("d", now + WAIT));
        log.nack("d", first.sequence, first.token, now + WAIT);
        assert!(matches!(log.pull("d", now + WAIT), Pull::Idle(_)));
        log.nack("d", second.sequence, second.token, now + WAIT);
        assert_eq!(ready(log.pull("d", now + WAIT)).attempt, 3);
    }

    #[test]
    fn a_message_every_durable_acknowledged_is_dropped_after_a_while() {
        let now = Instant::now();
        let mut log = StreamLog::default();
        log.append("m1", b"a".to_vec(), None, None, now);
        log.open("a", WAIT);
        log.open("b", WAIT);
        let h = ready(log.pull("a", now));
        log.ack("a", h.sequence);
        let later = now + KEEP_ACKNOWLEDGED;
        assert!(matches!(log.pull("a", later), Pull::Idle(_)));
        assert_eq!(log.stored(), 1, "b has not had it yet");
        let h = ready(log.pull("b", now));
        log.ack("b", h.sequence);
        // A durable opened soon after still gets it...
        log.open("c", WAIT);
        let h = ready(log.pull("c", now));
        log.ack("c", h.sequence);
        assert_eq!(log.stored(), 1);
        // ...and once everyone acknowledged it and it is old enough, it goes.
        assert!(matches!(log.pull("a", later), Pull::Idle(_)));
        assert_eq!(log.stored(), 0);
        assert_eq!(log.append("m2", vec![], None, None, later).sequence, 2);
        assert_eq!(ready(log.pull("b", later)).sequence, 2);
    }

    #[test]
    fn a_message_in_flight_is_kept_while_later_ones_are_acknowledged() {
        let now = Instant::now();
        let mut log = StreamLog::default();
        log.open("d", WAIT);
        for key in ["m1", "m2", "m3"] {
            log.append(key, vec![], None, None, now);
        }
        let first = ready(log.pull("d", now));
        for _ in 0..2 {
            let h = ready(log.pull("d", now));
            log.ack("d", h.sequence);
        }
        log.nack(
            "d",
            first.sequence,
            first.token,
            now + KEEP_ACKNOWLEDGED * 2,
        );
        let later = now + KEEP_ACKNOWLEDGED;
        assert!(matches!(log.pull("d", later), Pull::Idle(_)));
        assert_eq!(log.stored(), 3, "m1 is still in flight");
        log.ack("d", first.sequence);
        assert!(matches!(log.pull("d", later), Pull::Idle(_)));
        assert_eq!(log.stored(), 0);
    }

    #[test]
    fn messages_past_the_age_limit_are_dropped_and_skipped_even_in_flight() {
        let now = Instant::now();
        let mut log = StreamLog::default();
        log.open("d", WAIT);
        log.append("old", b"a".to_vec(), None, None, now);
        ready(log.pull("d", now));
        let later = now + STREAM_MAX_AGE;
        log.append("new", b"b".to_vec(), None, None, later);
        assert_eq!(log.stored(), 1);
        let h = ready(log.pull("d", later));
        assert_eq!((h.sequence, h.key.as_str(), h.attempt), (2, "new", 1));
        assert!(matches!(log.pull("d", later), Pull::Idle(Some(_))));
    }

    #[test]
    fn a_repeated_message_id_is_stored_once_within_the_window_only() {
        let now = Instant::now();
        let mut log = StreamLog::default();
        assert!(!log.append("k", vec![], Some("id"), None, now).duplicate);
        let again = log.append("k", vec![], Some("id"), None, now);
        assert!(again.duplicate);
        assert_eq!(again.sequence, 1);
        assert!(
            !log.append("k", vec![], Some("id"), None, now + DUPLICATE_WINDOW)
                .duplicate
        );
    }
}
