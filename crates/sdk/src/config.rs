//! How a [`Client`](crate::Client) behaves: where Rally is, and the timings of its connection.

use std::time::Duration;

/// The settings of a [`Client`](crate::Client). Start from [`ClientConfig::new`] and change
/// what you need:
///
/// ```
/// use std::time::Duration;
/// let config = rally_sdk::ClientConfig::new("https://rally.example.com")
///     .request_timeout(Duration::from_secs(5))
///     .event_queue_capacity(256);
/// ```
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub(crate) base_url: String,
    pub(crate) request_timeout: Duration,
    pub(crate) refresh_margin: Duration,
    pub(crate) reconnect_min: Duration,
    pub(crate) reconnect_max: Duration,
    pub(crate) event_queue_capacity: usize,
}

impl ClientConfig {
    /// Defaults for the Rally at `base_url` (`http://host:port` or `https://host`).
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            request_timeout: Duration::from_secs(10),
            refresh_margin: Duration::from_secs(60),
            reconnect_min: Duration::from_millis(250),
            reconnect_max: Duration::from_secs(30),
            event_queue_capacity: 1024,
        }
    }

    /// The bound of one HTTP request (10 s by default).
    #[must_use]
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How long before its expiry the access token is refreshed (60 s by default). A margin as
    /// long as the token's lifetime refreshes before every call.
    #[must_use]
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// The first and the longest wait between two attempts to reconnect the gateway (250 ms
    /// and 30 s by default). The wait doubles with each failure, with random jitter.
    #[must_use]
    pub fn reconnect_backoff(mut self, min: Duration, max: Duration) -> Self {
        self.reconnect_min = min;
        self.reconnect_max = max.max(min);
        self
    }

    /// How many events wait for [`Client::poll_events`](crate::Client::poll_events) before the
    /// oldest are dropped (1024 by default; 0 keeps no queue, for games that only use
    /// callbacks).
    #[must_use]
    pub fn event_queue_capacity(mut self, capacity: usize) -> Self {
        self.event_queue_capacity = capacity;
        self
    }
}
