//! `rally chaos SCENARIO`: one fault injected into a scaled-out Rally under the load test, and
//! what it cost: availability over the run, time until full service, and the damage read from
//! the database afterwards (tickets lost or matched twice, results lost or applied twice,
//! sessions ended wrongly), each of which must be 0.
//!
//! Each run starts everything it touches and stops it at the end: PostgreSQL, Redis and NATS
//! of its own ([`backends`]), never this machine's shared services; two api nodes behind a
//! load balancer ([`balancer`]), two matchmakers, one sessions and one ratings process. A
//! partition runs one of them in a network namespace of its own ([`netns`]); a degraded path
//! is the balancer's doing. The load test's players play through the balancer; at
//! `--fault-at-s` the fault is injected, and `--outage-s` later it is healed (the process
//! restarted, the backend started again, the link up, the path restored, the dropping
//! consumer gone).
//!
//! # Layout
//! - [`backends`]: the private PostgreSQL, Redis and NATS
//! - [`balancer`]: the TCP load balancer in front of the api nodes
//! - [`checks`]: the damage, from the database
//! - [`dropper`]: the consumer that drops events before their ack
//! - [`netns`]: the network namespace a partition cuts

pub mod backends;
pub mod balancer;
pub mod checks;
pub mod dropper;
pub mod netns;

use std::{
    fmt,
    net::{Ipv4Addr, SocketAddr},
    path::Path,
    time::Duration,
};

use anyhow::Context;
use tokio::time::Instant;
use uuid::Uuid;

use self::{
    backends::{Backend, Backends},
    balancer::Balancer,
    checks::{Damage, damage},
    dropper::{Dropper, redelivery},
    netns::Netns,
};
use crate::{
    loadtest::{LoadtestArgs, LoadtestReport, run::drive, topology::secret},
    node::{BenchNode, delete_streams},
};

/// How long the run waits after the load test for the roles to finish what it started (results
/// being rated, tickets being cancelled) before reading the damage.
const SETTLE: Duration = Duration::from_secs(10);

/// A fault a chaos run injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// `kill -9` of one of the two api nodes, restarted after the outage.
    KillApi,
    /// `kill -9` of one of the two matchmakers, restarted after the outage.
    KillMatchmaker,
    /// `kill -9` of the sessions process, restarted after the outage.
    KillSessions,
    /// `kill -9` of the ratings process, restarted after the outage.
    KillRatings,
    /// PostgreSQL stopped (immediate mode, as a crash) for the outage, then started.
    StopPostgres,
    /// Redis killed for the outage, then started empty.
    StopRedis,
    /// NATS killed for the outage, then started (its streams on disk).
    StopNats,
    /// The first matchmaker cut off the network (it runs in a namespace of the run's own,
    /// whose link goes down), then joined again: the other takes its queues over, and it must
    /// not make matches with the lease it lost.
    PartitionMatchmaker,
    /// The path to the first api node (its HTTP and WebSocket traffic, both ways) degraded at
    /// the balancer: each chunk held 100 to 200 ms, 2 % of them 200 ms more as if lost and
    /// sent again; then restored.
    DegradeGateway,
    /// A consumer joins the sessions and ratings roles' durables and drops every event it is
    /// handed (new matches, accepted results) without acknowledging it; once it is gone, each
    /// comes again after its ack wait (60 s) and must be handled exactly once. The run waits
    /// for those redeliveries before reading the damage.
    DropEvents,
}

impl Scenario {
    /// Every scenario, in order.
    pub const ALL: [Scenario; 10] = [
        Scenario::KillApi,
        Scenario::KillMatchmaker,
        Scenario::KillSessions,
        Scenario::KillRatings,
        Scenario::StopPostgres,
        Scenario::StopRedis,
        Scenario::StopNats,
        Scenario::PartitionMatchmaker,
        Scenario::DegradeGateway,
        Scenario::DropEvents,
    ];

