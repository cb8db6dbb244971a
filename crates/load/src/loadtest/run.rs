//! One load-test run: what every simulated player shares, the population drawn from the seed,
//! and the run itself (ramp, play, progress, report).

use std::{path::Path, sync::Arc, time::Duration};

use rally_sdk::{Client, ClientConfig, Event, EventKind, GameServer};
use rand::{Rng, SeedableRng, rngs::StdRng};
use tokio::time::Instant;
use uuid::Uuid;

use super::{
    LoadtestArgs,
    group::{Group, Player, match_found_arrived, play},
    report::LoadtestReport,
    tally::Tally,
    target::Target,
    topology::Topology,
    usage::Sampler,
};
use crate::think::Think;

/// How often the progress line is printed and the processes sampled.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);
/// How long the run waits after its deadline for the players to finish what they started.
const WIND_DOWN: Duration = Duration::from_secs(40);

/// What every player of a run shares.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) tally: Tally,
    pub(crate) game_server: GameServer,
    /// Names this run's accounts apart from other runs' on the same target.
    pub(crate) tag: String,
    pub(crate) deadline: Instant,
    pub(crate) think: Think,
    pub(crate) game: Think,
    pub(crate) cancel_share: f64,
    pub(crate) disconnect_share: f64,
}

/// Runs the load test that `args` describe, with `exe` as the `rally` to start when it starts
/// its own nodes.
pub async fn loadtest(args: &LoadtestArgs, exe: &Path) -> anyhow::Result<LoadtestReport> {
    args.check()?;
    let topology = match &args.target {
        Some(urls) => Topology::Given(Target::parse(urls, args.allow_remote)?),
        None => Topology::start(args, exe).await?,
    };
    let server_key = match (&topology, &args.server_key) {
        (Topology::Started { server_key, .. }, _) => server_key.clone(),
        (Topology::Given(_), Some(key)) => key.expose().to_owned(),
        (Topology::Given(_), None) => {
            anyhow::bail!("--server-key (or RALLY_LOADTEST_SERVER_KEY) is needed with --target")
        }
    };
    let driven = drive(
        args,
        &topology.api_urls(),
        &server_key,
        topology.describe(),
        topology.processes(),
    )
    .await;
    topology.stop().await;
    Ok(driven?.0)
}

/// Plays the run `args` describe against the api nodes at `api` (with the game servers'
/// `server_key`), sampling `processes`; the report, and what the players shared (the tally
/// of every call, for checks made after the run).
pub(crate) async fn drive(
    args: &LoadtestArgs,
    api: &[String],
    server_key: &str,
    topology: String,
    processes: Vec<(String, u32)>,
) -> anyhow::Result<(LoadtestReport, Arc<Run>)> {
    let started = Instant::now();
    let ramp = Duration::from_secs(args.ramp_s);
    let deadline = started + ramp + Duration::from_secs(args.duration_s);
    let mut rng = StdRng::seed_from_u64(args.seed);
    let tag = match &args.accounts_tag {
        Some(tag) => tag.clone(),
        None => Uuid::new_v4().simple().to_string()[..8].to_owned(),
    };
    let run = Arc::new(Run {
        tally: Tally::new(),
        game_server: GameServer::new(&api[0], server_key)?,
        tag,
        deadline,
        think: Think {
            mean: Duration::from_millis(args.think_ms),
            spread: 0.5,
        },
        game: Think {
            mean: Duration::from_secs(args.game_s),
            spread: 0.5,
        },
        cancel_share: args.cancel_share,
        disconnect_share: args.disconnect_share,
    });
    run.tally.ramp_ends_at(started + ramp);
    let groups = population(args, api, started, &mut rng)?;
    for player in groups.iter().flat_map(|g| &g.players) {
        let run = run.clone();
        // On the SDK's connection thread, as the push arrives: the player's own loop may be
        // busy elsewhere (a cancel that lost to the match) when it reads it.
        player.client.on(EventKind::MatchFound, move |event| {
            if let Event::MatchFound(found) = event {
                match_found_arrived(&run.tally, found);
            }
        });
    }
    let mut players = tokio::task::JoinSet::new();
    for group in groups {
        let seed = rng.random();
        players.spawn(play(run.clone(), group, StdRng::seed_from_u64(seed)));
    }
    let mut sampler = Sampler::new(processes);
    let mut next_progress = Instant::now() + PROGRESS_EVERY;
    let give_up = deadline + WIND_DOWN;
    loop {
        let progress = tokio::time::sleep_until(next_progress.min(give_up));
        tokio::select! {
            joined = players.join_next() => if joined.is_none() { break },
            () = progress => {
                if Instant::now() >= give_up {
                    players.abort_all();
                    break;
                }
                sampler.sample();
                if args.progress {
                    eprintln!("{}", progress_line(&run, started, args.players));
                }
                next_progress += PROGRESS_EVERY;
            }
        }
    }
    sampler.sample();
    let seconds = started.elapsed().as_secs_f64();
    let report = LoadtestReport::of(args, topology, &run.tally, seconds, sampler.usage());
    Ok((report, run))
}

/// The run's players, grouped: each in the squad queue with `--squad-share`, else in duels;
/// squad players in parties of 2 to 5 with `--party-share`. Each group plays from a home
/// region (low latency) and reaches the others at a higher one, and arrives at its place in
/// the ramp.
fn population(
    args: &LoadtestArgs,
    api: &[String],
    started: Instant,
    rng: &mut StdRng,
) -> anyhow::Result<Vec<Group>> {
    let mut groups = Vec::new();
    let mut index = 0;
    while index < args.players {
        let squad = rng.random_bool(args.squad_share);
        let left = args.players - index;
        let size = if squad && rng.random_bool(args.party_share) {
            rng.random_range(2..=5).min(left)
        } else {
            1
        };
        let home = rng.random_range(0..args.regions.len());
        let regions = args
            .regions
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let ms = if i == home {
                    rng.random_range(15..60)
                } else {
                    rng.random_range(80..160)
                };
                (r.clone(), ms)
            })
            .collect();
        let mut players = Vec::with_capacity(size);
        for i in index..index + size {
            // The players spread over the api nodes, as a load balancer would spread them.
            let config = ClientConfig::new(api[i % api.len()].clone());
            players.push(Player {
                index: i,
                client: Client::new(config)?,
                id: Uuid::nil(),
            });
        }
        let arrives =
            started + Duration::from_secs(args.ramp_s).mul_f64(index as f64 / args.players as f64);
        groups.push(Group {
            mode: if squad { "squad" } else { "duel" },
            players,
            regions,
            arrives,
        });
        index += size;
    }
    Ok(groups)
}

/// One line of progress: players signed up and connected, tickets searching, matches and their
/// rate, errors and refusals.
fn progress_line(run: &Run, started: Instant, players: usize) -> String {
    use std::sync::atomic::Ordering::Relaxed;
    let t = &run.tally;
    let seconds = started.elapsed().as_secs_f64();
    let matches = t.matches.load(Relaxed);
    format!(
        "[{seconds:>6.0} s] signed up {}/{players}  connected {}  searching {}  matches {} ({:.1}/s)  errors {}  refused {}",
        t.signed_up.load(Relaxed),
        t.connected.load(Relaxed),
        t.searching.load(Relaxed),
        matches,
        matches as f64 / seconds.max(1.0),
        t.error_count(),
        t.refused.load(Relaxed),
    )
}
