//! Ratings from results (exactly once), match history, and seasonal leaderboards whose ranks
//! agree with the store.

mod admission;
mod batch;
mod board;
mod flow;
mod names;
mod placement;

use rally_protocol::{
    event::{MatchCompleted, PlayerOutcome},
    session::{Outcome as WireOutcome, ResultLine, ResultReport},
};
use rally_store::{MatchState, NewMatch, NewParticipant, Outcome, Store, new_id};
use serde_json::json;
use uuid::Uuid;

/// A finished duel stored directly: `winner` beat `loser`.
pub async fn finished_duel(store: &Store, winner: Uuid, loser: Uuid) -> MatchCompleted {
    let participant = |player_id, team, outcome| NewParticipant {
        player_id,
        team,
        party_id: None,
        rating_mean_before: 1500.0,
        rating_uncertainty_before: 350.0,
        rating_mean_after: None,
        rating_uncertainty_after: None,
        outcome: Some(outcome),
    };
    let new = NewMatch {
        id: new_id(),
        mode: "duel".to_owned(),
        region: "eu".to_owned(),
        season_id: None,
        state: MatchState::Completed,
        quality: json!({}),
        created_at: store.now(),
        ended_at: Some(store.now()),
        traceparent: None,
        participants: vec![
            participant(winner, 0, Outcome::Win),
            participant(loser, 1, Outcome::Loss),
        ],
    };
    let record = store.create_match(&new).await.unwrap();
    let line = |player_id, outcome| ResultLine {
        team: None,
        player_id: Some(player_id),
        outcome,
        placement: None,
    };
    MatchCompleted {
        match_id: record.id,
        mode: "duel".to_owned(),
        season_id: None,
        result: ResultReport {
            outcomes: vec![
                line(winner, WireOutcome::Win),
                line(loser, WireOutcome::Loss),
            ],
            duration_s: 600.0,
            stats: None,
        },
        outcomes: vec![
            PlayerOutcome {
                player_id: winner,
                outcome: "win".to_owned(),
                placement: None,
            },
            PlayerOutcome {
                player_id: loser,
                outcome: "loss".to_owned(),
                placement: None,
            },
        ],
    }
}
