//! The simulation: a population queuing, playing and queuing again, in virtual time.
//!
//! The clock is a number: events (a group coming online or back from a break, a game ending)
//! wait in a heap, and the engine is ticked every `tick_ms` of simulated time. A game's result
//! is drawn from hidden skill (each team's performance is its skill sum plus normal noise of
//! the Weng-Lin beta per player), ratings are updated with the engine's rating functions, and
//! the players queue again after an exponential break.

use std::{
    cmp::Reverse,
    collections::{BinaryHeap, HashMap},
    time::Instant,
};

use rally_engine::{
    Matchmaker, Millis, Mode, QueueConfig, Rating, RoleSlot, Ticket, TicketId,
    invariant::{Submitted, audit},
    rating::update,
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use rand_distr::{Distribution, Exp, Normal};

use crate::{
    args::SimulateArgs,
    population::{Population, REGION_NAMES},
    report::{
        LatencySummary, QualitySummary, Report, Scenario, Spread, TrendPoint, percentile, spearman,
    },
};

/// Why a simulation could not run.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    /// An argument is out of range.
    #[error("invalid argument `{0}`: {1}")]
    Argument(&'static str, &'static str),
    /// The engine refused the queue configuration.
    #[error(transparent)]
    Config(#[from] rally_engine::ConfigError),
}

/// Performance noise per player, in skill units (Weng-Lin's default beta).
const PERFORMANCE_BETA: f64 = 25.0 / 6.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Arrive(usize),
    GameEnds(usize),
}

struct Game {
    teams: Vec<Vec<usize>>,
    groups: Vec<usize>,
}

/// The queue the default scenario plays: 5v5, Weng-Lin, with or without roles.
#[must_use]
pub fn scenario_config(args: &SimulateArgs) -> QueueConfig {
    let regions = REGION_NAMES[..args.regions.clamp(1, REGION_NAMES.len())]
        .iter()
        .map(|n| rally_engine::Region::new(n).expect("BUG: simulator region names are valid"))
        .collect();
    let mut config = QueueConfig::five_vs_five(regions);
    config.tick_interval_ms = args.tick_ms;
    config.target_wait_ms = args.target_wait_s.map(|s| s * 1000);
    if let Some(parties) = args.party_weight {
        let weights = &mut config.quality_weights;
        let rest = (1.0 - weights.parties).max(f64::EPSILON);
        let scale = (1.0 - parties) / rest;
        weights.fairness *= scale;
        weights.spread *= scale;
        weights.latency *= scale;
        weights.roles *= scale;
        weights.parties = parties;
    }
    if !args.no_roles {
        config.roles = vec![
            RoleSlot {
                name: "tank".into(),
                count: 1,
            },
            RoleSlot {
                name: "healer".into(),
                count: 1,
            },
            RoleSlot {
                name: "damage".into(),
                count: 3,
            },
        ];
    }
    config
}

fn check(args: &SimulateArgs) -> Result<(), SimulateError> {
    if args.players < 10 {
        return Err(SimulateError::Argument("players", "at least 10"));
    }
    if args.regions == 0 || args.regions > REGION_NAMES.len() {
        return Err(SimulateError::Argument("regions", "between 1 and 8"));
    }
    if args.party_weight.is_some_and(|w| !(0.0..=1.0).contains(&w)) {
        return Err(SimulateError::Argument("party-weight", "between 0 and 1"));
    }
    if args.target_wait_s.is_some_and(|s| s == 0 || s >= 300) {
        return Err(SimulateError::Argument(
            "target-wait-s",
            "between 1 and 299 (the queue's maximum wait is 300 s)",
        ));
    }
    if !(0.0..=1.0).contains(&args.block_rate) {
        return Err(SimulateError::Argument("block-rate", "between 0 and 1"));
    }
    if args.tick_ms == 0 || args.game_s == 0 || args.break_s == 0 || args.ramp_s == 0 {
        return Err(SimulateError::Argument(
            "tick-ms/game-s/break-s/ramp-s",
            "must be positive",
        ));
    }
    Ok(())
}

/// After a game, each player blocks one of its other players (outside their party) with
/// chance `rate`; the blocks made.
fn block_after(pop: &mut Population, game: &Game, rate: f64, rng: &mut StdRng) -> u64 {
    if rate <= 0.0 {
        return 0;
    }
    let everyone: Vec<usize> = game.teams.iter().flatten().copied().collect();
    let mut made = 0;
    for &p in &everyone {
        if rng.random::<f64>() >= rate {
            continue;
        }
        let party = game
            .groups
            .iter()
            .map(|&g| &pop.groups[g].players)
            .find(|members| members.contains(&p));
        let others: Vec<usize> = everyone
            .iter()
            .copied()
            .filter(|q| *q != p && party.is_none_or(|m| !m.contains(q)))
            .collect();
        if let Some(&q) = others.get(rng.random_range(0..others.len().max(1))) {
            pop.block(p, q);
            made += 1;
        }
    }
    made
}

