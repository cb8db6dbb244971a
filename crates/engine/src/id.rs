//! Identifiers and the caller's clock.
//!
//! Identifiers are 128-bit so the server can map its UUIDs to them losslessly
//! (`Uuid::as_u128` / `Uuid::from_u128`). Time is never read by the engine: the caller passes
//! its own monotonic milliseconds as [`Millis`].

use serde::{Deserialize, Serialize};

/// Identifies a ticket: one player or one whole party waiting in one queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TicketId(pub u128);

/// Identifies a player across tickets; a player may be in at most one ticket at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PlayerId(pub u128);

/// Identifies a backfill request made by a running match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BackfillId(pub u128);

/// A point on the caller's monotonic clock, in milliseconds.
///
/// The origin is the caller's choice (process start, simulation start); only differences matter.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Millis(pub u64);

impl Millis {
    /// Milliseconds elapsed from `earlier` to `self`, zero if `earlier` is later.
    #[must_use]
    pub fn since(self, earlier: Millis) -> u64 {
        self.0.saturating_sub(earlier.0)
    }

    /// This instant moved `ms` milliseconds later (saturating).
    #[must_use]
    pub fn plus(self, ms: u64) -> Millis {
        Millis(self.0.saturating_add(ms))
    }
}

/// A fast hasher for the engine's 128-bit ids (a multiply-fold, not DoS-resistant).
///
/// The ids are chosen by the server (UUIDs it generated), not by players, so hash flooding is
/// not a concern, and SipHash would cost a third of an enqueue.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x517C_C1B7_2722_0A95);
        }
    }

    fn write_u128(&mut self, x: u128) {
        let folded = (x as u64) ^ ((x >> 64) as u64).rotate_left(29);
        let mixed = (self.0 ^ folded).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = mixed ^ (mixed >> 31);
    }
}

/// Builds [`IdHasher`]s.
pub(crate) type IdHash = std::hash::BuildHasherDefault<IdHasher>;
