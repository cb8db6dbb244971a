//! [`Allocator`]: finds a game server for a match.
//!
//! - `static`: the least-loaded endpoint of the match's region in the configured pool, load
//!   being the sessions that have not ended on each endpoint (read from the store, so capacity
//!   comes back when a session ends, whichever node ended it).
//! - `webhook`: `POST allocator_webhook_url` with `{match_id, mode, region, player_ids}`; the
//!   studio's fleet manager answers 200 `{"endpoint": "host:port"}`. Each attempt is bounded by
//!   `allocator_webhook_timeout_ms`; failed attempts are retried with doubling backoff, up to
//!   `allocator_webhook_attempts`. Each attempt is an `allocation.webhook` span within its
//!   allocation's span, and sends its W3C `traceparent` so the fleet manager can join the trace.

use std::{collections::HashMap, time::Duration};

use rally_store::Store;
use serde::{Deserialize, Serialize};
use tracing::{Instrument, Span};
use uuid::Uuid;

use crate::settings::{AllocatorKind, GameServer, Settings};

/// What a game server is asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AllocationRequest {
    /// The match.
    pub match_id: Uuid,
    /// Its queue.
    pub mode: String,
    /// Its region.
    pub region: String,
    /// Its players.
    pub player_ids: Vec<Uuid>,
}

/// Why no server was found (the `reason` label of `rally_allocation_failures_total`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllocationError {
    /// Every endpoint of the region is full, or the region has none.
    #[error("no capacity in region {0}")]
    NoCapacity(String),
    /// The fleet manager failed, timed out or answered something unusable, every attempt.
    #[error("the allocation webhook failed: {0}")]
    Webhook(String),
    /// The store could not tell the endpoints' load.
    #[error("cannot read the servers' load: {0}")]
    Store(String),
}

impl AllocationError {
    /// A short label for metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            AllocationError::NoCapacity(_) => "no_capacity",
            AllocationError::Webhook(_) => "webhook",
            AllocationError::Store(_) => "store",
        }
    }
}

#[derive(Debug, Deserialize)]
struct WebhookAnswer {
    endpoint: String,
}

/// The allocator the settings choose.
#[derive(Debug, Clone)]
pub enum Allocator {
    /// A pool of endpoints.
    Static(Vec<GameServer>),
    /// The studio's fleet manager.
    Webhook {
        /// The HTTP client (its timeout is the per-attempt bound).
        client: reqwest::Client,
        /// Where to ask.
        url: String,
        /// How many attempts.
        attempts: u32,
    },
}

impl Allocator {
    /// The allocator of validated settings.
    pub fn from_settings(settings: &Settings) -> Self {
        match settings.sessions.allocator {
            AllocatorKind::Static => Allocator::Static(settings.game_server_pool()),
            AllocatorKind::Webhook => Allocator::Webhook {
                client: reqwest::Client::builder()
                    .timeout(Duration::from_millis(
                        settings.sessions.allocator_webhook_timeout_ms,
                    ))
                    .build()
                    .expect("BUG: a client with a timeout builds"),
                url: settings
                    .sessions
                    .allocator_webhook_url
                    .as_ref()
                    .expect("BUG: the webhook allocator's url was validated")
                    .expose()
                    .to_owned(),
                attempts: settings.sessions.allocator_webhook_attempts,
            },
        }
    }

    /// Finds a server for each request, one answer per request in their order; each request
    /// comes with the span of its allocation. The static pool reads the endpoints' load once and
    /// counts each choice before making the next; the webhook is called for every request at
    /// once.
    pub async fn allocate_all(
        &self,
        store: &Store,
        requests: &[(&AllocationRequest, Span)],
    ) -> Vec<Result<String, AllocationError>> {
        if requests.is_empty() {
            return Vec::new();
        }
        match self {
            Allocator::Static(pool) => {
                let mut load: HashMap<String, i64> = match store.endpoint_load().await {
                    Ok(load) => load.into_iter().collect(),
                    Err(error) => {
                        let error = AllocationError::Store(error.to_string());
                        return requests.iter().map(|_| Err(error.clone())).collect();
                    }
                };
                requests
                    .iter()
                    .map(|(request, _)| {
                        let endpoint = least_loaded(pool, &load, &request.region)
                            .ok_or_else(|| AllocationError::NoCapacity(request.region.clone()))?;
                        *load.entry(endpoint.clone()).or_default() += 1;
                        Ok(endpoint)
                    })
                    .collect()
            }
            Allocator::Webhook {
                client,
                url,
                attempts,
            } => {
                let calls = requests.iter().map(|(request, span)| {
                    with_retries(client, url, *attempts, request).instrument(span.clone())
                });
                futures::future::join_all(calls).await
            }
        }
    }
}

