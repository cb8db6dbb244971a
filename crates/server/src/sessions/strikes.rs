//! Strikes: what declining a found match (or letting its time to accept pass) and leaving a
//! running match cost a player. Both count on one ladder, `decline_cooldowns_s`, kept in the
//! player's `queue_cooldowns` row: a strike within `decline_forgiven_after_s` of the last
//! cooldown's end climbs a step, a later one starts again at the first, and every match the
//! player plays to its end without leaving takes one step back (the last goes once its
//! cooldown is over).
//!
//! A decline's cooldown is the row's own end (the accept step is gone in seconds; nobody
//! reviews it). A leave's is a sanction given by `auto:leaver`: in the audit log, told to the
//! player (`moderation.notice`), and an operator may lift it or the player appeal it like any
//! other; the row then only counts the strike.

use rally_protocol::moderation::NoticeKind;
use rally_store::{
    NewSanction, QueueCooldown, SanctionKind, StoreError, Timestamp, Transaction, new_id,
};
use uuid::Uuid;

use crate::{appeals, operators::Actor, settings::SessionSettings};

/// Who gives a leaver's cooldown, as the audit log and the sanction name them.
pub const LEAVER: &str = "auto:leaver";

/// The cooldown of `player_id` struck at `now`, after `prior`: the next of
/// `decline_cooldowns_s` when the last cooldown ended less than `decline_forgiven_after_s`
/// ago (or has not ended), else the first.
pub fn next(
    settings: &SessionSettings,
    prior: Option<QueueCooldown>,
    player_id: Uuid,
    now: Timestamp,
) -> QueueCooldown {
    let forgiven_ms =
        i64::try_from(settings.decline_forgiven_after().as_millis()).unwrap_or(i64::MAX);
    let strikes = match prior {
        Some(prior) if now.unix_millis() - prior.until.unix_millis() < forgiven_ms => {
            prior.declines.saturating_add(1)
        }
        _ => 1,
    };
    let length = settings.decline_cooldown(u32::try_from(strikes).unwrap_or(u32::MAX));
    let length = time::Duration::try_from(length).unwrap_or(time::Duration::MAX);
    QueueCooldown {
        player_id,
        declines: strikes,
        declined_at: now,
        until: now.plus(length),
    }
}

/// `player_id` left `match_id` before its end: a strike, and a cooldown sanction of the
/// ladder's length unless a longer cooldown holds already.
pub async fn leave(
    settings: &SessionSettings,
    tx: &mut Transaction,
    player_id: Uuid,
    match_id: Uuid,
) -> Result<(), StoreError> {
    let now = tx.now();
    let prior = tx.queue_cooldown(player_id).await?;
    let struck = next(settings, prior, player_id, now);
    // The row counts the strike; the sanction is what keeps the player out.
    tx.put_queue_cooldown(&QueueCooldown {
        until: now,
        ..struck.clone()
    })
    .await?;
    let held = tx
        .held_sanction(player_id, SanctionKind::Cooldown, now)
        .await?;
    if held.is_some_and(|held| {
        held.until
            .is_none_or(|until| until.unix_millis() >= struck.until.unix_millis())
    }) {
        return Ok(());
    }
    let sanction = tx
        .give_sanction(&NewSanction {
            id: new_id(),
            player_id,
            kind: SanctionKind::Cooldown,
            reason: format!("left a match before its end (strike {})", struck.declines),
            until: Some(struck.until),
            given_by: LEAVER.to_owned(),
        })
        .await?;
    let actor = Actor {
        operator_id: None,
        name: LEAVER.to_owned(),
    };
    let line = actor.did(
        "player.cooldown",
        Some(player_id.to_string()),
        Some(sanction.reason.clone()),
        serde_json::json!({
            "sanction_id": sanction.id,
            "match_id": match_id,
            "strike": struck.declines,
            "until": struck.until.to_offset_date_time().to_string(),
        }),
    );
    tx.audit(&line).await?;
    appeals::notify(tx, NoticeKind::SanctionGiven, &sanction, None).await?;
    metrics::counter!("rally_sanctions_total", "kind" => "cooldown").increment(1);
    Ok(())
}

#[cfg(test)]
mod tests {
    use rally_store::{QueueCooldown, Timestamp};
    use uuid::Uuid;

    use super::next;

    fn after(prior: &QueueCooldown, seconds: i64) -> Timestamp {
        prior.until.plus(time::Duration::seconds(seconds))
    }

    #[test]
    fn cooldowns_grow_with_declines_repeat_the_last_and_start_over_once_forgiven() {
        let settings = crate::settings::Settings::default().sessions;
        let player = Uuid::from_u128(7);
        let start = Timestamp::from_unix_millis(1_000_000);
        let first = next(&settings, None, player, start);
        assert_eq!(first.declines, 1);
        assert_eq!(first.until.unix_millis() - start.unix_millis(), 60_000);
        // Declining again right after each cooldown: five minutes, then thirty, then thirty
        // again.
        let mut last = first;
        for (declines, seconds) in [(2, 300), (3, 1800), (4, 1800)] {
            let at = after(&last, 1);
            last = next(&settings, Some(last), player, at);
            assert_eq!(last.declines, declines);
            assert_eq!(last.until.unix_millis() - at.unix_millis(), seconds * 1000);
        }
        // A day after the last cooldown ended, the count starts over; a second less, it goes on.
        let forgiven = after(&last, 86_400);
        let again = next(&settings, Some(last.clone()), player, forgiven);
        assert_eq!((again.declines, again.declined_at), (1, forgiven));
        let almost = after(&last, 86_399);
        assert_eq!(next(&settings, Some(last), player, almost).declines, 5);
    }
}
