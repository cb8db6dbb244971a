//! A party's voice room: a member's access on asking ([`access`]), in the party as the API
//! answers it ([`attach`]), and every member's in the push that tells them the members changed
//! ([`seats`]).

use rally_protocol::{Party, VoiceAccess};
use rally_store::StoreError;
use uuid::Uuid;

use super::{Channel, Voice, VoiceError, seat, seat_all};

/// `caller`'s access to the voice room of their party `party_id`.
pub async fn access(
    voice: &Voice,
    caller: Uuid,
    party_id: Uuid,
) -> Result<VoiceAccess, VoiceError> {
    voice.configured()?;
    let channel = channel(voice, party_id).await?;
    let members = voice.store.party_members(party_id).await?;
    if !members.iter().any(|m| m.player_id == caller) {
        return Err(VoiceError::NotInParty);
    }
    seat(voice, channel, caller).await
}

/// Each of `players` still in party `party_id`: their access to its room as it is now (none
/// without a provider; a player the provider failed for is left out).
pub async fn seats(
    voice: &Voice,
    party_id: Uuid,
    players: &[Uuid],
) -> Result<Vec<(Uuid, VoiceAccess)>, VoiceError> {
    if !voice.offered() {
        return Ok(Vec::new());
    }
    let channel = match channel(voice, party_id).await {
        Ok(channel) => channel,
        Err(VoiceError::PartyNotFound) => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let members: Vec<Uuid> = voice
        .store
        .party_members(party_id)
        .await?
        .into_iter()
        .map(|m| m.player_id)
        .filter(|p| players.contains(p))
        .collect();
    seat_all(voice, channel, &members).await
}

/// `party` as answered to `caller`: with their access to its voice room when they are a member
/// and a provider is configured. A provider that fails leaves it out (the party is answered
/// all the same; `GET /v1/party/{id}/voice` tells why).
pub async fn attach(voice: &Voice, caller: Uuid, mut party: Party) -> Party {
    if !voice.offered() || !party.members.iter().any(|m| m.player_id == caller) {
        return party;
    }
    match access(voice, caller, party.id).await {
        Ok(access) => party.voice = Some(access),
        Err(error) => {
            metrics::counter!("rally_voice_access_failures_total").increment(1);
            tracing::warn!(error = %error, "cannot hand a member their party's voice access");
        }
    }
    party
}

/// The party's room as it is now.
async fn channel(voice: &Voice, party_id: Uuid) -> Result<Channel, VoiceError> {
    match voice.store.voice_generation(party_id).await {
        Ok(generation) => Ok(Channel::Party {
            party_id,
            generation,
        }),
        Err(StoreError::NotFound) => Err(VoiceError::PartyNotFound),
        Err(error) => Err(error.into()),
    }
}
