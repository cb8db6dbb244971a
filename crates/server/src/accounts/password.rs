//! Password hashing with argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane), on a
//! blocking thread so a burst of logins never stalls the async runtime.
//!
//! Hashing is bounded: at most one hash per core runs at once, and at most
//! [`WAITING_PER_CORE`] per core wait for their turn (per node: [`Hasher`]). A registration burst past that is told
//! [`Busy`] (503 with `Retry-After`) at once instead of queueing for tens of seconds, and the
//! cores stay free for the rest of the API.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use tokio::sync::Semaphore;

/// Memory cost in KiB (OWASP password storage cheat sheet: at least 19 MiB).
const MEMORY_KIB: u32 = 19 * 1024;
/// Passes over memory.
const PASSES: u32 = 2;
/// Parallel lanes.
const LANES: u32 = 1;

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None)
        .expect("BUG: the OWASP argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes waiting for a core, per core, before more are refused.
pub const WAITING_PER_CORE: usize = 16;

/// Every core is hashing and the queue of hashes is full: try again shortly.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("password hashing is at capacity")]
pub struct Busy;

/// A node's password hashing: a permit per core, and a bound on the hashes waiting. Cheap to
/// clone; clones share the capacity.
#[derive(Debug, Clone)]
pub struct Hasher {
    capacity: Arc<Capacity>,
}

#[derive(Debug)]
struct Capacity {
    running: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
}

/// One hash waiting for a core; counted out when dropped.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Hasher {
    /// Room for `running` hashes at once and `max_waiting` more waiting.
    pub fn new(running: usize, max_waiting: usize) -> Self {
        Self {
            capacity: Arc::new(Capacity {
                running: Arc::new(Semaphore::new(running.max(1))),
                waiting: AtomicUsize::new(0),
                max_waiting,
            }),
        }
    }

    /// One hash per core of this machine, [`WAITING_PER_CORE`] per core waiting.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        Self::new(cores, cores * WAITING_PER_CORE)
    }

    /// Runs `work` on a blocking thread once a core is free, or fails with [`Busy`] at once
    /// when too many already wait.
    async fn bounded<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let capacity = &self.capacity;
        if capacity.waiting.fetch_add(1, Ordering::SeqCst) >= capacity.max_waiting {
            capacity.waiting.fetch_sub(1, Ordering::SeqCst);
            metrics::counter!("rally_password_hashes_refused_total").increment(1);
            return Err(Busy.into());
        }
        // Counted out however the wait ends: with a permit, or dropped (a client gone).
        let waiting = Waiting(&capacity.waiting);
        let permit = capacity
            .running
            .clone()
            .acquire_owned()
            .await
            .expect("BUG: the hashing semaphore is never closed");
        drop(waiting);
        // The permit goes with the work, so a request dropped mid-hash frees no core early.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await?
    }

    /// Hashes a password with a fresh random salt; returns the PHC string to store.
    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        self.bounded(move || {
            argon2()
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
                .map_err(|error| anyhow::anyhow!("argon2 hashing failed: {error}"))
        })
        .await
    }

    /// Whether `password` matches the stored PHC string `hash`.
    pub async fn verify(&self, password: String, hash: String) -> anyhow::Result<bool> {
        self.bounded(move || {
            Ok(argon2()
                .verify_password(password.as_bytes(), hash.as_str())
                .is_ok())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_dropped_while_waiting_gives_its_place_back() {
        let hasher = Hasher::new(1, 1);
        let first = tokio::spawn({
            let hasher = hasher.clone();
            async move { hasher.hash("correct horse battery".into()).await }
        });
        tokio::task::yield_now().await;
        // Waits behind the first, then is dropped (its client went away).
        let waiting = hasher.hash("second horse battery".into());
        let dropped = tokio::time::timeout(std::time::Duration::from_millis(1), waiting).await;
        drop(dropped);
        first.await.expect("joins").expect("hashes");
        assert_eq!(hasher.capacity.waiting.load(Ordering::SeqCst), 0);
        hasher
            .hash("third horse battery".into())
            .await
            .expect("room again");
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_no_other() {
        let hasher = Hasher::for_this_machine();
        let hash = hasher
            .hash("correct horse battery".into())
            .await
            .expect("hashes");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            hasher
                .verify("correct horse battery".into(), hash.clone())
                .await
                .expect("verifies")
        );
        assert!(
            !hasher
                .verify("wrong horse battery".into(), hash)
                .await
                .expect("verifies")
        );
    }
}
