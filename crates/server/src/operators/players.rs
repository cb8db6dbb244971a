//! Players as operators see and sanction them: search, one player with their ban, and bans
//! given and lifted through the admin API (the same ban as `rally player ban`, its audit line
//! naming the operator).

use std::time::Duration;

use rally_protocol::admin::{AdminBan, AdminPlayer, AdminPlayerList, BanRequest};
use rally_store::{Player, StoreError, status_at};
use uuid::Uuid;

use super::{Acting, OperatorError, Operators, sanctions};
use crate::accounts::{AccountsError, ban};

/// The most players one search answers.
pub const SEARCH_MAX: u32 = 100;
/// The shortest ban given through the API.
const BAN_MIN_S: u64 = 60;
/// The longest.
const BAN_MAX_S: u64 = 100 * 365 * 86_400;

/// Players matching `query` (an id, or the start of a username, email or display name).
pub async fn search(
    operators: &Operators,
    query: &str,
    limit: u32,
) -> Result<AdminPlayerList, OperatorError> {
    let limit = i64::from(limit.clamp(1, SEARCH_MAX));
    let found = operators.store.search_players(query, limit).await?;
    let mut players = Vec::with_capacity(found.len());
    for player in &found {
        players.push(seen(operators, player).await?);
    }
    Ok(AdminPlayerList { players })
}

/// The player `player_id`, with their ban while one holds.
pub async fn one(operators: &Operators, player_id: Uuid) -> Result<AdminPlayer, OperatorError> {
    match operators.store.player(player_id).await {
        Ok(player) => seen(operators, &player).await,
        Err(StoreError::NotFound) => Err(OperatorError::PlayerNotFound),
        Err(error) => Err(error.into()),
    }
}

/// Bans the player as `request` says, by the operator `acting`; the player as they are now.
pub async fn give_ban(
    operators: &Operators,
    acting: &Acting,
    player_id: Uuid,
    request: BanRequest,
) -> Result<AdminPlayer, OperatorError> {
    let duration = match request.duration_s {
        Some(s) if !(BAN_MIN_S..=BAN_MAX_S).contains(&s) => {
            return Err(OperatorError::Invalid {
                field: "duration_s",
                reason: format!("{BAN_MIN_S} to {BAN_MAX_S} seconds"),
            });
        }
        Some(s) => Some(Duration::from_secs(s)),
        None => None,
    };
    ban::ban(
        &operators.store,
        player_id,
        duration,
        &request.reason,
        &acting.actor(),
    )
    .await
    .map_err(from_accounts)?;
    one(operators, player_id).await
}

/// Lifts the player's ban, by the operator `acting`; the player as they are now (`not_banned`
/// when no ban held).
pub async fn lift_ban(
    operators: &Operators,
    acting: &Acting,
    player_id: Uuid,
) -> Result<AdminPlayer, OperatorError> {
    let player = one(operators, player_id).await?;
    let lifted = ban::unban(
        &operators.store,
        &operators.state,
        player_id,
        &acting.actor(),
        None,
    )
    .await
    .map_err(from_accounts)?;
    if !lifted {
        return Err(OperatorError::NotBanned);
    }
    one(operators, player.id).await
}

/// `player` as operators see them.
async fn seen(operators: &Operators, player: &Player) -> Result<AdminPlayer, OperatorError> {
    let now = operators.store.now();
    let ban = operators.store.ban(player.id).await?;
    let status = status_at(player.status, ban.as_ref(), now);
    let holds = status == rally_store::PlayerStatus::Banned;
    let sanctions = operators.store.sanctions_of(player.id).await?;
    let reports = operators.store.report_counts(player.id).await?;
    Ok(AdminPlayer {
        id: player.id,
        username: player.username.clone(),
        email: player.email.clone(),
        display_name: player.display_name.clone(),
        region: player.region.clone(),
        status: status.as_str().to_owned(),
        created_at: player.created_at.to_offset_date_time(),
        ban: ban.filter(|_| holds).map(|ban| AdminBan {
            reason: ban.reason,
            since: ban.created_at.to_offset_date_time(),
            until: ban.until.map(|t| t.to_offset_date_time()),
        }),
        sanctions: sanctions
            .iter()
            .filter(|s| s.holds_at(now))
            .map(|s| sanctions::view(s, now))
            .collect(),
        reports_made: u64::try_from(reports.made).unwrap_or(0),
        reports_received: u64::try_from(reports.received).unwrap_or(0),
    })
}

/// An accounts refusal, as the operators service says it.
pub(super) fn from_accounts(error: AccountsError) -> OperatorError {
    match error {
        AccountsError::PlayerNotFound => OperatorError::PlayerNotFound,
        AccountsError::Invalid { reason, .. } => OperatorError::Invalid {
            field: "reason",
            reason,
        },
        AccountsError::Store(error) => OperatorError::Store(error),
        AccountsError::State(error) => OperatorError::State(error),
        other => OperatorError::Other(anyhow::anyhow!(other.to_string())),
    }
}
