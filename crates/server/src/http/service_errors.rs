//! One conversion per service error: each service answers with its own error enum, and this is
//! the only place that decides which problem (status and stable code) each variant becomes.

use std::time::Duration;

use super::ApiError;
use crate::{
    accounts::AccountsError,
    appeals::AppealError,
    chat::ChatError,
    friends::FriendError,
    matchmaking::QueueError,
    operators::{OperatorError, operations::OperationError},
    parties::PartyError,
    ratings::RatingsError,
    reports::ReportError,
    sessions::SessionsError,
    voice::VoiceError,
};

impl From<AccountsError> for ApiError {
    fn from(error: AccountsError) -> Self {
        match error {
            AccountsError::InvalidField(error) => ApiError::InvalidField(error),
            AccountsError::Invalid { field, reason } => ApiError::Invalid { field, reason },
            AccountsError::UsernameTaken => ApiError::UsernameTaken,
            AccountsError::EmailTaken => ApiError::EmailTaken,
            AccountsError::InvalidCredentials => ApiError::InvalidCredentials,
            AccountsError::CurrentPasswordRequired => ApiError::CurrentPasswordRequired,
            AccountsError::PlayerNotFound => ApiError::PlayerNotFound,
            AccountsError::AccountBanned => ApiError::AccountBanned,
            AccountsError::BannedAtLogin { appeal_token } => {
                ApiError::BannedAtLogin { appeal_token }
            }
            AccountsError::AccountDisabled => ApiError::AccountDisabled,
            AccountsError::InvalidToken(why) => ApiError::InvalidToken(why),
            AccountsError::TokenExpired => ApiError::TokenExpired,
            AccountsError::InvalidRefreshToken => ApiError::InvalidRefreshToken,
            AccountsError::RefreshTokenExpired => ApiError::RefreshTokenExpired,
            AccountsError::RefreshTokenRevoked => ApiError::RefreshTokenRevoked,
            AccountsError::RefreshTokenReused => ApiError::RefreshTokenReused,
            AccountsError::RateLimited { retry_after } => ApiError::RateLimited {
                retry_after_s: whole_seconds(retry_after),
            },
            AccountsError::Busy => ApiError::unavailable(),
            AccountsError::Party(error) => error.into(),
            AccountsError::Queue(error) => error.into(),
            AccountsError::Store(error) => ApiError::store(error),
            AccountsError::State(error) => ApiError::state(error),
            AccountsError::Internal(error) => ApiError::Internal(error),
        }
    }
}

/// A wait in whole seconds for `Retry-After`: rounded up, at least one.
fn whole_seconds(wait: Duration) -> u64 {
    let whole = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    whole.max(1)
}

impl From<RatingsError> for ApiError {
    fn from(error: RatingsError) -> Self {
        match error {
            RatingsError::SeasonNotFound => ApiError::SeasonNotFound,
            RatingsError::SeasonExists(name) => ApiError::Invalid {
                field: "name".to_owned(),
                reason: format!("a season named `{name}` exists already"),
            },
            RatingsError::NotRanked => ApiError::NotRanked,
            RatingsError::MatchNotFound => ApiError::MatchNotFound,
            RatingsError::BadCursor => {
                ApiError::BadQuery("`cursor` is not one this server gave".to_owned())
            }
            RatingsError::Store(error) => ApiError::store(error),
            RatingsError::State(error) => ApiError::state(error),
        }
    }
}

impl From<SessionsError> for ApiError {
    fn from(error: SessionsError) -> Self {
        match error {
            SessionsError::SessionNotFound => ApiError::SessionNotFound,
            SessionsError::NotParticipant => ApiError::NotParticipant,
            SessionsError::MatchNotFound => ApiError::MatchNotFound,
            SessionsError::NoAcceptStep => ApiError::NoAcceptStep,
            SessionsError::AcceptClosed(state) => ApiError::AcceptClosed { state },
            SessionsError::SessionNotRunning => ApiError::SessionNotRunning,
            SessionsError::ResultConflict => ApiError::ResultConflict,
            SessionsError::BackfillOpen => ApiError::BackfillOpen,
            SessionsError::BackfillNotFound => ApiError::BackfillNotFound,
            SessionsError::UnknownRole(role) => ApiError::UnknownRole(role),
            SessionsError::Invalid { field, reason } => ApiError::Invalid { field, reason },
            SessionsError::Placement(error) => ApiError::Placement {
                code: error.code(),
                reason: error.to_string(),
            },
            SessionsError::Store(error) => ApiError::store(error),
            SessionsError::State(error) => ApiError::state(error),
        }
    }
}

