//! Admission: a bound on the requests a node works on at once. Past it a request is answered
//! 503 `backend_unavailable` with `Retry-After` at once, instead of joining a queue that only
//! grows while the node is overloaded (and making every request late, not just the excess).
//!
//! Requests come in three kinds ([`Kind`]). Health, readiness and metrics are always admitted,
//! so probes see the node as it is. Game servers' calls (`/v1/server/...`) finish matches players
//! are already in: they have slots of their own, as many as the players', and their store
//! transactions wait their turn like the node's background work. Players' requests are admitted
//! within their slots and their store transactions are [`rally_store::sheddable`]: past the knee a
//! player is asked to come back before a played match's heartbeat or result is dropped.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tokio::sync::Semaphore;

use super::ApiError;

/// The node's request slots: one set for players, one for game servers.
#[derive(Debug, Clone)]
pub struct Admission {
    players: Arc<Semaphore>,
    game_servers: Arc<Semaphore>,
}

impl Admission {
    /// Room for `limit` players' requests and `limit` game servers' requests at once.
    pub fn new(limit: usize) -> Self {
        Self {
            players: Arc::new(Semaphore::new(limit)),
            game_servers: Arc::new(Semaphore::new(limit)),
        }
    }
}

/// What a request is, for admission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Health, readiness, metrics: never refused.
    Probe,
    /// A game server finishing a match: its own slots, never shed at the store.
    GameServer,
    /// Everything else.
    Player,
}

impl Kind {
    fn of(path: &str) -> Self {
        match path {
            "/healthz" | "/readyz" | "/metrics" => Self::Probe,
            _ if path.starts_with("/v1/server/") => Self::GameServer,
            _ => Self::Player,
        }
    }
}

/// Middleware: admits the request while a slot of its kind is free, else answers 503 at once.
pub async fn admit(State(admission): State<Admission>, request: Request, next: Next) -> Response {
    let kind = Kind::of(request.uri().path());
    let slots = match kind {
        Kind::Probe => return next.run(request).await,
        Kind::GameServer => &admission.game_servers,
        Kind::Player => &admission.players,
    };
    let Ok(slot) = slots.clone().try_acquire_owned() else {
        metrics::counter!("rally_http_requests_shed_total").increment(1);
        return ApiError::unavailable().into_response();
    };
    let response = match kind {
        // A player's transactions are refused at once while the store's writers are queued past
        // `store_queue_ms`, rather than waiting for a turn they would miss.
        Kind::Player => rally_store::sheddable(next.run(request)).await,
        _ => next.run(request).await,
    };
    drop(slot);
    response
}

#[cfg(test)]
mod tests {
    use super::Kind;

    #[test]
    fn requests_are_told_apart_by_path() {
        assert_eq!(Kind::of("/healthz"), Kind::Probe);
        assert_eq!(Kind::of("/metrics"), Kind::Probe);
        assert_eq!(Kind::of("/v1/server/sessions/0/result"), Kind::GameServer);
        assert_eq!(Kind::of("/v1/server"), Kind::Player);
        assert_eq!(Kind::of("/v1/queue"), Kind::Player);
        assert_eq!(Kind::of("/healthz/extra"), Kind::Player);
    }
}
