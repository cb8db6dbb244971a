//! [`Queues`]: the queues a node serves, by mode, from the validated settings.

use std::{collections::BTreeMap, sync::Arc};

use rally_engine::{Mode, QueueConfig, RatingSystem, RoleId};

use crate::settings::Settings;

/// The configured queues. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Queues {
    by_mode: Arc<BTreeMap<Mode, QueueConfig>>,
}

impl Queues {
    /// The queues of validated settings.
    pub fn from_settings(settings: &Settings) -> Self {
        let queues = settings
            .queue_configs()
            .expect("BUG: the settings were validated, queues included");
        Self {
            by_mode: Arc::new(queues.into_iter().collect()),
        }
    }

    /// The queue named `mode`.
    pub fn get(&self, mode: &str) -> Option<(Mode, &QueueConfig)> {
        self.by_mode
            .iter()
            .find(|(m, _)| m.as_str() == mode)
            .map(|(m, config)| (*m, config))
    }

    /// Every queue, by mode.
    pub fn iter(&self) -> impl Iterator<Item = (Mode, &QueueConfig)> {
        self.by_mode.iter().map(|(m, config)| (*m, config))
    }

    /// The rating system of the queue `mode` (Weng-Lin when no such queue is configured any
    /// more: a result of a retired queue is still rated).
    pub fn rating_system(&self, mode: &str) -> RatingSystem {
        self.get(mode)
            .map(|(_, config)| config.rating_system)
            .unwrap_or_default()
    }

    /// The shortest tick interval of any queue (the matchmaker's loop period).
    pub fn tick_interval_ms(&self) -> u64 {
        self.by_mode
            .values()
            .map(|c| c.tick_interval_ms)
            .min()
            .unwrap_or(1000)
            .max(10)
    }
}

/// A role's id in a queue, by name.
pub fn role_id(config: &QueueConfig, name: &str) -> Option<RoleId> {
    config
        .roles
        .iter()
        .position(|slot| slot.name == name)
        .and_then(|i| u8::try_from(i).ok())
        .map(RoleId)
}

/// The rating system's name on the wire.
pub fn rating_system_name(system: RatingSystem) -> &'static str {
    match system {
        RatingSystem::WengLin => "weng_lin",
        RatingSystem::Glicko2 => "glicko2",
        RatingSystem::Elo => "elo",
    }
}
