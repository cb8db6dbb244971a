//! Latencies: a [`LatencyRecorder`] (an HDR histogram in microseconds, 3 significant figures)
//! that every task of a benchmark fills on its own and merges at the end, and the [`Latency`]
//! summary the reports print.
//!
//! A histogram keeps memory constant however many samples a long run takes, and its
//! percentiles are within 0.1 % of the exact ones.

use std::time::Duration;

use hdrhistogram::Histogram;

/// The longest latency told apart from longer ones: an hour, in microseconds. Longer samples
/// are recorded as an hour.
const HIGHEST_US: u64 = 3_600_000_000;
/// Significant figures kept: a sample of 12,345 µs reads back between 12,340 and 12,350 µs.
const SIGNIFICANT_FIGURES: u8 = 3;

/// Latency percentiles of a sample.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
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

impl serde::Serialize for Latency {
    /// As milliseconds: `{"count", "p50_ms", "p95_ms", "p99_ms", "max_ms"}`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Latency", 5)?;
        s.serialize_field("count", &self.count)?;
        s.serialize_field("p50_ms", &ms(self.p50))?;
        s.serialize_field("p95_ms", &ms(self.p95))?;
        s.serialize_field("p99_ms", &ms(self.p99))?;
        s.serialize_field("max_ms", &ms(self.max))?;
        s.end()
    }
}

/// `duration` in milliseconds.
pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Serializes a duration as milliseconds (for `#[serde(serialize_with)]`).
pub fn millis<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(ms(*duration))
}

/// Records latencies with microsecond precision, for [`Latency`] at the end.
#[derive(Debug, Clone)]
pub struct LatencyRecorder {
    histogram: Histogram<u64>,
}

impl Default for LatencyRecorder {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyRecorder {
    /// An empty recorder.
    #[must_use]
    pub fn new() -> Self {
        let histogram = Histogram::new_with_bounds(1, HIGHEST_US, SIGNIFICANT_FIGURES)
            .expect("BUG: the latency histogram's bounds are valid");
        Self { histogram }
    }

    /// Records one sample (anything past an hour counts as an hour).
    pub fn record(&mut self, latency: Duration) {
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.histogram.saturating_record(us);
    }

    /// Adds every sample of `other` (another task's recorder) to this one.
    pub fn merge(&mut self, other: &Self) {
        self.histogram
            .add(&other.histogram)
            .expect("BUG: recorders share their bounds, so one always fits into another");
    }

    /// Samples recorded so far.
    #[must_use]
    pub fn count(&self) -> usize {
        usize::try_from(self.histogram.len()).unwrap_or(usize::MAX)
    }

    /// The percentiles of what was recorded (all zero when nothing was).
    #[must_use]
    pub fn latency(&self) -> Latency {
        let at = |quantile: f64| Duration::from_micros(self.histogram.value_at_quantile(quantile));
        if self.histogram.is_empty() {
            return Latency::default();
        }
        Latency {
            count: self.count(),
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            max: Duration::from_micros(self.histogram.max()),
        }
    }
}

impl FromIterator<Duration> for LatencyRecorder {
    fn from_iter<I: IntoIterator<Item = Duration>>(samples: I) -> Self {
        let mut recorder = Self::new();
        for sample in samples {
            recorder.record(sample);
        }
        recorder
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_within_the_histograms_precision() {
        let recorder: LatencyRecorder = (1..=100).map(Duration::from_millis).collect();
        let latency = recorder.latency();
        assert_eq!(latency.count, 100);
        let near = |d: Duration, ms: u64| {
            let want = ms as f64 * 1000.0;
            (d.as_micros() as f64 - want).abs() <= want * 0.001
        };
        assert!(near(latency.p50, 50), "{latency:?}");
        assert!(near(latency.p95, 95), "{latency:?}");
        assert!(near(latency.p99, 99), "{latency:?}");
        assert!(near(latency.max, 100), "{latency:?}");
    }

    #[test]
    fn an_empty_recorder_reports_zeros() {
        assert_eq!(LatencyRecorder::new().latency(), Latency::default());
    }

    #[test]
    fn merged_recorders_count_every_sample() {
        let mut fast: LatencyRecorder = (0..10).map(|_| Duration::from_micros(200)).collect();
        let slow: LatencyRecorder = (0..10).map(|_| Duration::from_secs(2)).collect();
        fast.merge(&slow);
        let latency = fast.latency();
        assert_eq!(latency.count, 20);
        assert!(latency.p50 < Duration::from_millis(1), "{latency:?}");
        assert!(latency.p95 >= Duration::from_millis(1999), "{latency:?}");
    }

    #[test]
    fn samples_past_an_hour_count_as_an_hour() {
        let recorder: LatencyRecorder = [Duration::from_secs(7_200)].into_iter().collect();
        let max = recorder.latency().max;
        assert!(max >= Duration::from_secs(3_599), "{max:?}");
        assert!(max <= Duration::from_secs(3_604), "{max:?}");
    }
}
