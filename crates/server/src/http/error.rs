//! The one API error type: every failure a handler can meet, with one `match` from variant to
//! status and stable code, rendered as `application/problem+json` (RFC 9457).

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use rally_protocol::{FieldError, PROBLEM_CONTENT_TYPE, Problem};

/// An error answered to an API client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No route matches the path.
    #[error("no route for {0}")]
    RouteNotFound(String),
    /// The route exists but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The body is not JSON, or not the JSON this route expects.
    #[error("{0}")]
    BadJson(String),
    /// A path parameter does not parse.
    #[error("{0}")]
    BadPath(String),
    /// A query parameter does not parse.
    #[error("{0}")]
    BadQuery(String),
    /// A field is present but invalid (`field`: why).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field, as the client named it.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An account field breaks its rule (`invalid_username`, `invalid_password`...).
    #[error("{0}")]
    InvalidField(FieldError),
    /// A result's places cannot be read (`placements_required`, `placement_gap`,
    /// `placement_contradiction`).
    #[error("outcomes: {reason}")]
    Placement {
        /// The problem's code.
        code: &'static str,
        /// What is wrong, for people.
        reason: String,
    },
    /// The body is larger than the configured limit.
    #[error("the body is larger than this server accepts")]
    PayloadTooLarge,
    /// Queueing for a mode no queue serves.
    #[error("no queue `{0}`: see GET /v1/queues")]
    UnknownQueue(String),
    /// Queueing with a region the queue does not run in.
    #[error("the queue does not run in region `{0}`")]
    UnknownRegion(String),
    /// Queueing with a role the queue does not know.
    #[error("the queue has no role `{0}`")]
    UnknownRole(String),
    /// Queueing with no region, or with every region beyond the queue's latency limit.
    #[error("{0}")]
    NoRegionInReach(String),
    /// Queueing while a ticket is already searching.
    #[error("already queued: cancel the current ticket first")]
    AlreadyQueued,
    /// Queueing while in a match that has not ended.
    #[error("already in a match that has not ended")]
    InMatch,
    /// Queueing while a player of the ticket is in a queue cooldown (for declining a match,
    /// or given as a sanction).
    #[error("in a queue cooldown; queue again in {retry_after_s} s")]
    QueueCooldown {
        /// The player in the cooldown (the caller, or a member of their party).
        player_id: uuid::Uuid,
        /// When it ends, in milliseconds since the Unix epoch.
        until_ms: i64,
        /// Seconds until it ends (at least 1).
        retry_after_s: u64,
    },
    /// Accepting or declining a match whose queue has no accept step.
    #[error("this match asks for no acceptance")]
    NoAcceptStep,
    /// Accepting or declining a match whose accept step is over (`state` says how it ended).
    #[error("the time to answer this match is over: it was {state}")]
    AcceptClosed {
        /// `accepted`, `declined`, `expired`, or `expired` for a deadline just passed.
        state: &'static str,
    },
    /// A player asked themselves to be friends.
    #[error("a player cannot befriend themselves")]
    CannotBefriendSelf,
    /// The two are friends already.
    #[error("already friends")]
    AlreadyFriends,
    /// The caller asked this player already.
    #[error("a friend request to this player is already waiting")]
    FriendRequestExists,
    /// No such friend request waits.
    #[error("no such friend request")]
    FriendRequestNotFound,
    /// The two are not friends.
    #[error("not friends")]
    NotFriends,
    /// A player has as many friends as a player may.
    #[error("{0} as many friends as a player may have")]
    FriendsLimit(&'static str),
    /// Too many friend requests wait.
    #[error("{0}")]
    FriendRequestsLimit(&'static str),
    /// A player tried to block themselves.
    #[error("a player cannot block themselves")]
    CannotBlockSelf,
    /// The caller has not blocked this player.
    #[error("this player is not blocked")]
    NotBlocked,
    /// The caller has blocked as many players as a player may.
    #[error("you have blocked as many players as a player may")]
    BlocksLimit,
    /// One of the two players blocked the other.
    #[error("one of you blocked the other")]
    Blocked,
    /// No such chat channel.
    #[error("no such channel")]
    ChannelNotFound,
    /// The caller is not one of the channel's players.
    #[error("you are not in this channel")]
    NotInChannel,
    /// The channel is read-only now.
    #[error("this channel is closed")]
    ChatClosed,
    /// The caller is muted: they may read chat but not write to it.
    #[error("you are muted")]
    Muted {
        /// When the mute ends, in milliseconds since the Unix epoch; `None`: permanently.
        until_ms: Option<i64>,
    },
    /// No such message.
    #[error("no such message")]
    MessageNotFound,
    /// Only the sender may change a message.
    #[error("only its sender may change a message")]
    NotYourMessage,
    /// The window to change the message has passed.
    #[error("this message can no longer be changed")]
    EditWindowClosed,
    /// The word filter refused the message.
    #[error("the message holds a word this server refuses")]
    MessageRefused,
    /// Reported already.
    #[error("you reported this already")]
    AlreadyReported,
    /// A player cannot report themself.
    #[error("you cannot report yourself")]
    CannotReportSelf,
    /// No such report.
    #[error("no such report")]
    ReportNotFound,
    /// No such appeal.
    #[error("no such appeal")]
    AppealNotFound,
    /// The appeal was decided already.
    #[error("this appeal was decided already")]
    AppealDecided,
    /// The sanction was appealed already.
    #[error("this sanction was appealed already")]
    AlreadyAppealed,
    /// The report is closed (actioned or dismissed).
    #[error("this report is closed")]
    ReportClosed,
    /// This Rally has no voice provider.
    #[error("voice is not configured on this server")]
    VoiceNotConfigured,
    /// Lifting a ban that does not hold.
    #[error("this player is not banned")]
    NotBanned,
    /// No such sanction.
    #[error("no such sanction")]
    SanctionNotFound,
    /// The sanction no longer holds: lifted already, or over.
    #[error("this sanction no longer holds")]
    SanctionNotHeld,
    /// An operator's login needs their one-time code.
    #[error("this operator logs in with a one-time code too: send `totp`")]
    TotpRequired,
    /// An operator whose role does not allow the call.
    #[error("this needs the {0} role")]
    RoleRequired(&'static str),
    /// The match's queue has no team voice.
    #[error("this match's queue has no team voice")]
    VoiceNotOffered,
    /// The match is over.
    #[error("this match is over")]
    MatchOver,
    /// A player reporting their own message.
    #[error("you cannot report your own message")]
    CannotReportOwn,
    /// Queueing a party that has not passed a ready check.
    #[error("the party has not passed a ready check")]
    PartyNotReady,
    /// Queueing a party larger than the queue takes.
    #[error("the party is larger than this queue takes ({0} at most)")]
    PartyTooLarge(u16),
    /// Cancelling with no searching ticket.
    #[error("not queued")]
    NotQueued,
    /// No session (or match) with this id.
    #[error("no session for this match")]
    SessionNotFound,
    /// The caller is not a player of this match.
    #[error("you are not a player of this match")]
    NotParticipant,
    /// The session is not running (allocating or ended).
    #[error("the session is not running")]
    SessionNotRunning,
    /// A different result is already stored for this match.
    #[error("a different result is already stored for this match")]
    ResultConflict,
    /// The game-server API without the server key, or with another.
    #[error("the game-server API needs `Authorization: Bearer <server key>`")]
    InvalidServerKey,
    /// The team already has an open backfill request.
    #[error("this team already has an open backfill request")]
    BackfillOpen,
    /// No open backfill request to withdraw.
    #[error("no open backfill request for this match")]
    BackfillNotFound,
    /// No such match.
    #[error("no such match")]
    MatchNotFound,
    /// No season by that name (or no active one, for `current`).
    #[error("no such season")]
    SeasonNotFound,
    /// The player has no rating in this season and queue.
    #[error("this player is not ranked in this season and queue")]
    NotRanked,
    /// `GET /v1/ws` without a WebSocket upgrade.
    #[error("this route speaks WebSocket: send an upgrade request")]
    WebSocketExpected,
    /// Registration or profile change: the username is taken (in any case).
    #[error("this username is taken")]
    UsernameTaken,
    /// Registration or profile change: the email is taken (in any case).
    #[error("this email is already registered")]
    EmailTaken,
    /// Login: unknown account or wrong password (the same answer for both).
    #[error("the login or the password is wrong")]
    InvalidCredentials,
    /// A profile change needs the current password, and it is missing or wrong.
    #[error("the current password is missing or wrong")]
    CurrentPasswordRequired,
    /// No bearer token, or not one this server reads.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// The access token is malformed, forged, for another audience or dated in the future.
    #[error("{0}")]
    InvalidToken(&'static str),
    /// The access token has expired; refresh it.
    #[error("the access token has expired")]
    TokenExpired,
    /// The refresh token is unknown or malformed.
    #[error("the refresh token is not valid")]
    InvalidRefreshToken,
    /// The refresh token has expired; log in again.
    #[error("the refresh token has expired")]
    RefreshTokenExpired,
    /// The refresh token was revoked (logout, reuse); log in again.
    #[error("the refresh token was revoked")]
    RefreshTokenRevoked,
    /// A spent refresh token was presented again: its whole family is now revoked.
    #[error("this refresh token was already used; every token of this login is now revoked")]
    RefreshTokenReused,
    /// The account is banned.
    #[error("this account is banned")]
    AccountBanned,
    /// The account is banned and the login was right: with a token to appeal.
    #[error("this account is banned; its appeal_token reads its sanctions and appeals them")]
    BannedAtLogin {
        /// The appeal token.
        appeal_token: crate::accounts::AppealToken,
    },
    /// The account is disabled.
    #[error("this account is disabled")]
    AccountDisabled,
    /// No player has this id.
    #[error("no such player")]
    PlayerNotFound,
    /// No party has this id.
    #[error("no such party")]
    PartyNotFound,
    /// The caller (or the player named) is not in this party, or the caller is in no party.
    #[error("{0}")]
    NotInParty(&'static str),
    /// The player is already in a party.
    #[error("{0}")]
    AlreadyInParty(&'static str),
    /// The party has no free slot.
    #[error("the party is full")]
    PartyFull,
    /// The party has closed.
    #[error("the party has closed")]
    PartyClosed,
    /// Only the party's leader may do this.
    #[error("only the party's leader may do this")]
    NotPartyLeader,
    /// The party is invite-only and the caller holds no invite to it.
    #[error("the party is invite-only and there is no invite for you")]
    NotInvited,
    /// The caller's invite to this party has expired.
    #[error("the invite has expired")]
    InviteExpired,
    /// The player already holds a live invite to this party.
    #[error("this player already holds a live invite to this party")]
    AlreadyInvited,
    /// The party's ready check is still waiting for answers.
    #[error("a ready check is already in progress")]
    ReadyCheckInProgress,
    /// Too many requests; `retry_after_s` says when to try again.
    #[error("too many requests; retry in {retry_after_s} s")]
    RateLimited {
        /// Seconds until a request will be allowed (at least 1).
        retry_after_s: u64,
    },
    /// The node is not ready: a backend it depends on does not answer.
    #[error("not ready: {detail}")]
    NotReady {
        /// Which backends are down, without secrets.
        detail: String,
        /// The readiness report, for the `backends` member.
        report: serde_json::Value,
    },
    /// A backend (the database, Redis) did not answer within `backend_timeout_ms`, or the node
    /// is too busy to take the request now; the client should retry after the delay.
    #[error("the service is busy or a backend is unavailable; retry in {retry_after_s} s")]
    BackendUnavailable {
        /// Seconds to wait before retrying.
        retry_after_s: u64,
    },
    /// Something failed that the client cannot fix; logged where it happened, never shown.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// The HTTP status and the stable code of this error.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::RouteNotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::BadJson(_) => (StatusCode::BAD_REQUEST, "bad_json"),
            ApiError::BadPath(_) => (StatusCode::BAD_REQUEST, "bad_path"),
            ApiError::BadQuery(_) => (StatusCode::BAD_REQUEST, "bad_query"),
            ApiError::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            ApiError::InvalidField(error) => (StatusCode::UNPROCESSABLE_ENTITY, error.code),
            ApiError::Placement { code, .. } => (StatusCode::UNPROCESSABLE_ENTITY, code),
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::UnknownQueue(_) => (StatusCode::NOT_FOUND, "unknown_queue"),
            ApiError::UnknownRegion(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unknown_region"),
            ApiError::UnknownRole(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unknown_role"),
            ApiError::NoRegionInReach(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "no_region_in_reach")
            }
            ApiError::AlreadyQueued => (StatusCode::CONFLICT, "already_queued"),
            ApiError::InMatch => (StatusCode::CONFLICT, "in_match"),
            ApiError::QueueCooldown { .. } => (StatusCode::FORBIDDEN, "queue_cooldown"),
            ApiError::NoAcceptStep => (StatusCode::CONFLICT, "no_accept_step"),
            ApiError::AcceptClosed { .. } => (StatusCode::CONFLICT, "accept_closed"),
            ApiError::CannotBefriendSelf => {
                (StatusCode::UNPROCESSABLE_ENTITY, "cannot_befriend_self")
            }
            ApiError::AlreadyFriends => (StatusCode::CONFLICT, "already_friends"),
            ApiError::FriendRequestExists => (StatusCode::CONFLICT, "friend_request_exists"),
            ApiError::FriendRequestNotFound => (StatusCode::NOT_FOUND, "friend_request_not_found"),
            ApiError::NotFriends => (StatusCode::NOT_FOUND, "not_friends"),
            ApiError::FriendsLimit(_) => (StatusCode::CONFLICT, "friends_limit"),
            ApiError::FriendRequestsLimit(_) => (StatusCode::CONFLICT, "friend_requests_limit"),
            ApiError::CannotBlockSelf => (StatusCode::UNPROCESSABLE_ENTITY, "cannot_block_self"),
            ApiError::NotBlocked => (StatusCode::NOT_FOUND, "not_blocked"),
            ApiError::BlocksLimit => (StatusCode::CONFLICT, "blocks_limit"),
            ApiError::Blocked => (StatusCode::FORBIDDEN, "blocked"),
            ApiError::ChannelNotFound => (StatusCode::NOT_FOUND, "channel_not_found"),
            ApiError::VoiceNotConfigured => (StatusCode::NOT_FOUND, "voice_not_configured"),
            ApiError::TotpRequired => (StatusCode::UNAUTHORIZED, "totp_required"),
            ApiError::NotBanned => (StatusCode::NOT_FOUND, "not_banned"),
            ApiError::SanctionNotFound => (StatusCode::NOT_FOUND, "sanction_not_found"),
            ApiError::CannotReportSelf => (StatusCode::UNPROCESSABLE_ENTITY, "cannot_report_self"),
            ApiError::ReportNotFound => (StatusCode::NOT_FOUND, "report_not_found"),
            ApiError::AppealNotFound => (StatusCode::NOT_FOUND, "appeal_not_found"),
            ApiError::AppealDecided => (StatusCode::CONFLICT, "appeal_decided"),
            ApiError::AlreadyAppealed => (StatusCode::CONFLICT, "already_appealed"),
            ApiError::ReportClosed => (StatusCode::CONFLICT, "report_closed"),
            ApiError::SanctionNotHeld => (StatusCode::CONFLICT, "sanction_not_held"),
            ApiError::RoleRequired(_) => (StatusCode::FORBIDDEN, "role_required"),
            ApiError::VoiceNotOffered => (StatusCode::NOT_FOUND, "voice_not_offered"),
            ApiError::MatchOver => (StatusCode::CONFLICT, "match_over"),
            ApiError::NotInChannel => (StatusCode::FORBIDDEN, "not_in_channel"),
            ApiError::ChatClosed => (StatusCode::FORBIDDEN, "chat_closed"),
            ApiError::Muted { .. } => (StatusCode::FORBIDDEN, "muted"),
            ApiError::MessageNotFound => (StatusCode::NOT_FOUND, "message_not_found"),
            ApiError::NotYourMessage => (StatusCode::FORBIDDEN, "not_your_message"),
            ApiError::EditWindowClosed => (StatusCode::CONFLICT, "edit_window_closed"),
            ApiError::MessageRefused => (StatusCode::UNPROCESSABLE_ENTITY, "message_refused"),
            ApiError::AlreadyReported => (StatusCode::CONFLICT, "already_reported"),
            ApiError::CannotReportOwn => (StatusCode::UNPROCESSABLE_ENTITY, "cannot_report_own"),
            ApiError::PartyNotReady => (StatusCode::CONFLICT, "party_not_ready"),
            ApiError::PartyTooLarge(_) => (StatusCode::CONFLICT, "party_too_large"),
            ApiError::NotQueued => (StatusCode::NOT_FOUND, "not_queued"),
            ApiError::SessionNotFound => (StatusCode::NOT_FOUND, "session_not_found"),
            ApiError::NotParticipant => (StatusCode::FORBIDDEN, "not_participant"),
            ApiError::SessionNotRunning => (StatusCode::CONFLICT, "session_not_running"),
            ApiError::ResultConflict => (StatusCode::CONFLICT, "result_conflict"),
            ApiError::InvalidServerKey => (StatusCode::UNAUTHORIZED, "invalid_server_key"),
            ApiError::BackfillOpen => (StatusCode::CONFLICT, "backfill_open"),
            ApiError::BackfillNotFound => (StatusCode::NOT_FOUND, "backfill_not_found"),
            ApiError::MatchNotFound => (StatusCode::NOT_FOUND, "match_not_found"),
            ApiError::SeasonNotFound => (StatusCode::NOT_FOUND, "season_not_found"),
            ApiError::NotRanked => (StatusCode::NOT_FOUND, "not_ranked"),
            ApiError::WebSocketExpected => (StatusCode::UPGRADE_REQUIRED, "websocket_expected"),
            ApiError::UsernameTaken => (StatusCode::CONFLICT, "username_taken"),
            ApiError::EmailTaken => (StatusCode::CONFLICT, "email_taken"),
            ApiError::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
            ApiError::CurrentPasswordRequired => {
                (StatusCode::FORBIDDEN, "current_password_required")
            }
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::InvalidToken(_) => (StatusCode::UNAUTHORIZED, "invalid_token"),
            ApiError::TokenExpired => (StatusCode::UNAUTHORIZED, "token_expired"),
            ApiError::InvalidRefreshToken => (StatusCode::UNAUTHORIZED, "invalid_refresh_token"),
            ApiError::RefreshTokenExpired => (StatusCode::UNAUTHORIZED, "refresh_token_expired"),
            ApiError::RefreshTokenRevoked => (StatusCode::UNAUTHORIZED, "refresh_token_revoked"),
            ApiError::RefreshTokenReused => (StatusCode::UNAUTHORIZED, "refresh_token_reused"),
            ApiError::AccountBanned | ApiError::BannedAtLogin { .. } => {
                (StatusCode::FORBIDDEN, "account_banned")
            }
            ApiError::AccountDisabled => (StatusCode::FORBIDDEN, "account_disabled"),
            ApiError::PlayerNotFound => (StatusCode::NOT_FOUND, "player_not_found"),
            ApiError::PartyNotFound => (StatusCode::NOT_FOUND, "party_not_found"),
            ApiError::NotInParty(_) => (StatusCode::NOT_FOUND, "not_in_party"),
            ApiError::AlreadyInParty(_) => (StatusCode::CONFLICT, "already_in_party"),
            ApiError::PartyFull => (StatusCode::CONFLICT, "party_full"),
            ApiError::PartyClosed => (StatusCode::CONFLICT, "party_closed"),
            ApiError::NotPartyLeader => (StatusCode::FORBIDDEN, "not_party_leader"),
            ApiError::NotInvited => (StatusCode::FORBIDDEN, "not_invited"),
            ApiError::InviteExpired => (StatusCode::FORBIDDEN, "invite_expired"),
            ApiError::AlreadyInvited => (StatusCode::CONFLICT, "already_invited"),
            ApiError::ReadyCheckInProgress => (StatusCode::CONFLICT, "ready_check_in_progress"),
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::NotReady { .. } => (StatusCode::SERVICE_UNAVAILABLE, "not_ready"),
            ApiError::BackendUnavailable { .. } => {
                (StatusCode::SERVICE_UNAVAILABLE, "backend_unavailable")
            }
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// The problem body of this error. A 5xx other than readiness carries no detail at all.
    pub fn to_problem(&self) -> Problem {
        let (status, code) = self.status_and_code();
        let title = status.canonical_reason().unwrap_or("Error");
        let problem = Problem::new(status.as_u16(), code, title);
        match self {
            ApiError::Internal(_) => problem,
            ApiError::InvalidField(error) => problem
                .with_detail(self.to_string())
                .with_extension("field", error.field.into()),
            ApiError::RateLimited { retry_after_s }
            | ApiError::BackendUnavailable { retry_after_s } => {
                let mut problem = problem.with_detail(self.to_string());
                problem.retry_after_s = Some(*retry_after_s);
                problem
            }
            ApiError::QueueCooldown {
                player_id,
                until_ms,
                retry_after_s,
            } => {
                let mut problem = problem
                    .with_detail(self.to_string())
                    .with_extension("player_id", player_id.to_string().into())
                    .with_extension("until_ms", (*until_ms).into());
                problem.retry_after_s = Some(*retry_after_s);
                problem
            }
            ApiError::BannedAtLogin { appeal_token } => problem
                .with_detail(self.to_string())
                .with_extension("appeal_token", appeal_token.0.clone().into())
                .with_extension(
                    "appeal_expires_in",
                    crate::accounts::APPEAL_TOKEN_TTL.as_secs().into(),
                ),
            ApiError::Muted {
                until_ms: Some(until_ms),
            } => problem
                .with_detail(self.to_string())
                .with_extension("until_ms", (*until_ms).into()),
            ApiError::AcceptClosed { state } => problem
                .with_detail(self.to_string())
                .with_extension("state", (*state).into()),
            ApiError::NotReady { report, .. } => problem
                .with_detail(self.to_string())
                .with_extension("backends", report.clone()),
            _ => problem.with_detail(self.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(error) = &self {
            tracing::error!(error = format!("{error:#}"), "request failed");
        }
        problem_response(&self.to_problem())
    }
}

/// A problem as a response with its status and media type.
pub fn problem_response(problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(problem).expect("BUG: a problem always serializes");
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
    );
    if let Some(seconds) = problem.retry_after_s {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

impl From<FieldError> for ApiError {
    fn from(error: FieldError) -> Self {
        ApiError::InvalidField(error)
    }
}

/// How long a client is asked to wait when a backend is unavailable or the node is busy.
pub const BACKEND_RETRY_AFTER_S: u64 = 1;

impl ApiError {
    /// A store failure that no rule of the caller explains: 503 when the database did not
    /// answer in time, internal otherwise.
    pub fn store(error: rally_store::StoreError) -> Self {
        metrics::counter!("rally_backend_errors_total", "backend" => "store").increment(1);
        match error {
            rally_store::StoreError::Unavailable(_) => ApiError::unavailable(),
            other => ApiError::Internal(other.into()),
        }
    }

    /// A state failure (rate limits, caches): 503 when Redis did not answer in time, internal
    /// otherwise.
    pub fn state(error: rally_state::StateError) -> Self {
        metrics::counter!("rally_backend_errors_total", "backend" => "state").increment(1);
        if error.is_unavailable() {
            ApiError::unavailable()
        } else {
            ApiError::Internal(error.into())
        }
    }

    /// 503 `backend_unavailable` with the standard retry delay.
    pub fn unavailable() -> Self {
        ApiError::BackendUnavailable {
            retry_after_s: BACKEND_RETRY_AFTER_S,
        }
    }
}

impl From<anyhow::Error> for ApiError {
    /// Glue code passes backend errors up as `anyhow`: one that was a backend not answering (or
    /// password hashing at capacity) is still a 503, wherever in the chain it sits.
    fn from(error: anyhow::Error) -> Self {
        for cause in error.chain() {
            if cause.is::<rally_store::StoreError>() {
                metrics::counter!("rally_backend_errors_total", "backend" => "store").increment(1);
            } else if cause.is::<rally_state::StateError>() {
                metrics::counter!("rally_backend_errors_total", "backend" => "state").increment(1);
            }
        }
        let unavailable = error.chain().any(|cause| {
            cause.is::<crate::accounts::password::Busy>()
                || matches!(
                    cause.downcast_ref::<rally_store::StoreError>(),
                    Some(rally_store::StoreError::Unavailable(_))
                )
                || cause
                    .downcast_ref::<rally_state::StateError>()
                    .is_some_and(rally_state::StateError::is_unavailable)
        });
        if unavailable {
            ApiError::unavailable()
        } else {
            ApiError::Internal(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(error: &ApiError) -> (u16, &'static str) {
        let (status, code) = error.status_and_code();
        (status.as_u16(), code)
    }

    #[test]
    fn a_backend_that_does_not_answer_is_a_503_wherever_it_surfaces() {
        let unavailable = (503, "backend_unavailable");
        let store = || rally_store::StoreError::Unavailable("pool timed out".into());
        let state = || rally_state::StateError::Unavailable("no answer within 500 ms".into());
        assert_eq!(code(&ApiError::store(store())), unavailable);
        assert_eq!(code(&ApiError::state(state())), unavailable);
        assert_eq!(
            code(&ApiError::from(anyhow::Error::new(store()))),
            unavailable
        );
        let wrapped = anyhow::Error::new(state()).context("cannot read the ticket");
        assert_eq!(code(&ApiError::from(wrapped)), unavailable);
        let busy = anyhow::Error::new(crate::accounts::password::Busy);
        assert_eq!(code(&ApiError::from(busy)), unavailable);
        // Anything else stays internal, and says nothing.
        let other = ApiError::store(rally_store::StoreError::NotFound);
        assert_eq!(code(&other), (500, "internal"));
        assert_eq!(other.to_problem().detail, None);
        let problem = ApiError::unavailable().to_problem();
        assert_eq!(problem.retry_after_s, Some(BACKEND_RETRY_AFTER_S));
    }
}