    /// The process a kill scenario kills (its name in the layout).
    fn victim(self) -> Option<&'static str> {
        match self {
            Scenario::KillApi => Some("api-1"),
            Scenario::KillMatchmaker => Some("matchmaker-1"),
            Scenario::KillSessions => Some("sessions"),
            Scenario::KillRatings => Some("ratings"),
            _ => None,
        }
    }

    /// The process a network scenario runs in a namespace of its own.
    fn isolated(self) -> Option<&'static str> {
        match self {
            Scenario::PartitionMatchmaker => Some("matchmaker-1"),
            _ => None,
        }
    }

    /// How long after the heal the work the fault held back may still be coming: the ack
    /// wait of the events a dropping consumer, or a killed sessions or ratings process, took
    /// and never acknowledged.
    fn aftermath(self) -> Duration {
        match self {
            Scenario::DropEvents | Scenario::KillSessions | Scenario::KillRatings => redelivery(),
            _ => Duration::ZERO,
        }
    }

    /// The backend a stop scenario stops.
    fn backend(self) -> Option<Backend> {
        match self {
            Scenario::StopPostgres => Some(Backend::Postgres),
            Scenario::StopRedis => Some(Backend::Redis),
            Scenario::StopNats => Some(Backend::Nats),
            _ => None,
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        f.write_str(&name)
    }
}

/// Options of `rally chaos`.
#[derive(Debug, Clone, clap::Args)]
pub struct ChaosArgs {
    /// The fault.
    #[arg(value_enum)]
    pub scenario: Scenario,
    /// Players under load.
    #[arg(long, default_value_t = 200)]
    pub players: usize,
    /// Seconds of play after a 10 s ramp.
    #[arg(long, default_value_t = 60)]
    pub duration_s: u64,
    /// Seconds after the start when the fault is injected.
    #[arg(long, default_value_t = 25)]
    pub fault_at_s: u64,
    /// Seconds the fault lasts before it is healed.
    #[arg(long, default_value_t = 10)]
    pub outage_s: u64,
    /// Seed of the population and its choices.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// What a chaos run measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ChaosReport {
    /// The fault.
    pub scenario: Scenario,
    /// Seconds after the start when it was injected, and healed.
    pub fault_at_s: f64,
    /// Seconds after the start when it was healed.
    pub healed_at_s: f64,
    /// Seconds from the heal to the last call that was not answered well (0 when every call
    /// after the heal was): the time until full service.
    pub full_service_after_s: f64,
    /// The damage read from the database.
    pub damage: Damage,
    /// Events a dropping consumer took and never acknowledged (`drop-events` only).
    pub events_dropped: u64,
    /// The load test's report (its availability is the run's).
    pub load: LoadtestReport,
}

impl ChaosReport {
    /// Whether the run kept its promises: no damage, and availability of at least 99.9 %.
    pub fn passed(&self) -> bool {
        self.damage.is_none() && self.load.availability.share >= 0.999
    }
}

impl fmt::Display for ChaosReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = &self.load.availability;
        let d = &self.damage;
        writeln!(f, "# Chaos: {}\n", self.scenario)?;
        writeln!(
            f,
            "Injected at {:.1} s, healed at {:.1} s; full service {:.1} s after the heal.\n",
            self.fault_at_s, self.healed_at_s, self.full_service_after_s
        )?;
        if self.scenario == Scenario::DropEvents {
            writeln!(
                f,
                "{} events dropped before their ack, handed out again after the ack wait.\n",
                self.events_dropped
            )?;
        }
        writeln!(f, "| measure | target | measured |\n|---|---|---|")?;
        writeln!(
            f,
            "| availability (answered without a 5xx within 1 s) | at least 99.9 % | {:.3} % ({} of {} calls unavailable) |",
            a.share * 100.0,
            a.unavailable,
            a.calls
        )?;
        for (name, count) in [
            ("tickets lost", d.tickets_lost),
            ("tickets matched twice", d.tickets_matched_twice),
            ("matches never given a session", d.matches_never_allocated),
            ("results lost", d.results_lost),
            ("results applied twice", d.results_applied_twice),
            ("sessions ended wrongly", d.sessions_ended_wrongly),
        ] {
            writeln!(f, "| {name} | 0 | {count} |")?;
        }
        writeln!(f, "\n{}", self.load)
    }
}

