//! The order a tick tries its anchors in, and reading their tickets ahead of their searches.
//!
//! Anchors are tried oldest first; tickets queued in the same millisecond by region, then
//! rating. In a burst that tie order is each bucket's own rating order, so the tick sweeps
//! along its buckets and each search starts next to where the last one ended. The tickets'
//! entries still lie in queueing order, so the tick reads a few anchors ahead.

use crate::{
    bucket::{RatingKey, Slot},
    id::Millis,
    queue::Queue,
};

/// Anchors whose tickets a tick reads ahead of their searches.
pub(crate) const AHEAD: usize = 16;

impl Queue {
    /// Reads the first [`AHEAD`] of the next anchors' tickets (and where they stand on their
    /// ladder), so their searches find them in cache: the reads are independent, so they
    /// overlap instead of each waiting in turn. In a sweep the tickets a search takes are the
    /// next anchors, so theirs are read ahead too.
    pub(crate) fn warm(&self, next: &[(Slot, Option<(u8, u32)>)]) -> u64 {
        next.iter().take(AHEAD).fold(0, |sum, &(slot, rung)| {
            let enqueued = self.get(slot).map_or(0, |e| e.enqueued.0);
            let placed = match (&self.ladders, rung) {
                (Some(ladders), Some((region, _))) => ladders.rung_of(region, slot),
                _ => 0,
            };
            sum.wrapping_add(enqueued).wrapping_add(u64::from(placed))
        })
    }

    /// The order a tick tries its anchors in (`anchors` is sorted by time, then slot, each
    /// live): oldest first; tickets queued in the same millisecond by region, then rating
    /// (then slot). The tie order makes a burst a sweep along each bucket, so each search
    /// starts next to where the last one ended, in memory as in rating; when the tick's
    /// buckets are laid out and every anchor has the same age, it is read off the ladders
    /// rather than sorted.
    ///
    /// Each slot comes with its region and rung on that region's ladder when it was read off
    /// one.
    pub(crate) fn anchor_order(
        &self,
        anchors: Vec<(Millis, Slot)>,
    ) -> Vec<(Slot, Option<(u8, u32)>)> {
        let one_age = anchors.first().map(|a| a.0) == anchors.last().map(|a| a.0);
        match self.ladders.as_ref() {
            Some(ladders) if one_age => {
                // Each anchor's best region, plus one (0: not an anchor); a queue has at most
                // 255 regions (validated), so both fit in a byte.
                let mut home = vec![0u8; self.slot_count()];
                for &(_, slot) in &anchors {
                    home[slot as usize] = self.entry(slot).best.0 + 1;
                }
                let regions = 0..self.buckets.len() as u8;
                regions
                    .flat_map(|r| {
                        let home = &home;
                        ladders
                            .in_order(r)
                            .filter(move |&(slot, _)| home[slot as usize] == r + 1)
                            .map(move |(slot, rung)| (slot, Some((r, rung))))
                    })
                    .collect()
            }
            _ => {
                let mut keyed: Vec<(Millis, u8, RatingKey, Slot)> = anchors
                    .into_iter()
                    .map(|(enqueued, slot)| {
                        let e = self.entry(slot);
                        (enqueued, e.best.0, RatingKey::of(e.key), slot)
                    })
                    .collect();
                keyed.sort_unstable();
                keyed.into_iter().map(|(.., slot)| (slot, None)).collect()
            }
        }
    }
}
