//! One conformance suite for both event buses: every case runs against the in-process bus and
//! against NATS (RALLY_TEST_NATS_URL, default nats://127.0.0.1:4222, with JetStream).
//!
//! Each NATS case uses a fresh random prefix, so its streams and subjects are its own, and
//! deletes its streams at the end, also when it fails. An unreachable NATS fails the case.

#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::future::Future;
use std::time::Duration;

use rally_events::{ConsumerOptions, Delivery, Events, EventsError, Stream};
use tokio::time::Instant;

/// Generous bound for anything that should happen "soon" on a noisy machine.
const PATIENCE: Duration = Duration::from_secs(20);
/// The short ack wait used where a case waits for redelivery.
const SHORT_ACK_WAIT: Duration = Duration::from_secs(1);

fn nats_url() -> String {
    std::env::var("RALLY_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned())
}

fn unique_prefix() -> String {
    format!("rally_test_{}", uuid::Uuid::new_v4().simple())
}

async fn connect_nats() -> Events {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let url = nats_url();
    match Events::nats(&url, &unique_prefix()).await {
        Ok(events) => events,
        Err(e) => panic!(
            "NATS with JetStream is unreachable at RALLY_TEST_NATS_URL={url} ({e}); \
             start nats-server -js or point RALLY_TEST_NATS_URL at one"
        ),
    }
}

/// Which bus a case runs on.
#[derive(Debug, Clone, Copy)]
enum Bus {
    InProcess,
    Nats,
}

/// Runs `case` on a fresh bus, then deletes the bus's streams whether the case passed or not.
async fn run<F, Fut>(bus: Bus, case: F)
where
    F: FnOnce(Events) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let events = match bus {
        Bus::InProcess => Events::in_process(),
        Bus::Nats => connect_nats().await,
    };
    let outcome = tokio::spawn(case(events.clone())).await;
    if let Err(e) = events.delete_streams().await {
        eprintln!("cleanup: could not delete the test streams: {e}");
    }
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

fn options(ack_wait: Duration, poll_wait: Duration) -> ConsumerOptions {
    ConsumerOptions {
        ack_wait,
        poll_wait,
        batch: 1,
    }
}

/// Pulls until a message comes or PATIENCE runs out.
async fn next_within(consumer: &mut rally_events::Consumer) -> Delivery {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(delivery) = consumer.next().await.unwrap() {
            return delivery;
        }
        assert!(
            Instant::now() < deadline,
            "no message on {}/{} within {PATIENCE:?}",
            consumer.stream(),
            consumer.durable()
        );
    }
}

mod cases {
    use super::*;

    pub async fn an_acked_message_is_not_delivered_again(events: Events) {
        let receipt = events
            .publish_durable(Stream::MatchCreated, "match-1", b"one".to_vec(), None)
            .await
            .unwrap();
        assert!(!receipt.duplicate);
        let mut consumer = events
            .consumer(
                Stream::MatchCreated,
                "sessions",
                options(SHORT_ACK_WAIT, Duration::from_secs(1)),
            )
            .await
            .unwrap();
        let delivery = next_within(&mut consumer).await;
        assert_eq!(delivery.stream(), Stream::MatchCreated);
        assert_eq!(delivery.key(), "match-1");
        assert_eq!(delivery.payload(), b"one");
        assert_eq!(delivery.attempt(), 1);
        delivery.ack().await.unwrap();
        // Wait past several ack waits: an acked message must not come back.
        for _ in 0..3 {
            let again = consumer.next().await.unwrap();
            assert!(again.is_none(), "acked message came back: {again:?}");
        }
    }

    pub async fn an_unacked_message_is_redelivered_after_the_ack_wait(events: Events) {
        let mut consumer = events
            .consumer(
                Stream::MatchCompleted,
                "ratings",
                options(SHORT_ACK_WAIT, Duration::from_secs(1)),
            )
            .await
            .unwrap();
        events
            .publish_durable(Stream::MatchCompleted, "match-2", b"two".to_vec(), None)
            .await
            .unwrap();
        let first = next_within(&mut consumer).await;
        assert_eq!(first.attempt(), 1);
        let second = next_within(&mut consumer).await;
        assert_eq!(second.key(), "match-2");
        assert_eq!(second.payload(), b"two");
        assert_eq!(second.attempt(), 2);
        second.ack().await.unwrap();
    }

