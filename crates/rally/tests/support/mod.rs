//! Real `rally serve` processes on the networked backends, and the HTTP and WebSocket clients
//! a test drives them with.

#![allow(dead_code)]

pub mod redis_server;

use std::{
    net::{SocketAddr, TcpListener},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use futures::{SinkExt, StreamExt};
use serde_json::Value;
use sqlx::{Connection, Executor, PgConnection};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{Message, client::IntoClientRequest},
};

pub fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One deployment's shared backends: a fresh PostgreSQL database, a Redis namespace and NATS
/// streams of their own, removed when dropped.
pub struct Deployment {
    pub database_name: String,
    pub database_url: String,
    pub redis_url: String,
    pub nats_url: String,
    pub namespace: String,
    pub signing_key: String,
    pub data: tempfile::TempDir,
}

impl Deployment {
    pub async fn new() -> Self {
        let admin = admin_url();
        let mut connection = PgConnection::connect(&admin).await.unwrap_or_else(|e| {
            panic!("PostgreSQL is unreachable at RALLY_TEST_DATABASE_URL={admin}: {e}")
        });
        let database_name = format!("rally_test_{}", uuid::Uuid::new_v4().simple());
        connection
            .execute(sqlx::AssertSqlSafe(format!(
                "CREATE DATABASE {database_name}"
            )))
            .await
            .unwrap();
        let (base, _) = admin.rsplit_once('/').unwrap();
        Self {
            database_url: format!("{base}/{database_name}"),
            database_name,
            redis_url: env_or("RALLY_TEST_REDIS_URL", "redis://127.0.0.1:6379"),
            nats_url: env_or("RALLY_TEST_NATS_URL", "nats://127.0.0.1:4222"),
            namespace: format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
            signing_key: format!("test-key-{}", uuid::Uuid::new_v4().simple()),
            data: tempfile::tempdir().unwrap(),
        }
    }

    /// Starts `rally serve` with `roles` and extra `RALLY_*` settings, and waits until it is
    /// ready.
    pub fn node(&self, roles: &str, extra: &[(&str, &str)]) -> Node {
        self.node_logging_to(roles, extra, Stdio::inherit())
    }

    /// [`Deployment::node`], its log (standard error) written to the file it returns.
    pub fn node_logged(&self, roles: &str, extra: &[(&str, &str)]) -> (Node, std::path::PathBuf) {
        let path =
            self.data
                .path()
                .join(format!("{}-{}.log", roles.replace(',', "-"), free_port()));
        let file = std::fs::File::create(&path).unwrap();
        (self.node_logging_to(roles, extra, Stdio::from(file)), path)
    }

    fn node_logging_to(&self, roles: &str, extra: &[(&str, &str)], log: Stdio) -> Node {
        let port = free_port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let dir = self.data.path().join(format!("node-{port}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut command = rally(&dir);
        command
            .env("RALLY_DATABASE_URL", &self.database_url)
            .env("RALLY_REDIS_URL", &self.redis_url)
            .env("RALLY_NATS_URL", &self.nats_url)
            .env("RALLY_NAMESPACE", &self.namespace)
            .env("RALLY_TOKEN_SIGNING_KEY", &self.signing_key)
            .env("RALLY_REGISTER_LIMIT_PER_HOUR", "10000")
            .env("RALLY_LOGIN_LIMIT_PER_MINUTE", "10000");
        for (key, value) in extra {
            command.env(key, value);
        }
        let child = command
            .args(["serve", "--roles", roles, "--listen", &addr.to_string()])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut node = Node { addr, child };
        node.wait_ready(&dir);
        node
    }

    /// Runs a `rally` command (`player ban ...`) against this deployment's backends; its
    /// output once it exits.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        self.cli_command(args).output().unwrap()
    }

    /// [`Deployment::cli`] with `input` on its standard input.
    pub fn cli_with_input(&self, args: &[&str], input: &str) -> std::process::Output {
        use std::io::Write;
        let mut child = self
            .cli_command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    fn cli_command(&self, args: &[&str]) -> Command {
        let dir = self.data.path().join("cli");
        std::fs::create_dir_all(&dir).unwrap();
        let mut command = rally(&dir);
        command
            .env("RALLY_DATABASE_URL", &self.database_url)
            .env("RALLY_REDIS_URL", &self.redis_url)
            .env("RALLY_NATS_URL", &self.nats_url)
            .env("RALLY_NAMESPACE", &self.namespace)
            .env("RALLY_TOKEN_SIGNING_KEY", &self.signing_key)
            .args(args);
        command
    }

    async fn clean_up(&self) {
        if let Ok(events) = rally_events::Events::nats(&self.nats_url, &self.namespace).await {
            let _ = events.delete_streams().await;
        }
        if let Ok(mut connection) = PgConnection::connect(&admin_url()).await {
            let _ = connection
                .execute(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.database_name
                )))
                .await;
        }
    }
}

