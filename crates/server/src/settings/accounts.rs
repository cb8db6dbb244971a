//! The account settings: token lifetimes and audience, the offered regions, rate limits,
//! trusted proxies and the body limit; their validation and the typed values built from them.

use std::{net::IpAddr, time::Duration};

use rally_state::Quota;
use serde::{Deserialize, Deserializer, de::DeserializeOwned};

use super::{AccountSettings, Settings, SettingsError};

/// Default lifetime of an access token: 15 minutes.
pub const DEFAULT_ACCESS_TOKEN_TTL_S: u64 = 900;
/// Default lifetime of a refresh token: 30 days.
pub const DEFAULT_REFRESH_TOKEN_TTL_S: u64 = 30 * 24 * 3600;

/// A list given either as a sequence (`["eu", "na"]` in the file, `[eu,na]` in the
/// environment) or as one comma-separated string (`RALLY_REGIONS=eu,na`).
pub(super) fn list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        Many(Vec<serde_json::Value>),
        One(String),
    }
    let values = match Form::deserialize(deserializer)? {
        Form::Many(values) => values,
        Form::One(text) => text
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| serde_json::Value::String(part.to_owned()))
            .collect(),
    };
    values
        .into_iter()
        .map(|value| {
            // A number-looking value from the environment arrives as a number: read it as text.
            let value = match value {
                serde_json::Value::Number(n) => serde_json::Value::String(n.to_string()),
                other => other,
            };
            serde_json::from_value(value).map_err(serde::de::Error::custom)
        })
        .collect()
}

impl Settings {
    pub(super) fn validate_accounts(&self) -> Result<(), SettingsError> {
        let invalid = |key: &str, why: &str| Err(SettingsError::Invalid(format!("`{key}`: {why}")));
        if !(60..=86_400).contains(&self.accounts.access_token_ttl_s) {
            return invalid("access_token_ttl_s", "must be between 60 and 86400");
        }
        if !(300..=365 * 86_400).contains(&self.accounts.refresh_token_ttl_s) {
            return invalid("refresh_token_ttl_s", "must be between 300 and 31536000");
        }
        if self.accounts.refresh_reuse_interval_s > 60 {
            return invalid("refresh_reuse_interval_s", "must be between 0 and 60");
        }
        if self.accounts.token_issuer.is_empty() || self.accounts.token_audience.is_empty() {
            return invalid("token_issuer", "issuer and audience must not be empty");
        }
        if self.accounts.regions.is_empty() {
            return invalid("regions", "at least one region");
        }
        for region in &self.accounts.regions {
            if rally_protocol::RegionName::try_from(region.clone()).is_err() {
                return invalid(
                    "regions",
                    "each 1 to 16 of lowercase letters, digits and `-`",
                );
            }
        }
        for (key, value) in [
            (
                "login_limit_per_minute",
                self.accounts.login_limit_per_minute,
            ),
            ("login_failure_limit", self.accounts.login_failure_limit),
            (
                "register_limit_per_hour",
                self.accounts.register_limit_per_hour,
            ),
            ("api_limit_per_minute", self.accounts.api_limit_per_minute),
        ] {
            if value == 0 || value > 1_000_000 {
                return invalid(key, "must be between 1 and 1000000");
            }
        }
        if !(1..=86_400).contains(&self.accounts.login_failure_window_s) {
            return invalid("login_failure_window_s", "must be between 1 and 86400");
        }
        if !(1024..=16 * 1024 * 1024).contains(&self.http.body_limit_bytes) {
            return invalid("body_limit_bytes", "must be between 1024 and 16777216");
        }
        Ok(())
    }

    /// Whether `address` is a trusted proxy, whose `X-Forwarded-For` is believed.
    pub fn is_trusted_proxy(&self, address: IpAddr) -> bool {
        self.http.trusted_proxies.contains(&address.to_canonical())
    }
}

impl AccountSettings {
    /// How long an access token lives.
    pub fn access_token_ttl(&self) -> Duration {
        Duration::from_secs(self.access_token_ttl_s)
    }

    /// How long a refresh token lives.
    pub fn refresh_token_ttl(&self) -> Duration {
        Duration::from_secs(self.refresh_token_ttl_s)
    }

    /// How long a spent refresh token may be presented again for its successor; `None` when
    /// reuse always revokes.
    pub fn refresh_reuse_interval(&self) -> Option<Duration> {
        (self.refresh_reuse_interval_s > 0)
            .then(|| Duration::from_secs(self.refresh_reuse_interval_s))
    }

    /// Whether `region` is one this server offers.
    pub fn offers_region(&self, region: &str) -> bool {
        self.regions.iter().any(|r| r == region)
    }

    /// Login attempts per client address.
    pub fn login_quota(&self) -> Quota {
        quota(self.login_limit_per_minute, 60)
    }

    /// Failed logins per account.
    pub fn login_failure_quota(&self) -> Quota {
        quota(self.login_failure_limit, self.login_failure_window_s)
    }

    /// Registrations per client address.
    pub fn register_quota(&self) -> Quota {
        quota(self.register_limit_per_hour, 3600)
    }

    /// Authenticated requests per player.
    pub fn api_quota(&self) -> Quota {
        quota(self.api_limit_per_minute, 60)
    }
}

fn quota(burst: u32, per_s: u64) -> Quota {
    Quota::new(burst, Duration::from_secs(per_s)).expect("BUG: validated limits make a valid quota")
}
