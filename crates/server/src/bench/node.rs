//! What the benchmarks share: `rally serve` child processes, players written straight into a
//! node's store with access tokens signed by its key, and a keep-alive HTTP client.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use anyhow::{Context, bail};
use rally_store::{NewPlayer, Store};
use serde_json::Value;
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
};
use uuid::Uuid;

use crate::{Settings, auth::AccessTokens, settings::Secrets};

/// The settings a bench node runs with, for minting its tokens.
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

/// A bench player: id and access token.
#[derive(Debug, Clone)]
pub struct BenchPlayer {
    /// The player.
    pub id: Uuid,
    /// An access token.
    pub token: String,
}

/// Writes `count` players straight into `store` (no argon2) with access tokens from `tokens`.
pub async fn create_players(
    store: &Store,
    count: usize,
    tokens: &AccessTokens,
) -> anyhow::Result<Vec<BenchPlayer>> {
    let run = &Uuid::new_v4().simple().to_string()[..6];
    let mut players = Vec::with_capacity(count);
    for chunk in (0..count).collect::<Vec<_>>().chunks(1000) {
        let mut tx = store.begin().await?;
        for i in chunk {
            let id = rally_store::new_id();
            let new = NewPlayer {
                id,
                username: format!("b{run}_{i}"),
                email: format!("b{run}_{i}@bench.invalid"),
                display_name: format!("Bench {i}"),
                region: None,
            };
            tx.create_player(&new, "$bench$no-login").await?;
            players.push(BenchPlayer {
                id,
                token: tokens.issue(id, Uuid::new_v4())?,
            });
        }
        tx.commit().await?;
    }
    Ok(players)
}

/// A bench client's WebSocket.
pub type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

/// Opens `token`'s gateway socket on `addr` and reads its `hello`.
pub async fn open_socket(addr: SocketAddr, token: &str) -> anyhow::Result<Socket> {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};
    let mut request = format!("ws://{addr}/v1/ws").into_client_request()?;
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .context("cannot open a WebSocket (is the open-files limit high enough?)")?;
    match ws.next().await {
        Some(Ok(Message::Text(text))) if text.as_str().contains("\"hello\"") => Ok(ws),
        other => bail!("expected hello, got {other:?}"),
    }
}

/// Access tokens signed with a bench node's key.
pub fn tokens(settings: &Settings) -> anyhow::Result<AccessTokens> {
    Ok(AccessTokens::new(settings, &Secrets::resolve(settings)?))
}

/// A keep-alive HTTP/1.1 connection for JSON calls.
#[derive(Debug)]
pub struct HttpClient {
    addr: SocketAddr,
    stream: BufReader<TcpStream>,
}

impl HttpClient {
    /// Connects to `addr`.
    pub async fn connect(addr: SocketAddr) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            addr,
            stream: BufReader::new(stream),
        })
    }

    /// One call; the status and the JSON body (`Null` when empty).
    pub async fn call(
        &mut self,
        method: &str,
        path: &str,
        token: &str,
        body: Value,
    ) -> anyhow::Result<(u16, Value)> {
        let (status, body) = self.raw(method, path, token, body).await?;
        let body = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body).unwrap_or(Value::Null)
        };
        Ok((status, body))
    }

    /// A `GET` whose body is text (`/metrics`).
    pub async fn text(&mut self, path: &str) -> anyhow::Result<String> {
        let (_, body) = self.raw("GET", path, "", Value::Null).await?;
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    async fn raw(
        &mut self,
        method: &str,
        path: &str,
        token: &str,
        body: Value,
    ) -> anyhow::Result<(u16, Vec<u8>)> {
        let body = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        let request = format!(
            "{method} {path} HTTP/1.1\r\nhost: {}\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        self.stream.get_mut().write_all(request.as_bytes()).await?;
        let mut line = String::new();
        self.stream.read_line(&mut line).await?;
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .context("not an HTTP answer")?;
        let mut length = 0usize;
        loop {
            line.clear();
            self.stream.read_line(&mut line).await?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse()?;
            }
        }
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body).await?;
        Ok((status, body))
    }
}

/// A `rally serve` child process, killed when dropped.
#[derive(Debug)]
pub struct BenchNode {
    /// Where it listens.
    pub addr: SocketAddr,
    child: Child,
}

impl BenchNode {
    /// Starts `exe serve --roles <roles>` in `dir` with `key`, `env`, and waits for it.
    pub fn start(
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
        let mut command = Command::new(exe);
        for (name, _) in std::env::vars() {
            if name.starts_with("RALLY_") {
                command.env_remove(name);
            }
        }
        command
            .env("RALLY_DATA_DIR", dir)
            .env("RALLY_TOKEN_SIGNING_KEY", key)
            .env("RALLY_API_LIMIT_PER_MINUTE", "1000000")
            .env("RALLY_PARTY_MAX_SIZE", "100")
            .env("RALLY_LOG_LEVEL", "warn")
            .envs(env.iter().copied())
            // A `rally.toml` the bench wrote into `dir` is read from here.
            .current_dir(dir)
            .args(["serve", "--roles", roles, "--listen", &addr.to_string()])
            .stdout(Stdio::null());
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {}", exe.display()))?;
        let mut node = Self { addr, child };
        node.wait_ready()?;
        Ok(node)
    }

    fn wait_ready(&mut self) -> anyhow::Result<()> {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                bail!("the bench node exited early with {status}");
            }
            if std::net::TcpStream::connect(self.addr).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("the bench node did not listen within 60 s")
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for BenchNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A process's resident memory in bytes, where the platform says (Linux).
pub fn rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(PathBuf::from(format!("/proc/{pid}/status"))).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
