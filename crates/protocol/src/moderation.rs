//! Moderation: the sanctions a player is given (bans, chat mutes, queue cooldowns), as
//! operators give, lift and read them on `/admin/v1/*`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// What a sanction stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SanctionKindName {
    /// Everything: sockets closed, ticket cancelled, party left, tokens and logins refused.
    Ban,
    /// Writing chat (`403 muted`); reading goes on.
    Mute,
    /// Queueing (`403 queue_cooldown`); a search under way is cancelled (`sanctioned`).
    Cooldown,
}

/// A sanction, held or past.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SanctionView {
    /// Its id (an appeal names it).
    pub id: Uuid,
    /// The player sanctioned.
    pub player_id: Uuid,
    /// What it stops.
    pub kind: SanctionKindName,
    /// Why, as given.
    pub reason: String,
    /// When it was given.
    #[serde(with = "time::serde::rfc3339")]
    pub given_at: OffsetDateTime,
    /// Who gave it: an operator's name, `cli`, or an automatic rule.
    pub given_by: String,
    /// When it ends; absent for a permanent one.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub until: Option<OffsetDateTime>,
    /// Whether it holds now (not lifted, not over).
    pub holds: bool,
    /// When it was lifted, if it was.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub lifted_at: Option<OffsetDateTime>,
    /// Who lifted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifted_by: Option<String>,
    /// Why (`superseded` when a newer sanction of its kind replaced it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lift_reason: Option<String>,
}

/// A player's sanctions, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SanctionList {
    /// Newest first, held and past.
    pub sanctions: Vec<SanctionView>,
}

/// `POST /admin/v1/players/{player_id}/sanctions`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SanctionRequest {
    /// What it stops. A new sanction replaces the player's held one of its kind.
    pub kind: SanctionKindName,
    /// Why (1 to 500 characters), kept with the sanction and in the audit log.
    pub reason: String,
    /// How long, in seconds: 60 up to 100 years for a ban or a mute (permanent when absent),
    /// 60 up to 30 days for a cooldown (required).
    #[serde(default)]
    pub duration_s: Option<u64>,
}

/// `POST /admin/v1/sanctions/{sanction_id}/lift`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LiftRequest {
    /// Why (1 to 500 characters), kept with the sanction and in the audit log.
    pub reason: String,
}
