//! How to reach Redis: URL, key prefix and the bound on every round trip.

use std::fmt;
use std::time::Duration;

/// The default bound on one Redis round trip, connection included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// The default prefix put before every key Rally writes to Redis.
pub const DEFAULT_KEY_PREFIX: &str = "rally:";

/// Settings for the Redis backend.
///
/// The URL may carry a password, so `Debug` shows it with the credentials masked.
#[derive(Clone)]
pub struct RedisConfig {
    pub(crate) url: String,
    pub(crate) key_prefix: String,
    pub(crate) timeout: Duration,
}

impl RedisConfig {
    /// Settings for `url` (`redis://host:port/db`, `rediss://…` is not enabled in this build),
    /// with [`DEFAULT_KEY_PREFIX`] and [`DEFAULT_TIMEOUT`].
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            key_prefix: DEFAULT_KEY_PREFIX.to_owned(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Puts `prefix` before every key, so several deployments (or tests) can share one Redis.
    /// A `:` is added when the prefix does not end with one: `rally` gives keys `rally:…`.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        let mut prefix = prefix.into();
        if !prefix.is_empty() && !prefix.ends_with(':') {
            prefix.push(':');
        }
        self.key_prefix = prefix;
        self
    }

    /// Bounds every round trip, connecting included: past it the operation fails with
    /// [`crate::StateError::Unavailable`] instead of waiting for a Redis that is gone.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &masked(&self.url))
            .field("key_prefix", &self.key_prefix)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The URL with anything between `://` and `@` replaced, so passwords never reach a log.
pub(crate) fn masked(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_the_url_never_show_in_debug_output() {
        let config = RedisConfig::new("redis://user:hunter2@cache:6379/0");
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("cache:6379/0"), "{shown}");
        assert_eq!(masked("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
    }

    #[test]
    fn a_namespace_prefix_gets_a_separator_once() {
        assert_eq!(
            RedisConfig::new("redis://h").key_prefix("rally").key_prefix,
            "rally:"
        );
        assert_eq!(
            RedisConfig::new("redis://h")
                .key_prefix("rally:")
                .key_prefix,
            "rally:"
        );
        assert_eq!(RedisConfig::new("redis://h").key_prefix("").key_prefix, "");
    }
}
