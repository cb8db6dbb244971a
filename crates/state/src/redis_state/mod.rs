//! The Redis backend: one multiplexed connection that reconnects by itself, every round trip
//! bounded by a timeout, every key under a prefix.
//!
//! Key layout under the prefix `p`: `p` `v:` key for values, `p` `r:` key for rate-limit TATs,
//! `p` `z:` set for sorted sets, `p` `l:` name for a lease and `p` `lf:` name for its fence
//! counter. Multi-key scripts touch only one name's keys but do not use hash tags, so this
//! backend expects a single Redis (or a primary with replicas), not Redis Cluster.

mod lease;
mod ranking;
mod rate;
mod script;
mod values;

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::StateError;
use crate::redis_config::RedisConfig;

/// Shared ephemeral state on Redis.
pub(crate) struct RedisState {
    connection: ConnectionManager,
    prefix: String,
    timeout: Duration,
}

impl fmt::Debug for RedisState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisState")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisState {
    /// Prepares the connection without opening it; the first operation connects. Must run
    /// inside a Tokio runtime (the connection manager spawns its reconnect task there).
    pub(crate) fn lazy(config: &RedisConfig) -> Result<Self, StateError> {
        let client = redis::Client::open(config.url.as_str())
            .map_err(|err| StateError::Config(format!("redis url: {err}")))?;
        // No retry loop inside the manager: a failed connect fails the operation at once (so
        // readiness sees it), and the next operation starts a fresh attempt.
        let manager_config = ConnectionManagerConfig::new()
            .set_number_of_retries(0)
            .set_connection_timeout(Some(config.timeout))
            .set_response_timeout(Some(config.timeout));
        let connection = ConnectionManager::new_lazy_with_config(client, manager_config)
            .map_err(StateError::from)?;
        Ok(Self {
            connection,
            prefix: config.key_prefix.clone(),
            timeout: config.timeout,
        })
    }

    /// Round-trips a `PING` and says how long it took.
    ///
    /// Tries twice within one timeout: after Redis comes back, the first command only finds
    /// the old connection's failure and starts the reconnect, and readiness should not report
    /// Redis down for one more probe because of that.
    pub(crate) async fn ping(&self) -> Result<Duration, StateError> {
        let started = Instant::now();
        let attempt = async {
            let first = self.ping_once().await;
            match first {
                Err(err) if err.is_unavailable() => self.ping_once().await,
                other => other,
            }
        };
        tokio::time::timeout(self.timeout, attempt)
            .await
            .map_err(|_| StateError::timed_out(self.timeout))??;
        Ok(started.elapsed())
    }

    async fn ping_once(&self) -> Result<(), StateError> {
        let mut connection = self.connection.clone();
        let reply: String = redis::cmd("PING").query_async(&mut connection).await?;
        if reply == "PONG" {
            Ok(())
        } else {
            Err(StateError::Backend(format!(
                "unexpected PING reply {reply:?}"
            )))
        }
    }

    /// Runs one round trip on a clone of the connection, bounded by the timeout.
    async fn bounded<T, F, Fut>(&self, op: F) -> Result<T, StateError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        match tokio::time::timeout(self.timeout, op(self.connection.clone())).await {
            Ok(result) => result.map_err(StateError::from),
            Err(_) => Err(StateError::timed_out(self.timeout)),
        }
    }

    /// The Redis key for `name` in the keyspace `kind`.
    fn key(&self, kind: &str, name: &str) -> String {
        format!("{}{kind}:{name}", self.prefix)
    }
}
