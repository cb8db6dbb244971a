//! The simulated game server of one match: what a studio's server does with Rally's SDK once
//! its players arrive. It starts the session's heartbeats (the session becomes active; a first
//! beat refused for now is tried again), lets the game run while they go on, then reports the
//! result, the first team winning; the SDK retries a refused report.

use std::{sync::Arc, time::Duration};

use rally_protocol::{
    queue::MatchFound,
    session::{Outcome, ResultLine, ResultReport},
};
use tokio::time::Instant;

use super::{run::Run, tally::Step};

/// How often the game server heartbeats: a third of Rally's default
/// `session_heartbeat_timeout_s` (30 s), as the SDK advises. A game outlasts one timeout's
/// worth of a single beat once results are slow, so one beat at the start is not enough.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(10);

/// Runs `found`'s match for `game`, then reports it.
pub(crate) async fn play_match(run: Arc<Run>, found: MatchFound, game: Duration) {
    let tally = &run.tally;
    let heartbeats = loop {
        let started = Instant::now();
        match run
            .game_server
            .start_heartbeat(found.match_id, HEARTBEAT_EVERY)
            .await
        {
            Ok(heartbeats) => {
                tally.since(Step::Heartbeat, started);
                tally.served(found.match_id, true);
                break Some(heartbeats);
            }
            Err(error) => {
                tally.failed(&error);
                match error.retry_after() {
                    Some(after) if Instant::now() < run.deadline => tokio::time::sleep(after).await,
                    _ => break None,
                }
            }
        }
    };
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
    if let Some(heartbeats) = heartbeats {
        heartbeats.stop();
    }
}