    pub async fn a_nacked_message_is_redelivered_before_its_ack_wait(events: Events) {
        // The ack wait outlasts the patience, so only the nack can bring the message back.
        let mut consumer = events
            .consumer(
                Stream::MatchCreated,
                "sessions",
                options(Duration::from_secs(120), Duration::from_secs(1)),
            )
            .await
            .unwrap();
        events
            .publish_durable(Stream::MatchCreated, "match-3", b"three".to_vec(), None)
            .await
            .unwrap();
        let first = next_within(&mut consumer).await;
        first.nack().await.unwrap();
        let second = next_within(&mut consumer).await;
        assert_eq!(second.payload(), b"three");
        assert_eq!(second.attempt(), 2);
        second.ack().await.unwrap();
    }

    pub async fn a_message_nacked_with_a_delay_waits_for_it(events: Events) {
        let mut consumer = events
            .consumer(
                Stream::SessionReady,
                "pushers",
                options(Duration::from_secs(120), Duration::from_secs(1)),
            )
            .await
            .unwrap();
        for key in ["slow", "quick"] {
            events
                .publish_durable(Stream::SessionReady, key, vec![], None)
                .await
                .unwrap();
        }
        let slow = next_within(&mut consumer).await;
        assert_eq!(slow.key(), "slow");
        slow.nack_after(Duration::from_secs(120)).await.unwrap();
        let quick = next_within(&mut consumer).await;
        assert_eq!(quick.key(), "quick");
        quick.nack_after(Duration::from_millis(500)).await.unwrap();
        let again = next_within(&mut consumer).await;
        assert_eq!((again.key(), again.attempt()), ("quick", 2));
        again.ack().await.unwrap();
        let early = consumer.next().await.unwrap();
        assert!(early.is_none(), "came back before its delay: {early:?}");
    }

    pub async fn consumers_of_one_durable_split_messages_without_sharing_any(events: Events) {
        const COUNT: usize = 20;
        for i in 0..COUNT {
            events
                .publish_durable(
                    Stream::SessionReady,
                    &format!("m{i}"),
                    i.to_string().into_bytes(),
                    None,
                )
                .await
                .unwrap();
        }
        let opts = options(Duration::from_secs(120), Duration::from_millis(500));
        let mut workers = Vec::new();
        for _ in 0..2 {
            let mut consumer = events
                .consumer(Stream::SessionReady, "pushers", opts)
                .await
                .unwrap();
            workers.push(tokio::spawn(async move {
                let mut got = Vec::new();
                let deadline = Instant::now() + PATIENCE;
                let mut idle = 0;
                while Instant::now() < deadline && idle < 3 {
                    match consumer.next().await.unwrap() {
                        Some(delivery) => {
                            idle = 0;
                            assert_eq!(delivery.attempt(), 1, "a message was handed out twice");
                            delivery.ack().await.unwrap();
                            got.push(delivery.key().to_owned());
                        }
                        None => idle += 1,
                    }
                }
                got
            }));
        }
        let mut all = Vec::new();
        for worker in workers {
            all.extend(worker.await.unwrap());
        }
        let distinct: HashSet<_> = all.iter().cloned().collect();
        assert_eq!(
            distinct.len(),
            all.len(),
            "a message reached both consumers: {all:?}"
        );
        let expected: HashSet<_> = (0..COUNT).map(|i| format!("m{i}")).collect();
        assert_eq!(distinct, expected);
    }

    pub async fn a_message_published_before_the_consumer_exists_is_delivered_to_it(events: Events) {
        events
            .publish_durable(Stream::MatchCreated, "early", b"early".to_vec(), None)
            .await
            .unwrap();
        let mut consumer = events
            .consumer(
                Stream::MatchCreated,
                "late",
                options(Duration::from_secs(120), Duration::from_secs(1)),
            )
            .await
            .unwrap();
        let delivery = next_within(&mut consumer).await;
        assert_eq!(delivery.payload(), b"early");
        delivery.ack().await.unwrap();
    }

    pub async fn each_durable_gets_every_message_of_its_stream_only(events: Events) {
        events
            .publish_durable(Stream::MatchCompleted, "m", b"done".to_vec(), None)
            .await
            .unwrap();
        let opts = options(Duration::from_secs(120), Duration::from_millis(500));
        for durable in ["ratings", "history"] {
            let mut consumer = events
                .consumer(Stream::MatchCompleted, durable, opts)
                .await
                .unwrap();
            let delivery = next_within(&mut consumer).await;
            assert_eq!(delivery.payload(), b"done");
            delivery.ack().await.unwrap();
        }
        let mut other = events
            .consumer(Stream::MatchCreated, "ratings", opts)
            .await
            .unwrap();
        let stray = other.next().await.unwrap();
        assert!(stray.is_none(), "a message crossed streams: {stray:?}");
    }

