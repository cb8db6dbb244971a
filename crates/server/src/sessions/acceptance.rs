//! The accept step of queues with `accept_timeout_ms`: a found match waits for every player to
//! accept before its server is allocated.
//!
//! - [`accept`]: the player's acceptance is kept once; each is announced (`match.accepted`, for
//!   every player to see who is in), and the last one settles the step as `accepted`, which the
//!   sessions role answers with allocation.
//! - [`decline`]: the match is cancelled at once.
//! - [`status`]: the step as a player sees it, for a client that reconnected without its
//!   pushes.
//! - [`expire`]: the sessions role's watcher cancels a match whose deadline passed with a
//!   player yet to accept.
//!
//! A cancelled match's players who declined (or did not answer in time) get a queue cooldown
//! that grows with repeats (`decline_cooldowns_s`), and their tickets end with their parties;
//! every other ticket goes back to the queue with its original wait. Each change is decided
//! under the match's row lock, so an accept, a decline and the deadline of one match never
//! both win.

use std::collections::HashSet;

use rally_protocol::{
    acceptance::{AcceptanceState as WireState, MatchAcceptance},
    event::Event,
    session::MatchCancelled,
};
use rally_store::{
    Acceptance, AcceptanceState, MatchRecord, MatchState, PlayerAcceptance, StoreError, Transaction,
};
use uuid::Uuid;

use super::{Sessions, SessionsError, lifecycle::enqueue, returning::Returning, strikes};

/// Why a match was cancelled when a player declined it.
pub const DECLINED: &str = "declined";
/// Why a match was cancelled when its time to accept ran out.
pub const ACCEPT_TIMEOUT: &str = "accept_timeout";

/// `player_id` accepts the match: kept once (accepting again answers the same), announced to
/// every player, and when they all have, the match goes on to allocation.
pub async fn accept(
    sessions: &Sessions,
    match_id: Uuid,
    player_id: Uuid,
) -> Result<MatchAcceptance, SessionsError> {
    let record = match_of(sessions, match_id).await?;
    let mut tx = sessions.store.begin().await?;
    let (step, mut players) = locked(&mut tx, match_id, player_id).await?;
    match step.state {
        AcceptanceState::Pending => {}
        AcceptanceState::Accepted => return Ok(view(&record, &step, &players)),
        closed => return Err(SessionsError::AcceptClosed(closed.as_str())),
    }
    let now = tx.now();
    if now.unix_millis() >= step.deadline.unix_millis() {
        return Err(SessionsError::AcceptClosed("expired"));
    }
    if !tx.accept_match(match_id, player_id).await? {
        return Ok(view(&record, &step, &players));
    }
    for player in players.iter_mut().filter(|p| p.player_id == player_id) {
        player.accepted_at = Some(now);
    }
    let mut step = step;
    if players.iter().all(|p| p.accepted_at.is_some()) {
        tx.settle_acceptance(match_id, AcceptanceState::Accepted)
            .await?;
        step.state = AcceptanceState::Accepted;
        count(&record.mode, "accepted");
    }
    let answer = view(&record, &step, &players);
    enqueue(&mut tx, match_id, Event::MatchAccepted(answer.clone())).await?;
    tx.commit().await?;
    Ok(answer)
}

/// The match's accept step as `player_id`, one of its players, sees it: what a client that
/// reconnected without its pushes reads to learn whether it still has to answer.
pub async fn status(
    sessions: &Sessions,
    match_id: Uuid,
    player_id: Uuid,
) -> Result<MatchAcceptance, SessionsError> {
    let record = match_of(sessions, match_id).await?;
    let store = &sessions.store;
    let players = store.player_acceptances(match_id).await?;
    if !players.iter().any(|p| p.player_id == player_id) {
        return Err(SessionsError::NotParticipant);
    }
    let step = store
        .acceptance(match_id)
        .await?
        .ok_or(SessionsError::NoAcceptStep)?;
    Ok(view(&record, &step, &players))
}

/// `player_id` declines the match: it is cancelled, the decliner's ticket ends and they get a
/// queue cooldown, and the other tickets go back to the queue with their wait kept.
pub async fn decline(
    sessions: &Sessions,
    match_id: Uuid,
    player_id: Uuid,
) -> Result<MatchAcceptance, SessionsError> {
    let (record, returning) = cancellable(sessions, match_id).await?;
    let mut tx = sessions.store.begin().await?;
    let (mut step, players) = locked(&mut tx, match_id, player_id).await?;
    match step.state {
        AcceptanceState::Pending => {}
        settled => return Err(SessionsError::AcceptClosed(settled.as_str())),
    }
    if tx.now().unix_millis() >= step.deadline.unix_millis() {
        return Err(SessionsError::AcceptClosed("expired"));
    }
    let decliners = HashSet::from([player_id]);
    call_off(
        sessions,
        &mut tx,
        &record,
        &returning,
        &decliners,
        AcceptanceState::Declined,
    )
    .await?;
    step.state = AcceptanceState::Declined;
    let answer = view(&record, &step, &players);
    tx.commit().await?;
    count(&record.mode, "declined");
    Ok(answer)
}

