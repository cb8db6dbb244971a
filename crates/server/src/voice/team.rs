//! A team's voice room in a running match, for a queue that sets `team_voice`: a player's
//! access on asking ([`access`]) and in their `session.ready` push ([`seats`]). Only while the
//! match runs (created or active); once it is over no token is handed out.

use rally_protocol::VoiceAccess;
use rally_store::{MatchState, Participant, StoreError};
use uuid::Uuid;

use super::{Channel, Voice, VoiceError, seat, seat_all};

/// `caller`'s access to their team's voice room in match `match_id`.
pub async fn access(
    voice: &Voice,
    caller: Uuid,
    match_id: Uuid,
) -> Result<VoiceAccess, VoiceError> {
    voice.configured()?;
    let participants = running(voice, match_id).await?;
    let Some(me) = participants.iter().find(|p| p.player_id == caller) else {
        return Err(VoiceError::NotInMatch);
    };
    let channel = Channel::Team {
        match_id,
        team: me.team,
    };
    seat(voice, channel, caller).await
}

/// Each of `players` in match `match_id`: their access to their team's room (none without a
/// provider, for a queue without team voice, or for a match no longer running).
pub async fn seats(
    voice: &Voice,
    match_id: Uuid,
    players: &[Uuid],
) -> Result<Vec<(Uuid, VoiceAccess)>, VoiceError> {
    if !voice.offered() || voice.team_voice.is_empty() {
        return Ok(Vec::new());
    }
    let participants = match running(voice, match_id).await {
        Ok(participants) => participants,
        Err(VoiceError::Store(error)) => return Err(error.into()),
        Err(_) => return Ok(Vec::new()),
    };
    let mut seated = Vec::new();
    let mut teams: Vec<i32> = participants.iter().map(|p| p.team).collect();
    teams.sort_unstable();
    teams.dedup();
    for team in teams {
        let members: Vec<Uuid> = participants
            .iter()
            .filter(|p| p.team == team && players.contains(&p.player_id))
            .map(|p| p.player_id)
            .collect();
        if members.is_empty() {
            continue;
        }
        let channel = Channel::Team { match_id, team };
        seated.extend(seat_all(voice, channel, &members).await?);
    }
    Ok(seated)
}

/// The players of match `match_id`, when it runs and its queue has team voice.
async fn running(voice: &Voice, match_id: Uuid) -> Result<Vec<Participant>, VoiceError> {
    let record = match voice.store.match_record(match_id).await {
        Ok(record) => record,
        Err(StoreError::NotFound) => return Err(VoiceError::MatchNotFound),
        Err(error) => return Err(error.into()),
    };
    if !voice.team_voice.contains(&record.mode) {
        return Err(VoiceError::NotOffered);
    }
    if !matches!(record.state, MatchState::Created | MatchState::Active) {
        return Err(VoiceError::MatchOver);
    }
    Ok(voice.store.match_participants(match_id).await?)
}
