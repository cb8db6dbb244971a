//! Where a load test's Rally runs: a target given by URL, or nodes the load test starts itself
//! as `rally serve` children and stops when it ends. Started, it is either embedded (one
//! process, every role, SQLite) or scaled (two api nodes and one matchmaker, one sessions and
//! one ratings process on PostgreSQL, Redis and NATS).

use std::path::Path;

use anyhow::bail;
use uuid::Uuid;

use super::{LoadtestArgs, target::Target};
use crate::node::{BenchNode, delete_streams};

/// The Rally under load.
pub(crate) enum Topology {
    /// A Rally someone else runs.
    Given(Target),
    /// Nodes this load test started (stopped when dropped).
    Started {
        nodes: Vec<(String, BenchNode)>,
        server_key: String,
        /// The NATS URL and namespace whose streams are deleted at the end, when scaled.
        streams: Option<(String, String)>,
        _dir: tempfile::TempDir,
    },
}

/// The server key never prints.
impl std::fmt::Debug for Topology {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Topology {
    /// Starts the nodes `args` ask for.
    pub(crate) async fn start(args: &LoadtestArgs, exe: &Path) -> anyhow::Result<Self> {
        let backends = match (&args.database_url, &args.redis_url, &args.nats_url) {
            (None, None, None) => None,
            (Some(database), Some(redis), Some(nats)) => Some((database, redis, nats)),
            _ => bail!("give --database-url, --redis-url and --nats-url together, or none"),
        };
        let dir = tempfile::tempdir()?;
        let key = secret();
        let server_key = secret();
        let session_key = secret();
        let namespace = format!("load{}", &Uuid::new_v4().simple().to_string()[..8]);
        let regions = args.regions.join(",");
        let mut env = vec![
            ("RALLY_SERVER_KEY", server_key.as_str()),
            ("RALLY_SESSION_TOKEN_KEY", session_key.as_str()),
            // Every simulated player comes from 127.0.0.1: the per-address limits would
            // otherwise stop all but the first few.
            ("RALLY_REGISTER_LIMIT_PER_HOUR", "1000000"),
            ("RALLY_LOGIN_LIMIT_PER_MINUTE", "1000000"),
            ("RALLY_REGIONS", regions.as_str()),
        ];
        let layout: &[(&str, &str)] = match backends {
            None => &[("node", "api,matchmaker,sessions,ratings")],
            Some(_) => &[
                ("api-1", "api"),
                ("api-2", "api"),
                ("matchmaker", "matchmaker"),
                ("sessions", "sessions"),
                ("ratings", "ratings"),
            ],
        };
        if let Some((database, redis, nats)) = backends {
            env.extend([
                ("RALLY_DATABASE_URL", database.as_str()),
                ("RALLY_REDIS_URL", redis.as_str()),
                ("RALLY_NATS_URL", nats.as_str()),
                ("RALLY_NAMESPACE", namespace.as_str()),
            ]);
        }
        let mut nodes = Vec::with_capacity(layout.len());
        for (name, roles) in layout {
            // Each process its own data directory: only SQLite's file and generated secrets
            // live there, and every secret is given.
            let own = dir.path().join(name);
            std::fs::create_dir_all(&own)?;
            // `rally serve` reads `./rally.toml` in its data directory: a game server per
            // region with room for every player, so the run measures Rally, not the default
            // pool's 1,000 sessions a region.
            std::fs::write(
                own.join("rally.toml"),
                game_servers(&args.regions, args.players),
            )?;
            let node = BenchNode::start(exe, roles, &own, &key, &env).await?;
            nodes.push(((*name).to_owned(), node));
        }
        Ok(Self::Started {
            nodes,
            server_key,
            streams: backends.map(|(_, _, nats)| (nats.clone(), namespace)),
            _dir: dir,
        })
    }

    /// The api nodes' base URLs.
    pub(crate) fn api_urls(&self) -> Vec<String> {
        match self {
            Topology::Given(target) => target.urls.clone(),
            Topology::Started { nodes, .. } => nodes
                .iter()
                .filter(|(name, _)| name == "node" || name.starts_with("api"))
                .map(|(_, node)| format!("http://{}", node.addr))
                .collect(),
        }
    }

    /// The processes to sample (name, pid): the started nodes; none for a given target.
    pub(crate) fn processes(&self) -> Vec<(String, u32)> {
        match self {
            Topology::Given(_) => Vec::new(),
            Topology::Started { nodes, .. } => nodes
                .iter()
                .map(|(name, node)| (name.clone(), node.pid()))
                .collect(),
        }
    }

    /// How the report names the topology.
    pub(crate) fn describe(&self) -> String {
        match self {
            Topology::Given(target) => format!("given: {}", target.urls.join(", ")),
            Topology::Started { nodes, streams, .. } if streams.is_some() => format!(
                "scaled: {} processes on PostgreSQL, Redis and NATS ({})",
                nodes.len(),
                nodes
                    .iter()
                    .map(|(name, _)| name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Topology::Started { .. } => "embedded: one process, every role, SQLite".to_owned(),
        }
    }

    /// Stops the started nodes and deletes their NATS streams.
    pub(crate) async fn stop(self) {
        if let Topology::Started { nodes, streams, .. } = self {
            drop(nodes);
            if let Some((nats, namespace)) = streams {
                delete_streams(&nats, &namespace).await;
            }
        }
    }
}

/// A fresh secret: two random UUIDs (244 random bits), hex.
pub(crate) fn secret() -> String {
    format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

/// The static pool of a started topology: one game server a region, each able to run a
/// session for every player at once.
fn game_servers(regions: &[String], players: usize) -> String {
    let capacity = players.max(1000);
    regions
        .iter()
        .map(|region| {
            format!(
                "[[game_servers]]\nendpoint = \"127.0.0.1:7777\"\nregion = \"{region}\"\ncapacity = {capacity}\n\n"
            )
        })
        .collect()
}
