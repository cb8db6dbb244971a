//! The simulated game server of one match: what a studio's server does with Rally's SDK once
//! its players arrive. It heartbeats (the session becomes active), lets the game run, then
//! reports the result, the first team winning; the SDK retries a refused report.

use std::{sync::Arc, time::Duration};

use rally_protocol::{
    queue::MatchFound,
    session::{Outcome, ResultLine, ResultReport},
};
use tokio::time::Instant;

use super::{run::Run, tally::Step};

/// Runs `found`'s match for `game`, then reports it.
pub(crate) async fn play_match(run: Arc<Run>, found: MatchFound, game: Duration) {
    let tally = &run.tally;
    let started = Instant::now();
    match run.game_server.heartbeat(found.match_id).await {
        Ok(_) => {
            tally.since(Step::Heartbeat, started);
            tally.served(found.match_id, true);
        }
        Err(error) => tally.failed(&error),
    }
    tokio::time::sleep(game).await;
    let report = ResultReport {
        outcomes: (0..found.teams.len() as u32)
            .map(|team| ResultLine {
                team: Some(team),
                player_id: None,
                outcome: if team == 0 {
                    Outcome::Win
                } else {
                    Outcome::Loss
                },
                placement: None,
            })
            .collect(),
        duration_s: game.as_secs_f64(),
        stats: None,
    };
    let started = Instant::now();
    // Noted before the call: a player's `rating.updated` may arrive before the call returns.
    tally.reported(found.match_id);
    match run.game_server.report_result(found.match_id, &report).await {
        Ok(()) => {
            tally.since(Step::Result, started);
            tally.served(found.match_id, false);
        }
        Err(error) => {
            tally.failed(&error);
            tally.error("result_not_reported");
        }
    }
}
