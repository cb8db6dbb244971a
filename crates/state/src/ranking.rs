//! Sorted sets ordered for leaderboards: highest score first, ties by member.
//!
//! Rank 0 is the highest score. Members with equal scores are ordered by member, ascending in
//! byte order (so `"alice"` ranks above `"bob"` on the same score). Both backends give exactly
//! this order: the memory backend sorts by [`Ranked`]'s order key, and the Redis backend stores
//! the negated score so that Redis's native order (score ascending, then member ascending in
//! byte order) is this order, and `ZRANK`/`ZRANGE` need no reversal.

use std::cmp::Ordering;

use crate::StateError;

/// One member of a sorted set at its position.
///
/// Rank 0 is the highest score; members with equal scores are ordered by member, ascending in
/// byte order (`"alice"` ranks above `"bob"` on the same score). `-0.0` counts as `0.0`.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// Position in the set, 0 for the highest score.
    pub rank: u64,
    /// The member (for a leaderboard, a player id).
    pub member: String,
    /// The member's score.
    pub score: f64,
}

/// A checked score: not NaN, and `-0.0` folded into `0.0` (Redis compares them as equal).
pub(crate) fn checked_score(score: f64) -> Result<f64, StateError> {
    if score.is_nan() {
        return Err(StateError::InvalidArgument("score must not be NaN"));
    }
    Ok(score + 0.0)
}

/// The leaderboard order: higher score first, then member ascending.
pub(crate) fn leaderboard_order(a: (f64, &str), b: (f64, &str)) -> Ordering {
    b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1))
}

/// The ranks `radius` either side of `rank`, clamped at 0.
pub(crate) fn window(rank: u64, radius: u64) -> (u64, u64) {
    (rank.saturating_sub(radius), rank.saturating_add(radius))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_scores_come_first_and_ties_go_to_the_smaller_member() {
        assert_eq!(leaderboard_order((2.0, "z"), (1.0, "a")), Ordering::Less);
        assert_eq!(leaderboard_order((1.0, "a"), (1.0, "b")), Ordering::Less);
        assert_eq!(leaderboard_order((1.0, "b"), (1.0, "a")), Ordering::Greater);
    }

    #[test]
    fn negative_zero_is_the_same_score_as_zero_and_nan_is_refused() {
        let z = checked_score(-0.0).expect("not nan");
        assert_eq!(leaderboard_order((z, "a"), (0.0, "a")), Ordering::Equal);
        assert!(checked_score(f64::NAN).is_err());
    }
}
