//! Request and response bodies of the party routes (`/v1/party/*`). Requests refuse unknown
//! fields, so a misspelt field is an error rather than ignored.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::voice::VoiceAccess;

/// `POST /v1/party`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePartyRequest {
    /// Most members the party may hold: 2 up to the server's `party_max_size` (that maximum
    /// when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size: Option<u32>,
    /// Whether anyone may join (and invite) without the leader; `false` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open: Option<bool>,
}

/// `POST /v1/party/{id}/invite`, `/kick` and `/promote`: the player acted on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyPlayerRequest {
    /// The player invited, kicked or promoted.
    pub player_id: Uuid,
}

/// `POST /v1/party/{id}/ready`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadyRequest {
    /// The caller's answer.
    pub ready: bool,
}

/// Where a party is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartyState {
    /// Forming or waiting.
    Active,
    /// Queued for a match.
    Queued,
    /// Closed: its last member left.
    Closed,
}

/// Where a ready check is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReadyCheckState {
    /// Waiting for every member to answer ready before the deadline.
    Pending,
    /// Every member answered ready in time.
    Passed,
    /// A member answered not ready.
    Failed,
    /// The deadline passed before every member was ready.
    Expired,
}

/// The party's last ready check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReadyCheck {
    /// Where it is.
    pub state: ReadyCheckState,
    /// When a pending check expires.
    #[serde(with = "time::serde::rfc3339")]
    pub deadline: OffsetDateTime,
}

/// A member of a party.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PartyMember {
    /// The member.
    pub player_id: Uuid,
    /// Whether this member leads.
    pub leader: bool,
    /// The member's readiness.
    pub ready: bool,
    /// When the member joined (the longest-standing member leads when the leader leaves).
    #[serde(with = "time::serde::rfc3339")]
    pub joined_at: OffsetDateTime,
}

/// A party, with its members longest-standing first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Party {
    /// The party's id.
    pub id: Uuid,
    /// The leader.
    pub leader_id: Uuid,
    /// Most members it may hold.
    pub max_size: u32,
    /// Whether anyone may join without an invite.
    pub open: bool,
    /// Where it is in its life.
    pub state: PartyState,
    /// The members, longest-standing first (empty once closed).
    pub members: Vec<PartyMember>,
    /// The last ready check, if one was started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_check: Option<ReadyCheck>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The caller's access to the party's voice room, when they are a member and the server
    /// has a voice provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<VoiceAccess>,
}

/// An invite to a party, as answered to the leader who sent it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PartyInvite {
    /// The invite's id.
    pub id: Uuid,
    /// The party.
    pub party_id: Uuid,
    /// Who invited.
    pub inviter_id: Uuid,
    /// Who is invited.
    pub invitee_id: Uuid,
    /// When it stops admitting.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}
