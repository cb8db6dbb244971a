//! The three backends of a node, built from the settings: durable data (`store`), shared
//! ephemeral state (`state`) and events (`events`), each embedded or networked.

use std::time::Duration;

use anyhow::Context;
use rally_clock::Clock;
use rally_events::Events;
use rally_protocol::{BackendHealth, Readiness};
use rally_state::{RedisConfig, State};
use rally_store::{Backend, Store};

use crate::settings::Settings;

/// A node's backends. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Backends {
    /// Players, parties, tickets, matches, ratings, the outbox.
    pub store: Store,
    /// Rate limits, presence, heartbeats, leaderboard ranks, leases.
    pub state: State,
    /// Durable streams between roles and per-player pushes.
    pub events: Events,
}

impl Backends {
    /// Connects to every backend the settings name (the embedded ones otherwise), the store
    /// and the embedded state reading their time from `clock`.
    pub async fn connect(settings: &Settings, clock: &Clock) -> anyhow::Result<Self> {
        let database = settings.database();
        let store = Store::connect_with_wait(database.expose(), settings.backend_timeout())
            .await
            .with_context(|| format!("cannot open the store at {database}"))?
            .with_clock(clock.clone())
            .with_queue_bound(settings.store_queue());
        let state = match &settings.node.redis_url {
            Some(url) => State::connect_redis(
                RedisConfig::new(url.expose())
                    .key_prefix(settings.node.namespace.as_str())
                    .timeout(settings.backend_timeout()),
            )
            .await
            .with_context(|| format!("cannot connect to Redis at {url}"))?,
            None => State::memory_on(clock.clone()),
        };
        let events = match &settings.node.nats_url {
            Some(url) => Events::nats(url.expose(), &settings.node.namespace)
                .await
                .with_context(|| format!("cannot connect to NATS at {url}"))?,
            None => Events::in_process(),
        };
        Ok(Self {
            store,
            state,
            events,
        })
    }

    /// The name of each backend's implementation, in the order store, state, events.
    pub fn names(&self) -> [&'static str; 3] {
        let store = match self.store.backend() {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        [
            store,
            self.state.kind().as_str(),
            self.events.backend_name(),
        ]
    }

    /// Checks every backend at once, each within `timeout`: per backend its role (`store`,
    /// `state`, `events`), its implementation's name, and how long it took to answer.
    pub async fn checks(&self, timeout: Duration) -> [BackendCheck; 3] {
        let (store, state, events) = tokio::join!(
            check(timeout, self.store.ping()),
            check(timeout, self.state.ping()),
            check(timeout, self.events.ping()),
        );
        let [store_name, state_name, events_name] = self.names();
        [
            BackendCheck {
                role: "store",
                name: store_name,
                answer: store,
            },
            BackendCheck {
                role: "state",
                name: state_name,
                answer: state,
            },
            BackendCheck {
                role: "events",
                name: events_name,
                answer: events,
            },
        ]
    }

    /// Checks every backend at once, each within `timeout`, as `/readyz` answers (and records
    /// the answers in the metrics, as the node's own checks do).
    pub async fn readiness(&self, timeout: Duration) -> Readiness {
        let backends: Vec<BackendHealth> = self
            .checks(timeout)
            .await
            .into_iter()
            .inspect(crate::telemetry::backend_watch::record)
            .map(|check| BackendHealth {
                role: check.role.to_owned(),
                name: check.name.to_owned(),
                ok: check.answer.is_ok(),
                latency_ms: check
                    .answer
                    .as_ref()
                    .ok()
                    .map(|latency| latency.as_secs_f64() * 1000.0),
                error: check.answer.err(),
            })
            .collect();
        let status = if backends.iter().all(|b| b.ok) {
            "ready"
        } else {
            "unavailable"
        };
        Readiness {
            status: status.to_owned(),
            backends,
        }
    }
}

/// One backend's answer to a check.
#[derive(Debug, Clone)]
pub struct BackendCheck {
    /// What it does for Rally: `store`, `state` or `events`.
    pub role: &'static str,
    /// Its implementation: `sqlite`, `postgres`, `memory`, `redis`, `in-process` or `nats`.
    pub name: &'static str,
    /// How long it took to answer, or why it did not.
    pub answer: Result<Duration, String>,
}

async fn check<E: std::fmt::Display>(
    timeout: Duration,
    ping: impl Future<Output = Result<Duration, E>>,
) -> Result<Duration, String> {
    match tokio::time::timeout(timeout, ping).await {
        Ok(Ok(latency)) => Ok(latency),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err(format!("no answer within {} ms", timeout.as_millis())),
    }
}
