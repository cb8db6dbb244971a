//! A player's wait between a match and the next, drawn afresh each time so a population of
//! bench players is not in step (`rally bench loop --think-ms --think-spread-pct`).

use std::time::Duration;

use rand::{Rng, rngs::StdRng};

/// A player's wait between a match and the next: `mean`, strayed from by up to `spread` of
/// it either way, uniformly.
#[derive(Debug, Clone, Copy)]
pub struct Think {
    /// The average wait.
    pub mean: Duration,
    /// How far a wait strays from it, as a share of it either way (0 to 1).
    pub spread: f64,
}

impl Think {
    /// One wait, drawn with `rng`.
    pub fn draw(self, rng: &mut StdRng) -> Duration {
        if self.spread == 0.0 {
            return self.mean;
        }
        self.mean
            .mul_f64(rng.random_range(1.0 - self.spread..=1.0 + self.spread))
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn a_wait_strays_from_the_mean_within_its_spread_and_not_at_all_without_one() {
        let mean = Duration::from_millis(3000);
        let mut rng = StdRng::seed_from_u64(7);
        let spread = Think { mean, spread: 0.5 };
        let waits: Vec<Duration> = (0..1000).map(|_| spread.draw(&mut rng)).collect();
        assert!(
            waits
                .iter()
                .all(|w| (Duration::from_millis(1500)..=Duration::from_millis(4500)).contains(w)),
            "every wait within 50 % of the mean"
        );
        assert!(waits.iter().any(|w| *w < Duration::from_millis(2000)));
        assert!(waits.iter().any(|w| *w > Duration::from_millis(4000)));
        let in_step = Think { mean, spread: 0.0 };
        assert!((0..100).all(|_| in_step.draw(&mut rng) == mean));
    }
}
