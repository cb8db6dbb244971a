//! Appeals as moderators decide them: a page of them by state, and a decision, upholding the
//! sanction or overturning it (lifting it), with a reason the player is told. The decision is
//! claimed first (a conditional update, so two moderators deciding at once get one decision
//! and one `appeal_decided`), then an overturned sanction is lifted, then the player is told.
//! A crash between the claim and the lift leaves the sanction holding under an overturned
//! appeal: the lift is then an operator's, by the sanction's id.

use rally_protocol::moderation::{
    AppealDecision, AppealPage, AppealQuery, AppealView, DecideRequest, NoticeKind,
};
use rally_store::AppealState;
use uuid::Uuid;

use super::{Acting, OperatorError, Operators, checked_reason, sanctions};
use crate::appeals;

/// The most appeals one page holds.
pub const PAGE_MAX: u32 = 200;

/// A page of appeals, newest first.
pub async fn page(
    operators: &Operators,
    query: &AppealQuery,
    limit: u32,
) -> Result<AppealPage, OperatorError> {
    let limit = limit.clamp(1, PAGE_MAX);
    let state = query.state.map(appeals::stored_state);
    let found = operators
        .store
        .appeals(state, query.before, i64::from(limit))
        .await?;
    let next_before = match found.last() {
        Some(last) if found.len() == limit as usize => Some(last.id),
        _ => None,
    };
    Ok(AppealPage {
        appeals: found.iter().map(|a| appeals::view(a, true)).collect(),
        next_before,
    })
}

/// Decides the appeal `id` as `request` says, by the operator `acting`.
pub async fn decide(
    operators: &Operators,
    acting: &Acting,
    id: Uuid,
    request: &DecideRequest,
) -> Result<AppealView, OperatorError> {
    let reason = checked_reason("reason", &request.reason)?;
    let store = &operators.store;
    let appeal = store
        .appeal(id)
        .await?
        .ok_or(OperatorError::AppealNotFound)?;
    let state = match request.decision {
        AppealDecision::Uphold => AppealState::Upheld,
        AppealDecision::Overturn => AppealState::Overturned,
    };
    let actor = acting.actor();
    let mut tx = store.begin().await?;
    let decided = tx
        .decide_appeal(appeal.id, state, &actor.name, reason)
        .await?
        .ok_or(OperatorError::AppealDecided)?;
    let line = actor.did(
        "appeal.decide",
        Some(appeal.player_id.to_string()),
        Some(reason.to_owned()),
        serde_json::json!({
            "appeal_id": appeal.id,
            "sanction_id": appeal.sanction_id,
            "decision": state.as_str(),
        }),
    );
    tx.audit(&line).await?;
    tx.commit().await?;

    if state == AppealState::Overturned {
        match sanctions::lift(operators, acting, appeal.sanction_id, reason, false).await {
            // Over or lifted meanwhile: nothing left to lift.
            Ok(_) | Err(OperatorError::SanctionNotHeld) => {}
            Err(error) => return Err(error),
        }
    }
    let sanction = store
        .sanction(appeal.sanction_id)
        .await?
        .ok_or(OperatorError::SanctionNotFound)?;
    let mut tx = store.begin().await?;
    appeals::notify(
        &mut tx,
        NoticeKind::AppealDecided,
        &sanction,
        Some(&decided),
    )
    .await?;
    tx.commit().await?;
    metrics::counter!("rally_appeals_decided_total", "decision" => state.as_str()).increment(1);
    Ok(appeals::view(&decided, true))
}