/// Asks the webhook for a server for `request`, up to `attempts` times with doubling backoff.
async fn with_retries(
    client: &reqwest::Client,
    url: &str,
    attempts: u32,
    request: &AllocationRequest,
) -> Result<String, AllocationError> {
    let mut last = String::new();
    for attempt in 0..attempts {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(100 << attempt.min(6))).await;
        }
        // OpenTelemetry's HTTP client attributes; never the body or the URL's query.
        let span = tracing::info_span!(
            "allocation.webhook",
            http.request.method = "POST",
            http.request.resend_count = attempt,
            http.response.status_code = tracing::field::Empty,
            error.type = tracing::field::Empty,
        );
        let answer = call(client, url, request, &span)
            .instrument(span.clone())
            .await;
        match answer {
            Ok(endpoint) => return Ok(endpoint),
            Err(error) => {
                span.record("error.type", error.kind());
                last = error.to_string();
            }
        }
    }
    Err(AllocationError::Webhook(last))
}

/// Why one webhook call found no server.
#[derive(Debug, thiserror::Error)]
enum CallError {
    #[error("{0}")]
    Unreachable(String),
    #[error("answered {0}")]
    Status(reqwest::StatusCode),
    #[error("unreadable answer: {0}")]
    Unreadable(String),
    #[error("answered an empty endpoint")]
    Empty,
}

impl CallError {
    /// The span's `error.type`.
    fn kind(&self) -> &'static str {
        match self {
            CallError::Unreachable(_) => "unreachable",
            CallError::Status(_) => "status",
            CallError::Unreadable(_) => "unreadable",
            CallError::Empty => "empty_endpoint",
        }
    }
}

async fn call(
    client: &reqwest::Client,
    url: &str,
    request: &AllocationRequest,
    span: &Span,
) -> Result<String, CallError> {
    let mut post = client.post(url).json(request);
    if let Some(traceparent) = crate::telemetry::trace_context::traceparent_of(span) {
        post = post.header("traceparent", traceparent);
    }
    let response = post
        .send()
        .await
        .map_err(|e| CallError::Unreachable(e.without_url().to_string()))?;
    let status = response.status();
    span.record("http.response.status_code", status.as_u16());
    if !status.is_success() {
        return Err(CallError::Status(status));
    }
    let answer: WebhookAnswer = response
        .json()
        .await
        .map_err(|e| CallError::Unreadable(e.without_url().to_string()))?;
    if answer.endpoint.is_empty() {
        return Err(CallError::Empty);
    }
    Ok(answer.endpoint)
}

/// The endpoint of `region` with the lowest load for its capacity, among those not full.
fn least_loaded(pool: &[GameServer], load: &HashMap<String, i64>, region: &str) -> Option<String> {
    pool.iter()
        .filter(|server| server.region == region)
        .map(|server| {
            let used = load.get(&server.endpoint).copied().unwrap_or(0).max(0) as f64;
            (server, used, f64::from(server.capacity))
        })
        .filter(|(_, used, capacity)| used < capacity)
        .min_by(|a, b| (a.1 / a.2).total_cmp(&(b.1 / b.2)))
        .map(|(server, _, _)| server.endpoint.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(endpoint: &str, region: &str, capacity: u32) -> GameServer {
        GameServer {
            endpoint: endpoint.to_owned(),
            region: region.to_owned(),
            capacity,
        }
    }

    fn request(region: &str) -> AllocationRequest {
        AllocationRequest {
            match_id: Uuid::now_v7(),
            mode: "duel".to_owned(),
            region: region.to_owned(),
            player_ids: vec![Uuid::now_v7(), Uuid::now_v7()],
        }
    }

    #[tokio::test]
    async fn a_batch_counts_each_choice_before_the_next_and_never_overfills() {
        let dir = tempfile::tempdir().expect("a directory");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("rally.db").display()
        );
        let store = Store::connect(&url).await.expect("a store");
        store.migrate().await.expect("migrated");
        let pool = Allocator::Static(vec![server("a:1", "eu", 2), server("b:1", "eu", 1)]);
        let (eu, na) = (request("eu"), request("na"));
        let batch = [&eu, &eu, &na, &eu, &eu].map(|request| (request, Span::none()));
        let chosen = pool.allocate_all(&store, &batch).await;
        assert_eq!(
            chosen,
            vec![
                Ok("a:1".to_owned()),
                Ok("b:1".to_owned()),
                Err(AllocationError::NoCapacity("na".to_owned())),
                Ok("a:1".to_owned()),
                Err(AllocationError::NoCapacity("eu".to_owned())),
            ]
        );
        assert!(pool.allocate_all(&store, &[]).await.is_empty());
    }

    #[test]
    fn the_least_loaded_endpoint_of_the_region_with_room_is_chosen() {
        let pool = [
            server("a:1", "eu", 10),
            server("b:1", "eu", 2),
            server("c:1", "na", 10),
        ];
        let mut load = HashMap::new();
        assert_eq!(least_loaded(&pool, &load, "eu").as_deref(), Some("a:1"));
        load.insert("a:1".to_owned(), 5);
        assert_eq!(
            least_loaded(&pool, &load, "eu").as_deref(),
            Some("b:1"),
            "0/2 beats 5/10"
        );
        load.insert("b:1".to_owned(), 2);
        assert_eq!(
            least_loaded(&pool, &load, "eu").as_deref(),
            Some("a:1"),
            "b is full"
        );
        load.insert("a:1".to_owned(), 10);
        assert_eq!(least_loaded(&pool, &load, "eu"), None);
        assert_eq!(least_loaded(&pool, &load, "moon"), None);
    }
}
