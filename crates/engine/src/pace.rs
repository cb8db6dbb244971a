//! A bucket's pace: how fast its limits widen when its queue tunes widening to a target wait.
//!
//! With a queue's `target_wait_ms` set, each bucket (one region) keeps a clock of its own that
//! runs `speed` times as fast as the wall, from 1 to [`MAX_WIDENING_SPEED`]. A ticket's rating
//! band, latency limit, region fallback and quality minimum follow its home bucket's clock: they
//! reach their configured bounds sooner, never past them (the quality minimum never relaxes
//! below its floor). Its maximum wait follows the wall, so tuning never times a ticket out early.
//! The clock never runs backwards, so a ticket's limits never narrow.
//!
//! Once a second the bucket estimates the wait its fixed schedule would give: players arrive at
//! rate `λ` (per second: their plain mean over the first minute, then smoothed over a minute;
//! tickets restored with an enqueue time long before the bucket's clock are not arrivals) with
//! ratings spread by `σ`; two such ratings differ by a spread of `σ√2`, so a band of half-width
//! `b` holds a share `erf(b / 2σ)` of the others, and a ticket has the others its match needs
//! once `λ · w · erf(band(w) / 2σ) ≥ players − 1`. The speed is how many times that wait exceeds
//! the target (at least 1: a busy bucket keeps the configured schedule and its quality). A
//! change of less than a quarter is ignored, so the speed settles.

use crate::{config::QueueConfig, id::Millis};

/// The most a bucket's clock may run ahead of the wall: its limits reach in an eighth of the
/// configured time what they would reach on the fixed schedule.
pub const MAX_WIDENING_SPEED: f64 = 8.0;

/// How often a bucket re-estimates its speed.
const REVIEW_MS: u64 = 1_000;

/// Over how long the arrival rate is smoothed.
const RATE_WINDOW_MS: f64 = 60_000.0;

/// The weight of each arrival in the running mean and spread of ratings.
const SPREAD_WEIGHT: f64 = 1.0 / 256.0;

/// A ticket enqueued longer than this before its bucket's clock last moved is waiting already
/// (restored after a restart or a takeover), not arriving. Fresh tickets may be a little
/// behind the clock: their enqueue time comes from the node that took them, and the caller
/// reads them a round late.
const ARRIVAL_GRACE_MS: u64 = 5_000;

/// The smallest relative change of speed that is applied.
const SETTLE: f64 = 0.25;

/// One bucket's pace.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pace {
    speed: f64,
    /// The bucket's clock at `last`, in paced milliseconds.
    clock: f64,
    /// When the clock was last advanced (`None` before the bucket saw a ticket or a tick).
    last: Option<Millis>,
    reviewed: Option<Millis>,
    /// Players arrived since the last review.
    arrived: u64,
    /// Players arriving per millisecond, smoothed (`None` before the first review).
    rate: Option<f64>,
    /// How long the rate has been observed, in milliseconds.
    observed_ms: u64,
    /// Running mean of the arrivals' ratings, and of their squares.
    mean: f64,
    square: f64,
    samples: u64,
}

impl Pace {
    /// How many times as fast as the wall this bucket's limits widen now.
    pub(crate) fn speed(&self) -> f64 {
        self.speed.max(1.0)
    }

    /// The bucket's clock at `at` (a time not before the last advance reads the current speed
    /// forward; an earlier one, a ticket restored with its original enqueue time, the wall back).
    pub(crate) fn clock_at(&self, at: Millis) -> f64 {
        match self.last {
            None => 0.0,
            Some(last) if at >= last => self.clock + at.since(last) as f64 * self.speed(),
            Some(last) => self.clock - last.since(at) as f64,
        }
    }

    /// How long a ticket whose bucket clock read `since` has waited by this clock at `now`.
    pub(crate) fn waited(&self, since: f64, now: Millis) -> u64 {
        (self.clock_at(now) - since).max(0.0) as u64
    }

    /// The wall time at which a ticket that has waited `paced` by this clock at `now` reaches
    /// `target` at the current speed.
    pub(crate) fn wall_time(&self, now: Millis, paced: u64, target: u64) -> Millis {
        let ahead = target.saturating_sub(paced) as f64 / self.speed();
        now.plus(ahead.ceil() as u64)
    }

