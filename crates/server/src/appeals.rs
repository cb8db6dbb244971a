//! Appeals, as the sanctioned player makes them: their sanctions (`GET /v1/sanctions`, each
//! with its appeal), and one appeal per sanction that holds (`POST /v1/appeals`). A banned
//! player reaches these routes with the appeal token their login answers
//! ([`crate::http::AppealingPlayer`]). Moderators decide appeals in `operators::appeals`; the
//! player is told by a `moderation.notice` ([`notify`]), which a banned player, whose sockets
//! are closed, reads back from `GET /v1/appeals`.

use rally_protocol::{
    event::Event,
    moderation::{
        AppealRequest, AppealStateName, AppealView, ModerationNotice, NoticeKind, PlayerSanction,
        PlayerSanctionList,
    },
};
use rally_store::{Appeal, AppealState, Sanction, Store, StoreError, Timestamp, Transaction};
use uuid::Uuid;

use crate::{bus, operators::sanctions};

/// The longest appeal.
pub const MAX_TEXT_CHARS: usize = 2000;

/// Why an appeal was refused.
#[derive(Debug, thiserror::Error)]
pub enum AppealError {
    /// No sanction of the caller's has that id.
    #[error("no such sanction")]
    SanctionNotFound,
    /// The sanction no longer holds.
    #[error("this sanction no longer holds")]
    SanctionNotHeld,
    /// The sanction was appealed already.
    #[error("this sanction was appealed already")]
    AlreadyAppealed,
    /// The text is empty, too long, or holds control characters.
    #[error("text: 1 to {MAX_TEXT_CHARS} characters, without control characters")]
    InvalidText,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The player's sanctions, newest first, each with its appeal.
pub async fn sanctions_of(
    store: &Store,
    player_id: Uuid,
) -> Result<PlayerSanctionList, StoreError> {
    let now = store.now();
    let sanctions = store.sanctions_of(player_id).await?;
    let appeals = store.appeals_of(player_id).await?;
    Ok(PlayerSanctionList {
        sanctions: sanctions
            .iter()
            .map(|s| {
                let appeal = appeals.iter().find(|a| a.sanction_id == s.id);
                player_sanction(s, appeal, now)
            })
            .collect(),
    })
}

/// The player's appeals, newest first.
pub async fn mine(store: &Store, player_id: Uuid) -> Result<Vec<AppealView>, StoreError> {
    let appeals = store.appeals_of(player_id).await?;
    Ok(appeals.iter().map(|a| view(a, false)).collect())
}

/// `player_id` appeals their sanction `request.sanction_id`.
pub async fn file(
    store: &Store,
    player_id: Uuid,
    request: &AppealRequest,
) -> Result<AppealView, AppealError> {
    let text = request.text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS || crate::chat::has_control(text) {
        return Err(AppealError::InvalidText);
    }
    let sanction = store
        .sanction(request.sanction_id)
        .await?
        .filter(|s| s.player_id == player_id)
        .ok_or(AppealError::SanctionNotFound)?;
    if !sanction.holds_at(store.now()) {
        return Err(AppealError::SanctionNotHeld);
    }
    let mut tx = store.begin().await?;
    let appeal = match tx.file_appeal(sanction.id, player_id, text).await {
        Ok(appeal) => appeal,
        Err(StoreError::Conflict { constraint }) if constraint == "appeals_once" => {
            return Err(AppealError::AlreadyAppealed);
        }
        Err(error) => return Err(error.into()),
    };
    tx.commit().await?;
    metrics::counter!("rally_appeals_total").increment(1);
    tracing::info!(player.id = %player_id, sanction.id = %sanction.id, "sanction appealed");
    Ok(view(&appeal, false))
}

/// Tells the sanctioned player, through the outbox of `tx`, that `kind` happened to
/// `sanction` (with its `appeal`, if any).
pub async fn notify(
    tx: &mut Transaction,
    kind: NoticeKind,
    sanction: &Sanction,
    appeal: Option<&Appeal>,
) -> Result<(), StoreError> {
    let notice = ModerationNotice {
        player_id: sanction.player_id,
        kind,
        sanction: player_sanction(sanction, appeal, tx.now()),
    };
    bus::outbox::enqueue(tx, sanction.player_id, Event::ModerationNotice(notice)).await?;
    Ok(())
}

/// `sanction` as its player sees it at `now`, with their `appeal` of it.
pub fn player_sanction(
    sanction: &Sanction,
    appeal: Option<&Appeal>,
    now: Timestamp,
) -> PlayerSanction {
    let seen = sanctions::view(sanction, now);
    PlayerSanction {
        id: seen.id,
        kind: seen.kind,
        reason: seen.reason,
        given_at: seen.given_at,
        until: seen.until,
        holds: seen.holds,
        appeal: appeal.map(|a| view(a, false)),
    }
}

/// `appeal` on the wire; the operator who decided it only `for_operators`.
pub fn view(appeal: &Appeal, for_operators: bool) -> AppealView {
    AppealView {
        id: appeal.id,
        sanction_id: appeal.sanction_id,
        player_id: appeal.player_id,
        text: appeal.text.clone(),
        state: wire_state(appeal.state),
        decision_reason: appeal.decision_reason.clone(),
        decided_by: appeal.decided_by.clone().filter(|_| for_operators),
        created_at: appeal.created_at.to_offset_date_time(),
        decided_at: appeal.decided_at.map(|t| t.to_offset_date_time()),
    }
}

/// The wire state of a stored state.
pub fn wire_state(state: AppealState) -> AppealStateName {
    match state {
        AppealState::Pending => AppealStateName::Pending,
        AppealState::Upheld => AppealStateName::Upheld,
        AppealState::Overturned => AppealStateName::Overturned,
    }
}

/// The stored state of a wire state.
pub fn stored_state(state: AppealStateName) -> AppealState {
    match state {
        AppealStateName::Pending => AppealState::Pending,
        AppealStateName::Upheld => AppealState::Upheld,
        AppealStateName::Overturned => AppealState::Overturned,
    }
}
