//! A bucket, the unit a matchmaker owns: one region of one queue. Its lease in the state backend
//! is `matchmaker:<mode>:<region>`, and the store's epoch that fences its writes is kept under
//! `<mode>/<region>`.

use rally_engine::{Mode, QueueConfig, Region};

/// One region of one queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct Bucket {
    pub(super) mode: Mode,
    pub(super) region: Region,
}

impl Bucket {
    pub(super) fn new(mode: Mode, region: Region) -> Self {
        Self { mode, region }
    }

    /// The bucket's lease in the state backend.
    pub(super) fn lease_name(self) -> String {
        format!("matchmaker:{}:{}", self.mode.as_str(), self.region.as_str())
    }

    /// The name of the store's epoch that fences the bucket's writes.
    pub(super) fn fence_name(self) -> String {
        format!("{}/{}", self.mode.as_str(), self.region.as_str())
    }
}

impl std::fmt::Display for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.mode.as_str(), self.region.as_str())
    }
}

/// The region a ticket with these latencies is matched in first, as the engine chooses it: the
/// lowest latency, ties to the queue's earlier region. A ticket belongs to that region's
/// bucket (`None`: no region of the queue).
pub(super) fn home_region(config: &QueueConfig, latencies: &[(String, u16)]) -> Option<Region> {
    latencies
        .iter()
        .filter_map(|(name, ms)| {
            let index = config.regions.iter().position(|r| r.as_str() == name)?;
            Some((*ms, index))
        })
        .min()
        .map(|(_, index)| config.regions[index])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_belongs_to_its_lowest_latency_region_ties_to_the_earlier() {
        let (eu, na) = (Region::new("eu").unwrap(), Region::new("na").unwrap());
        let config = QueueConfig::duel(vec![eu, na]);
        let of = |pairs: &[(&str, u16)]| {
            let owned: Vec<(String, u16)> =
                pairs.iter().map(|(r, ms)| ((*r).to_owned(), *ms)).collect();
            home_region(&config, &owned)
        };
        assert_eq!(of(&[("eu", 80), ("na", 20)]), Some(na));
        assert_eq!(
            of(&[("na", 30), ("eu", 30)]),
            Some(eu),
            "a tie goes to the earlier"
        );
        assert_eq!(of(&[("mars", 1), ("na", 90)]), Some(na));
        assert_eq!(of(&[("mars", 1)]), None);
        let bucket = Bucket::new(Mode::new("duel").unwrap(), na);
        assert_eq!(
            (bucket.lease_name(), bucket.fence_name()),
            ("matchmaker:duel:na".to_owned(), "duel/na".to_owned())
        );
    }
}