    /// Counts a ticket of `players` players rated `key` arriving at `at`, and returns the clock
    /// it starts from. A ticket enqueued long before the clock's last move (restored after a
    /// restart or a takeover; see [`ARRIVAL_GRACE_MS`]) is waiting already, not arriving: it is
    /// not counted.
    pub(crate) fn arrive(&mut self, at: Millis, players: usize, key: f64) -> f64 {
        match self.last {
            None => self.last = Some(at),
            Some(last) if at.plus(ARRIVAL_GRACE_MS) < last => return self.clock_at(at),
            Some(_) => {}
        }
        self.arrived += players as u64;
        // A plain mean over the first arrivals, then a running one.
        self.samples += 1;
        let weight = (1.0 / self.samples as f64).max(SPREAD_WEIGHT);
        self.mean += (key - self.mean) * weight;
        self.square += (key * key - self.square) * weight;
        self.clock_at(at)
    }

    /// Moves the clock to `now` and, once a second, re-estimates the speed. Returns whether the
    /// speed changed (tickets scheduled by the old speed should be looked at again).
    pub(crate) fn advance(&mut self, now: Millis, config: &QueueConfig) -> bool {
        let Some(target) = config.target_wait_ms else {
            return false;
        };
        // Only forward: a `now` behind the clock (another node's timestamps, a wall clock set
        // back) leaves it where it is, so no ticket's limits narrow.
        match self.last {
            Some(last) if now <= last => {}
            _ => {
                self.clock = self.clock_at(now);
                self.last = Some(now);
            }
        }
        let Some(reviewed) = self.reviewed else {
            self.reviewed = Some(now);
            return false;
        };
        let span = now.since(reviewed);
        if span < REVIEW_MS {
            return false;
        }
        let observed = self.arrived as f64 / span as f64;
        // A plain mean while less than a window has been observed, so the first seconds (a
        // quiet first one, say) do not stand for the minute.
        self.observed_ms += span;
        let blend = (span as f64 / self.observed_ms as f64)
            .max(1.0 - (-(span as f64) / RATE_WINDOW_MS).exp());
        self.rate = Some(self.rate.map_or(observed, |r| r + (observed - r) * blend));
        (self.arrived, self.reviewed) = (0, Some(now));
        let wanted =
            (self.expected_wait_ms(config) / target.max(1) as f64).clamp(1.0, MAX_WIDENING_SPEED);
        if (wanted - self.speed()).abs() >= SETTLE * self.speed() {
            self.speed = wanted;
            return true;
        }
        false
    }

    /// The spread (standard deviation) of arriving ratings.
    fn spread(&self) -> f64 {
        (self.square - self.mean * self.mean).max(0.0).sqrt()
    }

    /// The wait the fixed schedule gives a ticket here, in milliseconds (infinite with no
    /// arrivals).
    pub(crate) fn expected_wait_ms(&self, config: &QueueConfig) -> f64 {
        let Some(rate) = self.rate.filter(|r| *r > 0.0) else {
            return f64::INFINITY;
        };
        let others = config.players_per_match().saturating_sub(1) as f64;
        let sd = self.spread();
        let share = |band: f64| {
            if sd <= f64::EPSILON {
                1.0
            } else {
                erf(band / (2.0 * sd)).max(f64::EPSILON)
            }
        };
        // The band is constant between its steps: within each, the wait solves
        // `rate * w * share(band) = others`.
        let mut from = 0u64;
        loop {
            let w = others / (rate * share(config.rating_band.at(from)));
            match config.rating_band.next_change(from) {
                Some(next) if w >= next as f64 => from = next,
                _ => return w.max(from as f64),
            }
        }
    }
}