impl From<OperatorError> for ApiError {
    fn from(error: OperatorError) -> Self {
        match error {
            OperatorError::InvalidCredentials => ApiError::InvalidCredentials,
            OperatorError::TotpRequired => ApiError::TotpRequired,
            OperatorError::InvalidToken => {
                ApiError::InvalidToken("not an operator token of this server")
            }
            OperatorError::TokenExpired => ApiError::TokenExpired,
            OperatorError::Forbidden(role) => ApiError::RoleRequired(role),
            OperatorError::RateLimited { retry_after } => ApiError::RateLimited {
                retry_after_s: whole_seconds(retry_after),
            },
            OperatorError::Invalid { field, reason } => ApiError::Invalid {
                field: field.to_owned(),
                reason,
            },
            OperatorError::PlayerNotFound => ApiError::PlayerNotFound,
            OperatorError::NotBanned => ApiError::NotBanned,
            OperatorError::SanctionNotFound => ApiError::SanctionNotFound,
            OperatorError::SanctionNotHeld => ApiError::SanctionNotHeld,
            OperatorError::ReportNotFound => ApiError::ReportNotFound,
            OperatorError::AppealNotFound => ApiError::AppealNotFound,
            OperatorError::AppealDecided => ApiError::AppealDecided,
            OperatorError::ReportClosed => ApiError::ReportClosed,
            OperatorError::NameTaken => ApiError::Invalid {
                field: "name".to_owned(),
                reason: "an operator of that name exists".to_owned(),
            },
            OperatorError::Store(error) => ApiError::store(error),
            OperatorError::State(error) => ApiError::state(error),
            OperatorError::Other(error) => ApiError::Internal(error),
        }
    }
}

impl From<OperationError> for ApiError {
    fn from(error: OperationError) -> Self {
        match error {
            OperationError::SessionNotFound => ApiError::SessionNotFound,
            OperationError::NoActiveSeason => ApiError::SeasonNotFound,
            OperationError::Operator(error) => error.into(),
            OperationError::Ratings(error) => error.into(),
            OperationError::Store(error) => ApiError::store(error),
        }
    }
}

impl From<AppealError> for ApiError {
    fn from(error: AppealError) -> Self {
        match error {
            AppealError::SanctionNotFound => ApiError::SanctionNotFound,
            AppealError::SanctionNotHeld => ApiError::SanctionNotHeld,
            AppealError::AlreadyAppealed => ApiError::AlreadyAppealed,
            AppealError::InvalidText => ApiError::Invalid {
                field: "text".to_owned(),
                reason: error.to_string(),
            },
            AppealError::Store(error) => ApiError::store(error),
        }
    }
}

impl From<ReportError> for ApiError {
    fn from(error: ReportError) -> Self {
        match error {
            ReportError::PlayerNotFound => ApiError::PlayerNotFound,
            ReportError::CannotReportSelf => ApiError::CannotReportSelf,
            ReportError::MatchNotFound => ApiError::MatchNotFound,
            ReportError::Invalid { field, reason } => ApiError::Invalid {
                field: field.to_owned(),
                reason,
            },
            ReportError::AlreadyReported => ApiError::AlreadyReported,
            ReportError::RateLimited { retry_after } => ApiError::RateLimited {
                retry_after_s: whole_seconds(retry_after),
            },
            ReportError::Chat(error) => error.into(),
            ReportError::Store(error) => ApiError::store(error),
            ReportError::State(error) => ApiError::state(error),
        }
    }
}

impl From<VoiceError> for ApiError {
    fn from(error: VoiceError) -> Self {
        match error {
            VoiceError::NotConfigured => ApiError::VoiceNotConfigured,
            VoiceError::PartyNotFound => ApiError::PartyNotFound,
            VoiceError::NotInParty => ApiError::NotInParty("you are not in this party"),
            VoiceError::MatchNotFound => ApiError::MatchNotFound,
            VoiceError::NotInMatch => ApiError::NotParticipant,
            VoiceError::NotOffered => ApiError::VoiceNotOffered,
            VoiceError::MatchOver => ApiError::MatchOver,
            VoiceError::Provider(why) => {
                tracing::warn!(error = %why, "the voice provider failed");
                ApiError::unavailable()
            }
            VoiceError::Store(error) => ApiError::store(error),
        }
    }
}

impl From<ChatError> for ApiError {
    fn from(error: ChatError) -> Self {
        match error {
            ChatError::ChannelNotFound => ApiError::ChannelNotFound,
            ChatError::NotInChannel => ApiError::NotInChannel,
            ChatError::ChatClosed => ApiError::ChatClosed,
            ChatError::Muted { until } => ApiError::Muted {
                until_ms: until.map(|t| t.unix_millis()),
            },
            ChatError::Blocked => ApiError::Blocked,
            ChatError::MessageNotFound => ApiError::MessageNotFound,
            ChatError::NotYourMessage => ApiError::NotYourMessage,
            ChatError::EditWindowClosed => ApiError::EditWindowClosed,
            ChatError::MessageRefused => ApiError::MessageRefused,
            ChatError::AlreadyReported => ApiError::AlreadyReported,
            ChatError::CannotReportOwn => ApiError::CannotReportOwn,
            ChatError::Invalid { field, reason } => ApiError::Invalid {
                field: field.to_owned(),
                reason,
            },
            ChatError::RateLimited { retry_after } => ApiError::RateLimited {
                retry_after_s: whole_seconds(retry_after),
            },
            ChatError::Store(error) => ApiError::store(error),
            ChatError::State(error) => ApiError::state(error),
        }
    }
}

