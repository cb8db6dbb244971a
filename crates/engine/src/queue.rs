//! One queue (mode): its tickets, its buckets (one per region) and its schedule of anchors.
//!
//! A ticket is tried as an anchor only when something that could change the answer has
//! happened: it arrived (the `fresh` list), one of its limits widened in a way that could
//! change its last search's answer or its region fallback opened (the `due` set, keyed by
//! time; see [`Miss`]), or a ticket arrived next to it in rating (woken into `due`). A search
//! that failed with its picks complete, or that walked its whole bucket inside its band, is
//! not repeated when the band widens: the same walk would find the same tickets. Timeouts come
//! off the front of a deadline heap. So a tick touches the fresh and due tickets, the expired
//! ones and open backfill requests, never the whole queue.

use std::{
    cmp::Reverse,
    collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap},
};

use crate::{
    backfill::BackfillRequest,
    bucket::{Bucket, Slot},
    config::QueueConfig,
    id::{BackfillId, Millis, PlayerId, TicketId},
    ladder::Ladders,
    name::Mode,
    order::AHEAD,
    outcome::{TickOutcome, TimedOut},
    pace::Pace,
    role::RoleChoice,
    search::Miss,
    ticket::Member,
};

/// Neighbours woken when a ticket arrives: the oldest of the `4 *` this many nearest in rating.
const WAKE_NEIGHBOURS: usize = 4;

/// When a tick lays its queue's buckets out as [`Ladders`] for its searches: when it has at
/// least `anchors` anchors and they are at least `percent` of the queue's tickets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LadderRule {
    pub(crate) anchors: usize,
    pub(crate) percent: usize,
}

impl LadderRule {
    /// Below a few hundred anchors, or when most tickets are not searched, the B-trees are
    /// cheaper than laying the buckets out.
    pub(crate) const BUSY: LadderRule = LadderRule {
        anchors: 256,
        percent: 50,
    };

    fn applies(self, anchors: usize, live: usize) -> bool {
        anchors >= self.anchors && 100 * anchors >= self.percent * live
    }
}

/// A queued ticket as the engine keeps it.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) id: TicketId,
    pub(crate) enqueued: Millis,
    /// The party rating (the bucket's sort key).
    pub(crate) key: f64,
    pub(crate) members: Members,
    /// Whether the ticket has an avoid list (in `Queue::avoid_lists`): most have none, and
    /// the entry stays within two cache lines without one.
    pub(crate) avoids: bool,
    /// Best region (index into the queue's regions) and its latency.
    pub(crate) best: (u8, u16),
    /// Second-best region, for fallback.
    pub(crate) second: Option<(u8, u16)>,
    pub(crate) fallback_indexed: bool,
    /// Its home bucket's clock when it arrived (see [`Pace`]); unused without a target wait.
    pub(crate) paced_from: f64,
    pub(crate) due: Option<Millis>,
    /// Enqueued since the last tick and not yet tried (listed in `Queue::fresh`).
    pub(crate) fresh: bool,
}

impl Entry {
    pub(crate) fn size(&self) -> usize {
        self.members.len()
    }

    /// Latency to `region` if the ticket is indexed there.
    pub(crate) fn latency_in(&self, region: u8) -> Option<u16> {
        if self.best.0 == region {
            return Some(self.best.1);
        }
        match self.second {
            Some((r, ms)) if r == region && self.fallback_indexed => Some(ms),
            _ => None,
        }
    }

    pub(crate) fn mean_mu(&self) -> f64 {
        self.members.iter().map(|m| m.rating.mu).sum::<f64>() / self.size() as f64
    }

    pub(crate) fn role_choices(&self) -> impl Iterator<Item = RoleChoice> + '_ {
        self.members.iter().map(|m| RoleChoice {
            accepts: m.roles,
            preferred: m.preferred,
        })
    }
}

