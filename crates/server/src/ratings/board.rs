//! Leaderboard ranks from the `state` backend's sorted sets, one per season and mode
//! (`leaderboard:<season_id>:<mode>`), scored by the conservative rating; ties go to the lower
//! player id, as in the store's standings. The store holds the truth: the sets are rebuilt from
//! its ratings on start (`rally serve` with the ratings role) or on demand
//! (`rally leaderboard rebuild`), and kept current as results land.

use std::collections::HashMap;

use rally_protocol::{event::RatingsApplied, rating::LeaderboardRow};
use rally_state::{Ranked, State};
use rally_store::Store;
use uuid::Uuid;

use super::mmr;
use super::{Ratings, RatingsError};

/// The sorted set of a season and mode.
pub fn key(season_id: Uuid, mode: &str) -> String {
    format!("leaderboard:{season_id}:{mode}")
}

/// Moves every player `applied` changed to their new score: one write per season and mode,
/// a player changed twice ending at their last score.
pub async fn record_all(state: &State, applied: &[RatingsApplied]) -> Result<(), RatingsError> {
    let mut sets: HashMap<(Uuid, &str), HashMap<Uuid, f64>> = HashMap::new();
    for result in applied {
        let scores = sets.entry((result.season_id, &result.mode)).or_default();
        for c in &result.changes {
            scores.insert(
                c.player_id,
                mmr::conservative(c.mean_after, c.uncertainty_after),
            );
        }
    }
    for ((season_id, mode), scores) in sets {
        let scores: Vec<(String, f64)> = scores
            .into_iter()
            .map(|(player, score)| (player.to_string(), score))
            .collect();
        state.zadd_all(&key(season_id, mode), &scores).await?;
    }
    Ok(())
}

/// Rebuilds the sets of `season_id` (every mode) from the store's ratings; how many players.
pub async fn rebuild(store: &Store, state: &State, season_id: Uuid) -> Result<usize, RatingsError> {
    let ratings = store.season_ratings(season_id).await?;
    let mut modes: HashMap<String, Vec<(Uuid, f64)>> = HashMap::new();
    for r in &ratings {
        modes
            .entry(r.mode.clone())
            .or_default()
            .push((r.player_id, mmr::conservative(r.mean, r.uncertainty)));
    }
    for (mode, players) in &modes {
        let set = key(season_id, mode);
        state.clear_set(&set).await?;
        let scores: Vec<(String, f64)> = players
            .iter()
            .map(|(player_id, score)| (player_id.to_string(), *score))
            .collect();
        state.zadd_all(&set, &scores).await?;
    }
    Ok(ratings.len())
}

impl Ratings {
    /// Rows for ranked members: display names and MMR added.
    pub(super) async fn rows(
        &self,
        mode: &str,
        ranked: &[Ranked],
    ) -> Result<Vec<LeaderboardRow>, RatingsError> {
        let ids: Vec<Uuid> = ranked
            .iter()
            .filter_map(|r| r.member.parse().ok())
            .collect();
        let names = self.recent.names(&self.store, &ids).await?;
        let system = self.queues.rating_system(mode);
        Ok(ranked
            .iter()
            .filter_map(|r| {
                let player_id: Uuid = r.member.parse().ok()?;
                Some(LeaderboardRow {
                    rank: r.rank + 1,
                    player_id,
                    display_name: names.get(&player_id).cloned().unwrap_or_default(),
                    conservative: r.score,
                    mmr: mmr::displayed_from_conservative(system, r.score),
                })
            })
            .collect())
    }
}
