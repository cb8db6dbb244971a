//! An independent audit of a match against the queue's rules, as the issue states them.
//!
//! The engine does not call this; tests and the simulator do, so a bug in the search cannot
//! hide behind the same bug in its own check. It recomputes everything from the tickets as the
//! caller submitted them.

use std::collections::{HashMap, HashSet};

use crate::{
    config::QueueConfig,
    id::{Millis, TicketId},
    outcome::{Match, Team},
    pace::MAX_WIDENING_SPEED,
    separation::Separation,
    ticket::Ticket,
};

/// A ticket as it was submitted, and when.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// The ticket.
    pub ticket: Ticket,
    /// The `now` it was enqueued at.
    pub enqueued: Millis,
}

/// A broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The ticket concerned, if one.
    pub ticket: Option<TicketId>,
    /// Which rule.
    pub rule: &'static str,
}

const SLACK: f64 = 1e-9;

/// Checks one match; an empty result means every rule held.
#[must_use]
pub fn audit(
    config: &QueueConfig,
    submitted: &HashMap<TicketId, Submitted>,
    m: &Match,
) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut bad = |ticket, rule| out.push(Violation { ticket, rule });
    let team_size = usize::from(config.team_size);
    let teams: Vec<Team<'_>> = m.teams().collect();
    if teams.len() < usize::from(config.min_teams) || teams.len() > usize::from(config.teams) {
        bad(None, "team count outside min_teams..=teams");
    }
    if teams
        .iter()
        .zip(0u16..)
        .any(|(team, index)| team.players.iter().any(|p| p.team != index))
    {
        bad(
            None,
            "players are not grouped by team, numbered from 0 in order",
        );
    }
    if m.win_probabilities.len() != teams.len()
        || (m.win_probabilities.iter().sum::<f64>() - 1.0).abs() > 1e-6
    {
        bad(None, "win probabilities do not sum to 1 over the teams");
    }
    let q = m.quality;
    if [q.total, q.fairness, q.spread, q.latency, q.roles, q.parties]
        .iter()
        .any(|x| !(0.0..=1.0).contains(x))
    {
        bad(None, "a quality component is outside [0, 1]");
    }
    let Some(anchor) = submitted.get(&m.anchor) else {
        bad(Some(m.anchor), "the anchor is not a submitted ticket");
        return out;
    };
    let key = |t: &Ticket| config.ticket_rating(t.members.iter().map(|x| x.rating.mu));
    // A queue tuned to a target wait widens each bucket's limits (band, latency, fallback,
    // quality minimum) up to `MAX_WIDENING_SPEED` times as fast as the wall, by a history this
    // audit does not replay: those are checked at that bound. The maximum wait is exact.
    let stretch = |wait: u64| match config.target_wait_ms {
        None => wait,
        Some(_) => (wait as f64 * MAX_WIDENING_SPEED) as u64,
    };
    let anchor_wait = m.created_at.since(anchor.enqueued);
    let band = config.rating_band.at(stretch(anchor_wait));
    let anchor_key = key(&anchor.ticket);
    if q.total < config.min_quality.at(stretch(anchor_wait)) - SLACK {
        bad(Some(m.anchor), "quality below the anchor's minimum");
    }
    let mut seen = HashSet::new();
    for team in &teams {
        if team.players.len() != team_size {
            bad(None, "a team does not have exactly team_size players");
        }
        if !config.roles.is_empty() {
            for (r, slot) in config.roles.iter().enumerate() {
                let n = team
                    .players
                    .iter()
                    .filter(|p| p.role.is_some_and(|x| usize::from(x.0) == r))
                    .count();
                if n != usize::from(slot.count) {
                    bad(None, "a team's role composition is not the configured one");
                }
            }
        }
        for id in team.tickets() {
            if !seen.insert(id) {
                bad(Some(id), "a ticket appears twice");
            }
            let Some(s) = submitted.get(&id) else {
                bad(Some(id), "a matched ticket was never submitted");
                continue;
            };
            let placed: Vec<_> = team.players.iter().filter(|p| p.ticket == id).collect();
            if placed.len() != s.ticket.members.len()
                || !s
                    .ticket
                    .members
                    .iter()
                    .all(|mem| placed.iter().any(|p| p.player == mem.player))
            {
                bad(Some(id), "a party is split or incomplete");
            }
            for p in &placed {
                let member = s.ticket.members.iter().find(|x| x.player == p.player);
                if let (Some(member), false) = (member, config.roles.is_empty())
                    && !p.role.is_some_and(|r| member.roles.contains(r))
                {
                    bad(Some(id), "a player got a role they do not accept");
                }
            }
            let wait = m.created_at.since(s.enqueued);
            let mut lats = s.ticket.latencies.clone();
            lats.sort_by_key(|l| (l.ms, config.regions.iter().position(|r| *r == l.region)));
            let rank = lats.iter().position(|l| l.region == m.region);
            let fallback_open = config
                .region_fallback_after_ms
                .is_some_and(|a| stretch(wait) >= a);
            match rank {
                Some(0) => {}
                Some(1) if fallback_open => {}
                _ => bad(Some(id), "matched in a region that was not yet allowed"),
            }
            if let Some(l) = lats.iter().find(|l| l.region == m.region)
                && f64::from(l.ms) > config.latency_ms.at(stretch(wait)) + SLACK
            {
                bad(Some(id), "latency above the ticket's widened limit");
            }
            if (key(&s.ticket) - anchor_key).abs() > band + SLACK {
                bad(Some(id), "rating outside the anchor's widened band");
            }
            if wait >= config.max_wait_ms {
                bad(Some(id), "matched after its maximum wait");
            }
        }
    }
    for (ticket, rule) in blocked_together(config, submitted, m) {
        bad(Some(ticket), rule);
    }
    out
}

/// Tickets placed with a player one of their members must be kept apart from (either way):
/// in one match, or in one team where the queue keeps them only on opposite sides.
fn blocked_together(
    config: &QueueConfig,
    submitted: &HashMap<TicketId, Submitted>,
    m: &Match,
) -> Vec<(TicketId, &'static str)> {
    let mut out = Vec::new();
    for a in &m.players {
        let Some(s) = submitted.get(&a.ticket) else {
            continue;
        };
        for b in &m.players {
            if a.ticket == b.ticket || !s.ticket.avoid.contains(&b.player) {
                continue;
            }
            match config.separation {
                Separation::Match => {
                    out.push((a.ticket, "players kept apart are in the same match"));
                }
                Separation::Team if a.team == b.team => {
                    out.push((a.ticket, "players kept apart are on the same team"));
                }
                Separation::Team => {}
            }
        }
    }
    out
}
