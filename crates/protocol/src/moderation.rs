//! Moderation: the sanctions a player is given (bans, chat mutes, queue cooldowns), as
//! operators give, lift and read them on `/admin/v1/*`; players' reports of players
//! (`POST /v1/reports`) and the moderation queue operators work them in.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
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

/// What a report is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportCategoryName {
    /// Cheats, exploits, hacks.
    Cheating,
    /// Spoiling the game for their own team.
    Griefing,
    /// Abuse of other players.
    Abuse,
    /// An experienced player on a new account.
    Smurfing,
    /// Trading wins with another player.
    WinTrading,
    /// A chat message (what `POST /v1/chat/messages/{id}/report` files).
    Chat,
    /// Anything else.
    Other,
}

/// Where a report is in the moderation queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportStateName {
    /// Filed, nobody on it yet.
    Open,
    /// Assigned to an operator.
    InReview,
    /// Closed with a sanction or another action.
    Actioned,
    /// Closed with nothing to do.
    Dismissed,
}

/// How a moderator closes a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportOutcome {
    /// Something was done (a sanction, usually given on its own route first).
    Actioned,
    /// Nothing to do.
    Dismissed,
}

/// `POST /v1/reports`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// The player reported.
    pub player_id: Uuid,
    /// The match it is about: both players played in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_id: Option<Uuid>,
    /// The chat message it is about: the reported player sent it, in a channel the reporter
    /// can read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<Uuid>,
    /// What it is about.
    pub category: ReportCategoryName,
    /// The reporter's words (up to 1,000 characters, no control characters).
    #[serde(default)]
    pub text: String,
}

/// A report as its reporter sees it: filed, and nothing about what moderators do with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReportFiled {
    /// Its id.
    pub id: Uuid,
    /// When it was filed.
    #[serde(with = "time::serde::rfc3339")]
    pub filed_at: OffsetDateTime,
}

/// A report, as operators see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReportView {
    /// Its id.
    pub id: Uuid,
    /// Who reported (never shown to the player reported).
    pub reporter_id: Uuid,
    /// Whom.
    pub player_id: Uuid,
    /// The match it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_id: Option<Uuid>,
    /// The chat message it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<Uuid>,
    /// What it is about.
    pub category: ReportCategoryName,
    /// The reporter's words.
    pub text: String,
    /// The message's text as it was when reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// Where it is in the queue.
    pub state: ReportStateName,
    /// The operator on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<Uuid>,
    /// What was decided, once closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    /// When it was filed.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `GET /admin/v1/reports`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReportPage {
    /// Newest first.
    pub reports: Vec<ReportView>,
    /// The last report's id, to pass as `before` for the older page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<Uuid>,
}

/// `GET /admin/v1/reports` query.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Only those in this state.
    pub state: Option<ReportStateName>,
    /// Only those about this player.
    pub player_id: Option<Uuid>,
    /// Only those this player filed.
    pub reporter_id: Option<Uuid>,
    /// Older than this report.
    pub before: Option<Uuid>,
    /// At most this many (1 to 200; 50 when absent).
    pub limit: Option<u32>,
}

/// A moderator's note on a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReportNoteView {
    /// Its id.
    pub id: Uuid,
    /// The operator who wrote it.
    pub author: String,
    /// The note.
    pub body: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// `GET /admin/v1/reports/{report_id}`: the report with its notes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReportDetail {
    /// The report.
    pub report: ReportView,
    /// The moderators' notes, oldest first.
    pub notes: Vec<ReportNoteView>,
}

/// `POST /admin/v1/reports/{report_id}/assign`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// The operator (a moderator or an admin) to put on it; the caller when absent.
    #[serde(default)]
    pub operator_id: Option<Uuid>,
}

/// `POST /admin/v1/reports/{report_id}/notes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    /// The note (1 to 2,000 characters).
    pub body: String,
}

/// `POST /admin/v1/reports/{report_id}/resolve`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    /// How it closes.
    pub outcome: ReportOutcome,
    /// What was decided (1 to 500 characters), kept with the report and in the audit log.
    pub resolution: String,
}

/// Where an appeal stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppealStateName {
    /// Waiting for a moderator.
    Pending,
    /// The sanction stands.
    Upheld,
    /// The sanction was lifted.
    Overturned,
}

/// An appeal of a sanction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AppealView {
    /// Its id.
    pub id: Uuid,
    /// The sanction appealed.
    pub sanction_id: Uuid,
    /// The player who appeals.
    pub player_id: Uuid,
    /// Their words.
    pub text: String,
    /// Where it stands.
    pub state: AppealStateName,
    /// Why it was decided so, once it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_reason: Option<String>,
    /// The operator who decided it (shown to operators only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    /// When it was filed.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it was decided.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub decided_at: Option<OffsetDateTime>,
}

/// A sanction as the player sanctioned sees it (who gave or lifted it stays with operators).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlayerSanction {
    /// Its id: what an appeal names.
    pub id: Uuid,
    /// What it stops.
    pub kind: SanctionKindName,
    /// Why.
    pub reason: String,
    /// When it was given.
    #[serde(with = "time::serde::rfc3339")]
    pub given_at: OffsetDateTime,
    /// When it ends; absent for a permanent one.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub until: Option<OffsetDateTime>,
    /// Whether it holds now.
    pub holds: bool,
    /// The player's appeal of it, once filed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal: Option<AppealView>,
}

/// `GET /v1/sanctions`: the caller's sanctions, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlayerSanctionList {
    /// Newest first, holding and past.
    pub sanctions: Vec<PlayerSanction>,
}

/// `POST /v1/appeals`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealRequest {
    /// The sanction appealed: one of the caller's, holding now.
    pub sanction_id: Uuid,
    /// Why it should be lifted (1 to 2,000 characters).
    pub text: String,
}

/// A moderator's decision on an appeal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppealDecision {
    /// The sanction stands.
    Uphold,
    /// The sanction is lifted.
    Overturn,
}

/// `POST /admin/v1/appeals/{appeal_id}/decide`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideRequest {
    /// Uphold or overturn.
    pub decision: AppealDecision,
    /// Why (1 to 500 characters): the player is told it.
    pub reason: String,
}

/// `GET /admin/v1/appeals` query.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct AppealQuery {
    /// Only those in this state.
    pub state: Option<AppealStateName>,
    /// Older than this appeal.
    pub before: Option<Uuid>,
    /// At most this many (1 to 200; 50 when absent).
    pub limit: Option<u32>,
}

/// A page of appeals, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AppealPage {
    /// Newest first.
    pub appeals: Vec<AppealView>,
    /// The last appeal's id, to pass as `before` for the older page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<Uuid>,
}

/// What a `moderation.notice` tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A mute or a cooldown was given (a ban closes the socket with `account.banned`).
    SanctionGiven,
    /// A sanction was lifted.
    SanctionLifted,
    /// An appeal was decided (`sanction.appeal` says how).
    AppealDecided,
}

/// The `moderation.notice` push (and event): a change to one of the player's sanctions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ModerationNotice {
    /// The player told.
    pub player_id: Uuid,
    /// What happened.
    pub kind: NoticeKind,
    /// The sanction, as it stands now (with its appeal).
    pub sanction: PlayerSanction,
}