    pub async fn a_consumer_dropped_without_acking_leaves_the_message_to_the_next_one(
        events: Events,
    ) {
        let opts = options(SHORT_ACK_WAIT, Duration::from_secs(1));
        events
            .publish_durable(Stream::MatchCreated, "crash", b"crash".to_vec(), None)
            .await
            .unwrap();
        let mut doomed = events
            .consumer(Stream::MatchCreated, "sessions", opts)
            .await
            .unwrap();
        let taken = next_within(&mut doomed).await;
        assert_eq!(taken.attempt(), 1);
        drop(taken);
        drop(doomed);
        let mut survivor = events
            .consumer(Stream::MatchCreated, "sessions", opts)
            .await
            .unwrap();
        let delivery = next_within(&mut survivor).await;
        assert_eq!(delivery.payload(), b"crash");
        assert_eq!(delivery.attempt(), 2);
        delivery.ack().await.unwrap();
    }

    pub async fn a_message_carries_its_trace_context_to_the_consumer(events: Events) {
        let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        events
            .publish_traced(
                Stream::MatchCreated,
                "traced",
                b"t".to_vec(),
                Some("traced-1"),
                Some(traceparent),
            )
            .await
            .unwrap();
        events
            .publish_durable(Stream::MatchCreated, "plain", b"p".to_vec(), None)
            .await
            .unwrap();
        let mut consumer = events
            .consumer(
                Stream::MatchCreated,
                "sessions",
                options(Duration::from_secs(120), Duration::from_secs(1)),
            )
            .await
            .unwrap();
        let traced = next_within(&mut consumer).await;
        assert_eq!(traced.key(), "traced");
        assert_eq!(traced.traceparent(), Some(traceparent));
        traced.ack().await.unwrap();
        let plain = next_within(&mut consumer).await;
        assert_eq!(plain.key(), "plain");
        assert_eq!(plain.traceparent(), None);
        plain.ack().await.unwrap();
    }

    pub async fn a_repeated_message_id_is_stored_once(events: Events) {
        let first = events
            .publish_durable(Stream::MatchCreated, "k", b"a".to_vec(), Some("outbox-7"))
            .await
            .unwrap();
        let again = events
            .publish_durable(Stream::MatchCreated, "k", b"a".to_vec(), Some("outbox-7"))
            .await
            .unwrap();
        let other = events
            .publish_durable(Stream::MatchCreated, "k", b"b".to_vec(), Some("outbox-8"))
            .await
            .unwrap();
        assert!(!first.duplicate);
        assert!(again.duplicate);
        assert_eq!(again.sequence, first.sequence);
        assert!(!other.duplicate);
        let mut consumer = events
            .consumer(
                Stream::MatchCreated,
                "sessions",
                options(Duration::from_secs(120), Duration::from_secs(1)),
            )
            .await
            .unwrap();
        let mut payloads = Vec::new();
        while let Some(delivery) = consumer.next().await.unwrap() {
            delivery.ack().await.unwrap();
            payloads.push(delivery.payload().to_vec());
        }
        assert_eq!(payloads, vec![b"a".to_vec(), b"b".to_vec()]);
    }

