//! Results: how a match ended, stored once, with each participant's outcome and place, the
//! session completed and `match.completed`.

use rally_protocol::{
    event::{Event, MatchCompleted, PlayerOutcome},
    session::{Outcome as WireOutcome, ResultReport},
};
use rally_store::{EndReason, MatchState, Outcome, ParticipantOutcome, SessionState, StoreError};
use uuid::Uuid;

use super::{Sessions, SessionsError, placement, strikes};
use super::{
    heartbeat::heartbeat_key,
    lifecycle::{enqueue, session},
};

/// A game server reports how the match ended: stored once. The same report again is answered
/// with the stored one; a different one is refused (`result_conflict`).
pub async fn report(
    sessions: &Sessions,
    match_id: Uuid,
    report: ResultReport,
) -> Result<serde_json::Value, SessionsError> {
    let store = &sessions.store;
    let current = session(sessions, match_id).await?;
    let participants = store.match_participants(match_id).await?;
    let outcomes = outcomes(&participants, &report)?;
    let result = serde_json::to_value(&report).expect("BUG: a report serializes");
    let record = store.match_record(match_id).await?;
    // The result starts the game server's trace; it follows from the match, made in another.
    crate::telemetry::trace_context::link_to(
        &tracing::Span::current(),
        record.traceparent.as_deref(),
    );
    if let Some(stored) = record.result {
        return if stored == result {
            Ok(stored)
        } else {
            Err(SessionsError::ResultConflict)
        };
    }
    if !matches!(current.state, SessionState::Ready | SessionState::Active) {
        return Err(SessionsError::SessionNotRunning);
    }
    // Checked after the stored result: the same report again is answered with it, even one
    // stored before places were checked.
    let kinds: Vec<Outcome> = outcomes.iter().map(|(_, outcome)| *outcome).collect();
    let places = placement::places(&participants, &report, &kinds)?;
    let outcomes: Vec<ParticipantOutcome> = outcomes
        .into_iter()
        .zip(places)
        .map(|((player_id, outcome), place)| ParticipantOutcome {
            player_id,
            outcome,
            placement: place.and_then(|p| i32::try_from(p).ok()),
        })
        .collect();
    let mut tx = store.begin().await?;
    if !tx.store_match_result(match_id, &result).await? {
        drop(tx);
        let stored = store.match_record(match_id).await?.result;
        return if stored.as_ref() == Some(&result) {
            Ok(result)
        } else {
            Err(SessionsError::ResultConflict)
        };
    }
    tx.set_participant_outcomes(match_id, &outcomes).await?;
    // Leaving costs a strike; playing to the end takes one back.
    for left in outcomes.iter().filter(|o| o.outcome == Outcome::Left) {
        strikes::leave(&sessions.settings, &mut tx, left.player_id, match_id).await?;
    }
    tx.forgive_strikes(match_id).await?;
    match tx
        .transition_session(
            match_id,
            current.state,
            SessionState::Ended,
            Some(EndReason::Completed),
            None,
        )
        .await
    {
        Ok(_) => {}
        Err(StoreError::NotFound) => return Err(SessionsError::SessionNotRunning),
        Err(error) => return Err(error.into()),
    }
    tx.end_match(match_id, MatchState::Completed).await?;
    let completed = MatchCompleted {
        match_id,
        mode: record.mode,
        season_id: record.season_id,
        result: report,
        outcomes: outcomes
            .iter()
            .map(|o| PlayerOutcome {
                player_id: o.player_id,
                outcome: o.outcome.as_str().to_owned(),
                placement: o.placement.and_then(|p| u32::try_from(p).ok()),
            })
            .collect(),
    };
    enqueue(&mut tx, match_id, Event::MatchCompleted(completed)).await?;
    tx.commit().await?;
    let _ = sessions.state.delete(&heartbeat_key(match_id)).await;
    Ok(result)
}

/// Each participant's outcome: their own line, else their team's; every one must be covered.
fn outcomes(
    participants: &[rally_store::Participant],
    report: &ResultReport,
) -> Result<Vec<(Uuid, Outcome)>, SessionsError> {
    let invalid = |field: &str, reason: String| SessionsError::Invalid {
        field: field.to_owned(),
        reason,
    };
    if !report.duration_s.is_finite() || report.duration_s < 0.0 {
        return Err(invalid(
            "duration_s",
            "must be a finite, non-negative number of seconds".to_owned(),
        ));
    }
    for line in &report.outcomes {
        match (line.team, line.player_id) {
            (Some(team), None) => {
                if !participants
                    .iter()
                    .any(|p| u32::try_from(p.team).ok() == Some(team))
                {
                    return Err(invalid(
                        "outcomes",
                        format!("this match has no team {team}"),
                    ));
                }
            }
            (None, Some(player)) => {
                if !participants.iter().any(|p| p.player_id == player) {
                    return Err(invalid(
                        "outcomes",
                        format!("player {player} is not in this match"),
                    ));
                }
            }
            _ => {
                return Err(invalid(
                    "outcomes",
                    "each line names a team or a player, not both".to_owned(),
                ));
            }
        }
    }
    participants
        .iter()
        .map(|p| {
            let own = report
                .outcomes
                .iter()
                .find(|l| l.player_id == Some(p.player_id));
            let team = report
                .outcomes
                .iter()
                .find(|l| l.team.is_some() && l.team == u32::try_from(p.team).ok());
            own.or(team)
                .map(|line| (p.player_id, stored(line.outcome)))
                .ok_or_else(|| {
                    invalid("outcomes", format!("player {} has no outcome", p.player_id))
                })
        })
        .collect()
}

fn stored(outcome: WireOutcome) -> Outcome {
    match outcome {
        WireOutcome::Win => Outcome::Win,
        WireOutcome::Loss => Outcome::Loss,
        WireOutcome::Draw => Outcome::Draw,
        WireOutcome::Left => Outcome::Left,
    }
}
