//! Voice access in pushes: `party.updated` when the members changed hands each member still in
//! the party their access to its room as it is now, and `session.ready` hands each player their
//! team's, for a queue with team voice. Each player's push carries only their own token.

use std::collections::HashMap;

use rally_protocol::{VoiceAccess, gateway::ServerEvent};
use uuid::Uuid;

use super::{Voice, VoiceError, party, team};

/// The `party.updated` reasons after which the members (and so the room) changed.
const MEMBERS_CHANGED: [&str; 5] = ["created", "joined", "left", "kicked", "banned"];

/// Puts each player's voice access into their push, where the push hands one out (`pushes`
/// are one event's, one per player).
pub async fn hand_out(voice: &Voice, pushes: &mut [(Uuid, ServerEvent)]) -> Result<(), VoiceError> {
    if !voice.offered() {
        return Ok(());
    }
    let players: Vec<Uuid> = pushes.iter().map(|(p, _)| *p).collect();
    let seats = match pushes.first() {
        Some((_, ServerEvent::PartyUpdated(event)))
            if event
                .reason
                .as_deref()
                .is_some_and(|r| MEMBERS_CHANGED.contains(&r)) =>
        {
            party::seats(voice, event.party_id, &players).await?
        }
        Some((_, ServerEvent::SessionReady(info))) => {
            team::seats(voice, info.match_id, &players).await?
        }
        _ => return Ok(()),
    };
    let mut seats: HashMap<Uuid, VoiceAccess> = seats.into_iter().collect();
    for (player_id, push) in pushes.iter_mut() {
        let access = seats.remove(player_id);
        match push {
            ServerEvent::PartyUpdated(event) => event.voice = access,
            ServerEvent::SessionReady(info) => info.voice = access,
            _ => {}
        }
    }
    Ok(())
}
