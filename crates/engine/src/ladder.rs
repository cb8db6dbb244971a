//! A bucket laid out flat for one busy tick: its tickets in rating order in arrays, linked to
//! their neighbours, so a match taken out of it is unlinked in O(1) and a walk outward from an
//! anchor starts at the anchor's own rung instead of descending a B-tree.
//!
//! A tick where most of a queue's tickets are anchors (a burst of arrivals, a node that just
//! took over a bucket, a widening step shared by many tickets of the same age) would otherwise
//! pay two B-tree descents per search and one per ticket taken. Laying the bucket out costs one
//! pass over it, and the B-tree is rebuilt once at the end of the tick. The walk yields the
//! same tickets in the same order as [`crate::bucket::Nearest`], so the matches are the same.

use crate::bucket::{Bucket, Outward, RatingKey, Sides, Slot, decode};

/// No rung: the end of the ladder on that side.
const END: u32 = u32::MAX;

/// One ticket on a ladder: its place in rating order and its links to the nearest rungs still
/// on it. Kept together so a walk from a rung reads one cache line, not one per field.
#[derive(Debug, Clone, Copy)]
struct Rung {
    key: RatingKey,
    slot: Slot,
    below: u32,
    above: u32,
    gone: bool,
}

/// One bucket's tickets in rating order, with links that skip the ones taken.
#[derive(Debug)]
pub(crate) struct Ladder {
    rungs: Vec<Rung>,
    taken: usize,
}

impl Ladder {
    /// Lays `bucket` out, writing each slot's rung into `rungs` (indexed by slot).
    pub(crate) fn of(bucket: &Bucket, rungs: &mut [u32]) -> Self {
        let last = bucket.by_rating.len() as u32;
        let laid = bucket
            .by_rating
            .iter()
            .zip(0u32..)
            .map(|(&(key, slot), rung)| {
                rungs[slot as usize] = rung;
                Rung {
                    key,
                    slot,
                    below: rung.checked_sub(1).unwrap_or(END),
                    above: if rung + 1 == last { END } else { rung + 1 },
                    gone: false,
                }
            })
            .collect();
        Self {
            rungs: laid,
            taken: 0,
        }
    }

    /// Takes the ticket on `rung` out: walks skip it from now on.
    pub(crate) fn unlink(&mut self, rung: u32) {
        let r = rung as usize;
        if self.rungs[r].gone {
            return;
        }
        let Rung { below, above, .. } = self.rungs[r];
        if below != END {
            self.rungs[below as usize].above = above;
        }
        if above != END {
            self.rungs[above as usize].below = below;
        }
        self.rungs[r].gone = true;
        self.taken += 1;
    }

    /// Slots in order of distance from the ticket on `rung` (rated `key`; ties: lower first),
    /// within `[key - band, key + band]`, as [`Bucket::nearest`] walks them.
    pub(crate) fn nearest(&self, rung: u32, key: f64, band: f64) -> Climb<'_> {
        let at = self.rungs[rung as usize];
        let sides = LadderSides {
            ladder: self,
            down: at.below,
            up: at.above,
        };
        Outward::new(sides, key, band)
    }

    /// Puts the tickets still on the ladder back into `bucket`: rebuilt in one pass when most
    /// were taken, one removal per ticket taken otherwise.
    pub(crate) fn restore(self, bucket: &mut Bucket) {
        let left = self.rungs.len() - self.taken;
        let rungs = self.rungs.into_iter();
        if self.taken > left {
            // Already in order: the B-tree is built from it in one pass.
            bucket.by_rating = rungs.filter(|r| !r.gone).map(|r| (r.key, r.slot)).collect();
        } else {
            for r in rungs.filter(|r| r.gone) {
                bucket.by_rating.remove(&(r.key, r.slot));
            }
        }
    }

    fn rung(&self, rung: u32) -> (f64, Slot) {
        let r = &self.rungs[rung as usize];
        (decode(r.key), r.slot)
    }

    fn below(&self, rung: u32) -> u32 {
        self.rungs[rung as usize].below
    }

    fn above(&self, rung: u32) -> u32 {
        self.rungs[rung as usize].above
    }
}

/// A ladder read outward from a rung, skipping the rungs taken.
pub(crate) struct LadderSides<'a> {
    ladder: &'a Ladder,
    down: u32,
    up: u32,
}

impl Sides for LadderSides<'_> {
    fn below(&mut self) -> Option<(f64, Slot)> {
        let rung = Some(self.down).filter(|&r| r != END)?;
        self.down = self.ladder.below(rung);
        Some(self.ladder.rung(rung))
    }

    fn above(&mut self) -> Option<(f64, Slot)> {
        let rung = Some(self.up).filter(|&r| r != END)?;
        self.up = self.ladder.above(rung);
        Some(self.ladder.rung(rung))
    }
}

/// A walk outward from an anchor on a [`Ladder`]; yields `(slot, rating)` nearest first.
pub(crate) type Climb<'a> = Outward<LadderSides<'a>>;

/// Every bucket of a queue laid out for one tick, and where each slot stands in each.
#[derive(Debug)]
pub(crate) struct Ladders {
    ladders: Vec<Ladder>,
    /// Per bucket, each slot's rung (indexed by slot; meaningful only for slots in it).
    rungs: Vec<Vec<u32>>,
}

impl Ladders {
    /// Lays out every bucket of a queue whose slab has `slots` slots.
    pub(crate) fn of(buckets: &[Bucket], slots: usize) -> Self {
        let mut rungs = Vec::with_capacity(buckets.len());
        let ladders = buckets
            .iter()
            .map(|b| {
                let mut at = vec![END; slots];
                let ladder = Ladder::of(b, &mut at);
                rungs.push(at);
                ladder
            })
            .collect();
        Self { ladders, rungs }
    }

