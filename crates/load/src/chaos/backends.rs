//! PostgreSQL, Redis and NATS of a chaos run's own: started from their binaries on free ports of
//! one address of this machine (127.0.0.1, or the link to a run's network namespace, so a
//! process inside it reaches them too) with their data in a temporary directory, so a scenario
//! may stop them without touching this machine's shared services. Each can be stopped and started again; their data
//! (PostgreSQL's tables, JetStream's streams) outlives a stop, Redis's does not (Rally keeps
//! nothing there that the store cannot rebuild).

use std::{
    net::{Ipv4Addr, TcpListener},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use anyhow::{Context, bail};
use tokio::time::Instant;

/// How long a backend may take to answer after it starts.
const UP_WITHIN: Duration = Duration::from_secs(30);

/// One of the three backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL.
    Postgres,
    /// Redis.
    Redis,
    /// NATS with JetStream.
    Nats,
}

/// The three backends of a chaos run, stopped when dropped.
#[derive(Debug)]
pub struct Backends {
    dir: tempfile::TempDir,
    /// The address they listen on.
    host: Ipv4Addr,
    postgres_bin: PathBuf,
    /// Whether PostgreSQL's tools run as the `postgres` user (this process is root).
    as_postgres: bool,
    pg_port: u16,
    redis_port: u16,
    nats_port: u16,
    redis: Option<Child>,
    nats: Option<Child>,
    postgres_up: bool,
}

impl Backends {
    /// Creates and starts all three, listening on `host`.
    pub async fn start(host: Ipv4Addr) -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new().prefix("rally-chaos").tempdir()?;
        let as_postgres = is_root()?;
        let mut backends = Self {
            postgres_bin: postgres_bin()?,
            as_postgres,
            pg_port: free_port()?,
            redis_port: free_port()?,
            nats_port: free_port()?,
            redis: None,
            nats: None,
            postgres_up: false,
            host,
            dir,
        };
        backends.init_postgres()?;
        for backend in [Backend::Postgres, Backend::Redis, Backend::Nats] {
            backends.start_one(backend).await?;
        }
        Ok(backends)
    }

    /// The database URL.
    pub fn database_url(&self) -> String {
        format!(
            "postgres://postgres@{}:{}/postgres",
            self.host, self.pg_port
        )
    }

    /// The Redis URL.
    pub fn redis_url(&self) -> String {
        format!("redis://{}:{}", self.host, self.redis_port)
    }

    /// The NATS URL.
    pub fn nats_url(&self) -> String {
        format!("nats://{}:{}", self.host, self.nats_port)
    }

    fn pg_data(&self) -> PathBuf {
        self.dir.path().join("postgres")
    }

    /// A PostgreSQL tool, as the `postgres` user when this process is root (PostgreSQL refuses
    /// to run as root).
    fn pg_tool(&self, tool: &str) -> Command {
        let path = self.postgres_bin.join(tool);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }

    fn init_postgres(&self) -> anyhow::Result<()> {
        let data = self.pg_data();
        std::fs::create_dir_all(&data)?;
        if self.as_postgres {
            run(Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(self.dir.path()))?;
        }
        run(self
            .pg_tool("initdb")
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-D"])
            .arg(&data))?;
        // initdb trusts loopback only; the run's own link (its /30, the namespace's end
        // included) is trusted too.
        let hba = data.join("pg_hba.conf");
        let mut rules = std::fs::read_to_string(&hba)?;
        let link = Ipv4Addr::from(u32::from(self.host) & !3);
        rules.push_str(&format!("host all all {link}/30 trust\n"));
        std::fs::write(&hba, rules)?;
        Ok(())
    }

    /// Starts `backend` and waits until it answers.
    pub async fn start_one(&mut self, backend: Backend) -> anyhow::Result<()> {
        match backend {
            Backend::Postgres => {
                let options = format!(
                    "-p {} -c listen_addresses={} -k {} -c fsync=off -c max_connections=300",
                    self.pg_port,
                    self.host,
                    self.pg_data().display()
                );
                let log = self.dir.path().join("postgres.log");
                run(self
                    .pg_tool("pg_ctl")
                    .arg("-D")
                    .arg(self.pg_data())
                    .arg("-l")
                    .arg(&log)
                    .args(["-o", &options, "-w", "start"]))?;
                self.postgres_up = true;
                wait_port(self.host, self.pg_port).await
            }
            Backend::Redis => {
                let child = Command::new("redis-server")
                    .arg("--bind")
                    .arg(self.host.to_string())
                    .arg("--port")
                    .arg(self.redis_port.to_string())
                    // It listens on the run's own address only; protected mode would refuse
                    // every client not on loopback.
                    .args(["--protected-mode", "no"])
                    .args(["--save", "", "--appendonly", "no", "--dir"])
                    .arg(self.dir.path())
                    .stdout(Stdio::null())
                    .spawn()
                    .context("cannot start redis-server")?;
                self.redis = Some(child);
                wait_port(self.host, self.redis_port).await
            }
            Backend::Nats => {
                let store = self.dir.path().join("nats");
                let child = Command::new(nats_server())
                    .arg("-a")
                    .arg(self.host.to_string())
                    .arg("-p")
                    .arg(self.nats_port.to_string())
                    .args(["-js", "-sd"])
                    .arg(store)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .context("cannot start nats-server")?;
                self.nats = Some(child);
                wait_port(self.host, self.nats_port).await
            }
        }
    }

    /// Stops `backend` at once: PostgreSQL in its immediate mode (as a crash), Redis and NATS
    /// killed.
    pub fn stop_one(&mut self, backend: Backend) -> anyhow::Result<()> {
        match backend {
            Backend::Postgres => {
                if self.postgres_up {
                    self.postgres_up = false;
                    run(self.pg_tool("pg_ctl").arg("-D").arg(self.pg_data()).args([
                        "-m",
                        "immediate",
                        "-w",
                        "stop",
                    ]))?;
                }
            }
            Backend::Redis => kill(self.redis.take()),
            Backend::Nats => kill(self.nats.take()),
        }
        Ok(())
    }
}

impl Drop for Backends {
    fn drop(&mut self) {
        for backend in [Backend::Nats, Backend::Redis, Backend::Postgres] {
            let _ = self.stop_one(backend);
        }
    }
}

fn kill(child: Option<Child>) {
    if let Some(mut child) = child {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Runs `command` to its end, failing with its output unless it succeeds.
fn run(command: &mut Command) -> anyhow::Result<()> {
    let output = command
        .output()
        .with_context(|| format!("cannot run {command:?}"))?;
    if !output.status.success() {
        bail!(
            "{command:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

fn is_root() -> anyhow::Result<bool> {
    let output = Command::new("id").arg("-u").output()?;
    Ok(String::from_utf8_lossy(&output.stdout).trim() == "0")
}

/// The newest PostgreSQL's binaries (Debian's layout).
fn postgres_bin() -> anyhow::Result<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .context("PostgreSQL is not installed (/usr/lib/postgresql)")?
        .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .context("no PostgreSQL with initdb in /usr/lib/postgresql")
}

fn nats_server() -> &'static Path {
    let debian = Path::new("/usr/sbin/nats-server");
    if debian.exists() {
        debian
    } else {
        Path::new("nats-server")
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

async fn wait_port(host: Ipv4Addr, port: u16) -> anyhow::Result<()> {
    let deadline = Instant::now() + UP_WITHIN;
    while Instant::now() < deadline {
        if tokio::net::TcpStream::connect((host, port)).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("nothing answered on {host}:{port} within {UP_WITHIN:?}")
}
