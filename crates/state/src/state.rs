//! [`State`]: the one handle the server uses, whichever backend is behind it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rally_clock::Clock;

use crate::StateError;
use crate::lease::Lease;
use crate::memory_state::MemoryState;
use crate::ranking::{Ranked, checked_score};
use crate::rate::{Decision, Quota};
use crate::redis_config::RedisConfig;
use crate::redis_state::RedisState;

/// The most members one `ZADD` of [`State::zadd_all`] carries.
const ZADD_CHUNK: usize = 1000;

/// Which backend a [`State`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BackendKind {
    /// In this process.
    Memory,
    /// On Redis.
    Redis,
}

impl BackendKind {
    /// A short lowercase name for readiness reports and logs: `"memory"` or `"redis"`.
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Memory => "memory",
            BackendKind::Redis => "redis",
        }
    }
}

#[derive(Debug, Clone)]
enum Backend {
    Memory(Arc<MemoryState>),
    Redis(Arc<RedisState>),
}

/// Shared ephemeral state: rate limits, values with a TTL, leaderboard sorted sets and leases.
///
/// Cheap to clone (an `Arc` inside); clones share the same data. Every operation is atomic on
/// both backends. Keys, set names and lease names are free-form strings; the backends keep
/// values, rate limits, sorted sets and leases in separate keyspaces, so one name may be used
/// for several kinds without clashing.
///
/// TTLs are kept to the millisecond, rounded up; a zero TTL is refused.
#[derive(Debug, Clone)]
pub struct State {
    backend: Backend,
}

/// A TTL in whole milliseconds (rounded up, so never shorter than asked), zero refused.
fn ttl_ms(ttl: Duration) -> Result<u64, StateError> {
    let ms = u64::try_from(ttl.as_micros().div_ceil(1000))
        .map_err(|_| StateError::InvalidArgument("ttl is too long"))?;
    if ms == 0 {
        return Err(StateError::InvalidArgument("ttl must be positive"));
    }
    Ok(ms)
}

impl State {
    /// State held in this process: the embedded mode's backend, its expiry on the system
    /// clock.
    pub fn memory() -> State {
        State::memory_on(Clock::system())
    }

    /// State held in this process, its values, rate windows and leases expiring on `clock`
    /// (a test's manual clock makes them lapse when it is advanced, not by waiting).
    pub fn memory_on(clock: Clock) -> State {
        State {
            backend: Backend::Memory(Arc::new(MemoryState::new(clock))),
        }
    }

    /// State on Redis at `url`, every key under `key_prefix`, with the default timeout.
    /// Connects and pings first: fails with [`StateError::Unavailable`] (within the timeout)
    /// when Redis cannot be reached, and [`StateError::Config`] when the URL is bad.
    pub async fn redis(url: &str, key_prefix: &str) -> Result<State, StateError> {
        State::connect_redis(RedisConfig::new(url).key_prefix(key_prefix)).await
    }

    /// State on Redis per `config`, checked with a ping before it is returned.
    pub async fn connect_redis(config: RedisConfig) -> Result<State, StateError> {
        let state = State::redis_lazy(config).await?;
        state.ping().await?;
        Ok(state)
    }

    /// State on Redis per `config`, without connecting yet: the first operation connects.
    /// Lets a server start while Redis is down and report it through readiness instead.
    /// Fails only on a bad URL. Async only because it must run inside a Tokio runtime (the
    /// connection spawns its reconnect task there).
    pub async fn redis_lazy(config: RedisConfig) -> Result<State, StateError> {
        let redis = RedisState::lazy(&config)?;
        Ok(State {
            backend: Backend::Redis(Arc::new(redis)),
        })
    }

    /// Which backend this is.
    pub fn kind(&self) -> BackendKind {
        match self.backend {
            Backend::Memory(_) => BackendKind::Memory,
            Backend::Redis(_) => BackendKind::Redis,
        }
    }

    /// Checks the backend answers, and how long it took. On Redis this is a `PING` bounded by
    /// the configured timeout; it fails while Redis is down and succeeds again once Redis is
    /// back, without a new `State` (the connection reconnects by itself).
    pub async fn ping(&self) -> Result<Duration, StateError> {
        match &self.backend {
            Backend::Memory(_) => Ok(Duration::ZERO),
            Backend::Redis(r) => r.ping().await,
        }
    }

    /// Counts one request for `key` against `quota` (GCRA, see [`Quota`]) and says whether
    /// it may go ahead. A refused request is not counted. One round trip on Redis.
    pub async fn rate_limit(&self, key: &str, quota: Quota) -> Result<Decision, StateError> {
        match &self.backend {
            Backend::Memory(m) => Ok(m.rate_limit(key, quota)),
            Backend::Redis(r) => r.rate_limit(key, quota).await,
        }
    }