impl Drop for Deployment {
    fn drop(&mut self) {
        let this = Deployment {
            database_name: self.database_name.clone(),
            database_url: String::new(),
            redis_url: String::new(),
            nats_url: self.nats_url.clone(),
            namespace: self.namespace.clone(),
            signing_key: String::new(),
            data: tempfile::tempdir().unwrap(),
        };
        // Drop cannot await, and also runs when the test panicked: use a runtime of its own.
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async {
                    this.clean_up().await;
                    std::mem::forget(this);
                });
        })
        .join();
    }
}

fn admin_url() -> String {
    env_or(
        "RALLY_TEST_DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/postgres",
    )
}

/// `rally` with a clean environment (no RALLY_* from the caller) inside `dir`.
pub fn rally(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rally"));
    command.current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("RALLY_") {
            command.env_remove(key);
        }
    }
    command.env("RALLY_LOG_LEVEL", "warn");
    command.env("RALLY_DATA_DIR", dir);
    command
}

/// A `rally serve` process, killed when dropped.
pub struct Node {
    pub addr: SocketAddr,
    pub child: Child,
}

impl Node {
    /// Starts `rally serve` in `dir` with no backends configured (SQLite, in-process state and
    /// events, every role), and extra `RALLY_*` settings; a `rally.toml` in `dir` is read.
    pub fn embedded(dir: &Path, extra: &[(&str, &str)]) -> Node {
        Self::embedded_in(dir, extra, None)
    }

    /// Like [`Node::embedded`], in a process whose open-files limit (soft and hard) is
    /// `files`, as on a host that never raised the common default of 1,024.
    pub fn embedded_with_file_limit(dir: &Path, extra: &[(&str, &str)], files: u64) -> Node {
        Self::embedded_in(dir, extra, Some(files))
    }

