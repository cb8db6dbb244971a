//! Names on the bus: the durable [`Stream`]s and validation of caller-given names.
//!
//! Every name that reaches NATS is checked here first, so a bad name is a typed
//! [`EventsError::InvalidName`] and never a confusing server error, and the in-process bus
//! rejects exactly what NATS would.

use std::fmt;

use crate::EventsError;

/// A durable stream of the platform: work handed between roles with acknowledgement and
/// redelivery.
///
/// On NATS each is one JetStream stream named `<PREFIX>_<NAME>` (for example
/// `rally_MATCH_CREATED`) holding the subjects `<prefix>.stream.<name>.>`. A stream keeps a
/// message for 7 days whoever acknowledged it (at most 100 000 messages, oldest dropped first),
/// so a durable created later still receives what was published before it existed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stream {
    /// `match.created`: the matchmaker persisted a match; the sessions role allocates a server.
    MatchCreated,
    /// `match.accepted`: a player accepted a found match (every player has once its state is
    /// `accepted`: the sessions role allocates a server).
    MatchAccepted,
    /// `match.completed`: a game server reported a result; the ratings role applies it.
    MatchCompleted,
    /// `session.ready`: a game server was allocated and session tokens were signed.
    SessionReady,
    /// `player.registered`: a player created an account.
    PlayerRegistered,
    /// `profile.updated`: a player changed their profile (display name, region, avatar, email
    /// or password; the event names the fields, never their secret values).
    ProfileUpdated,
    /// `party.updated`: a party's members, lead or readiness changed (the payload names the
    /// members to tell).
    PartyUpdated,
    /// `party.invite`: a player was invited to a party.
    PartyInvite,
    /// `party.disbanded`: a party closed (its last member left).
    PartyDisbanded,
    /// `party.ready_check`: a ready check started, passed, failed or expired.
    PartyReadyCheck,
    /// `queue.updated`: a ticket joined a queue or left it without a match (the payload names
    /// its players).
    QueueUpdated,
    /// `match.cancelled`: a match will not be played (no server, a decline, or not accepted in
    /// time); its players are told.
    MatchCancelled,
    /// `session.ended`: a session ended without a result (abandoned).
    SessionEnded,
    /// `rating.updated`: a match's result changed its players' ratings.
    RatingUpdated,
    /// `account.banned`: an operator banned a player; every node closes their sockets.
    AccountBanned,
    /// `friend.updated`: a friendship was asked, accepted, declined, cancelled or removed.
    FriendUpdated,
    /// `chat.message`: a chat message was sent, edited or deleted (the payload names the
    /// players to tell).
    ChatMessage,
    /// `moderation.notice`: one of a player's sanctions was given, lifted, or its appeal
    /// decided; the player is told.
    ModerationNotice,
    /// `dead.letter`: messages a reader could not read, kept for an operator to inspect
    /// instead of being dropped.
    DeadLetter,
}

impl Stream {
    /// Every stream, in a stable order (created together when a NATS bus connects).
    pub const ALL: [Stream; 19] = [
        Stream::MatchCreated,
        Stream::MatchAccepted,
        Stream::MatchCompleted,
        Stream::SessionReady,
        Stream::PlayerRegistered,
        Stream::ProfileUpdated,
        Stream::PartyUpdated,
        Stream::PartyInvite,
        Stream::PartyDisbanded,
        Stream::PartyReadyCheck,
        Stream::QueueUpdated,
        Stream::MatchCancelled,
        Stream::SessionEnded,
        Stream::RatingUpdated,
        Stream::AccountBanned,
        Stream::FriendUpdated,
        Stream::ChatMessage,
        Stream::ModerationNotice,
        Stream::DeadLetter,
    ];

