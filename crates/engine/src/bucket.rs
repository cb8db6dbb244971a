//! A bucket (one region of one queue): tickets kept sorted by rating.
//!
//! The order is a B-tree updated on every insert and removal, so a tick never sorts: it walks
//! outward from an anchor's rating. (Age order lives in the queue's deadline heap.)

use std::{
    collections::{BTreeSet, btree_set::Range},
    iter::Rev,
    ops::Bound,
};

/// Index of a ticket in its queue's slab.
pub(crate) type Slot = u32;

/// An `f64` mapped to a `u64` with the same order (for finite values), so it can key a B-tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct RatingKey(u64);

impl RatingKey {
    pub(crate) fn of(x: f64) -> Self {
        let bits = x.to_bits();
        if bits >> 63 == 1 {
            RatingKey(!bits)
        } else {
            RatingKey(bits | (1 << 63))
        }
    }

    pub(crate) const MIN: RatingKey = RatingKey(0);
    pub(crate) const MAX: RatingKey = RatingKey(u64::MAX);
}

/// The tickets eligible to be matched in one region.
#[derive(Debug, Default)]
pub(crate) struct Bucket {
    pub(crate) by_rating: BTreeSet<(RatingKey, Slot)>,
}

impl Bucket {
    pub(crate) fn insert(&mut self, key: f64, slot: Slot) {
        self.by_rating.insert((RatingKey::of(key), slot));
    }

    pub(crate) fn remove(&mut self, key: f64, slot: Slot) {
        self.by_rating.remove(&(RatingKey::of(key), slot));
    }

    /// Slots in order of distance from `key` (ties: lower first), excluding `skip`, within
    /// `[key - band, key + band]`.
    pub(crate) fn nearest(&self, key: f64, band: f64, skip: Slot) -> Nearest<'_> {
        let center = (RatingKey::of(key), skip);
        let sides = TreeSides {
            down: self.by_rating.range((RatingKey::MIN, 0)..center).rev(),
            up: self.by_rating.range((
                Bound::Excluded(center),
                Bound::Included((RatingKey::MAX, Slot::MAX)),
            )),
        };
        Outward::new(sides, key, band)
    }
}

/// Where a walk outward from a rating reads the next ticket on each side, nearest first.
pub(crate) trait Sides {
    /// The next ticket below, as `(rating, slot)`.
    fn below(&mut self) -> Option<(f64, Slot)>;
    /// The next ticket above.
    fn above(&mut self) -> Option<(f64, Slot)>;
}

/// A bucket's B-tree read outward from a rating.
pub(crate) struct TreeSides<'a> {
    down: Rev<Range<'a, (RatingKey, Slot)>>,
    up: Range<'a, (RatingKey, Slot)>,
}

impl Sides for TreeSides<'_> {
    fn below(&mut self) -> Option<(f64, Slot)> {
        self.down.next().map(|&(k, s)| (decode(k), s))
    }

    fn above(&mut self) -> Option<(f64, Slot)> {
        self.up.next().map(|&(k, s)| (decode(k), s))
    }
}

/// Walks a bucket outward from a rating through the B-tree.
pub(crate) type Nearest<'a> = Outward<TreeSides<'a>>;

/// Walks outward from a rating within a band. Yields `(slot, rating)` nearest first.
pub(crate) struct Outward<S> {
    sides: S,
    key: f64,
    lo: f64,
    hi: f64,
    next_down: Option<(f64, Slot)>,
    next_up: Option<(f64, Slot)>,
    started: bool,
    /// Whether the band's edge stopped the walk on either side (a ticket lay beyond it).
    cut: bool,
}

// Not derived: the sides would print every ticket left to walk.
impl<S> std::fmt::Debug for Outward<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outward")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// The rating a key was made from.
pub(crate) fn decode(k: RatingKey) -> f64 {
    let bits = k.0;
    if bits >> 63 == 1 {
        f64::from_bits(bits & !(1 << 63))
    } else {
        f64::from_bits(!bits)
    }
}

impl<S: Sides> Outward<S> {
    /// A walk from `key` over `sides`, within `band` of it.
    pub(crate) fn new(sides: S, key: f64, band: f64) -> Self {
        Self {
            sides,
            key,
            lo: key - band,
            hi: key + band,
            next_down: None,
            next_up: None,
            started: false,
            cut: false,
        }
    }

    /// Whether the walk met the band's edge: a ticket lay beyond it on a side already walked to
    /// its end. When it did not, a wider band yields the same tickets in the same order.
    pub(crate) fn cut(&self) -> bool {
        self.cut
    }

    fn pull_down(&mut self) -> Option<(f64, Slot)> {
        let (r, s) = self.sides.below()?;
        if r >= self.lo {
            Some((r, s))
        } else {
            self.cut = true;
            None
        }
    }

    fn pull_up(&mut self) -> Option<(f64, Slot)> {
        let (r, s) = self.sides.above()?;
        if r <= self.hi {
            Some((r, s))
        } else {
            self.cut = true;
            None
        }
    }
}

impl<S: Sides> Iterator for Outward<S> {
    type Item = (Slot, f64);

    fn next(&mut self) -> Option<(Slot, f64)> {
        if !self.started {
            self.started = true;
            self.next_down = self.pull_down();
            self.next_up = self.pull_up();
        }
        let take_down = match (self.next_down, self.next_up) {
            (None, None) => return None,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some((d, _)), Some((u, _))) => self.key - d <= u - self.key,
        };
        if take_down {
            let item = self.next_down.take()?;
            self.next_down = self.pull_down();
            Some((item.1, item.0))
        } else {
            let item = self.next_up.take()?;
            self.next_up = self.pull_up();
            Some((item.1, item.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rating_keys_keep_the_order_of_their_ratings() {
        let xs = [-3.5, -0.0, 0.0, 1e-9, 2.0, 1e9];
        for w in xs.windows(2) {
            assert!(RatingKey::of(w[0]) <= RatingKey::of(w[1]));
            assert_eq!(decode(RatingKey::of(w[1])), w[1]);
        }
    }

    #[test]
    fn nearest_walks_outward_within_the_band() {
        let mut b = Bucket::default();
        for (slot, r) in [(0, 10.0), (1, 12.0), (2, 9.0), (3, 20.0), (4, 10.5)] {
            b.insert(r, slot);
        }
        let order: Vec<Slot> = b.nearest(10.0, 3.0, 0).map(|(s, _)| s).collect();
        assert_eq!(order, vec![4, 2, 1]);
    }

    #[test]
    fn a_walk_knows_whether_the_band_stopped_it() {
        let mut b = Bucket::default();
        for (slot, r) in [(0, 10.0), (1, 12.0), (2, 9.0), (3, 20.0)] {
            b.insert(r, slot);
        }
        let mut walk = b.nearest(10.0, 3.0, 0);
        assert_eq!(walk.by_ref().count(), 2);
        assert!(walk.cut(), "20.0 lies beyond the band");
        let mut wide = b.nearest(10.0, 50.0, 0);
        assert_eq!(wide.by_ref().count(), 3);
        assert!(!wide.cut(), "the bucket ended inside the band");
        let mut first = b.nearest(10.0, 3.0, 0);
        assert!(first.next().is_some());
        assert!(!first.cut(), "the walk has not reached the edge yet");
    }
}