/// Cancels the match when its accept step is still pending and its deadline has passed; the
/// players yet to accept are treated as having declined. Whether it did.
pub async fn expire(sessions: &Sessions, match_id: Uuid) -> Result<bool, SessionsError> {
    let (record, returning) = cancellable(sessions, match_id).await?;
    let mut tx = sessions.store.begin().await?;
    if !tx.lock_match(match_id).await? {
        return Ok(false);
    }
    let Some(step) = tx.acceptance(match_id).await? else {
        return Ok(false);
    };
    if step.state != AcceptanceState::Pending
        || tx.now().unix_millis() < step.deadline.unix_millis()
    {
        return Ok(false);
    }
    let players = tx.player_acceptances(match_id).await?;
    let silent: HashSet<Uuid> = players
        .iter()
        .filter(|p| p.accepted_at.is_none())
        .map(|p| p.player_id)
        .collect();
    call_off(
        sessions,
        &mut tx,
        &record,
        &returning,
        &silent,
        AcceptanceState::Expired,
    )
    .await?;
    tx.commit().await?;
    count(&record.mode, "expired");
    Ok(true)
}

/// The match, or [`SessionsError::MatchNotFound`].
async fn match_of(sessions: &Sessions, match_id: Uuid) -> Result<MatchRecord, SessionsError> {
    match sessions.store.match_record(match_id).await {
        Ok(record) => Ok(record),
        Err(StoreError::NotFound) => Err(SessionsError::MatchNotFound),
        Err(error) => Err(error.into()),
    }
}

/// Locks the match in `tx` and reads its accept step and its players' answers ([`step_of`]).
async fn locked(
    tx: &mut Transaction,
    match_id: Uuid,
    player_id: Uuid,
) -> Result<(Acceptance, Vec<PlayerAcceptance>), SessionsError> {
    if !tx.lock_match(match_id).await? {
        return Err(SessionsError::MatchNotFound);
    }
    let players = tx.player_acceptances(match_id).await?;
    if !players.iter().any(|p| p.player_id == player_id) {
        return Err(SessionsError::NotParticipant);
    }
    let step = tx
        .acceptance(match_id)
        .await?
        .ok_or(SessionsError::NoAcceptStep)?;
    Ok((step, players))
}

/// The match and its tickets, read before the transaction that may call it off.
async fn cancellable(
    sessions: &Sessions,
    match_id: Uuid,
) -> Result<(MatchRecord, Returning), SessionsError> {
    let record = match_of(sessions, match_id).await?;
    let everyone = sessions.store.match_participants(match_id).await?;
    let player_ids: Vec<Uuid> = everyone.iter().map(|p| p.player_id).collect();
    let returning = Returning::read(&sessions.store, match_id, &player_ids).await?;
    Ok((record, returning))
}

/// Settles the step as `to` (declined or expired), cancels the match, gives its tickets back
/// (ending those of `decliners`), puts each decliner in a queue cooldown and tells the players.
async fn call_off(
    sessions: &Sessions,
    tx: &mut Transaction,
    record: &MatchRecord,
    returning: &Returning,
    decliners: &HashSet<Uuid>,
    to: AcceptanceState,
) -> Result<(), SessionsError> {
    let why = if to == AcceptanceState::Declined {
        DECLINED
    } else {
        ACCEPT_TIMEOUT
    };
    tx.settle_acceptance(record.id, to).await?;
    tx.set_match_state(record.id, MatchState::Created, MatchState::Cancelled)
        .await?;
    let requeued = returning.give_back(tx, decliners, why).await?;
    let now = tx.now();
    let mut ordered: Vec<Uuid> = decliners.iter().copied().collect();
    ordered.sort_unstable();
    for player_id in ordered {
        let prior = tx.queue_cooldown(player_id).await?;
        let cooldown = strikes::next(&sessions.settings, prior, player_id, now);
        tx.put_queue_cooldown(&cooldown).await?;
    }
    let players = tx.player_acceptances(record.id).await?;
    let cancelled = MatchCancelled {
        match_id: record.id,
        reason: why.to_owned(),
        requeued,
        player_ids: players.iter().map(|p| p.player_id).collect(),
    };
    enqueue(tx, record.id, Event::MatchCancelled(cancelled)).await
}

/// The step as answered and pushed.
fn view(record: &MatchRecord, step: &Acceptance, players: &[PlayerAcceptance]) -> MatchAcceptance {
    MatchAcceptance {
        match_id: record.id,
        mode: record.mode.clone(),
        region: record.region.clone(),
        state: match step.state {
            AcceptanceState::Pending => WireState::Pending,
            AcceptanceState::Accepted => WireState::Accepted,
            AcceptanceState::Declined => WireState::Declined,
            AcceptanceState::Expired => WireState::Expired,
        },
        deadline_ms: step.deadline.unix_millis(),
        player_ids: players.iter().map(|p| p.player_id).collect(),
        accepted_ids: players
            .iter()
            .filter(|p| p.accepted_at.is_some())
            .map(|p| p.player_id)
            .collect(),
    }
}

/// Counts how an accept step ended.
fn count(mode: &str, outcome: &'static str) {
    metrics::counter!("rally_match_acceptances_total", "mode" => mode.to_owned(), "outcome" => outcome)
        .increment(1);
}

/// Matches whose time to accept ran out, expired per pass at most.
const EXPIRED_PER_PASS: i64 = 500;

/// Cancels every match whose accept step is pending past its deadline (at the store's time),
/// a page at a time; how many it cancelled. A match that fails to expire is logged and found
/// again by the next pass.
pub async fn expire_lapsed(sessions: &Sessions) -> Result<usize, SessionsError> {
    let lapsed = sessions
        .store
        .lapsed_acceptances(sessions.store.now(), EXPIRED_PER_PASS)
        .await?;
    let mut expired = 0;
    for match_id in lapsed {
        match expire(sessions, match_id).await {
            Ok(true) => expired += 1,
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(error = %error, %match_id, "cannot cancel a match not accepted in time");
            }
        }
    }
    Ok(expired)
}
