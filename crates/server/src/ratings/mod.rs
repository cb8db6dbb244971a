//! Ratings, match history and seasonal leaderboards.
//!
//! - [`apply`]: a completed match's result applied to its players' ratings, exactly once (the
//!   store's `matches.rated_at` decides), with each participant's rating before and after.
//! - [`board`]: leaderboard ranks served from the `state` backend's sorted sets (Redis when
//!   configured), kept current as results land and rebuilt from the store on start or demand.
//! - [`mmr`]: the displayed MMR and the conservative rating ranks are ordered by.
//! - [`season`]: the active season (started on first need when none was configured).

pub mod apply;
pub mod board;
pub mod history;
pub mod mmr;
pub mod season;
pub mod standings;
