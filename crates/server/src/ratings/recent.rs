//! What the ratings service keeps from the store for a moment: the active season and players'
//! display names. A leaderboard read is two calls to the sorted sets; reading the season and
//! up to a hundred names from the database as well put two database round trips, and their
//! tail, into every one. A season started shows on the leaderboards within [`SEASON_FOR`]; a
//! player renamed shows under the new name within [`NAME_FOR`]. Times come from the store's
//! clock.

use std::{
    collections::HashMap,
    sync::{Mutex, MutexGuard, PoisonError},
    time::Duration,
};

use rally_store::{Season, Store, StoreError};
use uuid::Uuid;

/// How long the active season is kept.
pub const SEASON_FOR: Duration = Duration::from_secs(1);
/// How long a display name is kept.
pub const NAME_FOR: Duration = Duration::from_secs(30);
/// The most names kept; past it, all are dropped and read again as needed.
const MAX_NAMES: usize = 200_000;

/// The active season and display names, each kept for a while.
#[derive(Debug, Default)]
pub struct Recent {
    /// The active season (or none), and until when (store-clock milliseconds).
    season: Mutex<Option<(Option<Season>, i64)>>,
    /// Display names, each with until when.
    names: Mutex<HashMap<Uuid, (String, i64)>>,
}

/// Millisecond count of `duration`.
fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// The guard of `mutex`, whether or not a holder panicked (what it guards stays consistent:
/// each change is one insert or one clear).
fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Recent {
    /// The active season, from the store at most once per [`SEASON_FOR`].
    pub async fn active_season(&self, store: &Store) -> Result<Option<Season>, StoreError> {
        let now = store.now().unix_millis();
        if let Some((season, until)) = &*locked(&self.season)
            && *until > now
        {
            return Ok(season.clone());
        }
        let season = store.active_season().await?;
        *locked(&self.season) = Some((season.clone(), now + millis(SEASON_FOR)));
        Ok(season)
    }

    /// The display names of `ids` (those that exist); only those not read within
    /// [`NAME_FOR`] are read from the store, in one query.
    pub async fn names(
        &self,
        store: &Store,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, String>, StoreError> {
        let now = store.now().unix_millis();
        let mut found = HashMap::with_capacity(ids.len());
        let mut missing = Vec::new();
        {
            let names = locked(&self.names);
            for id in ids {
                match names.get(id) {
                    Some((name, until)) if *until > now => {
                        found.insert(*id, name.clone());
                    }
                    _ => missing.push(*id),
                }
            }
        }
        if missing.is_empty() {
            return Ok(found);
        }
        let read = store.display_names(&missing).await?;
        let mut names = locked(&self.names);
        if names.len() + read.len() > MAX_NAMES {
            names.clear();
        }
        for (id, name) in read {
            names.insert(id, (name.clone(), now + millis(NAME_FOR)));
            found.insert(id, name);
        }
        Ok(found)
    }
}