    /// Stores `value` under `key` for `ttl`, replacing any value and TTL it had.
    pub async fn set_with_ttl(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<(), StateError> {
        let ms = ttl_ms(ttl)?;
        match &self.backend {
            Backend::Memory(m) => {
                m.set_with_ttl(key, value, ms * 1000);
                Ok(())
            }
            Backend::Redis(r) => r.set_with_ttl(key, value, ms).await,
        }
    }

    /// Stores `value` under `key` for `ttl` only when `key` holds nothing; true when stored.
    /// For idempotency keys and "first one wins" claims.
    pub async fn set_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, StateError> {
        let ms = ttl_ms(ttl)?;
        match &self.backend {
            Backend::Memory(m) => Ok(m.set_if_absent(key, value, ms * 1000)),
            Backend::Redis(r) => r.set_if_absent(key, value, ms).await,
        }
    }

    /// The value under `key`, `None` when absent or expired.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StateError> {
        match &self.backend {
            Backend::Memory(m) => Ok(m.get(key)),
            Backend::Redis(r) => r.get(key).await,
        }
    }

    /// The values under `keys`, in their order, `None` where absent or expired: one round trip
    /// on Redis (`MGET`) however many, for a pass over every running session.
    pub async fn get_all(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, StateError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        match &self.backend {
            Backend::Memory(m) => Ok(keys.iter().map(|key| m.get(key)).collect()),
            Backend::Redis(r) => r.get_all(keys).await,
        }
    }

    /// Removes `key`; true when there was a live value.
    pub async fn delete(&self, key: &str) -> Result<bool, StateError> {
        match &self.backend {
            Backend::Memory(m) => Ok(m.delete(key)),
            Backend::Redis(r) => r.delete(key).await,
        }
    }

    /// Removes `key` only while its live value is `expected`, atomically; true when removed.
    /// For values several writers take turns at (presence: the node holding a player), so one
    /// writer's clean-up never removes another's value.
    pub async fn delete_if(&self, key: &str, expected: &[u8]) -> Result<bool, StateError> {
        match &self.backend {
            Backend::Memory(m) => Ok(m.delete_if(key, expected)),
            Backend::Redis(r) => r.delete_if(key, expected).await,
        }
    }

    /// Gives a live `key` a new TTL counted from now and returns its value (a heartbeat that
    /// also learns what it renewed); `None` when there is no live value, which is then not
    /// brought back. One round trip on Redis (`GETEX … PX`).
    pub async fn renew(&self, key: &str, ttl: Duration) -> Result<Option<Vec<u8>>, StateError> {
        let ms = ttl_ms(ttl)?;
        match &self.backend {
            Backend::Memory(m) => Ok(m.renew(key, ms * 1000)),
            Backend::Redis(r) => r.renew(key, ms).await,
        }
    }

    /// How long `key` has left to live, `None` when absent or expired.
    pub async fn ttl(&self, key: &str) -> Result<Option<Duration>, StateError> {
        match &self.backend {
            Backend::Memory(m) => Ok(m.ttl(key)),
            Backend::Redis(r) => r.ttl(key).await,
        }
    }

    /// Adds `member` to `set` with `score`, or moves it to `score`; true when it was new.
    /// A NaN score is refused.
    pub async fn zadd(&self, set: &str, member: &str, score: f64) -> Result<bool, StateError> {
        let score = checked_score(score)?;
        match &self.backend {
            Backend::Memory(m) => Ok(m.zadd(set, member, score)),
            Backend::Redis(r) => r.zadd(set, member, score).await,
        }
    }

    /// Adds each `(member, score)` of `members` to `set`, or moves it to its score, in as few
    /// round trips as the backend allows (one per thousand members on Redis). A NaN score
    /// is refused before anything is written.
    pub async fn zadd_all(&self, set: &str, members: &[(String, f64)]) -> Result<(), StateError> {
        let members = members
            .iter()
            .map(|(member, score)| Ok((member.as_str(), checked_score(*score)?)))
            .collect::<Result<Vec<_>, StateError>>()?;
        match &self.backend {
            Backend::Memory(m) => {
                for (member, score) in members {
                    m.zadd(set, member, score);
                }
                Ok(())
            }
            Backend::Redis(r) => {
                for chunk in members.chunks(ZADD_CHUNK) {
                    r.zadd_all(set, chunk).await?;
                }
                Ok(())
            }
        }
    }

    /// Removes `member` from `set`; true when it was there.
    pub async fn zrem(&self, set: &str, member: &str) -> Result<bool, StateError> {
        match &self.backend {
            Backend::Memory(m) => Ok(m.zrem(set, member)),
            Backend::Redis(r) => r.zrem(set, member).await,
        }
    }

    /// The score of `member` in `set`.
    pub async fn zscore(&self, set: &str, member: &str) -> Result<Option<f64>, StateError> {
        match &self.backend {
            Backend::Memory(m) => Ok(m.zscore(set, member)),
            Backend::Redis(r) => r.zscore(set, member).await,
        }
    }

    /// The rank of `member` in `set`: 0 for the highest score, ties ordered by member
    /// ascending (see [`Ranked`]).
    pub async fn rank(&self, set: &str, member: &str) -> Result<Option<u64>, StateError> {
        match &self.backend {
            Backend::Memory(m) => Ok(m.rank(set, member)),
            Backend::Redis(r) => r.rank(set, member).await,
        }
    }