    pub async fn fan_out_reaches_every_subscriber_of_the_subject_and_no_other(events: Events) {
        let mut first = events.subscribe("player.1").await.unwrap();
        let mut second = events.subscribe("player.1").await.unwrap();
        let mut elsewhere = events.subscribe("player.2").await.unwrap();
        events
            .publish("player.1", b"for one".to_vec())
            .await
            .unwrap();
        events
            .publish("player.2", b"for two".to_vec())
            .await
            .unwrap();
        for subscription in [&mut first, &mut second] {
            let message = tokio::time::timeout(PATIENCE, subscription.recv())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(message.subject, "player.1");
            assert_eq!(message.payload, b"for one");
        }
        // Messages from one publisher arrive in order, so player.1's would come first.
        let message = tokio::time::timeout(PATIENCE, elsewhere.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(message.subject, "player.2");
        assert_eq!(message.payload, b"for two");
    }

    pub async fn names_with_wildcards_or_dots_are_refused(events: Events) {
        let refused = |r: Result<(), EventsError>| {
            assert!(
                matches!(r, Err(EventsError::InvalidName { .. })),
                "accepted: {r:?}"
            );
        };
        refused(events.publish("player.*", vec![]).await);
        refused(events.subscribe("player.>").await.map(|_| ()));
        refused(
            events
                .publish_durable(Stream::MatchCreated, "a..b", vec![], None)
                .await
                .map(|_| ()),
        );
        refused(
            events
                .consumer(Stream::MatchCreated, "a.b", ConsumerOptions::default())
                .await
                .map(|_| ()),
        );
    }

    pub async fn a_batch_holds_at_most_its_size_and_every_message_once(events: Events) {
        for k in 0..7 {
            events
                .publish_durable(Stream::MatchCompleted, &format!("m-{k}"), vec![k], None)
                .await
                .unwrap();
        }
        let mut consumer = events
            .consumer(
                Stream::MatchCompleted,
                "ratings",
                ConsumerOptions {
                    batch: 3,
                    ..options(Duration::from_secs(30), Duration::from_secs(1))
                },
            )
            .await
            .unwrap();
        let mut seen = Vec::new();
        let mut largest = 0;
        let deadline = Instant::now() + PATIENCE;
        while seen.len() < 7 {
            assert!(
                Instant::now() < deadline,
                "only {seen:?} within {PATIENCE:?}"
            );
            let batch = consumer.next_batch().await.unwrap();
            largest = largest.max(batch.len());
            for delivery in batch {
                seen.push(delivery.payload()[0]);
                delivery.ack().await.unwrap();
            }
        }
        assert!(largest <= 3, "a batch of {largest} from a consumer of 3");
        seen.sort_unstable();
        assert_eq!(seen, (0..7).collect::<Vec<u8>>(), "each message once");
        assert!(
            consumer.next_batch().await.unwrap().is_empty(),
            "nothing is left after every message was acked"
        );
    }

    /// Polls the durable's backlog until it is `expected` or PATIENCE runs out (an ack reaches
    /// NATS a moment after the call that sent it).
    async fn backlog_becomes(consumer: &rally_events::Consumer, expected: u64) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let backlog = consumer.unacknowledged().await.unwrap();
            if backlog == expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the backlog stayed {backlog}, not {expected}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn a_durable_backlog_counts_every_message_until_it_is_acknowledged(events: Events) {
        let mut consumer = events
            .consumer(
                Stream::MatchCreated,
                "backlog",
                options(SHORT_ACK_WAIT, Duration::from_secs(1)),
            )
            .await
            .unwrap();
        backlog_becomes(&consumer, 0).await;
        for key in ["match-1", "match-2", "match-3"] {
            events
                .publish_durable(Stream::MatchCreated, key, b"m".to_vec(), None)
                .await
                .unwrap();
        }
        backlog_becomes(&consumer, 3).await;
        let delivery = next_within(&mut consumer).await;
        backlog_becomes(&consumer, 3).await;
        delivery.ack().await.unwrap();
        backlog_becomes(&consumer, 2).await;
    }

    pub async fn ping_answers_on_a_live_bus(events: Events) {
        events.ping().await.unwrap();
    }
}

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod in_process {
            $(
                #[tokio::test]
                async fn $case() {
                    super::run(super::Bus::InProcess, super::cases::$case).await;
                }
            )*
        }
        mod nats {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::run(super::Bus::Nats, super::cases::$case).await;
                }
            )*
        }
    };
}

conformance!(
    an_acked_message_is_not_delivered_again,
    an_unacked_message_is_redelivered_after_the_ack_wait,
    a_nacked_message_is_redelivered_before_its_ack_wait,
    a_message_nacked_with_a_delay_waits_for_it,
    consumers_of_one_durable_split_messages_without_sharing_any,
    a_message_published_before_the_consumer_exists_is_delivered_to_it,
    each_durable_gets_every_message_of_its_stream_only,
    a_consumer_dropped_without_acking_leaves_the_message_to_the_next_one,
    a_repeated_message_id_is_stored_once,
    a_message_carries_its_trace_context_to_the_consumer,
    fan_out_reaches_every_subscriber_of_the_subject_and_no_other,
    names_with_wildcards_or_dots_are_refused,
    a_batch_holds_at_most_its_size_and_every_message_once,
    a_durable_backlog_counts_every_message_until_it_is_acknowledged,
    ping_answers_on_a_live_bus,
);

#[tokio::test]
async fn nats_with_nothing_listening_fails_in_bounded_time_instead_of_hanging() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let attempt = tokio::time::timeout(
        PATIENCE,
        Events::nats(&format!("nats://127.0.0.1:{port}"), &unique_prefix()),
    )
    .await
    .expect("connecting to a closed port hung");
    assert!(
        matches!(attempt, Err(EventsError::Unavailable(_))),
        "connected to nothing: {attempt:?}"
    );
}

#[tokio::test]
async fn nats_refuses_a_prefix_that_is_not_one_token() {
    let attempt = Events::nats(&nats_url(), "rally.test").await;
    assert!(matches!(attempt, Err(EventsError::InvalidName { .. })));
}
