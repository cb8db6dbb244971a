//! A backend connection URL whose password never prints.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A connection URL (`postgres://user:password@host/db`, `redis://…`, `nats://…`).
///
/// Formatting and serializing it hide the password (`postgres://user:[redacted]@host/db`);
/// [`BackendUrl::expose`] gives the whole URL to the client that connects with it.
#[derive(Clone, PartialEq, Eq)]
pub struct BackendUrl(String);

impl BackendUrl {
    /// Wraps a URL.
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The whole URL, password included, for connecting.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The scheme, lowercased (`postgres`, `redis`, …), if the URL has one.
    pub fn scheme(&self) -> Option<String> {
        self.0
            .split_once("://")
            .map(|(scheme, _)| scheme.to_ascii_lowercase())
    }

    /// The URL with any password replaced by `[redacted]`.
    pub fn redacted(&self) -> String {
        let Some((scheme, rest)) = self.0.split_once("://") else {
            return self.0.clone();
        };
        let authority_end = rest.find('/').unwrap_or(rest.len());
        let (authority, path) = rest.split_at(authority_end);
        match authority.rsplit_once('@') {
            Some((userinfo, host)) => {
                let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
                let hidden = if userinfo.contains(':') {
                    format!("{user}:{}", super::secret::REDACTED)
                } else if scheme.starts_with("redis") || scheme.starts_with("nats") {
                    // redis://token@host and nats://token@host put the secret in the user part.
                    super::secret::REDACTED.to_owned()
                } else {
                    user.to_owned()
                };
                format!("{scheme}://{hidden}@{host}{path}")
            }
            None => self.0.clone(),
        }
    }
}

impl fmt::Debug for BackendUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Display for BackendUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl Serialize for BackendUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.redacted())
    }
}

impl<'de> Deserialize<'de> for BackendUrl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(BackendUrl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_in_a_url_is_redacted() {
        let url = BackendUrl::new("postgres://rally:s3cret@db.internal:5432/rally");
        assert_eq!(
            url.redacted(),
            "postgres://rally:[redacted]@db.internal:5432/rally"
        );
        assert_eq!(
            format!("{url:?}"),
            "postgres://rally:[redacted]@db.internal:5432/rally"
        );
        assert_eq!(
            url.expose(),
            "postgres://rally:s3cret@db.internal:5432/rally"
        );
    }

    #[test]
    fn a_token_in_the_user_part_of_a_nats_url_is_redacted() {
        let url = BackendUrl::new("nats://t0ken@127.0.0.1:4222");
        assert_eq!(url.redacted(), "nats://[redacted]@127.0.0.1:4222");
    }

    #[test]
    fn a_url_without_credentials_is_shown_as_is() {
        let url = BackendUrl::new("redis://127.0.0.1:6379");
        assert_eq!(url.redacted(), "redis://127.0.0.1:6379");
        assert_eq!(url.scheme().as_deref(), Some("redis"));
    }
}
