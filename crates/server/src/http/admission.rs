//! Admission: a bound on the requests a node works on at once. Past it a request is answered
//! 503 `backend_unavailable` with `Retry-After` at once, instead of joining a queue that only
//! grows while the node is overloaded (and making every request late, not just the excess).
//! Health, readiness and metrics are always admitted, so probes see the node as it is. An
//! admitted request's store transactions are [`rally_store::sheddable`].

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tokio::sync::Semaphore;

use super::ApiError;

/// The node's request slots.
#[derive(Debug, Clone)]
pub struct Admission {
    slots: Arc<Semaphore>,
}

impl Admission {
    /// Room for `limit` requests at once.
    pub fn new(limit: usize) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(limit)),
        }
    }
}

/// Paths that are never refused.
fn always_admitted(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// Middleware: admits the request while a slot is free, else answers 503 at once.
pub async fn admit(State(admission): State<Admission>, request: Request, next: Next) -> Response {
    if always_admitted(request.uri().path()) {
        return next.run(request).await;
    }
    match admission.slots.clone().try_acquire_owned() {
        Ok(slot) => {
            // A request's transactions are refused at once while the store's writers are
            // queued past `store_queue_ms`, rather than waiting for a turn they would miss.
            let response = rally_store::sheddable(next.run(request)).await;
            drop(slot);
            response
        }
        Err(_) => {
            metrics::counter!("rally_http_requests_shed_total").increment(1);
            ApiError::unavailable().into_response()
        }
    }
}
