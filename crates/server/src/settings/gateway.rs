//! The WebSocket gateway settings: keep-alive, resume grace, and the limits that protect a node
//! from one client.

use std::time::Duration;

use super::{Settings, SettingsError};

impl Settings {
    pub(super) fn validate_gateway(&self) -> Result<(), SettingsError> {
        let invalid = |key: &str, why: &str| Err(SettingsError::Invalid(format!("`{key}`: {why}")));
        if !(100..=300_000).contains(&self.gateway.ws_ping_interval_ms) {
            return invalid("ws_ping_interval_ms", "must be between 100 and 300000");
        }
        if self.gateway.ws_idle_timeout_ms <= self.gateway.ws_ping_interval_ms
            || self.gateway.ws_idle_timeout_ms > 3_600_000
        {
            return invalid(
                "ws_idle_timeout_ms",
                "must be longer than ws_ping_interval_ms and at most 3600000",
            );
        }
        if self.gateway.ws_resume_grace_s > 3600 {
            return invalid("ws_resume_grace_s", "must be at most 3600");
        }
        if !(8..=65_536).contains(&self.gateway.ws_outbound_queue) {
            return invalid("ws_outbound_queue", "must be between 8 and 65536");
        }
        if !(256..=1024 * 1024).contains(&self.gateway.ws_max_message_bytes) {
            return invalid("ws_max_message_bytes", "must be between 256 and 1048576");
        }
        if !(1..=10_000).contains(&self.gateway.ws_messages_per_second) {
            return invalid("ws_messages_per_second", "must be between 1 and 10000");
        }
        Ok(())
    }

    /// How often the gateway pings each socket.
    pub fn ws_ping_interval(&self) -> Duration {
        Duration::from_millis(self.gateway.ws_ping_interval_ms)
    }

    /// How long a socket may stay silent.
    pub fn ws_idle_timeout(&self) -> Duration {
        Duration::from_millis(self.gateway.ws_idle_timeout_ms)
    }

    /// How long a gateway session outlives its socket.
    pub fn ws_resume_grace(&self) -> Duration {
        Duration::from_secs(self.gateway.ws_resume_grace_s)
    }
}
