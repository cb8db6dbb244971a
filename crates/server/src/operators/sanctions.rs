//! Sanctions as operators give and lift them: a ban (the same as [`ban::ban`]), a chat mute,
//! a queue cooldown. Each is recorded with who gave it and why, replaces the player's held
//! sanction of its kind, and writes its audit line in its own transaction. A cooldown also
//! cancels the search the player is on (`sanctioned`); a mute is read by chat on every write.
//! The player is told of a mute or a cooldown given or lifted by a `moderation.notice` (a ban
//! tells them by closing their sockets with `account.banned`).

use std::time::Duration;

use rally_protocol::moderation::{
    NoticeKind, SanctionKindName, SanctionList, SanctionRequest, SanctionView,
};
use rally_store::{NewSanction, Sanction, SanctionKind, StoreError, TicketState, new_id};
use uuid::Uuid;

use super::{Acting, OperatorError, Operators, checked_reason, players::from_accounts};
use crate::{
    accounts::ban,
    appeals,
    matchmaking::{
        QueueError,
        queueing::{self, reason},
    },
};

/// The shortest sanction with an end.
const SHORTEST_S: u64 = 60;
/// The longest ban or mute with an end.
const LONGEST_S: u64 = 100 * 365 * 86_400;
/// The longest cooldown.
const LONGEST_COOLDOWN_S: u64 = 30 * 86_400;

/// Gives the sanction `request` names to `player_id`, by the operator `acting`.
pub async fn give(
    operators: &Operators,
    acting: &Acting,
    player_id: Uuid,
    request: SanctionRequest,
) -> Result<SanctionView, OperatorError> {
    let reason = checked_reason("reason", &request.reason)?;
    let duration = checked_duration(request.kind, request.duration_s)?;
    let store = &operators.store;
    let actor = acting.actor();
    let given = match request.kind {
        SanctionKindName::Ban => ban::ban(store, player_id, duration, reason, &actor)
            .await
            .map_err(from_accounts)?,
        kind @ (SanctionKindName::Mute | SanctionKindName::Cooldown) => {
            let kind = stored_kind(kind);
            let until = duration.map(|d| store.now().plus(time::Duration::seconds(whole(d))));
            let ticket = match kind {
                SanctionKind::Cooldown => store.active_ticket_of_player(player_id).await?,
                _ => None,
            };
            let mut tx = store.begin().await?;
            let new = NewSanction {
                id: new_id(),
                player_id,
                kind,
                reason: reason.to_owned(),
                until,
                given_by: actor.name.clone(),
            };
            let given = match tx.give_sanction(&new).await {
                Ok(given) => given,
                Err(StoreError::NotFound) => return Err(OperatorError::PlayerNotFound),
                Err(error) => return Err(error.into()),
            };
            if let Some(ticket) = ticket {
                queueing::end(&mut tx, &ticket, TicketState::Cancelled, reason::SANCTIONED)
                    .await
                    .map_err(|error| match error {
                        QueueError::Store(error) => OperatorError::Store(error),
                        other => OperatorError::Other(other.into()),
                    })?;
            }
            let detail = serde_json::json!({
                "sanction_id": given.id,
                "until": until.map(|t| t.to_offset_date_time().to_string()),
            });
            let action = format!("player.{}", kind.as_str());
            let line = actor.did(
                &action,
                Some(player_id.to_string()),
                Some(reason.to_owned()),
                detail,
            );
            tx.audit(&line).await?;
            appeals::notify(&mut tx, NoticeKind::SanctionGiven, &given, None).await?;
            tx.commit().await?;
            metrics::counter!("rally_sanctions_total", "kind" => kind.as_str()).increment(1);
            given
        }
    };
    Ok(view(&given, store.now()))
}

