//! The queue settings: each queue's engine configuration (from the config file, or the two
//! example queues), the matchmaker's lease, and the queue's pushes and disconnect policy.

use std::time::Duration;

use rally_engine::{Mode, QueueConfig, Region};

use super::{MatchmakingSettings, Settings, SettingsError};

impl Settings {
    pub(super) fn validate_queues(&self) -> Result<(), SettingsError> {
        let invalid = |key: &str, why: &str| Err(SettingsError::Invalid(format!("`{key}`: {why}")));
        if !(2..=300).contains(&self.matchmaking.matchmaker_lease_s) {
            return invalid("matchmaker_lease_s", "must be between 2 and 300");
        }
        if !(1..=3600).contains(&self.matchmaking.queue_status_interval_s) {
            return invalid("queue_status_interval_s", "must be between 1 and 3600");
        }
        let queues = self.queue_configs()?;
        for name in &self.matchmaking.matchmaker_regions {
            let known = Region::new(name).is_ok_and(|region| {
                queues
                    .iter()
                    .any(|(_, config)| config.regions.contains(&region))
            });
            if !known {
                return invalid(
                    "matchmaker_regions",
                    &format!("`{name}` is not a region of any queue"),
                );
            }
        }
        Ok(())
    }

    /// Every queue by mode, validated: those of the config file (regions default to
    /// `regions`), or with none configured the examples `duel` (1v1, Glicko-2) and `squad`
    /// (5v5, Weng-Lin) in `regions`. A bad definition is named: `queues.<mode>`.
    pub fn queue_configs(&self) -> Result<Vec<(Mode, QueueConfig)>, SettingsError> {
        let regions = self
            .accounts
            .regions
            .iter()
            .map(|name| {
                Region::new(name).map_err(|e| {
                    SettingsError::Invalid(format!("`regions`: `{name}` is not a region name: {e}"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let configured: Vec<(String, QueueConfig)> = if self.matchmaking.queues.is_empty() {
            vec![
                ("duel".to_owned(), QueueConfig::duel(regions.clone())),
                (
                    "squad".to_owned(),
                    QueueConfig::five_vs_five(regions.clone()),
                ),
            ]
        } else {
            self.matchmaking
                .queues
                .iter()
                .map(|(name, config)| (name.clone(), config.clone()))
                .collect()
        };
        configured
            .into_iter()
            .map(|(name, mut config)| {
                let bad = |why: String| SettingsError::Invalid(format!("`queues.{name}`: {why}"));
                let mode = Mode::new(&name).map_err(|e| bad(e.to_string()))?;
                if config.regions.is_empty() {
                    config.regions = regions.clone();
                }
                config.validate().map_err(|e| bad(e.to_string()))?;
                Ok((mode, config))
            })
            .collect()
    }
}

impl MatchmakingSettings {
    /// Whether this node's matchmaker takes the buckets of `region`.
    pub fn takes_region(&self, region: Region) -> bool {
        self.matchmaker_regions.is_empty()
            || self
                .matchmaker_regions
                .iter()
                .any(|name| name == region.as_str())
    }

    /// How long a matchmaker's lease on a bucket lasts unless renewed.
    pub fn matchmaker_lease(&self) -> Duration {
        Duration::from_secs(self.matchmaker_lease_s)
    }

    /// How often searching players get `queue.status`.
    pub fn queue_status_interval(&self) -> Duration {
        Duration::from_secs(self.queue_status_interval_s)
    }
}
