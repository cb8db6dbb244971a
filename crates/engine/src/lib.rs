//! Rally's matchmaking engine: a pure, deterministic core.
//!
//! No I/O, no async runtime, no clock, no randomness: the caller passes `now` ([`Millis`] of
//! its own monotonic clock) and gets back what happened, in the manner of `quinn-proto`.
//! The server's matchmaker role owns the loop: it feeds tickets in with
//! [`Matchmaker::enqueue`], calls [`Matchmaker::tick`] every `tick_interval_ms`, and acts on the
//! [`TickOutcome`] (persist matches, notify players, allocate sessions).
//!
//! What it does: tickets (a player or a whole party) wait in buckets (region x mode) kept sorted
//! by rating; the oldest due ticket anchors a search outward in rating, within limits that widen
//! with wait (rating band, latency, region fallback, minimum quality); the chosen tickets are
//! split into balanced teams with parties kept whole and roles filled; a quality score with its
//! breakdown decides whether the match is good enough. Backfill requests from running matches
//! are served first. Ratings are predicted and updated with the `skillratings` crate.
//!
//! ```
//! use rally_engine::{
//!     Matchmaker, Member, Millis, Mode, PlayerId, QueueConfig, Rating, Region, RegionLatency,
//!     Ticket, TicketId,
//! };
//!
//! let eu = Region::new("eu-west")?;
//! let ranked = Mode::new("ranked-5v5")?;
//! let mut mm = Matchmaker::new();
//! mm.add_queue(ranked, QueueConfig::five_vs_five(vec![eu]))?;
//! for i in 0..10u128 {
//!     let ticket = Ticket {
//!         id: TicketId(i),
//!         mode: ranked,
//!         members: vec![Member::new(PlayerId(i), Rating::new(25.0, 3.0))],
//!         latencies: vec![RegionLatency { region: eu, ms: 35 }],
//!         avoid: Vec::new(),
//!     };
//!     mm.enqueue(ticket, Millis(0))?;
//! }
//! let outcome = mm.tick(Millis(1_000));
//! assert_eq!(outcome.matches.len(), 1);
//! let made = &outcome.matches[0];
//! assert_eq!(made.teams().count(), 2);
//! assert!(made.quality.total > 0.8);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Layout
//!
//! - [`id`]: `TicketId`, `PlayerId`, `BackfillId`, `Millis`
//! - [`name`]: `Region` and `Mode`, short validated names
//! - [`rating`]: `Rating`, `RatingSystem`, win probabilities and rating updates
//! - [`win`]: `WinProbabilities`, each team's chance as a match carries it
//! - [`role`]: `RoleId`, `RoleSet`, `RoleSlot`, role assignment
//! - [`config`]: `QueueConfig`, `Widening`, `Relaxation`, `PartyRule`, validation
//! - [`ticket`]: `Ticket`, `Member`, `RegionLatency`, `TicketError`
//! - [`separation`]: `Separation`, how far apart a queue keeps players who blocked each other
//! - [`quality`]: the quality score and its documented breakdown
//! - [`outcome`]: `Match`, `Team`, `Placement`, `BackfillFill`, `TimedOut`, `TickOutcome`
//! - [`backfill`]: `BackfillRequest` and how requests are served
//! - [`invariant`]: an audit of a match against the rules (used by tests and the simulator)
//! - `matchmaker`: [`Matchmaker`], the surface the server drives
//! - `bucket`, `queue`, `search`, `team` (private): sorted indices, the per-queue schedule,
//!   the search around an anchor, team balancing

#![warn(missing_docs)]

pub mod backfill;
mod bucket;
pub mod config;
pub mod id;
pub mod invariant;
mod ladder;
mod matchmaker;
pub mod name;
mod order;
pub mod outcome;
pub mod pace;
pub mod quality;
mod queue;
pub mod rating;
pub mod role;
mod search;
pub mod separation;
mod team;
pub mod ticket;
pub mod win;

pub use backfill::{BackfillError, BackfillRequest};
pub use config::{
    ConfigError, DEFAULT_TICK_INTERVAL_MS, PartyRule, QueueConfig, Relaxation, Widening,
};
pub use id::{BackfillId, Millis, PlayerId, TicketId};
pub use matchmaker::Matchmaker;
pub use name::{Mode, NameError, Region};
pub use outcome::{BackfillFill, Match, Placement, Team, TickOutcome, TimedOut};
pub use pace::MAX_WIDENING_SPEED;
pub use quality::{QUALITY_WEIGHTS, Quality, QualityWeights};
pub use rating::{Rating, RatingSystem};
pub use role::{RoleId, RoleSet, RoleSlot};
pub use separation::Separation;
pub use ticket::{Member, RegionLatency, Ticket, TicketError};
pub use win::WinProbabilities;
