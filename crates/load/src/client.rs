//! [`HttpClient`]: JSON calls to a bench node over reqwest's pool of keep-alive connections.

use std::{net::SocketAddr, time::Duration};

use anyhow::Context;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// Idle pooled connections are dropped after this, before the node's header timeout (10 s by
/// default) closes them under a request about to be sent.
const POOL_IDLE: Duration = Duration::from_secs(5);
/// A call that takes longer has failed: a benchmark must end even when its node hangs.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// A node's answer: its status and its JSON body (`Null` when empty or not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    /// The HTTP status.
    pub status: StatusCode,
    /// The body, parsed.
    pub body: Value,
    /// How long the node asked the caller to wait before trying again (`Retry-After`, in
    /// seconds), when it said.
    pub retry_after: Option<Duration>,
}

/// JSON calls to one node. Cloning is cheap and shares the connections.
#[derive(Debug, Clone)]
pub struct HttpClient {
    base: String,
    http: reqwest::Client,
}

impl HttpClient {
    /// A client of the node listening on `addr`.
    pub fn new(addr: SocketAddr) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            // Bench nodes listen on loopback: a proxy from the environment must not intervene.
            .no_proxy()
            .tcp_nodelay(true)
            .pool_idle_timeout(POOL_IDLE)
            .timeout(CALL_TIMEOUT)
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Self {
            base: format!("http://{addr}"),
            http,
        })
    }

    /// One call of `method` on `path`, with `token` as its bearer token and `body` as its JSON
    /// body when given.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> anyhow::Result<Reply> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = response.bytes().await?;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        Ok(Reply {
            status,
            body,
            retry_after,
        })
    }

    /// A `GET` whose body is text (`/metrics`).
    pub async fn text(&self, path: &str) -> anyhow::Result<String> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await?
            .error_for_status()?;
        Ok(response.text().await?)
    }
}
