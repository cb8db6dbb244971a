//! The roles one `rally serve` process plays.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One role of a Rally node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// The HTTP API and the WebSocket gateway.
    Api,
    /// The tick loop over the matchmaking engine, for the buckets this node leases.
    Matchmaker,
    /// Game-server allocation and the session lifecycle.
    Sessions,
    /// Rating updates, history and leaderboards from match results.
    Ratings,
}

impl Role {
    /// Every role, in a fixed order.
    pub const ALL: [Role; 4] = [Role::Api, Role::Matchmaker, Role::Sessions, Role::Ratings];

    /// The role's name in configuration and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Role::Api => "api",
            Role::Matchmaker => "matchmaker",
            Role::Sessions => "sessions",
            Role::Ratings => "ratings",
        }
    }
}

/// The set of roles a node plays: all of them unless configured otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roles(Vec<Role>);

impl Roles {
    /// Every role: the embedded, single-process shape.
    pub fn all() -> Self {
        Self(Role::ALL.to_vec())
    }

    /// Whether this node plays `role`.
    pub fn contains(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    /// The roles, in a fixed order.
    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }
}

impl Default for Roles {
    fn default() -> Self {
        Self::all()
    }
}

impl FromStr for Roles {
    type Err = String;

    /// Parses a comma-separated list such as `api,matchmaker`.
    fn from_str(list: &str) -> Result<Self, Self::Err> {
        let mut roles = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let role = Role::ALL
                .into_iter()
                .find(|r| r.name().eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    format!("unknown role `{name}` (expected api, matchmaker, sessions or ratings)")
                })?;
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        if roles.is_empty() {
            return Err(
                "no role given (expected one or more of api, matchmaker, sessions, ratings)".into(),
            );
        }
        roles.sort();
        Ok(Self(roles))
    }
}

impl fmt::Display for Roles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|r| r.name()).collect();
        f.write_str(&names.join(","))
    }
}

impl Serialize for Roles {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|r| r.name()))
    }
}

impl<'de> Deserialize<'de> for Roles {
    /// Accepts a list (`["api", "ratings"]`, as in `rally.toml`) or a comma-separated string
    /// (`api,ratings`, as in `RALLY_ROLES`).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            List(Vec<String>),
            Text(String),
        }
        let text = match Form::deserialize(deserializer)? {
            Form::List(list) => list.join(","),
            Form::Text(text) => text,
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_from_a_comma_separated_list_in_a_fixed_order() {
        let roles: Roles = "ratings, api".parse().expect("valid");
        assert_eq!(roles.to_string(), "api,ratings");
        assert!(roles.contains(Role::Api));
        assert!(!roles.contains(Role::Matchmaker));
    }

    #[test]
    fn an_unknown_role_is_refused_with_its_name() {
        let error = "api,dispatcher".parse::<Roles>().expect_err("unknown role");
        assert!(error.contains("dispatcher"), "{error}");
    }
}
