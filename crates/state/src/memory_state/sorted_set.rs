//! A sorted set in leaderboard order (see [`crate::ranking`]).
//!
//! Rank lookups walk the ordered tree, so they cost O(rank). That is fine for the embedded mode
//! this backend serves; the scaled-out mode uses Redis's skip lists.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};

use crate::ranking::{Ranked, leaderboard_order};

/// A member with its score, ordered highest score first, then by member.
#[derive(Debug, Clone)]
struct Slot {
    score: f64,
    member: String,
}

impl Ord for Slot {
    fn cmp(&self, other: &Self) -> Ordering {
        leaderboard_order((self.score, &self.member), (other.score, &other.member))
    }
}

impl PartialOrd for Slot {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Slot {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Slot {}

/// Members, each once, with scores; iterates in leaderboard order.
#[derive(Debug, Default)]
pub(crate) struct SortedSet {
    order: BTreeSet<Slot>,
    scores: HashMap<String, f64>,
}

impl SortedSet {
    /// Adds or re-scores a member; true when it was new.
    pub(crate) fn insert(&mut self, member: &str, score: f64) -> bool {
        let previous = self.scores.insert(member.to_owned(), score);
        if let Some(old) = previous {
            self.order.remove(&Slot {
                score: old,
                member: member.to_owned(),
            });
        }
        self.order.insert(Slot {
            score,
            member: member.to_owned(),
        });
        previous.is_none()
    }

    /// Removes a member; true when it was there.
    pub(crate) fn remove(&mut self, member: &str) -> bool {
        match self.scores.remove(member) {
            Some(score) => {
                self.order.remove(&Slot {
                    score,
                    member: member.to_owned(),
                });
                true
            }
            None => false,
        }
    }

    pub(crate) fn score(&self, member: &str) -> Option<f64> {
        self.scores.get(member).copied()
    }

    pub(crate) fn rank(&self, member: &str) -> Option<u64> {
        let score = self.score(member)?;
        let target = Slot {
            score,
            member: member.to_owned(),
        };
        let before = self.order.range(..&target).count();
        Some(u64::try_from(before).expect("BUG: a set has fewer than 2^64 members"))
    }

    /// Members from rank `start` to rank `stop`, both inclusive.
    pub(crate) fn range(&self, start: u64, stop: u64) -> Vec<Ranked> {
        if stop < start {
            return Vec::new();
        }
        let (Ok(skip), Ok(take)) = (usize::try_from(start), usize::try_from(stop - start)) else {
            return Vec::new();
        };
        self.order
            .iter()
            .skip(skip)
            .take(take.saturating_add(1))
            .zip(start..)
            .map(|(slot, rank)| Ranked {
                rank,
                member: slot.member.clone(),
                score: slot.score,
            })
            .collect()
    }

    pub(crate) fn len(&self) -> u64 {
        u64::try_from(self.scores.len()).expect("BUG: a set has fewer than 2^64 members")
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(ranked: &[Ranked]) -> Vec<&str> {
        ranked.iter().map(|r| r.member.as_str()).collect()
    }

    #[test]
    fn rescoring_a_member_moves_it_and_keeps_one_entry() {
        let mut set = SortedSet::default();
        assert!(set.insert("a", 1.0));
        assert!(set.insert("b", 2.0));
        assert!(!set.insert("a", 3.0));
        assert_eq!(set.len(), 2);
        assert_eq!(members(&set.range(0, 10)), vec!["a", "b"]);
        assert_eq!(set.rank("b"), Some(1));
    }

    #[test]
    fn a_range_past_the_end_is_cut_short_and_a_reversed_one_is_empty() {
        let mut set = SortedSet::default();
        set.insert("a", 1.0);
        set.insert("b", 1.0);
        assert_eq!(members(&set.range(1, u64::MAX)), vec!["b"]);
        assert!(set.range(2, 1).is_empty());
        assert!(set.range(5, 9).is_empty());
    }
}