    /// The dotted name, as used in subjects and logs: `match.created`.
    pub fn name(self) -> &'static str {
        match self {
            Stream::MatchCreated => "match.created",
            Stream::MatchAccepted => "match.accepted",
            Stream::MatchCompleted => "match.completed",
            Stream::SessionReady => "session.ready",
            Stream::PlayerRegistered => "player.registered",
            Stream::ProfileUpdated => "profile.updated",
            Stream::PartyUpdated => "party.updated",
            Stream::PartyInvite => "party.invite",
            Stream::PartyDisbanded => "party.disbanded",
            Stream::PartyReadyCheck => "party.ready_check",
            Stream::QueueUpdated => "queue.updated",
            Stream::MatchCancelled => "match.cancelled",
            Stream::SessionEnded => "session.ended",
            Stream::RatingUpdated => "rating.updated",
            Stream::AccountBanned => "account.banned",
            Stream::FriendUpdated => "friend.updated",
            Stream::ChatMessage => "chat.message",
            Stream::ModerationNotice => "moderation.notice",
            Stream::DeadLetter => "dead.letter",
        }
    }

    /// The stream of a dotted name (`"match.created"`), as stored in an outbox row's topic.
    pub fn from_name(name: &str) -> Option<Stream> {
        Stream::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The suffix of the JetStream stream name (stream names may not contain dots).
    pub(crate) fn stream_suffix(self) -> &'static str {
        match self {
            Stream::MatchCreated => "MATCH_CREATED",
            Stream::MatchAccepted => "MATCH_ACCEPTED",
            Stream::MatchCompleted => "MATCH_COMPLETED",
            Stream::SessionReady => "SESSION_READY",
            Stream::PlayerRegistered => "PLAYER_REGISTERED",
            Stream::ProfileUpdated => "PROFILE_UPDATED",
            Stream::PartyUpdated => "PARTY_UPDATED",
            Stream::PartyInvite => "PARTY_INVITE",
            Stream::PartyDisbanded => "PARTY_DISBANDED",
            Stream::PartyReadyCheck => "PARTY_READY_CHECK",
            Stream::QueueUpdated => "QUEUE_UPDATED",
            Stream::MatchCancelled => "MATCH_CANCELLED",
            Stream::SessionEnded => "SESSION_ENDED",
            Stream::RatingUpdated => "RATING_UPDATED",
            Stream::AccountBanned => "ACCOUNT_BANNED",
            Stream::FriendUpdated => "FRIEND_UPDATED",
            Stream::ChatMessage => "CHAT_MESSAGE",
            Stream::ModerationNotice => "MODERATION_NOTICE",
            Stream::DeadLetter => "DEAD_LETTER",
        }
    }
}

impl fmt::Display for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How long a stream keeps a message, acknowledged or not (both buses).
pub(crate) const STREAM_MAX_AGE: std::time::Duration =
    std::time::Duration::from_secs(7 * 24 * 3600);
/// How many messages a stream keeps at most; past it the oldest are dropped (both buses).
pub(crate) const STREAM_MAX_MESSAGES: usize = 100_000;

const MAX_TOKEN_LEN: usize = 64;
const MAX_SUBJECT_LEN: usize = 255;

/// Checks a prefix or a durable name: 1 to 64 of `[A-Za-z0-9_-]`.
pub(crate) fn check_token(kind: &'static str, value: &str) -> Result<(), EventsError> {
    let reason = if value.is_empty() {
        Some("must not be empty")
    } else if value.len() > MAX_TOKEN_LEN {
        Some("must be at most 64 characters")
    } else if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        Some("may contain only ASCII letters, digits, '_' and '-'")
    } else {
        None
    };
    reason.map_or(Ok(()), |reason| {
        Err(EventsError::InvalidName {
            kind,
            value: value.to_owned(),
            reason,
        })
    })
}

/// Checks a subject or a key: dot-separated non-empty tokens of visible ASCII without the
/// wildcards `*` and `>`, at most 255 characters.
pub(crate) fn check_subject(kind: &'static str, value: &str) -> Result<(), EventsError> {
    let reason = if value.is_empty() {
        Some("must not be empty")
    } else if value.len() > MAX_SUBJECT_LEN {
        Some("must be at most 255 characters")
    } else if value.split('.').any(str::is_empty) {
        Some("must not have empty dot-separated parts")
    } else if !value
        .chars()
        .all(|c| c.is_ascii_graphic() && c != '*' && c != '>')
    {
        Some("may contain only visible ASCII characters other than '*' and '>'")
    } else {
        None
    };
    reason.map_or(Ok(()), |reason| {
        Err(EventsError::InvalidName {
            kind,
            value: value.to_owned(),
            reason,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_accept_letters_digits_dash_and_underscore_only() {
        assert!(check_token("prefix", "rally_test-01").is_ok());
        assert!(check_token("prefix", "").is_err());
        assert!(check_token("prefix", "a.b").is_err());
        assert!(check_token("prefix", "a b").is_err());
        assert!(check_token("prefix", &"x".repeat(65)).is_err());
    }

    #[test]
    fn subjects_refuse_wildcards_blanks_and_empty_parts() {
        assert!(check_subject("subject", "player.0192-abc").is_ok());
        assert!(check_subject("subject", "player.*").is_err());
        assert!(check_subject("subject", "player.>").is_err());
        assert!(check_subject("subject", "player..x").is_err());
        assert!(check_subject("subject", ".player").is_err());
        assert!(check_subject("subject", "player x").is_err());
        assert!(check_subject("subject", "").is_err());
    }

    #[test]
    fn every_stream_has_a_distinct_name_and_suffix() {
        let names: std::collections::HashSet<_> = Stream::ALL.iter().map(|s| s.name()).collect();
        let suffixes: std::collections::HashSet<_> =
            Stream::ALL.iter().map(|s| s.stream_suffix()).collect();
        assert_eq!(names.len(), Stream::ALL.len());
        assert_eq!(suffixes.len(), Stream::ALL.len());
        assert_eq!(Stream::from_name("match.nope"), None);
        for stream in Stream::ALL {
            assert_eq!(Stream::from_name(stream.name()), Some(stream));
            assert!(check_subject("key", stream.name()).is_ok());
            assert!(check_token("prefix", stream.stream_suffix()).is_ok());
        }
    }
}