    fn embedded_in(dir: &Path, extra: &[(&str, &str)], files: Option<u64>) -> Node {
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let mut command = match files {
            None => rally(dir),
            Some(files) => {
                let mut command = rally(dir);
                let program = command.get_program().to_owned();
                let mut shell = Command::new("sh");
                shell.current_dir(dir);
                for (key, value) in command.get_envs() {
                    match value {
                        Some(value) => shell.env(key, value),
                        None => shell.env_remove(key),
                    };
                }
                shell
                    .arg("-c")
                    .arg(format!(
                        "ulimit -Sn {files} && ulimit -Hn {files} && exec \"$0\" \"$@\""
                    ))
                    .arg(program);
                command = shell;
                command
            }
        };
        command
            .env("RALLY_REGISTER_LIMIT_PER_HOUR", "10000")
            .env("RALLY_LOGIN_LIMIT_PER_MINUTE", "10000");
        for (key, value) in extra {
            command.env(key, value);
        }
        let child = command
            .args(["serve", "--listen", &addr.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut node = Node { addr, child };
        node.wait_ready(dir);
        node
    }

    /// The node's base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn wait_ready(&mut self, dir: &Path) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("rally serve exited early with {status}");
            }
            let health = rally(dir)
                .args(["health", "--addr", &self.addr.to_string()])
                .output()
                .unwrap();
            if health.status.success() {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("rally serve did not become ready at {}", self.addr);
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// An HTTP request to this node; the status and the JSON body (`Null` when empty).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        http(self.addr, method, path, token, body).await
    }

    /// Registers `username`; its player id and access token.
    pub async fn register(&self, username: &str) -> (String, String) {
        let (status, body) = self
            .call(
                "POST",
                "/v1/auth/register",
                None,
                Some(serde_json::json!({
                    "username": username,
                    "email": format!("{username}@example.com"),
                    "password": "correct horse battery",
                })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        (
            body["player"]["id"].as_str().unwrap().to_owned(),
            body["access_token"].as_str().unwrap().to_owned(),
        )
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One HTTP/1.1 request over a fresh connection.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let answer = http_answer(addr, method, path, token, body).await;
    (answer.status, answer.body)
}

/// A response: status, headers (lowercased names) and the JSON body (`Null` when empty).
#[derive(Debug)]
pub struct HttpAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl HttpAnswer {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// The value of the unlabelled metric `name` on the node at `addr`'s `/metrics`, once it has
/// one.
pub async fn metric(addr: SocketAddr, name: &str) -> Option<f64> {
    let (_, _, text) = http_text(addr, "GET", "/metrics", None, None).await;
    text.lines().find_map(|line| {
        line.strip_prefix(name)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

/// The sum of every series of metric `name` on the node at `addr` (`None` when it has none).
pub async fn metric_sum(addr: SocketAddr, name: &str) -> Option<f64> {
    let (_, _, text) = http_text(addr, "GET", "/metrics", None, None).await;
    let values: Vec<f64> = text
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix(name)?;
            let value = if let Some(labelled) = rest.strip_prefix('{') {
                labelled.split_once("} ")?.1
            } else {
                rest.strip_prefix(' ')?
            };
            value.trim().parse::<f64>().ok()
        })
        .collect();
    (!values.is_empty()).then(|| values.iter().sum())
}

/// Waits until `condition` holds, for at most 20 s: for work nodes do in the background after
/// something the test did, never for a deadline.
pub async fn until<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while tokio::time::Instant::now() < deadline {
        if condition().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{what}: not within 20 s");
}

/// One HTTP/1.1 request over a fresh connection, with the response's headers.
pub async fn http_answer(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> HttpAnswer {
    let (status, headers, body) = http_text(addr, method, path, token, body).await;
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
    };
    HttpAnswer {
        status,
        headers,
        body,
    }
}

/// One HTTP/1.1 request over a fresh connection: status, headers (lowercased names), body text.
pub async fn http_text(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Vec<(String, String)>, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let auth = token.map_or(String::new(), |t| format!("authorization: Bearer {t}\r\n"));
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-type: application/json\r\n{auth}content-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8(response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

/// A gateway client.
pub struct Socket {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Socket {
    /// Connects to `addr`'s gateway with `token` and reads the `hello`.
    pub async fn connect(addr: SocketAddr, token: &str) -> (Socket, Value) {
        let mut request = format!("ws://{addr}/v1/ws").into_client_request().unwrap();
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        let (ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        let mut socket = Socket { ws };
        let hello = socket.next_json(Duration::from_secs(10)).await.unwrap();
        assert_eq!(hello["type"], "hello", "{hello}");
        (socket, hello)
    }

    /// The next JSON frame within `patience`, or `None`.
    pub async fn next_json(&mut self, patience: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()??;
            match frame.ok()? {
                Message::Text(text) => return Some(serde_json::from_str(text.as_str()).unwrap()),
                Message::Close(_) => return None,
                _ => {}
            }
        }
    }

    /// Reads until the server closes the socket, within `patience`: the close code and the
    /// JSON frames that came before it; `None` when it stayed open.
    pub async fn until_closed(&mut self, patience: Duration) -> Option<(u16, Vec<Value>)> {
        let deadline = tokio::time::Instant::now() + patience;
        let mut frames = Vec::new();
        loop {
            let frame = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()?;
            match frame {
                Some(Ok(Message::Text(text))) => {
                    frames.push(serde_json::from_str(text.as_str()).unwrap());
                }
                Some(Ok(Message::Close(close))) => {
                    return Some((close.map_or(1005, |c| u16::from(c.code)), frames));
                }
                Some(Ok(_)) => {}
                None | Some(Err(_)) => return Some((1006, frames)),
            }
        }
    }

    /// Skips frames until one of `kind`; panics when none comes within 10 s.
    pub async fn next_of(&mut self, kind: &str) -> Value {
        loop {
            let frame = self
                .next_json(Duration::from_secs(10))
                .await
                .unwrap_or_else(|| panic!("no {kind} in time"));
            if frame["type"] == kind {
                return frame;
            }
        }
    }

    /// Sends a request and waits for its reply.
    pub async fn request(&mut self, request: Value) -> Value {
        let id = request["id"].as_str().unwrap().to_owned();
        self.ws
            .send(Message::Text(request.to_string().into()))
            .await
            .unwrap();
        loop {
            let frame = self.next_json(Duration::from_secs(10)).await.unwrap();
            if frame["id"] == id.as_str() {
                return frame;
            }
        }
    }
}