/// A ticket's players as the engine keeps them: a lone player inside the entry itself (most
/// tickets: no allocation, and no second place in memory to read when searching), a party on
/// the heap.
#[derive(Debug)]
pub(crate) enum Members {
    One(Member),
    Party(Box<[Member]>),
}

impl From<Vec<Member>> for Members {
    fn from(mut members: Vec<Member>) -> Self {
        match members.len() {
            1 => Members::One(members.remove(0)),
            _ => Members::Party(members.into_boxed_slice()),
        }
    }
}

impl std::ops::Deref for Members {
    type Target = [Member];

    fn deref(&self) -> &[Member] {
        match self {
            Members::One(m) => std::slice::from_ref(m),
            Members::Party(ms) => ms,
        }
    }
}

/// One mode's queue.
#[derive(Debug)]
pub(crate) struct Queue {
    pub(crate) mode: Mode,
    pub(crate) config: QueueConfig,
    pub(crate) buckets: Vec<Bucket>,
    /// Each bucket's pace, when the queue tunes its widening to a target wait.
    paces: Vec<Pace>,
    slab: Vec<Option<Entry>>,
    free: Vec<Slot>,
    due: BTreeSet<(Millis, Slot)>,
    /// Tickets enqueued since the last tick, in order (may name removed slots: checked).
    fresh: Vec<Slot>,
    /// Every ticket by enqueue time, for timeouts. Removal is lazy: an entry whose slot no
    /// longer holds that ticket is skipped when popped, and the heap is rebuilt when stale
    /// entries outnumber live ones.
    deadlines: BinaryHeap<Reverse<(Millis, Slot, TicketId)>>,
    pub(crate) backfills: BTreeMap<(Millis, BackfillId), (u8, BackfillRequest)>,
    /// The avoid lists of the tickets that have one, sorted (see [`crate::separation`]).
    pub(crate) avoid_lists: HashMap<Slot, Box<[PlayerId]>>,
    live: usize,
    /// The buckets laid out flat, during a tick where most tickets are anchors.
    pub(crate) ladders: Option<Ladders>,
    pub(crate) ladder_rule: LadderRule,
}

impl Queue {
    pub(crate) fn new(mode: Mode, config: QueueConfig) -> Self {
        let buckets = config.regions.iter().map(|_| Bucket::default()).collect();
        let paces = config.regions.iter().map(|_| Pace::default()).collect();
        Self {
            mode,
            config,
            buckets,
            paces,
            slab: Vec::new(),
            free: Vec::new(),
            due: BTreeSet::new(),
            fresh: Vec::new(),
            deadlines: BinaryHeap::new(),
            backfills: BTreeMap::new(),
            avoid_lists: HashMap::new(),
            live: 0,
            ladders: None,
            ladder_rule: LadderRule::BUSY,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.live
    }

    pub(crate) fn entry(&self, slot: Slot) -> &Entry {
        self.slab[slot as usize]
            .as_ref()
            .expect("BUG: an indexed slot holds a live entry")
    }

    /// Every queued ticket's slot: each is in the bucket of its best region.
    pub(crate) fn slots(&self) -> impl Iterator<Item = Slot> + '_ {
        self.buckets
            .iter()
            .enumerate()
            .flat_map(move |(region, b)| {
                b.by_rating
                    .iter()
                    .map(|&(_, slot)| slot)
                    .filter(move |&slot| usize::from(self.entry(slot).best.0) == region)
            })
    }

    /// The live entry in `slot`, if any.
    pub(crate) fn get(&self, slot: Slot) -> Option<&Entry> {
        self.slab.get(slot as usize).and_then(Option::as_ref)
    }

    /// How many slots the queue's slab has (live or free).
    pub(crate) fn slot_count(&self) -> usize {
        self.slab.len()
    }

    pub(crate) fn is_live(&self, slot: Slot) -> bool {
        self.get(slot).is_some()
    }

