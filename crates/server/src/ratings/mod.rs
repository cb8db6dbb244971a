//! Ratings, match history and seasonal leaderboards: the [`Ratings`] service, whose methods are
//! spread over the modules below by concept.
//!
//! - [`apply`]: a completed match's result applied to its players' ratings, exactly once (the
//!   store's `matches.rated_at` decides), with each participant's rating before and after.
//! - [`board`]: leaderboard ranks served from the `state` backend's sorted sets (Redis when
//!   configured), kept current as results land and rebuilt from the store on start or demand.
//! - [`mmr`]: the displayed MMR and the conservative rating ranks are ordered by.
//! - [`recent`]: the active season and display names, kept for a moment so a leaderboard read
//!   costs no database round trip.
//! - [`season`]: the active season (started on first need when none was configured).

pub mod apply;
pub mod board;
mod error;
pub mod history;
pub mod mmr;
pub mod recent;
pub mod season;
pub mod standings;

pub use error::RatingsError;

use std::sync::Arc;

use rally_state::State;
use rally_store::Store;

use crate::{matchmaking::Queues, settings::RatingSettings};

/// The ratings service: what it uses is given when it is built (the store, the state backend
/// for the leaderboard sets, the queues for each one's rating system, its settings), and every
/// call answers with a [`RatingsError`].
#[derive(Debug, Clone)]
pub struct Ratings {
    store: Store,
    state: State,
    queues: Queues,
    settings: RatingSettings,
    /// The active season and display names, kept for a moment.
    recent: Arc<recent::Recent>,
}

impl Ratings {
    /// The service over these parts.
    pub fn new(store: Store, state: State, queues: Queues, settings: RatingSettings) -> Self {
        Self {
            store,
            state,
            queues,
            settings,
            recent: Arc::default(),
        }
    }
}