/// Lifts the sanction `sanction_id`, by the operator `acting`, for `reason`: the sanction as
/// lifted (`sanction_not_held` when it was lifted already or is over). The player is told with
/// a `moderation.notice` when `tell` (a lifted ban lets them log in again instead).
pub async fn lift(
    operators: &Operators,
    acting: &Acting,
    sanction_id: Uuid,
    reason: &str,
    tell: bool,
) -> Result<SanctionView, OperatorError> {
    let reason = checked_reason("reason", reason)?;
    let store = &operators.store;
    let sanction = store
        .sanction(sanction_id)
        .await?
        .ok_or(OperatorError::SanctionNotFound)?;
    if !sanction.holds_at(store.now()) {
        return Err(OperatorError::SanctionNotHeld);
    }
    let actor = acting.actor();
    if sanction.kind == SanctionKind::Ban {
        let lifted = ban::unban(
            store,
            &operators.state,
            sanction.player_id,
            &actor,
            Some(reason),
        )
        .await
        .map_err(from_accounts)?;
        if !lifted {
            return Err(OperatorError::SanctionNotHeld);
        }
    } else {
        let mut tx = store.begin().await?;
        let Some(lifted) = tx.lift_sanction(sanction.id, &actor.name, reason).await? else {
            return Err(OperatorError::SanctionNotHeld);
        };
        if tell {
            appeals::notify(&mut tx, NoticeKind::SanctionLifted, &lifted, None).await?;
        }
        let line = actor.did(
            "sanction.lift",
            Some(sanction.player_id.to_string()),
            Some(reason.to_owned()),
            serde_json::json!({"sanction_id": sanction.id, "kind": sanction.kind.as_str()}),
        );
        tx.audit(&line).await?;
        tx.commit().await?;
    }
    let lifted = store
        .sanction(sanction_id)
        .await?
        .ok_or(OperatorError::SanctionNotFound)?;
    Ok(view(&lifted, store.now()))
}

/// Every sanction `player_id` was given, newest first.
pub async fn of(operators: &Operators, player_id: Uuid) -> Result<SanctionList, OperatorError> {
    let store = &operators.store;
    match store.player(player_id).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => return Err(OperatorError::PlayerNotFound),
        Err(error) => return Err(error.into()),
    }
    let now = store.now();
    let sanctions = store.sanctions_of(player_id).await?;
    Ok(SanctionList {
        sanctions: sanctions.iter().map(|s| view(s, now)).collect(),
    })
}

/// `sanction` on the wire, as it stands at `now`.
pub fn view(sanction: &Sanction, now: rally_store::Timestamp) -> SanctionView {
    SanctionView {
        id: sanction.id,
        player_id: sanction.player_id,
        kind: wire_kind(sanction.kind),
        reason: sanction.reason.clone(),
        given_at: sanction.created_at.to_offset_date_time(),
        given_by: sanction.given_by.clone(),
        until: sanction.until.map(|t| t.to_offset_date_time()),
        holds: sanction.holds_at(now),
        lifted_at: sanction.lifted_at.map(|t| t.to_offset_date_time()),
        lifted_by: sanction.lifted_by.clone(),
        lift_reason: sanction.lift_reason.clone(),
    }
}

/// How long a sanction of `kind` lasts (`None`: permanently), if `duration_s` is allowed.
fn checked_duration(
    kind: SanctionKindName,
    duration_s: Option<u64>,
) -> Result<Option<Duration>, OperatorError> {
    let longest = match kind {
        SanctionKindName::Cooldown => LONGEST_COOLDOWN_S,
        SanctionKindName::Ban | SanctionKindName::Mute => LONGEST_S,
    };
    match duration_s {
        None if kind == SanctionKindName::Cooldown => Err(OperatorError::Invalid {
            field: "duration_s",
            reason: "a cooldown needs an end".to_owned(),
        }),
        None => Ok(None),
        Some(s) if (SHORTEST_S..=longest).contains(&s) => Ok(Some(Duration::from_secs(s))),
        Some(_) => Err(OperatorError::Invalid {
            field: "duration_s",
            reason: format!("{SHORTEST_S} to {longest} seconds"),
        }),
    }
}

/// Whole seconds of `duration`, which [`checked_duration`] keeps far below `i64::MAX`.
fn whole(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}

/// The store's kind of a wire kind.
fn stored_kind(kind: SanctionKindName) -> SanctionKind {
    match kind {
        SanctionKindName::Ban => SanctionKind::Ban,
        SanctionKindName::Mute => SanctionKind::Mute,
        SanctionKindName::Cooldown => SanctionKind::Cooldown,
    }
}

/// The wire kind of a stored kind.
fn wire_kind(kind: SanctionKind) -> SanctionKindName {
    match kind {
        SanctionKind::Ban => SanctionKindName::Ban,
        SanctionKind::Mute => SanctionKindName::Mute,
        SanctionKind::Cooldown => SanctionKindName::Cooldown,
    }
}