    pub(crate) fn region_index(&self, region: crate::name::Region) -> Option<u8> {
        self.config
            .regions
            .iter()
            .position(|r| *r == region)
            .map(|i| i as u8)
    }

    /// How long a ticket has waited as its limits see it: by the wall, or by its home bucket's
    /// clock when the queue tunes widening (see [`Pace`]). Its maximum wait always reads the wall.
    pub(crate) fn widened(&self, e: &Entry, now: Millis) -> u64 {
        match self.config.target_wait_ms {
            None => now.since(e.enqueued),
            Some(_) => self.paces[usize::from(e.best.0)].waited(e.paced_from, now),
        }
    }

    /// Each region's clock at `now` and speed.
    pub(crate) fn clocks(&self, now: Millis) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.paces.iter().map(move |p| (p.clock_at(now), p.speed()))
    }

    /// Adds a prepared entry and its avoid list; the next tick tries it and wakes its older
    /// neighbours.
    pub(crate) fn insert(&mut self, mut entry: Entry, avoid: Box<[PlayerId]>) -> Slot {
        entry.avoids = !avoid.is_empty();
        let (key, enqueued, region) = (entry.key, entry.enqueued, entry.best.0);
        if self.config.target_wait_ms.is_some() {
            entry.paced_from = self.paces[usize::from(region)].arrive(enqueued, entry.size(), key);
        }
        let slot = match self.free.pop() {
            Some(s) => {
                self.slab[s as usize] = Some(entry);
                s
            }
            None => {
                self.slab.push(Some(entry));
                Slot::try_from(self.slab.len() - 1).expect("BUG: fewer than 2^32 tickets per queue")
            }
        };
        self.live += 1;
        if !avoid.is_empty() {
            self.avoid_lists.insert(slot, avoid);
        }
        self.buckets[usize::from(region)].insert(key, slot);
        self.fresh.push(slot);
        let id = self.entry(slot).id;
        self.deadlines.push(Reverse((enqueued, slot, id)));
        slot
    }

    /// Makes the oldest of a newcomer's neighbours due now: they have waited longer, so their
    /// wider bands may now complete a match with it, and they should anchor it.
    fn wake_neighbours(&mut self, slot: Slot, now: Millis) {
        let e = self.entry(slot);
        let (key, region) = (e.key, e.best.0);
        let mut near: Vec<(Millis, Slot)> = self.buckets[usize::from(region)]
            .nearest(key, self.config.rating_band.max, slot)
            .take(4 * WAKE_NEIGHBOURS)
            .filter(|&(s, r)| {
                let e = self.entry(s);
                let band = self.config.rating_band.at(self.widened(e, now));
                (r - key).abs() <= band && !e.fresh && e.due.is_none_or(|d| d > now)
            })
            .map(|(s, _)| (self.entry(s).enqueued, s))
            .collect();
        near.sort_unstable();
        for &(_, s) in near.iter().take(WAKE_NEIGHBOURS) {
            self.schedule(s, Some(now));
        }
    }

    fn schedule(&mut self, slot: Slot, at: Option<Millis>) {
        let entry = self.slab[slot as usize]
            .as_mut()
            .expect("BUG: scheduling a live entry");
        if let Some(old) = entry.due.take() {
            self.due.remove(&(old, slot));
        }
        if let Some(t) = at {
            entry.due = Some(t);
            self.due.insert((t, slot));
        }
    }

    /// Removes a ticket from every index and returns it.
    pub(crate) fn remove(&mut self, slot: Slot) -> Entry {
        self.schedule(slot, None);
        let entry = self.slab[slot as usize]
            .take()
            .expect("BUG: removing a live entry");
        let second = entry
            .second
            .filter(|_| entry.fallback_indexed)
            .map(|(r, _)| r);
        for region in [Some(entry.best.0), second].into_iter().flatten() {
            match self.ladders.as_mut() {
                Some(ladders) => ladders.unlink(region, slot),
                None => self.buckets[usize::from(region)].remove(entry.key, slot),
            }
        }
        if entry.avoids {
            self.avoid_lists.remove(&slot);
        }
        self.free.push(slot);
        self.live -= 1;
        entry
    }

    /// When the anchor's situation next changes in a way that could turn `miss` into a match,
    /// or `None` if it never will by itself: its band only when the band's edge stopped its
    /// search, its latency limit only when that kept it out, its quality floor and its region
    /// fallback always.
    fn next_due(&self, slot: Slot, now: Millis, miss: Miss) -> Option<Millis> {
        let e = self.entry(slot);
        let c = &self.config;
        let widened = self.widened(e, now);
        let fallback = match (e.fallback_indexed, e.second, c.region_fallback_after_ms) {
            (false, Some(_), Some(after)) if after > widened => Some(after),
            _ => None,
        };
        [
            c.rating_band.next_change(widened).filter(|_| miss.band),
            c.latency_ms.next_change(widened).filter(|_| miss.latency),
            fallback,
            c.min_quality.next_change(widened),
        ]
        .into_iter()
        .flatten()
        .min()
        .map(|w| match c.target_wait_ms {
            None => e.enqueued.plus(w),
            Some(_) => self.paces[usize::from(e.best.0)].wall_time(now, widened, w),
        })
    }

    /// Moves each bucket's clock to `now`; a bucket whose speed changed has its waiting
    /// tickets looked at again now, since their next change was timed by the old speed.
    fn pace(&mut self, now: Millis) {
        let mut changed = Vec::new();
        for (region, pace) in self.paces.iter_mut().enumerate() {
            if pace.advance(now, &self.config) {
                changed.push(region as u8);
            }
        }
        if changed.is_empty() {
            return;
        }
        let replan: Vec<Slot> = self
            .due
            .iter()
            .map(|&(_, slot)| slot)
            .filter(|&slot| changed.contains(&self.entry(slot).best.0))
            .collect();
        for slot in replan {
            self.schedule(slot, Some(now));
        }
    }

    /// Whether the ticket's second region opens to it at `now`.
    fn fallback_opens(&self, slot: Slot, now: Millis) -> bool {
        let e = self.entry(slot);
        e.second.is_some()
            && !e.fallback_indexed
            && self
                .config
                .region_fallback_after_ms
                .is_some_and(|after| self.widened(e, now) >= after)
    }

    fn open_fallback(&mut self, slot: Slot, now: Millis) {
        if self.fallback_opens(slot, now) {
            let e = self.entry(slot);
            let (Some((region, _)), key) = (e.second, e.key) else {
                return;
            };
            debug_assert!(
                self.ladders.is_none(),
                "BUG: a laid-out tick opens no fallback"
            );
            self.buckets[usize::from(region)].insert(key, slot);
            self.slab[slot as usize]
                .as_mut()
                .expect("BUG: live entry")
                .fallback_indexed = true;
        }
    }

    /// Runs one tick of this queue.
    pub(crate) fn tick(&mut self, now: Millis, out: &mut TickOutcome) {
        self.pace(now);
        self.expire(now, out);
        self.serve_backfills(now, out);
        let mut anchors: Vec<(Millis, Slot)> = Vec::new();
        let fresh = std::mem::take(&mut self.fresh);
        for &slot in &fresh {
            if let Some(e) = self.slab[slot as usize].as_ref().filter(|e| e.fresh) {
                anchors.push((e.enqueued, slot));
            }
        }
        // A slot freed and taken again since the last tick is listed twice.
        anchors.sort_unstable();
        anchors.dedup();
        // Only tickets that were waiting before this tick are woken: every fresh one is an
        // anchor of this tick already (in a burst, that is all of them).
        if self.live > anchors.len() {
            for &(_, slot) in &anchors {
                self.wake_neighbours(slot, now);
            }
        }
        for &(_, slot) in &anchors {
            if let Some(e) = self.slab[slot as usize].as_mut() {
                e.fresh = false;
            }
        }
        let later = self.due.split_off(&(now.plus(1), 0));
        let ready = std::mem::replace(&mut self.due, later);
        anchors.extend(ready.into_iter().map(|(_, slot)| {
            let e = self.slab[slot as usize]
                .as_mut()
                .expect("BUG: due slot is live");
            e.due = None;
            (e.enqueued, slot)
        }));
        anchors.sort_unstable();
        anchors.dedup();
        // Most of the queue anchors this tick: walk flat arrays rather than the B-trees. A
        // fallback opening mid-tick would add to a bucket, so such a tick keeps the B-trees.
        if self.ladder_rule.applies(anchors.len(), self.live)
            && !anchors
                .iter()
                .any(|&(_, s)| self.is_live(s) && self.fallback_opens(s, now))
        {
            self.ladders = Some(Ladders::of(&self.buckets, self.slab.len()));
        }
        out.matches
            .reserve(anchors.len() / self.config.players_per_match().max(1));
        let order = self.anchor_order(anchors);
        let mut picks = Vec::with_capacity(self.config.players_per_match().min(64));
        let mut warmed = 0u64;
        for (i, &(slot, rung)) in order.iter().enumerate() {
            if i % AHEAD == 0 {
                warmed = warmed.wrapping_add(self.warm(&order[(i + AHEAD).min(order.len())..]));
            }
            // Nothing is queued during a tick, so a live slot still holds its anchor. On a
            // ladder the rung says so without reading the ticket.
            let live = match (&self.ladders, rung) {
                (Some(ladders), Some((region, rung))) => !ladders.taken(region, rung),
                _ => self.is_live(slot),
            };
            if !live {
                continue;
            }
            out.anchors_tried += 1;
            self.open_fallback(slot, now);
            let e = self.entry(slot);
            let fallback = e.second.filter(|_| e.fallback_indexed).map(|(r, _)| r);
            let regions = [Some(e.best.0), fallback].into_iter().flatten();
            let mut missed = Miss::default();
            let mut found = None;
            for region in regions {
                let on = rung.filter(|&(r, _)| r == region).map(|(_, rung)| rung);
                match self.propose(slot, region, on, now, &mut picks) {
                    Ok(made) => {
                        found = Some(made);
                        break;
                    }
                    Err(miss) => missed = missed.or(miss),
                }
            }
            match found {
                Some(made) => {
                    for &s in &picks {
                        self.remove(s);
                    }
                    out.matches.push(made);
                }
                None => {
                    let next = self.next_due(slot, now, missed);
                    self.schedule(slot, next);
                }
            }
        }
        std::hint::black_box(warmed);
        if let Some(ladders) = self.ladders.take() {
            ladders.restore(&mut self.buckets);
        }
    }

    fn expire(&mut self, now: Millis, out: &mut TickOutcome) {
        let max_wait = self.config.max_wait_ms;
        while let Some(&Reverse((enqueued, slot, id))) = self.deadlines.peek() {
            if now.since(enqueued) < max_wait {
                break;
            }
            self.deadlines.pop();
            let current = self.slab[slot as usize]
                .as_ref()
                .is_some_and(|e| e.id == id && e.enqueued == enqueued);
            if !current {
                continue;
            }
            let entry = self.remove(slot);
            out.timed_out.push(TimedOut {
                ticket: entry.id,
                mode: self.mode,
                players: entry.members.iter().map(|m| m.player).collect(),
                waited_ms: now.since(enqueued),
            });
        }
        if self.deadlines.len() > 2 * self.live + 1024 {
            let live = self.slab.iter().enumerate().filter_map(|(slot, e)| {
                e.as_ref()
                    .map(|e| Reverse((e.enqueued, slot as Slot, e.id)))
            });
            self.deadlines = live.collect();
        }
    }
}
