//! Byte values with a TTL, expired lazily on access and swept now and then.

use std::collections::HashMap;

/// How many writes between sweeps of expired entries (keeps keys nobody reads from piling up).
const SWEEP_EVERY: u64 = 1024;

#[derive(Debug)]
struct Entry {
    value: Vec<u8>,
    /// Microseconds on the memory clock; the entry is gone once `now >= expires_at`.
    expires_at: u64,
}

/// Keys to values, each with its own deadline. Times are microseconds on the memory clock.
#[derive(Debug, Default)]
pub(crate) struct ValueMap {
    entries: HashMap<String, Entry>,
    writes: u64,
}

impl ValueMap {
    pub(crate) fn set(&mut self, key: &str, value: &[u8], ttl_us: u64, now: u64) {
        self.wrote(now);
        let expires_at = now.saturating_add(ttl_us);
        self.entries.insert(
            key.to_owned(),
            Entry {
                value: value.to_vec(),
                expires_at,
            },
        );
    }

    /// Sets the value only when the key is absent (or expired); true when it was set.
    pub(crate) fn set_if_absent(&mut self, key: &str, value: &[u8], ttl_us: u64, now: u64) -> bool {
        if self.live(key, now).is_some() {
            return false;
        }
        self.set(key, value, ttl_us, now);
        true
    }

    pub(crate) fn get(&mut self, key: &str, now: u64) -> Option<Vec<u8>> {
        self.live(key, now).map(|entry| entry.value.clone())
    }

    /// Removes the key; true when a live value was removed.
    pub(crate) fn delete(&mut self, key: &str, now: u64) -> bool {
        self.entries
            .remove(key)
            .is_some_and(|entry| now < entry.expires_at)
    }

    /// Removes the key only while its live value is `expected`; true when removed.
    pub(crate) fn delete_if(&mut self, key: &str, expected: &[u8], now: u64) -> bool {
        if self
            .live(key, now)
            .is_some_and(|entry| entry.value == expected)
        {
            self.entries.remove(key);
            return true;
        }
        false
    }

    /// Gives a live key a new TTL from now and returns its value; `None` when there is no
    /// live key.
    pub(crate) fn renew(&mut self, key: &str, ttl_us: u64, now: u64) -> Option<Vec<u8>> {
        let entry = self.live(key, now)?;
        entry.expires_at = now.saturating_add(ttl_us);
        Some(entry.value.clone())
    }

    /// Microseconds left to live, `None` when there is no live key.
    pub(crate) fn remaining_us(&mut self, key: &str, now: u64) -> Option<u64> {
        self.live(key, now).map(|entry| entry.expires_at - now)
    }

    /// The live entry for `key`, dropping it first when it has expired.
    fn live(&mut self, key: &str, now: u64) -> Option<&mut Entry> {
        if self
            .entries
            .get(key)
            .is_some_and(|entry| now >= entry.expires_at)
        {
            self.entries.remove(key);
        }
        self.entries.get_mut(key)
    }

    fn wrote(&mut self, now: u64) {
        self.writes = self.writes.wrapping_add(1);
        if self.writes.is_multiple_of(SWEEP_EVERY) {
            self.entries.retain(|_, entry| now < entry.expires_at);
            // Give back what a burst of keys took, once most of them are gone.
            if self.entries.capacity() > 4096 && self.entries.len() < self.entries.capacity() / 4 {
                self.entries.shrink_to_fit();
            }
        }
    }

    #[cfg(test)]
    fn stored(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_gone_exactly_when_its_ttl_has_passed() {
        let mut map = ValueMap::default();
        map.set("k", b"v", 100, 1_000);
        assert_eq!(map.get("k", 1_099), Some(b"v".to_vec()));
        assert_eq!(map.get("k", 1_100), None);
        assert!(!map.delete("k", 1_100));
    }

    #[test]
    fn set_if_absent_refuses_a_live_key_and_takes_an_expired_one() {
        let mut map = ValueMap::default();
        assert!(map.set_if_absent("k", b"a", 100, 0));
        assert!(!map.set_if_absent("k", b"b", 100, 50));
        assert!(map.set_if_absent("k", b"c", 100, 100));
        assert_eq!(map.get("k", 150), Some(b"c".to_vec()));
    }

    #[test]
    fn renew_extends_a_live_key_but_cannot_revive_a_dead_one() {
        let mut map = ValueMap::default();
        map.set("k", b"v", 100, 0);
        assert_eq!(map.renew("k", 1_000, 50).as_deref(), Some(&b"v"[..]));
        assert_eq!(map.remaining_us("k", 1_000), Some(50));
        assert_eq!(map.renew("k", 1_000, 1_050), None);
        assert_eq!(map.get("k", 1_050), None);
    }

    #[test]
    fn expired_keys_nobody_reads_are_swept_by_later_writes() {
        let mut map = ValueMap::default();
        for i in 0..SWEEP_EVERY {
            map.set(&format!("old{i}"), b"v", 10, 0);
        }
        for i in 0..SWEEP_EVERY {
            map.set(&format!("new{i}"), b"v", 10, 100);
        }
        assert_eq!(map.stored(), usize::try_from(SWEEP_EVERY).expect("small"));
    }
}
