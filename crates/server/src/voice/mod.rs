//! Voice channels for parties: each party has a voice room at a provider, and each member gets
//! their own short-lived access token to it ([`access`], `GET /v1/party/{id}/voice`).
//!
//! Two providers implement [`VoiceProvider`]: [`LiveKit`] (a room per party, tokens signed with
//! the LiveKit API key and secret, with the grants LiveKit documents) and [`Webhook`] (any other
//! service: Rally asks an operator's URL for the member's token). The room's name carries the
//! party's voice generation, which moves on whenever a member leaves or is kicked: the members
//! who stay are handed a new room, and the one who left holds only a token for the old one,
//! which lapses after `voice_token_ttl_s`.

mod error;
mod livekit;
mod webhook;

use std::time::Duration;

use rally_protocol::VoiceAccess;
use rally_store::{Store, StoreError, Timestamp};
use uuid::Uuid;

use crate::settings::{VoiceProviderKind, VoiceSettings};

pub use error::VoiceError;
pub use livekit::{LiveKit, LiveKitClaims, LiveKitGrant};
pub use webhook::Webhook;

/// The room a member is let into, and who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seat {
    /// The room's name: `party-<party_id>-<generation>`.
    pub room: String,
    /// The party.
    pub party_id: Uuid,
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

/// The voice service: the store (membership, the room's generation), the provider and the
/// token lifetime. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Voice {
    store: Store,
    provider: Provider,
    ttl: Duration,
}

impl Voice {
    /// The service the settings configure.
    pub fn new(store: Store, settings: &VoiceSettings) -> Self {
        let provider = match settings.voice_provider {
            VoiceProviderKind::None => Provider::None,
            VoiceProviderKind::Livekit => Provider::LiveKit(LiveKit::from_settings(settings)),
            VoiceProviderKind::Webhook => Provider::Webhook(Webhook::from_settings(settings)),
        };
        Self {
            store,
            provider,
            ttl: Duration::from_secs(settings.voice_token_ttl_s),
        }
    }
}

/// `caller`'s access to the voice room of their party `party_id`.
pub async fn access(
    voice: &Voice,
    caller: Uuid,
    party_id: Uuid,
) -> Result<VoiceAccess, VoiceError> {
    if matches!(voice.provider, Provider::None) {
        return Err(VoiceError::NotConfigured);
    }
    let generation = match voice.store.voice_generation(party_id).await {
        Ok(generation) => generation,
        Err(StoreError::NotFound) => return Err(VoiceError::PartyNotFound),
        Err(error) => return Err(error.into()),
    };
    let members = voice.store.party_members(party_id).await?;
    let Some(member) = members.iter().find(|m| m.player_id == caller) else {
        return Err(VoiceError::NotInParty);
    };
    let names = voice.store.display_names(&[member.player_id]).await?;
    let display_name = names.into_iter().next().map(|(_, n)| n).unwrap_or_default();
    let seat = Seat {
        room: format!("party-{party_id}-{generation}"),
        party_id,
        player_id: caller,
        display_name,
        now: voice.store.now(),
        ttl: voice.ttl,
    };
    voice.provider.access(&seat).await
}
