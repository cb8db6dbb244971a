//! A secret value that never prints: not in logs, not in `rally config`, not in a panic message.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a secret shows instead of its value, wherever it is formatted or serialized.
pub const REDACTED: &str = "[redacted]";

/// A secret string (a signing key, an HMAC key, a game-server key).
///
/// `Debug`, `Display` and `Serialize` show [`REDACTED`]; only [`Secret::expose`] reads it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself. Call it only where the secret is used, never to log or display it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is too weak for production: shorter than 32 bytes, or built from fewer
    /// than 8 distinct characters (`aaaa…`, `changeme…` repeated).
    pub fn is_weak(&self) -> bool {
        let distinct: std::collections::BTreeSet<char> = self.0.chars().collect();
        self.0.len() < 32 || distinct.len() < 8
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints_its_value() {
        let secret = Secret::new("hunter2-hunter2-hunter2-hunter2-hunter2");
        assert_eq!(format!("{secret}"), REDACTED);
        assert_eq!(format!("{secret:?}"), REDACTED);
        let json = serde_json::to_string(&secret).expect("serializes");
        assert_eq!(json, format!("\"{REDACTED}\""));
        assert_eq!(secret.expose(), "hunter2-hunter2-hunter2-hunter2-hunter2");
    }

    #[test]
    fn short_or_repetitive_secrets_are_weak() {
        assert!(Secret::new("short").is_weak());
        assert!(Secret::new("a".repeat(64)).is_weak());
        assert!(!Secret::new("k3Jd9sL0qPzX7vB2nM5cR8tY1wE4uI6o").is_weak());
    }
}