    /// Takes `slot` off bucket `region`'s ladder.
    pub(crate) fn unlink(&mut self, region: u8, slot: Slot) {
        let rung = self.rung_of(region, slot);
        self.ladders[usize::from(region)].unlink(rung);
    }

    /// A walk outward from `slot` (rated `key`) in bucket `region`, whose rung there is `rung`
    /// when the caller knows it.
    pub(crate) fn nearest(
        &self,
        region: u8,
        slot: Slot,
        rung: Option<u32>,
        key: f64,
        band: f64,
    ) -> Climb<'_> {
        let r = usize::from(region);
        let rung = rung.unwrap_or_else(|| self.rungs[r][slot as usize]);
        self.ladders[r].nearest(rung, key, band)
    }

    /// The slots on bucket `region`'s ladder with their rungs, in rating order (the ones taken
    /// included).
    pub(crate) fn in_order(&self, region: u8) -> impl Iterator<Item = (Slot, u32)> + '_ {
        self.ladders[usize::from(region)]
            .rungs
            .iter()
            .zip(0u32..)
            .map(|(r, rung)| (r.slot, rung))
    }

    /// The rung of `slot` on bucket `region`'s ladder.
    pub(crate) fn rung_of(&self, region: u8, slot: Slot) -> u32 {
        self.rungs[usize::from(region)][slot as usize]
    }

    /// Whether the ticket on `rung` of bucket `region` was taken off it.
    pub(crate) fn taken(&self, region: u8, rung: u32) -> bool {
        self.ladders[usize::from(region)].rungs[rung as usize].gone
    }

    /// Puts what is left on each ladder back into its bucket.
    pub(crate) fn restore(self, buckets: &mut [Bucket]) {
        for (ladder, bucket) in self.ladders.into_iter().zip(buckets) {
            ladder.restore(bucket);
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use crate::{
        Matchmaker, Member, Millis, Mode, PlayerId, QueueConfig, Rating, Region, RegionLatency,
        TickOutcome, Ticket, TicketId, queue::LadderRule,
    };

    const ALWAYS: LadderRule = LadderRule {
        anchors: 0,
        percent: 0,
    };
    const NEVER: LadderRule = LadderRule {
        anchors: usize::MAX,
        percent: 100,
    };

    /// A ticket of the test: its party's ratings, its latencies to the two regions, and the
    /// wave (second) it arrives in.
    type Drawn = (Vec<f64>, u16, u16, u64);

    fn queue(team_size: u16) -> QueueConfig {
        let regions = vec![
            Region::new("eu").expect("valid"),
            Region::new("us").expect("valid"),
        ];
        let mut config = QueueConfig::duel(regions);
        config.team_size = team_size;
        config.max_party_size = team_size;
        config.region_fallback_after_ms = Some(2_000);
        config
    }

    /// Runs the waves through a matchmaker that lays buckets out under `rule`.
    fn run(team_size: u16, drawn: &[Drawn], rule: LadderRule) -> Vec<TickOutcome> {
        let mode = Mode::new("m").expect("valid");
        let mut mm = Matchmaker::new();
        mm.add_queue(mode, queue(team_size)).expect("valid queue");
        mm.set_ladder_rule(rule);
        let mut outcomes = Vec::new();
        for second in 0..6u64 {
            for (i, (mus, eu, us, wave)) in drawn.iter().enumerate() {
                if *wave != second {
                    continue;
                }
                let ticket = Ticket {
                    id: TicketId(i as u128),
                    mode,
                    members: mus
                        .iter()
                        .take(usize::from(team_size))
                        .enumerate()
                        .map(|(j, &mu)| {
                            let player = PlayerId((i * 10 + j) as u128);
                            Member::new(player, Rating::new(mu, 80.0))
                        })
                        .collect(),
                    latencies: vec![
                        RegionLatency {
                            region: Region::new("eu").expect("valid"),
                            ms: *eu,
                        },
                        RegionLatency {
                            region: Region::new("us").expect("valid"),
                            ms: *us,
                        },
                    ],
                    avoid: Vec::new(),
                };
                mm.enqueue(ticket, Millis(second * 1_000))
                    .expect("a valid ticket");
            }
            outcomes.push(mm.tick(Millis(second * 1_000)));
        }
        outcomes
    }

    fn drawn() -> impl Strategy<Value = Vec<Drawn>> {
        prop::collection::vec(
            (
                // Whole ratings on a narrow range: equal distances, where tie rules matter, are common.
                prop::collection::vec((1_000u16..1_300).prop_map(f64::from), 1..=3),
                10u16..400,
                10u16..400,
                0u64..4,
            ),
            0..400,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Laying the buckets out changes how a search walks, never what it finds.
        #[test]
        fn ticks_on_ladders_make_the_matches_ticks_on_trees_make(
            drawn in drawn(),
            team_size in 1u16..=3,
        ) {
            let on_trees = run(team_size, &drawn, NEVER);
            let on_ladders = run(team_size, &drawn, ALWAYS);
            prop_assert_eq!(on_trees, on_ladders);
        }
    }

    #[test]
    fn a_burst_lays_the_buckets_out_and_matches_as_the_trees_would() {
        // 600 duellists at once: the busy rule applies.
        let drawn: Vec<Drawn> = (0..600)
            .map(|i| (vec![1_000.0 + f64::from(i % 97) * 9.0], 30, 90, 0))
            .collect();
        let busy = run(1, &drawn, LadderRule::BUSY);
        assert_eq!(busy, run(1, &drawn, NEVER));
        assert!(busy[0].matches.len() >= 290, "{}", busy[0].matches.len());
    }
}