/// The port the process in a network scenario's namespace listens on.
const ISOLATED_PORT: u16 = 8080;

/// The processes of a chaos run, by name.
const LAYOUT: [(&str, &str); 6] = [
    ("api-1", "api"),
    ("api-2", "api"),
    ("matchmaker-1", "matchmaker"),
    ("matchmaker-2", "matchmaker"),
    ("sessions", "sessions"),
    ("ratings", "ratings"),
];

/// Runs one chaos scenario with `exe` as the `rally` to start.
pub async fn chaos(args: &ChaosArgs, exe: &Path) -> anyhow::Result<ChaosReport> {
    // A network scenario's namespace comes first: the backends listen on its link.
    let netns = match args.scenario.isolated() {
        Some(_) => Some(Netns::create(0)?),
        None => None,
    };
    let host = netns.as_ref().map_or(Ipv4Addr::LOCALHOST, |n| n.outer_ip);
    let mut backends = Backends::start(host).await?;
    let dir = tempfile::tempdir()?;
    let key = secret();
    let server_key = secret();
    let session_key = secret();
    let namespace = format!("chaos{}", &Uuid::new_v4().simple().to_string()[..8]);
    let (database, redis, nats) = (
        backends.database_url(),
        backends.redis_url(),
        backends.nats_url(),
    );
    let env = [
        ("RALLY_SERVER_KEY", server_key.as_str()),
        ("RALLY_SESSION_TOKEN_KEY", session_key.as_str()),
        ("RALLY_REGISTER_LIMIT_PER_HOUR", "1000000"),
        ("RALLY_LOGIN_LIMIT_PER_MINUTE", "1000000"),
        ("RALLY_DATABASE_URL", database.as_str()),
        ("RALLY_REDIS_URL", redis.as_str()),
        ("RALLY_NATS_URL", nats.as_str()),
        ("RALLY_NAMESPACE", namespace.as_str()),
    ];
    let mut nodes = Vec::with_capacity(LAYOUT.len());
    for (name, roles) in LAYOUT {
        let own = dir.path().join(name);
        std::fs::create_dir_all(&own)?;
        let node = match (&netns, args.scenario.isolated()) {
            (Some(netns), Some(isolated)) if isolated == name => {
                let addr = SocketAddr::from((netns.inner_ip, ISOLATED_PORT));
                BenchNode::start_in(netns.name(), addr, exe, roles, &own, &key, &env).await
            }
            _ => BenchNode::start(exe, roles, &own, &key, &env).await,
        }
        .with_context(|| format!("cannot start {name}"))?;
        nodes.push((name, node));
    }
    let api: Vec<_> = nodes
        .iter()
        .filter(|(name, _)| name.starts_with("api"))
        .map(|(_, node)| node.addr)
        .collect();
    let balancer = Balancer::start(api).await?;
    let load = LoadtestArgs {
        target: None,
        server_key: None,
        allow_remote: false,
        players: args.players,
        ramp_s: 10,
        duration_s: args.duration_s,
        squad_share: 0.3,
        party_share: 0.3,
        cancel_share: 0.05,
        disconnect_share: 0.05,
        think_ms: 2_000,
        game_s: 3,
        regions: vec!["eu".into(), "na".into()],
        seed: args.seed,
        accounts_tag: None,
        database_url: None,
        redis_url: None,
        nats_url: None,
        progress: false,
    };
    load.check()?;
    let processes = nodes
        .iter()
        .map(|(name, node)| ((*name).to_owned(), node.pid()))
        .collect();
    let started = Instant::now();
    let api_url = [format!("http://{}", balancer.addr)];
    let topology = format!(
        "chaos: {} behind a balancer, on PostgreSQL, Redis and NATS of its own",
        LAYOUT.map(|(name, _)| name).join(", ")
    );
    let driving = drive(&load, &api_url, &server_key, topology, processes);
    let faults = async {
        tokio::time::sleep_until(started + Duration::from_secs(args.fault_at_s)).await;
        let fault_at = started.elapsed();
        let mut scene = Scene {
            nodes: &mut nodes,
            backends: &mut backends,
            netns: netns.as_ref(),
            balancer: &balancer,
            nats: (&nats, &namespace),
            dropper: None,
            dropped: 0,
        };
        scene.inject(args.scenario, false).await?;
        tokio::time::sleep(Duration::from_secs(args.outage_s)).await;
        scene.inject(args.scenario, true).await?;
        anyhow::Ok((fault_at, started.elapsed(), scene.dropped))
    };
    let (driven, healed) = tokio::join!(driving, faults);
    let (fault_at, healed_at, events_dropped) = healed?;
    let (load, run) = driven?;
    let settled = started + healed_at + args.scenario.aftermath() + SETTLE;
    tokio::time::sleep_until(settled.max(Instant::now() + SETTLE)).await;
    let (_, results_accepted) = run.tally.served_matches();
    let damage = damage(&database, &results_accepted).await?;
    let full_service_after = run.tally.last_unavailable().map_or(Duration::ZERO, |last| {
        last.saturating_duration_since(started + healed_at)
    });
    drop(balancer);
    drop(nodes);
    delete_streams(&nats, &namespace).await;
    drop(backends);
    drop(netns);
    Ok(ChaosReport {
        scenario: args.scenario,
        fault_at_s: fault_at.as_secs_f64(),
        healed_at_s: healed_at.as_secs_f64(),
        full_service_after_s: full_service_after.as_secs_f64(),
        damage,
        events_dropped,
        load,
    })
}