/// Spearman correlation of rating and hidden skill over the players who have played.
fn correlation(pop: &Population) -> f64 {
    let played = pop.players.iter().filter(|p| p.games > 0);
    let skill: Vec<f64> = played.clone().map(|p| p.true_skill).collect();
    let rating: Vec<f64> = played.map(|p| p.rating.mu).collect();
    spearman(&skill, &rating)
}

/// Runs the simulation and reports.
pub fn simulate(args: &SimulateArgs) -> Result<Report, SimulateError> {
    check(args)?;
    let wall = Instant::now();
    let mut rng = StdRng::seed_from_u64(args.seed);
    let config = scenario_config(args);
    let mode = Mode::new("ranked-5v5").expect("BUG: valid mode name");
    let mut mm = Matchmaker::new();
    mm.add_queue(mode, config.clone())?;
    let system = config.rating_system;
    let mut pop = Population::generate(args, system.initial(), &mut rng);
    let roles = !config.roles.is_empty();

    let mut events: BinaryHeap<Reverse<(u64, u64, Event)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut push = |events: &mut BinaryHeap<_>, at: u64, e: Event| {
        seq += 1;
        events.push(Reverse((at, seq, e)));
    };
    let ramp = Exp::<f64>::new(pop.groups.len() as f64 / (args.ramp_s as f64 * 1000.0))
        .expect("BUG: positive rate");
    let pause = Exp::<f64>::new(1.0 / (args.break_s as f64 * 1000.0)).expect("BUG: positive rate");
    let noise = Normal::<f64>::new(0.0, PERFORMANCE_BETA).expect("BUG: positive sd");
    let mut t = 0.0;
    for g in 0..pop.groups.len() {
        t += ramp.sample(&mut rng);
        push(&mut events, t as u64, Event::Arrive(g));
    }

    let mut tickets: HashMap<TicketId, (usize, Submitted)> = HashMap::new();
    let mut games: HashMap<usize, Game> = HashMap::new();
    let mut next_ticket = 0u128;
    let mut next_game = 0usize;
    let mut engine = std::time::Duration::ZERO;
    let (mut waits, mut qualities, mut latencies) = (Vec::new(), Vec::new(), Vec::new());
    let mut parts = [0.0f64; 5];
    let (mut fair, mut matches, mut players_matched, mut parties, mut timed_out, mut violations) =
        (0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
    let (mut full_premade, mut premade_meets_solo) = (0u64, 0u64);
    let mut blocks = 0u64;

    let end = args.duration_s * 1000;
    let checkpoints: Vec<u64> = (1..=4).map(|q| end * q / 4).collect();
    let mut trend = Vec::new();
    let mut now = 0;
    while now <= end {
        if checkpoints.get(trend.len()).is_some_and(|&c| now >= c) {
            trend.push((now / 1000, correlation(&pop)));
        }
        while let Some(Reverse((at, _, event))) = events.peek().copied() {
            if at > now {
                break;
            }
            events.pop();
            match event {
                Event::Arrive(g) => {
                    let ticket = Ticket {
                        id: TicketId(next_ticket),
                        mode,
                        members: pop.members(g, roles),
                        latencies: pop.latencies(g),
                        avoid: pop.avoid(g),
                    };
                    next_ticket += 1;
                    let submitted = Submitted {
                        ticket: ticket.clone(),
                        enqueued: Millis(at),
                    };
                    let started = Instant::now();
                    let accepted = mm.enqueue(ticket, Millis(at));
                    engine += started.elapsed();
                    if accepted.is_ok() {
                        tickets.insert(submitted.ticket.id, (g, submitted));
                    } else {
                        violations += 1;
                    }
                }
                Event::GameEnds(id) => {
                    let Some(game) = games.remove(&id) else {
                        continue;
                    };
                    let perf: Vec<f64> = game
                        .teams
                        .iter()
                        .map(|team| {
                            team.iter()
                                .map(|&p| pop.players[p].true_skill + noise.sample(&mut rng))
                                .sum()
                        })
                        .collect();
                    let ranks: Vec<usize> = perf
                        .iter()
                        .map(|x| perf.iter().filter(|y| *y > x).count())
                        .collect();
                    let ratings: Vec<Vec<Rating>> = game
                        .teams
                        .iter()
                        .map(|team| team.iter().map(|&p| pop.players[p].rating).collect())
                        .collect();
                    let updated = update(system, &ratings, &ranks);
                    for (team, new) in game.teams.iter().zip(updated) {
                        for (&p, r) in team.iter().zip(new) {
                            pop.players[p].rating = r;
                            pop.players[p].games += 1;
                        }
                    }
                    blocks += block_after(&mut pop, &game, args.block_rate, &mut rng);
                    for g in game.groups {
                        push(
                            &mut events,
                            now + pause.sample(&mut rng) as u64,
                            Event::Arrive(g),
                        );
                    }
                }
            }
        }
        let started = Instant::now();
        let out = mm.tick(Millis(now));
        engine += started.elapsed();
        for m in &out.matches {
            let submitted: HashMap<TicketId, Submitted> = m
                .tickets()
                .filter_map(|id| tickets.get(&id).map(|(_, s)| (id, s.clone())))
                .collect();
            violations += audit(&config, &submitted, m).len() as u64;
            matches += 1;
            qualities.push(m.quality.total);
            for (acc, x) in parts.iter_mut().zip([
                m.quality.fairness,
                m.quality.spread,
                m.quality.latency,
                m.quality.roles,
                m.quality.parties,
            ]) {
                *acc += x;
            }
            if m.win_probabilities
                .iter()
                .all(|p| (0.45..=0.55).contains(p))
            {
                fair += 1;
            }
            // A full premade (a team that is one party) and whether it met a team of solos.
            let size_of =
                |ticket: TicketId| submitted.get(&ticket).map_or(1, |s| s.ticket.members.len());
            let premade = m.teams().any(|t| {
                t.players
                    .first()
                    .is_some_and(|p| size_of(p.ticket) == t.players.len() && t.players.len() > 1)
            });
            if premade {
                full_premade += 1;
                if m.teams()
                    .any(|t| t.players.iter().all(|p| size_of(p.ticket) == 1))
                {
                    premade_meets_solo += 1;
                }
            }
            let mut groups = Vec::new();
            for id in m.tickets() {
                let Some((g, s)) = tickets.remove(&id) else {
                    violations += 1;
                    continue;
                };
                waits.push(now.saturating_sub(s.enqueued.0) as f64 / 1000.0);
                if s.ticket.members.len() > 1 {
                    parties += 1;
                }
                groups.push(g);
            }
            for p in m.players() {
                latencies.push(f64::from(p.latency_ms));
                players_matched += 1;
            }
            let teams = m
                .teams()
                .map(|t| t.players.iter().map(|p| p.player.0 as usize).collect())
                .collect();
            let length = args.game_s as f64 * 1000.0 * (0.75 + 0.5 * rng.random::<f64>());
            games.insert(next_game, Game { teams, groups });
            push(&mut events, now + length as u64, Event::GameEnds(next_game));
            next_game += 1;
        }
        for t in &out.timed_out {
            timed_out += 1;
            if let Some((g, _)) = tickets.remove(&t.ticket) {
                push(
                    &mut events,
                    now + pause.sample(&mut rng) as u64,
                    Event::Arrive(g),
                );
            }
        }
        now += args.tick_ms;
    }

    let n = matches.max(1) as f64;
    let mut sorted_q = qualities.clone();
    sorted_q.sort_by(f64::total_cmp);
    let mut sorted_l = latencies.clone();
    sorted_l.sort_by(f64::total_cmp);
    let engine_s = engine.as_secs_f64();
    Ok(Report {
        scenario: Scenario {
            seed: args.seed,
            players: args.players,
            regions: args.regions,
            duration_s: args.duration_s,
            mode: "5v5".into(),
            roles,
            party_weight: config.quality_weights.parties,
            target_wait_s: args.target_wait_s,
            block_rate: args.block_rate,
        },
        blocks,
        time_to_match_s: Spread::of(&mut waits),
        quality: QualitySummary {
            mean: qualities.iter().sum::<f64>() / n,
            p10: percentile(&sorted_q, 10.0),
            fairness_mean: parts[0] / n,
            spread_mean: parts[1] / n,
            latency_mean: parts[2] / n,
            roles_mean: parts[3] / n,
            parties_mean: parts[4] / n,
        },
        fair_share: fair as f64 / n,
        latency_ms: LatencySummary {
            mean: latencies.iter().sum::<f64>() / latencies.len().max(1) as f64,
            p95: percentile(&sorted_l, 95.0),
        },
        timed_out,
        violations,
        rank_correlation: correlation(&pop),
        rank_correlation_trend: trend
            .into_iter()
            .map(|(at_s, value)| TrendPoint { at_s, value })
            .collect(),
        matches_per_cpu_s: if engine_s > 0.0 {
            matches as f64 / engine_s
        } else {
            0.0
        },
        matches,
        players_matched,
        parties_matched: parties,
        full_premade_matches: full_premade,
        full_premade_meets_solo: premade_meets_solo,
        tickets_enqueued: next_ticket as u64,
        queued_at_end: mm.len() as u64,
        games_per_player: pop.players.iter().map(|p| f64::from(p.games)).sum::<f64>()
            / pop.players.len() as f64,
        engine_cpu_s: engine_s,
        wall_s: wall.elapsed().as_secs_f64(),
    })
}