impl From<FriendError> for ApiError {
    fn from(error: FriendError) -> Self {
        match error {
            FriendError::PlayerNotFound => ApiError::PlayerNotFound,
            FriendError::CannotBefriendSelf => ApiError::CannotBefriendSelf,
            FriendError::AlreadyFriends => ApiError::AlreadyFriends,
            FriendError::RequestExists => ApiError::FriendRequestExists,
            FriendError::RequestNotFound => ApiError::FriendRequestNotFound,
            FriendError::NotFriends => ApiError::NotFriends,
            FriendError::FriendsLimit(who) => ApiError::FriendsLimit(who),
            FriendError::RequestsLimit(why) => ApiError::FriendRequestsLimit(why),
            FriendError::CannotBlockSelf => ApiError::CannotBlockSelf,
            FriendError::NotBlocked => ApiError::NotBlocked,
            FriendError::BlocksLimit => ApiError::BlocksLimit,
            FriendError::Blocked => ApiError::Blocked,
            FriendError::Store(error) => ApiError::store(error),
            FriendError::State(error) => ApiError::state(error),
        }
    }
}

impl From<QueueError> for ApiError {
    fn from(error: QueueError) -> Self {
        match error {
            QueueError::UnknownQueue(mode) => ApiError::UnknownQueue(mode),
            QueueError::UnknownRegion(region) => ApiError::UnknownRegion(region),
            QueueError::UnknownRole(role) => ApiError::UnknownRole(role),
            QueueError::NoRegionInReach(why) => ApiError::NoRegionInReach(why),
            QueueError::Invalid { field, reason } => ApiError::Invalid { field, reason },
            QueueError::AlreadyQueued => ApiError::AlreadyQueued,
            QueueError::InMatch => ApiError::InMatch,
            QueueError::Cooldown {
                player_id,
                until,
                left_ms,
            } => ApiError::QueueCooldown {
                player_id,
                until_ms: until.unix_millis(),
                retry_after_s: u64::try_from((left_ms + 999) / 1000).unwrap_or(1).max(1),
            },
            QueueError::PartyNotReady => ApiError::PartyNotReady,
            QueueError::PartyTooLarge(most) => ApiError::PartyTooLarge(most),
            QueueError::NotPartyLeader => ApiError::NotPartyLeader,
            QueueError::NotQueued => ApiError::NotQueued,
            QueueError::Store(error) => ApiError::store(error),
            QueueError::State(error) => ApiError::state(error),
        }
    }
}

impl From<PartyError> for ApiError {
    fn from(error: PartyError) -> Self {
        match error {
            PartyError::PartyNotFound => ApiError::PartyNotFound,
            PartyError::PlayerNotFound => ApiError::PlayerNotFound,
            PartyError::NotInParty(why) => ApiError::NotInParty(why),
            PartyError::AlreadyInParty(why) => ApiError::AlreadyInParty(why),
            PartyError::PartyFull => ApiError::PartyFull,
            PartyError::PartyClosed => ApiError::PartyClosed,
            PartyError::NotPartyLeader => ApiError::NotPartyLeader,
            PartyError::NotInvited => ApiError::NotInvited,
            PartyError::InviteExpired => ApiError::InviteExpired,
            PartyError::AlreadyInvited => ApiError::AlreadyInvited,
            PartyError::Blocked => ApiError::Blocked,
            PartyError::ReadyCheckInProgress => ApiError::ReadyCheckInProgress,
            PartyError::Invalid { field, reason } => ApiError::Invalid { field, reason },
            PartyError::Queue(error) => error.into(),
            PartyError::Store(error) => ApiError::store(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_is_told_in_whole_seconds_rounded_up_and_never_zero() {
        assert_eq!(whole_seconds(Duration::ZERO), 1);
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::from_secs(2)), 2);
        assert_eq!(whole_seconds(Duration::from_millis(2001)), 3);
    }

    #[test]
    fn password_hashing_at_capacity_is_a_503_to_retry() {
        let busy = AccountsError::from(anyhow::Error::new(crate::accounts::password::Busy));
        let (status, code) = ApiError::from(busy).status_and_code();
        assert_eq!((status.as_u16(), code), (503, "backend_unavailable"));
    }
}
