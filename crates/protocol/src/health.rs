//! The readiness report: which backends a node depends on, and whether each answers.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The body of `GET /readyz`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Readiness {
    /// `ready` when every backend answered, `unavailable` otherwise.
    pub status: String,
    /// One entry per configured backend, in a fixed order: store, state, events.
    pub backends: Vec<BackendHealth>,
}

/// One backend's answer to a readiness check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BackendHealth {
    /// What the backend does for Rally: `store`, `state` or `events`.
    pub role: String,
    /// Which implementation serves it: `sqlite`, `postgres`, `memory`, `redis`, `in-process`, `nats`.
    pub name: String,
    /// Whether it answered within the check's time limit.
    pub ok: bool,
    /// How long it took to answer, in milliseconds (absent when it did not answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f64>,
    /// Why it is not ready (a short, non-secret description).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Readiness {
    /// Whether every backend is ready.
    pub fn is_ready(&self) -> bool {
        self.backends.iter().all(|b| b.ok)
    }
}
