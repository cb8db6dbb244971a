//! Leases held in memory, with a fence counter per name that outlives each lease.

use std::collections::HashMap;

#[derive(Debug)]
struct Holding {
    holder: String,
    fence: u64,
    /// Microseconds on the memory clock; the lease is free once `now >= expires_at`.
    expires_at: u64,
}

#[derive(Debug, Default)]
struct Record {
    /// The last fence handed out for this name; never goes down, even when the lease lapses.
    last_fence: u64,
    holding: Option<Holding>,
}

impl Record {
    fn live(&mut self, now: u64) -> Option<&mut Holding> {
        if self.holding.as_ref().is_some_and(|h| now >= h.expires_at) {
            self.holding = None;
        }
        self.holding.as_mut()
    }
}

/// Lease name to its record. Records are kept after a lease lapses so fences keep increasing.
#[derive(Debug, Default)]
pub(crate) struct LeaseTable {
    records: HashMap<String, Record>,
}

impl LeaseTable {
    /// The fence of the lease `holder` now holds, or `None` when someone else holds it.
    pub(crate) fn acquire(
        &mut self,
        name: &str,
        holder: &str,
        ttl_us: u64,
        now: u64,
    ) -> Option<u64> {
        let record = self.records.entry(name.to_owned()).or_default();
        let expires_at = now.saturating_add(ttl_us);
        if let Some(held) = record.live(now) {
            if held.holder != holder {
                return None;
            }
            held.expires_at = expires_at;
            return Some(held.fence);
        }
        record.last_fence += 1;
        let fence = record.last_fence;
        record.holding = Some(Holding {
            holder: holder.to_owned(),
            fence,
            expires_at,
        });
        Some(fence)
    }

    /// Extends the lease when `holder` holds it with `fence`; true when extended.
    pub(crate) fn renew(
        &mut self,
        name: &str,
        holder: &str,
        fence: u64,
        ttl_us: u64,
        now: u64,
    ) -> bool {
        match self.held_by(name, holder, fence, now) {
            Some(held) => {
                held.expires_at = now.saturating_add(ttl_us);
                true
            }
            None => false,
        }
    }

    /// Frees the lease when `holder` holds it with `fence`; true when released.
    pub(crate) fn release(&mut self, name: &str, holder: &str, fence: u64, now: u64) -> bool {
        if self.held_by(name, holder, fence, now).is_none() {
            return false;
        }
        if let Some(record) = self.records.get_mut(name) {
            record.holding = None;
        }
        true
    }

    fn held_by(&mut self, name: &str, holder: &str, fence: u64, now: u64) -> Option<&mut Holding> {
        self.records
            .get_mut(name)?
            .live(now)
            .filter(|held| held.holder == holder && held.fence == fence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fence_keeps_rising_across_lapses_and_releases() {
        let mut table = LeaseTable::default();
        assert_eq!(table.acquire("b", "n1", 10, 0), Some(1));
        assert_eq!(table.acquire("b", "n2", 10, 5), None);
        assert_eq!(table.acquire("b", "n1", 10, 5), Some(1));
        assert_eq!(table.acquire("b", "n2", 10, 15), Some(2));
        assert!(table.release("b", "n2", 2, 16));
        assert_eq!(table.acquire("b", "n2", 10, 17), Some(3));
    }

    #[test]
    fn renewing_needs_the_current_holder_and_fence_before_expiry() {
        let mut table = LeaseTable::default();
        let fence = table.acquire("b", "n1", 10, 0).expect("free");
        assert!(!table.renew("b", "n1", fence + 1, 10, 5));
        assert!(!table.renew("b", "n2", fence, 10, 5));
        assert!(table.renew("b", "n1", fence, 10, 5));
        assert!(!table.renew("b", "n1", fence, 10, 15));
    }
}