/// The error function (Abramowitz and Stegun 7.1.26; absolute error below 1.5e-7).
fn erf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let y = 1.0 - poly * (-x * x).exp();
    if x < 0.0 { -y } else { y }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::name::Region;

    fn config(target_ms: u64) -> QueueConfig {
        let mut c = QueueConfig::duel(vec![Region::new("eu").expect("valid")]);
        c.target_wait_ms = Some(target_ms);
        c
    }

    /// Feeds `per_second` players a second for `seconds`, ratings alternating around 1500 by
    /// `offset`, ticking every 250 ms; returns the speed after each second.
    fn feed(pace: &mut Pace, c: &QueueConfig, per_second: u64, offset: f64, seconds: u64) {
        for s in 0..seconds {
            for k in 0..per_second {
                let at = Millis(s * 1000 + k * 1000 / per_second.max(1));
                let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
                pace.arrive(at, 1, 1500.0 + sign * offset);
            }
            for q in 1..=4 {
                pace.advance(Millis(s * 1000 + q * 250), c);
            }
        }
    }

    #[test]
    fn the_error_function_matches_known_values() {
        for (x, want) in [
            (0.0, 0.0),
            (0.5, 0.520_499_9),
            (1.0, 0.842_700_8),
            (2.0, 0.995_322_3),
        ] {
            assert!((erf(x) - want).abs() < 2e-7, "erf({x}) = {}", erf(x));
            assert!((erf(-x) + want).abs() < 2e-7);
        }
    }

    #[test]
    fn the_expected_wait_follows_arrivals_and_the_band() {
        let c = config(10_000);
        let mut pace = Pace::default();
        // Everyone rated alike: the band never matters; one opponent a second is a 1 s wait.
        feed(&mut pace, &c, 1, 0.0, 3);
        pace.rate = Some(0.001);
        assert!((pace.expected_wait_ms(&c) - 1_000.0).abs() < 1.0);
        // Ratings 1500 ± 300: two differ by a spread of 300√2, so a band of 100 holds
        // erf(100 / 600) = 18.6 % of the others; at 1 a second an opponent takes 5.4 s, past the
        // band's first step (5 s), where 150 holds erf(150 / 600) = 27.6 %: 3.6 s, so 5 s.
        let mut spread = Pace::default();
        feed(&mut spread, &c, 2, 300.0, 3);
        spread.rate = Some(0.001);
        assert!((spread.expected_wait_ms(&c) - 5_000.0).abs() < 1.0);
        spread.rate = Some(0.002);
        let w = spread.expected_wait_ms(&c);
        assert!((w - 500.0 / erf(100.0 / 600.0)).abs() < 1.0, "{w}");
        // At one arrival a minute no band reached before its next step gives an opponent in
        // time: the widest (600, reached at 50 s) holds erf(1) = 84 % of the others, so 71.2 s.
        spread.rate = Some(1.0 / 60_000.0);
        let slow = spread.expected_wait_ms(&c);
        assert!((slow - 60_000.0 / erf(1.0)).abs() < 1.0, "{slow}");
    }

    #[test]
    fn a_slow_bucket_speeds_up_and_a_busy_one_keeps_the_schedule() {
        let c = config(2_000);
        let mut slow = Pace::default();
        // A player every four seconds: an opponent takes 4 s against a 2 s target.
        feed(&mut slow, &c, 0, 0.0, 1);
        for s in 1..300u64 {
            if s % 4 == 0 {
                slow.arrive(Millis(s * 1000), 1, 1500.0);
            }
            slow.advance(Millis(s * 1000 + 500), &c);
        }
        assert!((slow.speed() - 2.0).abs() < 0.6, "speed {}", slow.speed());
        let mut busy = Pace::default();
        feed(&mut busy, &c, 20, 0.0, 10);
        assert_eq!(busy.speed(), 1.0);
        let mut dead = Pace::default();
        feed(&mut dead, &c, 0, 0.0, 10);
        assert_eq!(
            dead.speed(),
            MAX_WIDENING_SPEED,
            "no arrivals: as fast as allowed"
        );
    }

    #[test]
    fn the_clock_runs_at_the_speed_and_never_backwards() {
        let c = config(1_000);
        let mut pace = Pace::default();
        let start = pace.arrive(Millis(0), 1, 1500.0);
        pace.advance(Millis(0), &c);
        pace.speed = 4.0;
        pace.advance(Millis(500), &c);
        assert_eq!(pace.waited(start, Millis(500)), 2_000);
        assert_eq!(pace.waited(start, Millis(750)), 3_000);
        assert_eq!(pace.wall_time(Millis(500), 2_000, 5_000), Millis(1_250));
        // The review at 1 s sees one arrival a second: an opponent a second is the target, so
        // the bucket slows to the wall, keeping what it gained.
        assert!(pace.advance(Millis(1_000), &c), "the speed changed");
        assert_eq!(pace.speed(), 1.0);
        assert_eq!(pace.waited(start, Millis(1_000)), 4_000);
        assert_eq!(pace.waited(start, Millis(1_500)), 4_500);
        // A ticket enqueued before the clock's last move starts behind it, by the wall; a
        // little behind, it is a fresh ticket read late; long behind, a restored one.
        let arrived = pace.arrived;
        let late = pace.arrive(Millis(400), 1, 1500.0);
        assert_eq!(pace.waited(late, Millis(1_000)), 600);
        assert_eq!(
            pace.arrived,
            arrived + 1,
            "a fresh ticket read late still arrives"
        );
        pace.advance(Millis(10_000), &c);
        let before = pace.arrived;
        let restored = pace.arrive(Millis(1_000), 1, 1500.0);
        assert_eq!(
            pace.arrived, before,
            "one long waiting is restored, not arriving"
        );
        assert_eq!(pace.waited(restored, Millis(10_000)), 9_000);
        // A tick behind the clock leaves it where it is.
        let ahead = pace.waited(start, Millis(10_000));
        pace.advance(Millis(700), &c);
        assert_eq!(pace.waited(start, Millis(10_000)), ahead);
    }
}
