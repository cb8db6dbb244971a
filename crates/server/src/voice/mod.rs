//! Voice channels for parties and for the teams of running matches: each party (and each team
//! of a match whose queue sets `team_voice`) has a voice room at a provider, and each member
//! gets their own short-lived access token to it: on asking (`GET /v1/party/{id}/voice`,
//! `GET /v1/matches/{id}/voice`), in the party as the API answers it, and in the pushes that
//! hand them a new room (`party.updated` when the members changed, `session.ready`). Parties
//! are in [`party`], teams in [`team`].
//!
//! Two providers implement [`VoiceProvider`]: [`LiveKit`] (a room per party, tokens signed with
//! the LiveKit API key and secret, with the grants LiveKit documents) and [`Webhook`] (any other
//! service: Rally asks an operator's URL for the member's token). The room's name carries the
//! party's voice generation, which moves on whenever a member leaves or is kicked: the members
//! who stay are handed a new room, and the one who left holds only a token for the old one,
//! which lapses after `voice_token_ttl_s`. A team's room is the match's and the team's; once
//! the match is over no token is handed out for it.

mod channel;
mod error;
mod livekit;
pub mod party;
mod push;
pub mod team;
mod webhook;

use std::{collections::BTreeSet, time::Duration};

use rally_protocol::VoiceAccess;
use rally_store::{Store, Timestamp};
use uuid::Uuid;

use crate::{
    matchmaking::Queues,
    settings::{VoiceProviderKind, VoiceSettings},
};

pub use channel::Channel;
pub use error::VoiceError;
pub use livekit::{LiveKit, LiveKitClaims, LiveKitGrant};
pub use push::hand_out;
pub use webhook::Webhook;

/// The room a member is let into, and who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seat {
    /// The room's name ([`Channel::room`]).
    pub room: String,
    /// What the room is for.
    pub channel: Channel,
    /// The member.
    pub player_id: Uuid,
    /// Their display name, shown to the others in the room.
    pub display_name: String,
    /// When the token is issued.
    pub now: Timestamp,
    /// How long it admits.
    pub ttl: Duration,
}

/// A voice provider: hands a member their access to a room.
pub trait VoiceProvider {
    /// The member's access to `seat`'s room.
    fn access(&self, seat: &Seat) -> impl Future<Output = Result<VoiceAccess, VoiceError>> + Send;
}

/// The configured provider, if any.
#[derive(Debug, Clone)]
pub enum Provider {
    /// No voice: `voice_not_configured`.
    None,
    /// LiveKit.
    LiveKit(LiveKit),
    /// An operator's webhook.
    Webhook(Webhook),
}

impl VoiceProvider for Provider {
    async fn access(&self, seat: &Seat) -> Result<VoiceAccess, VoiceError> {
        match self {
            Provider::None => Err(VoiceError::NotConfigured),
            Provider::LiveKit(livekit) => livekit.access(seat).await,
            Provider::Webhook(webhook) => webhook.access(seat).await,
        }
    }
}

/// The voice service: the store (membership, the room's generation), the provider, the token
/// lifetime and the queues whose matches have team voice. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Voice {
    store: Store,
    provider: Provider,
    ttl: Duration,
    team_voice: BTreeSet<String>,
}

impl Voice {
    /// The service the settings configure, for `queues`.
    pub fn new(store: Store, settings: &VoiceSettings, queues: &Queues) -> Self {
        let provider = match settings.voice_provider {
            VoiceProviderKind::None => Provider::None,
            VoiceProviderKind::Livekit => Provider::LiveKit(LiveKit::from_settings(settings)),
            VoiceProviderKind::Webhook => Provider::Webhook(Webhook::from_settings(settings)),
        };
        let team_voice = queues
            .iter()
            .filter(|(_, config)| config.team_voice)
            .map(|(mode, _)| mode.as_str().to_owned())
            .collect();
        Self {
            store,
            provider,
            ttl: Duration::from_secs(settings.voice_token_ttl_s),
            team_voice,
        }
    }

    /// Whether a provider is configured.
    pub fn offered(&self) -> bool {
        !matches!(self.provider, Provider::None)
    }

    /// `voice_not_configured` unless a provider is.
    fn configured(&self) -> Result<(), VoiceError> {
        if self.offered() {
            Ok(())
        } else {
            Err(VoiceError::NotConfigured)
        }
    }
}

/// `player_id`'s access to `channel`'s room; a provider that fails is the caller's error.
async fn seat(voice: &Voice, channel: Channel, player_id: Uuid) -> Result<VoiceAccess, VoiceError> {
    let names = voice.store.display_names(&[player_id]).await?;
    let display_name = names.into_iter().next().map(|(_, n)| n).unwrap_or_default();
    let seat = Seat {
        room: channel.room(),
        channel,
        player_id,
        display_name,
        now: voice.store.now(),
        ttl: voice.ttl,
    };
    voice.provider.access(&seat).await
}

/// Each of `players`' access to `channel`'s room, their display names read at once; a player
/// the provider failed for is left out (and the failure logged).
async fn seat_all(
    voice: &Voice,
    channel: Channel,
    players: &[Uuid],
) -> Result<Vec<(Uuid, VoiceAccess)>, VoiceError> {
    let names = voice.store.display_names(players).await?;
    let now = voice.store.now();
    let mut seated = Vec::with_capacity(names.len());
    for (player_id, display_name) in names {
        let seat = Seat {
            room: channel.room(),
            channel,
            player_id,
            display_name,
            now,
            ttl: voice.ttl,
        };
        match voice.provider.access(&seat).await {
            Ok(access) => seated.push((player_id, access)),
            Err(error) => {
                metrics::counter!("rally_voice_access_failures_total").increment(1);
                tracing::warn!(error = %error, "cannot hand a player their voice access");
            }
        }
    }
    Ok(seated)
}
