//! Applying a completed match to ratings, exactly once.
//!
//! One transaction, for one result or many, claims the matches (`matches.rated_at`, set only
//! when still null: a result delivered twice, or to two ratings processes at once, is applied by
//! the first to commit and skipped by the other), reads each player's current rating for the
//! season and mode (locked on PostgreSQL, in one order, so two batches sharing players apply
//! one after the other), computes the new ones with the queue's rating system, and writes them,
//! each participant's rating before and after, and one `rating.updated` per match. Many results
//! cost a handful of statements, not a few per player: that is what lets one ratings process
//! keep up with thousands of matches a second.
//!
//! Outcomes: a team wins when a member is reported `win`, draws when all are `draw`, loses
//! otherwise. A player reported `left` counts, by `ratings_left_policy`, as a loss (`loss`: their
//! rating is computed as if their team had lost) or as partial play (`partial`: half of their
//! team's change).

use std::collections::{BTreeMap, HashMap, HashSet};

use rally_engine::{Rating, RatingSystem, rating};
use rally_protocol::event::{Event, MatchCompleted, RatingDelta, RatingsApplied};
use rally_store::{
    Outcome, Participant, ParticipantRating, RatingKey, RatingValue, RatingWrite, StoreError,
    Transaction,
};
use uuid::Uuid;

use super::{Ratings, RatingsError};
use super::{mmr, season};
use crate::{
    bus::{self, Cause},
    settings::LeftPolicy,
    telemetry::trace_context,
};

/// A player's side of a match: who, how they were reported, and their place when given.
type Side = (Uuid, Option<Outcome>, Option<i32>);

impl Ratings {
    /// Applies `completed`; `None` when it was applied before.
    pub async fn apply(
        &self,
        completed: &MatchCompleted,
    ) -> Result<Option<RatingsApplied>, RatingsError> {
        let mut applied = self
            .apply_all(vec![(completed.clone(), Cause::current())])
            .await?;
        Ok(applied.pop().flatten())
    }

