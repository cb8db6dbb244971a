//! The HTTP server's settings: connection limits, client deadlines, the bound on backend
//! calls, and where `/metrics` is served.

use std::time::Duration;

use super::{Settings, SettingsError};

impl Settings {
    pub(super) fn validate_http(&self) -> Result<(), SettingsError> {
        let invalid = |key: &str, why: &str| Err(SettingsError::Invalid(format!("`{key}`: {why}")));
        if !(10..=30_000).contains(&self.node.backend_timeout_ms) {
            return invalid("backend_timeout_ms", "must be between 10 and 30000");
        }
        if !(1..=self.node.backend_timeout_ms).contains(&self.node.store_queue_ms) {
            return invalid(
                "store_queue_ms",
                "must be between 1 and `backend_timeout_ms`",
            );
        }
        if self.http.max_connections != 0 && !(16..=10_000_000).contains(&self.http.max_connections)
        {
            return invalid(
                "max_connections",
                "must be 0 (from the open-files limit) or between 16 and 10000000",
            );
        }
        if !(1..=1_000_000).contains(&self.http.max_requests_in_flight) {
            return invalid("max_requests_in_flight", "must be between 1 and 1000000");
        }
        if !(100..=300_000).contains(&self.http.http_header_timeout_ms) {
            return invalid("http_header_timeout_ms", "must be between 100 and 300000");
        }
        if !(100..=3_600_000).contains(&self.http.http_body_timeout_ms) {
            return invalid("http_body_timeout_ms", "must be between 100 and 3600000");
        }
        if self.telemetry.metrics_listen == Some(self.node.listen) && self.node.listen.port() != 0 {
            return invalid("metrics_listen", "must differ from `listen`");
        }
        Ok(())
    }

    /// The bound on one backend call.
    pub fn backend_timeout(&self) -> Duration {
        Duration::from_millis(self.node.backend_timeout_ms)
    }

    /// The longest a player's request waits for its turn at the store.
    pub fn store_queue(&self) -> Duration {
        Duration::from_millis(self.node.store_queue_ms)
    }

    /// How long a connection may take to send a request's headers.
    pub fn http_header_timeout(&self) -> Duration {
        Duration::from_millis(self.http.http_header_timeout_ms)
    }

    /// How long a request body may take to arrive.
    pub fn http_body_timeout(&self) -> Duration {
        Duration::from_millis(self.http.http_body_timeout_ms)
    }
}
