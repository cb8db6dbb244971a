//! The theoretical arrival times of rate-limited keys.

use std::collections::HashMap;

use crate::rate::{Decision, Quota, gcra_step};

/// How many checks between sweeps of keys whose TAT has passed.
const SWEEP_EVERY: u64 = 1024;

/// Key to TAT (microseconds on the memory clock). A TAT in the past means a full burst, so such
/// keys are dropped.
#[derive(Debug, Default)]
pub(crate) struct RateTable {
    tats: HashMap<String, u64>,
    checks: u64,
}

impl RateTable {
    pub(crate) fn check(&mut self, key: &str, quota: Quota, now: u64) -> Decision {
        self.checks = self.checks.wrapping_add(1);
        if self.checks.is_multiple_of(SWEEP_EVERY) {
            self.tats.retain(|_, tat| *tat > now);
            if self.tats.capacity() > 4096 && self.tats.len() < self.tats.capacity() / 4 {
                self.tats.shrink_to_fit();
            }
        }
        let tat = self.tats.get(key).copied().filter(|tat| *tat > now);
        let (decision, new_tat) = gcra_step(tat, now, quota);
        if let Some(new_tat) = new_tat {
            self.tats.insert(key.to_owned(), new_tat);
        }
        decision
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn keys_are_limited_independently() {
        let quota = Quota::new(1, Duration::from_secs(1)).expect("valid");
        let mut table = RateTable::default();
        assert!(table.check("a", quota, 0).allowed);
        assert!(!table.check("a", quota, 0).allowed);
        assert!(table.check("b", quota, 0).allowed);
        assert!(table.check("a", quota, 1_000_000).allowed);
    }
}
