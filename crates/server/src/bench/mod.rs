//! The benchmarks behind `rally bench accounts` ([`accounts`](mod@accounts)) and `rally bench gateway`
//! ([`gateway`](mod@gateway)) and `rally bench queue` ([`queue`](mod@queue)), `rally bench soak`
//! ([`soak`](mod@soak)), and what they share ([`node`]).

pub mod accounts;
pub mod gateway;
pub mod node;
pub mod queue;
pub mod ratings;
pub mod soak;

use std::time::Duration;

pub use accounts::{AccountsBenchArgs, AccountsReport, accounts};
pub use gateway::{GatewayBenchArgs, GatewayReport, gateway};
pub use queue::{QueueBenchArgs, QueueReport, queue};
pub use ratings::{RatingsBenchArgs, RatingsReport, ratings};
pub use soak::{SoakBenchArgs, SoakReport, soak};

/// Latency percentiles of a sample.
#[derive(Debug, Clone, Copy, Default)]
pub struct Latency {
    /// Samples taken.
    pub count: usize,
    /// Median.
    pub p50: Duration,
    /// 95th percentile.
    pub p95: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Largest.
    pub max: Duration,
}

impl Latency {
    /// The percentiles of `samples`.
    pub fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort_unstable();
        let at = |q: f64| {
            samples
                .get(((samples.len() as f64 * q).ceil() as usize).saturating_sub(1))
                .copied()
                .unwrap_or_default()
        };
        Self {
            count: samples.len(),
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            max: samples.last().copied().unwrap_or_default(),
        }
    }
}