    /// Applies every result of `results`, each with the chain of work it came from, in one
    /// transaction and in their order (a player in two of them is rated by the first, then by
    /// the second); for each, what was applied, or `None` when it was applied before (by an
    /// earlier delivery, another process, or earlier in `results`) or had fewer than two teams.
    ///
    /// A handful of statements whatever the number of results: the matches claimed, every
    /// rating created where missing and locked, the new ratings written, each participant's
    /// before and after recorded, one `rating.updated` per match enqueued. On an error nothing
    /// is applied.
    pub async fn apply_all(
        &self,
        results: Vec<(MatchCompleted, Cause)>,
    ) -> Result<Vec<Option<RatingsApplied>>, RatingsError> {
        let store = &self.store;
        let mut active = None;
        let mut seasons = Vec::with_capacity(results.len());
        for (completed, _) in &results {
            seasons.push(match completed.season_id {
                Some(id) => id,
                None => match active {
                    Some(id) => id,
                    None => *active.insert(season::active(store).await?.id),
                },
            });
        }
        let ids: Vec<Uuid> = results.iter().map(|(c, _)| c.match_id).collect();
        let teams = teams_of(store.participants_of(&ids).await?);
        let playable: Vec<Uuid> = ids
            .iter()
            .copied()
            .filter(|id| teams.get(id).is_some_and(|t| t.len() >= 2))
            .collect();
        if playable.is_empty() {
            return Ok(vec![None; results.len()]);
        }
        let mut tx = store.begin().await?;
        let mut claimed: HashSet<Uuid> = tx.claim_ratings(&playable).await?.into_iter().collect();
        let mut keys = Vec::new();
        for ((completed, _), season_id) in results.iter().zip(&seasons) {
            if !claimed.contains(&completed.match_id) {
                continue;
            }
            let start = self.queues.rating_system(&completed.mode).initial();
            let start = RatingValue::new(start.mu, start.sigma.max(1e-9));
            for (player_id, _, _) in teams[&completed.match_id].iter().flatten() {
                let key = key(*player_id, *season_id, &completed.mode);
                keys.push((key, start));
            }
        }
        let mut current: HashMap<RatingKey, (Rating, i32)> = tx
            .lock_ratings(&keys)
            .await?
            .into_iter()
            .map(|r| {
                let rating = Rating {
                    mu: r.mean,
                    sigma: r.uncertainty,
                    volatility: r.volatility,
                };
                (key(r.player_id, r.season_id, &r.mode), (rating, r.games))
            })
            .collect();

        let mut applied = Vec::with_capacity(results.len());
        let mut recorded = Vec::new();
        let mut events = Vec::new();
        // Each rating application is a step of its result's trace, until the batch commits.
        let mut spans = Vec::new();
        for ((completed, cause), season_id) in results.into_iter().zip(seasons) {
            // A match twice in one batch is applied the first time only.
            if !claimed.remove(&completed.match_id) {
                applied.push(None);
                continue;
            }
            let system = self.queues.rating_system(&completed.mode);
            let teams = &teams[&completed.match_id];
            // Every player's row was created and locked above; one missing (its player
            // deleted meanwhile) fails the batch rather than the process.
            let before = teams
                .iter()
                .map(|team| {
                    team.iter()
                        .map(|(p, _, _)| current.get(&key(*p, season_id, &completed.mode)).copied())
                        .collect::<Option<Vec<_>>>()
                })
                .collect::<Option<Vec<Vec<(Rating, i32)>>>>()
                .ok_or(RatingsError::Store(StoreError::NotFound))?;
            let changes = self.changes(system, teams, &before);
            for change in &changes {
                let after = Rating {
                    mu: change.delta.mean_after,
                    sigma: change.delta.uncertainty_after,
                    volatility: change.volatility,
                };
                let rated = key(change.delta.player_id, season_id, &completed.mode);
                current.insert(rated, (after, change.delta.games));
                recorded.push(ParticipantRating {
                    match_id: completed.match_id,
                    player_id: change.delta.player_id,
                    before: (change.delta.mean_before, change.delta.uncertainty_before),
                    after: (change.delta.mean_after, change.delta.uncertainty_after),
                    volatility: (system == RatingSystem::Glicko2)
                        .then_some((change.volatility_before, change.volatility)),
                });
            }
            let result = RatingsApplied {
                match_id: completed.match_id,
                season_id,
                mode: completed.mode.clone(),
                changes: changes.into_iter().map(|c| c.delta).collect(),
            };
            let span = tracing::info_span!(
                "rating.apply",
                match.id = %completed.match_id,
                mode = %completed.mode,
                correlation_id = %cause.correlation_id,
                trace_id = tracing::field::Empty,
            );
            trace_context::continue_within(&span, cause.traceparent.as_deref());
            trace_context::record_trace_id(&span);
            span.in_scope(|| tracing::debug!(players = result.changes.len(), "rating applied"));
            events.push((
                completed.match_id.to_string(),
                Event::RatingUpdated(result.clone()),
                cause.traced(&span),
            ));
            spans.push(span);
            applied.push(Some(result));
        }
        write(&mut tx, &applied, &current, &recorded).await?;
        bus::outbox::enqueue_all(&mut tx, events).await?;
        tx.commit().await?;
        drop(spans);
        for result in applied.iter().flatten() {
            metrics::counter!("rally_ratings_applied_total", "mode" => result.mode.clone())
                .increment(1);
        }
        Ok(applied)
    }