/// What a fault acts on.
struct Scene<'a> {
    nodes: &'a mut [(&'static str, BenchNode)],
    backends: &'a mut Backends,
    netns: Option<&'a Netns>,
    balancer: &'a Balancer,
    /// The run's NATS URL and namespace.
    nats: (&'a str, &'a str),
    /// The dropping consumer while it runs.
    dropper: Option<Dropper>,
    /// How many events it dropped.
    dropped: u64,
}

impl Scene<'_> {
    /// Injects the scenario's fault (`heal` false) or heals it (`heal` true).
    async fn inject(&mut self, scenario: Scenario, heal: bool) -> anyhow::Result<()> {
        if let Some(victim) = scenario.victim() {
            let (_, node) = self
                .nodes
                .iter_mut()
                .find(|(name, _)| *name == victim)
                .context("BUG: the victim is in the layout")?;
            if heal {
                node.restart().await?;
            } else {
                node.kill();
            }
        }
        if let Some(backend) = scenario.backend() {
            if heal {
                self.backends.start_one(backend).await?;
            } else {
                self.backends.stop_one(backend)?;
            }
        }
        let netns = self
            .netns
            .context("BUG: a network scenario has its namespace");
        match (scenario, heal) {
            (Scenario::PartitionMatchmaker, false) => netns?.cut()?,
            (Scenario::PartitionMatchmaker, true) => netns?.mend()?,
            // api-1 is the balancer's first node.
            (Scenario::DegradeGateway, heal) => self.balancer.degrade(0, !heal),
            (Scenario::DropEvents, false) => {
                self.dropper = Some(Dropper::start(self.nats.0, self.nats.1).await?);
            }
            (Scenario::DropEvents, true) => {
                if let Some(dropper) = self.dropper.take() {
                    self.dropped = dropper.stop().await;
                }
            }
            _ => {}
        }
        Ok(())
    }
}
