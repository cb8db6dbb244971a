//! Applying a completed match to ratings, exactly once.
//!
//! One transaction claims the match (`matches.rated_at`, set only when still null: a result
//! delivered twice, or to two ratings processes at once, is applied by the first to commit and
//! skipped by the other), reads each player's current rating for the season and mode (locked on
//! PostgreSQL, so two matches of one player apply one after the other), computes the new ones
//! with the queue's rating system, and writes them, each participant's rating before and after,
//! and `rating.updated`.
//!
//! Outcomes: a team wins when a member is reported `win`, draws when all are `draw`, loses
//! otherwise. A player reported `left` counts, by `ratings_left_policy`, as a loss (`loss`: their
//! rating is computed as if their team had lost) or as partial play (`partial`: half of their
//! team's change).

use std::collections::BTreeMap;

use rally_engine::{Rating, rating};
use rally_protocol::event::{Event, MatchCompleted, RatingDelta, RatingsApplied};
use rally_store::{Outcome, RatingKey, RatingValue};
use uuid::Uuid;

use super::{Ratings, RatingsError};
use super::{mmr, season};
use crate::{bus, settings::LeftPolicy};

impl Ratings {
    /// Applies `completed`; `None` when it was applied before.
    pub async fn apply(
        &self,
        completed: &MatchCompleted,
    ) -> Result<Option<RatingsApplied>, RatingsError> {
        let store = &self.store;
        let season_id = match completed.season_id {
            Some(id) => id,
            None => season::active(store).await?.id,
        };
        let system = self.queues.rating_system(&completed.mode);
        let participants = store.match_participants(completed.match_id).await?;
        // Teams in index order, each with its players and their outcomes.
        let mut teams: BTreeMap<i32, Vec<(Uuid, Option<Outcome>)>> = BTreeMap::new();
        for p in &participants {
            teams
                .entry(p.team)
                .or_default()
                .push((p.player_id, p.outcome));
        }
        let teams: Vec<Vec<(Uuid, Option<Outcome>)>> = teams.into_values().collect();
        if teams.len() < 2 {
            return Ok(None);
        }

        let mut tx = store.begin().await?;
        if !tx.claim_rating(completed.match_id).await? {
            return Ok(None);
        }
        // Every player's row exists (a new player's at the prior) and is locked, in player order
        // (so two matches sharing players lock in the same order and never deadlock).
        let initial = system.initial();
        let mut ordered: Vec<Uuid> = teams.iter().flatten().map(|(p, _)| *p).collect();
        ordered.sort_unstable();
        let mut current_ratings = std::collections::HashMap::new();
        for player_id in ordered {
            let key = RatingKey {
                player_id,
                season_id,
                mode: completed.mode.clone(),
            };
            tx.ensure_rating(&key, initial.mu, initial.sigma.max(1e-9))
                .await?;
            let stored = tx.rating_for_update(&key).await?;
            let rating = match stored {
                Some(r) => (
                    Rating {
                        mu: r.mean,
                        sigma: r.uncertainty,
                        volatility: r.volatility,
                    },
                    r.games,
                ),
                None => (initial, 0),
            };
            current_ratings.insert(player_id, rating);
        }
        let before: Vec<Vec<(Rating, i32)>> = teams
            .iter()
            .map(|team| team.iter().map(|(p, _)| current_ratings[p]).collect())
            .collect();
        let ranks = team_ranks(&teams);
        let current: Vec<Vec<Rating>> = before
            .iter()
            .map(|t| t.iter().map(|(r, _)| *r).collect())
            .collect();
        let after = rating::update(system, &current, &ranks);
        let policy = self.settings.ratings_left_policy;
        let worst = ranks.iter().copied().max().unwrap_or(0) + 1;

        let mut changes = Vec::new();
        for (t, team) in teams.iter().enumerate() {
            for (i, (player_id, outcome)) in team.iter().enumerate() {
                let (old, games) = before[t][i];
                let mut new = after[t][i];
                if *outcome == Some(Outcome::Left) {
                    new = match policy {
                        LeftPolicy::Loss => {
                            let mut as_loss = ranks.clone();
                            as_loss[t] = worst;
                            rating::update(system, &current, &as_loss)[t][i]
                        }
                        LeftPolicy::Partial => Rating {
                            mu: old.mu + (new.mu - old.mu) / 2.0,
                            sigma: old.sigma + (new.sigma - old.sigma) / 2.0,
                            volatility: new.volatility,
                        },
                    };
                }
                // The store keeps a positive uncertainty; Elo has none.
                let (old_sigma, new_sigma) = (old.sigma.max(1e-9), new.sigma.max(1e-9));
                let key = RatingKey {
                    player_id: *player_id,
                    season_id,
                    mode: completed.mode.clone(),
                };
                // Glicko-2 continues from the stored volatility; the others leave it as it was.
                let value = RatingValue {
                    mean: new.mu,
                    uncertainty: new_sigma,
                    volatility: new.volatility,
                };
                tx.upsert_rating(&key, value, games + 1).await?;
                tx.set_participant_ratings(
                    completed.match_id,
                    *player_id,
                    (old.mu, old_sigma),
                    (new.mu, new_sigma),
                )
                .await?;
                changes.push(RatingDelta {
                    player_id: *player_id,
                    mean_before: old.mu,
                    uncertainty_before: old_sigma,
                    mean_after: new.mu,
                    uncertainty_after: new_sigma,
                    mmr_before: mmr::displayed(system, old.mu, old_sigma),
                    mmr_after: mmr::displayed(system, new.mu, new_sigma),
                    placement: mmr::in_placement(system, new_sigma),
                    games: games + 1,
                });
            }
        }
        let applied = RatingsApplied {
            match_id: completed.match_id,
            season_id,
            mode: completed.mode.clone(),
            changes,
        };
        let event = Event::RatingUpdated(applied.clone());
        bus::outbox::enqueue(&mut tx, completed.match_id, event).await?;
        tx.commit().await?;
        metrics::counter!("rally_ratings_applied_total", "mode" => completed.mode.clone())
            .increment(1);
        Ok(Some(applied))
    }
}

/// Each team's placing (lower is better): winners 0, the rest 1; all 0 for a draw.
fn team_ranks(teams: &[Vec<(Uuid, Option<Outcome>)>]) -> Vec<usize> {
    let won: Vec<bool> = teams
        .iter()
        .map(|t| t.iter().any(|(_, o)| *o == Some(Outcome::Win)))
        .collect();
    if won.iter().any(|w| *w) {
        won.iter().map(|w| usize::from(!*w)).collect()
    } else {
        vec![0; teams.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn winners_place_first_and_a_draw_places_everyone_equal() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        let won = vec![
            vec![(a, Some(Outcome::Win))],
            vec![(b, Some(Outcome::Loss))],
        ];
        assert_eq!(team_ranks(&won), vec![0, 1]);
        let lost = vec![
            vec![(a, Some(Outcome::Loss))],
            vec![(b, Some(Outcome::Win))],
        ];
        assert_eq!(team_ranks(&lost), vec![1, 0]);
        let drew = vec![
            vec![(a, Some(Outcome::Draw))],
            vec![(b, Some(Outcome::Draw))],
        ];
        assert_eq!(team_ranks(&drew), vec![0, 0]);
    }
}