    /// Each player's change in a match of `teams` whose ratings and games were `before`.
    fn changes(
        &self,
        system: RatingSystem,
        teams: &[Vec<Side>],
        before: &[Vec<(Rating, i32)>],
    ) -> Vec<Change> {
        let ranks = team_ranks(teams);
        let current: Vec<Vec<Rating>> = before
            .iter()
            .map(|t| t.iter().map(|(r, _)| *r).collect())
            .collect();
        let after = rating::update(system, &current, &ranks);
        let worst = ranks.iter().copied().max().unwrap_or(0) + 1;
        let mut changes = Vec::new();
        for (t, team) in teams.iter().enumerate() {
            for (i, (player_id, outcome, _)) in team.iter().enumerate() {
                let (old, games) = before[t][i];
                let mut new = after[t][i];
                if *outcome == Some(Outcome::Left) {
                    new = match self.settings.ratings_left_policy {
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
                changes.push(Change {
                    // Glicko-2 continues from the stored volatility; the others leave it.
                    volatility: new.volatility,
                    volatility_before: old.volatility,
                    delta: RatingDelta {
                        player_id: *player_id,
                        mean_before: old.mu,
                        uncertainty_before: old_sigma,
                        mean_after: new.mu,
                        uncertainty_after: new_sigma,
                        mmr_before: mmr::displayed(system, old.mu, old_sigma),
                        mmr_after: mmr::displayed(system, new.mu, new_sigma),
                        placement: mmr::in_placement(system, new_sigma),
                        games: games + 1,
                    },
                });
            }
        }
        changes
    }
}

/// One player's change in one match: what is reported, and the volatility stored with it.
struct Change {
    delta: RatingDelta,
    volatility: f64,
    volatility_before: f64,
}

/// Writes the final rating of every player `applied` touched, and each participant's before
/// and after.
async fn write(
    tx: &mut Transaction,
    applied: &[Option<RatingsApplied>],
    current: &HashMap<RatingKey, (Rating, i32)>,
    recorded: &[ParticipantRating],
) -> Result<(), RatingsError> {
    let mut touched: Vec<RatingKey> = applied
        .iter()
        .flatten()
        .flat_map(|a| {
            a.changes
                .iter()
                .map(|c| key(c.player_id, a.season_id, &a.mode))
        })
        .collect();
    touched.sort_unstable_by(|a, b| {
        (a.player_id, a.season_id, &a.mode).cmp(&(b.player_id, b.season_id, &b.mode))
    });
    touched.dedup();
    let writes: Vec<RatingWrite> = touched
        .into_iter()
        .filter_map(|key| {
            let (rating, games) = *current.get(&key)?;
            Some(RatingWrite {
                value: RatingValue {
                    mean: rating.mu,
                    uncertainty: rating.sigma.max(1e-9),
                    volatility: rating.volatility,
                },
                games,
                key,
            })
        })
        .collect();
    tx.write_ratings(&writes).await?;
    tx.record_participant_ratings(recorded).await?;
    Ok(())
}

/// The teams of each match, in team index order, each with its players and their outcomes.
fn teams_of(participants: Vec<Participant>) -> HashMap<Uuid, Vec<Vec<Side>>> {
    let mut by_match: HashMap<Uuid, BTreeMap<i32, Vec<Side>>> = HashMap::new();
    for p in participants {
        by_match
            .entry(p.match_id)
            .or_default()
            .entry(p.team)
            .or_default()
            .push((p.player_id, p.outcome, p.placement));
    }
    by_match
        .into_iter()
        .map(|(id, teams)| (id, teams.into_values().collect()))
        .collect()
}

/// The rating key of a player in a season and mode.
fn key(player_id: Uuid, season_id: Uuid, mode: &str) -> RatingKey {
    RatingKey {
        player_id,
        season_id,
        mode: mode.to_owned(),
    }
}

/// Each team's placing (lower is better, equal ties): its finishing place when the result gave
/// places (a free-for-all, a battle royale); else winners 0, the rest 1, all 0 for a draw (a
/// two-team result given as outcomes, which is all such a result may be).
fn team_ranks(teams: &[Vec<Side>]) -> Vec<usize> {
    let places: Option<Vec<usize>> = teams
        .iter()
        .map(|t| {
            t.iter()
                .find_map(|(_, _, place)| usize::try_from(*place.as_ref()?).ok())
        })
        .collect();
    if let Some(places) = places {
        return places;
    }
    let won: Vec<bool> = teams
        .iter()
        .map(|t| t.iter().any(|(_, o, _)| *o == Some(Outcome::Win)))
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
            vec![(a, Some(Outcome::Win), None)],
            vec![(b, Some(Outcome::Loss), None)],
        ];
        assert_eq!(team_ranks(&won), vec![0, 1]);
        let lost = vec![
            vec![(a, Some(Outcome::Loss), None)],
            vec![(b, Some(Outcome::Win), None)],
        ];
        assert_eq!(team_ranks(&lost), vec![1, 0]);
        let drew = vec![
            vec![(a, Some(Outcome::Draw), None)],
            vec![(b, Some(Outcome::Draw), None)],
        ];
        assert_eq!(team_ranks(&drew), vec![0, 0]);
    }

    #[test]
    fn a_result_with_places_ranks_every_team_by_its_place() {
        let side = |n: u128, outcome, place| (Uuid::from_u128(n), Some(outcome), Some(place));
        // Places 2, 1, 3: a draw is never read as a loss, nor two losers as tied.
        let free_for_all = vec![
            vec![side(1, Outcome::Loss, 2)],
            vec![side(2, Outcome::Win, 1)],
            vec![side(3, Outcome::Loss, 3)],
        ];
        assert_eq!(team_ranks(&free_for_all), vec![2, 1, 3]);
        let tied = vec![
            vec![side(1, Outcome::Win, 1)],
            vec![side(2, Outcome::Draw, 2), side(4, Outcome::Left, 2)],
            vec![side(3, Outcome::Draw, 2)],
        ];
        assert_eq!(team_ranks(&tied), vec![1, 2, 2]);
    }
}
