//! [`VoiceError`]: why a member or player got no voice access.

use rally_store::StoreError;

/// Why a voice call failed. The HTTP layer turns each into its problem.
#[derive(Debug, thiserror::Error)]
pub enum VoiceError {
    /// This Rally has no voice provider configured.
    #[error("voice is not configured on this server")]
    NotConfigured,
    /// No such party.
    #[error("no such party")]
    PartyNotFound,
    /// The caller is not a member of the party.
    #[error("you are not in this party")]
    NotInParty,
    /// No such match.
    #[error("no such match")]
    MatchNotFound,
    /// The caller is not a player of the match.
    #[error("you are not a player of this match")]
    NotInMatch,
    /// The match's queue has no team voice.
    #[error("this match's queue has no team voice")]
    NotOffered,
    /// The match is over.
    #[error("this match is over")]
    MatchOver,
    /// The provider did not answer, or answered nonsense (never the secret or token).
    #[error("the voice provider failed: {0}")]
    Provider(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
