//! A backend connection URL whose password never prints.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::secret::REDACTED;

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

    /// The URL with every secret part replaced by `[redacted]`: the password of the user
    /// part (the whole user part for `redis://` and `nats://`, where it is a token), the value
    /// of a sensitive query parameter (`?password=`, `sslpassword`, `token`, `secret`, `key`...)
    /// and, in a `key=value` connection string (`host=h password=...`), a sensitive value.
    pub fn redacted(&self) -> String {
        let Some((scheme, rest)) = self.0.split_once("://") else {
            return redacted_key_values(&self.0);
        };
        // The user part ends at the last `@` before the path: a password may hold an unencoded
        // `?` or `#`, and must still be hidden (better too much than too little).
        let path_start = rest.find('/').unwrap_or(rest.len());
        let authority_end = if rest[..path_start].contains('@') {
            path_start
        } else {
            rest.find(['/', '?', '#']).unwrap_or(rest.len())
        };
        let (authority, after) = rest.split_at(authority_end);
        let authority = match authority.rsplit_once('@') {
            Some((userinfo, host)) => {
                let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
                let hidden = if userinfo.contains(':') {
                    format!("{user}:{REDACTED}")
                } else if scheme.starts_with("redis") || scheme.starts_with("nats") {
                    // redis://token@host and nats://token@host put the secret in the user part.
                    REDACTED.to_owned()
                } else {
                    user.to_owned()
                };
                format!("{hidden}@{host}")
            }
            None => authority.to_owned(),
        };
        let after = match after.split_once('?') {
            Some((path, query)) => format!("{path}?{}", redacted_query(query)),
            None => after.to_owned(),
        };
        format!("{scheme}://{authority}{after}")
    }
}

/// Whether a parameter of this name holds a secret (compared without case).
fn is_sensitive(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "password",
        "passwd",
        "pass",
        "pwd",
        "token",
        "secret",
        "key",
        "auth",
        "credential",
    ];
    let name = name.to_ascii_lowercase();
    WORDS.iter().any(|word| name.contains(word))
}

/// A query string (`a=1&password=x#frag`) with the values of sensitive parameters hidden.
fn redacted_query(query: &str) -> String {
    let (query, fragment) = match query.split_once('#') {
        Some((query, fragment)) => (query, Some(fragment)),
        None => (query, None),
    };
    let mut shown: String = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_sensitive(name) => format!("{name}={REDACTED}"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&");
    if let Some(fragment) = fragment {
        shown.push('#');
        shown.push_str(fragment);
    }
    shown
}

/// A libpq-style `key=value` string (`host=h password='a b'`) with sensitive values hidden.
/// Values may be quoted with `'` and escape a quote with `\`.
fn redacted_key_values(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let start = rest.len() - rest.trim_start().len();
        shown.push_str(&rest[..start]);
        rest = &rest[start..];
        if rest.is_empty() {
            return shown;
        }
        let Some(eq) = rest.find('=') else {
            shown.push_str(rest);
            return shown;
        };
        let name = rest[..eq].trim_end();
        if name.is_empty() || name.contains(char::is_whitespace) {
            // Not a key=value string after all: show the word and go on.
            let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            shown.push_str(&rest[..word_end]);
            rest = &rest[word_end..];
            continue;
        }
        let value_and_rest = rest[eq + 1..].trim_start();
        let value_len = value_length(value_and_rest);
        shown.push_str(name);
        shown.push('=');
        if is_sensitive(name) {
            shown.push_str(REDACTED);
        } else {
            shown.push_str(&value_and_rest[..value_len]);
        }
        rest = &value_and_rest[value_len..];
    }
}

/// The length of the value at the start of `text`: up to the closing quote of a quoted value,
/// else up to the next whitespace.
fn value_length(text: &str) -> usize {
    if let Some(quoted) = text.strip_prefix('\'') {
        let mut escaped = false;
        for (i, c) in quoted.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '\'' if !escaped => return i + 2,
                _ => escaped = false,
            }
        }
        text.len()
    } else {
        text.find(char::is_whitespace).unwrap_or(text.len())
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
    fn every_form_of_a_secret_in_a_url_is_redacted() {
        let cases = [
            (
                "postgres://h/db?password=hunter2&sslmode=require",
                "postgres://h/db?password=[redacted]&sslmode=require",
            ),
            (
                "postgres://u@h/db?sslpassword=hunter2",
                "postgres://u@h/db?sslpassword=[redacted]",
            ),
            (
                "redis://h:6379/0?token=hunter2",
                "redis://h:6379/0?token=[redacted]",
            ),
            (
                "nats://h:4222?secret=hunter2",
                "nats://h:4222?secret=[redacted]",
            ),
            (
                "https://fleet.example/allocate?api_key=hunter2#x",
                "https://fleet.example/allocate?api_key=[redacted]#x",
            ),
            (
                "http://collector:4318?Auth=hunter2",
                "http://collector:4318?Auth=[redacted]",
            ),
            (
                "redis://h?password=hunter2",
                "redis://h?password=[redacted]",
            ),
            (
                "postgres://u:hunter2@h:5432/db?password=hunter2",
                "postgres://u:[redacted]@h:5432/db?password=[redacted]",
            ),
            (
                "host=db password=hunter2 dbname=rally",
                "host=db password=[redacted] dbname=rally",
            ),
            (
                "host=db password='hunter2 with \\' quote' user=rally",
                "host=db password=[redacted] user=rally",
            ),
            (
                "host=db sslpassword = hunter2",
                "host=db sslpassword=[redacted]",
            ),
            (
                "postgres://h/db?application_name=rally",
                "postgres://h/db?application_name=rally",
            ),
            (
                "redis://:hunter2?x#y@cache:6379/0",
                "redis://:[redacted]@cache:6379/0",
            ),
        ];
        for (url, shown) in cases {
            let url = BackendUrl::new(url);
            assert_eq!(url.redacted(), shown, "for {}", url.expose());
            assert!(!url.to_string().contains("hunter2"), "{url}");
            assert!(!format!("{url:?}").contains("hunter2"), "{url:?}");
        }
    }

    #[test]
    fn a_url_without_credentials_is_shown_as_is() {
        let url = BackendUrl::new("redis://127.0.0.1:6379");
        assert_eq!(url.redacted(), "redis://127.0.0.1:6379");
        assert_eq!(url.scheme().as_deref(), Some("redis"));
    }
}
