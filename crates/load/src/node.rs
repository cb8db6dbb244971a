//! A [`BenchNode`]: a real `rally serve` child process, so that what a benchmark measures
//! (memory above all) is the node's alone; the settings it runs with, the access tokens signed
//! by its key, and its resident memory.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use anyhow::{Context, bail};
use rally_server::{Settings, accounts::AccessTokens, settings::Secrets};
use tokio::time::Instant;

/// How long a node may take to listen before the benchmark gives up on it.
const READY_WITHIN: Duration = Duration::from_secs(60);

/// A `rally serve` child process, killed when dropped.
#[derive(Debug)]
pub struct BenchNode {
    /// Where it listens.
    pub addr: SocketAddr,
    child: Child,
    /// How it was started, to start it again after [`BenchNode::kill`].
    launch: Launch,
}

/// What a node is started with.
#[derive(Clone)]
struct Launch {
    exe: PathBuf,
    roles: String,
    dir: PathBuf,
    key: String,
    env: Vec<(String, String)>,
    /// The network namespace it runs in, if not this process's.
    netns: Option<String>,
}

/// The signing key and the environment (secrets among it) never print.
impl std::fmt::Debug for Launch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Launch")
            .field("exe", &self.exe)
            .field("roles", &self.roles)
            .field("dir", &self.dir)
            .field("netns", &self.netns)
            .finish_non_exhaustive()
    }
}

impl Launch {
    /// The node's log (warnings and errors), `rally.log` in its directory, kept across
    /// restarts.
    fn log(&self) -> anyhow::Result<std::fs::File> {
        let path = self.dir.join("rally.log");
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))
    }

    fn spawn(&self, addr: SocketAddr) -> anyhow::Result<Child> {
        // `ip netns exec` execs the node in place: the child is the node itself.
        let mut command = match &self.netns {
            Some(netns) => {
                let mut command = Command::new("ip");
                command.args(["netns", "exec", netns]).arg(&self.exe);
                command
            }
            None => Command::new(&self.exe),
        };
        for (name, _) in std::env::vars() {
            if name.starts_with("RALLY_") {
                command.env_remove(name);
            }
        }
        command
            .env("RALLY_DATA_DIR", &self.dir)
            .env("RALLY_TOKEN_SIGNING_KEY", &self.key)
            .env("RALLY_API_LIMIT_PER_MINUTE", "1000000")
            .env("RALLY_PARTY_MAX_SIZE", "100")
            .env("RALLY_LOG_LEVEL", "warn")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(&self.dir)
            .args([
                "serve",
                "--roles",
                &self.roles,
                "--listen",
                &addr.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(self.log()?);
        command
            .spawn()
            .with_context(|| format!("cannot start {}", self.exe.display()))
    }
}

impl BenchNode {
    /// Starts `exe serve --roles <roles>` in `dir` with the signing key `key` and the extra
    /// `RALLY_*` (or other) variables `env`, and waits until it listens. Its log goes to
    /// `rally.log` in `dir`. The caller's own `RALLY_*` variables are not passed on; a
    /// `rally.toml` in `dir` is read.
    pub async fn start(
        exe: &Path,
        roles: &str,
        dir: &Path,
        key: &str,
        env: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        Self::launch(exe, roles, dir, key, env, None, addr).await
    }

    /// [`BenchNode::start`] inside the network namespace `netns`, listening on `addr` (an
    /// address of that namespace this one can reach).
    pub async fn start_in(
        netns: &str,
        addr: SocketAddr,
        exe: &Path,
        roles: &str,
        dir: &Path,
        key: &str,
        env: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        Self::launch(exe, roles, dir, key, env, Some(netns), addr).await
    }

    async fn launch(
        exe: &Path,
        roles: &str,
        dir: &Path,
        key: &str,
        env: &[(&str, &str)],
        netns: Option<&str>,
        addr: SocketAddr,
    ) -> anyhow::Result<Self> {
        let launch = Launch {
            exe: exe.to_owned(),
            roles: roles.to_owned(),
            dir: dir.to_owned(),
            key: key.to_owned(),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            netns: netns.map(str::to_owned),
        };
        let child = launch.spawn(addr)?;
        let mut node = Self {
            addr,
            child,
            launch,
        };
        node.wait_ready().await?;
        Ok(node)
    }

    /// Kills the process at once (SIGKILL), as a crash or an OOM kill would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the process again as it was first started, on the same address, and waits until
    /// it listens.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.kill();
        self.child = self.launch.spawn(self.addr)?;
        self.wait_ready().await
    }

    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + READY_WITHIN;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                let log =
                    std::fs::read_to_string(self.launch.dir.join("rally.log")).unwrap_or_default();
                bail!("the bench node exited early with {status}: {log}");
            }
            if tokio::net::TcpStream::connect(self.addr).await.is_ok() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!(
            "the bench node did not listen within {} s",
            READY_WITHIN.as_secs()
        )
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its resident memory in bytes, where the platform says (Linux).
    pub fn rss(&self) -> Option<u64> {
        rss(self.pid())
    }
}

impl Drop for BenchNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The settings a bench node started in `dir` with `key` (and `database`, else its SQLite
/// file) runs with: what the benchmark needs to reach its store and sign its tokens.
pub fn node_settings(dir: &Path, database: Option<&str>, key: &str) -> anyhow::Result<Settings> {
    let mut overrides = vec![
        ("data_dir", dir.display().to_string()),
        ("token_signing_key", key.to_owned()),
    ];
    if let Some(database) = database {
        overrides.push(("database_url", database.to_owned()));
    }
    Ok(Settings::from_figment(Settings::figment(
        None, &overrides,
    )?)?)
}

/// Access tokens signed with the key of the node that runs with `settings`.
pub fn tokens(settings: &Settings) -> anyhow::Result<AccessTokens> {
    Ok(AccessTokens::new(
        settings,
        &Secrets::resolve(settings)?,
        rally_clock::Clock::system(),
    ))
}

/// Deletes the streams bench nodes made under `namespace` on `nats`, so runs do not pile up
/// in JetStream. Best effort: a run's figures stand whether or not it succeeds.
pub async fn delete_streams(nats: &str, namespace: &str) {
    if let Ok(events) = rally_events::Events::nats(nats, namespace).await {
        let _ = events.delete_streams().await;
    }
}

/// A process's resident memory in bytes, where the platform says (Linux).
pub fn rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
