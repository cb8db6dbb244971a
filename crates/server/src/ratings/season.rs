//! The active season. Ratings and leaderboards are per season; when none is active (no season
//! configured or started with `rally season start`), the first result starts `season-1`.

use rally_store::{Season, Store, StoreError, new_id};

use super::RatingsError;

/// The name of the season started when none is active.
pub const FIRST: &str = "season-1";

/// The active season, starting [`FIRST`] when there is none (two processes racing both end up
/// with the one that won).
pub async fn active(store: &Store) -> Result<Season, StoreError> {
    if let Some(season) = store.active_season().await? {
        return Ok(season);
    }
    match store.start_season(new_id(), FIRST).await {
        Ok(season) => Ok(season),
        Err(StoreError::Conflict { .. }) => {
            store.active_season().await?.ok_or(StoreError::NotFound)
        }
        Err(error) => Err(error),
    }
}

/// Starts the season `name`: the active one ends (its standings are materialized, readable
/// forever), and every player's rating carries over with a **soft reset**: halfway back to the
/// rating system's starting point, `mean' = start + (mean - start) / 2` and
/// `uncertainty' = uncertainty + (start_uncertainty - uncertainty) / 2`, with no games played.
/// Returns the new season and how many ratings carried over.
pub async fn start(
    store: &Store,
    state: &rally_state::State,
    queues: &crate::matchmaking::Queues,
    name: &str,
) -> Result<(Season, usize), RatingsError> {
    // One transaction: a refused name ends nothing.
    let previous = store.active_season().await?;
    let ratings = match &previous {
        Some(previous) => store.season_ratings(previous.id).await?,
        None => Vec::new(),
    };
    let mut tx = store.begin().await?;
    if previous.is_some() {
        tx.end_season().await?;
    }
    let season = match tx.start_season(new_id(), name).await {
        Ok(season) => season,
        Err(StoreError::Conflict { .. }) => {
            return Err(RatingsError::SeasonExists(name.to_owned()));
        }
        Err(error) => return Err(error.into()),
    };
    let mut carried = 0;
    for rating in &ratings {
        let system = queues.rating_system(&rating.mode);
        let start = system.initial();
        let mean = start.mu + (rating.mean - start.mu) / 2.0;
        let uncertainty = (rating.uncertainty + (start.sigma - rating.uncertainty) / 2.0).max(1e-9);
        let key = rally_store::RatingKey {
            player_id: rating.player_id,
            season_id: season.id,
            mode: rating.mode.clone(),
        };
        let value = rally_store::RatingValue {
            mean,
            uncertainty,
            volatility: rating.volatility,
        };
        tx.upsert_rating(&key, value, 0).await?;
        carried += 1;
    }
    tx.commit().await?;
    store.refresh_leaderboard().await?;
    super::board::rebuild(store, state, season.id).await?;
    Ok((season, carried))
}

/// Ends the active season (its standings are materialized); the ended season, if any.
pub async fn end(store: &Store) -> Result<Option<Season>, StoreError> {
    let ended = store.end_season().await?;
    store.refresh_leaderboard().await?;
    Ok(ended)
}
