//! Bans: the operator's tool (`rally player ban|unban|show`, and the admin API) and what a ban
//! does, in one transaction with its audit line: the player's status and ban row, their refresh tokens
//! revoked, their party left (`reason: banned`), their searching ticket cancelled
//! (`queue.cancelled`, `banned`), and `account.banned` on the outbox. Every `api` node's
//! gateway handles that event: it forgets the cached status (so access tokens are refused on
//! the next request) and closes the player's sockets with 4003 after an `account.banned` push,
//! within about a second of the commit wherever the player is connected.

use rally_protocol::{event::Event, gateway::AccountBanned};
use rally_state::State;
use rally_store::{
    Ban, NewSanction, Player, Sanction, SanctionKind, Store, StoreError, TicketState, new_id,
};
use time::Duration;
use uuid::Uuid;

use super::{AccountsError, status};
use crate::{
    bus,
    matchmaking::queueing::{self, reason},
    operators::Actor,
    parties::lifecycle,
};

/// The longest reason kept.
pub const MAX_REASON_LEN: usize = 500;

/// The player named `username` (any case), or `player_not_found`.
pub async fn find(store: &Store, username: &str) -> Result<Player, AccountsError> {
    store
        .find_player_by_username(username)
        .await?
        .ok_or(AccountsError::PlayerNotFound)
}

/// Bans `player_id` for `duration` (`None`: permanently) for `reason`, by `by`: the ban as
/// the player's record of sanctions keeps it.
pub async fn ban(
    store: &Store,
    player_id: Uuid,
    duration: Option<std::time::Duration>,
    reason: &str,
    by: &Actor,
) -> Result<Sanction, AccountsError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_LEN {
        return Err(AccountsError::Invalid {
            field: "reason".to_owned(),
            reason: format!("1 to {MAX_REASON_LEN} characters"),
        });
    }
    let now = store.now();
    let until = match duration {
        Some(duration) => {
            let duration = Duration::try_from(duration).map_err(|_| AccountsError::Invalid {
                field: "for".to_owned(),
                reason: "too long".to_owned(),
            })?;
            Some(now.plus(duration))
        }
        None => None,
    };
    let party = store.party_of_player(player_id).await?;
    let ticket = store.active_ticket_of_player(player_id).await?;

    let mut tx = store.begin().await?;
    match tx.ban_player(player_id, until, reason).await {
        Ok(()) => {}
        Err(StoreError::NotFound) => return Err(AccountsError::PlayerNotFound),
        Err(error) => return Err(error.into()),
    }
    let sanction = tx
        .give_sanction(&NewSanction {
            id: new_id(),
            player_id,
            kind: SanctionKind::Ban,
            reason: reason.to_owned(),
            until,
            given_by: by.name.clone(),
        })
        .await?;
    tx.revoke_player_refresh_tokens(player_id).await?;
    if let Some(party) = party {
        lifecycle::remove_banned(&mut tx, party.id, player_id).await?;
    }
    if let Some(ticket) = ticket {
        // Already ended when leaving the party took a party ticket out: nothing more then.
        queueing::end(&mut tx, &ticket, TicketState::Cancelled, reason::BANNED).await?;
    }
    let banned = AccountBanned {
        player_id,
        until: until.map(rally_store::Timestamp::to_offset_date_time),
    };
    bus::outbox::enqueue(&mut tx, player_id, Event::AccountBanned(banned)).await?;
    let detail = serde_json::json!({
        "sanction_id": sanction.id,
        "until": until.map(|t| t.to_offset_date_time().to_string()),
    });
    let line = by.did(
        "player.ban",
        Some(player_id.to_string()),
        Some(reason.to_owned()),
        detail,
    );
    tx.audit(&line).await?;
    tx.commit().await?;
    metrics::counter!("rally_bans_total").increment(1);
    metrics::counter!("rally_sanctions_total", "kind" => "ban").increment(1);
    tracing::info!(player.id = %player_id, permanent = until.is_none(), "player banned");
    Ok(sanction)
}

/// Lifts the ban of `player_id`, by `by`, for `reason` (`None`: none given); false when it
/// was not banned. The status cached in `state` is forgotten, so on a shared Redis the player
/// is let in on the next request (a node on in-process state keeps its cached `banned` for up
/// to 30 s).
pub async fn unban(
    store: &Store,
    state: &State,
    player_id: Uuid,
    by: &Actor,
    reason: Option<&str>,
) -> Result<bool, AccountsError> {
    let mut tx = store.begin().await?;
    let lifted = tx.unban_player(player_id).await?;
    if lifted {
        tx.lift_held_sanction(
            player_id,
            SanctionKind::Ban,
            &by.name,
            reason.unwrap_or("lifted"),
        )
        .await?;
        let line = by.did(
            "player.unban",
            Some(player_id.to_string()),
            reason.map(str::to_owned),
            serde_json::json!({}),
        );
        tx.audit(&line).await?;
    }
    tx.commit().await?;
    status::forget(state, player_id).await?;
    if lifted {
        tracing::info!(player.id = %player_id, "player unbanned");
    }
    Ok(lifted)
}

/// The player's ban, if any.
pub async fn of(store: &Store, player_id: Uuid) -> Result<Option<Ban>, AccountsError> {
    Ok(store.ban(player_id).await?)
}
