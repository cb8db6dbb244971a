//! Requests to Rally's HTTP API and the decoding of its answers, problems included.

use std::time::Duration;

use rally_protocol::Problem;
use reqwest::{Method, StatusCode, header};
use serde::{Serialize, de::DeserializeOwned};

use crate::error::{Error, Result};

/// Rally's HTTP API at one base URL.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    base: String,
}

/// One request: a method, a path below the base URL, and what goes with it.
pub(crate) struct Call {
    method: Method,
    path: String,
    bearer: Option<String>,
    body: Option<serde_json::Value>,
}

/// The bearer (a token or the server key) and the body (passwords, tokens) never print.
impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("method", &self.method)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Call {
    pub(crate) fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            bearer: None,
            body: None,
        }
    }

    pub(crate) fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    pub(crate) fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }

    pub(crate) fn patch(path: impl Into<String>) -> Self {
        Self::new(Method::PATCH, path)
    }

    pub(crate) fn put(path: impl Into<String>) -> Self {
        Self::new(Method::PUT, path)
    }

    pub(crate) fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, path)
    }

    /// Authenticated with `token` (an access token, or a game server's key).
    pub(crate) fn bearer(mut self, token: &str) -> Self {
        self.bearer = Some(token.to_owned());
        self
    }

    /// With a JSON body.
    pub(crate) fn json(mut self, body: &impl Serialize) -> Result<Self> {
        self.body =
            Some(serde_json::to_value(body).map_err(|e| Error::InvalidArgument(e.to_string()))?);
        Ok(self)
    }

    /// With a query string made of `query`'s fields (absent options are left out).
    pub(crate) fn query(mut self, query: &impl Serialize) -> Result<Self> {
        let value =
            serde_json::to_value(query).map_err(|e| Error::InvalidArgument(e.to_string()))?;
        let pairs: Vec<String> = value
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| {
                let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                format!("{}={}", encode(k), encode(&v))
            })
            .collect();
        if !pairs.is_empty() {
            self.path = format!("{}?{}", self.path, pairs.join("&"));
        }
        Ok(self)
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

impl Http {
    /// A client of the Rally at `base_url` (`http://` or `https://`), each request bounded by
    /// `timeout`.
    pub(crate) fn new(base_url: &str, timeout: Duration) -> Result<Self> {
        let base = base_url.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) || base.len() < 10 {
            return Err(Error::InvalidArgument(format!(
                "the base URL must start with http:// or https://, not {base_url:?}"
            )));
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("rally-sdk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Transport(e.to_string()))?;
        Ok(Self { client, base })
    }

    /// The base URL, without a trailing slash.
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// Sends `call` and decodes its JSON answer; an empty answer (204) decodes as `()`.
    pub(crate) async fn json<T: DeserializeOwned>(&self, call: Call) -> Result<T> {
        let response = self.send(call).await?;
        let bytes = response.bytes().await?;
        let body: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
        serde_json::from_slice(body).map_err(|e| Error::Protocol(e.to_string()))
    }

    async fn send(&self, call: Call) -> Result<reqwest::Response> {
        let mut request = self
            .client
            .request(call.method, format!("{}{}", self.base, call.path));
        if let Some(token) = call.bearer {
            request = request.bearer_auth(token);
        }
        if let Some(body) = call.body {
            request = request
                .header(header::CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        let response = request.send().await?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(refusal(response).await)
    }
}

/// The error of an answer that is not a success.
async fn refusal(response: reqwest::Response) -> Error {
    let status = response.status();
    let header_delay = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let body = response.bytes().await.unwrap_or_default();
    let problem = serde_json::from_slice::<Problem>(&body).unwrap_or_else(|_| {
        let title = status.canonical_reason().unwrap_or("Error");
        Problem::new(status.as_u16(), fallback_code(status), title)
    });
    let retry_after = problem
        .retry_after_s
        .or(header_delay)
        .map(Duration::from_secs);
    Error::Api {
        problem: Box::new(problem),
        retry_after,
    }
}

/// A code for an answer without a problem body (a proxy in front of Rally, say).
fn fallback_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        429 => "rate_limited",
        502..=504 => "unavailable",
        500..=599 => "internal",
        404 => "not_found",
        _ => "http_error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Params {
        mode: String,
        cursor: Option<String>,
        limit: Option<u32>,
    }

    #[test]
    fn a_query_leaves_out_absent_fields_and_encodes_the_rest() {
        let params = Params {
            mode: "duel & more".into(),
            cursor: None,
            limit: Some(5),
        };
        let call = Call::get("/v1/x").query(&params).expect("encodes");
        let (path, query) = call.path.split_once('?').expect("a query");
        let mut pairs: Vec<&str> = query.split('&').collect();
        pairs.sort_unstable();
        assert_eq!(
            (path, pairs),
            ("/v1/x", vec!["limit=5", "mode=duel%20%26%20more"])
        );
    }

    #[test]
    fn base_urls_must_be_http_or_https() {
        let timeout = Duration::from_secs(1);
        assert!(Http::new("ftp://example.com", timeout).is_err());
        assert!(Http::new("localhost:8080", timeout).is_err());
        let http = Http::new("http://127.0.0.1:8080/", timeout).expect("valid");
        assert_eq!(http.base(), "http://127.0.0.1:8080");
    }
}