    /// The members ranked `start` to `stop`, both inclusive, highest score first. Ranks past
    /// the end are left out; `stop < start` gives nothing.
    pub async fn range_by_rank(
        &self,
        set: &str,
        start: u64,
        stop: u64,
    ) -> Result<Vec<Ranked>, StateError> {
        match &self.backend {
            Backend::Memory(m) => Ok(m.range_by_rank(set, start, stop)),
            Backend::Redis(r) => r.range_by_rank(set, start, stop).await,
        }
    }

    /// `member` and up to `radius` members ranked either side of it, highest first; empty
    /// when `member` is not in `set`. Atomic: one consistent view of the set.
    pub async fn around(
        &self,
        set: &str,
        member: &str,
        radius: u64,
    ) -> Result<Vec<Ranked>, StateError> {
        match &self.backend {
            Backend::Memory(m) => Ok(m.around(set, member, radius)),
            Backend::Redis(r) => r.around(set, member, radius).await,
        }
    }

    /// How many members `set` has.
    pub async fn card(&self, set: &str) -> Result<u64, StateError> {
        match &self.backend {
            Backend::Memory(m) => Ok(m.card(set)),
            Backend::Redis(r) => r.card(set).await,
        }
    }

    /// Removes the whole `set` (for a rebuild); true when it existed.
    pub async fn clear_set(&self, set: &str) -> Result<bool, StateError> {
        match &self.backend {
            Backend::Memory(m) => Ok(m.clear_set(set)),
            Backend::Redis(r) => r.clear_set(set).await,
        }
    }

    /// Takes the lease `name` for `holder` for `ttl` when it is free (or lapsed), with a new,
    /// strictly greater fencing token; extends it, keeping its token, when `holder` already
    /// holds it; `None` when another holder has it. See [`Lease`].
    pub async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StateError> {
        let ms = ttl_ms(ttl)?;
        let sent = Instant::now();
        let fence = match &self.backend {
            Backend::Memory(m) => m.acquire_lease(name, holder, ms * 1000),
            Backend::Redis(r) => r.acquire_lease(name, holder, ms).await?,
        };
        Ok(fence.map(|fence| Lease {
            name: name.to_owned(),
            holder: holder.to_owned(),
            fence,
            ttl,
            valid_until: sent + ttl,
        }))
    }

    /// Extends the lease for `ttl` from now, only when `holder` still holds it with `fence`;
    /// false otherwise (it lapsed, or someone else took it): stop acting as its owner.
    pub async fn renew_lease(
        &self,
        name: &str,
        holder: &str,
        fence: u64,
        ttl: Duration,
    ) -> Result<bool, StateError> {
        let ms = ttl_ms(ttl)?;
        match &self.backend {
            Backend::Memory(m) => Ok(m.renew_lease(name, holder, fence, ms * 1000)),
            Backend::Redis(r) => r.renew_lease(name, holder, fence, ms).await,
        }
    }

    /// Frees the lease at once, only when `holder` holds it with `fence`; true when freed.
    pub async fn release_lease(
        &self,
        name: &str,
        holder: &str,
        fence: u64,
    ) -> Result<bool, StateError> {
        match &self.backend {
            Backend::Memory(m) => Ok(m.release_lease(name, holder, fence)),
            Backend::Redis(r) => r.release_lease(name, holder, fence).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ttl_rounds_up_to_whole_milliseconds_and_zero_is_refused() {
        assert_eq!(ttl_ms(Duration::from_micros(1)).expect("positive"), 1);
        assert_eq!(ttl_ms(Duration::from_micros(1_001)).expect("positive"), 2);
        assert!(ttl_ms(Duration::ZERO).is_err());
    }

    /// Handlers and spawned tasks need `Send` futures; this fails to compile otherwise.
    #[test]
    fn every_operation_gives_a_send_future() {
        fn send<T: Send>(_: T) {}
        let state = State::memory();
        let (ttl, quota) = (
            Duration::from_secs(1),
            Quota::new(1, Duration::from_secs(1)),
        );
        let quota = quota.expect("valid");
        send(state.ping());
        send(state.rate_limit("k", quota));
        send(state.set_with_ttl("k", b"v", ttl));
        send(state.set_if_absent("k", b"v", ttl));
        send(state.get("k"));
        send(state.delete("k"));
        send(state.renew("k", ttl));
        send(state.ttl("k"));
        send(state.zadd("s", "m", 1.0));
        send(state.zrem("s", "m"));
        send(state.zscore("s", "m"));
        send(state.rank("s", "m"));
        send(state.range_by_rank("s", 0, 1));
        send(state.around("s", "m", 1));
        send(state.card("s"));
        send(state.clear_set("s"));
        send(state.acquire_lease("l", "h", ttl));
        send(state.renew_lease("l", "h", 1, ttl));
        send(state.release_lease("l", "h", 1));
        send(State::redis("redis://127.0.0.1:1", "p:"));
        fn shared<T: Send + Sync + Clone + 'static>() {}
        shared::<State>();
    }
}
