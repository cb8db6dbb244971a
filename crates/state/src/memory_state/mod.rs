//! The in-memory backend: one process, the node's [`Clock`], a mutex per kind of data.
//!
//! Each operation takes one lock, does its work and lets go; no lock is held across an await
//! (nothing here is async). Expiry is lazy, on access, with a periodic sweep on writes so keys
//! nobody reads again do not pile up.

mod lease_table;
mod rates;
mod sorted_set;
mod values;

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rally_clock::Clock;

use crate::ranking::{Ranked, window};
use crate::rate::{Decision, Quota};

use lease_table::LeaseTable;
use rates::RateTable;
use sorted_set::SortedSet;
use values::ValueMap;

/// Shared ephemeral state held in this process.
#[derive(Debug)]
pub(crate) struct MemoryState {
    clock: Clock,
    values: Mutex<ValueMap>,
    rates: Mutex<RateTable>,
    sets: Mutex<HashMap<String, SortedSet>>,
    leases: Mutex<LeaseTable>,
}

/// Locks a mutex, carrying on after a panic elsewhere: every operation leaves its map
/// consistent before anything that could panic, so the data is still sound.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl MemoryState {
    pub(crate) fn new(clock: Clock) -> Self {
        Self {
            clock,
            values: Mutex::default(),
            rates: Mutex::default(),
            sets: Mutex::default(),
            leases: Mutex::default(),
        }
    }

    /// Microseconds on the clock's monotonic timer.
    fn now(&self) -> u64 {
        u64::try_from(self.clock.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    pub(crate) fn rate_limit(&self, key: &str, quota: Quota) -> Decision {
        let now = self.now();
        lock(&self.rates).check(key, quota, now)
    }

    pub(crate) fn set_with_ttl(&self, key: &str, value: &[u8], ttl_us: u64) {
        let now = self.now();
        lock(&self.values).set(key, value, ttl_us, now);
    }

    pub(crate) fn set_if_absent(&self, key: &str, value: &[u8], ttl_us: u64) -> bool {
        let now = self.now();
        lock(&self.values).set_if_absent(key, value, ttl_us, now)
    }

    pub(crate) fn get(&self, key: &str) -> Option<Vec<u8>> {
        let now = self.now();
        lock(&self.values).get(key, now)
    }

    pub(crate) fn delete(&self, key: &str) -> bool {
        let now = self.now();
        lock(&self.values).delete(key, now)
    }

    pub(crate) fn delete_if(&self, key: &str, expected: &[u8]) -> bool {
        let now = self.now();
        lock(&self.values).delete_if(key, expected, now)
    }

    pub(crate) fn renew(&self, key: &str, ttl_us: u64) -> Option<Vec<u8>> {
        let now = self.now();
        lock(&self.values).renew(key, ttl_us, now)
    }

    pub(crate) fn ttl(&self, key: &str) -> Option<Duration> {
        let now = self.now();
        lock(&self.values)
            .remaining_us(key, now)
            .map(Duration::from_micros)
    }

    pub(crate) fn zadd(&self, set: &str, member: &str, score: f64) -> bool {
        lock(&self.sets)
            .entry(set.to_owned())
            .or_default()
            .insert(member, score)
    }

    pub(crate) fn zrem(&self, set: &str, member: &str) -> bool {
        let mut sets = lock(&self.sets);
        let Some(entries) = sets.get_mut(set) else {
            return false;
        };
        let removed = entries.remove(member);
        if entries.is_empty() {
            sets.remove(set);
        }
        removed
    }

    pub(crate) fn zscore(&self, set: &str, member: &str) -> Option<f64> {
        lock(&self.sets).get(set)?.score(member)
    }

    pub(crate) fn rank(&self, set: &str, member: &str) -> Option<u64> {
        lock(&self.sets).get(set)?.rank(member)
    }

    pub(crate) fn range_by_rank(&self, set: &str, start: u64, stop: u64) -> Vec<Ranked> {
        lock(&self.sets)
            .get(set)
            .map(|s| s.range(start, stop))
            .unwrap_or_default()
    }

    pub(crate) fn around(&self, set: &str, member: &str, radius: u64) -> Vec<Ranked> {
        let sets = lock(&self.sets);
        let Some(entries) = sets.get(set) else {
            return Vec::new();
        };
        let Some(rank) = entries.rank(member) else {
            return Vec::new();
        };
        let (start, stop) = window(rank, radius);
        entries.range(start, stop)
    }

    pub(crate) fn card(&self, set: &str) -> u64 {
        lock(&self.sets).get(set).map_or(0, SortedSet::len)
    }

    pub(crate) fn clear_set(&self, set: &str) -> bool {
        lock(&self.sets).remove(set).is_some()
    }

    pub(crate) fn acquire_lease(&self, name: &str, holder: &str, ttl_us: u64) -> Option<u64> {
        let now = self.now();
        lock(&self.leases).acquire(name, holder, ttl_us, now)
    }

    pub(crate) fn renew_lease(&self, name: &str, holder: &str, fence: u64, ttl_us: u64) -> bool {
        let now = self.now();
        lock(&self.leases).renew(name, holder, fence, ttl_us, now)
    }

    pub(crate) fn release_lease(&self, name: &str, holder: &str, fence: u64) -> bool {
        let now = self.now();
        lock(&self.leases).release(name, holder, fence, now)
    }
}
