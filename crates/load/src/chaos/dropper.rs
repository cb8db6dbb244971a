//! A consumer that drops what it is given: it joins the sessions role's and the ratings role's
//! durables, takes its share of their events (new matches, accepted results) and neither
//! acknowledges nor refuses them, as a process that crashed or lost them between delivery and
//! ack would. JetStream must hand each one out again once its ack wait runs out, and the role
//! must then do its work exactly once: a session allocated once, a result rated once.

use std::time::Duration;

use anyhow::Context;
use rally_events::{Consumer, Events};
use rally_server::{bus::Reading, roles};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// The durables whose events the dropper takes.
const READINGS: [Reading; 2] = [roles::sessions::READING, roles::ratings::READING];

/// The longest time an event dropped by a [`Dropper`] waits before it is handed out again.
pub fn redelivery() -> Duration {
    READINGS
        .iter()
        .map(|r| r.options.ack_wait)
        .max()
        .unwrap_or_default()
}

/// A running dropper; [`Dropper::stop`] ends it.
#[derive(Debug)]
pub struct Dropper {
    stop: CancellationToken,
    tasks: JoinSet<u64>,
}

impl Dropper {
    /// Joins the durables on the NATS at `url` under `namespace` and starts dropping.
    pub async fn start(url: &str, namespace: &str) -> anyhow::Result<Dropper> {
        let events = Events::nats(url, namespace)
            .await
            .context("the dropper cannot reach NATS")?;
        let stop = CancellationToken::new();
        let mut tasks = JoinSet::new();
        for reading in READINGS {
            // The role's own options: NATS keeps a durable's first ones anyway.
            let consumer = events
                .consumer(reading.stream, reading.durable, reading.options)
                .await
                .with_context(|| format!("the dropper cannot join {}", reading.durable))?;
            tasks.spawn(drop_all(consumer, stop.clone()));
        }
        Ok(Dropper { stop, tasks })
    }

    /// Stops dropping; how many events were dropped.
    pub async fn stop(mut self) -> u64 {
        self.stop.cancel();
        let mut dropped = 0;
        while let Some(count) = self.tasks.join_next().await {
            dropped += count.unwrap_or(0);
        }
        dropped
    }
}

/// Takes deliveries until `stop` and lets each go unsettled; how many it took.
async fn drop_all(mut consumer: Consumer, stop: CancellationToken) -> u64 {
    let mut dropped = 0;
    loop {
        tokio::select! {
            () = stop.cancelled() => return dropped,
            next = consumer.next_batch() => match next {
                Ok(deliveries) => dropped += deliveries.len() as u64,
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            },
        }
    }
}
