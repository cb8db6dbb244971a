//! Builders shared by the engine's integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use rally_engine::{
    Member, Mode, PlayerId, QueueConfig, Rating, Region, RegionLatency, RoleId, RoleSet, Ticket,
    TicketId,
};

pub fn region(name: &str) -> Region {
    Region::new(name).unwrap()
}

pub fn mode() -> Mode {
    Mode::new("ranked").unwrap()
}

pub fn config() -> QueueConfig {
    QueueConfig::five_vs_five(vec![region("eu"), region("us")])
}

/// A ticket whose players have ids `id * 100 + i`, all rated `mu` (sigma 3), close to "eu".
pub fn ticket(id: u128, mus: &[f64]) -> Ticket {
    Ticket {
        id: TicketId(id),
        mode: mode(),
        members: mus
            .iter()
            .enumerate()
            .map(|(i, &mu)| Member::new(PlayerId(id * 100 + i as u128), Rating::new(mu, 3.0)))
            .collect(),
        latencies: vec![
            RegionLatency {
                region: region("eu"),
                ms: 30,
            },
            RegionLatency {
                region: region("us"),
                ms: 90,
            },
        ],
        avoid: Vec::new(),
    }
}

/// The same ticket with every member accepting the given roles.
pub fn with_roles(mut t: Ticket, roles: &[u8], preferred: Option<u8>) -> Ticket {
    let set = RoleSet::of(&roles.iter().map(|&r| RoleId(r)).collect::<Vec<_>>());
    for m in &mut t.members {
        m.roles = set;
        m.preferred = preferred.map(RoleId);
    }
    t
}
