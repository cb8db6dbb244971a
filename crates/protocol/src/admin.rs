//! `/admin/v1/*`: the studio's operators (admins, moderators, viewers), apart from players:
//! their login, who they are, and the audit log of what operators did.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// `POST /admin/v1/login`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OperatorLoginRequest {
    /// The operator's name (any case).
    pub name: String,
    /// Their password.
    pub password: String,
    /// For an operator with a second factor: the 6-digit code their authenticator app shows
    /// now (`totp_required` without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<String>,
}

/// The password never prints.
impl std::fmt::Debug for OperatorLoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorLoginRequest")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// An operator's role: what they may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OperatorRoleName {
    /// Reading only.
    Viewer,
    /// Players, reports, appeals and sanctions, and reading.
    Moderator,
    /// Everything.
    Admin,
}

/// An operator, as the admin API shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OperatorView {
    /// Their id.
    pub id: Uuid,
    /// Their name.
    pub name: String,
    /// Their role.
    pub role: OperatorRoleName,
    /// When they were added.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// `POST /admin/v1/login`'s answer: a short-lived operator token, good on `/admin/v1/*` only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OperatorLogin {
    /// The bearer token for `/admin/v1/*` (never accepted on player routes).
    pub access_token: String,
    /// `Bearer`.
    pub token_type: String,
    /// Seconds until it expires; log in again then.
    pub expires_in: u64,
    /// Who logged in.
    pub operator: OperatorView,
}

/// The token never prints.
impl std::fmt::Debug for OperatorLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorLogin")
            .field("expires_in", &self.expires_in)
            .field("operator", &self.operator)
            .finish_non_exhaustive()
    }
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditLine {
    /// Its id (later lines have greater ids).
    pub id: Uuid,
    /// The operator who acted; absent for the command line on the server itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_id: Option<Uuid>,
    /// Who acted, as shown: the operator's name, or `cli`.
    pub actor: String,
    /// What they did: `operator.login`, `operator.add`, `operator.disable`, `player.ban`,
    /// `player.unban`, ...
    pub action: String,
    /// What they did it to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Why, as they gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The rest of what was kept.
    pub detail: serde_json::Value,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// `GET /admin/v1/audit`: newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditPage {
    /// The lines.
    pub lines: Vec<AuditLine>,
    /// Pass as `before` for the next (older) page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<Uuid>,
}

/// The query of `GET /admin/v1/audit`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only lines older than this one (the previous page's `next_before`).
    pub before: Option<Uuid>,
    /// At most this many (1 to 200; 50 when absent).
    pub limit: Option<u32>,
}

/// The query of `GET /admin/v1/players`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct PlayerSearchQuery {
    /// A player's id, or the start of a username, email or display name (any case).
    pub q: String,
    /// At most this many (1 to 100; 20 when absent).
    pub limit: Option<u32>,
}

/// A player's ban, as operators see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdminBan {
    /// Why, as the operator wrote it.
    pub reason: String,
    /// When it was given.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
    /// When it ends; absent for a permanent ban.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub until: Option<OffsetDateTime>,
}

/// A player, as operators see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdminPlayer {
    /// Their id.
    pub id: Uuid,
    /// Their username.
    pub username: String,
    /// Their email.
    pub email: String,
    /// Their display name.
    pub display_name: String,
    /// Their home region, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `active`, `banned` or `disabled`.
    pub status: String,
    /// When they registered.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Their ban, while one holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ban: Option<AdminBan>,
    /// The sanctions holding now (a ban, a mute, a cooldown), newest first.
    #[serde(default)]
    pub sanctions: Vec<crate::moderation::SanctionView>,
    /// Reports they filed.
    #[serde(default)]
    pub reports_made: u64,
    /// Reports about them.
    #[serde(default)]
    pub reports_received: u64,
}

/// `GET /admin/v1/players`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdminPlayerList {
    /// The players found, by username.
    pub players: Vec<AdminPlayer>,
}

/// `POST /admin/v1/players/{player_id}/ban`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BanRequest {
    /// Why (1 to 500 characters), kept with the ban and in the audit log.
    pub reason: String,
    /// How long, in seconds (60 to 100 years); permanent when absent.
    #[serde(default)]
    pub duration_s: Option<u64>,
}
